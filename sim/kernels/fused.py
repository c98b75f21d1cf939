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

try:  # numba is a dependency, but the numpy path must keep working without it
    import numba as nb
except ImportError:  # pragma: no cover
    nb = None

NONE, PROSPECT, POTENTIAL, GENERAL, KEY, SUNSET, LOST = -1, 0, 1, 2, 3, 4, 5
EPS = 1e-9
RING = 52


def _jit(fn):
    if nb is None:
        return fn
    return nb.njit(cache=True, error_model="numpy", nogil=True)(fn)


def _inline(fn):
    """A helper inlined into its caller (no call, no reference counting per row)."""
    if nb is None:
        return fn
    return nb.njit(cache=True, error_model="numpy", nogil=True, inline="always")(fn)


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


# ------------------------------------------------------------------------ pass 1: choice
@_inline
def _base_row(i, u, loyalty, kam, ded, weeks_since, novelty, switching, service, care_service,
              dedicated_service, portfolio, beta_loyalty, beta_service, beta_kam, beta_fit,
              use_switching, incumbent_weeks):
    """``MarketModel._base_utility`` for customer ``i`` into ``u`` (S)."""
    S = u.shape[0]
    for s in range(S):
        k = 1.0 if kam[i, s] else 0.0
        d = 1.0 if ded[i, s] else 0.0
        v = beta_loyalty * loyalty[i, s]
        if beta_service != 0.0:
            kd = 1.0 if (kam[i, s] or ded[i, s]) else 0.0
            boost = kd * care_service[s] + d * dedicated_service[s]
            v = v + beta_service * _min(service[s] + boost, 1.0)
        if beta_kam != 0.0:
            v = v + beta_kam * (k + d)
        if beta_fit != 0.0:
            v = v + beta_fit * (novelty[i] * portfolio[s])
        if use_switching:
            ni = 0.0 if weeks_since[i, s] < incumbent_weeks else 1.0
            v = v - switching[i] * ni
        u[s] = v


@_inline
def _logit_row(u, allowed, min_share, routine, m, i, w, out):
    """``choice.logit_shares`` of one row into ``routine[m, i]`` (``w``, ``out`` scratch)."""
    S = u.shape[0]
    top = -np.inf
    for s in range(S):
        v = u[s] if allowed[s] else -np.inf
        w[s] = v
        if v > top or v != v:
            top = v
    finite = not (math.isinf(top) or top != top)
    shift = top if finite else 0.0
    for s in range(S):
        w[s] = math.exp(w[s] - shift) if finite else 0.0
    total = _pairwise(w, S)
    for s in range(S):
        out[s] = w[s] / total if total > 0 else 0.0
    if min_share > 0:
        mx = -np.inf
        for s in range(S):
            if out[s] > mx or out[s] != out[s]:
                mx = out[s]
        for s in range(S):
            if out[s] < min_share and out[s] < mx:
                out[s] = 0.0
        total = _pairwise(out, S)
        if total > 0:
            for s in range(S):
                out[s] = out[s] / total
    for s in range(S):
        routine[m, i, s] = out[s]


@_jit
def routine_pass(n, routine, loyalty, kam, ded, weeks_since, aware, discount, novelty,
                 switching, ps, service, care_service, dedicated_service, portfolio, carries,
                 rel_price, beta_loyalty, beta_service, beta_kam, beta_fit, use_switching,
                 incumbent_weeks, use_price, min_share):
    """Routine (non-contract) logit shares of every customer and material: ``routine[m, i]``."""
    M = routine.shape[0]
    S = routine.shape[2]
    base = np.empty(S)
    u = np.empty(S)
    w = np.empty(S)
    x = np.empty(S)
    allowed = np.empty(S, dtype=np.bool_)
    for i in range(n):
        _base_row(i, base, loyalty, kam, ded, weeks_since, novelty, switching, service,
                  care_service, dedicated_service, portfolio, beta_loyalty, beta_service,
                  beta_kam, beta_fit, use_switching, incumbent_weeks)
        for m in range(M):
            for s in range(S):
                if use_price:
                    rel = rel_price[s, m] * (1.0 - discount[i, s])
                    u[s] = base[s] + (-ps[i]) * (rel - 1.0)
                else:
                    u[s] = base[s]
                allowed[s] = aware[i, s] and carries[s, m] > 0
            _logit_row(u, allowed, min_share, routine, m, i, w, x)


