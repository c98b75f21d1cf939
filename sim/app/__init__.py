"""The browser explorer (``kamsim app``): a Solara page for one scenario at a time, with Mesa's
visualisation inputs and update counter.

``controls`` the levers (from the parameter declaration), ``appmodel`` the model the page
steps, ``player`` Reset/Play/Step (Play paced by what the page has shown), ``charts`` the
market charts, ``customers`` the customer map and profile, ``vega`` the chart specs and their
in-place drawing, ``components`` the live parts of the page, ``app`` the page, ``labels`` en/zh,
``server`` starting it offline.
"""
