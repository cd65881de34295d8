"""Panels that work only while a person can see them.

A dock tabbed behind another is still "visible" to Qt (``isVisible()`` is true; it just gets no
pixels), so a panel asks for its visible region instead: empty behind another tab, hidden, or
minimised away. When a tab comes to the front the window tells the panel (``set_on_screen``, from
the dock's ``visibilityChanged``), and ``came_on_screen`` catches up with what it skipped, once
the panel has its pixels again.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer


class OnScreen:
    """Mixed into a ``QWidget`` subclass (listed before it)."""

    def on_screen(self) -> bool:
        return not self.visibleRegion().isEmpty()  # type: ignore[attr-defined]

    def set_on_screen(self, on: bool) -> None:
        if on:  # after the tab switch has given the panel its place
            QTimer.singleShot(0, self, self.came_on_screen)  # type: ignore[call-overload]

    def came_on_screen(self) -> None:
        """Catch up (the panel's own refresh, if anything went by meanwhile)."""
