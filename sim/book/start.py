"""The focal supplier's customers at step 0, taken from its own book.

Owns what the model's set-up reads from a book (scenario key ``[book] path``): the book's
accounts still buying at its end (or ``[book] years_before_end`` years before it, read from
the invoice lines up to then only) become the first rows of the population, each with

- segment: from the book's segment or industry text, else the segment whose median size is
  nearest (log scale) to the account's needs;
- size: the account's needs, t/week = the last 52 weeks' tonnes / 52 / share of wallet (the
  book's where given, else ``book.default_share_of_wallet``);
- material mix: the book's tonnes by material, through the model's one per-customer mix
  lever (EV exposure between the ICE and the EV mix; EV-native segments keep the EV mix);
- growth: the book's trend (last 52 weeks over the 52 before) shrunk toward its segment's
  pooled trend by its noise (``features.growth``), the pooled trend for accounts without two
  full years;
- awareness of the focal supplier, and an initial attraction to it in proportion to the share
  of wallet (before the model settles loyalties); the other customers at step 0 do not know
  the focal supplier (the book lists every customer it has) until its prospecting finds them;
- tenure with the focal supplier: from the created date, else the first invoice;
- order interval (``sim/rules/rhythm.py``): the book's mean weeks between purchase weeks
  (at least one, at most the parameter's bound), else the segment's.

Their closure hazard is their segment's rate scaled by the size the book gives them
(``sim/rules/closure.py``; the segment's rate where ``closure_size_elasticity`` is 0).
Everything else about these accounts (price sensitivity, switching cost, credit default, tender
buying, seasonality, noise, other suppliers known) and every other customer of the market
(the rivals' and the undecided) is drawn from the segment distributions. ``provenance``
records which field came from where. A scenario without a book never calls this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.book import features
from sim.market.initialise import allocate_counts
from sim.params import MATERIALS, SEGMENTS, Scenario
from sim.params.market import MAX_ORDER_INTERVAL
from sim.scenario import InputError

if TYPE_CHECKING:
    from sim.market.model import MarketModel
    from sim.market.population import Population

@lru_cache(maxsize=8)
def _active_features(folder: str, stamp: tuple, lost_after_weeks: int,
                     years_before_end: int) -> pd.DataFrame:
    from sim.book import load
    from sim.params import LifecycleParams

    book = load.load(folder)
    rules = LifecycleParams(lost_after_weeks=lost_after_weeks)
    whole = features.panel(book)
    cut = features.cut_week(book, years_before_end, whole)
    if cut < 1:
        raise InputError([(folder, "book.years_before_end",
                           f"{years_before_end} years before the end is before the book's "
                           f"first week")])
    p = features.panel(book, until=cut) if years_before_end else whole
    feats = features.account_features(book, p, rules=rules)
    return feats[feats["active"] & (feats["tonnes_12m"] > 0)].reset_index(drop=True)


def book_accounts(params: Scenario) -> pd.DataFrame:
    """The book's accounts buying at its end, or ``book.years_before_end`` years before it,
    with their features as of then (cached per file state)."""
    folder = Path(params.book.path)
    stamp = tuple(sorted((f.name, f.stat().st_mtime_ns, f.stat().st_size)
                         for f in folder.iterdir())) if folder.is_dir() else ()
    return _active_features(str(folder), stamp, params.lifecycle.lost_after_weeks,
                            params.book.years_before_end)


@dataclass
class BookStart:
    """The plan for the book's rows: their segments first, then what ``apply`` sets."""

    accounts: pd.DataFrame
    segments: np.ndarray          # all n0 customers' segment codes, book rows first
    size: np.ndarray              # t/week of the book rows
    max_tenure: int = 520         # lifecycle.max_initial_tenure_weeks, as seeded histories
    provenance: dict[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.accounts)

    def apply(self, model: MarketModel) -> None:
        """Overwrite the book rows' drawn attributes with the book's (after loyalty draws)."""
        pop, f, a = model.pop, model.focal, self.accounts
        rows = slice(0, self.n)
        pop.size[rows] = self.size
        grow = features.growth(a)  # annual log growth
        has = np.isfinite(grow)
        own = has & np.isfinite(a["trend_se"].to_numpy(dtype=float))
        pop.growth[rows] = np.where(has, np.clip(grow, np.log(0.5), np.log(2.0)) / 52.0,
                                    pop.growth[rows])
        tonnes = a[[f"tonnes_12m_{m}" for m in MATERIALS]].to_numpy(dtype=float)
        other = 1.0 - tonnes[:, 0] / tonnes.sum(axis=1)
        ice, ev = 1.0 - model.market.mix_ice[0], 1.0 - model.market.mix_ev[0]
        weight = np.clip((other - ice) / (ev - ice), 0.0, 1.0) if ev != ice else 0.0
        native = pop.ev_native[rows]
        pop.exposure[rows] = np.where(native, pop.exposure[rows],
                                      np.clip(weight / max(model.market.ev, 1e-9), 0.0, 1.0))
        rhythm = a["rhythm_weeks"].to_numpy(dtype=float)
        known = np.isfinite(rhythm)
        pop.order_interval[rows] = np.where(known, np.clip(rhythm, 1.0, MAX_ORDER_INTERVAL),
                                            pop.order_interval[rows])
        pop.aware[rows, f] = True
        others_rows = slice(self.n, pop.n)  # the book lists every customer the focal has
        pop.aware[others_rows, f] = False
        pop.loyalty[others_rows, f] = 0.0
        sow = self._share_of_wallet(model.params)
        others = np.delete(pop.loyalty[rows], f, axis=1).sum(axis=1)
        pop.loyalty[rows, f] = np.where(others > 0, others * sow / np.maximum(1 - sow, 1e-6),
                                        model.market.j_ref * sow)
        self.provenance.update({
            "growth": f"book trend shrunk toward the segment's pooled trend for "
                      f"{int(own.sum())}, the pooled trend for {int((has & ~own).sum())}, "
                      f"segment distribution for {int((~has).sum())}",
            "material mix": "book tonnes by material, as EV exposure (EV-native segments: "
                            "EV mix)",
            "order rhythm": f"book invoice lines (mean weeks between purchase weeks) for "
                            f"{int(known.sum())}, segment order interval for "
                            f"{int((~known).sum())} and every other customer",
            "loyalty": "initial attraction to the focal supplier from the share of wallet, "
                       "then settled by the model"})

    def apply_tenure(self, pop: Population, focal: int) -> None:
        """The book's tenure for book rows the focal supplier serves (after seeded history)."""
        rows = slice(0, self.n)
        weeks = np.minimum(self.accounts["tenure_weeks"].to_numpy(dtype=float),
                           self.max_tenure).astype(np.int32)
        serving = pop.tenure[rows, focal] > 0
        pop.tenure[rows, focal] = np.where(serving, np.maximum(weeks, 1), 0)
        self.provenance["tenure"] = (f"book created date / first invoice for "
                                     f"{int(serving.sum())} served at step 0")

    def _share_of_wallet(self, params: Scenario) -> np.ndarray:
        given = self.accounts.get("share_of_wallet")
        default = params.book.default_share_of_wallet
        if given is None:
            return np.full(self.n, default)
        return np.where(np.isfinite(given.to_numpy(dtype=float)), given, default)


