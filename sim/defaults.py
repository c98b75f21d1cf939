"""Per-segment and per-material defaults (data only), read by ``sim.params``.

A scenario that sets only some keys of a segment or material keeps these values for the rest.
Sources and reasoning for each number are in ``scenarios/baseline.toml`` and ``docs/ODD.md``
(section 6, input data).
"""

DEFAULT_MATERIALS: dict[str, dict] = {
    "steel": dict(base_cost=4200.0, volatility=0.02, reversion=0.03, processing_cost=220.0),
    "hdg_ahss": dict(base_cost=5600.0, volatility=0.02, reversion=0.03, processing_cost=300.0),
    "aluminium": dict(base_cost=19500.0, volatility=0.025, reversion=0.03,
                      processing_cost=900.0),
}

DEFAULT_SEGMENTS: dict[str, dict] = {
    "ev_oem": dict(share=0.02, entry_per_year=0.3, size_median=60.0, size_sigma=1.0,
                   growth_mean=0.15, growth_sd=0.08, price_sensitivity=6.0,
                   switching_cost=2.0, tender_share=0.8, credit_default_per_year=0.003,
                   closure_per_year=0.01, novelty=0.7, ev_exposure=1.0, ev_native=True,
                   awareness=3),
    "ice_oem": dict(share=0.03, entry_per_year=0.0, size_median=50.0, size_sigma=0.9,
                    growth_mean=-0.04, growth_sd=0.05, price_sensitivity=8.0,
                    switching_cost=2.0, tender_share=0.8, credit_default_per_year=0.005,
                    closure_per_year=0.01, novelty=0.2, ev_exposure=0.4, awareness=3),
    "new_entrant": dict(share=0.02, entry_per_year=3.0, size_median=15.0, size_sigma=1.3,
                        growth_mean=0.40, growth_sd=0.2, price_sensitivity=10.0,
                        switching_cost=0.5, tender_share=0.5, credit_default_per_year=0.04,
                        closure_per_year=0.08, novelty=0.9, ev_exposure=1.0, ev_native=True,
                        awareness=2),
    "tier1": dict(share=0.23, entry_per_year=10.0, size_median=4.0, size_sigma=1.1,
                  growth_mean=0.03, growth_sd=0.06, price_sensitivity=8.0,
                  switching_cost=1.0, tender_share=0.1, credit_default_per_year=0.01,
                  closure_per_year=0.03, novelty=0.4, ev_exposure=1.0, awareness=2),
    "tier2": dict(share=0.70, entry_per_year=40.0, size_median=0.8, size_sigma=1.0,
                  growth_mean=0.0, growth_sd=0.05, price_sensitivity=12.0,
                  switching_cost=0.7, tender_share=0.0, credit_default_per_year=0.02,
                  closure_per_year=0.06, novelty=0.2, ev_exposure=0.7, awareness=2),
}
