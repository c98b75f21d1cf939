"""Observed figures of a book with bootstrap intervals, and the same figures of a model run.

Owns the year-end snapshots (one row per account and year end: revenue in the last 52 weeks,
buying or not, key account or not, segment) and ``figures`` — the single definition applied to
the book and to the model's ``customers`` table alike, so calibration compares like with like:

- ``retention`` (and ``retention_A/B/C`` by ABC class at the year's start):
  ``sim.metrics.retention`` of the accounts buying at a year end and still buying at the
  next, pooled over the years; buying = a purchase within the model's ``lost_after_weeks``
  (the model: stage potential..sunset);
- ``top20_share``: ``sim.metrics.top_share`` of the buying accounts' 52-week revenue at the
  last year end (the run summary's definition);
- ``abc_A/B/C``: counts by ``sim.rules.lifecycle.abc_classes`` (the model's own classing) of
  buying customers' 52-week revenue at the last year end;
- ``key_accounts``: at the last year end; the book: 52-week tonnes >= ``key_volume_t``, a
  purchase in ``continuity_weeks`` of the last 13 and margin >= the floor (where costs are
  given); the model: stage key;
- ``new_per_year``: buying at a year end but not at the previous one, per year;
- ``revenue_share_SEGMENT``: share of 52-week revenue at the last year end.

- ``churn_after_rise`` and ``churn_baseline`` (:func:`churn_after`, where prices rose): the
  share of accounts buying at a price rise (a four-week period whose median price per tonne
  of a material rose by ``RISE_THRESHOLD`` over the three periods before) that no longer buy
  a year later, and the same share at all times at least 26 weeks from a rise; the book's
  prices are its invoice lines', a run's its market prices.

Intervals: percentile bootstrap over accounts (resampled with replacement).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import metrics
from sim.book.features import Panel, segments
from sim.book.load import Book
from sim.params import MATERIALS, SEGMENTS, ABCParams, LifecycleParams
from sim.rules.lifecycle import abc_classes
from sim.scenario import InputError

RISE_THRESHOLD = 0.08
PERIOD_WEEKS = 4  # prices compared by four-week period
BUYING_STAGES = ("potential", "general", "key", "sunset")


@dataclass(frozen=True)
class Snapshots:
    """Per account (rows) and year end (columns, oldest first)."""

    revenue: np.ndarray   # (N, K) revenue in the 52 weeks to the year end
    buying: np.ndarray    # (N, K) bool
    key: np.ndarray       # (N, K) bool
    segment: np.ndarray   # (N,) segment name or None

    def take(self, idx: np.ndarray) -> Snapshots:
        return Snapshots(self.revenue[idx], self.buying[idx], self.key[idx], self.segment[idx])


def book_snapshots(book: Book, p: Panel, rules: LifecycleParams) -> Snapshots:
    """Year ends counted back from the book's last week, each with 52 weeks of history."""
    w = p.weeks
    ends = [e for e in range(w, 51, -52)][::-1]  # exclusive week index of each year end
    rev, buy, key = [], [], []
    bought = p.bought
    tonnes = p.tonnes.sum(axis=2)
    for e in ends:
        year = slice(e - 52, e)
        r = p.revenue[:, year].sum(axis=1)
        recent = bought[:, max(0, e - rules.lost_after_weeks):e].any(axis=1)
        vol = tonnes[:, year].sum(axis=1)
        act13 = bought[:, e - 13:e].sum(axis=1)
        ok = (vol >= rules.key_volume_t) & (act13 >= rules.continuity_weeks) & recent
        if p.cost is not None:
            margin = np.divide(r - p.cost[:, year].sum(axis=1), r, out=np.zeros_like(r),
                               where=r > 0)
            ok &= margin >= rules.key_margin_floor
        rev.append(r)
        buy.append(recent)
        key.append(ok)
    seg, _ = segments(book.accounts)
    return Snapshots(np.stack(rev, 1), np.stack(buy, 1), np.stack(key, 1),
                     seg.to_numpy(dtype=object))


def model_snapshots(customers: pd.DataFrame) -> Snapshots:
    """The same snapshots from a run's ``customers`` table (focal supplier, year ends)."""
    ends = sorted(s for s in customers["step"].unique() if (s + 1) % 52 == 0)
    if not ends:
        raise ValueError("the run has no year end (needs at least 52 weeks)")
    df = customers[customers["step"].isin(ends)]
    wide = df.pivot(index="customer", columns="step")
    rev = wide["focal_revenue_52w"].fillna(0.0).to_numpy()
    stage = wide["stage"].fillna("").to_numpy(dtype=object)
    seg = df.drop_duplicates("customer").set_index("customer")["segment"]
    seg = seg.reindex(wide.index).astype(object).to_numpy()
    return Snapshots(rev, np.isin(stage, BUYING_STAGES), stage == "key", seg)


