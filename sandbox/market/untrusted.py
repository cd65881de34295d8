"""Reading a file from outside: what the readers of sessions and of market data share.

Every file is untrusted (a session someone posted, a download, a file a script made), so reading
one never hangs, never takes memory in proportion to the file, and never ends in anything but one
sentence naming the file (and the line, where there is one):

- Only a regular file is read. A named pipe would wait forever for a writer, ``/dev/zero`` never
  ends and a folder is not data; the path is opened without blocking and checked with ``fstat``
  before a byte is read, so no check-then-open race either.
- Text comes as blocks of whole lines (each ends at a line break, except a last line that has
  none), ``BLOCK_BYTES`` at a time: a reader holds a block, never the file.
- No line may be longer than ``MAX_LINE_BYTES``, and no file longer than ``MAX_TEXT_BYTES`` once
  decompressed. A compressed file may expand at most ``MAX_EXPANSION`` times its own size (beyond
  the first ``EXPANSION_FLOOR`` bytes): real CSV and JSON Lines compress 5 to 20 times, a gzip or
  zip bomb a thousand times, so a bomb stops after reading about a hundred times its size.
"""

from __future__ import annotations

import gzip
import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from ..errors import FileProblem

MAX_LINE_BYTES = 1 << 20  # 1 MiB: a session header with many instruments is a few kB
MAX_TEXT_BYTES = 8 << 30  # 8 GiB of text: months of one-minute candles are a few hundred MB
MAX_EXPANSION = 100
EXPANSION_FLOOR = 16 << 20
BLOCK_BYTES = MAX_LINE_BYTES  # so a line inside one block is never over the limit unchecked

_GZIP = b"\x1f\x8b"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members, an empty zip


