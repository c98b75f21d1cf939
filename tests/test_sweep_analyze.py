"""`kamsim analyze`: indices on functions with known answers, scenario discovery of a known
funnel region, and the whole pipeline (sweep, then analyze) on a tiny Sobol sweep."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from analysis.sensitivity import discover, indices, load_sweep, replication_noise
from analysis.sweep_report import write_analysis
from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASE = (ROOT / "scenarios" / "baseline.toml").as_posix()
PROBLEM = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}


def fake_sweep(out: Path, method: str, x: np.ndarray, reps: int = 2, noise: float = 0.01,
               levels: int = 4) -> Path:
    """A sweep directory as `kamsim sweep` writes it, for y = 4a + b and a funnel at a > 0.6."""
    rng = np.random.default_rng(0)
    (out / "results").mkdir(parents=True)
    meta = {"method": method, "problem": PROBLEM, "second_order": False, "levels": levels,
            "factors": [{"name": "a"}, {"name": "b"}],
            "outcomes": {"final": ["y", "focal.pool_health"], "series": [], "stride": 13}}
    (out / "sweep.json").write_text(json.dumps(meta))
    design = pd.DataFrame({"point": np.arange(len(x)), "a": x[:, 0], "b": x[:, 1],
                           "x.a": x[:, 0], "x.b": x[:, 1]})
    design.to_parquet(out / "design.parquet")
    rows = [{"run": p * reps + r, "point": p, "replicate": r, "status": "ok", "error": None,
             "a": a, "b": b, "y": 4 * a + b + noise * rng.standard_normal(),
             "focal.pool_health": 2.0 - 2.5 * a + 0.05 * rng.standard_normal()}
            for p, (a, b) in enumerate(x) for r in range(reps)]
    pd.DataFrame(rows).to_parquet(out / "results" / "part-s000-000000.parquet")
    return out


def test_sobol_indices_rank_the_parameters_and_report_noise(tmp_path):
    x = sobol_sample.sample(PROBLEM, 256, calc_second_order=False, seed=1)
    sw = load_sweep(fake_sweep(tmp_path / "s", "sobol", x))
    idx = indices(sw).set_index(["outcome", "parameter"])
    a, b = idx.loc[("y", "a")], idx.loc[("y", "b")]
    assert a["S1"] == pytest.approx(16 / 17, abs=0.1) and b["S1"] == pytest.approx(1 / 17,
                                                                                 abs=0.05)
    assert a["ST"] > b["ST"] and a["S1_conf"] > 0
    assert {"S1_rep_sd", "ST_rep_sd", "noise_sd", "noise_share"} <= set(idx.columns)
    assert a["noise_share"] < 0.01
    assert replication_noise(sw, "y")["noise_sd"] == pytest.approx(0.01, rel=0.3)
    out = write_analysis(sw.path, tmp_path / "analysis")
    for name in ("indices.csv", "figures/indices-y.png", "figures/heatmap-y.png",
                 "figures/response-y.png", "discovery.txt", "figures/discovery.png"):
        assert (out / name).is_file(), name


def test_morris_indices(tmp_path):
    x = morris_sample.sample(PROBLEM, 20, num_levels=4, seed=1)
    sw = load_sweep(fake_sweep(tmp_path / "m", "morris", x))
    idx = indices(sw).set_index(["outcome", "parameter"])
    assert idx.loc[("y", "a"), "mu_star"] == pytest.approx(4, rel=0.05)
    assert idx.loc[("y", "b"), "mu_star"] == pytest.approx(1, rel=0.05)
    assert "sigma" in idx.columns


def test_discovery_finds_the_funnel_region(tmp_path):
    x = np.random.default_rng(2).random((200, 2))
    disc = discover(load_sweep(fake_sweep(tmp_path / "d", "latin", x)))
    top = disc.boxes.iloc[0]
    assert top["density"] > 0.9 and top["coverage"] > 0.8
    assert 0.35 < top["a min"] < 0.5  # health < 1 where a > 0.4
    assert top["b min"] == pytest.approx(x[:, 1].min()) and "class: funnel" in disc.text


def test_sweep_then_analyze_writes_indices_and_figures(tmp_path, capsys):
    spec = tmp_path / "sobol.toml"
    spec.write_text(f"""
scenario = "{BASE}"
root_seed = 21
steps = 13
replications = 2
overrides = {{ "run.customers" = 40 }}
[design]
method = "sobol"
samples = 4
[[parameters]]
key = "suppliers[Focal].markup"
bounds = [0.02, 0.12]
[[parameters]]
key = "suppliers[Focal].dev_staff"
bounds = [0, 4]
[outcomes]
final = ["focal.net_profit", "focal.market_share", "focal.pool_health"]
""")
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "2"]) == 0
    assert main(["analyze", str(out)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(out / "analysis")
    got = {p.relative_to(out / "analysis").as_posix() for p in (out / "analysis").rglob("*")}
    for o in ("focal.net_profit", "focal.market_share"):
        assert {f"figures/indices-{o}.png", f"figures/response-{o}.png",
                f"figures/heatmap-{o}.png"} <= got
    assert {"summary.csv", "indices.csv", "analysis.json", "discovery.txt"} <= got
    idx = pd.read_csv(out / "analysis" / "indices.csv")
    assert set(idx.dropna(subset=["parameter"])["parameter"]) == {
        "suppliers[Focal].markup", "suppliers[Focal].dev_staff"}
    summary = pd.read_csv(out / "analysis" / "summary.csv")
    assert len(summary) == 4 * (2 + 2) * 3 and {"mean", "lo", "hi"} <= set(summary.columns)


def test_analyze_rejects_a_directory_that_is_not_a_sweep(tmp_path, capsys):
    assert main(["analyze", str(tmp_path)]) == 2
    assert "not a sweep directory" in capsys.readouterr().err
