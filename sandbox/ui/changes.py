"""What changed between two moments of the account, worked out once per frame for every panel.

``Differ.diff`` compares the view last shown with the current one: which positions appeared or
went (by id, in the engine's order), which fields of the others moved, and which account fields
moved. Panels subscribe to the part they show (the bridge emits one signal per part) instead of
each re-reading the whole view and comparing it with its own copy. Unchanged positions of the
engine's incremental view are the same objects as before, so they cost one identity check; the
field values of the view shown are kept, so each frame reads only the new view's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import lru_cache
from itertools import compress
from operator import attrgetter, ne

from ..engine import AccountView, PositionView

POSITION_FIELDS = tuple(f.name for f in fields(PositionView))
ACCOUNT_FIELDS = tuple(f.name for f in fields(AccountView) if f.name != "positions")
_position_values = attrgetter(*POSITION_FIELDS)
_account_values = attrgetter(*ACCOUNT_FIELDS)


@dataclass(frozen=True, slots=True)
class ViewChanges:
    added: tuple[str, ...] = ()  # ids of positions that appeared, in the engine's order
    removed: tuple[str, ...] = ()  # ids of positions that went
    changed: dict[str, frozenset[str]] = field(default_factory=dict)  # id → the fields that moved
    account: frozenset[str] = frozenset()  # AccountView fields (not positions) that moved

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.account)


class Differ:
    """Remembers the view last shown; ``diff(new)`` says what a screen showing it must update."""

    def __init__(self) -> None:
        self._shown: AccountView | None = None
        self._positions: dict[str, tuple[PositionView, tuple]] = {}  # id → (view, its field values)
        self._account: tuple = ()

    def reset(self, view: AccountView) -> None:
        """``view`` is on screen now (everything was read afresh)."""
        self._shown = view
        self._positions = {p.id: (p, _position_values(p)) for p in view.positions}
        self._account = _account_values(view)

    def diff(self, new: AccountView) -> ViewChanges:
        if self._shown is None:
            self.reset(new)
            return ViewChanges(added=tuple(p.id for p in new.positions), account=frozenset(ACCOUNT_FIELDS))
        if new is self._shown:
            return ViewChanges()
        before = self._positions
        now: dict[str, tuple[PositionView, tuple]] = {}
        added: list[str] = []
        changed: dict[str, frozenset[str]] = {}
        for p in new.positions:
            kept = before.get(p.id)
            if kept is None:
                added.append(p.id)
                now[p.id] = (p, _position_values(p))
            elif kept[0] is p:
                now[p.id] = kept
            else:
                values = _position_values(p)
                now[p.id] = (p, values)
                moved = _moved(POSITION_FIELDS, kept[1], values)
                if moved:
                    changed[p.id] = moved
        removed = tuple(pid for pid in before if pid not in now)
        account = _account_values(new)
        moved_account = _moved(ACCOUNT_FIELDS, self._account, account)
        self._shown, self._positions, self._account = new, now, account
        return ViewChanges(tuple(added), removed, changed, moved_account)


def _moved(names: tuple[str, ...], a: tuple, b: tuple) -> frozenset[str]:
    if a == b:
        return frozenset()
    return _fields(names, tuple(map(ne, a, b)))  # (loops in C: a thousand positions a frame)


@lru_cache(maxsize=1024)
def _fields(names: tuple[str, ...], moved: tuple[bool, ...]) -> frozenset[str]:
    """The names whose flag is set: a frame brings few distinct patterns, each made once."""
    return frozenset(compress(names, moved))
