"""A real browser for the map tests: Debian's Chromium, installed by the test setup if missing.

Each page is loaded from disk with the flags the maps must survive (headless, no sandbox,
no GPU, no background networking): the DOM after the scripts ran, the JavaScript errors
from the console log, and a screenshot.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
_CONSOLE = re.compile(r'INFO:CONSOLE[^\]]*\] "(.*)", source: (\S+)')


def chromium() -> str:
    """The Chromium executable; installs Debian's ``chromium`` package when it is missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.fail(
            "the map tests need Chromium: install Debian's 'chromium' package (apt-get install chromium)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
        check=True,
        env=env,
        capture_output=True,
    )
    return shutil.which("chromium") or pytest.fail(
        "apt-get installed chromium but it is not on PATH"
    )


@dataclass
class Page:
    dom: str
    errors: list[str]
    screenshot: Path | None


def load(html: Path, screenshot: Path | None = None, wait_ms: int = 4000) -> Page:
    """Open ``html`` in headless Chromium; JavaScript errors are console messages that say so."""
    exe = chromium()
    url = html.resolve().as_uri()
    common = [exe, *FLAGS, f"--virtual-time-budget={wait_ms}", "--window-size=1280,900"]
    run = subprocess.run(
        [*common, "--enable-logging=stderr", "--v=1", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    errors = [
        f"{msg} ({src})"
        for msg, src in _CONSOLE.findall(run.stderr)
        if re.search(r"error|uncaught|failed", msg, re.IGNORECASE)
    ]
    if screenshot is not None:
        shot = subprocess.run(
            [*common, f"--screenshot={screenshot}", url],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert shot.returncode == 0 and screenshot.exists(), shot.stderr[-2000:]
    return Page(run.stdout, errors, screenshot)
