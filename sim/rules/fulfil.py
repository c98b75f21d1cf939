"""Fulfilment: rationing scarce stock and spilling unfilled orders to rivals with spare stock.

docs/ODD.md 7.g. The rationing rule, per supplier and material: priority orders (for
instance key accounts, when a supplier's policy says so) are filled first, in proportion to
their size if even they exceed what is available; what is left is shared in proportion among
the other orders. Each buyer's unfilled tonnes spill once to the suppliers it knows that have
stock to spare, split by its routine shares, and are rationed again.
"""

from __future__ import annotations

import numpy as np

from sim.rules.jit import jit
from sim.tolerance import EPS


@jit
def fill_factors(available: float, priority_orders: float,
                 other_orders: float) -> tuple[float, float]:
    """The fractions of priority and other orders one supplier fills from ``available``."""
    available = max(available, 0.0)
    fill_p = min(available / priority_orders, 1.0) if priority_orders > 0.0 else 1.0
    left = max(available - fill_p * priority_orders, 0.0)  # never below zero from rounding
    fill_r = min(left / other_orders, 1.0) if other_orders > 0.0 else 1.0
    return fill_p, fill_r


@jit
def ration(orders: np.ndarray, available: np.ndarray, priority: np.ndarray,
           out: np.ndarray) -> np.ndarray:
    """Deliveries of ``orders`` (N x S) from what each supplier can ship (S), into ``out``
    (which may be ``orders`` itself); ``priority`` (N x S bool) marks the orders served
    first. Returns ``out``."""
    n, n_sup = orders.shape
    prio, rest = np.zeros(n_sup), np.zeros(n_sup)
    for i in range(n):
        for s in range(n_sup):
            if priority[i, s]:
                prio[s] += orders[i, s]
            else:
                rest[s] += orders[i, s]
    fill_p, fill_r = np.empty(n_sup), np.empty(n_sup)
    for s in range(n_sup):
        fill_p[s], fill_r[s] = fill_factors(available[s], prio[s], rest[s])
    for i in range(n):
        for s in range(n_sup):
            out[i, s] = orders[i, s] * (fill_p[s] if priority[i, s] else fill_r[s])
    return out


@jit
def spill_orders(unfilled: np.ndarray, weights: np.ndarray, spare: np.ndarray,
                 out: np.ndarray) -> np.ndarray:
    """Second-round orders, into ``out`` (N x S): each buyer's unfilled tonnes (N) go to the
    suppliers with spare stock (S), split in proportion to ``weights`` (N x S, its routine
    shares). Returns ``out``."""
    n, n_sup = weights.shape
    for i in range(n):
        total = 0.0
        for s in range(n_sup):
            if spare[s] > EPS:
                total += weights[i, s]
        for s in range(n_sup):
            out[i, s] = unfilled[i] * (weights[i, s] / total) if (
                total > 0.0 and spare[s] > EPS) else 0.0
    return out


@jit
def fulfil(orders: np.ndarray, routine: np.ndarray, available: np.ndarray,
           priority: np.ndarray, delivered: np.ndarray, first: np.ndarray,
           spill: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The week's deliveries, into ``delivered`` (M x N x S like ``orders`` and the
    ``routine`` shares) and ``first`` (N x S: the first round's, all materials together);
    ``available`` is M x S (min of stock and capacity), ``priority`` N x S, ``spill`` an N x S
    work array. Returns per material and supplier (M x S each) the tonnes ordered in the first
    round, shipped in both rounds and shipped in the first."""
    n_mat, n, n_sup = orders.shape
    unfilled = np.empty(n)
    ordered_by = np.zeros((n_mat, n_sup))
    shipped, shipped_first = np.zeros((n_mat, n_sup)), np.zeros((n_mat, n_sup))
    for m in range(n_mat):
        ration(orders[m], available[m], priority, delivered[m])  # the first round
        for i in range(n):
            ordered, got = 0.0, 0.0
            for s in range(n_sup):
                d = delivered[m, i, s]
                ordered += orders[m, i, s]
                got += d
                ordered_by[m, s] += orders[m, i, s]
                shipped_first[m, s] += d
                first[i, s] = (first[i, s] if m else 0.0) + d
            unfilled[i] = ordered - got
        spare = available[m] - shipped_first[m]
        ration(spill_orders(unfilled, routine[m], spare, spill), spare, priority, spill)
        for i in range(n):
            for s in range(n_sup):
                delivered[m, i, s] += spill[i, s]  # the second round
                shipped[m, s] += delivered[m, i, s]
    return ordered_by, shipped, shipped_first
