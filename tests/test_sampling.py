"""``choice_without_replacement`` is ``Generator.choice(replace=False)``, bit for bit."""

import numpy as np
import pytest

from sim.sampling import choice_without_replacement


@pytest.mark.parametrize("seed", range(40))
def test_same_rows_and_same_generator_state(seed):
    meta = np.random.default_rng(10_000 + seed)
    for _ in range(25):
        n = int(meta.integers(0, 12_001))
        k = int(meta.integers(0, min(n, 60) + 1))
        pool = np.sort(meta.choice(20_000, size=n, replace=False))
        ours, numpy_s = np.random.default_rng(seed), np.random.default_rng(seed)
        got = choice_without_replacement(ours, pool, k)
        want = numpy_s.choice(pool, size=k, replace=False)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        assert ours.bit_generator.state == numpy_s.bit_generator.state


def test_small_pools_every_size():
    for n in range(0, 30):
        pool = np.arange(n) * 3
        for k in range(0, n + 1):
            a, b = np.random.default_rng(n * 100 + k), np.random.default_rng(n * 100 + k)
            np.testing.assert_array_equal(choice_without_replacement(a, pool, k),
                                          b.choice(pool, size=k, replace=False))
            assert a.bit_generator.state == b.bit_generator.state
