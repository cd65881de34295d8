"""What changed among the resting orders since the last frame, worked out once for every panel.

The engine bumps ``Account.orders_version`` whenever an order is placed, filled or cancelled, so a
frame in which none was costs one comparison. One more thing changes what an order shows without
a new version: a closing order's quantity is what its position still holds (``OrderView.qty``),
so a partial close or a partial liquidation step shrinks it. The tracker reads the orders again
then too, from ``Account.resting()`` (the view's cached tuple is refreshed only with the version).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ...engine import Account, OrderView


@dataclass(frozen=True, slots=True)
class OrderChanges:
    added: tuple[str, ...] = ()  # ids of orders that now rest, in the order they were placed
    removed: tuple[str, ...] = ()  # ids of orders that stopped resting (filled, cancelled, rewound)
    changed: tuple[str, ...] = ()  # ids whose view changed (a closing order's quantity, say)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


class OrderTracker:
    """Remembers the orders last announced; ``diff`` says what a screen showing them must update."""

    def __init__(self) -> None:
        self._account: Account | None = None
        self._version = -1
        self._views: dict[str, OrderView] = {}
        self._exits: dict[str, tuple[OrderView, ...]] | None = None  # by position, made when asked

    @property
    def views(self) -> dict[str, OrderView]:
        """The orders as last announced, by id, in the order they were placed (read-only use)."""
        return self._views

    def exits(self, pid: str) -> tuple[OrderView, ...]:
        """The closing orders of position ``pid`` (a table row asks for each of its cells)."""
        if self._exits is None:
            by: dict[str, list[OrderView]] = {}
            for o in self._views.values():
                if not o.opens:
                    by.setdefault(o.position, []).append(o)
            self._exits = {k: tuple(v) for k, v in by.items()}
        return self._exits.get(pid, ())

    def reset(self, account: Account) -> None:
        self._account = account
        self._version = account.orders_version
        self._views = {o.id: o for o in account.resting()}
        self._exits = None

    def diff(self, account: Account, resized: Iterable[str] = ()) -> OrderChanges:
        """What changed since the last call. ``resized``: positions whose quantity moved (their
        closing orders may show another quantity even though no order came or went)."""
        same_account = account is self._account
        if same_account and account.orders_version == self._version:
            resized = set(resized)
            if not resized or not any(not o.opens and o.position in resized for o in self._views.values()):
                return OrderChanges()
        before = self._views
        now = {o.id: o for o in account.resting()}
        self._account, self._version, self._views = account, account.orders_version, now
        self._exits = None
        added = tuple(oid for oid in now if oid not in before)
        removed = tuple(oid for oid in before if oid not in now)
        changed = tuple(oid for oid, o in now.items() if oid in before and before[oid] != o)
        return OrderChanges(added, removed, changed)
