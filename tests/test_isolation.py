"""The child-process sandbox that decodes submitted images: failures become findings."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import time
import typing

import pytest

from greenmine_geo.io import isolation
from greenmine_geo.io.isolation import (
    IsolationFailure,
    IsolationLimits,
    IsolationUnavailable,
    Protection,
    protection,
    run_isolated,
)

HERE = protection()
KINDS = typing.get_args(isolation.Kind)


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)  # what a decoder bug does


def _hang() -> None:
    time.sleep(60)


def _hog() -> bytes:
    return bytearray(2 * 2**30)  # 2 GiB against a 512 MiB limit


def _fail() -> None:
    raise ValueError("bad pixels")


def test_result_comes_back():
    assert run_isolated(divmod, 7, 2) == (3, 1)


def test_a_crashing_decoder_is_a_finding_not_a_crash():
    # on Windows os.kill ends the process with the signal's number as its exit status
    with pytest.raises(
        IsolationFailure, match=r"crashed on this file \((SIGSEGV|exit status 11)\)"
    ):
        run_isolated(_crash)


def test_a_hanging_decoder_is_stopped():
    with pytest.raises(IsolationFailure, match="longer than 1 s"):
        run_isolated(_hang, limits=IsolationLimits(wall_seconds=1))


@pytest.mark.skipif(not HERE.memory_limited, reason=f"here the image is {HERE.describe()}")
def test_memory_is_limited():
    with pytest.raises(IsolationFailure, match="more than 512 MiB of memory"):
        run_isolated(_hog, limits=IsolationLimits(memory_bytes=512 * 2**20))


def test_exceptions_are_passed_through():
    with pytest.raises(ValueError, match="bad pixels"):
        run_isolated(_fail)


def _decode(path) -> int:
    from greenmine_geo.io.gdal import Window
    from greenmine_geo.io.untrusted import open_untrusted

    with open_untrusted(path) as raster:
        return int(raster.read(Window(0, 0, 1024, 1024)).sum())


def test_isolated_decode_after_this_process_decoded(tmp_path):
    # GDAL's worker threads now exist in this process; a child forked from it would wait
    # for them forever. Children come from the fork server instead.
    from rasters import vegetated, write_image

    img = write_image(tmp_path / "img.tif", vegetated(1024, 1024))
    here = _decode(img)
    assert run_isolated(_decode, img, limits=IsolationLimits(wall_seconds=120)) == here


def test_the_protection_here_is_the_one_this_system_enforces():
    expected = {"win32": "job-object", "darwin": "rlimit-cpu"}.get(sys.platform, "rlimits")
    assert HERE.kind == expected and HERE.in_child and HERE.cpu_limited


def test_each_protection_says_what_bounds_the_decoding():
    says = {kind: Protection(kind, IsolationLimits()).describe() for kind in KINDS}
    assert says["rlimits"] == (
        "decoded in a child process limited to 8 GiB of address space and 600 s of CPU time, "
        "stopped after 900 s"
    )
    assert "Windows job object limited to 8 GiB of committed memory" in says["job-object"]
    for kind in ("rlimit-cpu", "timeout", "in-process"):
        assert "images declaring more than 8 GiB of pixels are refused" in says[kind]
    assert "macOS does not enforce" in says["rlimit-cpu"]
    assert "stopped after" not in says["in-process"] and "this process" in says["in-process"]
    record = Protection("rlimit-cpu", IsolationLimits()).record()
    assert record == {
        "protection": "rlimit-cpu",
        "description": says["rlimit-cpu"],
        "cpu_seconds": 600,
        "wall_seconds": 900.0,
    }


def test_without_any_child_process_the_call_runs_here(monkeypatch):
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: [])
    assert protection().kind == "in-process"
    assert run_isolated(os.getpid) == os.getpid()


@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="the sizes below are 64-bit ones")
def test_the_job_object_limits_have_the_layout_of_winnt_h():
    # JOBOBJECT_EXTENDED_LIMIT_INFORMATION on 64-bit Windows: 144 bytes, LimitFlags at 16,
    # ProcessMemoryLimit at 112 (after the 64-byte basic limits and 48 bytes of IO_COUNTERS)
    info = isolation._job_limits(IsolationLimits(memory_bytes=3 * 2**30, cpu_seconds=7))
    assert ctypes.sizeof(info) == 144 and ctypes.sizeof(isolation._BasicLimits) == 64
    assert isolation._BasicLimits.LimitFlags.offset == 16
    assert isolation._ExtendedLimits.ProcessMemoryLimit.offset == 112
    assert info.BasicLimitInformation.LimitFlags == 0x102  # PROCESS_MEMORY | PROCESS_TIME
    assert info.BasicLimitInformation.PerProcessUserTimeLimit == 7 * 10_000_000
    assert info.ProcessMemoryLimit == 3 * 2**30


class _Conn:
    def __init__(self) -> None:
        self.sent: list[tuple[str, object]] = []

    def send(self, message: tuple[str, object]) -> None:
        self.sent.append(message)

    def close(self) -> None:
        pass


@pytest.mark.skipif(sys.platform == "win32", reason="there the job object would limit pytest")
def test_a_child_the_system_will_not_limit_decodes_nothing():
    conn = _Conn()
    isolation._child(conn, Protection("job-object", IsolationLimits()), _fail, ())
    [(kind, exc)] = conn.sent
    assert kind == "raise" and isinstance(exc, IsolationUnavailable)
    assert "refused to limit the process that decodes the image" in str(exc)
