"""Shared fixtures for the kamsim model tests: repository paths and small, fast scenarios.

Small means 150-300 customers over 30-80 weeks: enough for exits, entries, tenders, quarterly
reviews and stage changes to happen, few enough to keep the whole suite well under a minute.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from sim import scenario
from sim.params import Scenario

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"

SMALL = {"run.customers": 200, "run.weeks": 40}


def load_small(**overrides) -> Scenario:
    """The baseline with few customers and weeks, plus dotted-key ``overrides``.

    Keyword names use ``__`` for ``.``: ``load_small(run__seed=3)``; dotted keys with
    brackets go through ``load_small(**{"suppliers[Focal].markup": 0.1})``.
    """
    ov = dict(SMALL)
    ov.update({k.replace("__", "."): v for k, v in overrides.items()})
    return scenario.load(BASELINE, overrides=ov)


@pytest.fixture(scope="session")
def small_loader():
    """The :func:`load_small` helper, as a fixture (test modules do not import conftest)."""
    return load_small


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def baseline_path() -> Path:
    return BASELINE


@pytest.fixture(scope="session")
def small_params() -> Scenario:
    """Baseline, 200 customers, 40 weeks, seed 1 (a validated Scenario; do not mutate)."""
    return load_small()


def run_model(params: Scenario, **kw):
    """Build and step a MarketModel for ``params.run.weeks``; return ``(model, tables)``."""
    from sim.market.model import MarketModel

    model = MarketModel(params, **kw)
    for _ in range(params.run.weeks):
        model.step()
    return model, model.recorder.tables(model)


@pytest.fixture(scope="session", autouse=True)
def example_book_generated() -> None:
    """books/example is generated input data (``make setup`` writes it); write it if missing."""
    from sim.book.synth import ensure

    ensure(REPO / "books" / "example")


@pytest.fixture(scope="session")
def runner():
    """The :func:`run_model` helper, as a fixture."""
    return run_model


@pytest.fixture(scope="session")
def small_run(small_params):
    """One simulated small run: ``(model, tables)``, shared read-only by several tests."""
    return run_model(small_params)


@pytest.fixture
def small_toml(tmp_path) -> Path:
    """A scenario file that extends the baseline by absolute path: 150 customers, 30 weeks."""
    path = tmp_path / "small.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "small"\n\n'
                    "[run]\ncustomers = 150\nweeks = 30\n")
    return path


@pytest.fixture
def foreground_sigint():
    """Commands started in this test get Ctrl-C as a terminal's foreground job does.

    A process started with SIGINT ignored keeps ignoring it across ``exec`` (Python then installs
    no ``KeyboardInterrupt`` handler, and kamsim, like Python, respects that), and a test runner
    launched in the background by a non-interactive shell (``cmd &``, as CI runners do) has
    SIGINT ignored. A handler (not ``SIG_IGN``) in this process resets to the default in every
    child at ``exec``, so the child's Ctrl-C behaves as on a terminal whatever started pytest.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)

