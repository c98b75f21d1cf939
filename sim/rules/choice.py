"""Discrete choice: utilities -> shares of wallet (multinomial logit over known suppliers).

The loyalty-only special case (``beta * J`` utilities, no price, service, attention or switching
terms, ``min_share = 0``) is the Weisbuch-Kirman-Herreiner (2000) choice rule: the probability
of buying from seller j is ``exp(beta J_j) / sum_k exp(beta J_k)``.
"""

from __future__ import annotations

import numpy as np


def base_utility(loyalty: np.ndarray, beta_loyalty: float, service: np.ndarray,
                 beta_service: float, kam: np.ndarray, beta_kam: float,
                 fit: np.ndarray, beta_fit: float, not_incumbent: np.ndarray,
                 switching_cost: np.ndarray) -> np.ndarray:
    """Material-independent utility of each supplier to each customer (N x S).

    ``service`` is N x S (service level as the customer experiences it), ``kam`` N x S (0/1
    key-account attention), ``fit`` N x S (novelty appetite x new-material portfolio),
    ``not_incumbent`` N x S (0/1), ``switching_cost`` N.
    """
    u = beta_loyalty * loyalty
    if beta_service:
        u = u + beta_service * service
    if beta_kam:
        u = u + beta_kam * kam
    if beta_fit:
        u = u + beta_fit * fit
    if switching_cost is not None:
        u = u - switching_cost[:, None] * not_incumbent
    return u


def price_utility(price_sensitivity: np.ndarray, relative_price: np.ndarray) -> np.ndarray:
    """``-sensitivity * (relative price - 1)``: N x S from N sensitivities and N x S prices."""
    return -price_sensitivity[:, None] * (relative_price - 1.0)


def logit_shares(utility: np.ndarray, allowed: np.ndarray, min_share: float = 0.0) -> np.ndarray:
    """Masked softmax along the last axis; rows with no allowed option get all zeros.

    Shares below ``min_share`` are dropped and the rest renormalised (a buyer does not place
    orders of a few kilos): one pass, so a row always keeps its largest share.
    """
    u = np.where(allowed, utility, -np.inf)
    top = u.max(axis=-1, keepdims=True)
    finite = np.isfinite(top)
    w = np.exp(u - np.where(finite, top, 0.0))
    w[~np.broadcast_to(finite, w.shape)] = 0.0
    total = w.sum(axis=-1, keepdims=True)
    shares = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    if min_share > 0:
        drop = (shares < min_share) & (shares < shares.max(axis=-1, keepdims=True))
        shares[drop] = 0.0
        total = shares.sum(axis=-1, keepdims=True)
        np.divide(shares, total, out=shares, where=total > 0)
    return shares


def sample_one(shares: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Pick one option per row with probabilities ``shares`` (rows sum to 1 or 0).

    ``u`` holds one uniform draw per row. Returns a 0/1 array shaped like ``shares``; a row of
    zeros stays zeros.
    """
    cum = np.cumsum(shares, axis=-1)
    total = cum[..., -1:]
    pick = (cum <= u[..., None] * total).sum(axis=-1)
    pick = np.minimum(pick, shares.shape[-1] - 1)
    out = np.zeros_like(shares)
    np.put_along_axis(out, pick[..., None], 1.0, axis=-1)
    out *= total > 0
    return out


def contract_split(logit: np.ndarray, winner_onehot: np.ndarray, contract_share: float,
                   winner_carries: np.ndarray) -> np.ndarray:
    """Blend a tender award into routine shares for one material.

    ``winner_onehot`` is N x S (all zero for customers without a contract), ``winner_carries``
    N (1 when the winner carries this material). The winner gets ``contract_share`` of the
    volume; the rest goes to the buyer's other suppliers in proportion to their routine shares
    (dual sourcing), or to the winner as well when the buyer uses no other supplier.
    """
    cs = contract_share * winner_carries
    others = logit * (1.0 - winner_onehot)
    total = others.sum(axis=1, keepdims=True)
    rest = np.where(total > 0, others / np.where(total > 0, total, 1.0), winner_onehot)
    rest = np.where((winner_carries > 0)[:, None], rest, logit)
    return cs[:, None] * winner_onehot + (1.0 - cs)[:, None] * rest
