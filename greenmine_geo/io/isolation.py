"""Run a function in a child process with memory and time limits.

Decoders are where hostile files attack: a crafted TIFF may crash GDAL, loop
forever or allocate without bound. Decoding in a forked child with an address
space limit (``RLIMIT_AS``), a CPU-time limit and a wall-clock timeout turns any
of those into a finding ("the decoder crashed", "took longer than …") instead
of a crashed or hung review.
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
        conn.send(("ok", fn(*args)))
    except MemoryError:
        conn.send(
            ("error", f"decoding needed more than {limits.memory_bytes / 2**20:,.0f} MiB of memory")
        )
    except BaseException as exc:  # noqa: BLE001 - report whatever the decoder raised
        conn.send(("raise", exc))
    finally:
        conn.close()


def run_isolated(fn: Callable[..., Any], *args: Any, limits: IsolationLimits | None = None) -> Any:
    """Call ``fn(*args)`` in a forked child under ``limits`` and return its result.

    Exceptions raised by ``fn`` are re-raised here. Where ``fork`` is not
    available the call runs in this process, unlimited.

    Raises
    ------
    IsolationFailure
        The child crashed (e.g. a segmentation fault), was killed by a limit,
        ran out of memory, or exceeded the wall-clock timeout.
    """
    limits = limits or IsolationLimits()
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not Linux
        return fn(*args)
    ctx = multiprocessing.get_context("fork")
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
    return value


if os.name != "posix":  # pragma: no cover
    raise ImportError("greenmine_geo.io.isolation needs a POSIX system")
