"""What this operating system offers, asked when it is needed, never at import time.

Windows has neither ``resource`` nor ``fcntl`` and starts child processes by ``spawn``
only; macOS has both modules and a fork server but reports peak memory in bytes, not
KiB. Nothing here imports a module that exists on some systems only: callers ask for
one (:func:`optional_module`) and say what applies without it (:mod:`.isolation`,
:mod:`.lock`).
"""

from __future__ import annotations

import importlib
import multiprocessing
import sys
from multiprocessing.context import BaseContext
from types import ModuleType

__all__ = ["optional_module", "peak_rss_mib", "process_context"]


def optional_module(name: str) -> ModuleType | None:
    """The module ``name`` (``resource``, ``fcntl``, ``msvcrt``) where this system has it, else None."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:  # the module exists but is broken: not a matter of the system
            raise
        return None


def process_context() -> BaseContext | None:
    """How child processes start here: from the fork server where there is one (POSIX),
    else by ``spawn`` (Windows); None where no child process can be started at all.

    Never a plain ``fork``: a process that has decoded images holds GDAL's worker-thread
    pool, and a forked child would wait for those threads forever.
    """
    methods = multiprocessing.get_all_start_methods()
    for method in ("forkserver", "spawn"):
        if method in methods:
            return multiprocessing.get_context(method)
    return None


def peak_rss_mib() -> float | None:
    """This process's peak resident memory (MiB), where ``resource`` reports it (POSIX), else None."""
    resource = optional_module("resource")
    if resource is None:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak / 2**20 if sys.platform == "darwin" else peak / 2**10)  # bytes, else KiB
