"""The layers point one way (no Qt below the window; no files, clock or randomness in the engine).
The import-linter contracts in pyproject.toml check every import statically (`tools/dev.sh lint`);
this test checks what static reading cannot: that importing every lower module in a fresh
interpreter loads no Qt at all, whatever a dependency imports behind our back."""

import subprocess
import sys

QT = ("PySide6", "pyqtgraph", "superqt", "qtpy", "shiboken6")


def test_lower_layers_load_without_qt():
    code = (
        "import sys, importlib, pkgutil, sandbox, sandbox.cli, sandbox.profiles\n"
        "for name in ('engine', 'market', 'session', 'risk'):\n"
        "    pkg = importlib.import_module('sandbox.' + name)\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {QT!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_import_contracts_hold():
    """The same contracts CI's lint step checks, so `pytest` alone also catches a layer break."""
    from importlinter.cli import lint_imports

    assert lint_imports() == 0
