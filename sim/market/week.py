"""The customers' week in numpy: choice, fulfilment, books, adaptation and the lifecycle.

``CustomerWeek`` is a mixin of ``MarketModel`` (``sim/market/model.py``) holding steps 7-11 of the
weekly schedule (docs/ODD.md, section 3) as numpy over all customers at once, the one
production path; ``sim/reference.py`` is the per-agent oracle it is tested against
(tests/benchmarks/test_reference.py). These methods read and write the model's arrays
(``self.pop`` and the supplier arrays) and call the pure kernels of ``sim.rules``.
"""

from __future__ import annotations

import numpy as np

from sim.market.population import RING, WEEKS_SINCE_CAP
from sim.rules import adapt, choice, fulfil, lifecycle
from sim.rules.lifecycle import BUYING, KEY, NONE, POTENTIAL
from sim.tolerance import EPS


class CustomerWeek:
    """Steps 7-11 of ``MarketModel.step`` in numpy (see the module docstring)."""

    def _base_utility(self) -> np.ndarray:
        pop, c = self.pop, self.params.choice
        kam = pop.kam.astype(float) + pop.dedicated
        service = self.service_experienced()
        incumbent = pop.weeks_since < c.incumbent_weeks
        return choice.base_utility(
            pop.loyalty, c.beta_loyalty, service, c.beta_service, kam, c.beta_kam,
            pop.novelty[:, None] * self.supply.portfolio[None, :], c.beta_fit_new,
            (~incumbent).astype(float), pop.switching if c.use_switching_cost else None)

    def _routine_shares(self) -> list[np.ndarray]:
        """Routine (non-contract) shares per material: a list of M arrays N x S."""
        pop, c = self.pop, self.params.choice
        base = self._base_utility()
        out = []
        for m in range(self.n_mat):
            u = base
            if c.use_price:
                rel = self.supply.rel_price[None, :, m] * (1.0 - pop.discount)
                u = base + choice.price_utility(pop.ps, rel)
            allowed = pop.aware & (self.supply.carries[None, :, m] > 0)
            out.append(choice.logit_shares(u, allowed, c.min_share))
        return out

    def _choose(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        pop = self.pop
        routine = self._routine_shares()
        sample = self.params.choice.mode == "sample"
        draws = self.streams.choice.random((self.n_mat, pop.n)) if sample else None
        winner = pop.contract_supplier
        has = winner >= 0
        onehot = np.zeros((pop.n, self.n_sup))
        onehot[np.flatnonzero(has), winner[has]] = 1.0
        orders = []
        for m in range(self.n_mat):
            shares = routine[m]
            if has.any():
                carries = np.where(has, self.supply.carries[np.maximum(winner, 0), m], 0.0)
                carries = carries * pop.aware[np.arange(pop.n), np.maximum(winner, 0)]
                shares = choice.contract_split(shares, onehot, self.params.tender.contract_share,
                                               carries)
            if sample:
                shares = choice.sample_one(shares, draws[m])
            orders.append(pop.demand[:, m:m + 1] * shares)
        return orders, routine

    def _fulfil(self, orders: list[np.ndarray],
                routine: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
        pop = self.pop
        priority = None
        if self.supply.key_first.any():
            priority = ((pop.stage == KEY) | pop.kam) & self.supply.key_first[None, :]
        delivered, first_ordered, first_delivered = [], 0.0, 0.0
        self.supply.orders_by_mat = np.zeros((self.n_sup, self.n_mat))
        self.supply.first_delivered = np.zeros((self.n_sup, self.n_mat))
        for m in range(self.n_mat):
            avail = np.minimum(self.supply.stock[:, m], self.supply.capacity[:, m])
            d1 = fulfil.ration(orders[m], avail, priority)
            self.supply.first_delivered[:, m] = d1.sum(axis=0)
            spare = avail - self.supply.first_delivered[:, m]
            unfilled = orders[m].sum(axis=1) - d1.sum(axis=1)
            d2 = fulfil.ration(fulfil.spill_orders(unfilled, routine[m], spare), spare, priority)
            d = d1 + d2
            delivered.append(d)
            self.supply.stock[:, m] = np.maximum(self.supply.stock[:, m] - d.sum(axis=0), 0.0)
            self.supply.orders_by_mat[:, m] = orders[m].sum(axis=0)
            first_ordered = first_ordered + orders[m]
            first_delivered = first_delivered + d1
        self.ordered = first_ordered  # N x S tonnes ordered in the first round
        fill = np.divide(first_delivered, first_ordered, out=np.ones_like(first_ordered),
                         where=first_ordered > EPS)
        return delivered, fill

    def _books(self, delivered: list[np.ndarray], bad_debt: np.ndarray) -> dict[str, np.ndarray]:
        pop = self.pop
        keep = 1.0 - pop.discount
        vol = np.zeros((pop.n, self.n_sup))
        rev = np.zeros_like(vol)
        cost = np.zeros_like(vol)
        by_mat = np.zeros((self.n_sup, self.n_mat))
        for m, d in enumerate(delivered):
            vol += d
            rev += d * self.supply.price[:, m] * keep
            cost += d * (self.supply.avg_cost[:, m] + self.market.processing_cost[m])
            by_mat[:, m] = d.sum(axis=0)
        return {"vol": vol, "rev": rev, "cost": cost, "bought": vol > EPS,
                **self._supplier_books(by_mat, rev.sum(0), bad_debt)}

    def _adapt(self, delivered: list[np.ndarray], fill: np.ndarray,
               books: dict[str, np.ndarray], breach: np.ndarray) -> None:
        pop, a = self.pop, self.params.adaptation
        vol = books["vol"]
        ordered = self.ordered > EPS
        service = self.service_experienced()
        rel = self.supply.avg_rel_price()[None, :] * (1.0 - pop.discount)
        target = adapt.satisfaction_target(
            fill, service, adapt.price_fairness(rel, a.fairness_slope),
            adapt.warning_term(self.supply.price_rise(), pop.warned.astype(float), a.rise_penalty),
            a.w_fill, a.w_service, a.w_price, a.w_warning)
        covered = pop.kam | pop.dedicated
        rate = a.satisfaction_rate * np.where(covered & (target > pop.satisfaction),
                                              self.supply.care_recovery[None, :], 1.0)
        pop.satisfaction[:] = adapt.update_satisfaction(pop.satisfaction, target, ordered, rate)
        wallet = pop.demand.sum(axis=1, keepdims=True)
        visit = np.divide(vol, wallet, out=np.zeros_like(vol), where=wallet > EPS)
        pop.share[:] = visit
        payoff = adapt.loyalty_payoff(visit, pop.satisfaction, a.payoff,
                                      a.payoff_satisfaction_weight, a.satisfaction_tolerance
                                      ) * self._payoff_multiplier()
        pop.loyalty[:] = adapt.withdraw_trust(adapt.update_loyalty(pop.loyalty, payoff, a.gamma),
                                              breach, pop.warned.astype(float),
                                              ordered.astype(float))
        pop.delivery[:] = np.where(
            ordered, pop.delivery + a.delivery_smoothing * (fill - pop.delivery), pop.delivery)
        self._roll_books(books)
        pop.main[:] = np.where(pop.vol13.max(axis=1) > 0, pop.vol13.argmax(axis=1), -1)
        self._update_price_sensitivity(rel)

    def _roll_books(self, books: dict[str, np.ndarray]) -> None:
        """Weekly purchase history: 52-week ring, 13- and 52-week running sums."""
        pop = self.pop
        slot, old13 = self.week % RING, (self.week - 13) % RING
        v = books["vol"].astype(np.float32)
        pop.vol13[:] = np.maximum(pop.vol13 + v - pop.ring_vol[old13], 0.0)
        pop.act13[:] += (v > 0).astype(np.int16) - (pop.ring_vol[old13] > 0)
        for run, ring, new in (("vol52", "ring_vol", v),
                               ("rev52", "ring_rev", books["rev"].astype(np.float32)),
                               ("cost52", "ring_cost", books["cost"].astype(np.float32))):
            r = getattr(pop, ring)
            total = getattr(pop, run)
            total += new
            total -= r[slot]
            np.maximum(total, 0.0, out=total)
            r[slot] = new
        bought = books["bought"]
        pop.weeks_since[:] = np.where(bought, 0, np.minimum(pop.weeks_since + 1, WEEKS_SINCE_CAP))
        buying = (pop.stage >= POTENTIAL) & (pop.stage <= lifecycle.SUNSET)
        pop.tenure[:] += buying
        f = self.focal
        pop.spell_rev[:] += books["rev"][:, f]
        pop.spell_margin[:] += books["rev"][:, f] - books["cost"][:, f]

    def _update_price_sensitivity(self, rel: np.ndarray) -> None:
        pop, a = self.pop, self.params.adaptation
        rows = np.arange(pop.n)
        main = np.maximum(pop.main, 0)
        has = pop.main >= 0
        rel_main = rel[rows, main]
        rivals = np.where(pop.aware, rel, np.inf)
        rivals[rows, main] = np.inf
        undercut = has & (rivals.min(axis=1) < rel_main * (1.0 - a.ps_cut_threshold))
        j_ref = self.market.j_ref
        thin = np.where(has, 1.0 - np.minimum(pop.loyalty[rows, main] / j_ref, 1.0), 1.0)
        tenure = np.where(has, np.minimum(pop.tenure[rows, main] / a.ps_tenure_weeks, 1.0), 0.0)
        care = has & pop.kam[rows, main]
        target = adapt.price_sensitivity_target(
            pop.ps_base, undercut.astype(float), thin, tenure, care.astype(float),
            cut_gain=a.ps_cut_gain, thin_gain=a.ps_thin_gain,
            tenure_relief=a.ps_tenure_relief, kam_relief=a.ps_kam_relief)
        pop.ps[:] = adapt.relax(pop.ps, target, a.ps_rate)

    def _lifecycle(self, bought: np.ndarray) -> dict[str, np.ndarray]:
        pop = self.pop
        old = pop.stage.copy()  # customers who left this week still hold their last stage
        margin = np.divide(pop.rev52 - pop.cost52, pop.rev52, out=np.zeros_like(pop.rev52),
                           where=pop.rev52 > EPS)
        new = lifecycle.next_stage(pop.stage, pop.aware, bought, pop.vol52, pop.vol13,
                                   pop.act13, pop.weeks_since, pop.tenure, margin,
                                   self._credit_ok(), self.rules)
        new[~pop.active] = NONE
        started = (new == POTENTIAL) & (old != POTENTIAL) & ~np.isin(old, BUYING)
        ended = np.isin(old, BUYING) & ~np.isin(new, BUYING)
        pop.tenure[started | ended] = 0
        pop.stage[:] = new
        self._track_focal_spells(old, new, started, ended)
        return {"old": old, "new": new, "exits": self._exits}

    def _track_focal_spells(self, old, new, started, ended) -> None:
        pop, f = self.pop, self.focal
        if self.recorder is not None:
            done = np.flatnonzero(ended[:, f])
            if done.size:
                self.recorder.close_spells(self, done, np.where(pop.active[done], "lost",
                                                                "exited"))
        begin = np.flatnonzero(started[:, f])
        pop.spell_start[begin] = self.week
        pop.spell_rev[begin] = 0.0
        pop.spell_margin[begin] = 0.0
        pop.spell_abc[begin] = 0
        pop.spell_key[begin] = False
        pop.spell_key[:] |= new[:, f] == KEY

