"""Reading user input as data: TOML files and ``--set KEY=VALUE`` values and keys.

Owns the limits every user file and command-line value passes before anything else looks at
it: only regular files (never a device, FIFO or directory, so ``/dev/zero`` or a pipe cannot
make kamsim read forever or hang), at most :data:`MAX_FILE_BYTES`, UTF-8, valid TOML, no NUL or
other control characters outside strings, and nesting at most :data:`MAX_DEPTH` deep. Every
problem is an :class:`~sim.scenario.InputError`-style ``(file, key, message)`` triple raised as
:class:`ReadError`, which the scenario and sweep-spec loaders turn into their own problems.
Nothing here evaluates or unpickles input.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

# A scenario or sweep spec is a few kilobytes; 1 MiB is hundreds of times the largest shipped
# file and small enough to read at once.
MAX_FILE_BYTES = 1 << 20
# Tables and arrays of a scenario nest at most five deep (suppliers[].strategies.x.y); 64
# leaves room and keeps recursive readers far from Python's recursion limit.
MAX_DEPTH = 64
# Longest --set value (a value, not a file).
MAX_VALUE_CHARS = 10_000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NAME = r"[A-Za-z0-9_]+"
_SELECTOR = r"\[[^\[\]\x00-\x1f\x7f]+\]"
_KEY = re.compile(rf"^{_NAME}(?:{_SELECTOR})?(?:\.{_NAME}(?:{_SELECTOR})?)*$")


class ReadError(Exception):
    """A file or value that cannot be read as data; ``message`` says why (one line)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of the regular file ``path`` (at most ``limit`` bytes)."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ReadError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise ReadError(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise ReadError(f"cannot read {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError(f"{path} is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(f"{path} is not a regular file (a device, pipe or socket)")
        if info.st_size > limit:
            raise ReadError(f"{path} is too large ({info.st_size:,} bytes; at most "
                            f"{limit:,})")
        data = _read_at_most(fd, limit + 1)
    except OSError as exc:
        raise ReadError(f"cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ReadError(f"{path} is too large (more than {limit:,} bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError(f"{path} is not a text (UTF-8) file (byte {exc.start})") from None


def _read_at_most(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document in the regular file ``path``, checked by :func:`parse_toml`."""
    return parse_toml(read_text(path), what=str(path))


def parse_toml(text: str, what: str) -> dict[str, Any]:
    """Parse TOML text; refuse NUL bytes and nesting deeper than :data:`MAX_DEPTH`."""
    if "\x00" in text:
        raise ReadError(f"{what} is not valid TOML: it contains a NUL byte")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReadError(f"{what} is not valid TOML (truncated?): {exc}") from None
    except RecursionError:
        raise ReadError(f"{what} is nested too deeply (at most {MAX_DEPTH} levels)") from None
    if depth(data) > MAX_DEPTH:
        raise ReadError(f"{what} is nested too deeply (at most {MAX_DEPTH} levels)")
    return data


def depth(value: Any) -> int:
    """Nesting depth of tables and arrays (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            deepest = max(deepest, level)
            continue
        deepest = max(deepest, level + 1)
        stack.extend((c, level + 1) for c in children)
    return deepest


def parse_override(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` -> (key, value): the key checked by :func:`check_key`, the value read as
    one TOML value (data, never code)."""
    if _CONTROL.search(text) or "\n" in text or "\r" in text:
        raise ReadError(f"{text[:60]!r}: contains a newline or control character")
    key, eq, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not eq or not key:
        raise ReadError(f"expected KEY=VALUE, got {text[:60]!r}")
    check_key(key)
    if not raw:
        raise ReadError(f"{key}: no value after '='")
    if len(raw) > MAX_VALUE_CHARS:
        raise ReadError(f"{key}: value longer than {MAX_VALUE_CHARS:,} characters")
    try:
        doc = parse_toml(f"v = {raw}", what=key)
    except ReadError as exc:
        if "nested" in exc.message:
            raise
        raise ReadError(f"{key}: {raw[:60]!r} is not a TOML value (quote strings: "
                        f"{key}='\"text\"')") from None
    if list(doc) != ["v"]:
        raise ReadError(f"{key}: {raw[:60]!r} is more than one value")
    return key, doc["v"]


def check_key(key: str) -> None:
    """A dotted key: names of letters, digits and ``_``, each optionally followed by one
    ``[selector]`` (``suppliers[Focal].markup``)."""
    if key.count("[") != key.count("]"):
        raise ReadError(f"{key}: unbalanced '[' and ']'")
    if not _KEY.match(key):
        raise ReadError(f"{key}: not a dotted key (like run.weeks or "
                        "suppliers[Focal].markup)")
