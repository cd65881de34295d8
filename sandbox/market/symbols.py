"""The symbol a market-data file is about, read from its name.

Recognised names (the first that matches wins):

- TradingView export: ``BINANCE_BTCUSDT.P, 5.csv`` → BTCUSDT
- Binance coin-margined: ``BTCUSD_PERP-1m-2024-01-01.zip`` → BTCUSDT (see below)
- freqtrade: ``XRP_USDT_USDT-5m-futures.csv`` → XRPUSDT, ``BTC_USDT-1h.csv`` → BTCUSDT
- data.binance.vision: ``BTCUSDT-1m-2024-01-01.zip``, ``BTCUSDT-aggTrades-2024-01-01.zip`` → BTCUSDT
- FTX-style perpetual: ``btc-perp-20211231-20220201_1m.csv`` → BTCUSDT (see below)
- LEAN: ``btcusd_20221213_trade.zip`` or its member ``20221213_btcusd_minute_trade.csv`` → BTCUSDT

USD-margined perpetuals (FTX's BTC-PERP, Binance's coin-margined BTCUSD) take the name of the
linear USDT contract on the same coin: the sandbox trades only linear USDT contracts, and what
these files bring to it is a real price path. Pass a symbol to choose another name.
"""

from __future__ import annotations

import re
from pathlib import PurePath

_UPPER = [
    (re.compile(r"^[A-Z0-9]+_([A-Z0-9]{3,})(?:\.P)?, ?\d"), "{0}"),
    (re.compile(r"(?:^|[^A-Z0-9])([A-Z0-9]+USD)_(?:PERP|\d{6})-"), "{0}T"),
    (re.compile(r"(?:^|[^A-Z0-9])([A-Z0-9]{2,})_([A-Z0-9]{2,})(?:_[A-Z0-9]+)?-\d+[smhdwM]"), "{0}{1}"),
    (re.compile(r"(?:^|[^A-Z0-9])([A-Z0-9]{5,})-(?:\d+[smhdwM]|aggTrades|trades)(?![A-Za-z0-9])"), "{0}"),
]
_ANY_CASE = [
    (re.compile(r"(?:^|[^a-z0-9])([a-z0-9]+)-perp(?![a-z0-9])", re.IGNORECASE), "{0}USD"),
    (re.compile(r"(?:^|_)([a-z0-9]+)_\d{8}_(?:trade|quote)", re.IGNORECASE), "{0}"),
    (re.compile(r"(?:^|_)\d{8}_([a-z0-9]+)_(?:minute|second)_(?:trade|quote)", re.IGNORECASE), "{0}"),
]


def symbol_from_names(*names: str) -> str | None:
    """The symbol in the first of ``names`` (file or zip-member names) that has one."""
    for name in names:
        stem = PurePath(name).name
        for pattern, form in _UPPER:
            m = pattern.search(stem)
            if m:
                return form.format(*m.groups())
        for pattern, form in _ANY_CASE:
            m = pattern.search(stem)
            if m:
                symbol = form.format(m.group(1).upper())
                return symbol + "T" if symbol.endswith("USD") else symbol  # BTCUSD → BTCUSDT
    return None


MAX_SYMBOL_LENGTH = 40  # exchange symbols are a dozen characters; a longer one is not a symbol
_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9._:/-]*")


def symbol_problem(symbol: str) -> str | None:
    """Why ``symbol`` (upper case, as given on a command line) is no symbol, or None."""
    if not _SYMBOL.fullmatch(symbol) or len(symbol) > MAX_SYMBOL_LENGTH:
        return (
            f"{symbol[:MAX_SYMBOL_LENGTH]!r}{'…' if len(symbol) > MAX_SYMBOL_LENGTH else ''} is not a symbol "
            f"(letters, digits and . _ : / -, at most {MAX_SYMBOL_LENGTH} characters, such as BTCUSDT)"
        )
    return None
