"""Every character the window writes can be drawn with the fonts a Debian desktop has by default
(DejaVu): nothing shows as a box. Checked against the font file itself, for every non-ASCII
character in the window's and the engine's source (labels, sentences, tooltips) and in the
profiles' titles as the window shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtGui import QRawFont

from sandbox.profiles import PROFILE_DIR
from sandbox.ui import format as fmt

ROOT = Path(__file__).resolve().parents[1]
DEJAVU = next(iter(sorted(Path("/usr/share/fonts").rglob("DejaVuSans.ttf"))), None)


@pytest.mark.skipif(DEJAVU is None, reason="DejaVu Sans is not installed here")
def test_every_character_the_window_writes_is_in_the_default_font(qapp):
    font = QRawFont(str(DEJAVU), 12)
    assert font.isValid()
    where: dict[str, str] = {}
    for path in sorted((ROOT / "sandbox").rglob("*.py")):
        for ch in path.read_text(encoding="utf-8"):
            if ord(ch) > 127:
                where.setdefault(ch, str(path.relative_to(ROOT)))
    for path in sorted(PROFILE_DIR.glob("*.json")):
        title = json.loads(path.read_text(encoding="utf-8"))["title"]
        for ch in fmt.drawable(title):
            if ord(ch) > 127:
                where.setdefault(ch, path.name)
    missing = {ch: f for ch, f in where.items() if not font.supportsCharacter(ord(ch))}
    assert missing == {}


def test_titles_are_written_with_characters_every_font_has():
    assert fmt.drawable("Binance USDⓈ-M futures") == "Binance USDS-M futures"
