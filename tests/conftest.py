import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def bridge(qtbot):
    """A window's bridge on a fresh 10,000 USDT timeline with BTC at 60,000 and ETH at 3,000."""
    from decimal import Decimal

    from sandbox.engine import Price
    from sandbox.session.model import SessionHeader
    from sandbox.session.timeline import Timeline
    from sandbox.ui.bridge import SessionBridge

    b = SessionBridge(Timeline(SessionHeader.new("10000")))
    b.submit(Price("BTCUSDT", Decimal("60000")))
    b.submit(Price("ETHUSDT", Decimal("3000")))
    return b
