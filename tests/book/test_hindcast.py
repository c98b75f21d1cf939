"""The hindcast: the book as of a cut reads no later invoice line, and the book's figures
over a window are those of the book truncated to it."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from sim import scenario
from sim.book import features, load, start
from sim.book import targets as tg
from sim.book.calibrate import replayed_shocks
from sim.params import ABCParams, LifecycleParams
from sim.scenario import InputError

from .conftest import REPO


@pytest.fixture(scope="module")
def example(example_book):
    b = load.load(example_book)
    return b, features.panel(b)


def _cut_date(b: load.Book, p: features.Panel, cut: int) -> pd.Timestamp:
    return p.start + pd.Timedelta(weeks=cut)


def test_features_at_a_cut_read_no_invoice_line_after_it(example):
    b, p = example
    cut = features.cut_week(b, 1)
    assert cut == p.weeks - 52
    after = b.lines["date"] >= _cut_date(b, p, cut)
    assert after.any() and (~after).any()
    # rewrite the future: triple every later line's quantities and values, drop a third of
    # them, and give a dormant account a big later order
    later = b.lines[after].copy()
    later[["tonnes", "net_value"]] *= 3.0
    later = later.iloc[::3]
    extra = later.iloc[:1].copy()
    extra["account_id"] = b.accounts["account_id"].iloc[-1]
    changed = dataclasses.replace(b, lines=pd.concat([b.lines[~after], later, extra],
                                                     ignore_index=True))
    rules = LifecycleParams()
    f0 = features.account_features(b, features.panel(b, until=cut), rules=rules)
    f1 = features.account_features(changed, features.panel(changed, until=cut), rules=rules)
    cols = [c for c in f0 if c not in ("pipeline_open", "win_rate")]
    pd.testing.assert_frame_equal(f0[cols], f1[cols])
    # and the cut is a real one: the features at the end differ
    assert not features.account_features(b, rules=rules)["tonnes_12m"].equals(
        f0["tonnes_12m"])


def test_the_model_starts_from_the_accounts_buying_at_the_cut(example, example_book):
    b, p = example
    params = scenario.load(REPO / "scenarios" / "book_example.toml")
    snaps = tg.book_snapshots(b, p, params.lifecycle)
    for years in (0, 1, 2):
        at = params.model_copy(update={"book": params.book.model_copy(
            update={"years_before_end": years})})
        assert len(start.book_accounts(at)) == int(snaps.buying[:, -1 - years].sum()), years


def test_book_figures_over_a_window_are_the_truncated_books(example):
    b, p = example
    cut = p.weeks - 104
    window = tg.observed(b, p, reps=5, since=cut).set_index("figure")["value"]
    # the book whose lines before the cut are gone, read on its own
    kept = b.lines["date"] >= _cut_date(b, p, cut)
    short = dataclasses.replace(b, lines=b.lines[kept].reset_index(drop=True))
    q = features.panel(short)
    assert q.start == p.start + pd.Timedelta(weeks=cut) and q.weeks == 104
    alone = tg.figures(tg.book_snapshots(short, q, LifecycleParams()), ABCParams())
    for name, value in alone.items():
        assert window[name] == pytest.approx(value, nan_ok=True), name
    whole = tg.observed(b, p, reps=5).set_index("figure")["value"]
    assert window["new_per_year"] != whole["new_per_year"]  # one year pair, not two
    # the rise falls inside the window, read (and replayed) in the same week from the cut
    rises = tg.price_rises(tg.book_prices(b, p))
    inside = [w for _, w, _ in rises if w >= cut]
    assert inside and np.isfinite(window["churn_after_rise"])
    shocks = replayed_shocks(rises, p.weeks, 104)
    assert [s["start_week"] for s in shocks] == [w - cut for w in inside]


def test_a_cut_before_the_books_first_week_is_bad_input(tmp_path, tiny_book):
    f = tmp_path / "s.toml"
    f.write_text(f'extends = "{REPO / "scenarios" / "baseline.toml"}"\n'
                 f'[book]\npath = "{tiny_book}"\nyears_before_end = 3\n')
    params = scenario.load(f)
    with pytest.raises(InputError) as exc:
        start.book_accounts(params)
    assert any(p[1] == "book.years_before_end" for p in exc.value.problems)
    f.write_text(re.sub("= 3", "= -1", f.read_text()))
    with pytest.raises(InputError) as exc:
        scenario.load(f)
    assert any("years_before_end" in p[1] for p in exc.value.problems)


def test_a_hindcast_longer_than_the_book_is_one_line_exit_2(tmp_path, example_book, capsys):
    from sim.cli import main

    f = tmp_path / "long.toml"
    f.write_text(f'extends = "{REPO / "scenarios" / "book_example.toml"}"\n'
                 f'[book]\npath = "{example_book}"\n[calibration]\nhindcast_years = 4\n')
    assert main(["calibrate", str(f), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "calibration.hindcast_years" in err[0] and str(f) in err[0]
    assert not (tmp_path / "out").exists()
