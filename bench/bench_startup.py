"""Process start → first painted window (goal < 1.5 s).

Spawns ``python`` the way ``margin-sandbox`` starts (the live window), and measures from just
before the spawn to the moment the child has painted its window for the first time. Offscreen
unless a display is set. Prints the runs and their median.

    python bench/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time
from sandbox.app import application
app = application()
from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
from sandbox.ui.main_window import MainWindow

window = MainWindow(recordings_dir=None)

class FirstPaint(QObject):
    done = False
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.UpdateRequest and not self.done:
            self.done = True
            def report():
                print(f"painted {time.time():.6f}", flush=True)
                app.quit()
            QTimer.singleShot(0, report)  # after this update request has painted
        return False

spy = FirstPaint()
window.installEventFilter(spy)
window.start_live()
window.show()
window.loop.start()
app.exec()
"""


def one_run(settings_dir: str) -> float:
    env = dict(os.environ)
    env.setdefault(
        "QT_QPA_PLATFORM", "offscreen" if not env.get("DISPLAY") else env.get("QT_QPA_PLATFORM", "xcb")
    )
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, settings_dir],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    for line in out.stdout.splitlines():
        if line.startswith("painted "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"the child did not paint:\n{out.stdout}\n{out.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one_run(tmp)  # warm the file cache (a cold first start is reported separately)
        runs = [one_run(tmp) for _ in range(args.runs)]
    med = statistics.median(runs)
    print("process start → first painted window")
    print("  runs:   " + "  ".join(f"{r:.3f} s" for r in runs))
    print(f"  median: {med:.3f} s   (goal < 1.5 s: {'ok' if med < 1.5 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
