"""Synthetic kamsim output tables (docs/TABLES.md schemas) for the analysis tests.

Scenario "base" drains its customer pool (a funnel), scenario "kam" refills it (a
reservoir); reps share seeds across scenarios like common random numbers would.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

STAGES = ["prospect", "potential", "general", "key", "sunset", "lost"]
SEGMENTS = ["ev_oem", "ice_oem", "tier1", "tier2"]
MATERIALS = ["steel", "hdg_steel", "aluminium"]
SUPPLIERS = ["focal", "rival_a", "rival_b"]
RATES = {"base": (0.6, 1.3), "kam": (1.6, 0.6)}  # focal (acquired, lost) per week


def _suppliers(scen: str, rep: int, steps: int, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for name in SUPPLIERS:
        focal = name == "focal"
        acq_rate, lost_rate = RATES[scen] if focal else (1.0, 1.0)
        customers = 60
        for step in range(steps):
            acquired = int(rng.poisson(acq_rate))
            lost = int(rng.poisson(lost_rate * 0.8))
            exited = int(rng.poisson(lost_rate * 0.2))
            customers = max(customers + acquired - lost - exited, 0)
            volume = 100.0 * customers * rng.uniform(0.9, 1.1)
            price = 5000.0 * rng.uniform(0.97, 1.03)
            revenue = volume * price
            material, processing = 0.8 * revenue, 0.08 * revenue
            staff, strategy, bad = 20000.0, 5000.0 if focal else 0.0, 0.0
            gross = revenue - material - processing
            rows.append(dict(
                step=step, supplier=name, focal=focal, price=price, volume_t=volume,
                revenue=revenue, material_cost=material, processing_cost=processing,
                staff_cost=staff, strategy_cost=strategy, bad_debt=bad, gross_profit=gross,
                net_profit=gross - staff - strategy - bad, market_share=np.nan,
                customers=customers, key_accounts=customers // 6, stock_t=500.0,
                fill_rate=0.97, acquired=acquired, upgraded=0, downgraded=0, lost=lost,
                exited=exited,
            ))
    df = pd.DataFrame(rows)
    df["market_share"] = df["volume_t"] / df.groupby("step")["volume_t"].transform("sum")
    return df


def _pool(sup: pd.DataFrame) -> pd.DataFrame:
    shares = {"potential": 0.3, "general": 0.4, "key": 0.15, "sunset": 0.15}
    rows = []
    for name, g in sup.groupby("supplier"):
        prev = {s: 0 for s in STAGES}
        lost_cum = 0
        for r in g.itertuples():
            lost_cum += r.lost + r.exited
            counts = {s: int(round(r.customers * shares[s])) for s in shares}
            counts["prospect"], counts["lost"] = 200, lost_cum
            for s in STAGES:
                diff = counts[s] - prev[s] if r.step > 0 else counts[s]
                rows.append(dict(step=r.step, supplier=name, focal=r.focal, stage=s,
                                 count=counts[s], inflow=max(diff, 0), outflow=max(-diff, 0)))
            prev = counts
    return pd.DataFrame(rows)


def _market(steps: int, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for m in MATERIALS:
        idx = 1.0
        for step in range(steps):
            idx *= float(np.exp(rng.normal(0, 0.01)))
            rows.append(dict(step=step, material=m, cost_index=idx, market_price=5000 * idx,
                             demand_t=4000.0, delivered_t=3900.0, ev_share=0.3))
    return pd.DataFrame(rows)


def _customers(scen: str, steps: int, rng: np.random.Generator) -> pd.DataFrame:
    n = 60
    last = (steps // 13) * 13 - 1
    rev = rng.lognormal(13, 1.2, n) * (1.2 if scen == "kam" else 1.0)
    rev[rng.random(n) < 0.1] = 0.0
    order = np.argsort(-rev)
    abc = np.array(["C"] * n, dtype=object)
    abc[order[:8]], abc[order[8:20]] = "A", "B"
    stage = rng.choice(["potential", "general", "key", "sunset", "prospect"], n,
                       p=[0.2, 0.4, 0.15, 0.15, 0.1])
    abc[stage == "prospect"] = "-"
    return pd.DataFrame(dict(
        step=last, customer=np.arange(n, dtype=np.int64), segment=rng.choice(SEGMENTS, n),
        demand_t=rng.uniform(10, 300, n), main_supplier="focal", stage=stage, abc_class=abc,
        satisfaction=rng.uniform(0, 1, n), loyalty=rng.uniform(0, 1, n),
        price_sensitivity=rng.uniform(0, 1, n), focal_share=rng.uniform(0, 1, n),
        focal_revenue_52w=rev, focal_margin_52w=0.1 * rev,
        tenure_weeks=rng.integers(0, 300, n),
    ))


def _spells(scen: str, steps: int, rng: np.random.Generator) -> pd.DataFrame:
    n = 80
    start = rng.integers(-150, steps - 10, n)
    hazard = 1 / 120 if scen == "kam" else 1 / 50
    life = rng.exponential(1 / hazard, n).astype(int) + 1
    end_true = np.maximum(start, 0) + life  # memoryless: pre-run spells survive to step 0
    event = end_true <= steps - 1
    end = np.where(event, end_true, steps - 1)
    reason = np.where(event, rng.choice(["lost", "exited"], n, p=[0.8, 0.2]), "")
    abc = rng.choice(["A", "B", "C", "-"], n, p=[0.15, 0.2, 0.55, 0.1])
    in_run = end - np.clip(start, 0, None)
    revenue = rng.uniform(2e5, 5e5, n) * np.maximum(in_run, 0)
    return pd.DataFrame(dict(
        customer=np.arange(n, dtype=np.int64), segment=rng.choice(SEGMENTS, n),
        start_step=start, end_step=end, duration_weeks=end - start, event=event,
        end_reason=reason, abc_class=abc, key=abc == "A", revenue=revenue,
        gross_margin=0.12 * revenue,
    ))


def _retention(scen: str, steps: int, rng: np.random.Generator) -> pd.DataFrame:
    """Year-on-year retention of every supplier (the recorder's `retention` table)."""
    years = steps // 52
    keep = 0.85 if scen == "kam" else 0.6
    rows = []
    for name in SUPPLIERS:
        for year in range(1, years + 1):
            start, key_start = int(rng.integers(50, 70)), int(rng.integers(5, 12))
            rows.append(dict(year=year, supplier=name, focal=name == "focal",
                             customers_start=start, retained=int(rng.binomial(start, keep)),
                             key_start=key_start,
                             key_retained=int(rng.binomial(key_start, keep))))
    return pd.DataFrame(rows)


def make_tables(scenarios=("base", "kam"), reps: int = 3, steps: int = 104) -> dict:
    """Stacked run tables: runs, pool_runs, spells_runs, customers_runs, market_runs,
    retention_runs."""
    out: dict[str, list[pd.DataFrame]] = {k: [] for k in ("runs", "pool", "spells", "customers",
                                                          "market", "retention")}
    for scen in scenarios:
        for rep in range(reps):
            seed = 1000 + rep
            rng = np.random.default_rng([seed, len(scen)])
            sup = _suppliers(scen, rep, steps, rng)
            parts = {"runs": sup, "pool": _pool(sup), "spells": _spells(scen, steps, rng),
                     "customers": _customers(scen, steps, rng), "market": _market(steps, rng),
                     "retention": _retention(scen, steps, rng)}
            for k, df in parts.items():
                out[k].append(df.assign(scenario=scen, rep=rep, seed=seed))
    cat = {k: pd.concat(v, ignore_index=True) for k, v in out.items()}
    return {"runs": cat["runs"], "pool_runs": cat["pool"], "spells_runs": cat["spells"],
            "customers_runs": cat["customers"], "market_runs": cat["market"],
            "retention_runs": cat["retention"]}


@pytest.fixture(scope="session")
def tables() -> dict:
    """Two scenarios × three reps × 104 weeks of synthetic tables."""
    return make_tables()


@pytest.fixture(scope="session")
def one_run(tables) -> dict:
    """The tables of scenario 'base', rep 0, without scenario/rep/seed columns."""
    def pick(df: pd.DataFrame) -> pd.DataFrame:
        sub = df[(df["scenario"] == "base") & (df["rep"] == 0)]
        return sub.drop(columns=["scenario", "rep", "seed"]).reset_index(drop=True)
    return {"suppliers": pick(tables["runs"]), "pool": pick(tables["pool_runs"]),
            "market": pick(tables["market_runs"]), "customers": pick(tables["customers_runs"]),
            "spells": pick(tables["spells_runs"])}


REAL_FILES = ("baseline", "reservoir", "funnel")  # the status quo first, as compare puts it


@pytest.fixture(scope="session")
def real_tables() -> dict:
    """A small real comparison: the shipped baseline (the status quo of the other two),
    reservoir and funnel, 3 replications of 60 weeks at scale 0.3, on common seeds (the
    stacked tables `kamsim compare` writes)."""
    from pathlib import Path

    from sim.runs import compare

    root = Path(__file__).resolve().parents[2] / "scenarios"
    parts = [compare.run_one(str(root / f"{name}.toml"), rep, seed, 60, (("run.scale", 0.3),))
             for name in REAL_FILES for rep, seed in enumerate(compare.crn_seeds(7, 3))]
    return {stem: pd.concat([p[stem] for p in parts], ignore_index=True)
            for stem in parts[0]}
