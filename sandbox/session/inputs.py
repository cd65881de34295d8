"""Every input of a session in numpy arrays: how the window keeps a long recording.

As Python objects a price input costs about 200 bytes (an int for its time, a ``Price``, a
``Decimal``), so a recording of a few million ticks took gigabytes. Here a price costs 21 bytes:
its time (int64), its symbol's index (int32), and the price as an integer coefficient (int64)
with its decimal exponent (int8). ``Decimal(coefficient).scaleb(exponent)`` is the very
``Decimal`` that was read, trailing zeros and all, so a replay from here prints ``57200.0``
exactly where a replay from the file does. Commands (open, close, …) are few and stay as objects,
kept by input index.

Every price is within ``engine.limits`` (the readers check), so at most 8 decimals and below
10⁹: the coefficient fits an int64 once extra trailing zeros are dropped.

Consumers iterate ``items(start, stop)``: ``(t, symbol, price)`` for a price, ``(t, None, command)``
for anything else, the shape the session reader streams too (``reader.Item``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, overload

import numpy as np

from ..engine import Command, Price
from ..engine.limits import PLACES

Item = tuple[int, str | None, Any]  # (t, symbol, price Decimal) or (t, None, Command)
_NO_SYMBOL = -1
MAX_SYMBOLS = 10_000  # distinct symbols in one session: a profile has a few dozen
_BATCH = 1 << 14


class TooManySymbols(ValueError):
    pass


def split_decimal(value: Decimal) -> tuple[int, int]:
    """(coefficient, exponent) of a price with at most ``PLACES`` significant decimals."""
    _, _, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a finite price (the readers check)
    if exponent < -PLACES:
        value, exponent = value.quantize(Decimal(1).scaleb(-PLACES)), -PLACES
    return int(value.scaleb(-exponent)), exponent


class Inputs:
    """A growable, truncatable list of inputs (time and command) in compact arrays."""

    __slots__ = ("_coef", "_commands", "_exp", "_sym", "_symbol_index", "_t", "n", "symbols")

    def __init__(self, capacity: int = 1024):
        self._t = np.empty(capacity, np.int64)
        self._sym = np.empty(capacity, np.int32)
        self._coef = np.empty(capacity, np.int64)
        self._exp = np.empty(capacity, np.int8)
        self.symbols: list[str] = []
        self._symbol_index: dict[str, int] = {}
        self._commands: dict[int, Command] = {}
        self.n = 0

    @classmethod
    def of(cls, times: Sequence[int], commands: Sequence[Command]) -> Inputs:
        """The inputs ``zip(times, commands)``; a view of another ``Inputs`` is copied as arrays."""
        if len(times) != len(commands):
            raise ValueError("times and commands must have the same length")
        if isinstance(commands, Commands):
            return commands.inputs.copy(len(commands))
        out = cls(max(len(commands), 16))
        out.extend((t, None, c) for t, c in zip(times, commands))
        return out

    def __len__(self) -> int:
        return self.n

    # ------------------------------------------------------------------ adding
    def _reserve(self, extra: int) -> None:
        need = self.n + extra
        if need <= len(self._t):
            return
        cap = max(need, 2 * len(self._t))
        self._t = np.resize(self._t, cap)
        self._sym = np.resize(self._sym, cap)
        self._coef = np.resize(self._coef, cap)
        self._exp = np.resize(self._exp, cap)

    def _symbol(self, symbol: str) -> int:
        index = self._symbol_index.get(symbol)
        if index is None:
            if len(self.symbols) >= MAX_SYMBOLS:
                raise TooManySymbols(f"more than {MAX_SYMBOLS:,} different symbols")
            index = self._symbol_index[symbol] = len(self.symbols)
            self.symbols.append(symbol)
        return index

    def append(self, t: int, command: Command) -> None:
        self.extend(((t, None, command),))

    def extend(self, items: Iterable[Item]) -> None:
        """Add ``(t, symbol, price)`` / ``(t, None, command)`` items, a batch of arrays at a time.
        A ``Price`` command is stored as a price."""
        columns: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])
        ts, syms, coefs, exps = columns
        index = self._symbol_index
        for t, symbol, x in items:
            if symbol is None:
                if type(x) is not Price:
                    self._flush(columns)
                    self._reserve(1)
                    n = self.n
                    self._commands[n] = x
                    self._t[n], self._sym[n], self._coef[n], self._exp[n] = t, _NO_SYMBOL, 0, 0
                    self.n = n + 1
                    continue
                symbol, x = x.symbol, x.price
            code = index.get(symbol)
            if code is None:
                code = self._symbol(symbol)
            # str() and slicing split "60123.4" into 601234 and -1 three times faster than
            # Decimal.as_tuple(); exponent notation and over-long zeros take the slow way.
            text = str(x)
            dot = text.find(".")
            if dot > 0 and "E" not in text and len(text) - dot <= PLACES + 1:
                coef, exp = int(text[:dot] + text[dot + 1 :]), dot + 1 - len(text)
            elif dot < 0 and "E" not in text:
                coef, exp = int(text), 0
            else:
                coef, exp = split_decimal(x)
            ts.append(t)
            syms.append(code)
            coefs.append(coef)
            exps.append(exp)
            if len(ts) == _BATCH:
                self._flush(columns)
        self._flush(columns)

    def _flush(self, columns: tuple[list[int], list[int], list[int], list[int]]) -> None:
        k = len(columns[0])
        if not k:
            return
        self._reserve(k)
        end = self.n + k
        arrays: tuple[np.ndarray, ...] = (self._t, self._sym, self._coef, self._exp)
        for array, values in zip(arrays, columns):
            array[self.n : end] = values
            values.clear()
        self.n = end

    def truncate(self, n: int) -> None:
        """Keep the first ``n`` inputs."""
        if n >= self.n:
            return
        for i in [i for i in self._commands if i >= n]:
            del self._commands[i]
        self.n = n

    def copy(self, n: int | None = None) -> Inputs:
        """A new store holding the first ``n`` inputs (all by default)."""
        n = self.n if n is None else min(n, self.n)
        out = Inputs(max(n, 16))
        out._t[:n], out._sym[:n], out._coef[:n], out._exp[:n] = (
            self._t[:n],
            self._sym[:n],
            self._coef[:n],
            self._exp[:n],
        )
        out.symbols = list(self.symbols)
        out._symbol_index = dict(self._symbol_index)
        out._commands = {i: c for i, c in self._commands.items() if i < n}
        out.n = n
        return out

    def spliced(
        self,
        index: int,
        inserted: Iterable[Item],
        keep_commands: bool,
        replaced: dict[int, Command] | None = None,
    ) -> Inputs:
        """A new store for a branch that keeps the market: the first ``index`` inputs, then
        ``inserted``, then every later price and, with ``keep_commands``, every later command
        (``replaced`` gives some of those a new form, by input index); without it the later
        commands are left out. Arrays are copied a slice at a time, not input by input."""
        out = self.copy(index)
        out.extend(inserted)
        tail = self._sym[index : self.n]
        if keep_commands:
            take = np.arange(index, self.n)
        else:
            take = np.flatnonzero(tail != _NO_SYMBOL) + index
        k = len(take)
        out._reserve(k)
        start = out.n
        end = start + k
        out._t[start:end] = self._t[take]
        out._sym[start:end] = tail[take - index]
        out._coef[start:end] = self._coef[take]
        out._exp[start:end] = self._exp[take]
        if keep_commands:
            replaced = replaced or {}
            for j in np.flatnonzero(tail == _NO_SYMBOL).tolist():
                i = index + j
                out._commands[start + j] = replaced.get(i, self._commands[i])
        out.n = end
        return out

    # ------------------------------------------------------------------ reading
    @property
    def times(self) -> np.ndarray:
        """The time of every input (ms): a view, valid until the next change."""
        return self._t[: self.n]

    def time(self, i: int) -> int:
        return int(self._t[i])

    def command(self, i: int) -> Command:
        if not 0 <= i < self.n:
            raise IndexError(i)
        sym = int(self._sym[i])
        if sym == _NO_SYMBOL:
            return self._commands[i]
        return Price(self.symbols[sym], Decimal(int(self._coef[i])).scaleb(int(self._exp[i])))

    def items(self, start: int = 0, stop: int | None = None) -> Iterator[Item]:
        """Inputs ``start`` … ``stop`` as items, decoded a batch at a time."""
        stop = self.n if stop is None else min(stop, self.n)
        symbols, commands = self.symbols, self._commands
        scaleb = Decimal.scaleb
        for lo in range(start, stop, _BATCH):
            hi = min(lo + _BATCH, stop)
            times = self._t[lo:hi].tolist()
            syms = self._sym[lo:hi].tolist()
            prices = map(scaleb, map(Decimal, self._coef[lo:hi].tolist()), self._exp[lo:hi].tolist())
            for i, (t, sym, price) in enumerate(zip(times, syms, prices), lo):
                if sym == _NO_SYMBOL:
                    yield t, None, commands[i]
                else:
                    yield t, symbols[sym], price

    def price_floats(self, start: int, stop: int) -> np.ndarray:
        """The prices of inputs ``start`` … ``stop`` as floats (NaN for commands), for charts."""
        return self._coef[start:stop] * np.power(10.0, self._exp[start:stop])

    def symbol_codes(self, start: int, stop: int) -> np.ndarray:
        return self._sym[start:stop]

    def command_indices(self, start: int = 0, stop: int | None = None) -> list[int]:
        """The indices of the inputs from ``start`` to ``stop`` that are commands, not prices."""
        stop = self.n if stop is None else min(stop, self.n)
        found: list[int] = (np.flatnonzero(self._sym[start:stop] == _NO_SYMBOL) + start).tolist()
        return found

    def commands(self) -> Commands:
        return Commands(self)


class Times(Sequence[int]):
    """The inputs' times (ms) as a read-only sequence of Python ints that follows the store as
    it grows (``array`` is the int64 numpy view, for vector work)."""

    __slots__ = ("inputs",)

    def __init__(self, inputs: Inputs):
        self.inputs = inputs

    @property
    def array(self) -> np.ndarray:
        return self.inputs.times

    def __len__(self) -> int:
        return len(self.inputs)

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> list[int]: ...
    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            result: list[int] = self.inputs.times[i].tolist()
            return result
        return int(self.inputs.times[i])

    def __iter__(self) -> Iterator[int]:
        times = self.inputs.times
        for lo in range(0, len(times), _BATCH):
            yield from times[lo : lo + _BATCH].tolist()


class Commands(Sequence[Command]):
    """The inputs' commands as a read-only sequence (each built when asked for)."""

    __slots__ = ("inputs",)

    def __init__(self, inputs: Inputs):
        self.inputs = inputs

    def __len__(self) -> int:
        return len(self.inputs)

    @overload
    def __getitem__(self, i: int) -> Command: ...
    @overload
    def __getitem__(self, i: slice) -> list[Command]: ...
    def __getitem__(self, i: int | slice) -> Command | list[Command]:
        if isinstance(i, slice):
            return [self.inputs.command(k) for k in range(*i.indices(len(self)))]
        return self.inputs.command(i + len(self) if i < 0 else i)

    def __iter__(self) -> Iterator[Command]:
        for _t, symbol, x in self.inputs.items():
            yield Price(symbol, x) if symbol is not None else x
