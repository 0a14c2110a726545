"""Run a function in a child process with memory and time limits.

Decoders are where hostile files attack: a crafted TIFF may crash GDAL, loop
forever or allocate without bound. Decoding in a child with an address space
limit (``RLIMIT_AS``), a CPU-time limit and a wall-clock timeout turns any of
those into a finding ("the decoder crashed", "took longer than …") instead of a
crashed or hung review.

Children come from a fork server, not from forking the caller: a caller that
has already decoded images holds GDAL's worker-thread pool, and a plain
``fork`` would give the child that pool's state without its threads, so the
child would wait for them forever.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["IsolationLimits", "IsolationFailure", "run_isolated"]

#: Imported once by the fork server, so each child starts without re-importing them.
_PRELOAD = ["numpy", "shapely", "pyproj", "greenmine_geo.io.gdal"]


@dataclass(frozen=True)
class IsolationLimits:
    """Limits of the child: address space (bytes), CPU time and wall time (s)."""

    memory_bytes: int = 8 * 2**30
    cpu_seconds: int = 600
    wall_seconds: float = 900.0


class IsolationFailure(Exception):
    """The child died or ran out of time; ``reason`` says which, in words for a reviewer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _child(
    conn: Any, limits: IsolationLimits, fn: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
    try:
        value = fn(*args)
        conn.send(("ok", (value, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
    except MemoryError:
        conn.send(
            ("error", f"decoding needed more than {limits.memory_bytes / 2**20:,.0f} MiB of memory")
        )
    except BaseException as exc:  # noqa: BLE001 - report whatever the decoder raised
        conn.send(("raise", exc))
    finally:
        conn.close()


def run_isolated(
    fn: Callable[..., Any],
    *args: Any,
    limits: IsolationLimits | None = None,
    report: dict[str, float] | None = None,
) -> Any:
    """Call ``fn(*args)`` in a child process under ``limits`` and return its result.

    ``fn`` and ``args`` must be picklable (``fn`` a module-level function).
    ``report``, when given, receives the child's peak resident memory
    (``peak_mib``), for benchmarks.
    Exceptions raised by ``fn`` are re-raised here. Where no fork server is
    available the call runs in this process, unlimited.

    Raises
    ------
    IsolationFailure
        The child crashed (e.g. a segmentation fault), was killed by a limit,
        ran out of memory, or exceeded the wall-clock timeout.
    """
    limits = limits or IsolationLimits()
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not POSIX
        return fn(*args)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)  # takes effect when the server starts, once
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, limits, fn, args), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(limits.wall_seconds):
            child.kill()
            raise IsolationFailure(
                f"decoding took longer than {limits.wall_seconds:g} s and was stopped"
            )
        try:
            kind, value = receive.recv()
        except EOFError:
            child.join()
            code = child.exitcode or 0
            what = signal.Signals(-code).name if code < 0 else f"exit status {code}"
            raise IsolationFailure(f"the decoder crashed on this file ({what})") from None
    finally:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
        receive.close()
    if kind == "error":
        raise IsolationFailure(value)
    if kind == "raise":
        raise value
    result, peak_mib = value
    if report is not None:
        report["peak_mib"] = peak_mib
    return result


if os.name != "posix":  # pragma: no cover
    raise ImportError("greenmine_geo.io.isolation needs a POSIX system")
