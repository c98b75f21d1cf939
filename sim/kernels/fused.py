"""The weekly customer step as a few fused passes (numba), bit for bit the numpy path.

``MarketModel`` runs choice, fulfilment, books, adaptation and lifecycle either with the numpy
kernels (``kernel="numpy"``, one array operation at a time, the readable definition) or with
this module (``kernel="fused"``, the default when numba is installed): five loops over the
customers, each touching every relationship once, with no N x S temporaries.

The fused passes compute *the same floating-point operations in the same order* as the numpy
path, so the two give identical tables for the same seed:

- element-wise expressions keep numpy's evaluation order (``a * b * c`` is ``(a * b) * c``);
- a sum over suppliers (numpy ``axis=-1``) uses numpy's pairwise summation (``_pairwise``);
- a sum over customers (numpy ``axis=0`` of an N x S array) is sequential, as numpy's is;
- ``exp`` is the C library's, as numpy's is on x86-64 without AVX-512; ``fused_ok()`` checks
  this at import and the model falls back to numpy where it does not hold;
- numba is used without ``fastmath`` (no reassociation, no FMA contraction).

``tests/benchmarks/test_fused.py`` runs both paths side by side on many scenarios.

Passes, per week (M materials, S suppliers, N customers):
1. utilities -> routine logit shares (kept, M x N x S) and orders; order totals per supplier;
2. first-round deliveries; what each supplier has left (spare);
3. unfilled tonnes spilled to suppliers with spare stock; spill totals;
4. second-round deliveries; tonnes delivered per supplier and material (``by_mat``);
5. books per relationship, satisfaction, loyalty, delivery, rolling books, main supplier,
   price sensitivity, lifecycle stage, focal spells, and the recorder's weekly counts.
Orders and deliveries are recomputed from the kept shares in each pass (cheaper than storing
them: the shares are read, three arrays of the same size are not written and read back).
"""

from __future__ import annotations

import math
import os

import numpy as np

from sim.tolerance import EPS

try:  # numba is a dependency, but the numpy path must keep working without it
    import numba as nb
except ImportError:  # pragma: no cover
    nb = None

NONE, PROSPECT, POTENTIAL, GENERAL, KEY, SUNSET, LOST = -1, 0, 1, 2, 3, 4, 5
RING = 52


def _jit(fn):
    """Compiled without numba's reference counting (``_nrt=False``): the kernels allocate
    nothing (scratch rows come in ``buf``), and counting references to every array a helper
    receives cost more than the arithmetic at six suppliers."""
    if nb is None:
        return fn
    return nb.njit(cache=True, error_model="numpy", nogil=True, _nrt=False)(fn)


def _inline(fn):
    """A helper inlined into its caller (no call per row)."""
    if nb is None:
        return fn
    return nb.njit(cache=True, error_model="numpy", nogil=True, inline="always",
                   _nrt=False)(fn)


# ------------------------------------------------------------------------ numpy semantics
@_jit
def _pairwise_big(a, n):
    """``_pairwise`` for runs longer than 128 (numpy splits them in halves)."""
    if n <= 128:
        return _pairwise(a, n)
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise_big(a[:n2], n2) + _pairwise_big(a[n2:], n - n2)


