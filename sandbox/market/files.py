"""Opening a market-data file: the CSV text inside, whatever wraps it.

The wrapping is told from the first bytes, not the extension: data.binance.vision serves zips, a
user may have unzipped or renamed them, and a binary format saved as ``.csv`` should get a clear
sentence rather than a decoding error.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from pathlib import Path

from .errors import MarketDataError

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members, an empty zip
_GZIP = b"\x1f\x8b"
_COLUMNAR = {b"ARROW1": "Apache Arrow / Feather", b"FEA1": "Feather", b"PAR1": "Parquet"}


def read_csv_bytes(path: Path) -> tuple[bytes, str]:
    """The CSV's bytes, checked to be UTF-8 text, and the name that describes them: a zip member's
    name (it carries the symbol and date as often as the zip's own name does), else the file's."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MarketDataError(path, None, f"cannot open the file ({exc.strerror or exc})") from None
    name = path.name
    if raw.startswith(_ZIP) or path.suffix.lower() == ".zip":
        raw, name = _unzip(path, raw)
    elif raw.startswith(_GZIP):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise MarketDataError(path, None, f"the gzip file is damaged or cut short ({exc})") from None
    for magic, kind in _COLUMNAR.items():
        if raw.startswith(magic):
            raise MarketDataError(path, None, f"{kind} files are not read; export the data as CSV")
    if not raw.isascii():  # the quick test passes nearly every market-data file
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MarketDataError(
                path, raw.count(b"\n", 0, exc.start) + 1, "the file is not UTF-8 text; a CSV file is expected"
            ) from None
    return raw, name


def _unzip(path: Path, raw: bytes) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            # Binance's zips hold one CSV; zips made on a Mac add __MACOSX/ shadows of it.
            members = [m for m in zf.namelist() if not m.endswith("/") and not m.startswith("__MACOSX/")]
            if len(members) != 1:
                raise MarketDataError(path, None, f"the zip holds {len(members)} files; expected one CSV")
            return zf.read(members[0]), members[0]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
        raise MarketDataError(path, None, f"the zip is damaged or cut short ({exc})") from None
    except (NotImplementedError, RuntimeError) as exc:  # deflate64, encryption
        raise MarketDataError(path, None, f"the zip cannot be opened here ({exc})") from None