def plan(params: Scenario, table_shares: np.ndarray, size_median: np.ndarray) -> BookStart:
    """Which rows the book fills and with which segments; the rest keeps the segment shares."""
    accounts = book_accounts(params)
    n0, n_book = params.run.customers, len(accounts)
    if n_book > n0:
        raise InputError([(params.book.path, "run.customers",
                           f"the book has {n_book} accounts buying at its end; run.customers "
                           f"({n0}) must be at least that")])
    start = BookStart(accounts, np.zeros(0, np.int8), np.zeros(0))
    sow = start._share_of_wallet(params)
    size = accounts["tonnes_12m"].to_numpy(dtype=float) / 52.0 / sow
    named = accounts["segment"].map({s: i for i, s in enumerate(SEGMENTS)})
    nearest = np.abs(np.log(size)[:, None] - np.log(size_median)[None, :]).argmin(axis=1)
    seg = np.where(named.notna(), named.fillna(-1).to_numpy(), nearest).astype(np.int8)
    book_counts = np.bincount(seg, minlength=len(SEGMENTS))
    rest = np.maximum(allocate_counts(n0, table_shares) - book_counts, 0).astype(float)
    rest = rest if rest.sum() > 0 else np.asarray(table_shares, dtype=float)
    others = np.repeat(np.arange(len(SEGMENTS)), allocate_counts(n0 - n_book, rest))
    start.segments = np.concatenate([seg, others]).astype(np.int8)
    start.size = size
    start.max_tenure = params.lifecycle.max_initial_tenure_weeks
    given = int(np.isfinite(accounts.get("share_of_wallet", pd.Series(dtype=float))).sum())
    start.provenance = {
        "accounts": f"{n_book} book accounts buying at the book's end"
                    + (f" less {params.book.years_before_end} years" if
                       params.book.years_before_end else "") + " are the first "
                    f"{n_book} of {n0} customers; the other {n0 - n_book} and every entrant "
                    f"are drawn from the segment distributions",
        "segment": f"book text for {int(named.notna().sum())}, nearest segment by size for "
                   f"{int(named.isna().sum())}",
        "size": f"book tonnes of the last 52 weeks / share of wallet (book's for {given}, "
                f"default {params.book.default_share_of_wallet} for {n_book - given})",
        "awareness": "book accounts know the focal supplier; the other customers do not (the "
                     "book lists all of its customers): its prospecting finds them; other "
                     "suppliers known drawn as for any customer",
        "closure hazard": "segment rate scaled by the book size (segments.*."
                          "closure_size_elasticity; the segment rate where it is 0)",
        "price sensitivity, switching cost, credit default, tender buying, seasonality, noise":
            "segment distributions (the book does not say)",
    }
    return start
