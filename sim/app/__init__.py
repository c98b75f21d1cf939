"""The browser explorer (``kamsim app``): a Mesa SolaraViz page for one scenario at a time.

``controls`` builds the sliders and switches from the parameter declaration, ``appmodel`` the
model SolaraViz drives, ``components`` the live charts and the customer profile, ``app`` the
page itself and ``server`` starts Solara on 127.0.0.1 with every asset served locally.
"""