@_inline
def _orders_row(m, i, routine, demand, contract, aware, carries, contract_share, has_any,
                sample, draws, out):
    """Orders of customer ``i`` for material ``m`` (S): ``MarketModel._choose``."""
    S = out.shape[0]
    for s in range(S):
        out[s] = routine[m, i, s]
    if has_any:
        win = contract[i]
        has = win >= 0
        wc = win if has else 0
        car = carries[wc, m] if has else 0.0
        car = car * (1.0 if aware[i, wc] else 0.0)
        cs = contract_share * car
        if car > 0:  # dual sourcing: the rest to the other suppliers (choice.contract_split)
            tot = 0.0
            for s in range(S):
                if s != win:
                    tot += out[s]
            for s in range(S):
                if tot > 0:
                    out[s] = 0.0 if s == win else out[s] / tot
                else:
                    out[s] = 1.0 if s == win else 0.0
        for s in range(S):
            oh = 1.0 if (has and s == win) else 0.0
            out[s] = cs * oh + (1.0 - cs) * out[s]
    if sample:
        cum = 0.0
        u = draws[m, i]
        pick = 0
        for s in range(S):
            cum = out[s] if s == 0 else cum + out[s]
            out[s] = cum  # the running sum, read back below
        total = out[S - 1]
        x = u * total
        for s in range(S):
            if out[s] <= x:
                pick += 1
        if pick > S - 1:
            pick = S - 1
        keep = 1.0 if total > 0 else 0.0
        for s in range(S):
            out[s] = (1.0 if s == pick else 0.0) * keep
    d = demand[i, m]
    for s in range(S):
        out[s] = d * out[s]


@_inline
def _ration_row(m, orders, prio_row, key_any, fill, fill_p, fill_r, out):
    """``fulfil.ration`` for one row with the supplier fills (M x S) already computed."""
    S = orders.shape[0]
    if key_any:
        for s in range(S):
            p = orders[s] * prio_row[s]
            r = orders[s] - p
            out[s] = p * fill_p[m, s] + r * fill_r[m, s]
    else:
        for s in range(S):
            out[s] = orders[s] * fill[m, s]


@_inline
def _prio_row(i, stage, kam, key_first, out):
    S = out.shape[0]
    for s in range(S):
        out[s] = 1.0 if ((stage[i, s] == KEY or kam[i, s]) and key_first[s]) else 0.0


@_inline
def _spill_row(routine, m, i, unfilled, spare_ok, out):
    """``fulfil.spill_orders`` of one row (uses ``out`` for the weights first)."""
    S = out.shape[0]
    for s in range(S):
        out[s] = routine[m, i, s] * spare_ok[m, s]
    total = _pairwise(out, S)
    for s in range(S):
        share = out[s] / total if total > 0 else 0.0
        out[s] = unfilled * share


@_jit
def order_totals_pass(n, routine, demand, contract, aware, carries, contract_share, has_any,
                      sample, draws, stage, kam, key_first, key_any, ordered_tot, prio_tot,
                      rest_tot):
    """Pass 1b: per material and supplier, tonnes ordered (and priority/other split)."""
    M, S = routine.shape[0], routine.shape[2]
    o = np.empty(S)
    pr = np.empty(S)
    for i in range(n):
        if key_any:
            _prio_row(i, stage, kam, key_first, pr)
        for m in range(M):
            _orders_row(m, i, routine, demand, contract, aware, carries, contract_share,
                        has_any, sample, draws, o)
            for s in range(S):
                ordered_tot[m, s] += o[s]
                if key_any:
                    p = o[s] * pr[s]
                    prio_tot[m, s] += p
                    rest_tot[m, s] += o[s] - p


@_jit
def first_round_pass(n, routine, demand, contract, aware, carries, contract_share, has_any,
                     sample, draws, stage, kam, key_first, key_any, fill, fill_p, fill_r,
                     delivered_tot):
    """Pass 2: tonnes delivered in the first round per material and supplier."""
    M, S = routine.shape[0], routine.shape[2]
    o = np.empty(S)
    d1 = np.empty(S)
    pr = np.empty(S)
    for i in range(n):
        if key_any:
            _prio_row(i, stage, kam, key_first, pr)
        for m in range(M):
            _orders_row(m, i, routine, demand, contract, aware, carries, contract_share,
                        has_any, sample, draws, o)
            _ration_row(m, o, pr, key_any, fill, fill_p, fill_r, d1)
            for s in range(S):
                delivered_tot[m, s] += d1[s]