@_inline
def _pairwise(a, n):
    """``a[:n].sum()`` exactly as numpy sums a contiguous run (pairwise, 8 accumulators)."""
    if n > 128:
        return _pairwise_big(a, n)
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[0], a[1], a[2], a[3]
        r4, r5, r6, r7 = a[4], a[5], a[6], a[7]
        i = 8
        stop = n - (n % 8)
        while i < stop:
            r0 += a[i]
            r1 += a[i + 1]
            r2 += a[i + 2]
            r3 += a[i + 3]
            r4 += a[i + 4]
            r5 += a[i + 5]
            r6 += a[i + 6]
            r7 += a[i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[i]
            i += 1
        return res


@_inline
def _min(a, b):
    """``np.minimum`` for floats (NaN in ``a`` propagates)."""
    return a if (a <= b or a != a) else b


@_inline
def _max(a, b):
    """``np.maximum`` for floats (NaN in ``a`` propagates)."""
    return a if (a >= b or a != a) else b


@_inline
def _clip01(x):
    return _min(_max(x, 0.0), 1.0)


@_inline
def _roll_in(total, ring, slot, i, s, new):
    """A 52-week running sum (float64) and its float32 ring (``MarketModel._roll_books``):
    this week's ``new`` (float32) replaces the slot's value of 52 weeks ago; never below 0."""
    total[i, s] = _max(total[i, s] + np.float64(new) - np.float64(ring[slot, i, s]), 0.0)
    ring[slot, i, s] = new


@_inline
def _roll_out(total, ring, slot, i, s):
    """``_roll_in`` of a week with nothing bought, storing only what changes (most such
    relationships are empty and stay so)."""
    r = ring[slot, i, s]
    x = total[i, s]
    y = _max(x + 0.0 - np.float64(r), 0.0)
    if y != x:
        total[i, s] = y
    if r != 0:
        ring[slot, i, s] = 0.0


@_inline
def _pw(vals, idx, k, S, acc8, dense):
    """numpy's sum of a length-``S`` row that is zero except ``vals[j]`` at ``idx[j]``.

    Adding an exact zero changes nothing, so numpy's pairwise sum of the full row equals
    its accumulators (``s mod 8``, then the fixed tree, then the tail) fed with the non-zero
    entries only, in order. ``acc8`` (8) and ``dense`` (S) are scratch.
    """
    if S < 8:
        res = 0.0
        for j in range(k):
            res += vals[j]
        return res
    if S > 128:
        for s in range(S):
            dense[s] = 0.0
        for j in range(k):
            dense[idx[j]] = vals[j]
        return _pairwise_big(dense, S)
    stop = S - (S % 8)
    for a in range(8):
        acc8[a] = 0.0
    for j in range(k):
        s = idx[j]
        if s < stop:
            acc8[s % 8] += vals[j]
    res = ((acc8[0] + acc8[1]) + (acc8[2] + acc8[3])) + ((acc8[4] + acc8[5])
                                                         + (acc8[6] + acc8[7]))
    for j in range(k):
        if idx[j] >= stop:
            res += vals[j]
    return res


@_inline
def _known(i, aware, dense, idx, kn):
    """The suppliers customer ``i`` knows, in order, into ``idx``; returns how many.

    Only they can have a share, an order or a delivery. ``dense`` (sample mode, where a
    rounding edge can pick any supplier) lists them all. ``kn[s]`` flags the listed ones.
    """
    S = kn.shape[0]
    k = 0
    for s in range(S):
        f = dense or aware[i, s]
        kn[s] = f
        if f:
            idx[k] = s
            k += 1
    return k


# ------------------------------------------------------------------------ pass 1: choice
@_inline
def _base_row(i, idx, k, u, loyalty, kam, ded, weeks_since, novelty, switching, service,
              care_service, dedicated_service, portfolio, beta_loyalty, beta_service,
              beta_kam, beta_fit, use_switching, incumbent_weeks):
    """``MarketModel._base_utility`` of customer ``i`` for its listed suppliers into ``u``."""
    for j in range(k):
        s = idx[j]
        kf = 1.0 if kam[i, s] else 0.0
        d = 1.0 if ded[i, s] else 0.0
        v = beta_loyalty * loyalty[i, s]
        if beta_service != 0.0:
            kd = 1.0 if (kam[i, s] or ded[i, s]) else 0.0
            boost = kd * care_service[s] + d * dedicated_service[s]
            v = v + beta_service * _min(service[s] + boost, 1.0)
        if beta_kam != 0.0:
            v = v + beta_kam * (kf + d)
        if beta_fit != 0.0:
            v = v + beta_fit * (novelty[i] * portfolio[s])
        if use_switching:
            ni = 0.0 if weeks_since[i, s] < incumbent_weeks else 1.0
            v = v - switching[i] * ni
        u[j] = v


@_inline
def _logit_row(i, m, idx, k, S, base, aware, carries, ps, discount, rel_price, use_price,
               min_share, w, out, acc8, dense):
    """``choice.logit_shares`` of customer ``i``, material ``m``, over its listed suppliers
    (the others' shares are 0) into ``out``."""
    top = -np.inf
    for j in range(k):
        s = idx[j]
        v = -np.inf
        if aware[i, s] and carries[s, m] > 0:
            if use_price:
                rel = rel_price[s, m] * (1.0 - discount[i, s])
                v = base[j] + (-ps[i]) * (rel - 1.0)
            else:
                v = base[j]
        w[j] = v
        if v > top or v != v:
            top = v
    if math.isinf(top) or top != top:  # nothing allowed (or inf/nan): all zeros
        for j in range(k):
            out[j] = 0.0
        return
    # exp(-inf - top) is exactly 0, and 0 / total exactly 0: both skipped
    for j in range(k):
        x = w[j]
        w[j] = math.exp(x - top) if x != -np.inf else 0.0
    total = _pw(w, idx, k, S, acc8, dense)
    for j in range(k):
        out[j] = (w[j] / total if w[j] != 0.0 else 0.0) if total > 0 else 0.0
    if min_share > 0:
        mx = 0.0 if k < S else -np.inf  # the unlisted suppliers' zeros
        for j in range(k):
            if out[j] > mx or out[j] != out[j]:
                mx = out[j]
        for j in range(k):
            if out[j] < min_share and out[j] < mx:
                out[j] = 0.0
        total = _pw(out, idx, k, S, acc8, dense)
        if total > 0:
            for j in range(k):
                if out[j] != 0.0:
                    out[j] = out[j] / total


@_inline
def _orders_row(m, i, idx, k, S, routine, demand, contract, aware, carries, contract_share,
                sample, draws, tmp, out, acc8, dense):
    """Orders of customer ``i`` for material ``m`` to its listed suppliers (``out``):
    ``MarketModel._choose``.

    The contract split (``choice.contract_split``) is applied to every row: a buyer without a
    contract has ``cs = 0`` and keeps its routine shares exactly, as numpy's does when no one
    holds a contract and the split is skipped. A winner it does not know gets nothing.
    """
    win = contract[i]
    has = win >= 0
    wc = win if has else 0
    car = carries[wc, m] if has else 0.0
    car = car * (1.0 if aware[i, wc] else 0.0)
    cs = contract_share * car
    ncs = 1.0 - cs
    if car > 0:  # dual sourcing: the rest to the buyer's other suppliers
        for j in range(k):
            s = idx[j]
            tmp[j] = routine[m, i, s] * (0.0 if s == win else 1.0)
        tot = _pw(tmp, idx, k, S, acc8, dense)
        if tot > 0:
            for j in range(k):
                oh = 1.0 if idx[j] == win else 0.0
                out[j] = cs * oh + ncs * (tmp[j] / tot)
        else:
            for j in range(k):
                oh = 1.0 if idx[j] == win else 0.0
                out[j] = cs * oh + ncs * oh
    else:
        for j in range(k):
            s = idx[j]
            oh = 1.0 if s == win else 0.0
            out[j] = cs * oh + ncs * routine[m, i, s]
    if sample:  # choice.sample_one; dense lists: j == s
        cum = 0.0
        for j in range(k):
            cum = out[j] if j == 0 else cum + out[j]
            tmp[j] = cum
        total = tmp[k - 1]
        x = draws[m, i] * total
        pick = 0
        for j in range(k):
            if tmp[j] <= x:
                pick += 1
        if pick > k - 1:
            pick = k - 1
        keep = 1.0 if total > 0 else 0.0
        for j in range(k):
            out[j] = (1.0 if j == pick else 0.0) * keep
    d = demand[i, m]
    for j in range(k):
        out[j] = d * out[j]


@_inline
def _prio_row(i, idx, k, stage, kam, key_first, out):
    for j in range(k):
        s = idx[j]
        out[j] = 1.0 if ((stage[i, s] == KEY or kam[i, s]) and key_first[s]) else 0.0


@_inline
def _ration_row(m, idx, k, orders, prio_row, key_any, fill, fill_p, fill_r, out):
    """``fulfil.ration`` for one row with the supplier fills (M x S) already computed."""
    if key_any:
        for j in range(k):
            s = idx[j]
            p = orders[j] * prio_row[j]
            r = orders[j] - p
            out[j] = p * fill_p[m, s] + r * fill_r[m, s]
    else:
        for j in range(k):
            out[j] = orders[j] * fill[m, idx[j]]


@_inline
def _unfilled(o, d1, idx, k, S, acc8, dense):
    """``orders.sum(1) - d1.sum(1)`` for one row: exactly 0 when every order was filled in
    full (the two sums are then of the same numbers), so the sums are skipped."""
    for j in range(k):
        if d1[j] != o[j]:
            return _pw(o, idx, k, S, acc8, dense) - _pw(d1, idx, k, S, acc8, dense)
    return 0.0


@_inline
def _spill_row(m, i, idx, k, S, routine, unfilled, spare_ok, out, acc8, dense):
    """``fulfil.spill_orders`` of one row (``out`` holds the weights first)."""
    for j in range(k):
        s = idx[j]
        out[j] = routine[m, i, s] * spare_ok[m, s]
    total = _pw(out, idx, k, S, acc8, dense)
    for j in range(k):
        share = out[j] / total if total > 0 else 0.0
        out[j] = unfilled * share


@_jit
def routine_pass(n, routine, loyalty, kam, ded, weeks_since, aware, discount, novelty,
                 switching, ps, service, care_service, dedicated_service, portfolio, carries,
                 rel_price, beta_loyalty, beta_service, beta_kam, beta_fit, use_switching,
                 incumbent_weeks, use_price, min_share, buf, ibuf, bbuf, with_orders, demand,
                 contract, contract_share, sample, draws, stage, key_first, key_any,
                 ordered_tot, prio_tot, rest_tot):
    """Routine (non-contract) logit shares of every customer and material: ``routine[m, i]``.

    With ``with_orders`` (the weekly step) only the listed suppliers' entries are written
    (the others are never read) and the tonnes ordered are added up per material and
    supplier; without (set-up, ``routine_shares``), whole rows are written.
    """
    M = routine.shape[0]
    S = routine.shape[2]
    base, w, x, o, tmp, pr = buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]
    acc8, dense = buf[14], buf[15]
    idx = ibuf
    kn = bbuf[:S]
    for i in range(n):
        k = _known(i, aware, sample, idx, kn)
        _base_row(i, idx, k, base, loyalty, kam, ded, weeks_since, novelty, switching,
                  service, care_service, dedicated_service, portfolio, beta_loyalty,
                  beta_service, beta_kam, beta_fit, use_switching, incumbent_weeks)
        if with_orders and key_any:
            _prio_row(i, idx, k, stage, kam, key_first, pr)
        for m in range(M):
            _logit_row(i, m, idx, k, S, base, aware, carries, ps, discount, rel_price,
                       use_price, min_share, w, x, acc8, dense)
            if not with_orders:
                for s in range(S):
                    routine[m, i, s] = 0.0
            for j in range(k):
                routine[m, i, idx[j]] = x[j]
            if with_orders:  # what is ordered, per material and supplier
                _orders_row(m, i, idx, k, S, routine, demand, contract, aware, carries,
                            contract_share, sample, draws, tmp, o, acc8, dense)
                for j in range(k):
                    s = idx[j]
                    ordered_tot[m, s] += o[j]
                    if key_any:
                        p = o[j] * pr[j]
                        prio_tot[m, s] += p
                        rest_tot[m, s] += o[j] - p


