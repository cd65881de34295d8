"""The window under load: 8 symbols ticking at 50 Hz each, 100 open positions, two hours of
history on the charts, for 20 s (offscreen unless a display is set).

Prints frames per second, the 95th-percentile frame time (the frame's work plus the repaint that
shows it), the lag from a price tick being due to the end of the repaint that shows it, whether
anything backs up (inputs per frame and how far the fed market lags its clock stay bounded), and
the panel refresh rate: in how many frames the positions table, the margin bars and the account
strip showed new numbers (every frame moves every price, so each should refresh every frame).
Goals: ≥ 50 fps, p95 < 20 ms, lag < 100 ms, panels every frame; with 1,000 positions ≥ 30 fps.

    python bench/bench_gui.py [--seconds 20] [--style candles|line] [--history-hours 2]
                              [--positions 100] [--orders 0] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import os
import pstats
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SYMBOLS = 8
HZ = 50


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


class TimedMarket:
    """Wraps the market: remembers when the oldest tick of each batch was due (wall clock)."""

    def __init__(self, inner, clock=time.perf_counter):
        self.inner = inner
        self.clock = clock
        self.due: list[float] = []  # due times of batches fed since the last repaint
        self.ticks = 0

    def advance(self, until_ms: int):
        ticks = self.inner.advance(until_ms)
        if ticks:
            self.due.append(self.clock() - (until_ms - ticks[0].t) / 1000.0)
            self.ticks += len(ticks)
        return ticks


def build(history_hours: float, positions: int, seed: int = 11, orders: int = 0):
    from sandbox.engine import Open, Order
    from sandbox.market import Simulator
    from sandbox.profiles import load_profile
    from sandbox.session.model import SessionHeader
    from sandbox.session.timeline import Timeline

    profile = load_profile("binance-usdm")
    symbols = list(profile.instruments)[:SYMBOLS]
    starts = {
        "BTCUSDT": "64000",
        "ETHUSDT": "3200",
        "SOLUSDT": "150",
        "XRPUSDT": "0.62",
        "BNBUSDT": "580",
        "DOGEUSDT": "0.16",
        "ADAUSDT": "0.45",
        "LINKUSDT": "14.5",
    }
    spec = {s: (Decimal(starts.get(s, "100")), profile.instruments[s].tick_size) for s in symbols}
    step_ms = 1000 // HZ
    header = SessionHeader.new(str(10_000 * positions), "binance-usdm")
    timeline = Timeline(header)
    sim = Simulator(spec, seed=seed, step_ms=step_ms)
    timeline.feed(sim.advance(step_ms))
    for i in range(positions):
        s = symbols[i % len(symbols)]
        inst = profile.instruments[s]
        mark = timeline.account.marks[s]
        qty = max((Decimal(2000) / mark / inst.qty_step).to_integral_value() * inst.qty_step, inst.qty_step)
        timeline.submit(
            Open(s, "long" if i % 2 else "short", qty, 2 + i % 3, "cross" if i % 4 < 2 else "isolated")
        )
    for i in range(orders):  # resting, a quarter away from the mark: entries, stops and take-profits
        pid = f"p{i % positions + 1}" if positions else None
        p = timeline.account.positions.get(pid) if pid else None
        s = p.symbol if p is not None and i % 3 else symbols[i % len(symbols)]
        tick = profile.instruments[s].tick_size
        away = Decimal("0.75") if i % 2 else Decimal("1.25")
        price = (timeline.account.marks[s] * away / tick).to_integral_value() * tick
        if p is None or i % 3 == 0:
            qty = profile.instruments[s].qty_step
            timeline.submit(Order("limit" if away < 1 else "stop", price, s, "long", qty, 2, "cross"))
        else:
            losing = (away < 1) == (p.side == "long")
            timeline.submit(Order("stop" if losing else "take_profit", price, position=p.id))
    end = int(history_hours * 3600 * 1000)
    chunk = 60_000
    t = step_ms
    while t < end:
        t = min(t + chunk, end)
        timeline.feed(sim.advance(t))
    return timeline, sim, spec


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--style", choices=("candles", "line"), default="candles")
    parser.add_argument("--history-hours", type=float, default=2.0)
    parser.add_argument("--positions", type=int, default=100)
    parser.add_argument(
        "--orders", type=int, default=0, help="resting orders besides (a quarter from the mark)"
    )
    parser.add_argument("--profile", action="store_true", help="print the top functions (cProfile)")
    args = parser.parse_args()

    from PySide6.QtCore import QEvent, QSettings, QTimer

    from sandbox.app import application

    app = application()
    tmp = tempfile.TemporaryDirectory()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp.name)
    from sandbox.ui.main_window import MainWindow
    from sandbox.ui.margin_bar import MarginBar
    from sandbox.ui.session_controller import OffsetMarket

    t0 = time.perf_counter()
    timeline, sim, spec = build(args.history_hours, args.positions, orders=args.orders)
    built = time.perf_counter() - t0
    n_inputs = len(timeline)
    n_orders = len(timeline.account.orders)

    paints: list[tuple[float, float]] = []  # (start, end) of each repaint of the window
    lags: list[float] = []
    market_box: dict[str, TimedMarket] = {}

    class BenchWindow(MainWindow):
        def event(self, e):
            if e.type() != QEvent.Type.UpdateRequest:
                return super().event(e)
            start = time.perf_counter()
            result = super().event(e)
            end = time.perf_counter()
            paints.append((start, end))
            m = market_box.get("m")
            if m is not None and m.due:
                lags.extend(end - d for d in m.due)
                m.due.clear()
            return result

    window = BenchWindow(recordings_dir=None, seed=1)
    window.session.adopt(timeline, "bench")

    def factory(marks, t0_ms):
        # The first call continues the history's simulator; later ones (never here) start afresh.
        inner = (
            sim if "m" not in market_box else OffsetMarket(type(sim)(spec, seed=2, step_ms=1000 // HZ), t0_ms)
        )
        market_box["m"] = TimedMarket(inner)
        return market_box["m"]

    window.loop.set_market(factory)
    window.loop.set_ticker(True)
    window.loop.set_playing(True)
    window.price_chart.set_style(args.style)
    window.resize(1600, 1000)
    window.show()
    for _ in range(5):
        app.processEvents()

    work: list[float] = []
    starts: list[float] = []
    backlog: list[int] = []
    behind: list[float] = []
    view_calls = [0]
    view_time = [0.0]
    bridge = window.bridge
    account_type = type(bridge.timeline.account)
    original_view = account_type.view

    def counting_view(self):
        view_calls[0] += 1
        start = time.perf_counter()
        try:
            return original_view(self)
        finally:
            view_time[0] += time.perf_counter() - start

    account_type.view = counting_view

    # Which panels showed new numbers this frame: the table (a cell changed), the bars (a bar's
    # numbers changed), the strip (a label's text changed).
    refreshed = {"positions table": False, "margin bars": False, "account strip": False}
    panel_frames = dict.fromkeys(refreshed, 0)
    ticking_frames = [0]  # frames that applied inputs: the ones whose panels should change

    def saw(name):
        def mark(*_):
            refreshed[name] = True

        return mark

    window.positions.model.dataChanged.connect(saw("positions table"))
    original_set_values = MarginBar.set_values

    def counting_set_values(self, *a, **k):
        changed = original_set_values(self, *a, **k)
        if changed:
            refreshed["margin bars"] = True
        return changed

    MarginBar.set_values = counting_set_values
    strip_texts: list[tuple | None] = [None]

    def on_frame(seconds: float) -> None:
        work.append(seconds)
        starts.append(time.perf_counter())
        backlog.append(window.loop.backlog)
        behind.append(window.loop.behind_ms)
        texts = tuple(label.text() for label in window.account_strip.values.values())
        refreshed["account strip"] = texts != strip_texts[0]
        strip_texts[0] = texts
        if not window.loop.backlog:
            return
        ticking_frames[0] += 1
        for name, seen in refreshed.items():
            panel_frames[name] += seen
            refreshed[name] = False

    window.loop.frame_done.connect(on_frame)
    gc_pauses: list[float] = []
    gc_start = [0.0]

    def on_gc(phase, info):
        if phase == "start":
            gc_start[0] = time.perf_counter()
        else:
            gc_pauses.append(time.perf_counter() - gc_start[0])

    profiler = cProfile.Profile() if args.profile else None
    QTimer.singleShot(int(args.seconds * 1000), app.quit)
    window.loop.start()
    if profiler:
        profiler.enable()
    wall0 = time.perf_counter()
    gc.callbacks.append(on_gc)
    app.exec()
    gc.callbacks.remove(on_gc)
    wall = time.perf_counter() - wall0
    if profiler:
        profiler.disable()
    window.loop.stop()
    account_type.view = original_view
    MarginBar.set_values = original_set_values

    frames = len(work)
    # A frame's time: its work plus the repaint that followed it (before the next frame began).
    frame_times = []
    j = 0
    for i, s in enumerate(starts):
        nxt = starts[i + 1] if i + 1 < len(starts) else float("inf")
        paint = 0.0
        while j < len(paints) and paints[j][0] < nxt:
            if paints[j][0] >= s - work[i]:
                paint += paints[j][1] - paints[j][0]
            j += 1
        frame_times.append(work[i] + paint)
    intervals = [b - a for a, b in itertools.pairwise(starts)]
    half = len(backlog) // 2
    m = market_box.get("m")
    print(
        f"setup: {n_inputs:,} inputs of history ({args.history_hours:g} h × {SYMBOLS} symbols × {HZ} Hz, "
        f"{args.positions} positions, {n_orders} resting orders) built in {built:.1f} s"
    )
    print(
        f"run: {wall:.1f} s offscreen, style {args.style}, {m.ticks if m else 0:,} live ticks "
        f"({(m.ticks if m else 0) / wall:.0f}/s)"
    )
    fps = frames / wall
    p95 = pct(frame_times, 95) * 1000
    lag95 = pct(lags, 95) * 1000
    goal = 50 if args.positions <= 100 else 30
    print(f"frames per second:        {fps:6.1f}   (goal ≥ {goal}: {'ok' if fps >= goal else 'MISSED'})")
    print(f"repaints per second:      {len(paints) / wall:6.1f}")
    print(
        f"frame time p50 / p95 / max: {pct(frame_times, 50) * 1000:5.1f} / {p95:5.1f} / "
        f"{max(frame_times) * 1000:5.1f} ms   (goal p95 < 20: {'ok' if p95 < 20 else 'MISSED'})"
    )
    print(
        f"  of which work p95 {pct(work, 95) * 1000:.1f} ms, repaint p95 "
        f"{pct([b - a for a, b in paints], 95) * 1000:.1f} ms; frame interval p95 {pct(intervals, 95) * 1000:.1f} ms"
    )
    print(
        f"lag tick → painted p50 / p95 / max: {pct(lags, 50) * 1000:5.1f} / {lag95:5.1f} / "
        f"{max(lags or [0]) * 1000:5.1f} ms   (goal < 100: {'ok' if lag95 < 100 else 'MISSED'})"
    )
    first, second = max(backlog[:half] or [0]), max(backlog[half:] or [0])
    bounded = second <= max(2 * first, 2 * SYMBOLS * HZ * 0.25)
    print(
        f"backlog: inputs per frame max {first} (first half) / {second} (second half); market clock ahead of "
        f"the last fed tick ≤ {max(behind or [0]):.0f} ms → {'bounded' if bounded else 'GROWING'}"
    )
    print(
        f"account.view() calls per frame: {view_calls[0] / max(frames, 1):.2f}, "
        f"{view_time[0] / max(view_calls[0], 1) * 1000:.2f} ms each; garbage collections "
        f"{len(gc_pauses)}, longest {max(gc_pauses or [0]) * 1000:.1f} ms"
    )
    ticking = ticking_frames[0]
    every = all(n >= 0.99 * ticking for n in panel_frames.values())
    shares = ", ".join(f"{name} {n} ({n / max(ticking, 1):.0%})" for name, n in panel_frames.items())
    print(
        f"panels refreshed in the {ticking} frames that moved prices: {shares}"
        f"   (goal: every one: {'ok' if every else 'MISSED'})"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(35)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
