"""The customers' week written the way a Mesa tutorial would: the readable oracle.

One ``RefCustomer`` agent per buyer with its state in Python lists, a ``step`` method that
chooses and places orders, called by ``shuffle_do``; one ``RefSupplier`` per supplier that
rations what it has among the orders it received. It is the oracle and the yardstick of the
model's compiled week (``sim/rules``, docs/PERFORMANCE.md): the benchmarks run both side by
side, and ``tests/benchmarks/test_reference.py`` checks that they agree on the same inputs.

What it covers, in the model's order (docs/ODD.md 7.f-7.i): choice (logit shares over known
suppliers with the minimum share, the tender winner's contract share and dual sourcing),
fulfilment (proportional or key-accounts-first rationing, one spill round to suppliers with
spare stock), the week's books (tonnes, revenue and cost per relationship), adaptation
(satisfaction, loyalty, delivery record, share of wallet), the rolling books (13- and 52-week
sums over the 52-slot ring, weeks with a purchase, weeks since the last one, tenure), the main
supplier, price sensitivity and the lifecycle stage. The week's demand, prices, stock and
strategy effects are taken as given (read from a ``MarketModel`` by
``ReferenceMarket.from_model`` at the moment of choice). Sums run in the order written here,
so results agree with the compiled rules to rounding (a few units in the last place; the
52-week rings hold float32, rounded here as there), not bit for bit.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from sim.market.population import RING, WEEKS_SINCE_CAP
from sim.reference_rhythm import RhythmBuyer
from sim.rules.lifecycle import GENERAL, KEY, LOST, NONE, POTENTIAL, PROSPECT, SUNSET
from sim.tolerance import EPS


class RefSupplier(mesa.Agent):
    """A supplier: what it can ship this week, and the orders it received."""

    def __init__(self, model: ReferenceMarket, index: int, available: list[float]) -> None:
        super().__init__(model)
        self.index = index
        self.available = list(available)   # t per material this round
        self.orders: list[list[tuple[RefCustomer, float]]] = [[] for _ in available]
        self.shipped = [0.0] * len(available)  # t delivered this week per material

    def take_order(self, material: int, customer: RefCustomer, tonnes: float) -> None:
        self.orders[material].append((customer, tonnes))

    def ration(self) -> None:
        """Ship in proportion to order size; key accounts first if the supplier's rule says so."""
        first = self.model.key_first[self.index]
        for m, orders in enumerate(self.orders):
            avail = max(self.available[m], 0.0)
            if first:
                prio = sum(t for c, t in orders if c.priority(self.index))
                rest = sum(t for c, t in orders if not c.priority(self.index))
                fill_p = min(avail / prio, 1.0) if prio > 0 else 1.0
                left = max(avail - fill_p * prio, 0.0)
                fill_r = min(left / rest, 1.0) if rest > 0 else 1.0
            else:
                total = sum(t for _, t in orders)
                fill_p = fill_r = avail / total if total > avail else 1.0
            sent = 0.0
            for customer, tonnes in orders:
                d = tonnes * (fill_p if first and customer.priority(self.index) else fill_r)
                customer.receive(self.index, m, d)
                sent += d
            self.available[m] -= sent  # spare for the next round (may dip below 0 by rounding)
            self.shipped[m] += sent
            self.orders[m] = []