@_jit
def spill_pass(n, routine, demand, contract, aware, carries, contract_share, has_any, sample,
               draws, stage, kam, key_first, key_any, fill, fill_p, fill_r, spare_ok,
               spill_tot, spill_prio_tot, spill_rest_tot):
    """Pass 3: second-round orders (unfilled tonnes to suppliers with spare stock)."""
    M, S = routine.shape[0], routine.shape[2]
    o = np.empty(S)
    d1 = np.empty(S)
    sp = np.empty(S)
    pr = np.empty(S)
    for i in range(n):
        if key_any:
            _prio_row(i, stage, kam, key_first, pr)
        for m in range(M):
            _orders_row(m, i, routine, demand, contract, aware, carries, contract_share,
                        has_any, sample, draws, o)
            _ration_row(m, o, pr, key_any, fill, fill_p, fill_r, d1)
            unfilled = _pairwise(o, S) - _pairwise(d1, S)
            _spill_row(routine, m, i, unfilled, spare_ok, sp)
            for s in range(S):
                spill_tot[m, s] += sp[s]
                if key_any:
                    p = sp[s] * pr[s]
                    spill_prio_tot[m, s] += p
                    spill_rest_tot[m, s] += sp[s] - p


@_inline
def _deliver_row(m, i, routine, demand, contract, aware, carries, contract_share, has_any,
                 sample, draws, key_any, pr, fill, fill_p, fill_r, spare_ok, fill2, fill2_p,
                 fill2_r, o, d1, sp, d2):
    """Orders ``o``, first-round ``d1`` and second-round ``d2`` deliveries of one row."""
    S = o.shape[0]
    _orders_row(m, i, routine, demand, contract, aware, carries, contract_share, has_any,
                sample, draws, o)
    _ration_row(m, o, pr, key_any, fill, fill_p, fill_r, d1)
    unfilled = _pairwise(o, S) - _pairwise(d1, S)
    _spill_row(routine, m, i, unfilled, spare_ok, sp)
    _ration_row(m, sp, pr, key_any, fill2, fill2_p, fill2_r, d2)


@_jit
def second_round_pass(n, routine, demand, contract, aware, carries, contract_share, has_any,
                      sample, draws, stage, kam, key_first, key_any, fill, fill_p, fill_r,
                      spare_ok, fill2, fill2_p, fill2_r, by_mat):
    """Pass 4: tonnes delivered per material and supplier, both rounds (``by_mat``, M x S)."""
    M, S = routine.shape[0], routine.shape[2]
    o = np.empty(S)
    d1 = np.empty(S)
    sp = np.empty(S)
    d2 = np.empty(S)
    pr = np.empty(S)
    for i in range(n):
        if key_any:
            _prio_row(i, stage, kam, key_first, pr)
        for m in range(M):
            _deliver_row(m, i, routine, demand, contract, aware, carries, contract_share,
                         has_any, sample, draws, key_any, pr, fill, fill_p, fill_r, spare_ok,
                         fill2, fill2_p, fill2_r, o, d1, sp, d2)
            for s in range(S):
                by_mat[m, s] += d1[s] + d2[s]


