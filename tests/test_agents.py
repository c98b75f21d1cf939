"""Mesa agents: one Customer per active customer, read-through attributes onto the
population arrays, removal on exit, AgentSet queries and a DataCollector."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim.market.agents import Customer, Supplier
from sim.market.model import MarketModel
from sim.params import MATERIALS, SEGMENTS
from sim.rules.lifecycle import KEY, STAGE_NAMES


def new_model(params, **kw) -> MarketModel:
    return MarketModel(params, **kw)


def rows_of(agents) -> list[int]:
    return sorted(a.row for a in agents)


@pytest.fixture
def model(small_params):
    return new_model(small_params)


def test_one_agent_per_active_customer(model, small_params):
    customers = model.agents_by_type[Customer]
    assert len(customers) == small_params.run.customers == int(model.pop.active.sum())
    assert rows_of(customers) == np.flatnonzero(model.pop.active).tolist()
    assert model.customers is customers or len(model.customers) == len(customers)
    suppliers = model.agents_by_type[Supplier]
    assert [s.name for s in suppliers] == [sp.name for sp in small_params.suppliers]
    assert sum(s.focal for s in suppliers) == 1


def test_customer_attributes_read_the_arrays(model):
    pop, f = model.pop, model.focal
    agent = next(a for a in model.agents_by_type[Customer] if a.row == 7)
    pop.ps[7] = 123.5
    assert agent.price_sensitivity == 123.5
    pop.loyalty[7, f] = 9.25
    assert agent.loyalty == 9.25
    assert agent.loyalty_by_supplier[model.supplier_names[f]] == 9.25
    pop.satisfaction[7, f] = 0.125
    assert agent.satisfaction == 0.125
    pop.stage[7, f] = KEY
    assert agent.stage == "key"
    pop.abc[7, f] = 2
    assert agent.abc_class == "B"
    pop.segment[7] = SEGMENTS.index("ice_oem")
    assert agent.segment == "ice_oem"
    pop.demand[7] = [1.0, 2.0, 0.5]
    assert agent.demand_t == 3.5
    assert agent.demand_by_material == dict(zip(MATERIALS, [1.0, 2.0, 0.5], strict=True))
    pop.main[7] = 2
    assert agent.main_supplier == model.supplier_names[2]
    pop.main[7] = -1
    assert agent.main_supplier == ""
    pop.share[7] = 0.0
    pop.share[7, 1] = 0.4
    assert agent.share_of_wallet == {n: (0.4 if i == 1 else 0.0)
                                     for i, n in enumerate(model.supplier_names)}
    pop.tender[7] = True
    assert agent.tender is True
    card = agent.profile()
    assert card["customer"] == 7 and card["stage"] == "key" and card["main_supplier"] == ""


def test_attributes_follow_the_weekly_step(model):
    agent = next(iter(model.agents_by_type[Customer]))
    model.step()
    r, f = agent.row, model.focal
    assert agent.demand_t == pytest.approx(model.pop.demand[r].sum())
    assert agent.stage == STAGE_NAMES[model.pop.stage[r, f]]
    assert agent.loyalty == model.pop.loyalty[r, f]


def test_leavers_are_removed_and_entrants_added(small_loader):
    params = small_loader(**{"run.customers": 200, "run.weeks": 40, "run.seed": 2})
    model = new_model(params)
    ever = {a.row: a for a in model.agents_by_type[Customer]}
    for _ in range(40):
        model.step()
        ever.update({a.row: a for a in model.agents_by_type[Customer]})
    pop = model.pop
    gone = np.flatnonzero(~pop.active)
    assert gone.size > 0, "no customer left the market: lengthen the run"
    assert pop.n > 200, "no customer entered the market: lengthen the run"
    customers = model.agents_by_type[Customer]
    assert len(customers) == int(pop.active.sum())
    assert rows_of(customers) == np.flatnonzero(pop.active).tolist()
    for r in gone:  # the agent object of every leaver is out of the model's AgentSets
        assert ever[r] not in customers and ever[r] not in model.agents
    # Entrants are agents too, each on its own new row.
    assert {a.row for a in customers if a.row >= 200} == set(np.flatnonzero(pop.active[200:]) + 200)


def test_select_and_groupby(small_params):
    model = new_model(small_params)
    for _ in range(3):
        model.step()
    pop = model.pop
    customers = model.agents_by_type[Customer]
    tier2 = customers.select(lambda a: a.segment == "tier2")
    assert len(tier2) == int((pop.active & (pop.segment == SEGMENTS.index("tier2"))).sum()) > 0
    assert all(a.segment == "tier2" for a in tier2)
    big = customers.select(lambda a: a.demand_t > 10, at_most=5)
    assert len(big) <= 5 and all(a.demand_t > 10 for a in big)
    counts = customers.groupby("segment").count()
    expected = {s: int((pop.active & (pop.segment == i)).sum()) for i, s in enumerate(SEGMENTS)}
    assert counts == {s: n for s, n in expected.items() if n}
    by_stage = customers.groupby("stage").count()
    f = model.focal
    act = pop.stage[pop.active, f]
    assert by_stage == {STAGE_NAMES[k]: int((act == k).sum()) for k in np.unique(act)}
    # AgentSet.agg over a read-through attribute equals the array arithmetic.
    assert customers.agg("demand_t", sum) == pytest.approx(pop.demand[pop.active].sum())


def test_datacollector_with_callable_reporters(small_loader):
    params = small_loader(**{"run.customers": 40, "run.weeks": 4})
    model = new_model(params)
    dc = mesa.DataCollector(
        model_reporters={"active": lambda m: int(m.pop.active.sum()),
                         "focal_share": lambda m: float(m.supply.last_share[m.focal])},
        agent_reporters={"kind": lambda a: type(a).__name__},
        agenttype_reporters={Customer: {"demand": lambda a: a.demand_t, "stage": "stage",
                                        "row": lambda a: a.row}})
    seen = []
    for _ in range(4):
        model.step()
        dc.collect(model)
        seen.append({a.row: a.demand_t for a in model.agents_by_type[Customer]})
    mv = dc.get_model_vars_dataframe()
    assert len(mv) == 4 and (mv["active"] > 0).all()
    assert mv["focal_share"].between(0, 1).all()
    av = dc.get_agent_vars_dataframe()
    kinds = av["kind"].groupby(level=0).value_counts().unstack(fill_value=0)
    assert (kinds["Supplier"] == len(params.suppliers)).all()
    assert kinds["Customer"].tolist() == [len(s) for s in seen]
    ct = dc.get_agenttype_vars_dataframe(Customer).reset_index()
    assert len(ct) == sum(len(s) for s in seen)
    for i, snapshot in enumerate(seen):
        step = ct[ct["Step"] == ct["Step"].unique()[i]]
        assert dict(zip(step["row"], step["demand"], strict=True)) == snapshot
        assert set(step["stage"]) <= set(STAGE_NAMES)


def test_population_growth_keeps_agents_and_rows(small_loader):
    # Recorded for one week only, so the arrays are sized for a week of entrants; heavy
    # entry over 30 weeks forces them to grow (by doubling) several times.
    params = small_loader(**{"run.customers": 50, "run.weeks": 1,
                             "segments.tier2.entry_per_year": 1500.0})
    model = new_model(params)
    cap0 = model.pop.cap
    seg0 = model.pop.segment.copy()
    ps0 = model.pop.ps_base.copy()
    for _ in range(30):
        model.step()
    pop = model.pop
    assert pop.cap > cap0 and pop.n > cap0
    assert (pop.segment[:50] == seg0).all() and (pop.ps_base[:50] == ps0).all()
    customers = model.agents_by_type[Customer]
    assert len(customers) == int(pop.active.sum())
    assert rows_of(customers) == np.flatnonzero(pop.active).tolist()
    agent = max(customers, key=lambda a: a.row)
    pop.ps[agent.row] = 4.5
    assert agent.price_sensitivity == 4.5


def test_without_customer_agents_customers_is_empty(small_params):
    model = new_model(small_params, customer_agents=False)
    assert len(model.customers) == 0
