"""Run a function in a child process under the memory and time limits this system enforces.

Decoders are where hostile files attack: a crafted TIFF may crash GDAL, loop forever or
allocate without bound. Decoding in a limited child turns any of those into a finding
("the decoder crashed", "took longer than …") instead of a crashed or hung review.

What bounds the child depends on the system; :func:`protection` says which applies, and
the review records it in its report:

* **Linux and other POSIX systems** (``rlimits``): a child from the fork server with an
  address-space limit (``RLIMIT_AS``), a CPU-time limit (``RLIMIT_CPU``) and a
  wall-clock timeout.
* **macOS** (``rlimit-cpu``): the same child, CPU and wall-clock limits; macOS accepts
  ``RLIMIT_AS`` but does not enforce it, so none is claimed.
* **Windows** (``job-object``): a ``spawn`` child that first puts itself in a job object
  limiting its committed memory and user-mode CPU time (``kernel32`` through ctypes),
  and the wall-clock timeout.
* **A system without** ``resource`` **that is not Windows** (``timeout``): a child with
  the wall-clock timeout alone.
* **No child process possible** (``in-process``): the call runs in this process, with
  no limit at all.

Where the system does not bound the child's memory (:attr:`Protection.memory_limited`
is false), the caller must refuse, before decoding, any image that declares more
pixels than the memory limit (the review does): the declared-size checks are then the
only bound.

Children never come from a plain ``fork`` of the caller (:func:`.portable.process_context`).
"""

from __future__ import annotations

import ctypes
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import GreenmineError
from .portable import optional_module, peak_rss_mib, process_context

__all__ = [
    "IsolationFailure",
    "IsolationLimits",
    "IsolationUnavailable",
    "Protection",
    "protection",
    "run_isolated",
]

#: Imported once by the fork server, so each child starts without re-importing them.
_PRELOAD = ["numpy", "shapely", "pyproj", "greenmine_geo.io.gdal"]

Kind = Literal["rlimits", "rlimit-cpu", "job-object", "timeout", "in-process"]


@dataclass(frozen=True)
class IsolationLimits:
    """Limits of the child: memory (bytes), CPU time and wall time (s)."""

    memory_bytes: int = 8 * 2**30
    cpu_seconds: int = 600
    wall_seconds: float = 900.0


