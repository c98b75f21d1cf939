"""Everything kamsim writes goes through here: atomic files and directories, JSON, and the
rules for where a result may go.

* :func:`write_bytes`, :func:`write_text`, :func:`write_with` — one file, atomically (a
  temporary file beside it, fsync, rename); :func:`atomic_dir` — a whole result directory
  that appears whole or not at all. A failing write raises :class:`InputError` naming the
  path (disk full, read-only location) and leaves no temporary file.
* :func:`write_json` / :func:`to_json` — the one JSON writer: numpy scalars and arrays become
  Python numbers and lists; a NaN or an infinity is a bug and raises :class:`NonFiniteError`
  naming its key, so every JSON file is valid JSON. Where NaN means "undefined", callers turn
  it into ``null`` explicitly with :func:`nan_to_none`.
* :func:`claim_out` — may a command write its result to a directory? kamsim writes only into
  a directory it creates, an empty one, or one marked (``.kamsim.json``) as an earlier kamsim
  result of the same kind; that one is replaced only with ``--force`` (and only if it holds no
  file kamsim did not write), otherwise the new result goes to ``NAME-2``, ``NAME-3``, ...
* :func:`safe_name` — a name read from a file, made safe as one path component under the
  output root ``results/``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError

__all__ = ["MARKER", "OUTPUT_ROOT", "NonFiniteError", "OutDir", "atomic_dir", "claim_out",
           "file_sha256", "nan_to_none", "read_marker", "safe_name", "to_json", "write_bytes",
           "write_json", "write_text", "write_with"]

MARKER = ".kamsim.json"
OUTPUT_ROOT = Path("results")
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class NonFiniteError(ValueError):
    """A NaN or an infinity on its way into a JSON file."""


# ------------------------------------------------------------------------------ names


def safe_name(text: str) -> str:
    """``text`` as one safe path component: runs of characters other than letters, digits,
    ``.``, ``_`` and ``-``, and runs of dots, become one ``_``; no leading ``.``, ``_`` or
    ``-`` (so never ``..``, a hidden file or an option): ``../../a/b`` -> ``a_b``."""
    name = re.sub(r"(?:[^A-Za-z0-9._-]|\.{2,})+", "_", str(text))
    name = re.sub(r"_+", "_", name).lstrip("._-")
    return name[:120] or "_"


# ------------------------------------------------------------------------------ files


def _cannot_write(path: Path, exc: OSError) -> InputError:
    return InputError([(str(path), "", f"cannot write: {exc.strerror or exc}")])


def write_with(path: str | Path, write: Callable[[Path], None]) -> None:
    """Atomically create or replace ``path`` with what ``write(temporary_path)`` writes."""
    path = Path(path)
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        tmp = Path(name)
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        tmp.chmod(0o666 & ~_umask())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Atomically create or replace ``path`` with ``data``."""
    write_with(path, lambda tmp: tmp.write_bytes(data))


def write_text(path: str | Path, text: str) -> None:
    """Atomically create or replace ``path`` with UTF-8 ``text``."""
    write_bytes(path, text.encode("utf-8"))


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ------------------------------------------------------------------------------ JSON


def _plain(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def _check_finite(x: Any, where: str) -> None:
    if isinstance(x, dict):
        for k, v in x.items():
            _check_finite(v, f"{where}.{k}" if where else str(k))
    elif isinstance(x, (list, tuple, np.ndarray)):
        for i, v in enumerate(x):
            _check_finite(v, f"{where}[{i}]")
    elif isinstance(x, (float, np.floating)) and not math.isfinite(x):
        raise NonFiniteError(f"{where or 'value'} is {x}, not a finite number")


def to_json(obj: Any) -> str:
    """``obj`` as indented UTF-8 JSON text; raises :class:`NonFiniteError` for NaN or inf."""
    _check_finite(obj, "")
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False, default=_plain) + "\n"


def write_json(path: str | Path, obj: Any) -> None:
    """Atomically write ``obj`` as JSON (see :func:`to_json`)."""
    write_text(path, to_json(obj))


