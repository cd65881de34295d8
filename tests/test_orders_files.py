"""Orders and funding in session files, the report and the sentences people read; what the
timeline and the twins need from the engine (shown here, on the engine's side)."""

from dataclasses import replace
from decimal import Decimal as D

import pytest

from sandbox.engine import (
    Account,
    Cancel,
    Funding,
    Open,
    Opened,
    Order,
    OrderPlaced,
    Price,
)
from sandbox.profiles import load_profile
from sandbox.session.inputs import Inputs
from sandbox.session.jsonlines import dumps
from sandbox.session.model import COMMAND_EVENT, event_dict
from sandbox.session.reader import SessionError, read_session
from sandbox.session.report import describe, report_json
from sandbox.session.runner import run

HEADER = '{"format": "margin-sandbox-session", "version": 1, "profile": "binance-usdm", "balance": "10000"}'
LINES = [
    '{"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "60000"}',
    '{"t": 1, "type": "open", "symbol": "BTCUSDT", "side": "long", "qty": "0.1", "leverage": 20, "mode": "isolated"}',
    '{"t": 2, "type": "order", "kind": "stop", "price": "57500", "position": "p1"}',
    '{"t": 2, "type": "order", "kind": "take_profit", "price": "63000", "position": "p1", "qty": "0.05"}',
    '{"t": 3, "type": "order", "kind": "limit", "price": "59000", "symbol": "BTCUSDT", "side": "long", '
    '"qty": "0.1", "leverage": 10, "mode": "cross", "order": "dip"}',
    '{"t": 4, "type": "funding", "symbol": "BTCUSDT", "rate": "0.0001"}',
    '{"t": 5, "type": "price", "symbol": "BTCUSDT", "price": "58900"}',
    '{"t": 6, "type": "order", "kind": "limit", "price": "50000", "symbol": "BTCUSDT", "side": "long", '
    '"qty": "0.1", "leverage": 10, "mode": "isolated"}',
    '{"t": 7, "type": "cancel", "order": "o3"}',
    '{"t": 8, "type": "funding", "symbol": "BTCUSDT", "rate": "-0.0002"}',
    '{"t": 9, "type": "price", "symbol": "BTCUSDT", "price": "57150"}',
]


def write(tmp_path, lines, name="s.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_orders_cancels_and_funding_read_back_as_the_commands_they_are(tmp_path):
    session = read_session(write(tmp_path, LINES))
    commands = [c for c in session.commands if not isinstance(c, Price)]
    assert [type(c).__name__ for c in commands] == [
        "Open",
        "Order",
        "Order",
        "Order",
        "Funding",
        "Order",
        "Cancel",
        "Funding",
    ]
    assert commands[3] == Order("limit", D(59000), "BTCUSDT", "long", D("0.1"), 10, "cross", order="dip")
    for c in commands:  # what a recorder writes reads back as the same command
        line = dumps(event_dict(7, c))
        assert COMMAND_EVENT.validate_json(line).command() == c


def test_the_compact_inputs_store_keeps_the_new_commands_as_they_are():
    """``session/inputs.py`` needs no change: commands other than prices are kept as objects."""
    inputs = Inputs()
    items = [
        (0, "BTCUSDT", D(60000)),
        (1, None, Order("stop", D(59000), position="p1")),
        (2, None, Cancel("o1")),
        (3, None, Funding("BTCUSDT", D("0.0001"))),
    ]
    inputs.extend(items)
    assert list(inputs.items()) == items


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (
            '{"t": 2, "type": "order", "kind": "stop", "price": "57500", "position": "p1", "symbol": "BTCUSDT"}',
            "bad order event: an order opens (symbol, side, qty, leverage, mode) or closes a position",
        ),
        (
            '{"t": 2, "type": "order", "kind": "trailing", "price": "57500", "position": "p1"}',
            "bad order event",
        ),
        ('{"t": 2, "type": "order", "kind": "stop", "price": "-1", "position": "p1"}', "a price must be"),
        ('{"t": 2, "type": "funding", "symbol": "BTCUSDT", "rate": "1"}', "a funding rate must be below 1"),
        ('{"t": 2, "type": "funding", "symbol": "BTCUSDT", "rate": "0.000000001"}', "more than 8 decimals"),
        ('{"t": 2, "type": "cancel"}', "bad cancel event: missing field 'order'"),
    ],
)
def test_a_broken_order_or_funding_line_is_one_sentence_with_its_line(tmp_path, line, says):
    with pytest.raises(SessionError) as err:
        read_session(write(tmp_path, [LINES[0], line]))
    assert ":3:" in str(err.value) and says in str(err.value)


def test_a_session_with_orders_and_funding_replays_byte_for_byte(tmp_path):
    path = write(tmp_path, LINES)
    first = run(read_session(path))
    again = run(read_session(path))
    one = report_json(first.account, first.t, first.events)
    assert one == report_json(again.account, again.t, again.events)
    assert '"type": "order_filled"' in one and '"funding": ' in one and '"orders": [' in one


