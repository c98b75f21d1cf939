"""Running the model: one run (``run``), a comparison on common random numbers (``compare``),
sweeps (``sweepspec``, ``specfile``, ``sweep``, ``chunks``, ``outcomes``), the worker pool
(``pool``), lever decomposition (``levers``) and the price-response measurement
(``price_response``)."""
