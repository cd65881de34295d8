"""The layers point one way (DEVELOPERS.md, "The shape"): no Qt below the ui layer, and the
engine touches no files, clock or randomness. Checked by reading the imports, and by importing
the lower layers in a fresh interpreter."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "sandbox"
QT = ("PySide6", "pyqtgraph", "superqt", "qtpy", "shiboken6")
LOWER = ["engine", "market", "session"]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def files(*parts: str):
    for part in parts:
        yield from sorted((PKG / part).rglob("*.py"))


@pytest.mark.parametrize(
    "path", [*list(files(*LOWER)), PKG / "profiles.py"], ids=lambda p: str(p.relative_to(PKG))
)
def test_no_qt_below_the_ui(path):
    bad = {name for name in imports_of(path) if name.split(".")[0] in QT}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", list(files("engine")), ids=lambda p: p.name)
def test_engine_has_no_io_clock_or_randomness(path):
    forbidden = {"os", "io", "time", "datetime", "random", "pathlib", "json", "socket", "threading"}
    bad = {name for name in imports_of(path) if name.split(".")[0] in forbidden}
    assert not bad, f"{path.name} imports {bad}"


def test_engine_imports_only_the_engine():
    for path in files("engine"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                pytest.fail(f"{path.name} reaches outside the engine: {'.' * node.level}{node.module}")


def test_lower_layers_load_without_qt():
    code = (
        "import sys, sandbox.engine, sandbox.session.reader, sandbox.session.runner, "
        "sandbox.session.report, sandbox.profiles, sandbox.cli\n"
        "import importlib, pkgutil, sandbox.market, sandbox.session\n"
        "for pkg in (sandbox.market, sandbox.session):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {QT!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
