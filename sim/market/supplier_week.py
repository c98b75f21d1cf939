"""The suppliers' side of the week: tenders, the week's books, the quarterly review.

``SupplierWeek`` is a mixin of ``MarketModel`` (``sim/market/model.py``) holding the steps of the
weekly schedule that act on suppliers (docs/ODD.md, section 3): tenders re-awarded, contracts
ended by a breach of trust, each supplier's books of the week, the quarterly ABC review and
reactive capacity expansion, and the readings of scheduled cost shocks the strategies use.
Rules come from ``sim.rules``; state is read and written in ``self.supply`` and ``self.pop``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.market.state import COST_KINDS
from sim.rules import adapt, lifecycle, tender
from sim.rules.lifecycle import POTENTIAL
from sim.tolerance import EPS

QUARTER = 13  # weeks in a quarter: the review's period


class SupplierWeek:
    """The suppliers' steps of ``MarketModel.step`` (see the module docstring)."""

    def _tenders(self) -> None:
        pop, t = self.pop, self.params.tender
        due = np.flatnonzero(pop.active & pop.tender & (pop.contract_end <= self.week))
        if due.size == 0:
            return
        mix = self.mix[due]
        disc = np.array([s.policies["pricing"].tender_discount(self, s.index)
                         for s in self.suppliers])
        bid = (mix @ (self.supply.price * self.supply.carries).T) * (1.0 - disc)[None, :]
        reference = mix @ self.market.market_price
        coverage = mix @ self.supply.carries.T
        eligible = pop.aware[due] & (coverage >= t.min_coverage)
        noise = self.streams.tenders.standard_normal((due.size, self.n_sup)) * t.noise_sd
        scores = tender.tender_scores(
            bid / reference[:, None], pop.delivery[due], pop.loyalty[due] / self.market.j_ref,
            pop.kam[due].astype(float), eligible, w_price=t.w_price, w_delivery=t.w_delivery,
            w_loyalty=t.w_loyalty, w_kam=t.w_kam,
            noise=noise + pop.dedicated[due] * self.supply.dedicated_tender[None, :])
        pop.contract_supplier[due] = tender.award(scores)
        pop.contract_end[due] = self.week + t.period_weeks

    def _breach_retender(self, breach: np.ndarray) -> None:
        """Tender buyers whose contract supplier raised its price by a breach-size amount
        unannounced, and who bought from it this week, end the contract: it is re-tendered
        next week (search after a critical incident). Only contracts awarded before the rise
        window began are ended, so a new contract is not ended by the rise that caused it.
        ``breach``: this week's :meth:`trust_breach`."""
        pop = self.pop
        if not breach.any():
            return
        self._breach_end(breach)
        c = pop.contract_supplier.astype(np.int64)
        rows = np.flatnonzero(pop.active & pop.tender & (c >= 0))
        if rows.size == 0:
            return
        cs = c[rows]
        awarded = pop.contract_end[rows] - self.params.tender.period_weeks
        hit = ((breach[cs] > 0) & ~pop.warned[rows, cs] & (pop.share[rows, cs] > 0)
               & (awarded <= self.week - self.params.adaptation.rise_window_weeks))
        pop.contract_end[rows[hit]] = self.week + 1

    def _breach_end(self, breach: np.ndarray) -> None:
        """Buyers without a contract in force who ordered this week, unwarned, from a supplier
        in breach of trust end the relationship with probability
        ``adaptation.breach_end_probability`` each: the supplier leaves the suppliers they
        consider (awareness and loyalty gone; its prospecting may find them again), so their
        orders go to the others they know. A buyer keeps at least one supplier: one hit by
        every supplier it knows keeps the one of its largest share. One uniform per buyer
        and supplier from the trust stream in a week with a breach (none when the
        probability is 0). docs/ODD.md 7.h."""
        rate = self.params.adaptation.breach_end_probability
        if rate <= 0.0:
            return
        pop = self.pop
        u = self.streams.trust.random(pop.aware.shape)
        rows = np.flatnonzero(pop.active & (pop.contract_supplier < 0) & (pop.order_weeks > 0))
        hit = ((breach[None, :] > 0) & pop.aware[rows] & ~pop.warned[rows]
               & (pop.share[rows] > 0) & (u[rows] < rate))
        alone = hit.sum(axis=1) >= pop.aware[rows].sum(axis=1)
        if alone.any():  # never left without a supplier
            hit[np.flatnonzero(alone), pop.share[rows[alone]].argmax(axis=1)] = False
        r, s = np.nonzero(hit)
        pop.aware[rows[r], s] = False
        pop.loyalty[rows[r], s] = 0.0

    def _supplier_books(self, by_mat: np.ndarray, revenue: np.ndarray,
                        bad_debt: np.ndarray) -> dict[str, np.ndarray]:
        """The week's books per supplier from tonnes delivered (S x M) and revenue (S)."""
        sup = self.supply
        sup.last_delivered = by_mat
        kinds = self._cost_kinds(by_mat, revenue)
        total = by_mat.sum()
        sup.last_share = by_mat.sum(1) / total if total > 0 else np.zeros(self.n_sup)
        material_cost = (by_mat * sup.avg_cost).sum(1)
        processing = (by_mat @ self.market.processing_cost + kinds["holding_cost"]
                      + kinds["capacity_cost"])
        sup.quarter_orders += sup.orders_by_mat
        gross = revenue - material_cost - processing
        staff = sup.staff_cost + sup.extra_cost
        orders = sup.orders_by_mat.sum(1)
        alpha = sup.forecast_alpha
        sup.forecast = alpha * sup.orders_by_mat + (1.0 - alpha) * sup.forecast
        return {"volume_t": by_mat.sum(1), "revenue": revenue, "material_cost": material_cost,
                "processing_cost": processing, "staff_cost": sup.staff_cost.copy(),
                "strategy_cost": sup.extra_cost.copy(), "bad_debt": bad_debt,
                "gross_profit": gross, "net_profit": gross - staff - bad_debt,
                "market_share": sup.last_share.copy(),
                # own customers' first-round orders filled (spill-overs taken in excluded)
                "fill_rate": np.divide(sup.first_delivered.sum(1), orders,
                                       out=np.ones_like(orders), where=orders > EPS), **kinds}

    def _cost_kinds(self, by_mat: np.ndarray, revenue: np.ndarray) -> dict[str, np.ndarray]:
        """The week's costs by kind (S each; docs/TABLES.md): revenue given away in discounts
        (list price of what was delivered minus revenue), stock carrying and reactive capacity
        (both inside processing cost), and strategy cost by what it pays for."""
        out = {"discount_cost": (by_mat * self.supply.price).sum(1) - revenue,
               "holding_cost": (self.supply.stock * self.supply.avg_cost).sum(1) * (
                   self.params.finance.holding_cost_per_year / 52.0),
               "capacity_cost": self.supply.expanded.sum(1) * self.supply.line_cost / 52.0}
        for k, kind in enumerate(COST_KINDS):
            out[f"strategy_{kind}_cost"] = self.supply.cost_kinds[:, k].copy()
        return out

    def _quarterly_review(self) -> None:
        pop, abc = self.pop, self.params.abc
        buying = (pop.stage >= POTENTIAL) & (pop.stage <= lifecycle.SUNSET)
        for s in range(self.n_sup):
            pop.abc[:, s] = lifecycle.abc_classes(
                np.where(buying[:, s], pop.rev52[:, s], 0.0), mode=abc.mode,
                a_share=abc.a_share, b_share=abc.b_share, a_revenue=abc.a_revenue,
                b_revenue=abc.b_revenue)
        self._expand_capacity()
        fa = pop.abc[:, self.focal]
        better = (fa > 0) & ((pop.spell_abc == 0) | (fa < pop.spell_abc))
        pop.spell_abc[better] = fa[better]
        for sup in self.suppliers:
            sup.allocate_key_accounts()

    def _expand_capacity(self) -> None:
        """Reactive expansion: a material whose orders last quarter exceeded
        ``expand_utilisation`` of capacity gets ``expand_step`` more capacity."""
        sp = self.params.suppliers
        util = np.array([s.expand_utilisation for s in sp])[:, None]
        step = np.array([s.expand_step for s in sp])[:, None]
        sup = self.supply
        busy = (sup.quarter_orders / QUARTER > util * sup.capacity) & (sup.carries > 0)
        if busy.any():
            add = np.where(busy, self.supply.capacity * step, 0.0)
            self.supply.expanded += add
            self.supply.capacity += add
        self.supply.quarter_orders[:] = 0.0

    def shock_weeks(self) -> list[tuple[Any, int, int]]:
        """Each scheduled cost rise as (shock, material index, weeks since its start; negative
        before it)."""
        return [(sh, self.material_index(sh.material), self.week - sh.start_week)
                for sh in self.params.shocks if sh.magnitude > 0]

    def shock_rising(self) -> np.ndarray:
        """Materials whose scheduled cost rise is foreseen or still passing into prices
        (M bool): from ``foresight_weeks`` before a shock to ``rise_window_weeks`` after its
        ramp."""
        out = np.zeros(self.n_mat, dtype=bool)
        window = self.params.adaptation.rise_window_weeks
        for sh, m, k in self.shock_weeks():
            out[m] |= -sh.foresight_weeks <= k < sh.ramp_weeks + window
        return out

    def trust_breach(self) -> np.ndarray:
        """Share of loyalty each supplier's unwarned buyers withdraw this week (S): only a
        rise passing on a cost shock the supplier foresaw (and could have warned of) is a
        breach; moves of the index noise are not."""
        a = self.params.adaptation
        rising = self.shock_rising()
        if not rising.any():  # nothing foreseen: no breach (the product below is all 0.0)
            return np.zeros(self.n_sup)
        foreseen = (self.supply.carries[:, rising] > 0).any(axis=1)
        return adapt.breach(self.supply.price_rise(), a.breach_threshold,
                            a.breach_loyalty_loss) * foreseen