@_jit
def settle_pass(n, iterations, expected, wallet, half_payoff, gamma, loyalty, kam, ded,
                weeks_since, aware, discount, novelty, switching, ps, service, care_service,
                dedicated_service, portfolio, carries, rel_price, beta_loyalty, beta_service,
                beta_kam, beta_fit, use_switching, incumbent_weeks, use_price, min_share, buf,
                ibuf, bbuf):
    """``MarketModel._settle_loyalty``'s iterations, a customer at a time (its shares depend on
    its own loyalties only): ``J <- 0.5 J + 0.5 payoff x visit / gamma``."""
    M, S = expected.shape[1], loyalty.shape[1]
    base, w, x = buf[0], buf[1], buf[2]
    vis = buf[3]
    acc8, dense = buf[14], buf[15]
    idx = ibuf
    kn = bbuf[:S]
    for i in range(n):
        k = _known(i, aware, False, idx, kn)
        for _ in range(iterations):
            _base_row(i, idx, k, base, loyalty, kam, ded, weeks_since, novelty, switching,
                      service, care_service, dedicated_service, portfolio, beta_loyalty,
                      beta_service, beta_kam, beta_fit, use_switching, incumbent_weeks)
            for j in range(k):
                vis[j] = 0.0
            for m in range(M):
                _logit_row(i, m, idx, k, S, base, aware, carries, ps, discount, rel_price,
                           use_price, min_share, w, x, acc8, dense)
                e = expected[i, m]
                for j in range(k):  # sum(e_m x share_m) from 0, as Python's sum() does
                    vis[j] = vis[j] + e * x[j]
            jj = 0
            for s in range(S):
                v = 0.0
                if jj < k and idx[jj] == s:
                    v = vis[jj]
                    jj += 1
                visit = v / wallet[i]
                loyalty[i, s] = 0.5 * loyalty[i, s] + half_payoff * visit / gamma


@_jit
def first_round_pass(n, routine, demand, contract, aware, carries, contract_share, sample,
                     draws, stage, kam, key_first, key_any, fill, fill_p, fill_r,
                     delivered_tot, buf, ibuf, bbuf):
    """Pass 2: tonnes delivered in the first round per material and supplier."""
    M, S = routine.shape[0], routine.shape[2]
    o, tmp, d1, pr = buf[0], buf[1], buf[2], buf[5]
    acc8, dense = buf[14], buf[15]
    idx = ibuf
    kn = bbuf[:S]
    for i in range(n):
        k = _known(i, aware, sample, idx, kn)
        if key_any:
            _prio_row(i, idx, k, stage, kam, key_first, pr)
        for m in range(M):
            _orders_row(m, i, idx, k, S, routine, demand, contract, aware, carries,
                        contract_share, sample, draws, tmp, o, acc8, dense)
            _ration_row(m, idx, k, o, pr, key_any, fill, fill_p, fill_r, d1)
            for j in range(k):
                delivered_tot[m, idx[j]] += d1[j]


