"""Benchmarks (pytest-benchmark) of customer books: importing and validating the example book
(about 800 accounts, 58,000 invoice lines), its features, and its bootstrap targets."""

from __future__ import annotations

from pathlib import Path

from sim.book import features, load, targets

EXAMPLE = Path(__file__).resolve().parents[2] / "books" / "example"


def test_import_example_book(benchmark):
    book = benchmark.pedantic(load.load, args=(EXAMPLE,), rounds=3, iterations=1)
    benchmark.extra_info.update(accounts=len(book.accounts), lines=len(book.lines))


def test_features_and_targets_of_example_book(benchmark):
    book = load.load(EXAMPLE)

    def derive():
        panel = features.panel(book)
        features.account_features(book, panel)
        return targets.observed(book, panel, reps=400)

    benchmark.pedantic(derive, rounds=1, iterations=1)


def test_abc_smc_cost_per_particle(benchmark):
    """pyabc's own cost of ABC-SMC with a model that costs nothing: what a calibration spends
    beside simulation (per particle: this time over ``evaluations``)."""
    import math

    from sim.book import smc

    free = [("a", 0.0, 1.0), ("b", 0.0, 1.0)]

    def simulate(v: dict) -> dict:
        return {"x": v["a"], "y": v["b"]}

    def distance(x: dict, x0: dict) -> float:
        return math.hypot(x["x"] - x0["x"], x["y"] - x0["y"])

    out = benchmark.pedantic(
        smc.run, args=(free, simulate, distance, {"x": 0.3, "y": 0.6}),
        kwargs={"evaluations": 100, "initial_epsilon": 0.5, "minimum_epsilon": 0.01,
                "seed": 1}, rounds=2, iterations=1)
    benchmark.extra_info.update(particles=out.evaluations, generations=out.generations)
    assert out.generations >= 2 and out.evaluations <= 100