# ------------------------------------------------------------------ pass 5: the books onward
@_jit
def adapt_pass(n, week, focal, routine, demand, contract, aware, carries, contract_share,
               has_any, sample, draws, key_first, key_any, fill, fill_p, fill_r, spare_ok,
               fill2, fill2_p, fill2_r,
               # prices and supplier-level inputs
               price, avg_cost, processing_cost, srp, rise, service, care_service,
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
               done_rows):
    """Pass 5: books, adaptation, rolling books, price sensitivity and lifecycle, per row.

    Returns ``(transitions, done)``: how many stage changes were written to ``tr_*`` and how
    many focal spells ended (rows in ``done_rows``).
    """
    M, S = routine.shape[0], routine.shape[2]
    o = np.empty(S)
    d1 = np.empty(S)
    sp = np.empty(S)
    d2 = np.empty(S)
    pr = np.empty(S)
    first_ord = np.empty(S)
    first_del = np.empty(S)
    vol = np.empty(S)
    rev = np.empty(S)
    cost = np.empty(S)
    rel = np.empty(S)
    dm = np.empty(M)
    slot = week % RING
    old13 = (week - 13) % RING
    n_tr = 0
    n_done = 0
    for i in range(n):
        if key_any:
            _prio_row(i, stage, kam, key_first, pr)
        # ---- books (MarketModel._fulfil / _books)
        for s in range(S):
            first_ord[s] = 0.0
            first_del[s] = 0.0
            vol[s] = 0.0
            rev[s] = 0.0
            cost[s] = 0.0
        for m in range(M):
            _deliver_row(m, i, routine, demand, contract, aware, carries, contract_share,
                         has_any, sample, draws, key_any, pr, fill, fill_p, fill_r, spare_ok,
                         fill2, fill2_p, fill2_r, o, d1, sp, d2)
            for s in range(S):
                d = d1[s] + d2[s]
                first_ord[s] = first_ord[s] + o[s]
                first_del[s] = first_del[s] + d1[s]
                vol[s] = vol[s] + d
                rev[s] = rev[s] + d * price[s, m] * (1.0 - discount[i, s])
                cost[s] = cost[s] + d * (avg_cost[s, m] + processing_cost[m])
        for s in range(S):
            revenue[s] += rev[s]
        # ---- adaptation (MarketModel._adapt)
        for m in range(M):
            dm[m] = demand[i, m]
        wallet = _pairwise(dm, M)
        for s in range(S):
            rel[s] = srp[s] * (1.0 - discount[i, s])
        growing_any = False
        for s in range(S):
            fo = first_ord[s]
            ordered = fo > EPS
            fill_is = first_del[s] / fo if ordered else 1.0
            k = kam[i, s]
            dd = ded[i, s]
            kd = 1.0 if (k or dd) else 0.0
            boost = kd * care_service[s] + (1.0 if dd else 0.0) * dedicated_service[s]
            serv = _min(service[s] + boost, 1.0)
            fair = _clip01(1.0 - fairness_slope * _max(rel[s] - 1.0, 0.0))
            warn = 1.0 - _clip01(rise_penalty * rise[s] * (1.0 - (1.0 if warned[i, s] else 0.0)))
            target = _clip01(w_fill * fill_is + w_service * serv + w_price * fair
                             - w_warning * (1.0 - warn))
            sat = satisfaction[i, s]
            rf = care_recovery[s] if ((k or dd) and target > sat) else 1.0
            rate = sat_rate * rf
            if ordered:
                sat = sat + rate * (target - sat)
                satisfaction[i, s] = sat
            visit = vol[s] / wallet if wallet > EPS else 0.0
            share[i, s] = visit
            if payoff_w == 0:
                pay = payoff_p * visit
            else:  # adapt.loyalty_payoff with adapt.satisfying (the zone of tolerance)
                g = _clip01((sat - tolerance) / (1.0 - tolerance))
                pay = payoff_p * visit * ((1.0 - payoff_w) + payoff_w * g)
            if use_mult:
                st = stage[i, s]
                growing_any = st == POTENTIAL or st == GENERAL
                m1 = care_payoff[s] if (k or dd) else 1.0
                m2 = dedicated_payoff[s] if dd else 1.0
                m3 = (1.0 + cultivation[s]) if growing_any else 1.0
                pay = pay * (m1 * m2 * m3)
            loyalty[i, s] = (1.0 - gamma) * loyalty[i, s] + pay
            if ordered:
                dl = delivery[i, s]
                delivery[i, s] = dl + 0.1 * (fill_is - dl)
            # ---- rolling books (MarketModel._roll_books)
            v = np.float32(vol[s])
            vf = np.float64(v)
            old_v = ring_vol[old13, i, s]
            vol13[i, s] = _max(vol13[i, s] + vf - np.float64(old_v), 0.0)
            act13[i, s] += np.int16((1 if v > 0 else 0) - (1 if old_v > 0 else 0))
            vol52[i, s] = _max(vol52[i, s] + vf - np.float64(ring_vol[slot, i, s]), 0.0)
            ring_vol[slot, i, s] = v
            r32 = np.float32(rev[s])
            rev52[i, s] = _max(rev52[i, s] + np.float64(r32) - np.float64(ring_rev[slot, i, s]),
                               0.0)
            ring_rev[slot, i, s] = r32
            c32 = np.float32(cost[s])
            cost52[i, s] = _max(cost52[i, s] + np.float64(c32)
                                - np.float64(ring_cost[slot, i, s]), 0.0)
            ring_cost[slot, i, s] = c32
            bought = vol[s] > EPS
            if bought:
                weeks_since[i, s] = 0
            else:
                ws = weeks_since[i, s] + 1
                weeks_since[i, s] = ws if ws < 10_000 else 10_000
            st = stage[i, s]
            if st >= POTENTIAL and st <= SUNSET:
                tenure[i, s] += 1
        spell_rev[i] += rev[focal]
        spell_margin[i] += rev[focal] - cost[focal]
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
        rel_main = rel[mc]
        rmin = np.inf
        for s in range(S):
            x = rel[s] if (aware[i, s] and s != mc) else np.inf
            if x < rmin or x != x:
                rmin = x
        undercut = 1.0 if (has and rmin < rel_main * (1.0 - ps_cut_threshold)) else 0.0
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
            bought = vol[s] > EPS
            r52 = rev52[i, s]
            margin = (r52 - cost52[i, s]) / r52 if r52 > EPS else 0.0
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


