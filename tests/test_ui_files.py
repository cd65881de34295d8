"""The window never dies on a file (issue 9, item 1, window side): a broken or hostile file at
start-up gives the live market and the reader's one sentence; from the menu, the sentence and the
session on screen untouched; an engine failure while replaying is reported once and the window
goes on."""

from __future__ import annotations

import gzip
from decimal import Decimal as D

import pytest
from PySide6.QtWidgets import QInputDialog
from ui_support import frames, write_demo_session

from sandbox.app import start
from sandbox.engine import Account
from sandbox.session.reader import read_session
from sandbox.session.timeline import Timeline
from sandbox.session.twins import TwinSet

HEADER = '{"format": "margin-sandbox-session", "version": 1, "profile": "binance-usdm", "balance": "10000"}\n'


def _write(tmp_path, name: str, content: bytes | str):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


BAD_FILES = {
    "empty.jsonl": "",
    "garbage.jsonl": bytes(range(256)) * 64,
    "cut.jsonl.gz": gzip.compress((HEADER * 50).encode())[:40],
    "not-json-header.jsonl": '{"format": "margin-sandbox-session", "version": 1,\n',
    "unknown-profile.jsonl": HEADER.replace("binance-usdm", "no-such-exchange"),
    "bad-line.jsonl": HEADER + '{"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "60000"}\n[1, 2\n',
    "negative-price.jsonl": HEADER + '{"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "-5"}\n',
    "nan-price.jsonl": HEADER + '{"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "NaN"}\n',
    "huge-price.jsonl": HEADER + '{"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "1e999999"}\n',
    "deep.jsonl": HEADER + "[" * 100_000 + "\n",
    "prices.csv": "this,is,not\nmarket,data,at all\n",
    "BTCUSDT-1m-2024-01-01.csv": "open_time,open,high,low,close\n1704067200000,1,2,x,1\n",
}


@pytest.fixture(params=sorted(BAD_FILES), ids=str)
def bad_file(request, tmp_path):
    return _write(tmp_path, request.param, BAD_FILES[request.param])


def error_notices(w) -> list[str]:
    return [text for kind, text in w.notices.recent if kind == "error"]


def test_a_bad_file_at_start_up_gives_the_live_market_and_one_sentence(make_window, bad_file, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("", False)))
    w = make_window(live=False)
    start(w, str(bad_file))
    w.loop.stop()
    frames(w, 5)
    assert w.loop.ticker_on and w.replay_bar.mode.text() == "LIVE"  # the live market instead
    [sentence] = set(error_notices(w))  # (said again over the live market, which cleared the notices)
    assert sentence in w.notices.visible_texts() and "\n" not in sentence
    assert sentence.startswith(f"{bad_file}:") and "Traceback" not in sentence
    assert w.last_error == sentence


def test_a_bad_file_from_the_menu_says_why_and_keeps_the_session(make_window, bad_file, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("", False)))
    w = make_window()
    frames(w, 30)
    before = w.bridge.timeline
    n = len(before)
    assert not w.open_path(str(bad_file))
    assert w.bridge.timeline is before and w.loop.ticker_on
    [sentence] = error_notices(w)
    assert sentence.startswith(f"{bad_file}:") and "\n" not in sentence and w.last_error == sentence
    frames(w, 30)
    assert len(w.bridge.timeline) > n  # still running


def test_a_folder_or_a_missing_file_is_one_sentence(make_window, tmp_path):
    w = make_window(live=False)
    start(w, str(tmp_path))
    w.loop.stop()
    assert set(error_notices(w)) == {f"{tmp_path}: a folder, not a file"}
    assert not w.open_path(str(tmp_path / "gone.jsonl"))
    assert error_notices(w)[-1] == f"{tmp_path / 'gone.jsonl'}: no such file"


def test_a_good_file_at_start_up_is_ready_to_replay(make_window, tmp_path):
    path = write_demo_session(tmp_path / "eth.jsonl")
    w = make_window(live=False)
    start(w, str(path))
    w.loop.stop()
    assert w.replay_bar.mode.text() == "REPLAY" and error_notices(w) == []
    assert len(w.bridge.positions()) == 2


def test_a_session_at_the_far_end_of_time_plays_and_shows_its_clock(make_window, tmp_path):
    """A file may put its inputs anywhere up to 10¹⁵ ms (year 33,658, past what a calendar shows):
    the window opens it, plays it and writes the time as elapsed time rather than dying."""
    far = 10**15 - 2000
    lines = [
        HEADER,
        f'{{"t": {far}, "type": "price", "symbol": "BTCUSDT", "price": "60000"}}\n',
        f'{{"t": {far + 1000}, "type": "price", "symbol": "BTCUSDT", "price": "60100"}}\n',
    ]
    path = _write(tmp_path, "far.jsonl", "".join(lines))
    w = make_window(live=False)
    assert w.open_path(str(path))
    w.loop.set_playing(True)
    frames(w, 30, dt=0.1)
    assert w.bridge.mark("BTCUSDT") == D(60100) and error_notices(w) == []
    assert "277777777:" in w.replay_bar.time.text()  # hours of elapsed time, not a date


def test_an_engine_failure_while_replaying_is_reported_once_and_the_window_goes_on(
    make_window, tmp_path, monkeypatch
):
    path = write_demo_session(tmp_path / "eth.jsonl")
    w = make_window(live=False)
    assert w.open_path(str(path))
    # The tick that fails, wherever the replay hands it to the engine (the account, or the three
    # twin accounts the timeline moves together).
    for owner, name in ((Account, "set_mark"), (TwinSet, "tick")):
        real = getattr(owner, name)

        def failing(self, t, symbol, price, real=real):
            if symbol == "ETHUSDT" and price == D(2900):
                raise ArithmeticError("a bug in the engine")
            return real(self, t, symbol, price)

        monkeypatch.setattr(owner, name, failing)
    w.loop.set_speed(None)
    w.loop.set_playing(True)
    frames(w, 5, dt=0.1)
    [sentence] = error_notices(w)
    assert "could not be applied" in sentence and "ArithmeticError: a bug in the engine" in sentence
    assert not w.loop.playing and sentence in w.notices.visible_texts()
    # The session went back to its last whole moment: what a clean replay gives there.
    tl = w.bridge.timeline
    clean = Timeline.from_session(read_session(path))
    clean.seek_index(tl.index)
    assert w.bridge.view() == clean.account.view() and w.bridge.mark("ETHUSDT") > D(2900)
    # Playing on meets the same input: the same sentence is not said twice.
    w.loop.set_playing(True)
    frames(w, 5, dt=0.1)
    assert error_notices(w) == [sentence] and not w.loop.playing
    # And the window goes on: rewind, step up to the input, then a live market.
    w.loop.step_back()
    assert w.bridge.timeline.index == tl.index - 1
    while w.bridge.mark("ETHUSDT") > D(2910):
        w.loop.step_forward()
    assert error_notices(w) == [sentence]
    monkeypatch.undo()
    w.start_live()
    frames(w, 10)
    assert w.loop.ticker_on and len(w.bridge.timeline) > 0
