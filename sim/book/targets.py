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

Book-only figures (no model counterpart): ``churn_after_rise`` and ``churn_baseline``, the
share of buying accounts that stop buying within a year after a month whose median price per
tonne of a material rose by ``RISE_THRESHOLD`` over the three months before, and the same at
all other months. Intervals: percentile bootstrap over accounts (resampled with replacement).
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


def price_rises(book: Book, p: Panel) -> list[tuple[str, int]]:
    """(material, week) of each month whose median price per tonne rose by the threshold."""
    lines = book.lines[~book.lines["cancelled"]] if "cancelled" in book.lines else book.lines
    lines = lines[lines["tonnes"] > 0]
    month = lines["date"].dt.to_period("M")
    unit = lines["net_value"] / lines["tonnes"]
    out = []
    for mat in MATERIALS:
        sel = (lines["material_class"] == mat).to_numpy()
        med = unit[sel].groupby(month[sel]).median().sort_index()
        before = med.shift(1).rolling(3, min_periods=3).median()
        rose = med.index[(med / before - 1.0 >= RISE_THRESHOLD).to_numpy()]
        for m in rose:
            week = int((m.start_time - p.start).days // 7)
            if not out or out[-1][0] != mat or week - out[-1][1] > 13:
                out.append((mat, week))
    return out


def churn_after(p: Panel, rises: list[tuple[str, int]], rules: LifecycleParams,
                idx: np.ndarray | None = None) -> dict[str, float]:
    """Share of buyers of the material at a rise who stop buying within 52 weeks, vs the same
    share at every fourth week at least 26 weeks from a rise (each with ``lost_after_weeks``
    of history before it and a full year after it)."""
    bought = p.bought if idx is None else p.bought[idx]
    tonnes = p.tonnes if idx is None else p.tonnes[idx]
    lag, w = rules.lost_after_weeks, p.weeks
    usable = [(MATERIALS.index(m), r) for m, r in rises if lag <= r <= w - 52]
    hit = {"rise": [0, 0], "base": [0, 0]}

    def count(kind: str, t: int, mat: int | None) -> None:
        recent = bought[:, t - lag:t] if mat is None else tonnes[:, t - lag:t, mat] > 0
        buyers = recent.any(axis=1)
        later = bought[:, t + 52 - lag:t + 52].any(axis=1)
        hit[kind][0] += int((buyers & ~later).sum())
        hit[kind][1] += int(buyers.sum())

    for mat, r in usable:
        count("rise", r, mat)
    for t in range(lag, w - 52 + 1, 4):
        if all(abs(t - r) >= 26 for _, r in rises):
            count("base", t, None)
    return {"churn_after_rise": _ratio(*hit["rise"]), "churn_baseline": _ratio(*hit["base"])}


def observed(book: Book, p: Panel, *, rules: LifecycleParams | None = None,
             abc: ABCParams | None = None, reps: int = 400,
             seed: int = 0, level: float = 0.9) -> pd.DataFrame:
    """Each figure of the book: value, bootstrap standard error and ``level`` interval."""
    rules, abc = rules or LifecycleParams(), abc or ABCParams()
    snaps = book_snapshots(book, p, rules)
    rises = price_rises(book, p)
    point = {**figures(snaps, abc), **(churn_after(p, rises, rules) if rises else {})}
    rng = np.random.default_rng(seed)
    n = snaps.revenue.shape[0]
    draws = []
    for _ in range(reps):
        idx = rng.integers(0, n, n)
        d = figures(snaps.take(idx), abc)
        if rises:
            d.update(churn_after(p, rises, rules, idx))
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
