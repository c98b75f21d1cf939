"""Property tests: kernel invariants over random inputs, and market invariants over short runs
with random seeds and parameter values.

The market runs are instrumented from the outside: ``model._fulfil`` is wrapped on the instance
to capture each week's orders, stock and deliveries (sim/ itself is not touched).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim import scenario
from sim.market.model import MarketModel
from sim.params import MATERIALS
from sim.rules import choice, fulfil
from sim.rules import lifecycle as lc

TOL = 1e-9
KERNEL = settings(max_examples=150, deadline=None)
# Market runs take a fraction of a second each: few examples, and no shrinking (a failing
# example is reported as drawn; shrinking a 30-week run would take minutes).
MODEL = settings(max_examples=6, deadline=None, phases=(Phase.explicit, Phase.reuse,
                                                        Phase.generate),
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ------------------------------------------------------------------ kernel properties


def ration(orders, available, priority):
    """``fulfil.ration`` (no priority: every flag false) into a new array."""
    prio = np.zeros(orders.shape, bool) if priority is None else priority
    return fulfil.ration(orders, available, prio, np.empty_like(orders))


def logit_rows(u, allowed, min_share):
    """``choice.logit_shares`` over each row's allowed options, zero elsewhere."""
    out = np.zeros_like(u)
    for i in range(u.shape[0]):
        options = np.flatnonzero(allowed[i])
        if options.size:
            shares = np.empty(options.size)
            choice.logit_shares(u[i, options], options.size, min_share, shares)
            out[i, options] = shares
    return out


def sample_rows(shares, u):
    """``choice.sample_one`` on each row."""
    out = np.empty_like(shares)
    for i in range(shares.shape[0]):
        choice.sample_one(shares[i], shares.shape[1], u[i], out[i])
    return out


# Subnormal tonnages make available / ordered overflow (a harmless RuntimeWarning): round
# anything below a microgram to zero.
tonnes = st.floats(0, 1e4, allow_nan=False, allow_infinity=False).map(
    lambda x: x if x > 1e-9 else 0.0)


@st.composite
def ration_case(draw):
    n = draw(st.integers(1, 8))
    s = draw(st.integers(1, 5))
    orders = draw(hnp.arrays(float, (n, s), elements=tonnes))
    # Zero out some orders: most customers order from a few suppliers only.
    orders = orders * draw(hnp.arrays(bool, (n, s)))
    available = draw(hnp.arrays(float, s, elements=st.floats(-10, 2e4, allow_nan=False)))
    priority = draw(st.one_of(st.none(), hnp.arrays(bool, (n, s))))
    return orders, available, priority


@KERNEL
@given(ration_case())
def test_ration_invariants(case):
    orders, available, priority = case
    d = ration(orders, available, priority)
    scale = 1e-12 * max(1.0, orders.sum(), np.abs(available).sum())
    assert d.shape == orders.shape
    assert (d >= -scale).all()                             # no negative deliveries
    assert (d <= orders + scale).all()                     # never more than ordered
    cap = np.maximum(available, 0.0)
    assert (d.sum(0) <= cap + scale).all()                 # never more than available
    # Nothing wasted: each supplier ships min(available, ordered); the rest stays unfilled.
    assert np.allclose(d.sum(0), np.minimum(cap, orders.sum(0)), rtol=1e-9, atol=scale)
    unfilled = orders - d
    assert np.allclose(orders, d + unfilled) and (unfilled >= -scale).all()
    if priority is not None:
        # A non-priority order is served only once every priority order there is served.
        short_prio = ((orders - d) > 1e-9 * np.maximum(orders, 1)) & priority
        rest_served = (d > scale) & ~priority
        assert not (short_prio.any(axis=0) & rest_served.any(axis=0)).any()
    else:
        # Proportional: every order at a supplier gets the same fill rate.
        pos = orders > 1e-6
        for j in range(orders.shape[1]):
            rates = d[pos[:, j], j] / orders[pos[:, j], j]
            if rates.size:
                assert np.ptp(rates) < 1e-9