@_jit
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

    def ensure(self, n_mat: int, cap: int, n_sup: int) -> None:
        if self.routine.shape != (n_mat, cap, n_sup):
            self.routine = np.zeros((n_mat, cap, n_sup))
            self.tr_row = np.zeros(cap * n_sup, np.int64)
            self.tr_col = np.zeros(cap * n_sup, np.int16)
            self.tr_from = np.zeros(cap * n_sup, np.int8)
            self.tr_to = np.zeros(cap * n_sup, np.int8)
            self.done = np.zeros(cap, np.int64)


def _workspace(model) -> Workspace:
    ws = model.__dict__.get("_fused_ws")
    if ws is None:
        ws = model._fused_ws = Workspace()
    ws.ensure(model.n_mat, model.pop.cap, model.n_sup)
    return ws


# ---------------------------------------------------------------------------- the model API
def routine_shares(model) -> list[np.ndarray]:
    """``MarketModel._routine_shares`` computed in one pass; views valid until the next call."""
    pop, c = model.pop, model.params.choice
    ws = _workspace(model)
    n = pop.n
    A = pop.arrays
    routine_pass(n, ws.routine, A["loyalty"], A["kam"], A["dedicated"], A["weeks_since"],
                 A["aware"], A["discount"], A["novelty"], A["switching"], A["ps"],
                 model.service, model.care_service, model.dedicated_service, model.portfolio,
                 model.carries, model.rel_price, float(c.beta_loyalty), float(c.beta_service),
                 float(c.beta_kam), float(c.beta_fit_new), bool(c.use_switching_cost),
                 int(c.incumbent_weeks), bool(c.use_price), float(c.min_share))
    return [ws.routine[m, :n] for m in range(model.n_mat)]