def nan_to_none(x: Any) -> Any:
    """``x`` with numpy scalars as Python numbers and NaN/inf as None, for figures whose
    NaN means "undefined" (an interval of one run, a ratio over nothing)."""
    if isinstance(x, dict):
        return {str(k): nan_to_none(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [nan_to_none(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


# ------------------------------------------------------------------------------ result directories


@dataclass(frozen=True)
class OutDir:
    """Where a result goes: ``path``; ``replace`` when it replaces an earlier result there;
    ``note``: what to tell the user when the path is not the one asked for."""

    path: Path
    replace: bool = False
    note: str | None = None


def read_marker(directory: Path) -> dict[str, Any] | None:
    """The marker of a kamsim result directory, or None when it is not one."""
    try:
        data = json.loads((directory / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("kind"), str) else None


def _foreign_files(directory: Path, marker: dict[str, Any]) -> list[str]:
    """Files under ``directory`` that its marker does not list (kamsim did not write them)."""
    own = set(marker.get("files") or []) | {MARKER}
    found = (p.relative_to(directory).as_posix() for p in directory.rglob("*")
             if not p.is_dir())
    return sorted(f for f in found if f not in own)


def _state(path: Path, kind: str) -> str:
    """"free" (missing or an empty directory), "ours" (a result of ``kind``) or "foreign"."""
    if not path.exists() and not path.is_symlink():
        return "free"
    if path.is_symlink() or not path.is_dir():
        return "foreign"
    if not any(path.iterdir()):
        return "free"
    marker = read_marker(path)
    return "ours" if marker is not None and marker["kind"] == kind else "foreign"


def _numbered(path: Path) -> Path:
    k = 2
    while (path.with_name(f"{path.name}-{k}")).exists():
        k += 1
    return path.with_name(f"{path.name}-{k}")


def claim_out(requested: Path | None, default: Path, kind: str, force: bool = False) -> OutDir:
    """Decide where a result of ``kind`` goes (see the module docstring).

    ``requested``: the user's ``--out`` (None: ``default``). Raises :class:`InputError`
    (exit 2, nothing touched) for an explicit ``--out`` that exists and is not a kamsim result
    of this kind, and for ``--force`` on a result holding files kamsim did not write.
    """
    target = Path(requested if requested is not None else default)
    state = _state(target, kind)
    if state == "free":
        return OutDir(target)
    if state == "ours":
        if force:
            foreign = _foreign_files(target, read_marker(target) or {})
            if foreign:
                raise InputError([(str(target), "--force", "holds files kamsim did not write ("
                                   f"{', '.join(foreign[:3])}); move them away first")])
            return OutDir(target, replace=True)
        new = _numbered(target)
        return OutDir(new, note=f"{target} holds an earlier {kind} result; writing {new} "
                      "instead (--force replaces it)")
    if requested is not None:
        what = "a file" if target.exists() and not target.is_dir() else \
            f"a directory that is not a kamsim {kind} result"
        raise InputError([(str(target), "--out", f"is {what}; choose a new or empty directory"
                           + (" (--force replaces only a kamsim result)" if force else ""))])
    new = _numbered(target)
    return OutDir(new, note=f"{target} exists and is not a kamsim {kind} result; writing "
                  f"{new} instead")


@contextmanager
def _signals_blocked() -> Iterator[None]:
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _marker(kind: str, tmp: Path) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("kamsim")
    except PackageNotFoundError:
        ver = "unknown"
    files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if not p.is_dir())
    return {"kind": kind, "kamsim": ver, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "files": files}


@contextmanager
def atomic_dir(out: OutDir | Path, kind: str) -> Iterator[Path]:
    """Yield a temporary directory beside the target; on success mark it as a ``kind`` result
    and put it in place (replacing an earlier marked result only if ``out.replace``; a plain
    path, as library callers give, may replace one). A directory that is not a kamsim result
    of ``kind``, or one holding files kamsim did not write, is never replaced.

    On any error or signal the temporary directory is removed and the target is untouched;
    an ``OSError`` (disk full, read-only) becomes :class:`InputError` naming the path.
    """
    out = out if isinstance(out, OutDir) else OutDir(Path(out), replace=True)
    target = out.path
    tmp: Path | None = None
    try:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with _signals_blocked():  # no signal between creating the directory and naming it
                tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp",
                                            dir=target.parent))
            tmp.chmod(0o777 & ~_umask())
        except OSError as exc:
            raise InputError([(str(target), "--out",
                               f"cannot write here: {exc.strerror}")]) from None
        try:
            yield tmp
            write_json(tmp / MARKER, _marker(kind, tmp))
        except OSError as exc:
            raise _cannot_write(target, exc) from None
        except InputError as exc:  # a file written inside: name it as it would have been
            raise InputError([(f.replace(str(tmp), str(target)), k, m)
                              for f, k, m in exc.problems]) from None
        with _signals_blocked():
            _swap(tmp, target, out.replace, kind)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(tmp: Path, target: Path, replace: bool, kind: str) -> None:
    """Put ``tmp`` at ``target``; an earlier result there is moved aside, then removed."""
    state = _state(target, kind)
    if state == "foreign" or (state == "ours" and not replace):
        raise InputError([(str(target), "--out", "exists and is not a kamsim result kamsim "
                           "may replace; the result was not saved")])
    if state == "ours" and (foreign := _foreign_files(target, read_marker(target) or {})):
        raise InputError([(str(target), "--out", "holds files kamsim did not write ("
                           f"{', '.join(foreign[:3])}); the result was not saved")])
    if state == "free":
        try:
            os.replace(tmp, target)  # onto nothing, or onto an empty directory
        except OSError as exc:
            raise _cannot_write(target, exc) from None
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.replace(target, old / "result")
    try:
        os.replace(tmp, target)
    except OSError as exc:
        os.replace(old / "result", target)
        old.rmdir()
        raise _cannot_write(target, exc) from None
    shutil.rmtree(old, ignore_errors=True)


def say(note: str | None) -> None:
    """Print a note about where a result went (stderr), if there is one."""
    if note:
        print(f"kamsim: {note}", file=sys.stderr)