def size_text(n: int) -> str:
    """``1048576 → '1 MiB'``: limits as people read them."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift:,} {unit}"
    return f"{n / (1 << 20):,.0f} MiB" if n >= 1 << 20 else f"{n:,} bytes"


def open_regular(path: str | Path, error: type[FileProblem]) -> IO[bytes]:
    """``path`` opened for reading in binary, if it is a regular file; else ``error``."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(path, None, "no such file") from None
    except IsADirectoryError:
        raise error(path, None, "this is a folder, not a file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise error(path, None, f"cannot open the file ({_reason(exc)})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise error(path, None, "this is a folder, not a file")
        if not stat.S_ISREG(mode):
            raise error(
                path, None, "not a regular file (a pipe, socket or device); save its contents to a file first"
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def check_regular(path: str | Path, error: type[FileProblem]) -> None:
    """Raise ``error`` unless ``path`` is a regular file that can be opened."""
    open_regular(path, error).close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


class TextBlocks:
    """The text of one file, decompressed (gzip or, with ``zip_member``, one zip member) and
    decoded as UTF-8, in blocks that end at a line break.

    ``lines`` counts the line breaks handed out so far. ``cut_short`` tells, after iterating with
    ``allow_cut=True``, that a compressed file ended early (a recording killed while writing) and
    the text stopped there; otherwise that is an error.
    """

    def __init__(
        self,
        path: str | Path,
        error: type[FileProblem],
        *,
        zip_member: bool = False,
        allow_cut: bool = False,
    ):
        self.path = path
        self.error = error
        self.allow_cut = allow_cut
        self.cut_short = False
        self.lines = 0
        self.name = Path(path).name  # a zip member's name, when it is one
        self.compressed = ""  # "gzip file" or "zip" when the text is decompressed
        raw = open_regular(path, error)
        try:
            self._stream, self._limit = self._unwrap(raw, zip_member)
        except BaseException:
            raw.close()
            raise
        self._raw = raw

    def _unwrap(self, raw: IO[bytes], zip_member: bool) -> tuple[IO[bytes], int]:
        size = os.fstat(raw.fileno()).st_size
        magic = raw.read(4)
        raw.seek(0)
        if magic.startswith(_GZIP):
            self.compressed = "gzip file"
            unzipped = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
            return unzipped, self._expansion(size)
        if zip_member and (magic.startswith(_ZIP) or str(self.path).lower().endswith(".zip")):
            self.compressed = "zip"
            return self._open_member(raw), self._expansion(size)
        return raw, MAX_TEXT_BYTES

    @staticmethod
    def _expansion(size: int) -> int:
        return min(MAX_TEXT_BYTES, EXPANSION_FLOOR + MAX_EXPANSION * size)

    def _open_member(self, raw: IO[bytes]) -> IO[bytes]:
        path = self.path
        try:
            zf = zipfile.ZipFile(raw)
            # Binance's zips hold one CSV; zips made on a Mac add __MACOSX/ shadows of it.
            members = [m for m in zf.namelist() if not m.endswith("/") and not m.startswith("__MACOSX/")]
            if len(members) != 1:
                raise self.error(path, None, f"the zip holds {len(members)} files; expected one CSV")
            self.name = members[0]
            return zf.open(members[0])
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
            raise self.error(path, None, f"the zip is damaged or cut short ({_reason(exc)})") from None
        except (NotImplementedError, RuntimeError) as exc:  # deflate64, encryption
            raise self.error(path, None, f"the zip cannot be opened here ({_reason(exc)})") from None

    def close(self) -> None:
        self._stream.close()
        self._raw.close()

    def __enter__(self) -> TextBlocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self) -> bytes:
        """The next piece of the (decompressed) bytes. ``read1`` makes at most one read of the
        stream below, so a compressed file that ends early loses nothing before the end."""
        try:
            piece: bytes = self._stream.read1(BLOCK_BYTES)  # type: ignore[attr-defined]
            return piece
        except EOFError:
            if self.allow_cut:
                self.cut_short = True
                return b""
            raise self.error(self.path, None, f"the {self.compressed} is damaged or cut short") from None
        except (OSError, zlib.error, zipfile.BadZipFile) as exc:
            what = self.compressed or "file"
            raise self.error(
                self.path,
                self.lines + 1 if self.lines else None,
                f"the {what} is damaged or cut short ({_reason(exc)})",
            ) from None

    def raw_blocks(self) -> Iterator[bytes]:
        """Blocks of bytes, each ending at a line break (but perhaps the last)."""
        carry: list[bytes] = []  # the start of a line that has not ended yet
        carried = 0
        total = 0
        limit = self._limit
        while True:
            chunk = self._read()
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise self.error(self.path, None, self._too_big(limit))
            cut = chunk.rfind(b"\n")
            if cut < 0:
                carry.append(chunk)
                carried += len(chunk)
                if carried > MAX_LINE_BYTES:
                    raise self._too_long()
                continue
            if carried + chunk.find(b"\n") > MAX_LINE_BYTES:
                raise self._too_long()
            carry.append(chunk[: cut + 1])
            block = b"".join(carry) if len(carry) > 1 else carry[0]
            carry, carried = [chunk[cut + 1 :]], len(chunk) - cut - 1
            yield block
            self.lines += block.count(b"\n")
        if carried:
            yield b"".join(carry)

    def _too_big(self, limit: int) -> str:
        if self.compressed and limit < MAX_TEXT_BYTES:
            return (
                f"the compressed file expands to more than {size_text(limit)} (over "
                f"{MAX_EXPANSION} times its size): refused as a likely decompression bomb"
            )
        return f"the file is longer than {size_text(MAX_TEXT_BYTES)}, the most this app reads"

    def _too_long(self) -> FileProblem:
        return self.error(
            self.path,
            self.lines + 1,
            f"the line is longer than {size_text(MAX_LINE_BYTES)}, the most allowed",
        )

    def __iter__(self) -> Iterator[str]:
        return self.decoded(self.raw_blocks())

    def decoded(self, blocks: Iterator[bytes], not_text: str = "the file is not UTF-8 text") -> Iterator[str]:
        """``blocks`` (from ``raw_blocks``) as text; a byte-order mark at the start is dropped."""
        first = True
        for block in blocks:
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = self.lines + block.count(b"\n", 0, exc.start) + 1
                raise self.error(self.path, line, not_text) from None
            if first:
                first = False
                text = text.removeprefix("\ufeff")
            yield text