class IsolationFailure(Exception):
    """The child died or ran out of time; ``reason`` says which, in words for a reviewer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IsolationUnavailable(GreenmineError):
    """The system refused to limit the child: nothing was decoded (not a finding on the file)."""


def _size(nbytes: int) -> str:
    return f"{nbytes / 2**30:g} GiB" if nbytes >= 2**30 else f"{nbytes / 2**20:g} MiB"


@dataclass(frozen=True)
class Protection:
    """What bounds a call of :func:`run_isolated` on this system (see the module docstring).

    Attributes
    ----------
    kind : str
        ``rlimits``, ``rlimit-cpu``, ``job-object``, ``timeout`` or ``in-process``.
    limits : IsolationLimits
        The limits asked for; only those the kind enforces apply.
    """

    kind: Kind
    limits: IsolationLimits

    @property
    def in_child(self) -> bool:
        """Whether the call runs in a child process (stopped after ``wall_seconds``)."""
        return self.kind != "in-process"

    @property
    def memory_limited(self) -> bool:
        """Whether the system stops the child at ``memory_bytes``."""
        return self.kind in ("rlimits", "job-object")

    @property
    def cpu_limited(self) -> bool:
        """Whether the system stops the child after ``cpu_seconds`` of CPU time."""
        return self.kind in ("rlimits", "rlimit-cpu", "job-object")

    def describe(self) -> str:
        """One sentence for a reviewer: where the image was decoded and what bounded it."""
        mem, cpu = _size(self.limits.memory_bytes), f"{self.limits.cpu_seconds} s"
        where = {
            "rlimits": f"a child process limited to {mem} of address space and {cpu} of CPU time",
            "rlimit-cpu": f"a child process limited to {cpu} of CPU time",
            "job-object": f"a child process in a Windows job object limited to {mem} of "
            f"committed memory and {cpu} of CPU time",
            "timeout": "a child process",
            "in-process": "this process, as no child process can be started here (a decoder "
            "crash or hang stops the review)",
        }[self.kind]
        text = f"decoded in {where}"
        if self.in_child:
            text += f", stopped after {self.limits.wall_seconds:g} s"
        if not self.memory_limited:
            why = {
                "rlimit-cpu": "macOS does not enforce an address-space limit",
                "timeout": "this system offers no resource limits",
            }.get(self.kind, "nothing limits this process")
            text += (
                f"; memory bounded by the declared-size checks only ({why}): images "
                f"declaring more than {mem} of pixels are refused before decoding"
            )
        return text

    def record(self) -> dict[str, Any]:
        """For reports and manifests: the kind, :meth:`describe` and the limits that apply."""
        applied = {
            "memory_bytes": self.limits.memory_bytes if self.memory_limited else None,
            "cpu_seconds": self.limits.cpu_seconds if self.cpu_limited else None,
            "wall_seconds": self.limits.wall_seconds if self.in_child else None,
        }
        return {"protection": self.kind, "description": self.describe()} | {
            k: v for k, v in applied.items() if v is not None
        }


def protection(limits: IsolationLimits | None = None) -> Protection:
    """The protection :func:`run_isolated` applies here under ``limits`` (default limits if None)."""
    limits = limits or IsolationLimits()
    kind: Kind
    if process_context() is None:
        kind = "in-process"
    elif sys.platform == "win32":
        kind = "job-object"
    elif optional_module("resource") is None:
        kind = "timeout"
    else:
        kind = "rlimit-cpu" if sys.platform == "darwin" else "rlimits"
    return Protection(kind, limits)


# JOBOBJECT_EXTENDED_LIMIT_INFORMATION of winnt.h, field by field. DWORD is spelled
# c_uint32 (ctypes.wintypes.DWORD is c_ulong: 64 bits on Linux), so the layout is the
# same, and tested, on every 64-bit system.
class _BasicLimits(ctypes.Structure):
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),  # LARGE_INTEGER, 100 ns ticks
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),  # ULONG_PTR
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    ]


class _ExtendedLimits(ctypes.Structure):
    _fields_ = [
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", ctypes.c_uint64 * 6),  # IO_COUNTERS: six ULONGLONG
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


_JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9  # JOBOBJECTINFOCLASS
_JOB_OBJECT_LIMIT_PROCESS_TIME = 0x0000_0002
_JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x0000_0100


def _job_limits(limits: IsolationLimits) -> _ExtendedLimits:
    """The job object's limits: committed memory (bytes) and user-mode CPU time (100 ns ticks)."""
    info = _ExtendedLimits()
    info.BasicLimitInformation.LimitFlags = (
        _JOB_OBJECT_LIMIT_PROCESS_MEMORY | _JOB_OBJECT_LIMIT_PROCESS_TIME
    )
    info.BasicLimitInformation.PerProcessUserTimeLimit = limits.cpu_seconds * 10_000_000
    info.ProcessMemoryLimit = limits.memory_bytes
    return info


def _join_job_object(limits: IsolationLimits) -> None:
    """Put this process in a new job object under ``limits`` (jobs nest from Windows 8 on).

    The job's handle is never closed: the job lasts as long as this process.
    """
    if sys.platform != "win32":
        raise OSError("job objects exist on Windows only")
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # its own function prototypes
    kernel32.CreateJobObjectW.argtypes = (ctypes.c_void_p, ctypes.c_wchar_p)
    kernel32.CreateJobObjectW.restype = ctypes.c_void_p
    kernel32.SetInformationJobObject.argtypes = (
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_uint32,
    )
    kernel32.AssignProcessToJobObject.argtypes = (ctypes.c_void_p, ctypes.c_void_p)
    kernel32.GetCurrentProcess.restype = ctypes.c_void_p
    info = _job_limits(limits)
    job = kernel32.CreateJobObjectW(None, None)
    if not (
        job
        and kernel32.SetInformationJobObject(
            job, _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION, ctypes.byref(info), ctypes.sizeof(info)
        )
        and kernel32.AssignProcessToJobObject(job, kernel32.GetCurrentProcess())
    ):
        raise ctypes.WinError(ctypes.get_last_error())


