"""Computer players. A team whose seat is never claimed plays a benchmark strategy the
facilitator picks (``Room.resolved_choices``: a ``{"preset": ...}`` choice). For headless
games and tests, :class:`LeverBot` plays the levers themselves: seeded random decisions kept
within the budget, as a team experimenting round by round would.
"""

from __future__ import annotations

import numpy as np

from sim.scenario import InputError
from sim.workshop.levers import Levers, check_budget, levers_of


class LeverBot:
    """Random but reproducible levers for one team (its own seed), always within budget."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def decide(self, game, team: str) -> dict:
        r = self.rng
        for _ in range(50):
            levers = Levers(
                price_margin=round(float(r.uniform(0.0, 0.14)), 3),
                account_managers=int(r.integers(0, 12)),
                allocation=str(r.choice(["revenue", "A", "AB"])),
                price_communication=str(r.choice(["silent", "covered", "key", "buying"])),
                safety_stock_weeks=round(float(r.uniform(0, 4)), 1),
                key_first=bool(r.random() < 0.5),
                ev_hdg_ahss_add=float(r.choice([0.0, 100.0, 250.0])),
                ev_aluminium_add=float(r.choice([0.0, 100.0, 200.0])),
                prospecting_staff=int(r.integers(0, 6)),
                dedicated_accounts=int(r.integers(0, 4)),
                care_per_week=int(r.integers(0, 12)))
            try:
                check_budget(game.base(team), levers, game.settings.budget_per_year)
            except InputError:
                continue
            return {"levers": levers.model_dump()}
        return {"levers": levers_of(game.base(team)).model_dump()}


def play_round(room, bots: dict[str, LeverBot]) -> dict:
    """Every team with a bot submits, then the round is closed (headless play)."""
    for team, bot in bots.items():
        room.submit(team, bot.decide(room.game, team))
    return room.close_round()