class RefCustomer(RhythmBuyer, mesa.Agent):
    """A buyer. ``step`` chooses suppliers and places this week's orders (its order rhythm:
    ``sim/reference_rhythm.py``)."""

    def __init__(self, model: ReferenceMarket, row: int, state: dict) -> None:
        super().__init__(model)
        self.row = row
        self.__dict__.update(state)
        n_sup, n_mat = len(self.loyalty), len(self.demand)
        self.routine = [[0.0] * n_sup for _ in range(n_mat)]
        self.ordered = [[0.0] * n_sup for _ in range(n_mat)]      # first round
        self.first = [[0.0] * n_sup for _ in range(n_mat)]        # delivered, first round
        self.received = [[0.0] * n_sup for _ in range(n_mat)]     # delivered, both rounds

    # ------------------------------------------------------------------ choice
    def priority(self, s: int) -> bool:
        return self.stage[s] == KEY or self.kam[s]

    def service(self, s: int) -> float:
        m = self.model
        covered = self.kam[s] or self.dedicated[s]
        boost = (m.care_service[s] if covered else 0.0) + (
            m.dedicated_service[s] if self.dedicated[s] else 0.0)
        return min(m.service_level[s] + boost, 1.0)

    def utility(self, s: int, material: int) -> float:
        m, c = self.model, self.model.choice
        u = c.beta_loyalty * self.loyalty[s]
        u += c.beta_service * self.service(s)
        u += c.beta_kam * (float(self.kam[s]) + float(self.dedicated[s]))
        u += c.beta_fit_new * self.novelty * m.portfolio[s]
        if c.use_switching_cost and self.weeks_since[s] >= c.incumbent_weeks:
            u -= self.switching
        if c.use_price:
            rel = m.rel_price[s][material] * (1.0 - self.discount[s])
            u -= self.ps * (rel - 1.0)
        return u

    def shares(self, material: int) -> list[float]:
        """Logit shares over the known suppliers carrying ``material``; tiny ones dropped."""
        m = self.model
        options = {s: self.utility(s, material) for s in range(m.n_sup)
                   if self.aware[s] and m.carries[s][material] > 0}
        out = [0.0] * m.n_sup
        if not options:
            return out
        top = max(options.values())
        weights = {s: math.exp(u - top) for s, u in options.items()}
        total = sum(weights.values())
        for s, w in weights.items():
            out[s] = w / total
        floor = m.choice.min_share
        if floor > 0:
            biggest = max(out)
            out = [0.0 if x < floor and x < biggest else x for x in out]
            total = sum(out)
            out = [x / total for x in out]
        return out

    def with_contract(self, material: int, shares: list[float]) -> list[float]:
        """The tender winner's contract share; the rest to the buyer's other suppliers."""
        m, win = self.model, self.contract
        if win < 0 or not self.aware[win] or m.carries[win][material] <= 0:
            return shares
        cs = m.contract_share
        others = [0.0 if s == win else x for s, x in enumerate(shares)]
        total = sum(others)
        rest = [x / total for x in others] if total > 0 else [
            float(s == win) for s in range(m.n_sup)]
        return [cs * float(s == win) + (1.0 - cs) * rest[s] for s in range(m.n_sup)]

    def step(self) -> None:
        """Choose: split each material's demand across suppliers and place the orders."""
        for material, tonnes in enumerate(self.demand):
            self.routine[material] = self.shares(material)
            split = self.with_contract(material, self.routine[material])
            for s, share in enumerate(split):
                order = tonnes * share
                self.ordered[material][s] = order
                if order > 0:
                    self.model.suppliers[s].take_order(material, self, order)

    # -------------------------------------------------------------- fulfilment
    def receive(self, s: int, material: int, tonnes: float) -> None:
        self.received[material][s] += tonnes
        if self.model.round == 1:
            self.first[material][s] += tonnes

    def reorder(self) -> None:
        """Unfilled tonnes go once to known suppliers with spare stock, by routine shares."""
        m = self.model
        for material in range(len(self.demand)):
            unfilled = sum(self.ordered[material]) - sum(self.first[material])
            if unfilled == 0:
                continue
            w = [x if m.suppliers[s].available[material] > EPS else 0.0
                 for s, x in enumerate(self.routine[material])]
            total = sum(w)
            for s, x in enumerate(w):
                if total > 0 and x > 0:
                    m.suppliers[s].take_order(material, self, unfilled * x / total)

    # -------------------------------------------------------------- adaptation
    def adapt(self) -> None:
        """Satisfaction, loyalty, delivery record and share of wallet after the week."""
        m, a = self.model, self.model.adaptation
        wallet = sum(self.demand)
        for s in range(m.n_sup):
            ordered = sum(row[s] for row in self.ordered)
            first = sum(row[s] for row in self.first)
            got = sum(row[s] for row in self.received)
            fill = first / ordered if ordered > EPS else 1.0
            rel = m.relative_price[s] * (1.0 - self.discount[s])
            fairness = min(max(1.0 - a.fairness_slope * max(rel - 1.0, 0.0), 0.0), 1.0)
            unwarned = 0.0 if self.warned[s] else 1.0
            warning = 1.0 - min(max(a.rise_penalty * m.rise[s] * unwarned, 0.0), 1.0)
            score = a.w_fill * fill + a.w_service * self.service(s) + a.w_price * fairness
            target = min(max(score - a.w_warning * (1.0 - warning), 0.0), 1.0)
            covered = self.kam[s] or self.dedicated[s]
            rate = a.satisfaction_rate * (
                m.care_recovery[s] if covered and target > self.satisfaction[s] else 1.0)
            if ordered > EPS:
                self.satisfaction[s] += rate * (target - self.satisfaction[s])
                self.delivery[s] += a.delivery_smoothing * (fill - self.delivery[s])
            visit = got / wallet if wallet > EPS else 0.0
            if self.order_weeks > 0:  # between orders the last order's share stands
                self.share[s] = visit
            w, tol = a.payoff_satisfaction_weight, a.satisfaction_tolerance
            satisfying = min(max((self.satisfaction[s] - tol) / (1.0 - tol), 0.0), 1.0)
            payoff = a.payoff * visit * ((1.0 - w) + w * satisfying) if w else a.payoff * visit
            payoff *= self.order_weeks  # the weeks of demand this order carries
            payoff *= ((m.care_payoff[s] if covered else 1.0)
                       * (m.dedicated_payoff[s] if self.dedicated[s] else 1.0)
                       * (1.0 + m.cultivation[s] if self.stage[s] in (POTENTIAL, GENERAL)
                          else 1.0))
            self.loyalty[s] = (1.0 - a.gamma) * self.loyalty[s] + payoff
            if ordered > EPS and not self.warned[s]:  # a breach of trust (critical incident)
                self.loyalty[s] *= 1.0 - m.breach[s]

    # ------------------------------------------------------------------- books
    def keep_books(self) -> None:
        """Tonnes, revenue (list price less the targeted discount) and cost (average stock
        cost plus processing) of this week's deliveries, per supplier."""
        m = self.model
        self.vol = [0.0] * m.n_sup
        self.rev = [0.0] * m.n_sup
        self.cost = [0.0] * m.n_sup
        for material, row in enumerate(self.received):
            for s, d in enumerate(row):
                self.vol[s] += d
                self.rev[s] += d * m.price[s][material] * (1.0 - self.discount[s])
                self.cost[s] += d * (m.avg_cost[s][material] + m.processing_cost[material])
        self.bought = [v > EPS for v in self.vol]

    def roll_books(self) -> None:
        """13- and 52-week sums: this week's figures in, those of 13 and 52 weeks ago out."""
        for s in range(self.model.n_sup):
            v = float(np.float32(self.vol[s]))  # the ring holds float32
            self.vol13[s] = max(self.vol13[s] + v - self.vol_13_ago[s], 0.0)
            self.act13[s] += int(v > 0) - int(self.vol_13_ago[s] > 0)
            for total, new, old in (("vol52", v, self.vol_52_ago),
                                    ("rev52", float(np.float32(self.rev[s])), self.rev_52_ago),
                                    ("cost52", float(np.float32(self.cost[s])),
                                     self.cost_52_ago)):
                sums = getattr(self, total)
                sums[s] = max(sums[s] + new - old[s], 0.0)
            self.weeks_since[s] = 0 if self.bought[s] else min(self.weeks_since[s] + 1,
                                                                 WEEKS_SINCE_CAP)
            if POTENTIAL <= self.stage[s] <= SUNSET:
                self.tenure[s] += 1
        top = max(self.vol13)
        self.main = self.vol13.index(top) if top > 0 else -1

    def update_price_sensitivity(self) -> None:
        """Price sensitivity relaxes toward a target that rises when a known rival undercuts
        the main supplier or the bond is thin, and falls with tenure and key-account care."""
        m, a = self.model, self.model.adaptation
        rel = [m.relative_price[s] * (1.0 - self.discount[s]) for s in range(m.n_sup)]
        main = self.main
        if main >= 0:
            rivals = [rel[s] for s in range(m.n_sup) if self.aware[s] and s != main]
            undercut = bool(rivals) and min(rivals) < rel[main] * (1.0 - a.ps_cut_threshold)
            thin = 1.0 - min(self.loyalty[main] / m.j_ref, 1.0)
            tenure = min(self.tenure[main] / a.ps_tenure_weeks, 1.0)
            care = self.kam[main]
        else:
            undercut, thin, tenure, care = False, 1.0, 0.0, False
        target = (self.ps_base * (1.0 + a.ps_cut_gain * undercut + a.ps_thin_gain * thin)
                  * ((1.0 - a.ps_tenure_relief * tenure) * (1.0 - a.ps_kam_relief * care)))
        self.ps += a.ps_rate * (target - self.ps)

    def next_stages(self) -> None:
        """Each relationship's lifecycle stage from last week's and the books (first rule that
        applies, in the order of docs/ODD.md 7.i); tenure restarts with a new buying spell."""
        r, buying = self.model.rules, (POTENTIAL, GENERAL, KEY, SUNSET)
        self.old_stage = list(self.stage)
        for s, old in enumerate(self.old_stage):
            self.stage[s] = NONE if not self.active else self.stage_rule(s, old, r)
            new = self.stage[s]
            started = new == POTENTIAL and old not in buying
            ended = old in buying and new not in buying
            if started or ended:
                self.tenure[s] = 0

    def stage_rule(self, s: int, stage: int, r) -> int:
        rev, cost = self.rev52[s], self.cost52[s]
        margin = (rev - cost) / rev if rev > EPS else 0.0
        run_rate = 4.0 * self.vol13[s]
        declining = self.tenure[s] >= 52 and run_rate < r.sunset_ratio * self.vol52[s]
        recovered = run_rate >= r.recovery_ratio * self.vol52[s]
        key_ok = (self.vol52[s] >= r.key_volume_t and self.act13[s] >= r.continuity_weeks
                  and margin >= r.key_margin_floor and self.credit_ok)
        if POTENTIAL <= stage <= SUNSET and self.weeks_since[s] >= r.lost_after_weeks:
            return LOST
        if stage in (NONE, PROSPECT, LOST) and self.bought[s]:
            return POTENTIAL
        if stage == NONE and self.aware[s]:
            return PROSPECT
        if stage == POTENTIAL and (self.tenure[s] >= r.potential_min_weeks
                                   and self.vol52[s] >= r.general_volume_t):
            return GENERAL
        if stage == GENERAL and declining:
            return SUNSET
        if stage == GENERAL and key_ok:
            return KEY
        if stage == KEY and declining:
            return SUNSET
        if stage == KEY and not key_ok:
            return GENERAL
        if stage == SUNSET and recovered and not declining:
            return GENERAL
        return stage

    def close_week(self) -> None:
        """After adaptation: books, rolling books, price sensitivity, lifecycle."""
        self.roll_books()
        self.update_price_sensitivity()
        self.next_stages()


