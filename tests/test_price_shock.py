"""Responses to a cost shock: the breach of trust of an unannounced pass-through (docs/ODD.md
7.h) and the pre-stocking agreement of proactive price communication (7.l).

Checks the mechanisms, not the validation pattern: only foreseen shocks breach trust (index
noise does not), warned buyers keep their loyalty, tender buyers re-tender a breached
contract, and buyers warned before the rise pay the pre-shock price on their pre-stocked weeks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import scenario
from sim.market.model import MarketModel
from sim.rules.lifecycle import KEY

ROOT = Path(__file__).resolve().parents[1]


def _model(name: str, seed: int = 5) -> MarketModel:
    return MarketModel(scenario.load(ROOT / "scenarios" / f"{name}.toml"), seed=seed)


def test_index_noise_never_breaches_trust():
    m = _model("baseline")
    for _ in range(156):
        m.step()
        assert not m.trust_breach().any(), f"week {m.week}"


def test_a_foreseen_shock_breaches_trust_while_it_passes_into_prices():
    m = _model("price_shock_silent")
    weeks = []
    for _ in range(80):
        m.step()
        if m.trust_breach().any():
            weeks.append(m.week - 1)
    assert weeks, "the +30 % shock never breached trust"
    shock = m.params.shocks[0]
    assert min(weeks) >= shock.start_week
    assert max(weeks) < shock.start_week + shock.ramp_weeks + m.params.adaptation.rise_window_weeks


def test_warned_key_accounts_keep_their_loyalty_and_contracts():
    silent, told = _model("price_shock_silent"), _model("price_shock_communicated")
    f = silent.focal
    shock = silent.params.shocks[0]
    for _ in range(shock.start_week - shock.foresight_weeks):  # weeks before the foresight
        silent.step()                                          # window: identical runs
        told.step()
    assert np.array_equal(silent.pop.loyalty, told.pop.loyalty)
    key = np.flatnonzero(silent.pop.stage[:, f] == KEY)
    tender = key[silent.pop.tender[key] & (silent.pop.contract_supplier[key] == f)]
    retendered = {"silent": set(), "told": set()}
    for _ in range(shock.foresight_weeks + shock.ramp_weeks + 6):  # through the ramp
        for name, m in (("silent", silent), ("told", told)):
            before = m.pop.contract_end[tender].copy()
            focal_held = m.pop.contract_supplier[tender] == f  # (one may go to a rival)
            m.step()
            shortened = focal_held & (m.pop.contract_end[tender] < before)  # ended early
            retendered[name] |= set(tender[shortened].tolist())
    assert silent.pop.loyalty[key, f].mean() < 0.9 * told.pop.loyalty[key, f].mean()
    if tender.size == 0:
        pytest.skip("no focal tender key account with this seed")
    assert retendered["silent"] and not retendered["told"]


def test_buyers_warned_before_the_rise_pay_the_pre_shock_price_on_pre_stocked_weeks():
    m = _model("price_shock_communicated")
    f, shock = m.focal, m.params.shocks[0]
    span = shock.ramp_weeks + shock.hold_weeks
    agreed = np.zeros(0, dtype=bool)  # warned in the foresight window
    pre = None  # the focal's price the week the window opened
    while m.week < shock.start_week:
        m.step()
        if m.week > shock.start_week - shock.foresight_weeks:
            agreed = np.pad(agreed, (0, m.pop.n - agreed.size)) | m.pop.warned[:, f]
            pre = float(m.supply.price_history[-1][f]) if pre is None else pre
    assert agreed.any()
    while m.week < shock.start_week + shock.ramp_weeks + 1:
        m.step()
    disc = m.pop.discount[:, f]
    agreed = np.pad(agreed, (0, disc.size - agreed.size))
    now = float(m.supply.price_history[-2][f])  # the price the discount was set from
    cover = 3.0 / span  # prestock_weeks of the scenario spread over ramp and hold
    expected = cover * (1.0 - pre / now)
    assert expected > 0.005
    np.testing.assert_allclose(disc[agreed], expected, rtol=1e-12)
    assert not disc[~agreed].any()
    while m.week < shock.start_week + span + 1:
        m.step()
    assert not m.pop.discount[:, f].any(), "agreements end with the hold"


def _through_the_rise(name: str, end_probability: float) -> tuple[MarketModel, np.ndarray,
                                                                    np.ndarray]:
    """A 0.3 copy of ``name`` run through its shock's rise; the awareness before the foresight
    window and the rows the focal supplier warned before the rise began."""
    params = scenario.load(ROOT / "scenarios" / f"{name}.toml", overrides={
        "run.scale": 0.3, "adaptation.breach_end_probability": end_probability})
    m = MarketModel(params, seed=5)
    shock = m.params.shocks[0]
    while m.week < shock.start_week - shock.foresight_weeks:
        m.step()
    before = m.pop.aware.copy()
    while m.week < shock.start_week:
        m.step()
    warned = m.pop.warned[:before.shape[0], m.focal].copy()
    while m.week < shock.start_week + shock.ramp_weeks + m.params.adaptation.rise_window_weeks:
        m.step()
        assert (m.pop.aware[m.pop.active].sum(axis=1) >= 1).all(), "a buyer left with none"
    return m, before, warned


def test_unwarned_buyers_end_relationships_after_a_breach_only_when_the_rule_is_on():
    """docs/ODD.md 7.h: with ``breach_end_probability`` 1 every buyer without a contract that
    ordered unwarned from a supplier in breach drops it; warned buyers and buyers held by a
    contract keep it; with 0 (the baseline) a breach ends no relationship."""
    off, before_off, _ = _through_the_rise("price_shock_silent", 0.0)
    n = before_off.shape[0]
    stayed = off.pop.active[:n, None]  # (a customer leaving the market forgets everyone)
    assert not (before_off & ~off.pop.aware[:n] & stayed).any(), "none ends with the rule off"
    on, before, _ = _through_the_rise("price_shock_silent", 1.0)
    dropped = before & ~on.pop.aware[:n] & on.pop.active[:n, None]
    f = on.focal
    assert dropped[:, f].sum() > 10 and dropped.any(axis=0).sum() > 1
    assert not (on.pop.loyalty[:n][dropped]).any()
    contracted = on.pop.tender[:n] & (on.pop.contract_supplier[:n] >= 0)
    assert contracted.any() and not dropped[contracted].any()
    told, before_told, warned = _through_the_rise("price_shock_communicated", 1.0)
    lost_focal = before_told[:, f] & ~told.pop.aware[:n, f] & told.pop.active[:n]
    assert warned.any() and not (lost_focal & warned).any()
    assert lost_focal.sum() < dropped[:, f].sum()
