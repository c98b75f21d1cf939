"""Survival of the focal supplier's customer relationships (the `spells` table).

Owns the Kaplan–Meier estimator (with optional delayed entry for relationships that already
existed at step 0), survival curves by group (ABC class, segment, ...) and the annual
hazard retention derived from spells (constant hazard, for the CLV of small groups; the
annual retention of the run summaries is `sim.metrics.retention` of the `retention` table).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim import metrics
from sim.metrics import WEEKS_PER_YEAR

__all__ = [
    "kaplan_meier", "km_by_group", "exposure_weeks", "active_at", "hazard_retention",
]



def kaplan_meier(
    durations: Sequence[float],
    events: Sequence[bool],
    entry: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Kaplan–Meier product-limit estimate of the survival function.

    `durations` are times to the event or to censoring, `events` is True where the event
    happened. Censored observations at a time equal to an event time count as at risk at
    that time (the usual convention). Optional `entry` gives delayed-entry (left-truncation)
    ages: an observation is at risk at time t only if entry < t <= duration.

    Returns one row per distinct duration: `time`, `survival` (S just after `time`),
    `at_risk`, `events`, `censored`. Empty input gives an empty frame.
    """
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if d.shape != e.shape:
        raise ValueError("durations and events differ in length")
    s = np.zeros_like(d) if entry is None else np.asarray(entry, dtype=float)
    keep = ~np.isnan(d) & ~np.isnan(s)
    d, e, s = d[keep], e[keep], s[keep]
    cols = ["time", "survival", "at_risk", "events", "censored"]
    if d.size == 0:
        return pd.DataFrame(columns=cols)
    times = np.unique(d)
    d_sorted, s_sorted = np.sort(d), np.sort(s)
    # at risk at t: duration >= t and entry < t
    still_in = d.size - np.searchsorted(d_sorted, times, side="left")
    not_entered = d.size - np.searchsorted(s_sorted, times, side="left")
    at_risk = still_in - not_entered
    idx = np.searchsorted(times, d)
    n_events = np.bincount(idx, weights=e.astype(float), minlength=times.size).astype(int)
    n_total = np.bincount(idx, minlength=times.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - n_events / np.maximum(at_risk, 1), 1.0)
    return pd.DataFrame(
        {
            "time": times,
            "survival": np.cumprod(factor),
            "at_risk": at_risk.astype(int),
            "events": n_events,
            "censored": (n_total - n_events).astype(int),
        }
    )


def _entry_ages(spells: pd.DataFrame) -> np.ndarray:
    """Age of each spell at step 0 for spells that began before the run, else 0."""
    if "start_step" not in spells:
        return np.zeros(len(spells))
    return np.clip(-spells["start_step"].to_numpy(dtype=float), 0.0, None)


def km_by_group(
    spells: pd.DataFrame, group: str = "abc_class", left_truncate: bool = True
) -> pd.DataFrame:
    """Kaplan–Meier curves of spell duration for each value of column `group`.

    Uses `duration_weeks` and `event`. Relationships that began before the run
    (`start_step` < 0) are only observed from step 0 on; with `left_truncate` they enter
    the risk set at their age at step 0, which removes the bias of counting only the
    relationships that survived until the run started. Returns the `kaplan_meier` columns
    with `group` in front.
    """
    frames = []
    for key, sub in spells.groupby(group, observed=True, sort=True):
        entry = _entry_ages(sub) if left_truncate else None
        km = kaplan_meier(sub["duration_weeks"], sub["event"].astype(bool), entry)
        km.insert(0, group, key)
        frames.append(km)
    if not frames:
        return pd.DataFrame(columns=[group, "time", "survival", "at_risk", "events", "censored"])
    return pd.concat(frames, ignore_index=True)


def exposure_weeks(spells: pd.DataFrame) -> pd.Series:
    """Weeks each spell was observed inside the run (from max(start_step, 0) to end_step).

    A censored spell is still active in its last step, so that step counts; a spell that
    ended (lost or exited) at `end_step` counts up to, not including, that step.
    """
    start = spells["start_step"].clip(lower=0)
    active_last = (~spells["event"].astype(bool)).astype(int)
    return (spells["end_step"] - start + active_last).clip(lower=0).astype(float)


def active_at(spells: pd.DataFrame, step: int) -> pd.Series:
    """Boolean mask of spells whose relationship is active (a buying stage) at `step`.

    Active from `start_step` on; a censored spell stays active through `end_step`, a spell
    that ended (lost or exited) is no longer active at its `end_step`.
    """
    ended = spells["event"].astype(bool)
    after_start = spells["start_step"] <= step
    before_end = (spells["end_step"] > step) | (~ended & (spells["end_step"] >= step))
    return after_start & before_end


def hazard_retention(spells: pd.DataFrame) -> float:
    """Share of relationships kept over a year, from spells, assuming a constant hazard:
    `sim.metrics.hazard_retention` of the events and the exposure in the run (both losses to
    competitors and customers leaving the market count as events). NaN when there is no
    exposure. Less noisy than the cohort figure `sim.metrics.retention` for small groups and
    short runs.
    """
    if len(spells) == 0:
        return math.nan
    years = float(exposure_weeks(spells).sum()) / WEEKS_PER_YEAR
    return float(metrics.hazard_retention(float(spells["event"].astype(bool).sum()), years))
