"""The kamsim explorer page (Mesa SolaraViz). Start it with ``kamsim app [SCENARIO]``.

Environment (set by ``kamsim app``): ``KAMSIM_APP_SCENARIO`` the scenario file shown first
(default scenarios/baseline.toml), ``KAMSIM_APP_LANG`` ``en`` or ``zh``.

On the page: pick a scenario; move the sliders and switches (built from the parameter
declaration, see :mod:`sim.app.controls`), type a seed, then Reset to apply; Step or Play; read
the live charts; click a customer in the map (or type its number) to open its profile.
"""

from __future__ import annotations

import os
from pathlib import Path

import solara
from mesa.visualization import SolaraViz

from sim import scenario as scenario_io
from sim.app import controls
from sim.app.appmodel import AppModel
from sim.app.components import RunStatus, components, selected_customer
from sim.app.labels import LANGS, t

LANG = os.environ.get("KAMSIM_APP_LANG", "en")
LANG = LANG if LANG in LANGS else "en"
START = Path(os.environ.get("KAMSIM_APP_SCENARIO") or controls.DEFAULT_SCENARIO)

PLAY_INTERVAL_MS = 150  # between weeks while playing (a week takes ~30 ms to simulate)

SCENARIOS = controls.list_scenarios(extra=START if START.exists() else None)
scenario_name = solara.reactive(START.stem)

# Charts scroll inside their grid cells; sliders always show their value (Mesa's sliders only
# show it while dragged), with room above each slider for the value bubble.
CSS = """
.kamsim-chart, .kamsim-profile { overflow: auto; height: 100%; }
.v-slider__thumb-label-container { display: block !important; }
.v-input__slider { margin-top: 22px; }
"""


def model_params(path: Path, params) -> dict:
    """SolaraViz's ``model_params``: the file (fixed), the seed and one input per lever."""
    focal = params.suppliers[params.focal_index].name
    out: dict = {
        "scenario_file": str(path),
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
def Page():
    name = scenario_name.value
    path = SCENARIOS.get(name, START)
    solara.Style(CSS)
    built = solara.use_memo(lambda: _build(path), [str(path)])
    with solara.Sidebar():
        ScenarioPicker()
        if not isinstance(built, str):
            RunStatus(built[1], LANG)
    if isinstance(built, str):
        solara.Error(built)
        return
    params, model = built
    SolaraViz(
        model,  # a reactive value: Reset replaces it, RunStatus follows
        components=components(LANG),
        model_params=model_params(path, params),
        name=f"{t('app.title', LANG)} — {name}",
        # Play draws from its own thread and skips frames the page cannot keep up with;
        # without it a slow browser falls ever further behind a fast model.
        use_threads=True,
        play_interval=PLAY_INTERVAL_MS,
    ).key(f"viz-{path}")
