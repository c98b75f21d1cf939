"""A running workshop: the store, the game and the rules of who does what when.

Every operation of a team or the facilitator is a method here; the HTTP server only checks who
is asking and calls it (so the headless tests and bots use the same paths). Closing a round,
rolling back and what-ifs run one at a time (a lock); submissions only append to the store.
What a team sees is computed here and holds only its own supplier's figures and accounts.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from sim.params import SEGMENTS
from sim.rules.lifecycle import BUYING, KEY, LOST, STAGE_NAMES, SUNSET
from sim.scenario import InputError
from sim.workshop.debrief import debrief, score_table
from sim.workshop.game import chain_digest, parse_choice, parse_event
from sim.workshop.levers import (
    PRESETS,
    Levers,
    annual_costs,
    levers_of,
    preset_supplier,
    supplier_for,
)
from sim.workshop.store import DB_NAME, Store

ABC = ("-", "A", "B", "C")
PUBLIC_EVENTS = ("price_shock", "mega_oem")  # announced to teams; a poaching campaign is not
BOOK_ROWS = 150  # accounts listed on a team's page (largest first); counts cover all


class Room:
    """One workshop folder, opened."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.store = Store(self.folder / DB_NAME)
        self.game = self.store.game()
        self.settings = self.game.settings
        self.lock = threading.Lock()
        self._bench: dict[str, dict] = {}

    # --------------------------------------------------------------- state
    def round(self) -> int:
        return self.store.current_round()

    def over(self) -> bool:
        return self.round() >= self.settings.rounds

    def verify(self) -> list[dict]:
        """Replay every closed round from the log; raise if a state digest differs."""
        inputs, stored = self.store.inputs(), self.store.results()
        with self.lock:
            _, results = self.game.play(inputs)
        for got, want in zip(results, stored, strict=True):
            if got["digest"] != want["digest"]:
                raise RuntimeError(f"replay of round {want['round'] + 1} differs from the log")
        return results

    def resolved_choices(self, round_: int) -> dict[str, dict]:
        """Each team's choice for ``round_``: what it submitted; else its last round's
        choice; a team whose seat was never claimed plays its bot strategy; a team that has
        not decided yet runs its supplier as the scenario has it (the status quo)."""
        submitted = self.store.submitted(round_)
        previous = self.store.inputs()
        out = {}
        for t in self.store.teams():
            if t["id"] in submitted:
                out[t["id"]] = submitted[t["id"]]
            elif not t["claimed"]:
                out[t["id"]] = {"preset": t["bot"]}
            elif previous:
                out[t["id"]] = previous[-1]["choices"][t["id"]]
            else:
                out[t["id"]] = {"preset": "status_quo"}
        return out

    # --------------------------------------------------------------- teams
    def submit(self, team: str, data: Any) -> dict:
        """Validate and commit a team's choice for the open round."""
        if self.over():
            raise InputError([("round", "", "the game is over")])
        choice = parse_choice(data, self.game, team, presets=False)  # teams decide levers
        self.store.submit(team, self.round(), choice)
        return choice

    def team_view(self, team: str) -> dict:
        """All a team may see: its levers, budget, results and book. Nothing of others."""
        k = self.round()
        s = self.game.teams[team].supplier
        name = self.game.supplier_name(team)
        base = self.game.base(team)
        mine = self.store.submitted(k).get(team) if not self.over() else None
        standing = self.resolved_choices(k)[team] if not self.over() else None
        inputs = self.store.inputs()
        with self.lock:
            model, results = self.game.play(inputs)
        own = [{"round": r["round"], **{key: r["suppliers"][name][key] for key in
                ("revenue", "net_profit", "market_share", "acquired", "upgraded",
                 "downgraded", "lost", "exited", "stages", "key_revenue_retained")},
                "lost_accounts": r["lost"][team]} for r in results]
        shown = standing if standing is not None else (inputs[-1]["choices"][team]
                                                       if inputs else None)
        levers = (Levers(**shown["levers"]) if shown and "levers" in shown
                  else levers_of(base))  # the form starts from the scenario's own supplier
        costs = annual_costs(supplier_for(base, levers, 0) if shown and "levers" in shown
                             else preset_supplier(base, shown["preset"], 0) if shown else base)
        return {"team": team, "supplier": name, "round": k, "rounds": self.settings.rounds,
                "over": self.over(), "practice": self.store.meta("practice") == "1",
                "seconds_left": self.seconds_left(), "submitted": mine is not None,
                "choice": shown, "form": levers.model_dump(), "costs": costs,
                "budget": self.settings.budget_per_year,
                "levers": Levers.model_json_schema()["properties"],
                "results": own, "book": book(model, s),
                "announced": [e for e in self.store.events(k) if e["kind"] in PUBLIC_EVENTS]}

    # --------------------------------------------------------- facilitator
    def seconds_left(self) -> int | None:
        deadline = float(self.store.meta("deadline"))
        return max(0, int(deadline - time.time())) if deadline > 0 else None

    def set_countdown(self, minutes: float) -> None:
        if not isinstance(minutes, int | float) or isinstance(minutes, bool) or not (
                0 <= minutes <= 120):
            raise InputError([("countdown", "minutes", "a number from 0 to 120")])
        self.store.set_meta("deadline", time.time() + minutes * 60 if minutes else 0)

    def set_bot(self, team: str, preset: Any) -> None:
        if team not in self.game.teams or preset not in PRESETS:
            raise InputError([("bot", "preset", f"one of {', '.join(PRESETS)}")])
        self.store.set_bot(team, preset)
        self.store.log("facilitator", "bot", {"team": team, "preset": preset})

    def add_event(self, data: Any, round_: Any = None) -> dict:
        """Trigger an event in the open round, or schedule it for a later one (0-based)."""
        k = self.round() if round_ is None else round_
        if type(k) is not int or not self.round() <= k < self.settings.rounds:
            raise InputError([("event", "round", "the open round or a later one"
                               if not self.over() else "the game is over")])
        event = parse_event(data, self.game)
        self.store.add_event(k, event)
        self.store.log("facilitator", "event", {"round": k, **event})
        return event

    def close_round(self) -> dict:
        """Play the open round with every team's standing choice and store it."""
        with self.lock:
            k = self.round()
            if k >= self.settings.rounds:
                raise InputError([("round", "", "the game is over")])
            inp = {"choices": self.resolved_choices(k), "events": self.store.events(k)}
            _, results = self.game.play([*self.store.inputs(), inp])
            self.store.close_round(k, inp, results[-1])
            self.store.set_meta("deadline", 0)
            self.store.log("facilitator", "close", {"round": k})
            return results[-1]

    def rollback(self, to_round: Any) -> None:
        """Reopen round ``to_round`` (0-based); the standing choices of that round stay."""
        with self.lock:
            if type(to_round) is not int or not 0 <= to_round < self.round():
                raise InputError([("rollback", "round", f"a closed round, 1 to {self.round()}")])
            self.store.rollback(to_round)
            self.store.log("facilitator", "rollback", {"round": to_round})

    def start_practice(self) -> None:
        if self.round() or self.store.timeline():
            raise InputError([("practice", "", "only before the first round")])
        self.store.set_meta("practice", 1)

    def end_practice(self) -> None:
        if self.store.meta("practice") != "1":
            raise InputError([("practice", "", "no practice round is running")])
        with self.lock:
            self.store.reset()
            self.store.log("facilitator", "practice reset", {})

    def facilitator_view(self) -> dict:
        k = self.round()
        submitted = self.store.submitted(k) if not self.over() else {}
        return {"round": k, "rounds": self.settings.rounds, "over": self.over(),
                "practice": self.store.meta("practice") == "1",
                "seconds_left": self.seconds_left(), "room": self.store.meta("room_code"),
                "teams": [{**t, "supplier_name": self.game.supplier_name(t["id"]),
                           "submitted": t["id"] in submitted} for t in self.store.teams()],
                "events": [{"round": r, **e} for r in range(k, self.settings.rounds)
                           for e in self.store.events(r)], "rivals": self.game.rivals(),
                "presets": list(PRESETS)}

    # ------------------------------------------------------------- debrief
    def debrief(self, benchmarks: bool = False) -> dict:
        inputs = self.store.inputs()
        with self.lock:
            _, results = self.game.play(inputs)
        bench = self.benchmarks(inputs) if benchmarks and inputs else None
        return debrief(self.game, results, self.store.timeline(), inputs, bench)

    def benchmarks(self, inputs: list[dict]) -> dict:
        """Each team's score had it played each benchmark strategy all game, the other
        teams and events as they were (same market, same random numbers)."""
        key = chain_digest(inputs)
        if key not in self._bench:
            out: dict[str, dict[str, float]] = {}
            for team in self.game.team_ids:
                out[team] = {}
                for preset in ("price_war", "reservoir"):
                    alt = self.whatif(team, 0, {"preset": preset}, inputs)["alternative"]
                    out[team][preset] = alt[team]["score"]
            self._bench[key] = out
        return self._bench[key]

    def whatif(self, team: str, from_round: Any, alternative: Any,
               inputs: list[dict] | None = None) -> dict:
        """Rerun the game from ``from_round`` with ``team``'s choices replaced by
        ``alternative`` (levers or a preset); both score tables, side by side."""
        inputs = self.store.inputs() if inputs is None else inputs
        if team not in self.game.teams:
            raise InputError([("whatif", "team", f"one of {', '.join(self.game.team_ids)}")])
        if type(from_round) is not int or not 0 <= from_round < max(len(inputs), 1):
            raise InputError([("whatif", "from_round", f"0 to {len(inputs) - 1}")])
        choice = parse_choice(alternative, self.game, team)
        alt = [dict(inp, choices={**inp["choices"], team: choice}) if k >= from_round else inp
               for k, inp in enumerate(inputs)]
        with self.lock:
            _, actual = self.game.play(inputs)
            _, changed = self.game.play(alt)
        return {"team": team, "from_round": from_round, "choice": choice,
                "actual": score_table(self.game, actual),
                "alternative": score_table(self.game, changed)}


