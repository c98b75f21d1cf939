"""Supplier-level arithmetic of the week in compiled calls: books, replenishment.

A handful of suppliers and materials: the arithmetic is tiny, and as some twenty numpy calls
it cost more in call overhead than the customers' passes cost per supplier. The same
operations in the same order (element-wise as numpy evaluates them, each sum over materials as
numpy's pairwise sum of a row, ``fused._pairwise``, the sum over everything likewise), so the
figures are the same bit for bit; the product with the processing costs stays a numpy
``@`` (BLAS) in the caller.
"""

from __future__ import annotations

import numpy as np

from sim.kernels.fused import _max, _pairwise, nb
from sim.tolerance import EPS


def _jit(fn):
    return fn if nb is None else nb.njit(cache=True, error_model="numpy")(fn)


@_jit
def supplier_books(by_mat, avg_cost, stock, expanded, line_cost, processing_by_mat,
                   holding_rate, revenue, staff_cost, extra_cost, bad_debt, orders_by_mat,
                   first_delivered, alpha, forecast, quarter_orders):
    """Books per supplier from tonnes delivered ``by_mat`` (S x M); updates
    ``quarter_orders`` in place and returns ``(volume, share, material_cost, processing,
    gross, net, fill_rate, new_forecast)``."""
    S, M = by_mat.shape
    flat = np.empty(S * M)
    for s in range(S):
        for m in range(M):
            flat[s * M + m] = by_mat[s, m]
    total = _pairwise(flat, S * M)
    row = np.empty(M)
    volume = np.empty(S)
    share = np.zeros(S)
    material = np.empty(S)
    processing = np.empty(S)
    gross = np.empty(S)
    net = np.empty(S)
    fill_rate = np.empty(S)
    new_forecast = np.empty((S, M))
    for s in range(S):
        for m in range(M):
            row[m] = by_mat[s, m]
        volume[s] = _pairwise(row, M)
        for m in range(M):
            row[m] = by_mat[s, m] * avg_cost[s, m]
        material[s] = _pairwise(row, M)
        for m in range(M):
            row[m] = stock[s, m] * avg_cost[s, m]
        holding = _pairwise(row, M) * holding_rate
        for m in range(M):
            row[m] = expanded[s, m]
        lines = _pairwise(row, M) * line_cost[s] / 52.0
        processing[s] = processing_by_mat[s] + holding + lines
        for m in range(M):
            quarter_orders[s, m] += orders_by_mat[s, m]
        gross[s] = revenue[s] - material[s] - processing[s]
        staff = staff_cost[s] + extra_cost[s]
        net[s] = gross[s] - staff - bad_debt[s]
        for m in range(M):
            row[m] = orders_by_mat[s, m]
        orders = _pairwise(row, M)
        for m in range(M):
            new_forecast[s, m] = (alpha[s, 0] * orders_by_mat[s, m]
                                  + (1.0 - alpha[s, 0]) * forecast[s, m])
        for m in range(M):
            row[m] = first_delivered[s, m]
        fill_rate[s] = _pairwise(row, M) / orders if orders > EPS else 1.0
    if total > 0:
        for s in range(S):
            share[s] = volume[s] / total
    return volume, share, material, processing, gross, net, fill_rate, new_forecast


@_jit
def replenish(rows, stock, avg_cost, forecast, carries, cover, cost_now):
    """``OrderUpTo.order`` then ``MarketModel.receive_stock`` for suppliers ``rows``: stock
    ordered up to ``forecast x (cover + 1)`` at today's cost, the average cost of stock
    updated; element-wise as numpy does it (``sim/batch.py``)."""
    M = stock.shape[1]
    for s in rows:
        c = cover[s] + 1.0
        for m in range(M):
            held = stock[s, m]
            target = forecast[s, m] * c
            order = _max(target - held, 0.0) * carries[s, m]
            tonnes = _max(order, 0.0) * carries[s, m]
            total = held + tonnes
            value = held * avg_cost[s, m] + tonnes * cost_now[m]
            if total > EPS:
                avg_cost[s, m] = value / _max(total, EPS)
            else:
                avg_cost[s, m] = cost_now[m]
            stock[s, m] = total
