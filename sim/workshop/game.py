"""Deterministic rounds: a round is a pure function of the scenario, the seed and every input
so far; replay, rollback and what-if follow from that.

A game's *inputs* are one entry per closed round: every team's choice (its levers, or a
benchmark strategy played by a bot) and the facilitator's events. :meth:`Game.play` builds the
market from the scenario and seed, then for each round applies the events and choices between
two weeks (``MarketModel.set_supplier``, ``add_shock``, ``enter_customers``) and steps
``round_weeks`` weeks. The model's per-process random streams (``sim/market/streams.py``) make a
replaced choice change only the draws of the processes it acts on, so a what-if is compared on
the same random numbers. Snapshots of the model at round boundaries are cached in memory by
the digest of the inputs that led there (state can always be recomputed by replay).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.columns import FLOWS
from sim.market.model import MarketModel
from sim.params import MATERIALS, Poaching, Scenario, Shock, WorkshopSettings
from sim.rules.lifecycle import KEY, LOST, STAGE_NAMES
from sim.scenario import InputError
from sim.workshop.levers import (
    PRESETS,
    check_budget,
    parse_levers,
    preset_supplier,
    supplier_for,
)

EVENT_KINDS = ("price_shock", "mega_oem", "poaching")
CACHE_BYTES = 400 * 2**20  # snapshots kept in memory (customers' arrays), oldest dropped first


@dataclass(frozen=True)
class Team:
    """A team and the supplier (index into the scenario's suppliers) it plays."""

    id: str
    supplier: int


def chain_digest(inputs: list[dict]) -> str:
    """Digest of a list of round inputs (the key of a round boundary)."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def state_digest(model: MarketModel) -> str:
    """Digest of the market's whole state: customers, relationships and suppliers' books."""
    h = hashlib.sha256()
    pop = model.pop
    for name in sorted(pop.arrays):
        h.update(np.ascontiguousarray(pop.arrays[name][: pop.n]).tobytes())
    pop.ring.digest_into(h)
    for name in ("price", "stock", "avg_cost", "forecast", "capacity"):
        h.update(np.ascontiguousarray(getattr(model.supply, name)).tobytes())
    h.update(np.ascontiguousarray(model.market.log_dev).tobytes())
    for name in ("last_share", "price_history"):
        h.update(np.ascontiguousarray(getattr(model.supply, name)).tobytes())
    h.update(str(model.week).encode())
    return h.hexdigest()


def parse_event(data: object, game: Game, where: str = "event") -> dict[str, Any]:
    """Validate one facilitator event; :class:`InputError` naming the key otherwise."""
    if not isinstance(data, dict) or data.get("kind") not in EVENT_KINDS:
        raise InputError([(where, "kind", f"one of {', '.join(EVENT_KINDS)}")])
    kind = data["kind"]
    if kind == "price_shock":
        mat, mag = data.get("material", "steel"), data.get("magnitude", 0.3)
        if mat not in MATERIALS:
            raise InputError([(where, "material", f"one of {', '.join(MATERIALS)}")])
        if not isinstance(mag, int | float) or isinstance(mag, bool) or not -0.5 <= mag <= 2:
            raise InputError([(where, "magnitude", "a number from -0.5 to 2")])
        return {"kind": kind, "material": mat, "magnitude": float(mag)}
    if kind == "mega_oem":
        n = data.get("count", 1)
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 5:
            raise InputError([(where, "count", "a whole number from 1 to 5")])
        return {"kind": kind, "count": n}
    rivals = game.rivals()
    rival, target = data.get("rival"), data.get("target")
    if rival not in rivals:
        raise InputError([(where, "rival", f"one of the computer rivals: {', '.join(rivals)}")])
    if target not in game.team_ids:
        raise InputError([(where, "target", f"one of the teams: {', '.join(game.team_ids)}")])
    return {"kind": kind, "rival": rival, "target": target}


def parse_choice(data: object, game: Game, team: str, presets: bool = True) -> dict[str, Any]:
    """A team's choice for a round: ``{"levers": {...}}`` (validated against the budget)
    or, where ``presets``, ``{"preset": name}`` (a bot or benchmark strategy)."""
    where = f"decision of {team}"
    if presets and isinstance(data, dict) and set(data) == {"preset"}:
        if data["preset"] not in PRESETS:
            raise InputError([(where, "preset", f"one of {', '.join(PRESETS)}")])
        return {"preset": data["preset"]}
    if not isinstance(data, dict) or set(data) != {"levers"}:
        raise InputError([(where, "", "expected {\"levers\": {...}} or {\"preset\": NAME}")])
    levers = parse_levers(data["levers"], where)
    check_budget(game.base(team), levers, game.settings.budget_per_year, where)
    return {"levers": levers.model_dump()}


class Game:
    """One workshop's market: scenario, seed, teams and rules of play."""

    def __init__(self, scenario: Scenario, seed: int, settings: WorkshopSettings,
                 teams: list[Team]) -> None:
        weeks = settings.rounds * settings.round_weeks
        self.scenario = scenario.model_copy(update={"run": scenario.run.model_copy(
            update={"weeks": weeks, "seed": seed})})
        self.seed = seed
        self.settings = settings
        self.teams = {t.id: t for t in teams}
        self.team_ids = [t.id for t in teams]
        self._cache: OrderedDict[str, tuple[MarketModel, list[dict]]] = OrderedDict()
        start = MarketModel(self.scenario, seed, customer_agents=False)
        self._remember(chain_digest([]), start, [])
        pop = start.pop
        self._key0 = {}  # each supplier's key accounts at the start and their 52-week revenue
        for s in range(start.n_sup):
            rows = np.flatnonzero(pop.active & (pop.stage[:, s] == KEY))
            self._key0[s] = (rows, float(pop.rev52[rows, s].sum()))

    # ------------------------------------------------------------ who is who
    def base(self, team: str):
        return self.scenario.suppliers[self.teams[team].supplier]

    def supplier_name(self, team: str) -> str:
        return self.scenario.suppliers[self.teams[team].supplier].name

    def rivals(self) -> list[str]:
        played = {t.supplier for t in self.teams.values()}
        return [s.name for i, s in enumerate(self.scenario.suppliers) if i not in played]

    # ------------------------------------------------------------- playing
    def play(self, inputs: list[dict]) -> tuple[MarketModel, list[dict]]:
        """The market after the rounds of ``inputs`` and each round's results. Returns a
        model the caller may read but must not step (it is the cached snapshot)."""
        if len(inputs) > self.settings.rounds:
            raise InputError([("game", "rounds", f"at most {self.settings.rounds} rounds")])
        start, model, results = 0, None, []
        for k in range(len(inputs), 0, -1):  # the longest prefix already played
            hit = self._cache.get(chain_digest(inputs[:k]))
            if hit is not None:
                self._cache.move_to_end(chain_digest(inputs[:k]))
                start, model, results = k, hit[0], list(hit[1])
                break
        if start == len(inputs) and model is not None:
            return model, results
        model = self._fresh() if model is None else copy.deepcopy(model)
        for k in range(start, len(inputs)):
            results.append(self._round(model, k, inputs[k]))
            self._remember(chain_digest(inputs[: k + 1]), model, results)
        return self._cache[chain_digest(inputs)][0], results

    def _fresh(self) -> MarketModel:
        key = chain_digest([])
        if key not in self._cache:
            self._remember(key, MarketModel(self.scenario, self.seed, customer_agents=False), [])
        return copy.deepcopy(self._cache[key][0])

    def _remember(self, key: str, model: MarketModel, results: list[dict]) -> None:
        self._cache[key] = (copy.deepcopy(model), list(results))
        self._cache.move_to_end(key)
        held = sum(m.pop.nbytes() for m, _ in self._cache.values())
        while held > CACHE_BYTES and len(self._cache) > 1:
            held -= self._cache.popitem(last=False)[1][0].pop.nbytes()

    def _round(self, model: MarketModel, k: int, inp: dict) -> dict:
        week = k * self.settings.round_weeks
        assert model.week == week, (model.week, week)
        for i, ev in enumerate(inp.get("events", [])):
            self._apply_event(model, ev, week, np.random.default_rng([self.seed, k, i]))
        for team in self.team_ids:
            choice = inp["choices"][team]
            base = self.base(team)
            if "preset" in choice:
                sp = preset_supplier(base, choice["preset"], week)
            else:
                sp = supplier_for(base, parse_levers(choice["levers"]), week)
            model.set_supplier(self.teams[team].supplier, sp)
        for _ in range(self.settings.round_weeks):
            model.step()
        return self._results(model, k, week)

    def _apply_event(self, model: MarketModel, ev: dict, week: int,
                     rng: np.random.Generator) -> None:
        """One facilitator event; ``rng`` (from the seed, round and event's place) draws the
        entering customers, so the market's own random streams are untouched."""
        if ev["kind"] == "price_shock":
            model.add_shock(Shock(material=ev["material"], magnitude=ev["magnitude"],
                                  start_week=week + Shock().foresight_weeks))
        elif ev["kind"] == "mega_oem":
            model.enter_customers("ev_oem", ev["count"], rng, self.settings.mega_oem_size)
        else:
            r = model.supplier_names.index(ev["rival"])
            sp = model.params.suppliers[r]
            poach = Poaching(target=self.supplier_name(ev["target"]), start_week=week)
            model.set_supplier(r, sp.model_copy(update={
                "strategies": sp.strategies.model_copy(update={"poaching": poach})}))

    def _results(self, model: MarketModel, k: int, week: int) -> dict:
        rec = model.recorder
        w = slice(week, model.week)
        sups = {}
        for s, name in enumerate(model.supplier_names):
            row: dict[str, Any] = {b: float(rec.sup[b][w, s].sum()) for b in
                                   ("revenue", "net_profit", "gross_profit", *FLOWS)}
            row["market_share"] = float(rec.sup["market_share"][model.week - 1, s])
            row["stages"] = {STAGE_NAMES[i]: int(c) for i, c in
                             enumerate(rec.pool["count"][model.week - 1, s])}
            rows, then = self._key0[s]
            row["key_revenue_retained"] = (float(model.pop.rev52[rows, s].sum() / then)
                                           if then > 0 else 1.0)
            sups[name] = row
        lost = {team: self._lost(model, self.teams[team].supplier, week)
                for team in self.team_ids}
        return {"round": k, "weeks": [week, model.week], "digest": state_digest(model),
                "suppliers": sups, "lost": lost}

    @staticmethod
    def _lost(model: MarketModel, s: int, week: int) -> list[dict]:
        """Accounts supplier ``s`` lost in weeks ``week``.. and who has them now."""
        pop, out = model.pop, []
        for t, rows, cols, _frm, to in model.recorder.transitions[week:model.week]:
            hit = rows[(cols == s) & (to == LOST + 1)]
            for r in hit.tolist():
                share = pop.share[r].copy()
                share[s] = 0.0
                who = ("left the market" if not pop.active[r] else
                       model.supplier_names[int(share.argmax())] if share.max() > 0 else "none")
                out.append({"customer": int(r), "week": int(t[0]) if t.size else week,
                            "segment": int(pop.segment[r]), "to": who})
        return out