def book(model, s: int) -> dict:
    """A supplier's customer book: counts by stage and ABC class, and its largest accounts
    with their profile, satisfaction and warning signs, and the accounts it lost."""
    pop = model.pop
    n = pop.n
    stage = pop.stage[:n, s]
    active = pop.active[:n]
    buying = active & np.isin(stage, BUYING)
    rows = np.flatnonzero(buying)
    rows = rows[np.argsort(-pop.rev52[rows, s], kind="stable")][:BOOK_ROWS]
    accounts = []
    for r in rows.tolist():
        sat = float(pop.satisfaction[r, s])
        signs = []
        if sat < 0.65:
            signs.append("low_satisfaction")
        if stage[r] == SUNSET:
            signs.append("declining")
        if pop.share[r, s] < 0.3:
            signs.append("small_share")
        if pop.tender[r] and pop.contract_end[r] - model.week <= 13:
            signs.append("tender_due")
        main = int(pop.main[r])
        accounts.append({
            "customer": r, "segment": SEGMENTS[int(pop.segment[r])],
            "stage": STAGE_NAMES[int(stage[r])], "abc": ABC[int(pop.abc[r, s])],
            "revenue_52w": float(pop.rev52[r, s]), "share": float(pop.share[r, s]),
            "satisfaction": sat, "loyalty": float(pop.loyalty[r, s] / model.market.j_ref),
            "kam": bool(pop.kam[r, s]), "dedicated": bool(pop.dedicated[r, s]),
            "tender": bool(pop.tender[r]),
            "main_supplier": model.supplier_names[main] if main >= 0 else "",
            "signs": signs})
    counts = {STAGE_NAMES[k]: int((active & (stage == k)).sum()) for k in (*BUYING, LOST)}
    abc = {c: int((buying & (pop.abc[:n, s] == i)).sum()) for i, c in enumerate(ABC) if i}
    return {"counts": counts, "abc": abc, "key_accounts": int((buying & (stage == KEY)).sum()),
            "accounts": accounts}
