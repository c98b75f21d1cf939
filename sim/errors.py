"""The error every command maps to exit code 2: bad input, or an output kamsim may not write.

:class:`InputError` holds ``(file, dotted key, message)`` triples; :func:`format_problem` makes
each one line, ``FILE: key: message``. Kept apart from the model so that the file
infrastructure (``sim.io``, ``sim.runs.chunks``) and ``analysis/`` can raise it without importing
the model; ``sim.scenario`` re-exports both.
"""

from __future__ import annotations

__all__ = ["InputError", "format_problem"]


class InputError(Exception):
    """Bad user input. ``problems`` holds (file, dotted key, message) triples."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__("\n".join(format_problem(*p) for p in problems))


def format_problem(file: str, key: str, message: str) -> str:
    """One line: ``FILE: key: message`` (key omitted when the whole file is at fault)."""
    message = " ".join(str(message).split())
    return f"{file}: {key}: {message}" if key else f"{file}: {message}"
