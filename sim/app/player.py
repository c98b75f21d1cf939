"""Reset, Play and Step for the explorer, and the levers Reset applies; Play paced by the page.

Why not Mesa's own controller: its Play steps in one thread and asks for a redraw from another
after every step, whether or not the last redraw is done. The redraw (every chart's data, about
0.3 MB a week) takes a few hundred milliseconds of CPU; on a loaded machine it takes longer
than a step plus the play interval, and then the render loop always finds a newer request
before it finishes, so it renders again and never sends a frame: Play advanced 0 weeks on the
page in 40 s at load 7-15 (and the render gave up after 50 passes). Here the player steps, asks
for a redraw and waits until the browser says it has taken that week in (``frameack.vue``
after the charts, :class:`Pacer`) before the next week: Play goes as fast as the page can
show, under load too. Labels are in the page's language (:mod:`sim.app.labels`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization.solara_viz import UserInputs
from mesa.visualization.utils import force_update, update_counter

from sim.app.appmodel import AppModel
from sim.app.labels import t

PLAY_INTERVAL_MS = 150  # default pause between weeks while playing
DRAW_WAIT_S = 10.0      # longest wait for a redraw before the next week regardless


class Pacer:
    """The last redraw the page has shown (a number of ``update_counter``), and a wait for one."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self.shown = 0

    def show(self, counter: int) -> None:
        with self._cv:
            self.shown = max(self.shown, counter)
            self._cv.notify_all()

    def wait(self, counter: int, timeout: float) -> bool:
        with self._cv:
            return self._cv.wait_for(lambda: self.shown >= counter, timeout)


def redraw_and_wait(pacer: Pacer, timeout: float = DRAW_WAIT_S) -> bool:
    """Ask for a redraw of everything that follows the model; wait until it is shown."""
    force_update()
    return pacer.wait(update_counter.value, timeout)


def play(model: AppModel, pacer: Pacer, interval_s: Callable[[], float],
         keep_going: Callable[[], bool]) -> int:
    """Step ``model`` week by week while ``keep_going()`` and it runs, each week shown before
    the next and at least ``interval_s()`` apart; return the weeks played."""
    played = 0
    while keep_going() and model.running:
        start = time.monotonic()
        model.step()
        played += 1
        redraw_and_wait(pacer)
        rest = interval_s() - (time.monotonic() - start)
        if rest > 0:
            time.sleep(rest)
    return played


@solara.component
def Player(model: solara.Reactive[AppModel], make: Callable[[], AppModel], pacer: Pacer,
           lang: str = "en"):
    """The controls card: Reset (a new model from the levers), Play/Pause, Step, the pause
    between weeks. ``pacer`` hears from the page (:func:`sim.app.components.Charts`)."""
    playing = solara.use_reactive(False)
    interval = solara.use_reactive(PLAY_INTERVAL_MS)
    error = solara.use_reactive(None)
    update_counter.get()  # redraw with the charts: Play's label, Step's state
    running = model.value.running

    def run(cancel: threading.Event) -> None:
        if not playing.value:
            return
        try:
            play(model.value, pacer, lambda: interval.value / 1000,
                 lambda: playing.value and not cancel.is_set())
        except Exception as exc:  # shown on the page, the server keeps serving
            error.set(f"{type(exc).__name__}: {exc}")
        if not model.value.running or error.value:
            playing.set(False)

    solara.use_thread(run, dependencies=[playing.value, model.value], intrusive_cancel=False)

    def step() -> None:
        model.value.step()
        force_update()

    def reset() -> None:
        playing.set(False)
        error.set(None)
        model.set(make())

    with solara.Card(t("app.controls", lang)):
        with solara.Row(justify="space-between"):
            solara.Button(t("app.reset", lang), color="primary", on_click=reset)
            solara.Button(t("app.pause" if playing.value else "app.play", lang), color="primary",
                          on_click=lambda: playing.set(not playing.value),
                          disabled=not running, classes=["kamsim-play"])
            solara.Button(t("app.step", lang), color="primary", on_click=step,
                          disabled=playing.value or not running)
        solara.SliderInt(t("app.interval", lang), value=interval, min=0, max=1000, step=50)
        if error.value:
            solara.Error(error.value)


@solara.component
def Levers(user_params: dict[str, dict[str, Any]], values: solara.Reactive[dict[str, Any]],
           lang: str = "en"):
    """The seed and the levers (Mesa's inputs); they take effect on Reset."""
    def on_change(name: str, value: Any) -> None:
        values.set({**values.value, name: value})

    with solara.Card(t("app.levers", lang)):
        UserInputs(user_params, on_change=on_change)
