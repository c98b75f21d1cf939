"""Draws from a calibration's posterior, for running strategies over what is still uncertain.

Owns reading ``posterior.parquet`` of a ``kamsim calibrate`` result folder (one row per
accepted particle: the free parameters under their dotted scenario keys, ``distance`` and
``weight``) and :func:`draws`, a weighted resampling of it; ``kamsim compare --posterior``
runs the strategies at each draw. Anything wrong with the folder or the file (missing,
unreadable, truncated, no parameter columns, missing, negative or non-finite weights or
values) is an :class:`sim.errors.InputError` naming the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError

FILE = "posterior.parquet"
NOT_PARAMETERS = ("distance", "weight")


def read(calib_dir: Path) -> pd.DataFrame:
    """The accepted particles of a calibration folder, checked; weights sum to one."""
    folder = Path(calib_dir)
    path = folder / FILE
    if not folder.is_dir():
        raise InputError([(str(folder), "", "not a calibration folder (kamsim calibrate "
                                            "writes one)")])
    if not path.is_file():
        raise InputError([(str(path), "", "missing: not a kamsim calibrate result folder")])
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError([(str(path), "", f"not a readable parquet file ({type(exc).__name__})")]
                         ) from None
    keys = [c for c in frame.columns if c not in NOT_PARAMETERS]
    problems = []
    if "weight" not in frame.columns:
        problems.append((str(path), "weight", "missing column"))
    if not keys:
        problems.append((str(path), "", "no parameter columns"))
    if frame.empty:
        problems.append((str(path), "", "no particles"))
    for col in [*keys, *(["weight"] if "weight" in frame.columns else [])]:
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            problems.append((str(path), col, "values must be finite numbers"))
    if problems:
        raise InputError(problems)
    w = frame["weight"].to_numpy(dtype=float)
    if (w < 0).any() or not w.sum() > 0:
        raise InputError([(str(path), "weight", "weights must be non-negative, not all zero")])
    out = frame[keys].astype(float)
    out["weight"] = w / w.sum()
    return out


def draws(calib_dir: Path, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets (dotted key -> value) resampled from the posterior with its
    weights; the same folder, ``n`` and seed give the same draws."""
    if n < 1:
        raise ValueError("n must be at least 1")
    frame = read(calib_dir)
    keys = [c for c in frame.columns if c != "weight"]
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(frame), size=n, replace=True, p=frame["weight"].to_numpy())
    values = frame[keys].to_numpy()
    return [{k: float(values[i, j]) for j, k in enumerate(keys)} for i in idx]

