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
