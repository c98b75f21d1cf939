"""Each account's features, derived from a validated book's invoice lines and accounts.

Owns the weekly panel (tonnes by material, revenue and cost per account and week, weeks
counted from the Monday on or before the first invoice) and the per-account features read at
the book's end: annual tonnes by material, revenue, margin, tenure, purchase rhythm, trend,
activity, share of wallet where the book gives it, open pipeline and win rate where it has
opportunities, and the segment (from the book's segment or industry text, else None); and
each account's persistent growth (:func:`growth`), its trend shrunk by how noisy it is.
"Active" and the purchase-continuity count use the model's own lifecycle rules
(``lost_after_weeks``, ``continuity_weeks``) so the book is read as the model reads its
customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.book import schema
from sim.book.load import Book
from sim.params import MATERIALS, LifecycleParams


@dataclass(frozen=True)
class Panel:
    """Dense weekly books: ``tonnes`` (N, W, M), ``revenue`` and ``cost`` (N, W)."""

    accounts: np.ndarray  # account ids, row order
    start: pd.Timestamp   # Monday of week 0
    tonnes: np.ndarray
    revenue: np.ndarray
    cost: np.ndarray | None

    @property
    def weeks(self) -> int:
        return self.revenue.shape[1]

    @property
    def bought(self) -> np.ndarray:
        return self.tonnes.sum(axis=2) > 0

    def since(self, week: int) -> Panel:
        """The weeks from ``week`` on, counted from it (the book truncated at the front)."""
        return Panel(self.accounts, self.start + pd.Timedelta(weeks=week),
                     self.tonnes[:, week:], self.revenue[:, week:],
                     None if self.cost is None else self.cost[:, week:])


def panel(book: Book, until: int | None = None) -> Panel:
    """The book's non-cancelled invoice lines summed per account, week and material; with
    ``until``, only the weeks before it (the book as of then: no later line is read)."""
    lines = book.lines
    if "cancelled" in lines:
        lines = lines[~lines["cancelled"]]
    ids = book.accounts["account_id"].to_numpy()
    start = book.start.normalize() - pd.Timedelta(days=book.start.weekday())
    week = ((lines["date"] - start).dt.days // 7).to_numpy()
    n_weeks = int(week.max()) + 1 if week.size else 1
    if until is not None:
        lines, week, n_weeks = lines[week < until], week[week < until], max(int(until), 1)
    row = pd.Index(ids).get_indexer(lines["account_id"])
    mat = pd.Index(MATERIALS).get_indexer(lines["material_class"])
    tonnes = np.zeros((ids.size, n_weeks, len(MATERIALS)))
    np.add.at(tonnes, (row, week, mat), lines["tonnes"].to_numpy())
    revenue = np.zeros((ids.size, n_weeks))
    np.add.at(revenue, (row, week), lines["net_value"].to_numpy())
    cost = None
    if "cost" in lines and lines["cost"].notna().any():
        cost = np.zeros((ids.size, n_weeks))
        np.add.at(cost, (row, week), lines["cost"].fillna(0.0).to_numpy())
    return Panel(ids, start, tonnes, revenue, cost)


def segments(accounts: pd.DataFrame) -> tuple[pd.Series, str]:
    """Each account's kamsim segment (None where the text says nothing) and the column used."""
    for col in ("segment", "industry"):
        if col in accounts:
            seg = accounts[col].map(lambda s: schema.classify(s, schema.SEGMENT_RULES))
            if seg.notna().any():
                return seg, col
    return pd.Series([None] * len(accounts), index=accounts.index, dtype=object), ""


def cut_week(book: Book, years_before_end: int, p: Panel | None = None) -> int:
    """The week (from the panel's start) that is ``years_before_end`` 52-week years before
    the book's end: the book as of then is :func:`panel` ``(book, until=cut_week(...))``;
    ``p``, the book's whole panel where the caller has it already."""
    return (panel(book) if p is None else p).weeks - 52 * years_before_end


def account_features(book: Book, p: Panel | None = None,
                     rules: LifecycleParams | None = None) -> pd.DataFrame:
    """One row per account with its features at the panel's last week (the book's end, or
    a cut: ``panel(book, until=...)``)."""
    p = panel(book) if p is None else p
    rules = rules or LifecycleParams()
    w = p.weeks
    last = slice(max(0, w - 52), w)
    prev = slice(max(0, w - 104), max(0, w - 52))
    bought = p.bought
    any_buy = bought.any(axis=1)
    first = np.where(any_buy, bought.argmax(axis=1), -1)
    last_week = np.where(any_buy, w - 1 - bought[:, ::-1].argmax(axis=1), -1)
    t12 = p.tonnes[:, last].sum(axis=1)
    t_prev = p.tonnes[:, prev].sum(axis=1).sum(axis=1)
    rev12 = p.revenue[:, last].sum(axis=1)
    out = pd.DataFrame({"account_id": p.accounts})
    for m, name in enumerate(MATERIALS):
        out[f"tonnes_12m_{name}"] = t12[:, m]
    out["tonnes_12m"] = t12.sum(axis=1)
    out["revenue_12m"] = rev12
    if p.cost is not None:
        c12 = p.cost[:, last].sum(axis=1)
        out["margin"] = np.divide(rev12 - c12, rev12, out=np.full(rev12.size, np.nan),
                                  where=rev12 > 0)
    seg, _ = segments(book.accounts)
    out["segment"] = seg.to_numpy()
    out["first_week"] = first
    out["weeks_since"] = np.where(any_buy, w - 1 - last_week, 10_000)
    out["active"] = any_buy & (out["weeks_since"].to_numpy() < rules.lost_after_weeks)
    out["act13"] = bought[:, max(0, w - 13):].sum(axis=1)
    out["tenure_weeks"] = _tenure(book, p, first)
    out["rhythm_weeks"] = _rhythm(bought)
    out["trend"] = np.divide(t12.sum(axis=1), t_prev, out=np.full(t_prev.size, np.nan),
                             where=t_prev > 0) - 1.0
    out["trend_se"] = _trend_se(p, out["tenure_weeks"].to_numpy())
    if book.opportunities is not None:
        out = out.join(_pipeline(book), on="account_id")
    if "share_of_wallet" in book.accounts:
        sow = book.accounts["share_of_wallet"].to_numpy(dtype=float)
        out["share_of_wallet"] = np.where(sow > 0, sow, np.nan)
    return out


