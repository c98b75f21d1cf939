"""The focal supplier's customers at step 0 from its book; runs without a book unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from sim import scenario
from sim.book import features, load
from sim.market.model import MarketModel
from sim.params import SEGMENTS
from sim.rules.stages import KEY
from sim.scenario import InputError

from .conftest import REPO


def _scenario(tmp_path, book_rel: str, customers: int = 200, extra: str = ""):
    f = tmp_path / "s.toml"
    f.write_text(f'extends = "{REPO / "scenarios" / "baseline.toml"}"\n'
                 f"[run]\ncustomers = {customers}\nweeks = 30\n"
                 f'[book]\npath = "{book_rel}"\n{extra}')
    return f


def test_book_path_is_relative_to_the_scenario_file(tmp_path, tiny_book):
    params = scenario.load(_scenario(tmp_path, "book"))
    assert load.load(params.book.path).accounts["account_id"].tolist() == ["A", "B", "C"]


def test_book_accounts_become_the_focal_suppliers_first_customers(tmp_path, tiny_book):
    params = scenario.load(_scenario(tmp_path, "book"))
    model = MarketModel(params)
    pop, f = model.pop, model.focal
    # A and C buy at the book's end (B stopped 44 weeks before it): two book rows
    assert pop.n == 200
    assert pop.segment[:2].tolist() == [SEGMENTS.index("tier1"), SEGMENTS.index("tier2")]
    assert pop.aware[:2, f].all()
    # size = 52-week tonnes / 52 / share of wallet (A 520 t at 50 %, C 50 t at 25 %),
    # then one week of the account's own growth (trend 0 for A)
    assert pop.size[0] == pytest.approx(520 / 52 / 0.5)
    assert pop.size[1] == pytest.approx(50 / 52 / 0.25 * np.exp(pop.growth[1]))
    # tenure from the created date (A: 2020-01-01) where the focal supplier serves them
    feats = features.account_features(load.load(params.book.path)).set_index("account_id")
    serving = pop.tenure[:2, f] > 0
    cap = params.lifecycle.max_initial_tenure_weeks
    assert serving[0] and pop.tenure[0, f] == min(int(feats.loc["A", "tenure_weeks"]), cap)
    assert model.book_provenance["segment"].startswith("book text for 2")
    assert "segment distributions" in model.book_provenance[
        "price sensitivity, switching cost, credit default, tender buying, seasonality, noise"]
    assert "book size" in model.book_provenance["closure hazard"]
    # the book lists all the focal supplier's customers: the others start unaware of it
    assert not pop.aware[2:, f].any() and (pop.vol52[2:, f] == 0).all()
    # the rest of the market still follows the segment shares
    rest = np.bincount(pop.segment[2:200], minlength=len(SEGMENTS))
    assert rest[SEGMENTS.index("tier2")] > rest[SEGMENTS.index("tier1")] > 0


def test_run_summary_says_which_fields_came_from_the_book(tmp_path, tiny_book):
    from sim.runs import run

    model, tables = run.simulate(scenario.load(_scenario(tmp_path, "book")), steps=13)
    summary = run.summarize(model, tables)
    assert summary["book"]["segment"].startswith("book text for 2")
    assert "segment distributions" in summary["book"]["accounts"]


def test_same_seed_same_market_with_a_book(tmp_path, tiny_book):
    params = scenario.load(_scenario(tmp_path, "book"))
    a, b = MarketModel(params), MarketModel(params)
    for _ in range(5):
        a.step()
        b.step()
    assert np.array_equal(a.pop.vol52, b.pop.vol52)


def test_an_empty_book_path_is_no_book(small_params, small_loader):
    a = MarketModel(small_params)
    b = MarketModel(small_loader(book__path=""))
    assert a.book_provenance is None and b.book_provenance is None
    for name in ("size", "segment", "loyalty", "tenure", "aware"):
        assert np.array_equal(getattr(a.pop, name), getattr(b.pop, name))


def test_bad_book_and_too_few_customers_are_input_errors(tmp_path, tiny_book):
    with pytest.raises(InputError, match="book folder not found"):
        MarketModel(scenario.load(_scenario(tmp_path, "nowhere")))
    with pytest.raises(InputError, match="run.customers"):
        MarketModel(scenario.load(_scenario(tmp_path, "book", customers=1)))


def test_example_scenario_starts_from_the_example_book():
    params = scenario.load(REPO / "scenarios" / "book_example.toml")
    model = MarketModel(params, customer_agents=False)
    n_book = int(model.book_provenance["accounts"].split()[0])
    assert 400 < n_book < 700
    assert model.pop.aware[:n_book, model.focal].all()
    # most book accounts are served by the focal supplier at step 0
    assert (model.pop.vol52[:n_book, model.focal] > 0).mean() > 0.9


def test_book_accounts_order_at_their_own_rhythm(tmp_path, tiny_book):
    """A buys every week (interval 1), C every other week: C's interval is its mean weeks
    between purchase weeks in the book; the other customers take their segment's."""
    params = scenario.load(_scenario(tmp_path, "book", extra=(
        "[segments.tier2]\norder_interval_weeks = 3.0\n")))
    model = MarketModel(params)
    feats = features.account_features(load.load(params.book.path)).set_index("account_id")
    pop = model.pop
    assert pop.order_interval[0] == 1.0
    assert pop.order_interval[1] == pytest.approx(feats.loc["C", "rhythm_weeks"])
    assert 2.0 < pop.order_interval[1] < 2.2
    tier2 = pop.segment[2:] == SEGMENTS.index("tier2")
    assert (pop.order_interval[2:][tier2] == 3.0).all()
    assert (pop.order_interval[2:][~tier2] == 1.0).all()
    assert model.book_provenance["order rhythm"].startswith("book invoice lines")


def test_example_books_key_accounts_at_the_start():
    """Key accounts need a purchase in nine of the last thirteen weeks: with each book
    account ordering at the book's own rhythm (its large accounts about every second week),
    the model starts with about the book's 13 key accounts (90 % interval 8-19), though
    about 90 focal relationships are over the 500 t a year of a key account."""
    params = scenario.load(REPO / "scenarios" / "book_example.toml")
    key, big = [], []
    for seed in (1, 2, 3):
        model = MarketModel(params, seed=seed, customer_agents=False)
        pop, f = model.pop, model.focal
        key.append(int((pop.stage[:, f] == KEY).sum()))
        big.append(int((pop.vol52[:, f] >= params.lifecycle.key_volume_t).sum()))
    assert 8 <= np.mean(key) <= 18, key
    assert min(big) > 4 * max(key), (big, key)
