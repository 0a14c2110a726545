"""One run at a time per output directory: a lock the operating system releases with the run.

:func:`output_lock` holds an exclusive lock on ``DIR/.greenmine.lock`` (``msvcrt.locking``
where Python has it, i.e. on Windows; ``flock`` elsewhere) for as long as a run writes
into ``DIR``. A second run into the same directory is refused at once, naming the
process that holds it; a run that dies, however it dies, releases it, so there are no
stale locks to clear. Within one process the lock is re-entrant (a pipeline holds its
run directory while its steps write into it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..errors import InputError
from .portable import optional_module

__all__ = ["LockedError", "output_lock"]

#: Seconds between attempts while waiting for a lock.
_POLL = 0.2
#: Offset (bytes) of the byte locked on Windows: past anything written into the lock file.
_WINDOWS_LOCK_BYTE = 2**20

LOCK_NAME = ".greenmine.lock"
_HELD: dict[Path, int] = {}  # lock file → how many holders in this process


class LockedError(InputError):
    """Another run is writing into the directory."""


def _try_lock(fh: IO[str]) -> bool:
    """Take the lock on ``fh`` if it is free; never waits."""
    msvcrt = optional_module("msvcrt")
    if msvcrt is not None:
        # Windows locks byte ranges, mandatorily, from the file position, and a range locked
        # once cannot be locked again even through the same handle: one byte past the
        # holder's pid, so the run refused can still read who holds it
        os.lseek(fh.fileno(), _WINDOWS_LOCK_BYTE, os.SEEK_SET)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    fcntl = optional_module("fcntl")
    if fcntl is None:
        raise OSError(errno.ENOSYS, "this system offers no file locks (neither msvcrt nor fcntl)")
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def output_lock(directory: str | os.PathLike[str], *, wait_s: float = 0.0) -> Iterator[None]:
    """Hold ``directory``'s lock while the block runs, waiting up to ``wait_s`` seconds for it.

    Raises
    ------
    LockedError
        Another process holds it (still, after ``wait_s``).
    """
    path = (Path(directory) / LOCK_NAME).resolve()
    if _HELD.get(path):
        _HELD[path] += 1
        try:
            yield
        finally:
            _HELD[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        deadline = time.monotonic() + wait_s
        while not _try_lock(fh):  # one attempt at a time: a Windows lock cannot be taken twice
            if time.monotonic() >= deadline:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise LockedError(
                    f"{path.parent} is being written by another greenmine run ({holder}); "
                    "wait for it to finish or give another --out"
                )
            time.sleep(_POLL)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        _HELD[path] = 1
        try:
            yield
        finally:
            del _HELD[path]