def figures(s: Snapshots, abc: ABCParams) -> dict[str, float]:
    """Every model-comparable figure of one set of snapshots (see the module docstring)."""
    k = s.revenue.shape[1]
    classes = np.stack([_abc(s.revenue[:, j] * s.buying[:, j], abc) for j in range(k)], 1)
    out: dict[str, float] = {}
    if k > 1:
        was, now = s.buying[:, :-1], s.buying[:, 1:]
        out["retention"] = metrics.retention(was.sum(), (was & now).sum())
        for c, name in enumerate("ABC", start=1):
            cls = classes[:, :-1] == c
            out[f"retention_{name}"] = metrics.retention(cls.sum(), (cls & now).sum())
        out["new_per_year"] = float((now & ~was).sum() / (k - 1))
    out["top20_share"] = metrics.top_share(s.revenue[s.buying[:, -1], -1])
    last = s.revenue[:, -1] * s.buying[:, -1]
    for c, name in enumerate("ABC", start=1):
        out[f"abc_{name}"] = float((classes[:, -1] == c).sum())
    out["key_accounts"] = float(s.key[:, -1].sum())
    total = last.sum()
    for seg in SEGMENTS:
        out[f"revenue_share_{seg}"] = _ratio(last[s.segment == seg].sum(), total)
    return out


def _abc(revenue: np.ndarray, abc: ABCParams) -> np.ndarray:
    return abc_classes(revenue, mode=abc.mode, a_share=abc.a_share, b_share=abc.b_share,
                       a_revenue=abc.a_revenue, b_revenue=abc.b_revenue)


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else float("nan")