class ReferenceMarket(mesa.Model):
    """Customers and suppliers as agents; one ``step`` is one week of choice, fulfilment
    and adaptation."""

    def __init__(self, model, *, seed: int = 0) -> None:
        super().__init__(rng=seed)
        p = model.params
        if p.choice.mode != "split":
            raise NotImplementedError("the reference covers the 'split' choice mode")
        self.choice, self.adaptation = p.choice, p.adaptation
        self.contract_share = p.tender.contract_share
        self.n_sup, self.n_mat = model.n_sup, model.n_mat
        tolist = lambda a: np.asarray(a).tolist()  # noqa: E731
        self.carries = tolist(model.supply.carries)
        self.rel_price = tolist(model.supply.rel_price)
        self.service_level = tolist(model.supply.service)
        self.portfolio = tolist(model.supply.portfolio)
        self.key_first = tolist(model.supply.key_first)
        self.care_service = tolist(model.supply.care_service)
        self.dedicated_service = tolist(model.supply.dedicated_service)
        self.care_recovery = tolist(model.supply.care_recovery)
        self.care_payoff = tolist(model.supply.care_payoff)
        self.dedicated_payoff = tolist(model.supply.dedicated_payoff)
        self.cultivation = tolist(model.supply.cultivation)
        self.rise = tolist(model.supply.price_rise())
        self.breach = tolist(model.trust_breach())
        self.price = tolist(model.supply.price)
        self.avg_cost = tolist(model.supply.avg_cost)
        self.processing_cost = tolist(model.market.processing_cost)
        self.j_ref = model.market.j_ref
        self.rules = model.rules
        self.available0 = tolist(np.minimum(model.supply.stock, model.supply.capacity))
        self.suppliers = [RefSupplier(self, s, self.available0[s]) for s in range(self.n_sup)]
        pop = model.pop
        cols = {name: tolist(getattr(pop, name)) for name in (
            "demand", "aware", "loyalty", "satisfaction", "share", "delivery", "kam",
            "dedicated", "discount", "warned", "weeks_since", "stage", "ps", "novelty",
            "switching", "contract_supplier", "active", "ps_base", "tenure", "vol13", "act13",
            "vol52", "rev52", "cost52", "backlog", "order_interval", "waited", "order_weeks")}
        slot, slot13 = model.week % RING, (model.week - 13) % RING
        cols["vol_13_ago"] = tolist(pop.ring.dense(slot13, "vol", pop.n).astype(float))
        for name in ("vol", "rev", "cost"):
            cols[f"{name}_52_ago"] = tolist(pop.ring.dense(slot, name, pop.n).astype(float))
        cols["credit_ok"] = tolist(model._credit_ok())
        for i in range(pop.n):
            state = {k: v[i] for k, v in cols.items()}
            state["contract"] = state.pop("contract_supplier")
            RefCustomer(self, i, state)
        self.customers = self.agents_by_type[RefCustomer]
        self.round = 1
        self.relative_price = [1.0] * self.n_sup

    def step(self) -> None:
        """One week: customers choose (in random order), suppliers ration, unfilled orders
        spill once, suppliers ration again, customers adapt."""
        for sup in self.suppliers:
            sup.available = list(self.available0[sup.index])
            sup.shipped = [0.0] * self.n_mat
        for c in self.customers:
            for rows in (c.first, c.received):
                for row in rows:
                    row[:] = [0.0] * self.n_sup
        self.round = 1
        self.customers.shuffle_do("step")
        self.agents_by_type[RefSupplier].do("ration")
        self.round = 2
        self.customers.shuffle_do("reorder")
        self.agents_by_type[RefSupplier].do("ration")
        self.relative_price = self.supplier_relative_price()
        self.customers.do("keep_books")
        self.customers.shuffle_do("adapt")
        self.customers.do("close_week")

    def supplier_relative_price(self) -> list[float]:
        """Each supplier's price relative to the market, weighted by this week's tonnes."""
        weight = [sum(sup.shipped[m] for sup in self.suppliers) + EPS
                  for m in range(self.n_mat)]
        out = []
        for s in range(self.n_sup):
            num = sum(self.rel_price[s][m] * self.carries[s][m] * weight[m]
                      for m in range(self.n_mat))
            den = sum(self.carries[s][m] * weight[m] for m in range(self.n_mat))
            out.append(num / max(den, EPS))
        return out

    @classmethod
    def from_model(cls, model, seed: int = 0) -> ReferenceMarket:
        """A reference market holding ``model``'s state as it stands (before its choice)."""
        return cls(model, seed=seed)
