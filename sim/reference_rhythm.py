"""The per-agent reference's purchase rhythm (``sim/reference.py``; the rule:
``sim/rules/rhythm.py``, docs/ODD.md 7.c): a customer's demand waits in its backlog until an
order week, written agent by agent.

``RhythmBuyer`` is a mixin of ``RefCustomer``: its state is ``demand`` (the week's demand,
then its order), ``backlog`` (per material), ``order_interval``, ``waited`` (weeks of demand
in the backlog) and ``order_weeks`` (weeks of demand in this week's order). ``replay``
hands a reference market the state from before the model's rule ran, with the model's draws,
so that the reference orders by itself and the test compares the result.
"""

from __future__ import annotations

import numpy as np


class RhythmBuyer:
    """A buyer who orders in a week with probability one over its order interval."""

    demand: list[float]
    backlog: list[float]
    order_interval: float
    waited: int
    order_weeks: float

    def place_orders(self, u: float) -> None:
        """This week's order from this week's demand, the backlog and the draw ``u``."""
        if self.order_interval <= 1.0:
            return  # orders every week: the demand is the order
        self.waited += 1
        if u * self.order_interval < 1.0:  # an order week: the backlog goes out with it
            self.demand = [d + b for d, b in zip(self.demand, self.backlog, strict=True)]
            self.backlog = [0.0] * len(self.demand)
            self.order_weeks, self.waited = float(self.waited), 0
        else:  # the week's demand waits
            self.backlog = [b + d for b, d in zip(self.backlog, self.demand, strict=True)]
            self.demand = [0.0] * len(self.demand)
            self.order_weeks = 0.0


def replay(customers, demand: np.ndarray, backlog: np.ndarray, waited: np.ndarray,
           u: np.ndarray | None) -> None:
    """Give each reference customer the week's demand, backlog and weeks waited as they were
    before the model's rule (N x M, N x M, N), and let it order with draw ``u[row]`` (None:
    the model drew none, no customer orders less than weekly)."""
    for c in customers:
        c.demand = demand[c.row].tolist()
        c.backlog = backlog[c.row].tolist()
        c.waited = int(waited[c.row])
        if u is not None:
            c.place_orders(float(u[c.row]))