@_jit
def spill_pass(n, routine, demand, contract, aware, carries, contract_share, sample, draws,
               stage, kam, key_first, key_any, fill, fill_p, fill_r, spare_ok, spill_tot,
               spill_prio_tot, spill_rest_tot, buf, ibuf, bbuf):
    """Pass 3: second-round orders (unfilled tonnes to suppliers with spare stock)."""
    M, S = routine.shape[0], routine.shape[2]
    o, tmp, d1, sp, pr = buf[0], buf[1], buf[2], buf[3], buf[5]
    acc8, dense = buf[14], buf[15]
    idx = ibuf
    kn = bbuf[:S]
    for i in range(n):
        k = _known(i, aware, sample, idx, kn)
        if key_any:
            _prio_row(i, idx, k, stage, kam, key_first, pr)
        for m in range(M):
            _orders_row(m, i, idx, k, S, routine, demand, contract, aware, carries,
                        contract_share, sample, draws, tmp, o, acc8, dense)
            _ration_row(m, idx, k, o, pr, key_any, fill, fill_p, fill_r, d1)
            unfilled = _unfilled(o, d1, idx, k, S, acc8, dense)
            if unfilled == 0.0:
                continue  # nothing spills: the row adds zeros to the totals
            _spill_row(m, i, idx, k, S, routine, unfilled, spare_ok, sp, acc8, dense)
            for j in range(k):
                s = idx[j]
                spill_tot[m, s] += sp[j]
                if key_any:
                    p = sp[j] * pr[j]
                    spill_prio_tot[m, s] += p
                    spill_rest_tot[m, s] += sp[j] - p


@_inline
def _deliver_row(m, i, idx, k, S, routine, demand, contract, aware, carries, contract_share,
                 sample, draws, key_any, pr, fill, fill_p, fill_r, spare_ok, fill2, fill2_p,
                 fill2_r, tmp, o, d1, sp, d2, acc8, dense):
    """Orders ``o``, first-round ``d1`` and second-round ``d2`` deliveries of one row.

    Returns False when nothing spilled (``d2`` is then all zeros and left unwritten).
    """
    _orders_row(m, i, idx, k, S, routine, demand, contract, aware, carries, contract_share,
                sample, draws, tmp, o, acc8, dense)
    _ration_row(m, idx, k, o, pr, key_any, fill, fill_p, fill_r, d1)
    unfilled = _unfilled(o, d1, idx, k, S, acc8, dense)
    if unfilled == 0.0:
        return False
    _spill_row(m, i, idx, k, S, routine, unfilled, spare_ok, sp, acc8, dense)
    _ration_row(m, idx, k, sp, pr, key_any, fill2, fill2_p, fill2_r, d2)
    return True


@_jit
def second_round_pass(n, routine, demand, contract, aware, carries, contract_share, sample,
                      draws, stage, kam, key_first, key_any, fill, fill_p, fill_r, spare_ok,
                      fill2, fill2_p, fill2_r, by_mat, buf, ibuf, bbuf):
    """Pass 4: tonnes delivered per material and supplier, both rounds (``by_mat``, M x S)."""
    M, S = routine.shape[0], routine.shape[2]
    o, tmp, d1, sp, d2, pr = buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]
    acc8, dense = buf[14], buf[15]
    idx = ibuf
    kn = bbuf[:S]
    for i in range(n):
        k = _known(i, aware, sample, idx, kn)
        if key_any:
            _prio_row(i, idx, k, stage, kam, key_first, pr)
        for m in range(M):
            if _deliver_row(m, i, idx, k, S, routine, demand, contract, aware, carries,
                            contract_share, sample, draws, key_any, pr, fill, fill_p, fill_r,
                            spare_ok, fill2, fill2_p, fill2_r, tmp, o, d1, sp, d2, acc8,
                            dense):
                for j in range(k):
                    by_mat[m, idx[j]] += d1[j] + d2[j]
            else:
                for j in range(k):
                    by_mat[m, idx[j]] += d1[j] + 0.0