@KERNEL
@given(st.data())
def test_spill_orders_invariants(data):
    n = data.draw(st.integers(1, 8))
    s = data.draw(st.integers(1, 5))
    unfilled = data.draw(hnp.arrays(float, n, elements=tonnes))
    weights = data.draw(hnp.arrays(float, (n, s), elements=st.floats(0, 1)))
    spare = data.draw(hnp.arrays(float, s, elements=st.sampled_from([0.0, 1e-12, 0.5, 50.0])))
    out = fulfil.spill_orders(unfilled, weights, spare, np.empty_like(weights))
    assert (out >= 0).all()
    assert (out[:, spare <= 1e-9] == 0).all()              # only to suppliers with spare
    reachable = (weights * (spare > 1e-9)).sum(1) > 0
    # A customer's unfilled tonnes are re-ordered in full when any supplier can take them.
    np.testing.assert_allclose(out.sum(1), np.where(reachable, unfilled, 0.0), rtol=1e-9,
                               atol=1e-9)
    # Second-round orders are finite and never exceed what was unfilled.
    assert np.isfinite(out).all() and (out.sum(1) <= unfilled * (1 + 1e-12) + 1e-12).all()


@KERNEL
@given(st.data())
def test_logit_shares_invariants(data):
    n = data.draw(st.integers(1, 6))
    s = data.draw(st.integers(1, 6))
    u = data.draw(hnp.arrays(float, (n, s), elements=st.floats(-50, 50)))
    allowed = data.draw(hnp.arrays(bool, (n, s)))
    min_share = data.draw(st.sampled_from([0.0, 0.05, 0.2, 0.5, 0.9]))
    sh = logit_rows(u, allowed, min_share)
    assert ((sh >= 0) & (sh <= 1)).all()
    assert (sh[~allowed] == 0).all()
    sums = sh.sum(1)
    any_allowed = allowed.any(1)
    np.testing.assert_allclose(sums[any_allowed], 1.0, rtol=1e-12)
    assert (sums[~any_allowed] == 0).all()
    # The best allowed option always keeps a positive share.
    best = np.where(allowed, u, -np.inf).argmax(1)
    assert (sh[np.arange(n), best][any_allowed] > 0).all()
    # Kept shares are at least min_share unless the row's options are all tied below it.
    kept = sh > 0
    assert ((sh >= min_share - 1e-12) | ~kept | (sh == sh.max(1, keepdims=True))).all()
    if min_share == 0:
        # Monotone: a higher utility never gets a smaller share.
        for i in range(n):
            a = np.flatnonzero(allowed[i])
            order = a[np.argsort(u[i, a], kind="stable")]
            assert (np.diff(sh[i, order]) >= -1e-12).all()


@KERNEL
@given(st.data())
def test_sample_one_picks_exactly_one_positive_option(data):
    n = data.draw(st.integers(1, 6))
    s = data.draw(st.integers(1, 6))
    w = data.draw(hnp.arrays(float, (n, s), elements=st.sampled_from([0.0, 0.1, 1.0, 3.0])))
    total = w.sum(1, keepdims=True)
    shares = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    u = data.draw(hnp.arrays(float, n, elements=st.floats(0, 1, exclude_max=True)))
    out = sample_rows(shares, u)
    assert set(np.unique(out)) <= {0.0, 1.0}
    assert (out.sum(1) == (total[:, 0] > 0)).all()
    assert (shares[out == 1] > 0).all()


# ------------------------------------------------------------------ market properties

