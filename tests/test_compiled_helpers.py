"""The compiled supplier-level helpers give numpy's numbers bit for bit."""

import numpy as np
import pytest

from sim.kernels.prices import col_sums, market_prices, weighted_average

EPS = 1e-9


@pytest.mark.parametrize("n,m", [(1, 1), (7, 1), (300, 1), (6, 3), (1100, 3), (5, 20),
                                 (9000, 3), (100_000, 2)])
def test_col_sums_is_numpy_axis0_sum(n, m):
    rng = np.random.default_rng(n * 31 + m)
    a = rng.lognormal(0, 3, (n + 5, m)) * (rng.random((n + 5, m)) < 0.7)
    view = a[:n]
    np.testing.assert_array_equal(col_sums(view), view.sum(0))


@pytest.mark.parametrize("seed", range(20))
def test_prices_match_numpy(seed):
    rng = np.random.default_rng(seed)
    S, M = int(rng.integers(2, 12)), 3
    price = rng.uniform(3000, 25000, (S, M))
    carries = (rng.random((S, M)) < 0.8).astype(float)
    last = rng.lognormal(3, 2, (S, M)) * (rng.random((S, M)) < 0.7)
    if seed % 4 == 0:
        last[:, 1] = 0.0  # a material nobody delivered: weights fall back to carries
    w = last * carries
    w = np.where(w.sum(0) > 0, w, carries)
    market = (price * w).sum(0) / np.maximum(w.sum(0), EPS)
    rel = np.ones_like(price)
    rel[carries > 0] = (price / np.maximum(market, EPS))[carries > 0]
    got_market, got_rel = market_prices(price, carries, last)
    np.testing.assert_array_equal(got_market, market)
    np.testing.assert_array_equal(got_rel, rel)
    wv = last.sum(0) + EPS
    avg = (price * carries * wv).sum(1) / np.maximum((carries * wv).sum(1), EPS)
    np.testing.assert_array_equal(weighted_average(price, carries, last), avg)
