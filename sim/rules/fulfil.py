"""Fulfilment: rationing scarce stock and spilling unfilled orders to rivals with spare stock.

The rationing rule, per supplier and material: priority orders (for instance key accounts,
when a supplier's policy says so) are filled first, in proportion to their size if even they
exceed what is available; what is left is shared in proportion among the other orders.
"""

from __future__ import annotations

import numpy as np

from sim.tolerance import EPS


def ration(orders: np.ndarray, available: np.ndarray,
           priority: np.ndarray | None = None) -> np.ndarray:
    """Deliveries (N x S) from orders (N x S) and what each supplier can ship (S).

    Priority orders are served first; each class is filled in proportion to order size.
    """
    available = np.maximum(available, 0.0)
    if priority is None:
        total = orders.sum(axis=0)
        fill = np.divide(available, total, out=np.ones_like(total), where=total > available)
        return orders * np.minimum(fill, 1.0)
    prio = orders * priority
    rest = orders - prio
    tp = prio.sum(axis=0)
    fill_p = np.minimum(np.divide(available, tp, out=np.ones_like(tp), where=tp > 0), 1.0)
    left = np.maximum(available - fill_p * tp, 0.0)  # never below zero from rounding
    tr = rest.sum(axis=0)
    fill_r = np.minimum(np.divide(left, tr, out=np.ones_like(tr), where=tr > 0), 1.0)
    return prio * fill_p + rest * fill_r


def spill_orders(unfilled: np.ndarray, weights: np.ndarray, spare: np.ndarray) -> np.ndarray:
    """Second-round orders: each customer's unfilled tonnes (N) go to suppliers with spare
    stock (S), split in proportion to ``weights`` (N x S, the customer's routine shares)."""
    w = weights * (spare > EPS)[None, :]
    total = w.sum(axis=1, keepdims=True)
    share = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    return unfilled[:, None] * share