def _cap_rlimit(resource: Any, which: int, value: int) -> None:
    """Set the soft and hard limit ``which`` to ``value``, or to a lower hard limit already set."""
    _, hard = resource.getrlimit(which)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(which, (value, value))


def _limit_this_process(applied: Protection) -> None:
    """Apply the limits ``applied`` enforces to this (child) process; OSError where refused."""
    if applied.kind == "job-object":
        _join_job_object(applied.limits)
    elif applied.kind in ("rlimits", "rlimit-cpu"):
        resource = optional_module("resource")
        if resource is None:
            raise OSError("the resource module is missing")
        if applied.memory_limited:
            _cap_rlimit(resource, resource.RLIMIT_AS, applied.limits.memory_bytes)
        _cap_rlimit(resource, resource.RLIMIT_CPU, applied.limits.cpu_seconds)


def _child(conn: Any, applied: Protection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        _limit_this_process(applied)
    except (OSError, ValueError) as exc:
        conn.send(
            (
                "raise",
                IsolationUnavailable(
                    f"this system refused to limit the process that decodes the image ({exc}), "
                    "so it was not decoded; review it on another computer and report this "
                    "with the output of `greenmine --version`"
                ),
            )
        )
        conn.close()
        return
    try:
        value = fn(*args)
        conn.send(("ok", (value, peak_rss_mib())))
    except MemoryError:
        limit = _size(applied.limits.memory_bytes)
        conn.send(
            ("error", f"decoding needed more than {limit} of memory")
            if applied.memory_limited
            else ("error", "decoding ran out of memory")
        )
    except BaseException as exc:  # noqa: BLE001 - report whatever the decoder raised
        conn.send(("raise", exc))
    finally:
        conn.close()


def _death(code: int | None) -> str:
    """A dead child's exit code in words: the signal (POSIX), else the status (hex for an
    NTSTATUS such as 0xc0000005, a Windows access violation)."""
    code = code or 0
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code:#x}" if code > 0xFFFF else f"exit status {code}"


def _outcome(child: Any, receive: Any, limits: IsolationLimits) -> tuple[str, Any]:
    """Wait for the child's message: (kind, value), or IsolationFailure on a timeout or crash."""
    if not receive.poll(limits.wall_seconds):
        child.kill()
        raise IsolationFailure(
            f"decoding took longer than {limits.wall_seconds:g} s and was stopped"
        )
    try:
        kind, value = receive.recv()
    except EOFError:
        child.join()
        raise IsolationFailure(
            f"the decoder crashed on this file ({_death(child.exitcode)})"
        ) from None
    return kind, value


def run_isolated(
    fn: Callable[..., Any],
    *args: Any,
    limits: IsolationLimits | None = None,
    report: dict[str, float] | None = None,
) -> Any:
    """Call ``fn(*args)`` in a child process under ``limits`` and return its result.

    ``fn`` and ``args`` must be picklable (``fn`` a module-level function). Only the
    limits :func:`protection` says this system enforces apply; where no child process
    can be started the call runs in this process, unlimited. ``report``, when given,
    receives the child's peak resident memory (``peak_mib``) where the system reports
    it (POSIX), for benchmarks. Exceptions raised by ``fn`` are re-raised here.

    Raises
    ------
    IsolationFailure
        The child crashed (e.g. a segmentation fault), was killed by a limit,
        ran out of memory, or exceeded the wall-clock timeout.
    IsolationUnavailable
        The system refused to apply the limits: nothing was run.
    """
    applied = protection(limits)
    ctx = process_context()
    if ctx is None:
        return fn(*args)
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(_PRELOAD)  # takes effect when the server starts, once
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, applied, fn, args), daemon=True)  # type: ignore[attr-defined]
    child.start()
    send.close()
    try:
        kind, value = _outcome(child, receive, applied.limits)
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
    if report is not None and peak_mib is not None:
        report["peak_mib"] = peak_mib
    return result
