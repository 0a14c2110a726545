"""Windows and macOS: the commands without the Unix-only modules, and what the report says.

On Linux the commands run under ``tests/windows_sim`` (the modules Windows lacks made
unimportable, child processes by spawn only, msvcrt's locking); on Windows they run as
they are. Either way ``resource``, ``fcntl`` and the other Unix-only modules cannot be
imported, and the review must name the protection that applied.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from greenmine_geo.cli import terminal
from greenmine_geo.io.isolation import IsolationLimits
from greenmine_geo.io.lock import output_lock
from greenmine_geo.steps import review as review_step
from greenmine_geo.steps.skeleton import StepContext

from conftest import greenmine
from rasters import mines_file, vegetated, write_image
from review_bench import review_params

SIMULATION = Path(__file__).resolve().parent / "windows_sim"

without_unix_only = pytest.mark.skipif(
    sys.platform not in ("win32", "linux"),
    reason="Windows runs these natively and Linux under tests/windows_sim (its msvcrt stand-in "
    "reopens files through /proc); macOS has the Unix-only modules, so there is nothing to take away",
)

#: The protection a review gets without ``resource``: Windows' job object, or the timeout alone.
EXPECTED = "job-object" if sys.platform == "win32" else "timeout"


def _env() -> dict[str, str] | None:
    """The environment of a run without the Unix-only modules: Windows' own, or the simulation."""
    if sys.platform == "win32":
        return None
    paths = [str(SIMULATION), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


_IMPORT_EVERY_MODULE = """
import importlib, pkgutil
for unix_only in ("resource", "fcntl", "termios", "pwd", "grp"):
    try:
        importlib.import_module(unix_only)
    except ModuleNotFoundError:
        continue
    raise SystemExit(f"{unix_only} can be imported: the test would prove nothing")
import greenmine_geo
names = [m.name for m in pkgutil.walk_packages(greenmine_geo.__path__, "greenmine_geo.")]
for name in names:
    if name != "greenmine_geo.__main__":  # the command line itself, run by the other tests
        importlib.import_module(name)
print(len(names))
"""


@without_unix_only
def test_the_package_and_every_module_import_without_the_unix_only_modules():
    r = subprocess.run(
        [sys.executable, "-c", _IMPORT_EVERY_MODULE],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) > 80  # every module, not an early stop


@without_unix_only
def test_review_imagery_runs_and_names_the_protection(tmp_path):
    img = write_image(tmp_path / "img.tif", vegetated(800, 800))
    out = tmp_path / "o"
    r = greenmine(
        "review-imagery", str(img), "--mines", mines_file(tmp_path), "--id-field", "mine_id",
        "--mine-id", "M1", "--bands", "red=3,nir=4", "--acquired", "2026-07-15",
        "--review-from", "2026-01-01", "--review-to", "2026-12-31", "--out", str(out),
        env=_env(),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    review = json.loads((out / "review.json").read_text("utf-8"))
    status = {c["id"]: c["status"] for c in review["checks"]}
    assert status["format"] == status["dimensions"] == status["coverage"] == "PASS", review
    decoding = review["decoding"]
    assert decoding["protection"] == EXPECTED and "stopped after 900 s" in decoding["description"]
    if EXPECTED == "timeout":
        assert "declared-size checks only" in decoding["description"]
    assert decoding["description"] in (out / "review.html").read_text("utf-8")
    assert json.loads((out / "manifest.json").read_text("utf-8"))["decoding"] == decoding


@without_unix_only
def test_greening_runs_and_its_output_lock_holds(tmp_path):
    img = write_image(tmp_path / "img.tif", vegetated(800, 800))
    out = tmp_path / "o"
    args = ["greening", "--mines", mines_file(tmp_path), "--id-field", "mine_id"]
    args += ["--image", str(img), "--bands", "red=3,nir=4", "--out", str(out)]
    r = greenmine(*args, env=_env())
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out / "greening.csv")
    assert list(table.mine_id) == ["M1"] and table.greenable_area_m2[0] == pytest.approx(40_000)
    assert (out / "greening.gpkg").is_file() and (out / "manifest.json").is_file()
    with output_lock(out):  # while this process writes there, a second run is refused
        r = greenmine(*args, env=_env())
    assert r.returncode == 2 and f"another greenmine run (pid {os.getpid()})" in r.stderr


# on every system: what the review does where no child process can be started at all
def test_without_any_child_process_the_review_says_so_and_bounds_the_declared_size(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: [])
    img = write_image(tmp_path / "img.tif", vegetated(800, 800))  # 5 MB of pixels declared
    params = review_params(img, Path(mines_file(tmp_path)), bands={"red": 3, "nir": 4})
    small = IsolationLimits(memory_bytes=2**20)
    outcome = review_step.run(params, StepContext(tmp_path / "o"), isolation=small)
    assert outcome.decoding["protection"] == "in-process"
    assert "decoded in this process" in outcome.decoding["description"]
    assert "more than 1 MiB of pixels are refused" in outcome.decoding["description"]
    dimensions = next(c for c in outcome.checks if c.id == "dimensions")
    assert dimensions.status == "FAIL" and "pixels" in dimensions.message


def test_an_output_on_another_drive_is_shown_whole(monkeypatch, capsys, tmp_path):
    # Windows: relpath from C:\ to D:\ raises ValueError
    def other_drive(path, start=os.curdir):
        raise ValueError(f"path is on mount 'D:', start on mount 'C:': {path}")

    class Result:
        warnings: list[str] = []

        def headline(self) -> str:
            return "PASS"

    monkeypatch.setattr(os.path, "relpath", other_drive)
    terminal.echo_result(tmp_path / "o", Result())  # type: ignore[arg-type]
    assert capsys.readouterr().out == f"{tmp_path / 'o'}: PASS\n"
