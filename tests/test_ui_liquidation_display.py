"""One display rule for a liquidation price, everywhere in the window (issue 8, items 8 and 9).

Each bundled session is opened and walked input by input; at every moment, for every open
position, the positions table, the chart's label, the tooltip, the margin (or leverage) dialog's
preview and the exchange comparison show the same string, and the chart draws the line where the
rule says the liquidation fires. The oracle is the engine's text layer applied to the engine's
own number, not any of the screens.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from sandbox.engine import Open, Price, text
from sandbox.ui.positions.columns import LIQ

SESSIONS = sorted((Path(__file__).resolve().parents[1] / "resources" / "sessions").glob("*.jsonl"))


def shown_everywhere(w, p) -> dict[str, str | None]:
    """What each screen shows as ``p``'s liquidation price (None where a screen shows no line)."""
    model = w.positions.model
    cell = model.index(model.row_of(p.id), LIQ)
    w.price_chart.set_symbol(p.symbol)
    level = w.price_chart.levels_for(p.id).get("liq")
    dialog = w.positions.edit_margin(p.id) if p.mode == "isolated" else w.positions.edit_leverage(p.id)
    in_dialog = dialog.cells[("liq", "now")].text()
    dialog.reject()
    panel = w.positions.comparison.panel
    panel.refresh()
    column = list(panel.profiles).index(w.bridge.profile.name)
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    return {
        "table": cell.data(),
        "chart": None if level is None else level.text.split(" liq. ", 1)[1].split(" (")[0],
        "tooltip": tip.split(":", 1)[0].removeprefix("liq. price ") if tip.startswith("liq. price ") else "—",
        "dialog": in_dialog,
        "compare": panel.table.item(model.row_of(p.id), column).text(),
    }


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: p.name)
def test_every_screen_shows_the_same_liquidation_price_at_every_moment(make_window, path):
    w = make_window(live=False)
    assert w.open_path(str(path))
    w.positions.show_comparison()
    tl = w.bridge.timeline
    checked = 0
    for index in range(1, len(tl) + 1):
        tl.seek_index(index)
        w.bridge.note_inputs([], urgent=True)
        w.bridge.publish()
        for p in w.bridge.positions():
            tick = w.bridge.instrument(p.symbol).tick_size
            want = text.liquidation(p.liquidation_price, p.mark_price, tick)
            screens = shown_everywhere(w, p)
            if screens["chart"] is None:  # no line: only when there is no liquidation price
                assert want == "—"
                screens["chart"] = "—"
            assert set(screens.values()) == {want}, (index, p.id, screens)
            at = text.liquidation_at_tick(p.liquidation_price, p.mark_price, tick)
            if at is not None:
                assert w.price_chart.levels_for(p.id)["liq"].value == float(at)
            checked += 1
    assert checked >= 5  # position-moments: the walk saw positions


def test_a_far_price_reads_none_within_reach_on_every_screen(make_window, qtbot):
    """A small cross short backed by the whole wallet: the pool's price is ~100× the mark."""
    w = make_window(live=False)
    b = w.bridge
    b.submit(Price("BTCUSDT", D(60000)))
    pid = b.submit(Open("BTCUSDT", "short", D("0.01"), 10, "cross"))[0].position
    p = b.position(pid)
    assert p.liquidation_price > 10 * p.mark_price
    w.positions.show_comparison()
    screens = shown_everywhere(w, p)
    assert set(screens.values()) == {"none within reach"}, screens
    assert "none within reach" in w.price_chart.levels.edge_tags()[0]
    ticket = w.order_ticket
    ticket.set_symbol("BTCUSDT")
    ticket.size_box.setValue(0.01)
    ticket.update_preview()
    assert ticket.preview.cells[("cross", "liq_short")].text() == "none within reach"
    assert ticket.preview.cells[("cross", "dist_short")].text() == ""
