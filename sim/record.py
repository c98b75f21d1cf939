"""What a run records, vectorised: weekly supplier books, pool stocks and flows, market prices,
quarterly customer snapshots, stage transitions, the focal supplier's relationship spells and
year-on-year retention. Output is a dict of tidy DataFrames (see docs/TABLES.md).

Nothing here loops over customers: each week appends a few arrays; tables are built once, at
the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.columns import BOOKS, COSTS, FLOWS
from sim.market.population import ABC_NAMES
from sim.metrics import WEEKS_PER_YEAR
from sim.params import MATERIALS, SEGMENTS
from sim.rules import lifecycle as lc
from sim.rules.lifecycle import STAGE_NAMES

if TYPE_CHECKING:
    from sim.market.model import MarketModel

STAGE_CATS = list(STAGE_NAMES[:-1])
TRANSITION_CATS = ["none", *STAGE_CATS, "exited"]
# the retention table's value columns of the accounts key at a year's start
KEY_VALUE = ("key_revenue_start", "key_revenue_end", "key_wallet_start", "key_wallet_end")


def weekly_stats(old: np.ndarray, new: np.ndarray, exits: np.ndarray,
                 active: np.ndarray) -> dict[str, object]:
    """What the recorder keeps of one week's stage changes: named flows (acquired,
    upgraded, downgraded, lost, exited: ``lifecycle.flows``), stage counts, pool
    inflow/outflow and the changed relationships ``(rows, cols, old, new)``.
    """
    leaving = np.zeros(old.shape[0], np.bool_)
    leaving[exits] = True
    inflow, outflow, named = lc.flows(old, new, leaving)
    rows, cols = np.nonzero(old != new)
    return {**dict(zip(FLOWS, named.T, strict=True)), "counts": lc.stage_counts(new, active),
            "inflow": inflow, "outflow": outflow,
            "changes": (rows, cols, old[rows, cols], new[rows, cols])}


class Recorder:
    """Collects one run's outputs; ``tables()`` returns them as DataFrames."""

    def __init__(self, model: MarketModel) -> None:
        weeks, n_sup = model.params.run.weeks, model.n_sup
        kept = (*BOOKS, *COSTS, *FLOWS, "price", "stock_t", "customers", "key_accounts",
                "kam_covered")
        self.sup = {k: np.zeros((weeks, n_sup)) for k in kept}
        self.pool = {k: np.zeros((weeks, n_sup, lc.N_STAGES), np.int64)
                     for k in ("count", "inflow", "outflow")}
        self.market = {k: np.zeros((weeks, model.n_mat)) for k in
                       ("cost_index", "market_price", "demand_t", "delivered_t", "ev_share")}
        self.transitions: list[tuple[np.ndarray, ...]] = []
        self.snapshots: list[dict[str, np.ndarray]] = []
        self.spells: list[dict[str, np.ndarray]] = []
        self.retention: list[dict[str, np.ndarray]] = []
        self.weeks_done = 0
        self._year_start = self._buying_masks(model)
        self.start = self._start_state(model)

    def _start_state(self, model: MarketModel) -> dict[str, np.ndarray]:
        """The suppliers' state before the first week (step -1 of the suppliers table): list
        price, share of the settled expected tonnage, customers, key accounts, stock and
        key-account coverage; the week's flows are zero (no week has run) and fill rate 1."""
        pop, n_sup = model.pop, model.n_sup
        counts = lc.stage_counts(pop.stage, pop.active)
        expected = model.supply.forecast.sum(1)  # the settled expected tonnes a week (ODD 5)
        out = {k: np.zeros(n_sup) for k in (*BOOKS, *COSTS, *FLOWS)}
        out.update(price=model.supply.avg_list_price(), stock_t=model.supply.stock.sum(1),
                   market_share=expected / max(expected.sum(), 1e-12),
                   fill_rate=np.ones(n_sup),
                   customers=counts[:, lc.POTENTIAL:lc.SUNSET + 1].sum(1),
                   key_accounts=counts[:, lc.KEY],
                   kam_covered=pop.active.astype(np.float64) @ pop.kam)
        return out

    def collect(self, model: MarketModel, books: dict[str, np.ndarray],
                transitions: dict[str, np.ndarray]) -> None:
        t = model.week
        if t >= len(self.sup["price"]):
            return
        pop = model.pop
        stats = transitions.get("stats") or weekly_stats(
            transitions["old"], transitions["new"], transitions["exits"], pop.active)
        for k in (*BOOKS, *COSTS):
            self.sup[k][t] = books[k]
        for k in FLOWS:
            self.sup[k][t] = stats[k]
        counts = stats["counts"]
        self.sup["price"][t] = model.supply.avg_list_price()
        self.sup["stock_t"][t] = model.supply.stock.sum(1)
        self.sup["customers"][t] = counts[:, lc.POTENTIAL:lc.SUNSET + 1].sum(1)
        self.sup["key_accounts"][t] = counts[:, lc.KEY]
        # a count as a product of 0/1 floats (exact), much faster than a boolean column sum
        self.sup["kam_covered"][t] = pop.active.astype(np.float64) @ pop.kam
        self.pool["count"][t], self.pool["inflow"][t], self.pool["outflow"][t] = (
            counts, stats["inflow"], stats["outflow"])
        mk = self.market
        mk["cost_index"][t] = model.market.cost_index
        mk["market_price"][t] = model.market.market_price
        mk["demand_t"][t] = pop.demand.sum(0)
        mk["delivered_t"][t] = model.supply.last_delivered.sum(0)
        mk["ev_share"][t] = model.market.ev
        self._transitions(t, *stats["changes"], transitions["exits"], pop.n)
        if (t + 1) % 13 == 0 or t + 1 == len(self.sup["price"]):  # quarter ends, run's end
            self.snapshots.append(self._snapshot(model))
        if (t + 1) % 52 == 0:
            self._retention(model, (t + 1) // 52)
        self.weeks_done = t + 1

    def _transitions(self, t: int, rows: np.ndarray, cols: np.ndarray, old: np.ndarray,
                     new: np.ndarray, exits: np.ndarray, n: int) -> None:
        to = new.astype(np.int16) + 1  # category codes: 0 none .. 6 lost
        if exits.size:
            leaving = np.zeros(n, bool)
            leaving[exits] = True
            to[leaving[rows]] = len(TRANSITION_CATS) - 1
        frm = old.astype(np.int16) + 1
        self.transitions.append((np.full(rows.size, t, np.int32), rows, cols, frm, to))

    def _snapshot(self, model: MarketModel) -> dict[str, np.ndarray]:
        pop, f = model.pop, model.focal
        rows = np.flatnonzero(pop.active)
        return {"step": np.full(rows.size, model.week, np.int32), "customer": rows,
                "segment": pop.segment[rows], "demand_t": pop.demand[rows].sum(1),
                "main_supplier": pop.main[rows], "stage": pop.stage[rows, f],
                "abc_class": pop.abc[rows, f], "satisfaction": pop.satisfaction[rows, f],
                "loyalty": pop.loyalty[rows, f], "price_sensitivity": pop.ps[rows],
                "focal_share": pop.share[rows, f], "focal_revenue_52w": pop.rev52[rows, f],
                "focal_margin_52w": pop.rev52[rows, f] - pop.cost52[rows, f],
                "tenure_weeks": pop.tenure[rows, f]}

    @staticmethod
    def _buying_masks(model: MarketModel) -> tuple[np.ndarray, ...]:
        """Buying and key relationships (N x S), each relationship's 52-week revenue and its
        share of the customer's 52-week tonnes (share of wallet)."""
        pop = model.pop
        st = pop.stage
        wallet = pop.vol52.sum(1, keepdims=True)
        sow = np.divide(pop.vol52, wallet, out=np.zeros_like(pop.vol52), where=wallet > 0)
        return (st >= lc.POTENTIAL) & (st <= lc.SUNSET), st == lc.KEY, pop.rev52.copy(), sow

    def _retention(self, model: MarketModel, year: int) -> None:
        """Of the relationships buying (key) at the year's start: how many still are, and
        what the key ones bring: revenue and share of wallet in the year before and in this
        one (docs/TABLES.md, retention)."""
        was, was_key, rev0, sow0 = self._year_start
        n = was.shape[0]
        now, now_key, rev1, sow1 = (a[:n] for a in self._buying_masks(model))
        self.retention.append({
            "year": np.full(model.n_sup, year), "supplier": np.arange(model.n_sup),
            "customers_start": was.sum(0), "retained": (was & now).sum(0),
            "key_start": was_key.sum(0), "key_retained": (was_key & now_key).sum(0),
            "key_revenue_start": (rev0 * was_key).sum(0),
            "key_revenue_end": (rev1 * was_key).sum(0),
            "key_wallet_start": (sow0 * was_key).sum(0),
            "key_wallet_end": (sow1 * was_key).sum(0)})
        self._year_start = self._buying_masks(model)

    def close_spells(self, model: MarketModel, rows: np.ndarray, reason: np.ndarray) -> None:
        """Record the focal supplier's spells that ended this week."""
        pop = model.pop
        self.spells.append({"customer": rows, "segment": pop.segment[rows],
                            "start_step": pop.spell_start[rows].copy(),
                            "end_step": np.full(rows.size, model.week, np.int32),
                            "event": np.ones(rows.size, bool), "end_reason": reason,
                            "abc_class": pop.spell_abc[rows].copy(),
                            "key": pop.spell_key[rows].copy(),
                            "revenue": pop.spell_rev[rows].copy(),
                            "gross_margin": pop.spell_margin[rows].copy()})

    def _open_spells(self, model: MarketModel) -> dict[str, np.ndarray]:
        pop, f = model.pop, model.focal
        rows = np.flatnonzero((pop.stage[:, f] >= lc.POTENTIAL) & (pop.stage[:, f] <= lc.SUNSET))
        return {"customer": rows, "segment": pop.segment[rows],
                "start_step": pop.spell_start[rows], "end_step": np.full(rows.size,
                                                                         model.week - 1),
                "event": np.zeros(rows.size, bool), "end_reason": np.full(rows.size, ""),
                "abc_class": pop.spell_abc[rows], "key": pop.spell_key[rows],
                "revenue": pop.spell_rev[rows], "gross_margin": pop.spell_margin[rows]}

    # ------------------------------------------------------------------ tables
    def tables(self, model: MarketModel) -> dict[str, pd.DataFrame]:
        """All recorded outputs as tidy DataFrames."""
        w, names = self.weeks_done, model.supplier_names
        n_sup = len(names)
        steps = np.repeat(np.arange(-1, w, dtype=np.int32), n_sup)  # step -1: the start
        cols = {k: np.concatenate([self.start[k], v[:w].reshape(-1)])
                for k, v in self.sup.items()}
        for k in ("customers", "key_accounts", "kam_covered", *FLOWS):
            cols[k] = cols[k].astype(np.int32)
        order = ["price", *BOOKS, "customers", "key_accounts", "stock_t", *FLOWS, "kam_covered",
                 *COSTS]
        start_year = float(model.params.run.start_year)
        sup = pd.DataFrame({"step": steps, "year": start_year + steps / WEEKS_PER_YEAR,
                            "supplier": np.tile(names, w + 1),
                            "focal": np.tile(np.arange(n_sup) == model.focal, w + 1),
                            **{k: cols[k] for k in order}})
        pool = pd.DataFrame({
            "step": np.repeat(np.arange(w, dtype=np.int32), n_sup * lc.N_STAGES),
            "supplier": np.tile(np.repeat(names, lc.N_STAGES), w),
            "focal": np.tile(np.repeat(np.arange(n_sup) == model.focal, lc.N_STAGES), w),
            "stage": pd.Categorical.from_codes(np.tile(np.arange(len(STAGE_CATS), dtype=np.int8),
                                                       w * n_sup), STAGE_CATS),
            **{k: v[:w].reshape(-1) for k, v in self.pool.items()}})
        mk_steps = np.repeat(np.arange(w, dtype=np.int32), model.n_mat)
        market = pd.DataFrame({"step": mk_steps, "year": start_year + mk_steps / WEEKS_PER_YEAR,
                               "material": np.tile(MATERIALS, w),
                               **{k: v[:w].reshape(-1) for k, v in self.market.items()}})
        return {"suppliers": sup, "pool": pool, "market": market,
                "customers": self._customers_table(names),
                "transitions": self._transitions_table(names),
                "spells": self._spells_table(model),
                "retention": self._retention_table(names)}

    def _customers_table(self, names: list[str]) -> pd.DataFrame:
        if not self.snapshots:
            return pd.DataFrame(columns=list(self._snapshot_columns()))
        d = {k: np.concatenate([s[k] for s in self.snapshots]) for k in self.snapshots[0]}
        d["segment"] = pd.Categorical.from_codes(d["segment"], list(SEGMENTS))
        d["main_supplier"] = np.array(["", *names], dtype=object)[d["main_supplier"] + 1]
        d["stage"] = np.array(STAGE_NAMES, dtype=object)[d["stage"]]
        d["abc_class"] = np.array(ABC_NAMES, dtype=object)[d["abc_class"]]
        return pd.DataFrame(d)

    @staticmethod
    def _snapshot_columns() -> tuple[str, ...]:
        return ("step", "customer", "segment", "demand_t", "main_supplier", "stage",
                "abc_class", "satisfaction", "loyalty", "price_sensitivity", "focal_share",
                "focal_revenue_52w", "focal_margin_52w", "tenure_weeks")

    def _transitions_table(self, names: list[str]) -> pd.DataFrame:
        parts = list(zip(*self.transitions, strict=True)) if self.transitions else [[]] * 5
        cat = [np.concatenate(p) if len(p) else np.zeros(0, np.int64) for p in parts]
        return pd.DataFrame({
            "step": cat[0].astype(np.int32), "customer": cat[1].astype(np.int64),
            "supplier": pd.Categorical.from_codes(cat[2].astype(np.int16), names),
            "from_stage": pd.Categorical.from_codes(cat[3].astype(np.int16), TRANSITION_CATS),
            "to_stage": pd.Categorical.from_codes(cat[4].astype(np.int16), TRANSITION_CATS)})

    def _spells_table(self, model: MarketModel) -> pd.DataFrame:
        parts = [*self.spells, self._open_spells(model)]
        d = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        d["segment"] = pd.Categorical.from_codes(d["segment"].astype(np.int8), list(SEGMENTS))
        d["abc_class"] = np.array(ABC_NAMES, dtype=object)[d["abc_class"]]
        d["end_reason"] = d["end_reason"].astype(object)
        df = pd.DataFrame(d)
        df.insert(4, "duration_weeks", df["end_step"] - df["start_step"] + 1)
        return df

    def _retention_table(self, names: list[str]) -> pd.DataFrame:
        if not self.retention:
            return pd.DataFrame(columns=["year", "supplier", "customers_start", "retained",
                                         "key_start", "key_retained", *KEY_VALUE])
        d = {k: np.concatenate([r[k] for r in self.retention]) for k in self.retention[0]}
        d["supplier"] = np.array(names, dtype=object)[d["supplier"]]
        return pd.DataFrame(d)
