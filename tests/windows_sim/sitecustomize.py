"""Makes a Linux interpreter look like Windows to greenmine-geo, without breaking it.

Put this directory first on ``PYTHONPATH`` (child processes inherit it): at start-up Python
imports this module as ``sitecustomize``, which

* makes the modules Windows lacks unimportable: ``import resource`` raises
  ModuleNotFoundError there, and now here (:data:`UNIX_ONLY`);
* offers child processes by ``spawn`` only, Windows' one start method;
* provides ``msvcrt`` with the one function greenmine-geo uses, ``locking``, keeping
  Windows' rules: a locked file cannot be locked again, not even through the handle
  that holds it, and ``LK_NBLCK`` fails at once with PermissionError.

``os.name`` and ``sys.platform`` stay ``posix``/``linux``: the interpreter and the
libraries branch on them at import time (pathlib, subprocess, multiprocessing) and
would break. So the Windows-only code itself (the job object of ``io/isolation.py``)
does not run here; what runs is everything that must work without the Unix-only
modules. Linux only: the ``msvcrt`` stand-in reopens files through ``/proc/self/fd``.
Shadows any other ``sitecustomize`` of the interpreter.
"""

from __future__ import annotations

import errno
import fcntl as _fcntl  # kept for the msvcrt stand-in before it is hidden
import importlib.machinery
import multiprocessing
import os
import subprocess  # noqa: F401 - first: it takes an importable msvcrt to mean Windows (bpo-8110)
import sys
import types

#: Standard-library modules that exist on Unix only (the "Unix-specific services" of the
#: library reference, with readline and curses). posix and _posixsubprocess stay: os and
#: subprocess stand on them here as nt and _winapi do on Windows.
UNIX_ONLY = frozenset(
    {
        "resource",
        "fcntl",
        "termios",
        "tty",
        "pty",
        "pwd",
        "grp",
        "syslog",
        "crypt",
        "nis",
        "spwd",
        "readline",
        "curses",
        "_curses",
    }
)

LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = range(5)  # msvcrt's values


class _UnixOnlyFinder:
    """A meta-path finder that refuses the Unix-only modules as Windows' Python does."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.partition(".")[0] in UNIX_ONLY:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def _locking(fd: int, mode: int, nbytes: int) -> None:
    """``msvcrt.locking`` on ``flock``: the whole file stands for the locked byte range (the
    lock files locked here hold one range each)."""
    if mode == LK_UNLCK:
        _fcntl.flock(fd, _fcntl.LOCK_UN)
        return
    if mode != LK_NBLCK:
        raise NotImplementedError("the msvcrt stand-in implements LK_NBLCK and LK_UNLCK only")
    probe = os.open(f"/proc/self/fd/{fd}", os.O_RDONLY)  # another handle on the same file
    try:
        _fcntl.flock(probe, _fcntl.LOCK_EX | _fcntl.LOCK_NB)  # fails while any handle holds it
        _fcntl.flock(probe, _fcntl.LOCK_UN)
        _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
    except BlockingIOError:
        raise PermissionError(errno.EACCES, "Permission denied") from None
    finally:
        os.close(probe)


def _msvcrt() -> types.ModuleType:
    module = types.ModuleType("msvcrt", "A stand-in for Windows' msvcrt: locking() only.")
    module.__spec__ = importlib.machinery.ModuleSpec("msvcrt", None)
    module.__dict__.update(
        locking=_locking,
        LK_UNLCK=LK_UNLCK,
        LK_LOCK=LK_LOCK,
        LK_NBLCK=LK_NBLCK,
        LK_RLCK=LK_RLCK,
        LK_NBRLCK=LK_NBRLCK,
    )
    return module


for _name in UNIX_ONLY:
    sys.modules.pop(_name, None)
sys.meta_path.insert(0, _UnixOnlyFinder())  # type: ignore[arg-type]
sys.modules["msvcrt"] = _msvcrt()
multiprocessing.set_start_method("spawn", force=True)
multiprocessing.get_all_start_methods = lambda: ["spawn"]
