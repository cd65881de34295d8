"""Following the account with work that costs more than a frame can spare: a preview (which
copies the account) or the exchange comparison (which rebuilds it under four profiles).

``Follower(work, every_ms, share)`` is called whenever the account changes and runs ``work`` from
a timer, never inside the frame that changed it: at most once every ``every_ms``, and no more
often than keeps ``work`` to ``share`` of the time (with a thousand positions a preview costs
tens of milliseconds, so it then follows every second or so while prices keep moving at the frame
rate). The timing is superqt's ``qthrottled``; this adds only the share.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject
from superqt.utils import qthrottled


class Follower:
    def __init__(self, work: Callable[[], object], every_ms: int, share: float, parent: QObject):
        self._work = work
        self.every_ms = every_ms
        self.share = share
        self._throttled = qthrottled(self._run, timeout=every_ms, leading=False, parent=parent)

    def __call__(self) -> None:
        self._throttled()

    def cancel(self) -> None:
        self._throttled.cancel()

    @property
    def timeout_ms(self) -> int:
        """How long the account must keep changing before ``work`` runs again."""
        return self._throttled.timeout()

    def _run(self) -> None:
        start = time.perf_counter()
        self._work()
        cost_ms = (time.perf_counter() - start) * 1000
        self._throttled.setTimeout(max(self.every_ms, round(cost_ms / self.share)))