# ------------------------------------------------------------------ pass 5: the books onward
@_jit
def adapt_pass(n, week, focal, routine, demand, contract, aware, carries, contract_share,
               sample, draws, key_first, key_any, fill, fill_p, fill_r, spare_ok,
               fill2, fill2_p, fill2_r,
               # prices and supplier-level inputs
               price, avg_cost, processing_cost, srp, rise, breach, service, care_service,
               dedicated_service, care_recovery, care_payoff, dedicated_payoff, cultivation,
               use_mult,
               # parameters
               w_fill, w_service, w_price, w_warning, fairness_slope, rise_penalty,
               sat_rate, payoff_p, payoff_w, tolerance, gamma, ps_cut_threshold, j_ref, cut_gain,
               thin_gain, tenure_relief, kam_relief, ps_rate, credit_limit,
               key_volume_t, general_volume_t, continuity_weeks, key_margin_floor,
               potential_min_weeks, sunset_ratio, recovery_ratio, lost_after_weeks,
               # state
               active, kam, ded, warned, discount, satisfaction, share, loyalty, delivery,
               vol13, act13, vol52, rev52, cost52, ring_vol, ring_rev, ring_cost,
               weeks_since, tenure, stage, main, ps, ps_base, default_hazard,
               spell_start, spell_rev, spell_margin, spell_abc, spell_key,
               # outputs
               revenue, counts, inflow, outflow, named, tr_row, tr_col, tr_from, tr_to,
               done_rows, buf, ibuf, bbuf):
    """Pass 5: books, adaptation, rolling books, price sensitivity and lifecycle, per row.

    Returns ``(transitions, done)``: how many stage changes were written to ``tr_*`` and how
    many focal spells ended (rows in ``done_rows``).
    """
    M, S = routine.shape[0], routine.shape[2]
    o, tmp, d1, sp, d2, pr = buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]
    first_ord, first_del, vol, rev, cost = buf[6], buf[7], buf[8], buf[9], buf[10]
    vol_s = buf[11]  # this week's tonnes by supplier index (0 for the unlisted)
    dm = buf[12, :M]
    acc8, dense = buf[14], buf[15]
    idx = ibuf
    kn = bbuf[:S]
    slot = week % RING
    old13 = (week - 13) % RING
    n_tr = 0
    n_done = 0
    for i in range(n):
        k = _known(i, aware, sample, idx, kn)
        if key_any:
            _prio_row(i, idx, k, stage, kam, key_first, pr)
        # ---- books (MarketModel._fulfil / _books). A supplier the buyer does not know gets
        # no orders (routine share 0, no contract, no spill), so its books are exactly 0
        # and only the listed (known) suppliers are accumulated, at their list position j.
        for j in range(k):
            first_ord[j] = 0.0
            first_del[j] = 0.0
            vol[j] = 0.0
            rev[j] = 0.0
            cost[j] = 0.0
        for m in range(M):
            spilled = _deliver_row(m, i, idx, k, S, routine, demand, contract, aware,
                                   carries, contract_share, sample, draws, key_any, pr, fill,
                                   fill_p, fill_r, spare_ok, fill2, fill2_p, fill2_r, tmp, o,
                                   d1, sp, d2, acc8, dense)
            for j in range(k):
                s = idx[j]
                d = d1[j] + (d2[j] if spilled else 0.0)
                first_ord[j] = first_ord[j] + o[j]
                first_del[j] = first_del[j] + d1[j]
                vol[j] = vol[j] + d
                rev[j] = rev[j] + d * price[s, m] * (1.0 - discount[i, s])
                cost[j] = cost[j] + d * (avg_cost[s, m] + processing_cost[m])
        rev_f = 0.0
        cost_f = 0.0
        # ---- adaptation (MarketModel._adapt)
        for m in range(M):
            dm[m] = demand[i, m]
        wallet = _pairwise(dm, M)
        jj = 0
        for s in range(S):
            if not kn[s]:
                vol_s[s] = 0.0
                # nothing ordered or delivered: satisfaction and delivery stay, the share
                # and the payoff are 0, the books roll on with zeros. Values are stored only
                # when they change (most such relationships are empty and stay so).
                if share[i, s] != 0.0:
                    share[i, s] = 0.0
                lo = loyalty[i, s]
                if lo != 0.0:
                    loyalty[i, s] = (1.0 - gamma) * lo + 0.0
                old_v = ring_vol[old13, i, s]
                x = vol13[i, s]
                y = _max(x + 0.0 - np.float64(old_v), 0.0)
                if y != x:
                    vol13[i, s] = y
                if old_v > 0:
                    act13[i, s] -= 1
                _roll_out(vol52, ring_vol, slot, i, s)
                _roll_out(rev52, ring_rev, slot, i, s)
                _roll_out(cost52, ring_cost, slot, i, s)
                ws = weeks_since[i, s]
                nw = ws + 1 if ws + 1 < 10_000 else 10_000
                if nw != ws:
                    weeks_since[i, s] = nw
                st = stage[i, s]
                if st >= POTENTIAL and st <= SUNSET:
                    tenure[i, s] += 1
                continue
            j = jj
            jj += 1
            vol_s[s] = vol[j]
            if s == focal:
                rev_f = rev[j]
                cost_f = cost[j]
            revenue[s] += rev[j]
            rel_s = srp[s] * (1.0 - discount[i, s])
            fo = first_ord[j]
            ordered = fo > EPS
            fill_is = first_del[j] / fo if ordered else 1.0
            k = kam[i, s]
            dd = ded[i, s]
            kd = 1.0 if (k or dd) else 0.0
            boost = kd * care_service[s] + (1.0 if dd else 0.0) * dedicated_service[s]
            serv = _min(service[s] + boost, 1.0)
            fair = _clip01(1.0 - fairness_slope * _max(rel_s - 1.0, 0.0))
            warn = 1.0 - _clip01(rise_penalty * rise[s] * (1.0 - (1.0 if warned[i, s] else 0.0)))
            target = _clip01(w_fill * fill_is + w_service * serv + w_price * fair
                             - w_warning * (1.0 - warn))
            sat = satisfaction[i, s]
            rf = care_recovery[s] if ((k or dd) and target > sat) else 1.0
            rate = sat_rate * rf
            if ordered:
                sat = sat + rate * (target - sat)
                satisfaction[i, s] = sat
            # 0 / wallet and payoff x 0 x (...) are exactly 0: skipped for suppliers not
            # bought from
            visit = (vol[j] / wallet if vol[j] != 0.0 else 0.0) if wallet > EPS else 0.0
            share[i, s] = visit
            if payoff_w == 0:
                pay = payoff_p * visit
            elif visit == 0.0:
                pay = 0.0
            else:  # adapt.loyalty_payoff with adapt.satisfying (the zone of tolerance)
                g = _clip01((sat - tolerance) / (1.0 - tolerance))
                pay = payoff_p * visit * ((1.0 - payoff_w) + payoff_w * g)
            if use_mult:
                st = stage[i, s]
                growing = st == POTENTIAL or st == GENERAL
                m1 = care_payoff[s] if (k or dd) else 1.0
                m2 = dedicated_payoff[s] if dd else 1.0
                m3 = (1.0 + cultivation[s]) if growing else 1.0
                pay = pay * (m1 * m2 * m3)
            lo = (1.0 - gamma) * loyalty[i, s] + pay
            if ordered and breach[s] > 0.0 and not warned[i, s]:  # adapt.withdraw_trust
                lo = lo * (1.0 - breach[s])
            loyalty[i, s] = lo
            if ordered:
                dl = delivery[i, s]
                delivery[i, s] = dl + 0.1 * (fill_is - dl)
            # ---- rolling books (MarketModel._roll_books)
            v = np.float32(vol[j])
            vf = np.float64(v)
            old_v = ring_vol[old13, i, s]
            vol13[i, s] = _max(vol13[i, s] + vf - np.float64(old_v), 0.0)
            act13[i, s] += np.int16((1 if v > 0 else 0) - (1 if old_v > 0 else 0))
            _roll_in(vol52, ring_vol, slot, i, s, v)
            _roll_in(rev52, ring_rev, slot, i, s, np.float32(rev[j]))
            _roll_in(cost52, ring_cost, slot, i, s, np.float32(cost[j]))
            bought = vol[j] > EPS
            if bought:
                weeks_since[i, s] = 0
            else:
                ws = weeks_since[i, s] + 1
                weeks_since[i, s] = ws if ws < 10_000 else 10_000
            st = stage[i, s]
            if st >= POTENTIAL and st <= SUNSET:
                tenure[i, s] += 1
        spell_rev[i] += rev_f
        spell_margin[i] += rev_f - cost_f
        # ---- main supplier: argmax of 13-week volume, -1 when nothing bought
        best = vol13[i, 0]
        arg = 0
        for s in range(1, S):
            x = vol13[i, s]
            if x > best or (x != x and best == best):
                best = x
                arg = s
        mn = arg if best > 0 else -1
        main[i] = mn
        # ---- price sensitivity (MarketModel._update_price_sensitivity)
        has = mn >= 0
        mc = mn if has else 0
        rmin = np.inf
        for s in range(S):
            if aware[i, s] and s != mc:
                x = srp[s] * (1.0 - discount[i, s])
                if x < rmin or x != x:
                    rmin = x
        undercut = 0.0
        if has and rmin != np.inf:  # (inf < anything is false: no known rival, no undercut)
            rel_main = srp[mc] * (1.0 - discount[i, mc])
            undercut = 1.0 if rmin < rel_main * (1.0 - ps_cut_threshold) else 0.0
        thin = 1.0 - _min(loyalty[i, mc] / j_ref, 1.0) if has else 1.0
        ten = _min(tenure[i, mc] / 260.0, 1.0) if has else 0.0
        care = 1.0 if (has and kam[i, mc]) else 0.0
        up = 1.0 + cut_gain * undercut + thin_gain * thin
        down = (1.0 - tenure_relief * ten) * (1.0 - kam_relief * care)
        tgt = ps_base[i] * up * down
        ps[i] = ps[i] + ps_rate * (tgt - ps[i])
        # ---- lifecycle (kernels.lifecycle.next_stage, MarketModel._lifecycle)
        credit_ok = default_hazard[i] <= credit_limit
        act = active[i]
        for s in range(S):
            old = stage[i, s]
            if old == NONE and not kn[s]:
                continue  # stays none: no change, nothing to count
            bought = vol_s[s] > EPS
            v52 = vol52[i, s]
            ten_s = tenure[i, s]
            new = old
            if old == NONE and aware[i, s]:
                new = PROSPECT
            if (old == NONE or old == PROSPECT or old == LOST) and bought:
                new = POTENTIAL
            buying_old = old >= POTENTIAL and old <= SUNSET
            lost = buying_old and weeks_since[i, s] >= lost_after_weeks
            run_rate = 4.0 * vol13[i, s]
            declining = ten_s >= 52 and run_rate < sunset_ratio * v52
            recovered = run_rate >= recovery_ratio * v52
            key_ok = False
            if old == GENERAL or old == KEY:  # the margin only matters there
                r52 = rev52[i, s]
                margin = (r52 - cost52[i, s]) / r52 if r52 > EPS else 0.0
                key_ok = (v52 >= key_volume_t and act13[i, s] >= continuity_weeks
                          and margin >= key_margin_floor and credit_ok)
            if old == POTENTIAL and ten_s >= potential_min_weeks and v52 >= general_volume_t:
                new = GENERAL
            if old == GENERAL and declining:
                new = SUNSET
            if old == GENERAL and key_ok and not declining:
                new = KEY
            if old == KEY and not key_ok:
                new = GENERAL
            if old == KEY and declining:
                new = SUNSET
            if old == SUNSET and recovered and not declining:
                new = GENERAL
            if lost:
                new = LOST
            if not act:
                new = NONE
            buying_new = new >= POTENTIAL and new <= SUNSET
            started = new == POTENTIAL and old != POTENTIAL and not buying_old
            ended = buying_old and not buying_new
            if started or ended:
                tenure[i, s] = 0
            stage[i, s] = new
            # the recorder's weekly figures (sim.record.Recorder.collect)
            if act and new >= 0:
                counts[s, new] += 1
            if new != old:
                if new >= 0:
                    inflow[s, new] += 1
                if old >= 0:
                    outflow[s, old] += 1
                tr_row[n_tr] = i
                tr_col[n_tr] = s
                tr_from[n_tr] = old
                tr_to[n_tr] = new
                n_tr += 1
            if new == POTENTIAL and not buying_old:
                named[0, s] += 1  # acquired
            if ((old == POTENTIAL and new == GENERAL) or (old == GENERAL and new == KEY)
                    or (old == SUNSET and new == GENERAL)):
                named[1, s] += 1  # upgraded
            if ((old == KEY and new == GENERAL) or (old == GENERAL and new == SUNSET)
                    or (old == KEY and new == SUNSET)):
                named[2, s] += 1  # downgraded
            if new == LOST and old != LOST:
                named[3, s] += 1  # lost
            if s == focal:
                if ended:
                    done_rows[n_done] = i
                    n_done += 1
                if started:
                    spell_start[i] = week
                    spell_rev[i] = 0.0
                    spell_margin[i] = 0.0
                    spell_abc[i] = 0
                    spell_key[i] = False
                if new == KEY:
                    spell_key[i] = True
    return n_tr, n_done