def test_every_new_event_reads_as_a_sentence(tmp_path):
    result = run(read_session(write(tmp_path, LINES)))
    said = [describe(e, result.account) for e in result.events]
    assert said == [
        "opened p1: long 0.1 BTCUSDT at 60,000.00, 20× isolated, margin 300.00, fee 3.00 USDT",
        "placed o1: stop to close all of p1 (BTCUSDT long) at 57,500.00",
        "placed o2: take-profit to close 0.05 of p1 (BTCUSDT long) at 63,000.00",
        "placed dip: limit to open long 0.1 BTCUSDT at 59,000.00, 10× cross as p2 (holds 592.95 USDT of the "
        "available balance)",
        "funding BTCUSDT 0.0100 % at 60,000.00: p1 paid 0.60 USDT",
        "dip (limit) filled at 59,000.00 as a maker: opened p2",
        "opened p2: long 0.1 BTCUSDT at 59,000.00, 10× cross, margin 590.00, fee 1.18 USDT",
        "placed o3: limit to open long 0.1 BTCUSDT at 50,000.00, 10× isolated as p3 (holds 502.50 USDT of the "
        "available balance)",
        "o3 cancelled",
        "funding BTCUSDT -0.0200 % at 58,900.00: p1 received 1.18, p2 received 1.18 USDT",
        "the stop at 57,500.00 closed p1 before its liquidation price 57,223.10: lost 287.86 USDT instead of "
        "its 300.58 margin",
        "closed 0.1 of p1 (BTCUSDT long) at 57,150.00: realised -285.00, fee 2.86 USDT",
        "o2 cancelled: p1 is gone",
    ]


def test_liquidation_steps_and_a_returned_leftover_read_as_sentences():
    hl = Account(load_profile("hyperliquid"), D(100_000))
    hl.apply(Price("BTCUSDT", D(100000)), 0)
    hl.apply(Open("BTCUSDT", "long", D(2), 20, "isolated"), 0)
    [step] = hl.apply(Price("BTCUSDT", D(96000)), 1000)
    assert describe(step, hl) == (
        "p1 (BTCUSDT isolated) partly liquidated at 96,000.00 (slice 1): 0.4 closed, 1.6 left, realised "
        "-1,600.00, fee 0.00 USDT; the margin stays with what is left"
    )
    [whole] = hl.apply(Price("BTCUSDT", D(95900)), 20_000)
    assert describe(whole, hl) == (
        "BTCUSDT long (isolated) liquidated at 95,900.00: lost 6,560.00 of its 8,400.00 USDT margin; "
        "1,840.00 USDT went back to the cross wallet; the rest of the account is untouched"
    )


def test_the_twins_rule_for_orders_keeps_ids_the_same_in_every_twin():
    """What ``session/twins.py`` must do with orders (the engine side is deterministic, so this is
    enough): an opening ``order`` is rewritten like an ``open`` (the twin's mode) and, like an open
    without a position, pinned: the twin's copy carries ``position`` = the lot id the recorded
    account's ``order_placed`` named, and ``order`` = its order id (``x1``, ``x2``, … when the
    recorded account refused it). Then ``cancel o1`` and a closing order on the filled lot mean the
    same order and the same lot in all three accounts, even when an earlier input was refused in
    one twin only."""
    profile = load_profile("binance-usdm")
    recorded, twin = Account(profile, D(1000)), Account(profile, D(1000))
    for a in (recorded, twin):
        a.apply(Price("BTCUSDT", D(60000)), 0)
    recorded.apply(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"), 1)
    twin_open = twin.apply(Open("BTCUSDT", "long", D("0.1"), 1, "cross"), 1)  # the twin cannot
    assert twin_open[0].type == "rejected"
    order = Order("limit", D(59000), "BTCUSDT", "long", D("0.01"), 10, "isolated")
    [placed] = recorded.apply(order, 2)
    assert isinstance(placed, OrderPlaced) and (placed.order, placed.position) == ("o1", "p2")
    pinned = replace(order, mode="cross", position=placed.position, order=placed.order)
    [twin_placed] = twin.apply(pinned, 2)
    assert (twin_placed.order, twin_placed.position) == ("o1", "p2")
    unpinned = Account(profile, D(1000))
    unpinned.apply(Price("BTCUSDT", D(60000)), 0)
    assert next(iter(unpinned.apply(replace(order, mode="cross"), 2))).position == "p1"  # why pin
    for a in (recorded, twin):
        fills = [e for e in a.apply(Price("BTCUSDT", D(58950)), 3) if isinstance(e, Opened)]
        assert [e.position for e in fills] == ["p2"]
        assert a.apply(Order("take_profit", D(61000), position="p2"), 4)[0].type == "order_placed"


def test_a_checkpoint_copy_holds_orders_reservations_funding_and_the_cool_down():
    """What the timeline's checkpoints rely on: ``Account.copy()`` carries the resting orders,
    their reservations and counters, each position's funding and the ledger's, and Hyperliquid's
    cool-down, so seeking back and replaying gives the same events."""
    a = Account(load_profile("hyperliquid"), D(100_000))
    a.apply(Price("BTCUSDT", D(100000)), 0)
    a.apply(Open("BTCUSDT", "long", D(2), 20, "isolated"), 0)
    a.apply(Order("limit", D(90000), "BTCUSDT", "short", D("0.1"), 10, "cross"), 0)
    a.apply(Funding("BTCUSDT", D("0.0001")), 1)
    a.apply(Price("BTCUSDT", D(96000)), 1000)  # a slice: the cool-down runs to 31,000
    b = a.copy()
    assert b.orders == a.orders and b.reserved == a.reserved and b.ledger == a.ledger
    assert b.positions["p1"].funding == a.positions["p1"].funding == D(20)
    assert b.in_cooldown(20_000) and b.view() == a.view()
    later = [Price("BTCUSDT", D(95500)), Order("stop", D(94000), position="p1"), Price("BTCUSDT", D(89000))]
    for t, c in enumerate(later, 20_000):
        assert [e.to_dict() for e in a.apply(c, t)] == [e.to_dict() for e in b.apply(c, t)]
