"""The kamsim explorer page (Solara, with Mesa's visualisation inputs). Start it with
``kamsim app [SCENARIO]``.

Environment (set by ``kamsim app``): ``KAMSIM_APP_SCENARIO`` the scenario file shown first
(default scenarios/baseline.toml), ``KAMSIM_APP_LANG`` ``en`` or ``zh``.

On the page: pick a scenario; move the sliders and switches (built from the parameter
declaration, see :mod:`sim.app.controls`), type a seed, then Reset to apply; Step or Play
(:mod:`sim.app.player`); read the live charts; click a customer in the map (or type its
number) to open its profile.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import solara

from sim import scenario as scenario_io
from sim.app import controls
from sim.app.appmodel import AppModel
from sim.app.components import Charts, RunStatus, components
from sim.app.customers import selected_customer
from sim.app.labels import LANGS, t
from sim.app.player import Levers, Pacer, Player

LANG = os.environ.get("KAMSIM_APP_LANG", "en")
LANG = LANG if LANG in LANGS else "en"
START = Path(os.environ.get("KAMSIM_APP_SCENARIO") or controls.DEFAULT_SCENARIO)

SCENARIOS = controls.list_scenarios(extra=START if START.exists() else None)
scenario_name = solara.reactive(START.stem)

# Charts scroll inside their grid cells; sliders always show their value (Vuetify's sliders
# only show it while dragged), with room above each slider for the value bubble.
CSS = """
.kamsim-chart, .kamsim-profile { overflow: auto; }
.v-slider__thumb-label-container { display: block !important; }
.v-input__slider { margin-top: 22px; }
"""


def model_params(params) -> dict[str, dict[str, Any]]:
    """The page's inputs (Mesa's ``UserInputs`` format): the seed and one per lever."""
    focal = params.suppliers[params.focal_index].name
    out: dict[str, dict[str, Any]] = {
        "seed": {"type": "InputText", "value": str(params.run.seed),
                 "label": t("app.seed", LANG)},
    }
    for c in controls.controls(params):
        out[c.lever.name] = c.user_param(t(c.lever.label, LANG, focal=focal))
    return out


def _build(path: Path):
    """(scenario, the model as a reactive value) for ``path``, or the problems as text."""
    try:
        return scenario_io.load(path), solara.reactive(AppModel(str(path)))
    except scenario_io.InputError as exc:
        return str(exc)


@solara.component
def ScenarioPicker():
    def choose(name: str) -> None:
        selected_customer.set(None)
        scenario_name.set(name)

    with solara.Card(t("app.scenario", LANG)):
        solara.Select(t("app.scenario", LANG), values=list(SCENARIOS), value=scenario_name.value,
                      on_value=choose, classes=["kamsim-scenario"])
        with solara.Column(gap="2px", style={"font-size": "0.8em"}):
            solara.Text(t("app.scenario_hint", LANG))
            solara.Text(t("app.apply_hint", LANG))


@solara.component
def Explorer(path: Path, params, model: solara.Reactive[AppModel]):
    """One scenario's page: controls, levers and status in the sidebar, charts in the grid."""
    inputs = solara.use_memo(lambda: model_params(params), [str(path)])
    values = solara.use_reactive({k: v["value"] for k, v in inputs.items()})
    pacer = solara.use_memo(Pacer, [])

    def make() -> AppModel:
        return AppModel(str(path), **values.value)

    with solara.Sidebar():
        Player(model, make, pacer, LANG)
        Levers(inputs, values, LANG)
        RunStatus(model.value, LANG)
    Charts(model.value, solara.use_memo(lambda: components(LANG), []), pacer.show)


@solara.component
def Page():
    name = scenario_name.value
    path = SCENARIOS.get(name, START)
    title = f"{t('app.title', LANG)} — {name}"
    solara.Style(CSS)
    solara.Title(title)
    with solara.AppBar():
        solara.AppBarTitle(title)
    built = solara.use_memo(lambda: _build(path), [str(path)])
    with solara.Sidebar():
        ScenarioPicker()
    if isinstance(built, str):
        solara.Error(built)
        return
    Explorer(path, built[0], built[1]).key(f"explorer-{path}")