# ------------------------------------------------------------------------ demand (step 4)
@_jit
def demand_pass(n, size, growth, taper, active, ev_native, exposure, ev, mix_ice, mix_ev, amp,
                cos_t, z, sd, demand, mix):
    """``MarketModel._demand``: size growth, material mix, season, noise, tonnes (N x M)."""
    M = demand.shape[1]
    for i in range(n):
        sz = size[i] * math.exp(growth[i] * (taper if ev_native[i] else 1.0))
        size[i] = sz
        w = 1.0 if ev_native[i] else exposure[i] * ev
        for m in range(M):
            mix[i, m] = (1.0 - w) * mix_ice[m] + w * mix_ev[m]
        season = 1.0 - amp[i] * cos_t
        s = sd[i]
        noise = math.exp(s * z[i] - 0.5 * s * s)
        d = sz * (1.0 if active[i] else 0.0) * season * noise
        for m in range(M):
            demand[i, m] = d * mix[i, m]


# -------------------------------------------------------------------- numpy-side helpers
def _ration_fills(ordered, prio, rest, available, key_any):
    """Supplier fill fractions of ``fulfil.ration`` (M x S each) from the order totals."""
    available = np.maximum(available, 0.0)
    if not key_any:
        fill = np.divide(available, ordered, out=np.ones_like(ordered),
                         where=ordered > available)
        return np.minimum(fill, 1.0), fill, fill
    fill_p = np.minimum(np.divide(available, prio, out=np.ones_like(prio), where=prio > 0), 1.0)
    left = np.maximum(available - fill_p * prio, 0.0)  # as fulfil.ration
    fill_r = np.minimum(np.divide(left, rest, out=np.ones_like(rest), where=rest > 0), 1.0)
    return fill_p, fill_p, fill_r


_CHECKED: bool | None = None


def fused_ok() -> bool:
    """True when numba is importable and its ``exp`` is numpy's, bit for bit, here."""
    global _CHECKED
    if _CHECKED is None:
        if nb is None:
            _CHECKED = False
        else:
            x = np.concatenate([-np.geomspace(1e-12, 700, 4001), np.linspace(-40, 1, 4001),
                                np.geomspace(1e-12, 700, 4001)])
            _CHECKED = bool(np.array_equal(_exp(x), np.exp(x)))
    return _CHECKED


def choose_kernel(kernel: str | None = None, n_suppliers: int = 2) -> str:
    """``"fused"`` or ``"numpy"``: the one asked for (argument, else ``KAMSIM_KERNEL``), the
    fused one by default, numpy where the fused one cannot be exact (see ``fused_ok``; with a
    single supplier numpy sums over customers pairwise, not in order)."""
    kernel = kernel or os.environ.get("KAMSIM_KERNEL") or "fused"
    if kernel not in ("fused", "numpy"):
        raise ValueError(f"kernel must be 'fused' or 'numpy', not {kernel!r}")
    return "fused" if kernel == "fused" and n_suppliers > 1 and fused_ok() else "numpy"


