"""The liquidation odds panel (issue 13): ``panel.OddsPanel`` and the worker thread that runs
``risk.odds.run_odds`` off the GUI thread (``worker.OddsRunner``)."""