_BASELINE = scenario.load(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
NAMES = [sp.name for sp in _BASELINE.suppliers]
BASE_CAPS = [sp.capacity.as_tuple() for sp in _BASELINE.suppliers]
FOCAL = NAMES[_BASELINE.focal_index]
RIVAL = next(n for n in NAMES if n != FOCAL)


@st.composite
def market_case(draw):
    """A seed and a few parameters that change who orders what and who runs short."""
    ov = {"run.seed": draw(st.integers(0, 2**20)),
          "choice.mode": draw(st.sampled_from(["split", "sample"])),
          "choice.min_share": draw(st.sampled_from([0.0, 0.05, 0.3])),
          "tender.contract_share": draw(st.floats(0.0, 1.0)),
          f"suppliers[{FOCAL}].rationing": draw(st.sampled_from(["proportional", "key_first"])),
          f"suppliers[{RIVAL}].rationing": draw(st.sampled_from(["proportional", "key_first"])),
          f"suppliers[{FOCAL}].stock_cover_weeks": draw(st.sampled_from([0.0, 1.0, 3.0])),
          "segments.tier2.tender_share": draw(st.sampled_from([0.0, 0.5]))}
    # One supplier strategy (they reprice, discount, prioritise and re-stock through the
    # policy seams); the invariants below must hold whatever the suppliers do.
    strategy = draw(st.sampled_from([None, "supply_assurance", "price_war", "kam_centre",
                                     "development", "poaching"]))
    if strategy == "poaching":
        ov[f"suppliers[{RIVAL}].strategies.poaching"] = {"target": FOCAL}
    elif strategy is not None:
        ov[f"suppliers[{FOCAL}].strategies.{strategy}"] = {}
    # Scale every capacity: at 0.03 most suppliers run short most weeks.
    scale = draw(st.sampled_from([1.0, 0.15, 0.03]))
    for name, caps in zip(NAMES, BASE_CAPS, strict=True):
        for mat, cap in zip(MATERIALS, caps, strict=True):
            ov[f"suppliers[{name}].capacity.{mat}"] = cap * scale
    return ov



def run_instrumented(params, weeks: int):
    """Step a model ``weeks`` times; return it, per-week fulfilment logs and its tables."""
    model = MarketModel(params)
    log: dict = {}
    original = model._fulfil

    def fulfil_hook(orders, routine):
        log["stock"] = model.supply.stock.copy()
        log["orders"] = [o.copy() for o in orders]
        delivered, fill = original(orders, routine)
        log["delivered"] = [d.copy() for d in delivered]
        return delivered, fill

    model._fulfil = fulfil_hook
    weekly = []
    initial_counts = lc.stage_counts(model.pop.stage, model.pop.active)
    for _ in range(weeks):
        model.step()
        pop = model.pop
        weekly.append({**log, "demand": pop.demand.copy(), "aware": pop.aware.copy(),
                       "active": pop.active.copy(), "contract": pop.contract_supplier.copy(),
                       "share": pop.share.copy(), "stock_after": model.supply.stock.copy(),
                       "last_delivered": model.supply.last_delivered.copy()})
    return model, weekly, model.recorder.tables(model), initial_counts


@MODEL
@given(market_case())
def test_market_tonnes_conserved_and_stock_never_negative(small_loader, ov):
    params = small_loader(**{**ov, "run.customers": 150, "run.weeks": 25})
    model, weekly, tables, _ = run_instrumented(params, 25)
    assert len(weekly) == 25 and all("orders" in w for w in weekly)
    market = tables["market"]
    carries = model.supply.carries
    sample = params.choice.mode == "sample"
    cs = params.tender.contract_share
    for t, w in enumerate(weekly):
        avail = np.minimum(w["stock"], model.supply.capacity)
        for m in range(model.n_mat):
            o, d, dem = w["orders"][m], w["delivered"][m], w["demand"][:, m]
            tol = 1e-9 * max(1.0, dem.sum())
            assert (o >= 0).all() and (d >= -tol).all()
            ordered, got = o.sum(1), d.sum(1)
            unfilled = ordered - got
            unordered = dem - ordered
            assert (unfilled >= -tol).all(), "a customer received more than it ordered"
            assert (unordered >= -tol).all(), "a customer ordered more than its demand"
            # A customer who knows a supplier carrying the material orders all its demand.
            can = (w["aware"] & (carries[None, :, m] > 0)).any(1)
            np.testing.assert_allclose(ordered[can], dem[can], rtol=1e-9, atol=1e-12)
            assert (ordered[~can] == 0).all()
            # Suppliers ship no more than min(stock, capacity), and what they ship leaves
            # their stock (nothing else moves stock after the replenishment).
            assert (d.sum(0) <= avail[:, m] + tol).all()
            np.testing.assert_allclose(w["stock_after"][:, m],
                                       np.maximum(w["stock"][:, m] - d.sum(0), 0.0),
                                       rtol=1e-9, atol=tol)
            # demand = delivered + unfilled orders + demand that found no supplier.
            row = market[(market["step"] == t) & (market["material"] == MATERIALS[m])]
            assert row["demand_t"].item() == pytest.approx(dem.sum(), rel=1e-12)
            assert row["delivered_t"].item() == pytest.approx(got.sum(), rel=1e-9, abs=tol)
            assert dem.sum() == pytest.approx(got.sum() + unfilled.sum() + unordered.sum(),
                                              rel=1e-12, abs=tol)
            np.testing.assert_allclose(w["last_delivered"][:, m], d.sum(0), rtol=1e-12)
            if sample:
                # Sampling mode: all of a material's first-round orders go to one supplier.
                assert ((o > 0).sum(1) <= 1).all()
            else:
                # A contract winner that carries the material gets at least its share.
                win = w["contract"]
                has = (win >= 0) & can
                has &= carries[np.maximum(win, 0), m] > 0
                rows = np.flatnonzero(has)
                assert (o[rows, win[rows]] >= cs * dem[rows] * (1 - 1e-9) - 1e-12).all()
        assert (w["stock_after"] >= 0).all()
        # Shares of wallet: each within [0, 1], summing to at most 1 per customer.
        sh = w["share"]
        assert ((sh >= -1e-12) & (sh <= 1 + 1e-9)).all()
        assert (sh.sum(1) <= 1 + 1e-9).all()
        assert (sh[~w["active"]] == 0).all()
    assert (tables["suppliers"]["stock_t"] >= 0).all()


def _assert_accounting(sup: pd.DataFrame) -> None:
    scale = 1e-9 * max(1.0, sup["revenue"].abs().max())
    gross = sup["revenue"] - sup["material_cost"] - sup["processing_cost"]
    np.testing.assert_allclose(sup["gross_profit"], gross, rtol=1e-9, atol=scale)
    net = sup["gross_profit"] - sup["staff_cost"] - sup["strategy_cost"] - sup["bad_debt"]
    np.testing.assert_allclose(sup["net_profit"], net, rtol=1e-9, atol=scale)
    # Step -1 is the start (docs/TABLES.md): no week's flows, settled shares adding up to 1.
    start, sup = sup[sup["step"] == -1], sup[sup["step"] >= 0]
    flows = ["volume_t", "revenue", "staff_cost", "net_profit", "acquired", "lost", "exited"]
    assert (start[flows] == 0).all().all()
    assert start["market_share"].sum() == pytest.approx(1.0)
    # Market shares of delivered tonnes add up to 1 every week with deliveries.
    by_step = sup.groupby("step")
    total = by_step["volume_t"].transform("sum")
    np.testing.assert_allclose(sup["market_share"], sup["volume_t"] / total, rtol=1e-9)
    # Non-negative up to rounding (key_first rationing can ship -1e-17 t, see test_kernels).
    assert (sup[["volume_t", "revenue", "material_cost", "processing_cost", "staff_cost",
                 "bad_debt", "stock_t"]] >= -scale).all().all()


def _assert_transitions_allowed(tr: pd.DataFrame) -> None:
    names = lc.STAGE_NAMES  # index by code; code -1 (none) is the last entry
    allowed = {(names[a], names[b]) for a, b in lc.ALLOWED}
    allowed |= {(names[s], "exited") for s in range(lc.N_STAGES)}
    allowed |= {("none", names[s]) for s in range(lc.N_STAGES)}
    pairs = set(zip(tr["from_stage"].astype(str), tr["to_stage"].astype(str), strict=True))
    assert pairs <= allowed, f"illegal transitions: {sorted(pairs - allowed)}"


@MODEL
@given(market_case())
def test_tables_accounting_and_transitions(small_loader, ov):
    params = small_loader(**{**ov, "run.customers": 150, "run.weeks": 30})
    model, _, tables, initial = run_instrumented(params, 30)
    sup, pool, tr = tables["suppliers"], tables["pool"], tables["transitions"]
    _assert_accounting(sup)
    start = sup[sup["step"] == -1]  # the state before the first week, as built
    assert (start["customers"].to_numpy() == initial[:, lc.POTENTIAL:lc.SUNSET + 1].sum(1)).all()
    assert (start["key_accounts"].to_numpy() == initial[:, lc.KEY]).all()
    sup = sup[sup["step"] >= 0]
    _assert_transitions_allowed(tr)
    # The pool's inflow and outflow are exactly the transitions into and out of each stage.
    stages = list(lc.STAGE_NAMES[:-1])
    into = tr[tr["to_stage"].isin(stages)].groupby(
        ["step", "supplier", "to_stage"], observed=True).size()
    out = tr[tr["from_stage"].isin(stages)].groupby(
        ["step", "supplier", "from_stage"], observed=True).size()
    p = pool.set_index(["step", "supplier", "stage"])
    inflow = p["inflow"][p["inflow"] > 0]
    outflow = p["outflow"][p["outflow"] > 0]
    assert sorted(zip(map(tuple, into.index.to_frame().astype(str).values), into.values,
                      strict=True)) == sorted(zip(map(tuple, inflow.index.to_frame().astype(str)
                                                      .values), inflow.values, strict=True))
    assert sorted(zip(map(tuple, out.index.to_frame().astype(str).values), out.values,
                      strict=True)) == sorted(zip(map(tuple, outflow.index.to_frame()
                                                      .astype(str).values), outflow.values,
                                                  strict=True))
    # Table-level consistency of customer counts with the pool.
    end = pool.pivot_table(index=["step", "supplier"], columns="stage", values="count",
                           observed=True)
    s = sup.set_index(["step", "supplier"])
    buying = end[["potential", "general", "key", "sunset"]].sum(axis=1)
    assert (s["customers"] == buying.reindex(s.index)).all()
    assert (s["key_accounts"] == end["key"].reindex(s.index)).all()
    assert ((tables["customers"]["focal_share"] >= -1e-12)
            & (tables["customers"]["focal_share"] <= 1 + 1e-9)).all()


def _pool_residual(pool: pd.DataFrame, initial: np.ndarray, names: list[str]) -> pd.Series:
    """count[t] - count[t-1] - inflow[t] + outflow[t] per step, supplier and stage."""
    df = pool.copy()
    df["stage"] = df["stage"].astype(str)
    df = df.sort_values(["supplier", "stage", "step"])
    prev = df.groupby(["supplier", "stage"])["count"].shift(1)
    init = {(n, st): initial[i, k] for i, n in enumerate(names)
            for k, st in enumerate(lc.STAGE_NAMES[:-1])}
    first = df["step"] == 0
    prev[first] = [init[(a, b)] for a, b in zip(df.loc[first, "supplier"],
                                                df.loc[first, "stage"], strict=True)]
    resid = df["count"] - prev - df["inflow"] + df["outflow"]
    return resid.set_axis(pd.MultiIndex.from_frame(df[["step", "supplier", "stage"]]))


NO_ENTRY = {f"segments.{s}.entry_per_year": 0.0
            for s in ("ev_oem", "ice_oem", "new_entrant", "tier1", "tier2")}


@MODEL
@given(market_case())
def test_pool_counts_follow_flows_without_entrants(small_loader, ov):
    # Customers still leave the market (outflows) and suppliers still prospect (inflows).
    params = small_loader(**{**ov, **NO_ENTRY, "run.customers": 150, "run.weeks": 30})
    model, _, tables, initial = run_instrumented(params, 30)
    resid = _pool_residual(tables["pool"], initial, model.supplier_names)
    assert (resid == 0).all(), resid[resid != 0].head(10)
    assert tables["pool"]["outflow"].sum() > 0 and tables["pool"]["inflow"].sum() > 0


def test_pool_counts_follow_flows_with_entrants(small_loader):
    params = small_loader(**{"run.customers": 150, "run.weeks": 30, "run.seed": 4})
    model, _, tables, initial = run_instrumented(params, 30)
    assert model.pop.n > 150  # customers did enter
    resid = _pool_residual(tables["pool"], initial, model.supplier_names)
    assert (resid == 0).all(), resid[resid != 0].head(10)


def test_fill_rate_never_exceeds_one(small_loader):
    # The focal supplier can process only a sliver of its customers' steel: they are short
    # every week and their unfilled orders spill over to rivals with spare stock.
    params = small_loader(**{"run.customers": 200, "run.weeks": 30, "run.seed": 1,
                             f"suppliers[{FOCAL}].capacity.steel": 20.0,
                             f"suppliers[{FOCAL}].capacity.hdg_ahss": 5.0,
                             f"suppliers[{FOCAL}].capacity.aluminium": 2.0})
    _, _, tables, _ = run_instrumented(params, 30)
    fill = tables["suppliers"]["fill_rate"]
    assert ((fill >= 0) & (fill <= 1 + 1e-9)).all(), fill.max()


def test_tables_agree_with_each_other(small_loader, runner):
    """Cross-table semantics of docs/TABLES.md on one 60-week run."""
    params = small_loader(**{"run.customers": 250, "run.weeks": 60, "run.seed": 8})
    model, t = runner(params)
    names = set(model.supplier_names)
    focal = model.supplier_names[model.focal]
    tr, sp, cu, ret = t["transitions"], t["spells"], t["customers"], t["retention"]
    # Spells: durations, events and end reasons are consistent.
    assert (sp["duration_weeks"] == sp["end_step"] - sp["start_step"] + 1).all()
    assert (sp["duration_weeks"] >= 1).all()
    closed, open_ = sp[sp["event"]], sp[~sp["event"]]
    assert set(closed["end_reason"]) <= {"lost", "exited"} and (open_["end_reason"] == "").all()
    assert (open_["end_step"] == 59).all() and len(closed) > 0
    assert sp["abc_class"].isin(["A", "B", "C", "-"]).all()
    # Each closed spell ends with the matching transition of the focal relationship.
    ft = tr[tr["supplier"] == focal]
    ends = set(zip(ft["step"], ft["customer"], ft["to_stage"].astype(str), strict=True))
    for row in closed.itertuples():
        assert (row.end_step, row.customer, row.end_reason) in ends, row
    # A customer is open in at most one spell with the focal supplier.
    assert not open_["customer"].duplicated().any()
    # 'exited' transitions are of customers no longer in the market.
    exited = tr.loc[tr["to_stage"] == "exited", "customer"].unique()
    assert not model.pop.active[exited].any()
    assert (tr["from_stage"] != tr["to_stage"]).all()
    # Customers table: categorical columns take documented values only.
    assert set(cu["main_supplier"]) <= names | {""}
    assert set(cu["stage"]) <= {*lc.STAGE_NAMES}
    assert set(cu["abc_class"]) <= {"A", "B", "C", "-"}
    assert sorted(cu["step"].unique()) == [12, 25, 38, 51, 59]  # quarter ends, the last week
    # Retention after one year: retained within the cohort.
    assert sorted(ret["year"].unique()) == [1] and set(ret["supplier"]) == names
    assert ((ret["retained"] <= ret["customers_start"])
            & (ret["key_retained"] <= ret["key_start"])).all()
    # Market: deliveries never exceed demand; shares of delivered tonnes add up to 1.
    mk = t["market"]
    assert (mk["delivered_t"] <= mk["demand_t"] * (1 + 1e-12)).all()
    assert mk["ev_share"].between(0, 1).all() and (mk["cost_index"] > 0).all()
    shares = t["suppliers"].groupby("step")["market_share"].sum()
    np.testing.assert_allclose(shares, 1.0, rtol=1e-9)
