"""The loyalty-and-choice mechanism reduces to Weisbuch, Kirman & Herreiner (2000).

``scenarios/wkh.toml`` switches every other effect off. For n identical sellers the mean-field
map J <- (1 - gamma) J + pi P(J), P = softmax(beta J), has the symmetric fixed point
J = pi / (n gamma); perturbations orthogonal to (1, ..., 1) grow by 1 - gamma + beta pi / n a
week, so buyers stop searching and become loyal once beta > beta_c = n gamma / pi.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import scenario
from sim.runs.run import simulate

N_SELLERS, GAMMA, PI = 3, 0.1, 1.0
BETA_C = N_SELLERS * GAMMA / PI


def loyalty_index(beta: float, seed: int) -> tuple[float, float]:
    """Mean share of each buyer's last-52-week purchases going to its most-used seller."""
    params = scenario.load("scenarios/wkh.toml", overrides={"choice.beta_loyalty": beta})
    model, tables = simulate(params, seed=seed, steps=150)
    vol = model.pop.vol52
    return float((vol.max(axis=1) / vol.sum(axis=1)).mean()), float(
        tables["suppliers"]["fill_rate"].min())


def test_scenario_is_the_wkh_configuration():
    p = scenario.load("scenarios/wkh.toml")
    assert len(p.suppliers) == N_SELLERS
    assert p.adaptation.gamma == GAMMA and p.adaptation.payoff == PI
    assert p.choice.mode == "sample" and not p.choice.use_price
    assert not p.choice.use_switching_cost and p.choice.min_share == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_buyers_turn_loyal_as_beta_crosses_critical_value(seed):
    factors = [0.5, 0.8, 1.25, 2.0]
    results = [loyalty_index(f * BETA_C, seed) for f in factors]
    index = [r[0] for r in results]
    # capacity never binds, so every purchase is a WKH visit with payoff pi
    assert min(r[1] for r in results) == 1.0
    # searching buyers: a multinomial over three sellers (max share of 52 draws ~ 0.45)
    assert index[0] < 0.55
    assert index[1] < 0.70
    # loyal buyers: one seller takes almost everything
    assert index[2] > 0.85
    assert index[3] > 0.97
    # the change is concentrated at beta_c: the step across it exceeds both steps beside it
    steps = np.diff(index)
    assert steps[1] > steps[0] and steps[1] > steps[2]
