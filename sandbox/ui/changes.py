"""What changed between two moments of the account, worked out once per frame for every panel.

``diff`` compares the view last shown with the current one: which positions appeared or went
(by id, in the engine's order), which fields of the others moved, and which account fields moved.
Panels subscribe to the part they show (the bridge emits one signal per part) instead of each
re-reading the whole view and comparing it with its own copy. Unchanged positions of an
incremental view are the same objects as before, so they cost one identity check.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
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


def diff(old: AccountView | None, new: AccountView) -> ViewChanges:
    """What a screen showing ``old`` must update to show ``new`` (everything when ``old`` is None)."""
    if old is None:
        return ViewChanges(added=tuple(p.id for p in new.positions), account=frozenset(ACCOUNT_FIELDS))
    if old is new:
        return ViewChanges()
    before = {p.id: p for p in old.positions}
    now = {p.id for p in new.positions}
    added: list[str] = []
    changed: dict[str, frozenset[str]] = {}
    for p in new.positions:
        q = before.get(p.id)
        if q is None:
            added.append(p.id)
        elif q is not p:
            moved = _moved(POSITION_FIELDS, _position_values(q), _position_values(p))
            if moved:
                changed[p.id] = moved
    removed = tuple(pid for pid in before if pid not in now)
    account = _moved(ACCOUNT_FIELDS, _account_values(old), _account_values(new))
    return ViewChanges(tuple(added), removed, changed, account)


def _moved(names: tuple[str, ...], a: tuple, b: tuple) -> frozenset[str]:
    if a == b:
        return frozenset()
    return frozenset(compress(names, map(ne, a, b)))  # (loops in C: a thousand positions a frame)
