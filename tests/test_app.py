"""The browser explorer without a browser: levers from the declaration, the model builder,
chart data, labels, the page module and ``kamsim app``'s safe defaults."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import solara

from sim import scenario
from sim.app import controls, labels, server
from sim.app.appmodel import AppModel, build_params
from sim.cli import build_parser
from sim.params import Shock
from sim.schema import param_info

BASELINE = controls.SCENARIO_DIR / "baseline.toml"
_CJK = re.compile(r"[\u4e00-\u9fff]")
PRICE_WAR = controls.SCENARIO_DIR / "price_war.toml"
SHOCK = controls.SCENARIO_DIR / "price_shock_silent.toml"


@pytest.fixture(scope="module")
def baseline():
    return scenario.load(BASELINE)


@pytest.mark.parametrize("lever", [lv for lv in controls.LEVERS if lv.kind == "slider"],
                         ids=lambda lv: lv.name)
def test_sliders_come_from_the_declaration(lever, baseline):
    c = controls.control(lever, baseline)
    info = param_info(lever.dotted(baseline), baseline)
    assert info is not None, f"{lever.key} is not a declared parameter"
    assert c.info == info
    assert c.value == info.default                  # the scenario's value, nothing restated
    assert c.type == ("SliderInt" if info.type == "int" else "SliderFloat")
    # within the declared bounds, and equal to them unless a span narrows an unusable range
    assert info.lo is None or c.min >= info.lo
    assert info.hi is None or c.max <= info.hi
    if lever.span is None:
        assert (c.min, c.max) == (info.lo, info.hi)
    assert c.min <= c.value <= c.max and c.step > 0


def test_slider_values_follow_the_scenario_file():
    war = scenario.load(PRICE_WAR)
    cs = {c.lever.name: c for c in controls.controls(war)}
    assert cs["focal_price_war"].value is True
    assert cs["focal_markup"].value == war.suppliers[war.focal_index].markup
    shock = scenario.load(SHOCK)
    assert controls.control(controls.BY_NAME["shock_magnitude"], shock).value == \
        shock.shocks[0].magnitude


def test_shock_slider_uses_the_shock_declaration(baseline):
    c = controls.control(controls.BY_NAME["shock_magnitude"], baseline)
    info = param_info("shocks[].magnitude", baseline.model_copy(update={"shocks": [Shock()]}))
    assert c.value == 0.0 and c.min >= info.lo and c.max <= info.hi


def test_span_widens_to_hold_the_scenario_value(baseline):
    big = scenario.load(BASELINE, {"suppliers[Focal].kam_managers": 55})
    c = controls.control(controls.BY_NAME["focal_kam_managers"], big)
    assert c.value == 55 and c.max == 55


def test_user_params_are_mesa_inputs(baseline):
    for c in controls.controls(baseline):
        p = c.user_param("label")
        assert p["type"] in ("SliderInt", "SliderFloat", "Checkbox")
        assert p["value"] == c.value


def test_model_builder_applies_overrides():
    m = AppModel(str(BASELINE), seed="7", focal_markup=0.12, focal_kam_managers=5,
                 focal_price_war=True, beta_loyalty=2.5, shock_magnitude=0.4, market_size=0.3,
                 scenario=object(), rng=None)  # what Mesa adds on Reset is ignored
    focal = m.params.suppliers[m.params.focal_index]
    # staff levers are set for the full market and scaled with it (sim/market/scale.py)
    assert focal.markup == 0.12 and focal.kam_managers == round(5 * 0.3)
    assert focal.strategies.price_war is not None
    assert m.params.choice.beta_loyalty == 2.5
    assert [s.magnitude for s in m.params.shocks] == [0.4]
    # market size is run.scale: customers and the rest of the market scaled together
    base = scenario.load(BASELINE)
    assert m.params.run.scale == 0.3 and m.params.run.customers == 300 and m.pop.n == 300
    assert m.params.segments["tier2"].entry_per_year == pytest.approx(
        0.3 * base.segments["tier2"].entry_per_year)
    assert m.params.suppliers[1].capacity.steel == pytest.approx(
        0.3 * base.suppliers[1].capacity.steel)
    assert m.run_seed == 7 and m.params.run.seed == 7
    assert m.lever_values()["focal_markup"] == 0.12
    assert m.scenario_levers["focal_markup"] == scenario.load(BASELINE).suppliers[0].markup


def test_unchanged_levers_give_no_overrides(baseline):
    values = {c.lever.name: c.value for c in controls.controls(baseline)}
    assert controls.overrides(baseline, values) == {}
    params, ov, notes, _ = build_params(BASELINE, values, seed=None)
    assert ov == {} and notes == [] and params == baseline


def test_switch_off_and_shock_on_existing_shocks():
    params, ov, _, _ = build_params(PRICE_WAR, {"focal_price_war": False})
    assert params.suppliers[params.focal_index].strategies.price_war is None
    params, _, _, _ = build_params(SHOCK, {"shock_magnitude": 0.5})
    assert [s.magnitude for s in params.shocks] == [0.5, 0.5]


def test_bad_seed_and_unknown_lever():
    params, _, notes, _ = build_params(BASELINE, {}, seed="abc")
    assert params.run.seed == scenario.load(BASELINE).run.seed and "abc" in notes[0]
    with pytest.raises(KeyError, match="unknown lever"):
        build_params(BASELINE, {"no_such_lever": 1})


def test_model_steps_records_history_and_stops():
    m = AppModel(str(BASELINE), market_size=0.15)
    weeks = 6
    m.params.run.weeks = weeks  # a short run for the test (recorder arrays are longer)
    for _ in range(weeks + 2):
        m.step()
    assert m.week == weeks and not m.running
    assert len(m.history.stage) == weeks + 1
    h = m.history.customer(0)
    assert h["satisfaction"].shape == (weeks + 1, m.n_sup)
    assert m.history.stage_changes(0)[0][0] == 0


def test_charts_are_json_and_follow_the_model():
    from sim.app import charts as c
    from sim.app import customers as cu

    m = AppModel(str(BASELINE), market_size=0.2)
    before = c.shares_chart(m)
    for _ in range(5):
        m.step()
    after = c.shares_chart(m)
    assert before["datasets"]["shares"] == [] and len(after["datasets"]["shares"]) == 5 * m.n_sup
    specs = [f(m) for f in (c.shares_chart, c.prices_chart, c.pool_chart, c.abc_chart,
                            c.distribution_chart, cu.customer_map_chart)]
    specs.append(cu.profile_charts(m, 3))
    for spec in specs:
        json.dumps(spec, allow_nan=False)
        assert spec["usermeta"]["embedOptions"]["actions"] is False  # no link to the web
    dots = cu.customer_map_chart(m, selected=3)["datasets"]
    assert len(dots["customers"]) == int(m.pop.active.sum()) and len(dots["selected"]) == 1
    assert cu.customer_map_frame(m)[0]["label"].str.startswith("customer #").all()
    assert [k for k, _ in cu.profile_facts(m, 3)][0] == "Segment"
    h = c.pool_health(m)
    assert h is None  # fewer than 13 weeks


def test_map_positions_are_stable():
    from sim.app.customers import _unit

    rows = np.arange(1000)
    u = _unit(rows, 7)
    assert np.array_equal(u, _unit(rows, 7)) and 0 <= u.min() and u.max() < 1
    assert abs(np.corrcoef(u, _unit(rows, 13))[0, 1]) < 0.1


def test_labels_in_both_languages():
    missing = set(labels.LABELS["en"]) ^ set(labels.LABELS["zh"])
    assert not missing, f"keys not in both languages: {sorted(missing)}"
    for lv in controls.LEVERS:
        assert lv.label in labels.LABELS["en"]
        assert labels.t(lv.label, "zh", focal="Focal") != labels.t(lv.label, "en", focal="Focal")
    assert labels.t("stage.key", "zh") == "大客户"  # shared with the reports
    assert labels.stage_name(-1) == "—"


def test_page_module_imports(monkeypatch):
    import importlib

    monkeypatch.setenv("KAMSIM_APP_LANG", "zh")
    monkeypatch.setenv("KAMSIM_APP_SCENARIO", str(PRICE_WAR))
    import sim.app.app as app

    app = importlib.reload(app)
    assert app.LANG == "zh" and app.START == PRICE_WAR
    assert callable(app.Page)
    assert {"baseline", "price_war", "wkh"} <= set(app.SCENARIOS)
    mp = app.model_params(scenario.load(PRICE_WAR))
    assert set(mp) == {"seed", *controls.LEVER_NAMES} and mp["seed"]["type"] == "InputText"
    assert mp["focal_price_war"]["value"] is True
    for v in mp.values():  # every lever's label in Chinese
        assert _CJK.search(v["label"]), v["label"]


def test_cli_app_defaults_are_safe():
    args = build_parser().parse_args(["app"])
    assert args.host == "127.0.0.1" and args.lang == "en" and args.file is None
    cmd = server.solara_command()
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert "--no-open" in cmd and "--no-check-version" in cmd and "--production" in cmd
    env = server.app_env(BASELINE, "zh")
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")
    assert env["KAMSIM_APP_LANG"] == "zh" and env["KAMSIM_APP_SCENARIO"] == str(BASELINE)


def test_cli_app_rejects_a_bad_scenario(tmp_path, capsys):
    from sim.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\nweeks = -1\n")
    assert main(["app", str(bad)]) == 2
    assert str(bad) in capsys.readouterr().err


def test_nice_step():
    assert controls._nice_step(1.0) == 0.01
    assert math.isclose(controls._nice_step(0.3), 0.005)


def test_app_and_report_colour_stages_and_suppliers_alike():
    from analysis import plotkit
    from sim import palette
    from sim.app import charts as c

    m = AppModel(str(BASELINE), market_size=0.15)
    m.step()
    spec = c.pool_chart(m)
    stage_scale = spec["vconcat"][0]["encoding"]["color"]["scale"]["range"]
    assert stage_scale == [plotkit.STAGE_COLORS[s] for s in plotkit.POOL_STAGES]
    shares = c.shares_chart(m)["encoding"]["color"]["scale"]["range"]
    assert shares == [plotkit.scenario_color(i) for i in range(len(m.supplier_names))]
    assert plotkit.STAGE_COLORS is palette.STAGE_COLORS


@solara.component
def _Sidebar(path, lang: str):
    """The explorer's sidebar as the page builds it (the page puts it in the app layout)."""
    import sim.app.app as app
    from sim.app.components import RunStatus
    from sim.app.player import Levers, Pacer, Player

    params = scenario.load(path)
    model = solara.use_memo(lambda: solara.reactive(AppModel(str(path))), [])
    inputs = app.model_params(params)
    values = solara.use_reactive({k: v["value"] for k, v in inputs.items()})
    app.ScenarioPicker()
    Player(model, lambda: AppModel(str(path)), Pacer(), lang)
    Levers(inputs, values, lang)
    RunStatus(model.value, lang)


