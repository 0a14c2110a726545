"""A real browser for the map tests: Debian's Chromium, installed by the test setup if missing.

Each page is loaded from disk with the flags the maps must survive (headless, no sandbox,
no GPU, no background networking): the DOM after the scripts ran, the JavaScript errors
from the console log, and a screenshot. :class:`DevTools` drives one browser over the
DevTools protocol on a pipe (``--remote-debugging-pipe``, no extra package) for tests that
evaluate JavaScript in a page from the harness: the page's Content-Security-Policy does
not apply to the harness, and every console error, exception and policy violation of the
page is collected.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


#: Installed in every page before its own scripts: records Content-Security-Policy violations.
_RECORD_VIOLATIONS = (
    "window.__violations = []; document.addEventListener('securitypolicyviolation', e =>"
    " window.__violations.push(e.violatedDirective + ' blocked ' + e.blockedURI));"
)


class DevTools:
    """One headless Chromium driven over the DevTools protocol; ``with DevTools() as b:``."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout, self.errors, self._buffer, self._next = timeout, [], b"", 0
        self._events: list[dict[str, Any]] = []
        self._profile = tempfile.TemporaryDirectory(prefix="greenmine-chromium-")
        to_child, self._out = os.pipe()
        self._in, from_child = os.pipe()

        def pipes() -> None:  # the protocol's fds: the browser reads 3, writes 4
            os.dup2(to_child, 3)
            os.dup2(from_child, 4)

        self._proc = subprocess.Popen(
            [chromium(), *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._profile.name}"]
            + ["--window-size=1280,900", "about:blank"],
            preexec_fn=pipes,
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            self._call(f"{domain}.enable")
        self._call("Page.addScriptToEvaluateOnNewDocument", {"source": _RECORD_VIOLATIONS})

    def __enter__(self) -> DevTools:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._send("Browser.close", {}, session=False)
            self._proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - closing anyway
            self._proc.kill()
        os.close(self._out)
        os.close(self._in)
        self._profile.cleanup()

    def _send(self, method: str, params: dict[str, Any], session: bool = True) -> int:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session and getattr(self, "_session", None):
            message["sessionId"] = self._session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        return self._next

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        wanted, deadline = self._send(method, params or {}), time.monotonic() + self.timeout
        while True:
            message = self._message(deadline)
            if message.get("id") == wanted:
                assert "error" not in message, (method, message["error"])
                return message.get("result", {})
            self._record(message)

    def _record(self, event: dict[str, Any]) -> None:
        self._events.append(event)
        params, method = event.get("params", {}), event.get("method")
        if method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(f"{params['entry']['source']}: {params['entry']['text']}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append(
                f"exception: {details.get('exception', {}).get('description', details['text'])}"
            )
        elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
            self.errors.append(f"console: {[a.get('value') for a in params['args']]}")

    def open(self, html: Path, settle_s: float = 0.3) -> None:
        """Load ``html`` from disk (a file:// URL, as users open it); errors start afresh."""
        self.errors, self._events = [], []
        self._call("Page.navigate", {"url": html.resolve().as_uri()})
        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            self._record(self._message(deadline))
        time.sleep(settle_s)

    def evaluate(self, expression: str) -> Any:
        """The value of ``expression`` evaluated in the page (JSON-serialisable values)."""
        result = self._call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")
