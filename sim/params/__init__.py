"""The one declaration of every kamsim parameter.

Each parameter is declared once, in this package, with its type, unit, default, bounds and
source (:func:`sim.params.base.P`). The scenario loader validates files against these models;
sweeps read bounds from them; the browser explorer builds its sliders from them; ``kamsim
params`` prints them for the ODD. Nothing else in the code base may restate a default.

One module a part: ``base`` (labels, bounds with their reasons, the declaration helper),
``market`` (run, materials, cost shocks, EV transition, segments), ``suppliers`` (a supplier
and the strategy library's blocks), ``behaviour`` (the rules' parameters: choice, tenders,
adaptation, lifecycle, ABC, finance), ``scenario`` (the whole scenario, book and calibration),
``workshop`` (rules of play and levers). ``sim.params`` re-exports every public name, so it
stays the one import path.

Conventions: money in CNY, volumes in tonnes (t), time in weeks unless the name says otherwise
(``_per_year``), rates as fractions (0.05 = 5 %).
"""

from __future__ import annotations

from sim.params.base import (  # noqa: F401
    BUDGET,
    CAPEX,
    CONTACTS,
    CUSTOMER_T_WEEK,
    EACH,
    ENTRY,
    MATERIALS,
    MAX_NAME,
    PRESENCE_HI,
    PRESENCE_LO,
    PRICE_FLOOR,
    PRICE_T,
    RAMP,
    RUN_WEEKS,
    SALARY,
    SEED,
    SEGMENTS,
    STAGES,
    TONNES_WEEK,
    VOLUME_YEAR,
    WEEKS,
    Capacity,
    Limit,
    Mix,
    Name,
    P,
    Strict,
    Text,
    normal_name,
)
from sim.params.behaviour import (  # noqa: F401
    ABCParams,
    AdaptationParams,
    ChoiceParams,
    FinanceParams,
    LifecycleParams,
    TenderParams,
)
from sim.params.market import (  # noqa: F401
    EVParams,
    MaterialParams,
    RunParams,
    SegmentParams,
    Shock,
)
from sim.params.scenario import (  # noqa: F401
    BookParams,
    CalibrationParams,
    FreeParameter,
    Scenario,
)
from sim.params.suppliers import (  # noqa: F401
    DedicatedTeam,
    DemandForecasting,
    Development,
    KamCentre,
    LifecycleCare,
    NewMaterials,
    Poaching,
    PriceCommunication,
    PriceWar,
    Strategies,
    SupplierParams,
    SupplyAssurance,
)
from sim.params.workshop import (  # noqa: F401
    Levers,
    WorkshopSettings,
)
