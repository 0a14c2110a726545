"""One run at a time per output directory: a lock the operating system releases with the run.

:func:`output_lock` holds an exclusive lock on ``DIR/.greenmine.lock`` (``flock`` on
POSIX, ``msvcrt.locking`` on Windows) for as long as a run writes into ``DIR``. A second
run into the same directory is refused at once, naming the process that holds it; a run
that dies, however it dies, releases it, so there are no stale locks to clear. Within
one process the lock is re-entrant (a pipeline holds its run directory while its steps
write into it).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..errors import InputError

__all__ = ["LockedError", "output_lock"]

#: Seconds between attempts while waiting for a lock.
_POLL = 0.2

LOCK_NAME = ".greenmine.lock"
_HELD: dict[Path, int] = {}  # lock file → how many holders in this process


class LockedError(InputError):
    """Another run is writing into the directory."""


def _try_lock(fh: IO[str]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

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
        while not _try_lock(fh) and time.monotonic() < deadline:
            time.sleep(_POLL)
        if not _try_lock(fh):
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise LockedError(
                f"{path.parent} is being written by another greenmine run ({holder}); "
                "wait for it to finish or give another --out"
            )
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        _HELD[path] = 1
        try:
            yield
        finally:
            del _HELD[path]
