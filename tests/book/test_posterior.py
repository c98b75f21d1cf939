"""sim.book.posterior: weighted draws from a calibration's posterior.parquet, and bad folders."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from sim.book import posterior
from sim.errors import InputError

KEYS = ("choice.beta_loyalty", "segments.tier2.closure_per_year")


def _write(folder, frame: pd.DataFrame):
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / "posterior.parquet", index=False)
    return folder


def _frame() -> pd.DataFrame:
    return pd.DataFrame({KEYS[0]: [2.0, 4.0, 6.0], KEYS[1]: [0.05, 0.10, 0.15],
                         "distance": [1.0, 0.9, 1.1], "weight": [0.2, 0.7, 0.1]})


def test_draws_follow_the_weights_and_the_seed(tmp_path):
    folder = _write(tmp_path / "cal", _frame())
    d = posterior.draws(folder, 4000, seed=7)
    assert len(d) == 4000 and all(set(x) == set(KEYS) for x in d)
    # rows are drawn whole (no mixing of one particle's values with another's)
    pairs = Counter((x[KEYS[0]], x[KEYS[1]]) for x in d)
    assert set(pairs) <= {(2.0, 0.05), (4.0, 0.10), (6.0, 0.15)}
    share = np.array([pairs[(2.0, 0.05)], pairs[(4.0, 0.10)], pairs[(6.0, 0.15)]]) / 4000
    assert share == pytest.approx([0.2, 0.7, 0.1], abs=0.03)
    assert posterior.draws(folder, 50, seed=7) == posterior.draws(folder, 50, seed=7)
    assert posterior.draws(folder, 50, seed=7) != posterior.draws(folder, 50, seed=8)
    assert all(isinstance(v, float) for v in d[0].values())


def test_unnormalised_weights_are_normalised(tmp_path):
    frame = _frame().assign(weight=[2.0, 7.0, 1.0])
    read = posterior.read(_write(tmp_path / "cal", frame))
    assert read["weight"].sum() == pytest.approx(1.0)
    assert list(read.columns) == [*KEYS, "weight"]


@pytest.mark.parametrize("damage, key, message", [
    ("missing_dir", "", "not a calibration folder"),
    ("missing_file", "", "missing"),
    ("truncated", "", "not a readable parquet file"),
    ("no_weight", "weight", "missing column"),
    ("nan_value", KEYS[0], "finite"),
    ("negative_weight", "weight", "non-negative"),
    ("zero_weights", "weight", "not all zero"),
    ("empty", "", "no particles"),
    ("only_weights", "", "no parameter columns"),
])
def test_bad_posterior_folders_name_the_file(tmp_path, damage, key, message):
    folder = tmp_path / "cal"
    frame = _frame()
    if damage == "missing_dir":
        folder = tmp_path / "nowhere"
    elif damage == "missing_file":
        folder.mkdir()
    elif damage == "truncated":
        _write(folder, frame)
        data = (folder / "posterior.parquet").read_bytes()
        (folder / "posterior.parquet").write_bytes(data[: len(data) // 2])
    else:
        frame = {"no_weight": frame.drop(columns="weight"),
                 "nan_value": frame.assign(**{KEYS[0]: [2.0, np.nan, 6.0]}),
                 "negative_weight": frame.assign(weight=[0.5, -0.1, 0.6]),
                 "zero_weights": frame.assign(weight=0.0),
                 "empty": frame.iloc[:0],
                 "only_weights": frame[["distance", "weight"]]}[damage]
        _write(folder, frame)
    with pytest.raises(InputError) as exc:
        posterior.draws(folder, 5, seed=1)
    problems = exc.value.problems
    assert any(str(folder) in p[0] and p[1] == key and message in p[2] for p in problems), \
        problems
    assert len(str(exc.value).splitlines()) == len(problems)  # one line per problem
