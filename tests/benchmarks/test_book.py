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