@(nb.njit(cache=True) if nb is not None else (lambda f: f))
def _exp(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = math.exp(x[i])
    return out


class Workspace:
    """Buffers the fused step reuses from week to week (grown with the population)."""

    def __init__(self) -> None:
        self.rows = 0
        self.routine = np.zeros((0, 0, 0))
        self.scalars: tuple | None = None

    def ensure(self, n_mat: int, cap: int, n_sup: int) -> None:
        if self.routine.shape != (n_mat, cap, n_sup):
            self.routine = np.zeros((n_mat, cap, n_sup))
            self.tr_row = np.zeros(cap * n_sup, np.int64)
            self.tr_col = np.zeros(cap * n_sup, np.int16)
            self.tr_from = np.zeros(cap * n_sup, np.int8)
            self.tr_to = np.zeros(cap * n_sup, np.int8)
            self.done = np.zeros(cap, np.int64)
            self.buf = np.zeros((16, max(n_sup, n_mat, 8)))
            self.ibuf = np.zeros(n_sup, np.int64)
            self.bbuf = np.zeros(n_sup, np.bool_)


def _workspace(model) -> Workspace:
    ws = model.__dict__.get("_fused_ws")
    if ws is None:
        ws = model._fused_ws = Workspace()
    ws.ensure(model.n_mat, model.pop.cap, model.n_sup)
    return ws


# ---------------------------------------------------------------------------- the model API
def routine_shares(model, orders: dict | None = None) -> list[np.ndarray]:
    """``MarketModel._routine_shares`` computed in one pass; views valid until the next call.

    With ``orders`` (the arguments of the choice step), the same pass also adds up what is
    ordered per material and supplier into ``orders["ordered"]``, ``["prio"]``, ``["rest"]``.
    """
    pop, c = model.pop, model.params.choice
    ws = _workspace(model)
    n, M, S = pop.n, model.n_mat, model.n_sup
    A = pop.arrays
    o = orders or {"demand": A["demand"], "contract": A["contract_supplier"],
                   "contract_share": 0.0, "sample": False, "draws": np.zeros((M, 0)),
                   "key_first": np.zeros(S, np.bool_), "key_any": False,
                   "ordered": np.zeros((M, S)), "prio": np.zeros((M, S)),
                   "rest": np.zeros((M, S))}
    routine_pass(n, ws.routine, A["loyalty"], A["kam"], A["dedicated"], A["weeks_since"],
                 A["aware"], A["discount"], A["novelty"], A["switching"], A["ps"],
                 model.service, model.care_service, model.dedicated_service, model.portfolio,
                 model.carries, model.rel_price, float(c.beta_loyalty), float(c.beta_service),
                 float(c.beta_kam), float(c.beta_fit_new), bool(c.use_switching_cost),
                 int(c.incumbent_weeks), bool(c.use_price), float(c.min_share), ws.buf,
                 ws.ibuf, ws.bbuf, orders is not None, o["demand"], o["contract"],
                 o["contract_share"], o["sample"], o["draws"], A["stage"], o["key_first"],
                 o["key_any"], o["ordered"], o["prio"], o["rest"])
    return [ws.routine[m, :n] for m in range(M)]


def settle(model, expected: np.ndarray, wallet: np.ndarray, payoff: float,
           iterations: int) -> None:
    """``MarketModel._settle_loyalty``'s loop in one pass over the customers."""
    pop, c = model.pop, model.params.choice
    ws = _workspace(model)
    A = pop.arrays
    settle_pass(pop.n, iterations, np.ascontiguousarray(expected),
                np.ascontiguousarray(wallet[:, 0]), 0.5 * payoff,
                float(model.params.adaptation.gamma), A["loyalty"], A["kam"], A["dedicated"],
                A["weeks_since"], A["aware"], A["discount"], A["novelty"], A["switching"],
                A["ps"], model.service, model.care_service, model.dedicated_service,
                model.portfolio, model.carries, model.rel_price, float(c.beta_loyalty),
                float(c.beta_service), float(c.beta_kam), float(c.beta_fit_new),
                bool(c.use_switching_cost), int(c.incumbent_weeks), bool(c.use_price),
                float(c.min_share), ws.buf, ws.ibuf, ws.bbuf)


def demand(model) -> None:
    """``MarketModel._demand`` in one pass (same draws, same numbers)."""
    from sim.kernels.demand import CNY_DIP_WEEK

    pop = model.pop
    n, A = pop.n, pop.arrays
    cos_t = np.cos(2.0 * np.pi * ((model.week % 52) - CNY_DIP_WEEK) / 52.0)
    z = model.streams.demand.standard_normal(n)
    mix = np.empty((n, model.n_mat))
    demand_pass(n, A["size"], A["growth"], float(model.ev_growth_taper()), A["active"],
                A["ev_native"], A["exposure"], float(model.ev), model.mix_ice, model.mix_ev,
                A["season_amp"], float(cos_t), z, A["noise_sd"], A["demand"], mix)
    model.mix = mix


def week(model, bad_debt: np.ndarray, breach: np.ndarray
         ) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """Choice, fulfilment, books, adaptation and lifecycle of one week (steps 7-11).

    ``breach`` is this week's ``model.trust_breach()``. Returns the books
    (per supplier) and the transitions record as ``MarketModel.step`` hands them to the
    recorder; the recorder's weekly counts come precomputed.
    """
    pop, p = model.pop, model.params
    n, S, M = pop.n, model.n_sup, model.n_mat
    A = pop.arrays
    sample = p.choice.mode == "sample"
    draws = model.streams.choice.random((M, n)) if sample else np.zeros((M, 0))
    contract = A["contract_supplier"]
    key_first = np.asarray(model.key_first, dtype=np.bool_)
    key_any = bool(key_first.any())
    cshare = float(p.tender.contract_share)
    # pass 1: shares and what is ordered
    ordered = np.zeros((M, S))
    prio = np.zeros((M, S))
    rest = np.zeros((M, S))
    routine_shares(model, {"demand": A["demand"], "contract": contract,
                           "contract_share": cshare, "sample": sample, "draws": draws,
                           "key_first": key_first, "key_any": key_any, "ordered": ordered,
                           "prio": prio, "rest": rest})
    ws = model._fused_ws
    routine = ws.routine
    common = (n, routine, A["demand"], contract, A["aware"], model.carries, cshare, sample,
              draws, A["stage"], A["kam"], key_first, key_any)
    avail = np.minimum(model.stock, model.capacity).T.copy()  # M x S
    fill, fill_p, fill_r = _ration_fills(ordered, prio, rest, avail, key_any)
    # When every order can be filled in full (most weeks of a buyer's market), first-round
    # deliveries are the orders themselves (o x 1.0 = o, summed in the same order) and
    # nothing spills: passes 2 to 4 would only add up the same numbers again.
    full = bool((fill == 1.0).all() and (fill_p == 1.0).all() and (fill_r == 1.0).all())
    # pass 2: first round
    if full:
        first = ordered.copy()
    else:
        first = np.zeros((M, S))
        first_round_pass(*common, fill, fill_p, fill_r, first, ws.buf, ws.ibuf, ws.bbuf)
    spare = avail - first
    spare_ok = (spare > EPS).astype(np.float64)
    # pass 3: spill
    if full:  # nothing spills: the second-round fills are never read (all 1.0 here)
        fill2 = fill2_p = fill2_r = np.ones((M, S))
    else:
        spill, spill_p, spill_r = np.zeros((M, S)), np.zeros((M, S)), np.zeros((M, S))
        spill_pass(*common, fill, fill_p, fill_r, spare_ok, spill, spill_p, spill_r, ws.buf,
                   ws.ibuf, ws.bbuf)
        fill2, fill2_p, fill2_r = _ration_fills(spill, spill_p, spill_r, spare, key_any)
    # pass 4: deliveries per supplier and material
    if full:
        by_mat_ms = ordered.copy()
    else:
        by_mat_ms = np.zeros((M, S))
        second_round_pass(*common, fill, fill_p, fill_r, spare_ok, fill2, fill2_p, fill2_r,
                          by_mat_ms, ws.buf, ws.ibuf, ws.bbuf)
    model.stock[:] = np.maximum(model.stock - by_mat_ms.T, 0.0)  # per material, at once
    model.orders_by_mat = ordered.T.copy()
    model.first_delivered = first.T.copy()
    by_mat = by_mat_ms.T.copy()
    model.last_delivered = by_mat
    # pass 5: books per relationship onward
    a, r = p.adaptation, model.rules
    srp = model.supplier_rel_price()
    rise = model.price_rise()
    use_mult = bool((model.care_payoff != 1).any() or (model.dedicated_payoff != 1).any()
                    or model.cultivation.any())
    if ws.scalars is None:  # the run's parameters, converted once
        limit = p.lifecycle.key_max_default_per_year
        ws.scalars = (
            float(a.w_fill), float(a.w_service), float(a.w_price), float(a.w_warning),
            float(a.fairness_slope), float(a.rise_penalty), float(a.satisfaction_rate),
            float(a.payoff), float(a.payoff_satisfaction_weight),
            float(getattr(a, "satisfaction_tolerance", 0.0)), float(a.gamma),
            float(a.ps_cut_threshold), float(model.j_ref), float(a.ps_cut_gain),
            float(a.ps_thin_gain), float(a.ps_tenure_relief), float(a.ps_kam_relief),
            float(a.ps_rate), float(1.0 - (1.0 - limit) ** (1.0 / 52.0)),
            float(r.key_volume_t), float(r.general_volume_t), int(r.continuity_weeks),
            float(r.key_margin_floor), int(r.potential_min_weeks), float(r.sunset_ratio),
            float(r.recovery_ratio), int(r.lost_after_weeks))
    revenue = np.zeros(S)
    counts = np.zeros((S, 6), np.int64)
    inflow = np.zeros((S, 6), np.int64)
    outflow = np.zeros((S, 6), np.int64)
    named = np.zeros((4, S), np.int64)
    n_tr, n_done = adapt_pass(
        n, model.week, model.focal, routine, A["demand"], contract, A["aware"], model.carries,
        cshare, sample, draws, key_first, key_any, fill, fill_p, fill_r, spare_ok,
        fill2, fill2_p, fill2_r,
        model.price, model.avg_cost, model.processing_cost, srp, rise,
        breach, model.service,
        model.care_service, model.dedicated_service, model.care_recovery, model.care_payoff,
        model.dedicated_payoff, model.cultivation, use_mult, *ws.scalars,
        A["active"], A["kam"], A["dedicated"], A["warned"], A["discount"], A["satisfaction"],
        A["share"], A["loyalty"], A["delivery"], A["vol13"], A["act13"], A["vol52"],
        A["rev52"], A["cost52"], A["ring_vol"], A["ring_rev"], A["ring_cost"],
        A["weeks_since"], A["tenure"], A["stage"], A["main"], A["ps"], A["ps_base"],
        A["default_hazard"], A["spell_start"], A["spell_rev"], A["spell_margin"],
        A["spell_abc"], A["spell_key"],
        revenue, counts, inflow, outflow, named, ws.tr_row, ws.tr_col, ws.tr_from, ws.tr_to,
        ws.done, ws.buf, ws.ibuf, ws.bbuf)
    books = model._supplier_books(by_mat, revenue, bad_debt)
    exits = model._exits
    buying_old_exits = np.zeros(S, np.int64)
    if exits.size:
        # an exiting customer's stage is NONE now; its last stage is in the transitions
        moved = ws.tr_to[:n_tr] == NONE
        rows = ws.tr_row[:n_tr][moved]
        frm = ws.tr_from[:n_tr][moved]
        leaving = np.zeros(n, np.bool_)
        leaving[exits] = True
        hit = leaving[rows] & (frm >= POTENTIAL) & (frm <= SUNSET)
        buying_old_exits = np.bincount(ws.tr_col[:n_tr][moved][hit], minlength=S).astype(
            np.int64)
    stats = {"counts": counts, "inflow": inflow, "outflow": outflow,
             "acquired": named[0], "upgraded": named[1], "downgraded": named[2],
             "lost": named[3], "exited": buying_old_exits,
             "changes": (ws.tr_row[:n_tr].copy(), ws.tr_col[:n_tr].copy(),
                         ws.tr_from[:n_tr].copy(), ws.tr_to[:n_tr].copy())}
    done = ws.done[:n_done].copy()
    if model.recorder is not None and done.size:
        model.recorder.close_spells(model, done, np.where(pop.active[done], "lost", "exited"))
    return books, {"old": None, "new": pop.stage, "exits": exits, "stats": stats}
