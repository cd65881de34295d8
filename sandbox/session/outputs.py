"""Writing an output file: whole or not at all, never over its own input, never through a link
someone planted, with the permissions any other program would give it.

- ``output_problem`` says what is wrong with a path before any work is done: empty, a folder, a
  device or pipe, in a folder that does not exist, or the very file being read.
- ``atomic_file`` writes to a fresh temporary file beside the target, created exclusively (so a
  symlink planted under the name it will have is never followed), named
  ``.NAME.PID.RANDOM.part``; on success it gets the usual permissions (0666 less the umask, as
  ``open`` gives) and replaces the target in one rename. Anything else (a full disk, Ctrl-C)
  removes it. A ``.part`` left by a process that was killed is removed the next time the same
  target is written (its PID no longer runs).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import IO, Literal, overload

from ..errors import FileProblem

_NAME_IN_PART = 80  # characters of the target's name kept in its temporary file's name


class OutputError(FileProblem):
    """An output file that cannot be written (the sentence says why)."""


def output_problem(path: str | os.PathLike[str], *inputs: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be an output of a command reading ``inputs`` (None if it can)."""
    text = os.fspath(path)
    if not text.strip():
        return "an output needs a file name"
    target = Path(text)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        return f"cannot be written ({exc.strerror or exc})"
    if mode is not None:
        if stat.S_ISDIR(mode):
            return "this is a folder; name a file in it"
        if not stat.S_ISREG(mode):
            return "not a regular file (a device or pipe); name a file"
        for source in inputs:
            with suppress(OSError):
                if os.path.samefile(target, source):
                    return "this is the input file; writing it would destroy what is being read"
    folder = target.parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    return None


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    with suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _part_prefix(target: Path) -> str:
    return f".{target.name[:_NAME_IN_PART]}."


def _remove_stale_parts(target: Path) -> None:
    """Temporary files of earlier writes of ``target`` whose process is gone."""
    prefix = _part_prefix(target)
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.[A-Za-z0-9_]+\.part")
    with suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            m = pattern.fullmatch(entry.name)
            if m is None or not entry.is_file(follow_symlinks=False):
                continue
            pid = int(m.group(1))
            if pid != os.getpid() and not _running(pid):
                with suppress(OSError):
                    os.unlink(entry.path)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


@overload
def atomic_file(path: str | os.PathLike[str], binary: Literal[False] = ...) -> _AtomicText: ...
@overload
def atomic_file(path: str | os.PathLike[str], binary: Literal[True]) -> _AtomicBinary: ...
def atomic_file(path: str | os.PathLike[str], binary: bool = False) -> _AtomicText | _AtomicBinary:
    """A context manager yielding a stream (text, UTF-8, ``\\n`` line ends; or binary) whose
    contents replace ``path`` when the block ends without an exception."""
    return _AtomicBinary(path) if binary else _AtomicText(path)


class _Atomic:
    def __init__(self, path: str | os.PathLike[str]):
        self.target = Path(path)
        problem = output_problem(self.target)
        if problem:
            raise OutputError(self.target, None, problem)
        _remove_stale_parts(self.target)
        try:
            fd, tmp = tempfile.mkstemp(
                prefix=f"{_part_prefix(self.target)}{os.getpid()}.", suffix=".part", dir=self.target.parent
            )
        except OSError as exc:
            raise OutputError(
                self.target, None, f"cannot create a file there ({exc.strerror or exc})"
            ) from None
        self.fd, self.tmp = fd, tmp

    def _finish(self, ok: bool) -> None:
        try:
            if ok:
                os.chmod(self.tmp, 0o666 & ~_umask())
                os.replace(self.tmp, self.target)
        except OSError as exc:
            ok = False
            raise OutputError(self.target, None, f"cannot be written ({exc.strerror or exc})") from None
        finally:
            if not ok:
                with suppress(OSError):
                    os.unlink(self.tmp)


class _AtomicText(_Atomic):
    def __enter__(self) -> IO[str]:
        self.stream: IO[str] = open(self.fd, "w", encoding="utf-8", newline="\n")
        return self.stream

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        _close_and_finish(self, self.stream, exc)


class _AtomicBinary(_Atomic):
    def __enter__(self) -> IO[bytes]:
        self.stream: IO[bytes] = open(self.fd, "wb")
        return self.stream

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        _close_and_finish(self, self.stream, exc)


def _close_and_finish(atomic: _Atomic, stream: IO[str] | IO[bytes], exc: BaseException | None) -> None:
    """Close (which flushes: a full disk shows here) and keep or drop the file."""
    try:
        stream.close()
    except OSError as error:
        atomic._finish(False)
        if exc is None:
            raise OutputError(atomic.target, None, f"cannot be written ({error.strerror or error})") from None
        return
    if isinstance(exc, OSError):
        atomic._finish(False)
        raise OutputError(atomic.target, None, f"cannot be written ({exc.strerror or exc})") from None
    atomic._finish(exc is None)
