"""Discrete choice: utilities -> shares of wallet (multinomial logit over known suppliers).

docs/ODD.md 7.f. The rules are small compiled functions of one relationship or one buyer's
options (``utility``, ``price_utility``, ``logit_shares``, ``contract_split``,
``sample_one``); ``choose`` applies them to every buyer and material of the week. The
loyalty-only special case (``beta * J`` utilities, no price, service, attention or switching
terms, ``min_share = 0``) is the Weisbuch-Kirman-Herreiner (2000) choice rule: the probability
of buying from seller j is ``exp(beta J_j) / sum_k exp(beta J_k)``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from sim.rules.jit import indicator, jit, jit_inline
from sim.rules.state import Buyers, Offer


class ChoiceRules(NamedTuple):
    """The choice parameters (``[choice]`` and the tender's contract share) of a run."""

    beta_loyalty: float
    beta_service: float
    beta_kam: float
    beta_fit_new: float
    use_switching_cost: bool
    incumbent_weeks: int
    use_price: bool
    min_share: float
    contract_share: float
    sample: bool  # mode "sample": one supplier per material drawn with the shares (WKH)

    @classmethod
    def of(cls, choice, tender) -> ChoiceRules:
        """From the validated ``choice`` and ``tender`` parameter blocks."""
        return cls(float(choice.beta_loyalty), float(choice.beta_service),
                   float(choice.beta_kam), float(choice.beta_fit_new),
                   bool(choice.use_switching_cost), int(choice.incumbent_weeks),
                   bool(choice.use_price), float(choice.min_share),
                   float(tender.contract_share), choice.mode == "sample")


@jit_inline
def experienced_service(level: float, care_boost: float, dedicated_boost: float, kam: bool,
                        dedicated: bool) -> float:
    """Service level a buyer gets from a supplier: its ``level``, plus the ``care_boost``
    where the buyer is covered (key-account managers or a dedicated team), plus the
    ``dedicated_boost`` of a dedicated team; at most 1."""
    boost = 0.0
    if kam or dedicated:
        boost += care_boost
    if dedicated:
        boost += dedicated_boost
    return min(level + boost, 1.0)


@jit_inline
def utility(r: ChoiceRules, loyalty: float, service: float, attention: float, fit: float,
            not_incumbent: bool, switching: float) -> float:
    """Material-independent utility of one supplier to one buyer:
    ``beta_J J + beta_service service + beta_kam attention + beta_fit fit
    - switching x [not bought from in the last incumbent_weeks]``."""
    u = r.beta_loyalty * loyalty
    u += r.beta_service * service
    u += r.beta_kam * attention
    u += r.beta_fit_new * fit
    if r.use_switching_cost and not_incumbent:
        u -= switching
    return u


@jit_inline
def price_utility(price_sensitivity: float, relative_price: float) -> float:
    """``-sensitivity x (relative price - 1)``."""
    return -price_sensitivity * (relative_price - 1.0)


@jit_inline
def logit_shares(u: np.ndarray, n: int, min_share: float, out: np.ndarray) -> None:
    """Logit shares of one buyer's ``n`` options (``n >= 1``), from their utilities (the
    first ``n`` of ``u``), into the first ``n`` of ``out``.

    Shares below ``min_share`` are dropped and the rest renormalised (a buyer does not place
    orders of a few kilos): one pass, so the largest share is always kept.
    """
    top = u[0]
    for j in range(1, n):
        top = max(top, u[j])
    total = 0.0
    for j in range(n):
        out[j] = math.exp(u[j] - top)
        total += out[j]
    biggest = 0.0
    for j in range(n):
        out[j] /= total
        biggest = max(biggest, out[j])
    if min_share > 0.0:
        total = 0.0
        for j in range(n):
            if out[j] < min_share and out[j] < biggest:
                out[j] = 0.0
            total += out[j]
        for j in range(n):
            out[j] /= total


@jit_inline
def contract_split(shares: np.ndarray, n: int, winner: int, contract_share: float,
                   out: np.ndarray) -> None:
    """A tender winner's share of a material it carries, into ``out`` (the buyer's ``n``
    options: the first ``n`` of ``shares`` and ``out``): ``contract_share`` to the winner;
    the rest to the buyer's other suppliers in proportion to their routine ``shares`` (dual
    sourcing), or to the winner as well when the buyer uses no other."""
    others = 0.0
    for s in range(n):
        if s != winner:
            others += shares[s]
    for s in range(n):
        if others > 0.0:
            rest = 0.0 if s == winner else shares[s] / others
        else:
            rest = 1.0 if s == winner else 0.0
        out[s] = (contract_share if s == winner else 0.0) + (1.0 - contract_share) * rest


@jit_inline
def sample_one(shares: np.ndarray, n: int, u: float, out: np.ndarray) -> None:
    """One of ``n`` options drawn with probabilities ``shares`` (the first ``n``, summing to
    1 or 0) by the uniform draw ``u``: ``out`` (its first ``n``) is 1 there and 0
    elsewhere; all zero when every share is 0."""
    total = 0.0
    for s in range(n):
        total += shares[s]
        out[s] = 0.0
    if total <= 0.0:
        return
    cum, pick = 0.0, 0
    for s in range(n):
        cum += shares[s]
        if cum <= u * total:
            pick += 1
    out[min(pick, n - 1)] = 1.0


@jit_inline
def known_suppliers(b: Buyers, o: Offer, r: ChoiceRules, i: int, known: np.ndarray,
                    base: np.ndarray) -> int:
    """The suppliers buyer ``i`` knows, into ``known``, and their material-independent
    utilities, into ``base``; returns how many there are."""
    k = 0
    for s in range(b.aware.shape[1]):
        if b.aware[i, s]:
            kam, ded = b.kam[i, s], b.dedicated[i, s]
            service = experienced_service(o.service[s], o.care_service[s],
                                          o.dedicated_service[s], kam, ded)
            known[k] = s
            base[k] = utility(r, b.loyalty[i, s], service, indicator(kam) + indicator(ded),
                              b.novelty[i] * o.portfolio[s],
                              b.weeks_since[i, s] >= r.incumbent_weeks, b.switching[i])
            k += 1
    return k


@jit_inline
def material_options(b: Buyers, o: Offer, r: ChoiceRules, i: int, m: int, known: np.ndarray,
                     base: np.ndarray, k: int, options: np.ndarray, u: np.ndarray) -> int:
    """Buyer ``i``'s options for material ``m`` (the first ``k`` of its ``known`` suppliers
    that carry it), into ``options``, and their utilities, into ``u``; returns how many."""
    n = 0
    for j in range(k):
        s = known[j]
        if o.carries[s, m] > 0.0:
            options[n] = s
            u[n] = base[j]
            if r.use_price:
                u[n] += price_utility(b.ps[i], o.rel_price[s, m] * (1.0 - b.discount[i, s]))
            n += 1
    return n


@jit_inline
def _scratch(n_sup: int) -> tuple[np.ndarray, ...]:
    """known, options (int), base, u, shares, split, picked (float): one buyer's rows."""
    return (np.empty(n_sup, np.int64), np.empty(n_sup, np.int64), np.empty(n_sup),
            np.empty(n_sup), np.empty(n_sup), np.empty(n_sup), np.empty(n_sup))


@jit
def choose(b: Buyers, o: Offer, r: ChoiceRules, draws: np.ndarray, routine: np.ndarray,
           orders: np.ndarray) -> None:
    """The week's choice, into ``routine`` (shares) and ``orders`` (t), both M x N x S.

    Each buyer splits each material's demand over its options (the known suppliers carrying
    it) by its routine shares, the tender winner's contract share first (when the winner is
    an option); in sample mode it buys all of it from one option drawn with those shares, by
    ``draws[m, i]`` (uniforms drawn by the caller; unused otherwise). A buyer's options
    are the first ``n`` of its scratch rows, passed with their count rather than as slices:
    a slice is a new array, reference-counted, and cost a quarter of the choice.
    """
    n_mat, n, n_sup = orders.shape
    known, options, base, u, shares, split, picked = _scratch(n_sup)
    for i in range(n):
        k = known_suppliers(b, o, r, i, known, base)
        for m in range(n_mat):
            for s in range(n_sup):
                routine[m, i, s] = 0.0
                orders[m, i, s] = 0.0
            n_opt = material_options(b, o, r, i, m, known, base, k, options, u)
            if n_opt == 0:
                continue
            logit_shares(u, n_opt, r.min_share, shares)
            winner = -1
            for j in range(n_opt):
                routine[m, i, options[j]] = shares[j]
                if options[j] == b.contract_supplier[i]:
                    winner = j
            final = shares
            if winner >= 0:
                contract_split(shares, n_opt, winner, r.contract_share, split)
                final = split
            if r.sample:
                sample_one(final, n_opt, draws[m, i], picked)
                final = picked
            for j in range(n_opt):
                orders[m, i, options[j]] = b.demand[i, m] * final[j]