MIN_POOL = 10  # accounts with a trend a segment needs to pool its own (else all accounts')


def _trend_se(p: Panel, tenure: np.ndarray) -> np.ndarray:
    """Standard error of each account's log trend, log(last 52 weeks / the 52 before), from
    the scatter of its weekly tonnes (delta method, weeks taken as independent): NaN unless
    the book has both years and the relationship spans them (tenure of 104 weeks or more)."""
    w = p.weeks
    out = np.full(tenure.size, np.nan)
    if w < 104:
        return out
    weekly = p.tonnes.sum(axis=2)
    last, prev = weekly[:, w - 52:], weekly[:, w - 104:w - 52]
    s1, s0 = last.sum(axis=1), prev.sum(axis=1)
    ok = (s1 > 0) & (s0 > 0) & (tenure >= 104)
    var = (52 * last.var(axis=1, ddof=1) / np.where(ok, s1, 1.0) ** 2
           + 52 * prev.var(axis=1, ddof=1) / np.where(ok, s0, 1.0) ** 2)
    out[ok] = np.sqrt(var[ok])
    return out


def growth(feats: pd.DataFrame) -> np.ndarray:
    """Each account's persistent growth, as annual log growth: its own log trend shrunk toward
    its segment's pooled trend (log of the segment's summed tonnes over the summed tonnes of the
    year before) by the empirical-Bayes weight ``tau^2 / (tau^2 + se^2)``, where ``se`` is the
    trend's noise (``trend_se``) and ``tau^2`` the spread of the segment's trends beyond their
    noise; the pooled trend for accounts without two full years. One year's tonnes over the
    year before's mixes the persistent trend with the scatter of orders (a tier-2 account of a
    dozen orders a year: a standard error of about 0.4): read as a growth rate and compounded,
    that scatter made the book's small accounts' demand triple in three years. Segments with
    fewer than ``MIN_POOL`` accounts with a trend use all accounts'. NaN for none."""
    trend = feats["trend"].to_numpy(dtype=float)
    se = feats["trend_se"].to_numpy(dtype=float)
    t12 = feats["tonnes_12m"].to_numpy(dtype=float)
    own = np.isfinite(se) & np.isfinite(trend) & (trend > -1.0)
    ell = np.log1p(np.where(own, trend, 0.0))
    seg = feats["segment"].to_numpy(dtype=object)
    out = np.full(trend.size, np.nan)
    if not own.any():
        return out

    def pooled(mask: np.ndarray) -> tuple[float, float]:
        prev = (t12[mask] / (1.0 + trend[mask])).sum()
        tau2 = ell[mask].var(ddof=1) - np.mean(se[mask] ** 2) if mask.sum() > 1 else 0.0
        return float(np.log(t12[mask].sum() / prev)), max(float(tau2), 0.0)

    everyone = pooled(own)
    for s in {*seg}:
        members = seg == s
        mu, tau2 = pooled(own & members) if (own & members).sum() >= MIN_POOL else everyone
        weight = tau2 / np.maximum(tau2 + np.where(own, se, 1.0) ** 2, 1e-12)
        out[members] = np.where(own[members], mu + weight[members] * (ell[members] - mu), mu)
    return out


def _tenure(book: Book, p: Panel, first: np.ndarray) -> np.ndarray:
    """Weeks from the relationship's start (created date, else first invoice) to the end."""
    end = p.start + pd.Timedelta(weeks=p.weeks)
    from_lines = np.where(first >= 0, p.weeks - first, 0).astype(float)
    if "created" not in book.accounts:
        return from_lines
    created = book.accounts["created"]
    weeks = ((end - created).dt.days / 7.0).to_numpy()
    ok = ~np.isnan(weeks) & (weeks > 0)
    return np.where(ok, np.maximum(np.round(np.where(ok, weeks, 0)), from_lines), from_lines)


def _rhythm(bought: np.ndarray) -> np.ndarray:
    """Mean weeks between purchase weeks (NaN with fewer than two)."""
    n = bought.sum(axis=1)
    any_buy = n > 0
    first = bought.argmax(axis=1)
    last = bought.shape[1] - 1 - bought[:, ::-1].argmax(axis=1)
    return np.where(any_buy & (n > 1), (last - first) / np.maximum(n - 1, 1), np.nan)


def _pipeline(book: Book) -> pd.DataFrame:
    """Per account: open opportunities' amount, and the share won of those closed."""
    o = book.opportunities
    stage = o["stage"].str.lower()
    won = o["won"] if "won" in o else stage.str.contains("won")
    closed = stage.str.contains("closed|won|lost") | won
    g = pd.DataFrame({"account_id": o["account_id"],
                      "open": np.where(closed, 0.0, o["amount"]),
                      "closed": closed.astype(float), "won": (won & closed).astype(float)})
    agg = g.groupby("account_id").sum()
    rate = agg["won"] / agg["closed"].where(agg["closed"] > 0)
    return pd.DataFrame({"pipeline_open": agg["open"], "win_rate": rate})
