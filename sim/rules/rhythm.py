"""The purchase rhythm: a customer's demand waits for its next order week (docs/ODD.md 7.c).

A customer with an order interval ``k`` > 1 weeks orders in a week with probability ``1/k``
(order weeks are irregular, gaps geometric with mean ``k``, as a book's purchase weeks
are), independently of everything else. The week's demand joins the customer's backlog;
on an order week the whole backlog is this week's order and the backlog is empty again.
Tonnes are conserved: what was demanded is ordered on the next order week (or lost with the
customer, should it leave the market first). ``order_weeks`` records how many weeks of
demand this week's order carries (0 between orders), which adaptation reads (7.h).

A customer with ``k`` = 1 orders every week and is not touched: its demand, its
``order_weeks`` (1) and the results are exactly those of a market without the rule.
"""

from __future__ import annotations

import numpy as np

from sim.rules.jit import jit, jit_inline


@jit_inline
def orders_now(interval: float, u: float) -> bool:
    """Whether a customer of order ``interval`` (weeks, > 1) orders this week, from its
    uniform draw ``u`` of the week."""
    return u * interval < 1.0


@jit
def place_orders(demand: np.ndarray, backlog: np.ndarray, interval: np.ndarray,
                 waited: np.ndarray, order_weeks: np.ndarray, u: np.ndarray) -> None:
    """This week's orders, in place of ``demand`` (N x M), for every customer with an
    ``interval`` above one week: the demand joins the ``backlog`` (N x M); on an order week
    (``orders_now`` of its draw ``u``) the backlog is ordered and emptied. ``waited`` (N)
    counts the weeks of demand in the backlog, ``order_weeks`` (N) those in this week's order
    (0 between orders)."""
    n, n_mat = demand.shape
    for i in range(n):
        k = interval[i]
        if k <= 1.0:
            continue
        waited[i] += 1
        if orders_now(k, u[i]):
            for m in range(n_mat):
                demand[i, m] += backlog[i, m]
                backlog[i, m] = 0.0
            order_weeks[i] = waited[i]
            waited[i] = 0
        else:
            for m in range(n_mat):
                backlog[i, m] += demand[i, m]
                demand[i, m] = 0.0
            order_weeks[i] = 0.0


def covered_weeks(interval: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A history of order weeks by the same rule, for customers of order ``interval`` (R)
    and the draws ``u`` of ``W`` weeks (W x R): the weeks of demand each week's order
    carried (W x R, 0 between orders) and the weeks waiting in the backlog at the end (R)."""
    weeks, rows = u.shape
    covered = np.empty((weeks, rows))
    backlog, waited = np.zeros((rows, 1)), np.zeros(rows, np.int32)
    order_weeks = np.ones(rows)
    for t in range(weeks):
        ones = np.ones((rows, 1))
        place_orders(ones, backlog, interval, waited, order_weeks, u[t])
        covered[t] = ones[:, 0]
    return covered, waited