def test_every_control_label_in_chinese(monkeypatch):
    """Every button, slider, switch, box and card title of the page, and its title, in zh."""
    import importlib

    import ipyvuetify as v

    import sim.app.app as app

    monkeypatch.setenv("KAMSIM_APP_LANG", "zh")
    app = importlib.reload(app)
    assert _CJK.search(labels.t("app.title", "zh"))
    _, rc = solara.render(_Sidebar(BASELINE, "zh"), handle_error=False)
    found = []
    for cls, attr in ((v.Btn, "children"), (v.Slider, "label"), (v.Checkbox, "label"),
                      (v.TextField, "label"), (v.Select, "label"), (v.CardTitle, "children")):
        found += [" ".join(map(str, getattr(w, attr))) if isinstance(getattr(w, attr), list)
                  else str(getattr(w, attr)) for w in rc.find(cls).widgets]
    rc.close()
    monkeypatch.setenv("KAMSIM_APP_LANG", "en")
    importlib.reload(app)
    # 3 buttons, the pause slider and every lever, the seed, the scenario picker, 4 cards
    assert len(found) == 3 + 1 + len(controls.LEVERS) + 1 + 1 + 4, found
    assert [f for f in found if not _CJK.search(f)] == []


def test_play_waits_for_the_page_before_each_week():
    """Play never runs ahead of the page: a week is stepped only once the page has shown
    the redraw of the week before (a slow page slows Play, it does not starve it)."""
    import threading
    import time

    from mesa.visualization.utils import update_counter

    from sim.app.player import Pacer, play

    m = AppModel(str(BASELINE), market_size=0.15)
    pacer = Pacer()
    unshown_at_step: list[int] = []
    step = m.step

    def watched_step():
        unshown_at_step.append(update_counter.value - pacer.shown)
        step()

    m.step = watched_step
    stop = threading.Event()

    def slow_page():  # shows each redraw 30 ms after it is asked for
        while not stop.is_set():
            if update_counter.value > pacer.shown:
                time.sleep(0.03)
                pacer.show(update_counter.value)
            time.sleep(0.005)

    page = threading.Thread(target=slow_page, daemon=True)
    page.start()
    pacer.show(update_counter.value)  # the page as first drawn
    t0 = time.monotonic()
    played = play(m, pacer, lambda: 0.0, lambda: m.week < 5)
    stop.set()
    assert played == 5 and m.week == 5
    assert unshown_at_step == [0] * 5          # every week shown before the next
    assert time.monotonic() - t0 >= 5 * 0.03   # paced by the page
    # a page that never answers: the wait ends (Play goes on), it does not hang
    from sim.app.player import redraw_and_wait

    assert redraw_and_wait(Pacer(), timeout=0.05) is False
