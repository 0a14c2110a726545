"""The child-process sandbox that decodes submitted images: failures become findings."""

from __future__ import annotations

import os
import signal
import time

import pytest

from greenmine_geo.io.isolation import IsolationFailure, IsolationLimits, run_isolated


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
    with pytest.raises(IsolationFailure, match="crashed.*SIGSEGV"):
        run_isolated(_crash)


def test_a_hanging_decoder_is_stopped():
    with pytest.raises(IsolationFailure, match="longer than 1 s"):
        run_isolated(_hang, limits=IsolationLimits(wall_seconds=1))


def test_memory_is_limited():
    with pytest.raises(IsolationFailure, match="more than 512 MiB of memory"):
        run_isolated(_hog, limits=IsolationLimits(memory_bytes=512 * 2**20))


def test_exceptions_are_passed_through():
    with pytest.raises(ValueError, match="bad pixels"):
        run_isolated(_fail)
