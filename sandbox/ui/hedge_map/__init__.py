"""The hedge map panel (issue 13): ``panel.HedgeMapPanel`` draws ``risk.hedge_map`` for the
twins of the moment on screen."""
