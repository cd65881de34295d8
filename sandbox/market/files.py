"""Opening a market-data file: the CSV text inside, whatever wraps it, as a stream.

The wrapping is told from the first bytes, not the extension: data.binance.vision serves zips, a
user may have unzipped or renamed them, and a binary format saved as ``.csv`` should get a clear
sentence rather than a decoding error. ``untrusted`` bounds what any of it may cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from pathlib import Path

from .errors import MarketDataError
from .untrusted import TextBlocks

_COLUMNAR = {b"ARROW1": "Apache Arrow / Feather", b"FEA1": "Feather", b"PAR1": "Parquet"}


def csv_text(path: Path) -> tuple[TextBlocks, Iterator[str]]:
    """The file's stream (close it when done; ``.name`` is a zip member's name, which carries
    the symbol and date as often as the zip's own name does) and its text in blocks of lines."""
    blocks = TextBlocks(path, MarketDataError, zip_member=True)
    try:
        raw = blocks.raw_blocks()
        first = next(raw, b"")
        for magic, kind in _COLUMNAR.items():
            if first.startswith(magic):
                raise MarketDataError(path, None, f"{kind} files are not read; export the data as CSV")
    except BaseException:
        blocks.close()
        raise
    text = blocks.decoded(chain((first,), raw), "the file is not UTF-8 text; a CSV file is expected")
    return blocks, text