def price_rises(prices: pd.DataFrame) -> list[tuple[str, int, float]]:
    """(material, week, rise) of each four-week period whose median price rose by
    ``RISE_THRESHOLD`` or more over the median of the three periods before (one rise per
    material and 13 weeks); ``rise`` compares the median of the period and the two after it
    with that of the three before. ``prices``: one row per observation, columns ``week``
    (from the start), ``material`` and ``price`` (per tonne)."""
    out: list[tuple[str, int, float]] = []
    for mat in MATERIALS:
        sel = prices[prices["material"] == mat]
        med = sel["price"].groupby(sel["week"] // PERIOD_WEEKS).median()
        med = med.reindex(range(int(med.index.max()) + 1)) if len(med) else med
        before = med.shift(1).rolling(3, min_periods=3).median()
        ratio = med / before - 1.0
        level = med[::-1].rolling(3, min_periods=1).median()[::-1] / before - 1.0
        for period in ratio.index[(ratio >= RISE_THRESHOLD).to_numpy()]:
            week = int(period) * PERIOD_WEEKS
            if not out or out[-1][0] != mat or week - out[-1][1] > 13:
                out.append((mat, week, float(level[period])))
    return out


def churn_after(buying: np.ndarray, at: np.ndarray, rises: list[int]) -> dict[str, float]:
    """Share of the accounts buying at a price rise that no longer buy 52 weeks later, and
    the same share at every other time at least 26 weeks from a rise (the baseline).

    ``buying`` is (accounts, times), ``at`` the weeks elapsed at each time (ascending, the
    book's every week, a run's quarter ends); a rise in week ``r`` is read at the first time
    at or after ``r`` (within 13 weeks). The one definition for a book and a model run."""
    col = {int(w): j for j, w in enumerate(at)}
    hit = {"rise": [0, 0], "base": [0, 0]}

    def count(kind: str, j: int) -> None:
        later = col.get(int(at[j]) + 52)
        if later is None:
            return
        was = buying[:, j]
        hit[kind][0] += int((was & ~buying[:, later]).sum())
        hit[kind][1] += int(was.sum())

    for r in rises:
        after = np.flatnonzero((at >= r) & (at < r + 13))
        if after.size:
            count("rise", int(after[0]))
    for j, w in enumerate(at):
        if all(abs(int(w) - r) >= 26 for r in rises):
            count("base", j)
    return {"churn_after_rise": _ratio(*hit["rise"]), "churn_baseline": _ratio(*hit["base"])}


def book_prices(book: Book, p: Panel) -> pd.DataFrame:
    """The book's observed prices: each non-cancelled invoice line's price per tonne."""
    lines = book.lines[~book.lines["cancelled"]] if "cancelled" in book.lines else book.lines
    lines = lines[lines["tonnes"] > 0]
    return pd.DataFrame({"week": ((lines["date"] - p.start).dt.days // 7).to_numpy(),
                         "material": lines["material_class"].to_numpy(),
                         "price": (lines["net_value"] / lines["tonnes"]).to_numpy()})


def book_buying(p: Panel, rules: LifecycleParams) -> tuple[np.ndarray, np.ndarray]:
    """Buying (a purchase in the last ``lost_after_weeks``) at the end of every week with
    that much history: (accounts, weeks) and the weeks elapsed."""
    lag = rules.lost_after_weeks
    c = np.concatenate([np.zeros((p.bought.shape[0], 1), np.int64),
                        np.cumsum(p.bought, axis=1)], axis=1)
    at = np.arange(lag, p.weeks + 1)
    return (c[:, at] - c[:, at - lag]) > 0, at


def model_churn(customers: pd.DataFrame, market: pd.DataFrame) -> dict[str, float]:
    """:func:`churn_after` of a run: buying (stage potential..sunset) at the quarter-end
    snapshots of its ``customers`` table, rises in its ``market`` table's market prices."""
    wide = customers.pivot(index="customer", columns="step", values="stage")
    buying = np.isin(wide.fillna("").to_numpy(dtype=object), BUYING_STAGES)
    at = wide.columns.to_numpy() + 1
    prices = pd.DataFrame({"week": market["step"], "material": market["material"],
                           "price": market["market_price"]})
    return churn_after(buying, at, [w for _, w, _ in price_rises(prices)])


def observed(book: Book, p: Panel, *, rules: LifecycleParams | None = None,
             abc: ABCParams | None = None, reps: int = 400,
             seed: int = 0, level: float = 0.9, since: int = 0) -> pd.DataFrame:
    """Each figure of the book: value, bootstrap standard error and ``level`` interval; with
    ``since``, over the window from that week to the end only (a hindcast's): the figures of
    the panel truncated there (``Panel.since``); churn after a rise over the rises found on
    the whole book's prices that fall in the window, buying read at its weeks (from the
    whole book's lines: buying at the window's first weeks looks back before it, as the
    model's start state does), all counted from the window's start."""
    rules, abc = rules or LifecycleParams(), abc or ABCParams()
    rises = [w - since for _, w, _ in price_rises(book_prices(book, p)) if w >= since]
    buying, at = book_buying(p, rules)
    buying, at = buying[:, at >= since], at[at >= since] - since
    snaps = book_snapshots(book, p.since(since) if since else p, rules)
    point = {**figures(snaps, abc), **(churn_after(buying, at, rises) if rises else {})}
    rng = np.random.default_rng(seed)
    n = snaps.revenue.shape[0]
    draws = []
    for _ in range(reps):
        idx = rng.integers(0, n, n)
        d = figures(snaps.take(idx), abc)
        if rises:
            d.update(churn_after(buying[idx], at, rises))
        draws.append(d)
    boot = pd.DataFrame(draws)
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for name, value in point.items():
        col = boot[name].dropna()
        finite = np.isfinite(value) and col.size > 1
        rows.append({"figure": name, "value": value,
                     "se": float(col.std(ddof=1)) if finite else np.nan,
                     "low": float(col.quantile(lo)) if finite else np.nan,
                     "high": float(col.quantile(hi)) if finite else np.nan,
                     "source": "book"})
    return pd.DataFrame(rows)


def read_extra(path: Path) -> pd.DataFrame:
    """Further targets from a TOML file: ``[targets.NAME]`` with ``value`` and either ``se``
    or a 90 % interval ``low``/``high`` (the se is then (high - low) / 3.29)."""
    import tomllib

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([(str(path), "", "targets file not found")]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise InputError([(str(path), "", f"not a readable TOML file: {exc}")]) from None
    rows, problems = [], []
    unknown = set(data) - {"targets"}
    problems += [(str(path), k, "unknown key; did you mean 'targets'?") for k in sorted(unknown)]
    for name, spec in (data.get("targets") or {}).items():
        key = f"targets.{name}"
        if not isinstance(spec, dict):
            problems.append((str(path), key, "must be a table with value and se (or low/high)"))
            continue
        bad = set(spec) - {"value", "se", "low", "high"}
        problems += [(str(path), f"{key}.{k}", "unknown key (value, se, low, high)")
                     for k in sorted(bad)]
        nums = {k: v for k, v in spec.items() if k in ("value", "se", "low", "high")}
        wrong = [k for k, v in nums.items() if isinstance(v, bool)
                 or not isinstance(v, int | float) or not np.isfinite(v)]
        problems += [(str(path), f"{key}.{k}", "must be a finite number") for k in wrong]
        if wrong or bad:
            continue
        if "value" not in nums:
            problems.append((str(path), key, "missing value"))
            continue
        if "se" in nums:
            se = float(nums["se"])
        elif "low" in nums and "high" in nums and nums["high"] > nums["low"]:
            se = (nums["high"] - nums["low"]) / 3.29
        else:
            problems.append((str(path), key, "needs se > 0, or low < high"))
            continue
        if se <= 0:
            problems.append((str(path), f"{key}.se", "must be positive"))
            continue
        v = float(nums["value"])
        rows.append({"figure": name, "value": v, "se": se,
                     "low": float(nums.get("low", v - 1.645 * se)),
                     "high": float(nums.get("high", v + 1.645 * se)), "source": str(path)})
    if problems:
        raise InputError(problems)
    return pd.DataFrame(rows, columns=["figure", "value", "se", "low", "high", "source"])
