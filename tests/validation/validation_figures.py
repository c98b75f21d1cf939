"""Per-run figures of the validation suite, in a module of its own name so that worker
processes started by forkserver can import it (every ``conftest`` shares one module name)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_figures(task: tuple[str, str, int, int | None]) -> dict[str, float]:
    """Simulate one scenario (with JSON overrides) and one seed; return the figures tested."""
    from sim import metrics, scenario
    from sim.runs.run import simulate, summarize

    name, overrides, seed, steps = task
    params = scenario.load(ROOT / "scenarios" / f"{name}.toml", overrides=json.loads(overrides))
    model, t = simulate(params, seed=seed, steps=steps)
    s = summarize(model, t)["suppliers"]
    sup = t["suppliers"]
    focal = sup[sup["focal"]]
    year = focal["step"] // 52
    y1 = sup[sup["step"] < 52]
    ret = t["retention"]
    fr = ret[ret["supplier"] == model.supplier_names[model.focal]]
    tr = t["transitions"]
    dropped = tr["to_stage"].isin(["lost", "general", "sunset"])
    key_drop = tr[(tr["supplier"] == model.supplier_names[model.focal])
                  & (tr["from_stage"] == "key") & dropped]
    lost_all = (tr["to_stage"] == "lost").sum()
    last = focal["step"].max()
    customers = focal.set_index("step")["customers"]
    return {
        "top20": s[model.supplier_names[model.focal]]["top20_revenue_share"],
        "retention": metrics.retention(fr["customers_start"], fr["retained"]),
        "key_retention": metrics.retention(fr["key_start"], fr["key_retained"]),
        "share_y1": focal.loc[year == 0, "volume_t"].sum() / y1["volume_t"].sum(),
        "gross_margin": focal["gross_profit"].sum() / focal["revenue"].sum(),
        "net_profit": focal["net_profit"].sum(),
        "pool_health_last_year": metrics.pool_health(focal["acquired"], focal["lost"],
                                                     focal["exited"]),
        "base_change_last_year": metrics.base_change(customers[last - 52], customers[last]),
        "key_lost_shock": int(key_drop["step"].between(56, 107).sum()),
        "churn_per_customer_year": lost_all / (t["pool"].query("stage != 'prospect' and "
                                                              "stage != 'lost'")
                                               .groupby("step")["count"].sum().mean()
                                               * (last + 1) / 52),
    }
