"""Market prices and suppliers' average prices (S x M, a handful of each) in compiled calls.

``MarketModel._update_market_price``, ``avg_list_price`` and ``supplier_rel_price`` are a few
numpy calls each on six-by-three arrays, run several times a week, and cost more in call
overhead than in arithmetic. These functions do the same operations in the same order:
element-wise as numpy evaluates them, a sum over suppliers (numpy ``axis=0``) row after row
from the first row, a sum over materials (``axis=1``) as numpy's pairwise sum of a row
(``fused._pairwise``); so the results are the same bit for bit.
"""

from __future__ import annotations

import numpy as np

from sim.kernels.fused import _pairwise, nb
from sim.tolerance import EPS


def _jit(fn):
    return fn if nb is None else nb.njit(cache=True, error_model="numpy")(fn)


@_jit
def col_sums(a):
    """``a.sum(0)`` of a C-ordered 2-d array, as numpy sums it: row after row from the first
    (a single column is contiguous, and numpy sums it pairwise)."""
    S, M = a.shape
    out = np.empty(M)
    if M == 1:
        col = np.empty(S)
        for s in range(S):
            col[s] = a[s, 0]
        out[0] = _pairwise(col, S)
        return out
    for m in range(M):
        out[m] = a[0, m]
    for s in range(1, S):
        for m in range(M):
            out[m] += a[s, m]
    return out


@_jit
def weighted_average(values, carries, last_delivered):
    """Each supplier's ``values`` (S x M) averaged over the materials it carries, weighted by
    last week's market volume: ``MarketModel.avg_list_price`` (values = list prices) and
    ``supplier_rel_price`` (values = prices relative to the market)."""
    S, M = values.shape
    w = col_sums(last_delivered)
    for m in range(M):
        w[m] = w[m] + EPS
    out = np.empty(S)
    num = np.empty(M)
    den = np.empty(M)
    for s in range(S):
        for m in range(M):
            num[m] = values[s, m] * carries[s, m] * w[m]
            den[m] = carries[s, m] * w[m]
        d = _pairwise(den, M)
        out[s] = _pairwise(num, M) / (d if d >= EPS or d != d else EPS)
    return out


@_jit
def market_prices(price, carries, last_delivered):
    """``MarketModel._update_market_price``: the market price per material (weighted by last
    week's deliveries, else by who carries it) and each price relative to it."""
    S, M = price.shape
    w = np.empty((S, M))
    for s in range(S):
        for m in range(M):
            w[s, m] = last_delivered[s, m] * carries[s, m]
    tot = col_sums(w)
    for s in range(S):
        for m in range(M):
            if not tot[m] > 0:
                w[s, m] = carries[s, m]
    pw = np.empty((S, M))
    for s in range(S):
        for m in range(M):
            pw[s, m] = price[s, m] * w[s, m]
    num = col_sums(pw)
    den = col_sums(w)
    market = np.empty(M)
    for m in range(M):
        d = den[m]
        market[m] = num[m] / (d if d >= EPS or d != d else EPS)
    rel = np.ones((S, M))
    for s in range(S):
        for m in range(M):
            if carries[s, m] > 0:
                mp = market[m]
                rel[s, m] = price[s, m] / (mp if mp >= EPS or mp != mp else EPS)
    return market, rel
