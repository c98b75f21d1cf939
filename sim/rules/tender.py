"""Tenders: scoring suppliers' bids and awarding contracts."""

from __future__ import annotations

import numpy as np


def tender_scores(relative_bid: np.ndarray, delivery: np.ndarray, loyalty: np.ndarray,
                  attention: np.ndarray, eligible: np.ndarray, *, w_price: float,
                  w_delivery: float, w_loyalty: float, w_kam: float,
                  noise: np.ndarray | None = None) -> np.ndarray:
    """Score of each supplier's bid for each tendering customer (T x S).

    ``score = -w_price (relative bid - 1) + w_delivery delivery + w_loyalty loyalty
    + w_kam attention + noise``; ineligible bids score ``-inf``.
    """
    score = (-w_price * (relative_bid - 1.0) + w_delivery * delivery + w_loyalty * loyalty
             + w_kam * attention)
    if noise is not None:
        score = score + noise
    return np.where(eligible, score, -np.inf)


def award(scores: np.ndarray) -> np.ndarray:
    """Winner per row (index of the highest score; ties to the lowest index); -1 if none."""
    best = scores.argmax(axis=1)
    has = np.isfinite(scores.max(axis=1)) if scores.shape[1] else np.zeros(len(scores), bool)
    return np.where(has, best, -1)
