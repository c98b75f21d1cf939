"""The errors every command maps to an exit code: bad input, or an output kamsim may not write
(:class:`InputError`, exit code 2), and a run whose state overflowed (:class:`NonFiniteState`,
exit code 1, raised by ``sim/market/finite.py``).

:class:`InputError` holds ``(file, dotted key, message)`` triples; :func:`format_problem` makes
each one line, ``FILE: key: message``. Kept apart from the model so that the file
infrastructure (``sim.io``, ``sim.runs.chunks``) and ``analysis/`` can raise it without importing
the model, and the command line can catch them without importing it; ``sim.scenario``
re-exports the first two.
"""

from __future__ import annotations

__all__ = ["InputError", "NonFiniteState", "format_problem"]


class InputError(Exception):
    """Bad user input. ``problems`` holds (file, dotted key, message) triples."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__("\n".join(format_problem(*p) for p in problems))


class NonFiniteState(ArithmeticError):
    """A run's state turned NaN or infinite; the message names the week and the quantity."""


def format_problem(file: str, key: str, message: str) -> str:
    """One line: ``FILE: key: message`` (key omitted when the whole file is at fault)."""
    message = " ".join(str(message).split())
    return f"{file}: {key}: {message}" if key else f"{file}: {message}"
