"""F1: what to try, the keyboard shortcuts and the conventions the numbers follow. Non-modal."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

START_HINT = (
    "Open a position in the order ticket (try 10× isolated and 10× cross), then drag a price "
    "slider or press −10 % and watch the margin bars fill and the liquidation lines. "
    "Drag the timeline back to rewind; F1 lists every key."
)

CONVENTIONS = [
    (
        "Margin ratio",
        "maintenance margin ÷ margin balance (Binance's convention): it rises as the price "
        "moves against you and the position is liquidated at 100 %. Isolated positions have "
        "their own ratio; all cross positions share the cross pool's.",
    ),
    (
        "Margin bars",
        "each bar fills with the share of its margin buffer already used: the loss so far ÷ (the "
        "wallet that backs it − its maintenance margin). It reads 0 % at entry (and while in profit) "
        "and 100 % exactly at the liquidation price, where the margin ratio reaches 100 %. An isolated "
        "position's bar uses its own wallet; the cross pool's bar the cross wallet and every cross "
        "position's loss and maintenance. Green below 50 %, amber to 80 %, red beyond. The margin "
        "ratio is the number under the bar (a ratio of 40 % can be half a percent from liquidation).",
    ),
    (
        "Liquidation price",
        "the mark price at which the position would be liquidated, every other mark "
        "held where it is. A cross position's liquidation price moves when other cross "
        "positions gain or lose; an isolated one's only with its own margin.",
    ),
    ("Isolated", "a liquidation loses exactly that position's margin; the rest of the account is untouched."),
    (
        "Cross",
        "all cross positions share the cross wallet; when the pool's margin ratio reaches 100 % every "
        "cross position is closed at once (isolated positions are untouched).",
    ),
    (
        "Insurance fund",
        "starts at 0 in the sandbox. It takes in liquidation fees and what is left of a liquidated "
        "isolated wallet. When a price jumps past a position's bankruptcy price, the wallet stops at "
        'zero and the fund pays the rest (the shortfall): the strip then reads "paid 258.84 USDT" '
        "when it has paid out more than it took in. The exported events' insurance_fund_change is what "
        "each event moved into (+) or out of (−) the fund, and shortfall what the fund covered.",
    ),
    (
        "Prices",
        "fills happen at the mark price with the profile's taker fee; amounts are exact decimals "
        "shown with the instrument's tick size.",
    ),
    (
        "Orders",
        "Limit and Stop in the ticket rest until the mark reaches their price: a limit fills at its "
        "own price with the maker fee, a stop or take-profit at the mark that crossed it with the taker "
        "fee. An order that opens holds its margin and fee (Reserved in the strip) until it fills or is "
        "cancelled; one that closes holds nothing and goes when its position goes. On each price move "
        "orders are checked before liquidation: a stop that lies before the liquidation price closes "
        "the position first, so it loses less than its margin. Drag an order's line on the chart to "
        "move it; the Orders tab lists and cancels them; a row's TP / SL cell sets its take-profit "
        "and stop-loss.",
    ),
    (
        "Funding",
        "every 8 h each position pays rate × qty × mark (longs pay shorts when the rate is positive, "
        "the reverse when negative): a cross position from the cross wallet, an isolated one from its "
        "own wallet, so an isolated liquidation price creeps toward the mark as it pays. The live "
        "market settles from its own premium; a replayed session applies the funding it recorded. "
        "The Funding column and the account chart show what was paid.",
    ),
]


def help_html(shortcuts: list[tuple[str, str]], profile: str = "", rules: str = "") -> str:
    rows = "".join(
        f"<tr><td class='key'><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in shortcuts
    )
    conv = "".join(f"<p><b>{escape(k)}</b>: {escape(v)}</p>" for k, v in CONVENTIONS)
    where = ""
    if profile:
        where = f"<p style='color:#8b949e'>Profile: {escape(profile)} · rules: {escape(rules)}</p>"
    return (
        f"<h2>Margin Sandbox</h2><p>{escape(START_HINT)}</p>{where}"
        f"<h3>Keyboard</h3><table cellspacing='0' cellpadding='4'>{rows}</table>"
        f"<h3>How the numbers are defined</h3>{conv}"
    )


class HelpDialog(QDialog):
    def __init__(
        self,
        shortcuts: list[tuple[str, str]],
        profile: str = "",
        rules: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("helpDialog")
        self.setWindowTitle("Margin Sandbox — help")
        self.setModal(False)
        self.setMinimumSize(420, 360)  # explicit: the layout then leaves the window's size hints alone
        self.resize(620, 640)
        layout = QVBoxLayout(self)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(help_html(shortcuts, profile, rules))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
