"""PySide6-Essentials 6.12.0 on Python 3.11 drops a reference to None on every void method call
and aborts the process within seconds (../shared/reference/env.md §1). pyproject.toml excludes
it; this canary keeps a future bump from bringing the bug back unnoticed."""

import sys

from PySide6 import QtCore


def test_pyside_does_not_leak_none_refs():
    point = QtCore.QPointF()
    before = sys.getrefcount(None)
    for _ in range(1000):
        point.setX(1.0)
    assert sys.getrefcount(None) - before > -100
