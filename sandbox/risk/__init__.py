"""Risk over many futures: liquidation odds (Monte Carlo) and the hedge map, for the twins.

Above the session layer and below the window and the CLI; no Qt. The engine's thresholds are read
in one place (``thresholds.py``); everything else works on numpy arrays of prices.

- ``thresholds.book(account)`` → ``Book``: every open position's trigger and the pool's headroom.
- ``odds.run_odds(books, model, horizon_ms, paths, seed, …)`` → ``Odds`` (chunked, cancellable).
- ``models``: ``GBM``, ``Sim``, ``Bootstrap``; ``history``: one-minute returns of the past.
- ``hedge_map.hedge_map(books, x_symbol, y_symbol, …)`` → ``HedgeMap``.
- ``command.add_odds_command`` registers ``margin-sandbox odds``.
"""