def week(model, bad_debt: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """Choice, fulfilment, books, adaptation and lifecycle of one week (steps 7-11).

    Returns the books (per supplier) and the transitions record as ``MarketModel.step``
    hands them to the recorder; the recorder's weekly counts come precomputed.
    """
    pop, p = model.pop, model.params
    n, S, M = pop.n, model.n_sup, model.n_mat
    A = pop.arrays
    routine_shares(model)
    ws = model._fused_ws
    routine = ws.routine
    sample = p.choice.mode == "sample"
    draws = model.rng.random((M, n)) if sample else np.zeros((M, 0))
    contract = A["contract_supplier"]
    has_any = bool((pop.contract_supplier >= 0).any())
    key_first = np.asarray(model.key_first, dtype=np.bool_)
    key_any = bool(key_first.any())
    cshare = float(p.tender.contract_share)
    common = (n, routine, A["demand"], contract, A["aware"], model.carries, cshare, has_any,
              sample, draws, A["stage"], A["kam"], key_first, key_any)
    # pass 1b: what is ordered
    ordered = np.zeros((M, S))
    prio = np.zeros((M, S))
    rest = np.zeros((M, S))
    order_totals_pass(*common, ordered, prio, rest)
    avail = np.minimum(model.stock, model.capacity).T.copy()  # M x S
    fill, fill_p, fill_r = _ration_fills(ordered, prio, rest, avail, key_any)
    # pass 2: first round
    first = np.zeros((M, S))
    first_round_pass(*common, fill, fill_p, fill_r, first)
    spare = avail - first
    spare_ok = (spare > 1e-9).astype(np.float64)
    # pass 3: spill
    spill, spill_p, spill_r = np.zeros((M, S)), np.zeros((M, S)), np.zeros((M, S))
    spill_pass(*common, fill, fill_p, fill_r, spare_ok, spill, spill_p, spill_r)
    fill2, fill2_p, fill2_r = _ration_fills(spill, spill_p, spill_r, spare, key_any)
    # pass 4: deliveries per supplier and material
    by_mat_ms = np.zeros((M, S))
    second_round_pass(*common, fill, fill_p, fill_r, spare_ok, fill2, fill2_p, fill2_r,
                      by_mat_ms)
    for m in range(M):
        model.stock[:, m] = np.maximum(model.stock[:, m] - by_mat_ms[m], 0.0)
    model.orders_by_mat = ordered.T.copy()
    model.first_delivered = first.T.copy()
    by_mat = by_mat_ms.T.copy()
    model.last_delivered = by_mat
    # pass 5: books per relationship onward
    a, r = p.adaptation, model.rules
    srp = model.supplier_rel_price()
    rise = model.price_rise()
    use_mult = bool(np.any(model.care_payoff != 1) or np.any(model.dedicated_payoff != 1)
                    or np.any(model.cultivation))
    limit = p.lifecycle.key_max_default_per_year
    credit_limit = 1.0 - (1.0 - limit) ** (1.0 / 52.0)
    revenue = np.zeros(S)
    counts = np.zeros((S, 6), np.int64)
    inflow = np.zeros((S, 6), np.int64)
    outflow = np.zeros((S, 6), np.int64)
    named = np.zeros((4, S), np.int64)
    n_tr, n_done = adapt_pass(
        n, model.week, model.focal, routine, A["demand"], contract, A["aware"], model.carries,
        cshare, has_any, sample, draws, key_first, key_any, fill, fill_p, fill_r, spare_ok,
        fill2, fill2_p, fill2_r,
        model.price, model.avg_cost, model.processing_cost, srp, rise, model.service,
        model.care_service, model.dedicated_service, model.care_recovery, model.care_payoff,
        model.dedicated_payoff, model.cultivation, use_mult,
        float(a.w_fill), float(a.w_service), float(a.w_price), float(a.w_warning),
        float(a.fairness_slope), float(a.rise_penalty), float(a.satisfaction_rate),
        float(a.payoff), float(a.payoff_satisfaction_weight),
        float(getattr(a, "satisfaction_tolerance", 0.0)), float(a.gamma),
        float(a.ps_cut_threshold), float(model.j_ref), float(a.ps_cut_gain),
        float(a.ps_thin_gain), float(a.ps_tenure_relief), float(a.ps_kam_relief),
        float(a.ps_rate), float(credit_limit),
        float(r.key_volume_t), float(r.general_volume_t), int(r.continuity_weeks),
        float(r.key_margin_floor), int(r.potential_min_weeks), float(r.sunset_ratio),
        float(r.recovery_ratio), int(r.lost_after_weeks),
        A["active"], A["kam"], A["dedicated"], A["warned"], A["discount"], A["satisfaction"],
        A["share"], A["loyalty"], A["delivery"], A["vol13"], A["act13"], A["vol52"],
        A["rev52"], A["cost52"], A["ring_vol"], A["ring_rev"], A["ring_cost"],
        A["weeks_since"], A["tenure"], A["stage"], A["main"], A["ps"], A["ps_base"],
        A["default_hazard"], A["spell_start"], A["spell_rev"], A["spell_margin"],
        A["spell_abc"], A["spell_key"],
        revenue, counts, inflow, outflow, named, ws.tr_row, ws.tr_col, ws.tr_from, ws.tr_to,
        ws.done)
    books = model._supplier_books(by_mat, revenue, bad_debt)
    exits = model._exits
    buying_old_exits = np.zeros(S, np.int64)
    if exits.size:
        # an exiting customer's stage is NONE now; its last stage is in the transitions
        moved = ws.tr_to[:n_tr] == NONE
        rows = ws.tr_row[:n_tr][moved]
        frm = ws.tr_from[:n_tr][moved]
        hit = np.isin(rows, exits) & (frm >= POTENTIAL) & (frm <= SUNSET)
        np.add.at(buying_old_exits, ws.tr_col[:n_tr][moved][hit], 1)
    stats = {"counts": counts, "inflow": inflow, "outflow": outflow,
             "acquired": named[0], "upgraded": named[1], "downgraded": named[2],
             "lost": named[3], "exited": buying_old_exits,
             "changes": (ws.tr_row[:n_tr].copy(), ws.tr_col[:n_tr].copy(),
                         ws.tr_from[:n_tr].copy(), ws.tr_to[:n_tr].copy())}
    done = ws.done[:n_done].copy()
    if model.recorder is not None and done.size:
        model.recorder.close_spells(model, done, np.where(pop.active[done], "lost", "exited"))
    return books, {"old": None, "new": pop.stage, "exits": exits, "stats": stats}
