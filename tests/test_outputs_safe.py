"""What the tool writes is safe to open and cannot be spoiled: names, cells, caches, registry, runs.

* ids that are paths, reserved names, newlines, 300 characters, or differ only in what a
  sanitiser replaces get one safe file each, and nothing lands outside ``--out``;
* CSV cells from input data that a spreadsheet would run as formulas are neutralised;
* a tampered prepared-layer cache entry is rebuilt, never used;
* two reviews at once share the duplicate registry without losing an entry;
* a second run into a directory being written is refused; a run killed midway leaves
  nothing that looks complete, its print-map workers stop, and a rerun equals a clean run.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from greenmine_geo.io.lock import output_lock

from conftest import gk_box, greenmine, layer, write
from rasters import vegetated, write_image

#: Mine ids an applicant's file may carry, each with its trap.
HOSTILE_IDS = [
    "../../escape_mine",
    "/abs/mine",
    "CON",
    "a/b",
    "a_b",
    "Q?",
    "QQ",
    "line\nbreak",
    "x" * 300,
    '=HYPERLINK("http://127.0.0.1/x","click")',
    "+1",
    "-2",
    "@SUM(1)",
    "普通矿山",
]


#: A mine's own attribute as an applicant may fill it: a formula, a control character.
HOSTILE_NAMES = ["=cmd|' /C calc'!A0", "铃\x07声"]


def _mines(folder: Path, ids: list[str]) -> str:
    boxes = [gk_box(300 * k, 0, 300 * k + 200, 200) for k in range(len(ids))]
    names = [*HOSTILE_NAMES, *(f"矿山{k}" for k in range(len(ids)))][: len(ids)]
    return write(layer(boxes, mine_id=ids, 矿山名称=names), folder / "mines.gpkg")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    sandbox = tmp_path_factory.mktemp("sandbox")
    inputs = sandbox / "inputs"
    inputs.mkdir()
    mines = _mines(inputs, HOSTILE_IDS)
    redline = write(layer([gk_box(20_000, 20_000, 20_100, 20_100)]), inputs / "redline.gpkg")
    admin = write(
        layer(
            [gk_box(-5_000, -5_000, 10_000, 5_000)],
            league_city=["呼和浩特市"],
            banner_county=["武川县"],
        ),
        inputs / "admin.gpkg",
    )
    image = write_image(inputs / "img.tif", vegetated(1_300, 1_200), x0=-600, y0=800, pixel=4.0)
    zone_ids = ["../z", "=z", "z/1", "z_1"]
    zones = write(
        layer(
            [gk_box(20 + 30 * k, 20, 40 + 30 * k, 40) for k in range(4)],
            zone_id=zone_ids,
            mine_id=HOSTILE_IDS[:4],
            zone_type=["排土场"] * 4,
            start_year=[2020] * 4,
        ),
        inputs / "zones.gpkg",
    )
    out = sandbox / "out"
    for args in (
        ["check", "prerequisite", "--mines", mines, "--id-field", "mine_id", "--redline", redline,
         "--layer", f"admin={admin}", "--out", str(out / "prerequisite"), "--no-progress"],
        ["greening", "--mines", mines, "--id-field", "mine_id", "--image", str(image),
         "--out", str(out / "greening")],
        ["restoration", "--zones", zones, "--id-field", "zone_id", "--image", f"2020-07-01={image}",
         "--image", f"2021-07-01={image}", "--out", str(out / "restoration")],
        ["maps", "--results", str(out), "--out", str(out)],
    ):  # fmt: skip
        r = greenmine(*args)
        assert r.returncode == 0, r.stderr
    return sandbox, out, zone_ids


@pytest.mark.slow
def test_workbook_cells_are_text_never_formulas(hostile_run):
    _, out, _ = hostile_run
    book = openpyxl.load_workbook(out / "prerequisite" / "prerequisite.xlsx")
    sheet = book["矿山"]
    header = [c.value for c in sheet[1]]
    ids = header.index("矿山编号")
    names = header.index("矿山名称")  # the mine's own field, carried through
    rows = list(sheet.iter_rows(min_row=2))
    assert all(c.data_type != "f" for row in rows for c in row)
    assert sorted(r[ids].value for r in rows) == sorted(HOSTILE_IDS)
    by_id = {r[ids].value: r[names].value for r in rows}
    assert by_id[HOSTILE_IDS[0]] == HOSTILE_NAMES[0]  # shown as written, as text
    assert by_id[HOSTILE_IDS[1]] == "铃\ufffd声"  # XML cannot hold the control character
    assert sheet.freeze_panes == "A2"
    for step in ("greening", "restoration"):
        book = openpyxl.load_workbook(out / step / f"{step}.xlsx")
        cells = [c for s in book.worksheets for row in s.iter_rows() for c in row]
        assert cells and all(c.data_type != "f" for c in cells)


@pytest.mark.slow
def test_ids_give_distinct_safe_files_inside_out(hostile_run):
    sandbox, out, zone_ids = hostile_run
    assert sorted(p.name for p in sandbox.iterdir()) == ["inputs", "out"]
    assert not (sandbox.parent / "escape_mine.html").exists()
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve())
        assert len(path.name.encode("utf-8")) <= 255 and "\n" not in path.name
    reports = sorted((out / "reports").glob("*.html"))
    assert len(reports) == len(HOSTILE_IDS)  # one page per mine: no two ids share one
    figures = json.loads((out / "greening" / "manifest.json").read_text("utf-8"))["figures"]
    assert sorted(figures) == sorted(HOSTILE_IDS) and len(set(figures.values())) == len(HOSTILE_IDS)
    charts = json.loads((out / "restoration" / "manifest.json").read_text("utf-8"))["charts"]
    assert sorted(charts) == sorted(zone_ids) and len(set(charts.values())) == len(zone_ids)
    for name in (*figures.values(), *charts.values()):
        assert "/" not in name and not name.startswith(".") and name.split(".")[0].upper() != "CON"


@pytest.mark.slow
def test_csv_cells_that_would_be_formulas_are_neutralised(hostile_run):
    _, out, _ = hostile_run
    for table, column in (
        ("prerequisite/prerequisite.csv", "mine_id"),
        ("greening/greening.csv", "mine_id"),
        ("restoration/restoration_summary.csv", "zone_id"),
        ("restoration/restoration_timeseries.csv", "zone_id"),
    ):
        cells = pd.read_csv(out / table, dtype=str, keep_default_na=False)[column]
        risky = [c for c in cells if c.lstrip("'")[:1] in ("=", "+", "-", "@")]
        assert risky and all(c.startswith("'") for c in risky), (table, risky)
    numbers = pd.read_csv(out / "prerequisite" / "prerequisite.csv")["mine_area_m2"]
    assert numbers.dtype.kind == "f"  # numbers stay numbers


def test_a_tampered_cache_entry_is_rebuilt(tmp_path):
    mines = _mines(tmp_path, ["M1"])
    redline = write(layer([gk_box(100, 100, 300, 300)]), tmp_path / "redline.gpkg")
    cache = tmp_path / "cache"
    args = [
        "check",
        "prerequisite",
        "--mines",
        mines,
        "--id-field",
        "mine_id",
        "--redline",
        redline,
    ]
    args += ["--cache-dir", str(cache), "--no-progress"]
    assert greenmine(*args, "--out", str(tmp_path / "a")).returncode == 0
    (entry,) = cache.glob("*.npz")
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of the arrays
    entry.write_bytes(bytes(data))
    r = greenmine(*args, "--out", str(tmp_path / "b"))
    assert r.returncode == 0, r.stderr
    first, second = (json.loads((tmp_path / d / "manifest.json").read_text()) for d in "ab")
    assert second["prepared_layers_from_cache"] == {"redline": False}
    assert (tmp_path / "a" / "prerequisite.csv").read_bytes() == (
        tmp_path / "b" / "prerequisite.csv"
    ).read_bytes()


def test_two_reviews_at_once_share_the_registry(tmp_path):
    mines = _mines(tmp_path, ["M1"])
    image = write_image(tmp_path / "img.tif", vegetated(800, 800), x0=-300, y0=500)
    registry = tmp_path / "registry"
    registry.mkdir()
    (registry / "broken.json").write_text("{not json", "utf-8")
    common = ["review-imagery", str(image), "--mines", mines, "--id-field", "mine_id"]
    common += ["--mine-id", "M1", "--registry", str(registry), "--acquired", "2026-07-01"]
    common += ["--review-from", "2026-01-01", "--review-to", "2026-12-31"]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "greenmine_geo", *common, "--out", str(tmp_path / f"o{k}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(2)
    ]
    for run in runs:
        assert run.wait(timeout=300) == 0, run.stderr.read() if run.stderr else ""
    entries = [p for p in registry.glob("*.json") if p.name != "broken.json"]
    assert len(entries) == 2  # neither review lost its entry
    duplicates = [
        next(c for c in json.loads((tmp_path / f"o{k}" / "review.json").read_text())["checks"]
             if c["id"] == "duplicate")
        for k in range(2)
    ]  # fmt: skip
    # the second to hold the registry saw the first: a resubmission under the same claim
    assert sorted("resubmission" in d["message"] for d in duplicates) == [False, True]
    manifests = [json.loads((tmp_path / f"o{k}" / "manifest.json").read_text()) for k in range(2)]
    assert all(any("broken.json" in w for w in m["warnings"]) for m in manifests)


def test_a_second_run_into_a_directory_being_written_is_refused(tmp_path):
    mines = _mines(tmp_path, ["M1"])
    redline = write(layer([gk_box(100, 100, 300, 300)]), tmp_path / "redline.gpkg")
    out = tmp_path / "o"
    with output_lock(out):  # another run holds the directory
        r = greenmine(
            "check", "prerequisite", "--mines", mines, "--id-field", "mine_id",
            "--redline", redline, "--out", str(out), "--no-progress",
        )  # fmt: skip
    assert r.returncode == 2 and "being written by another greenmine run" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (out / "prerequisite.csv").exists()


def _pipeline(tmp_path: Path) -> Path:
    """A prerequisite step and the atlas for 16 mines: enough print maps for two workers."""
    ids = [f"M{k:02d}" for k in range(16)]
    mines = _mines(tmp_path, ids)
    redline = write(layer([gk_box(100, 100, 300, 300)]), tmp_path / "redline.gpkg")
    admin = write(
        layer(
            [gk_box(-5_000, -5_000, 10_000, 5_000)],
            league_city=["包头市"],
            banner_county=["固阳县"],
        ),
        tmp_path / "admin.gpkg",
    )
    path = tmp_path / "p.yaml"
    path.write_text(
        f"name: t\nsteps:\n  - step: prerequisite\n    mines: {mines}\n    id_field: mine_id\n"
        f"    redline: {redline}\n    layers: {{admin: {admin}}}\n  - step: maps\n",
        "utf-8",
    )
    return path


def _files(out: Path) -> dict[str, str]:
    """Every file's SHA-256 (partial files, journal and lock aside)."""
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


@pytest.mark.slow
def test_a_run_killed_midway_leaves_nothing_complete_and_a_rerun_equals_a_clean_run(tmp_path):
    pipeline = _pipeline(tmp_path)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1782900000"}  # the same recorded times
    out = tmp_path / "killed" / "run"
    cmd = [sys.executable, "-m", "greenmine_geo", "run", str(pipeline), "--no-progress"]
    victim = subprocess.Popen([*cmd, "--out", str(out)], env=env, start_new_session=False)
    prints = out / "maps" / "print"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and len(list(prints.glob("mine_*.png"))) < 4:
        time.sleep(0.05)
    assert victim.poll() is None, "the run ended before it could be killed"
    victim.kill()  # SIGKILL; TerminateProcess on Windows
    victim.wait()
    assert not (out / "manifest.json").exists() and not (out / "index.html").exists()
    time.sleep(3)  # long enough for a print map; the workers must have stopped by then
    settled = _files(out)
    time.sleep(3)
    assert _files(out) == settled, "workers of the killed run kept writing"
    clean = tmp_path / "clean" / "run"
    for folder in (out, clean):  # the rerun into the killed run's directory, and a clean run
        r = subprocess.run([*cmd, "--out", str(folder)], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    assert _files(out) == _files(clean)


def _file_size_limit(limit: int):  # noqa: ANN202 - a preexec_fn
    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_full_disk_gives_one_line_and_nothing_half_written(tmp_path):
    # writes beyond 64 KiB fail as on a full disk: the GeoPackage cannot be written
    ids = [f"M{k:03d}" for k in range(300)]
    mines = _mines(tmp_path, ids)
    redline = write(layer([gk_box(100, 100, 300, 300)]), tmp_path / "redline.gpkg")
    out = tmp_path / "o"
    r = subprocess.run(
        [sys.executable, "-m", "greenmine_geo", "check", "prerequisite", "--mines", mines,
         "--id-field", "mine_id", "--redline", redline, "--out", str(out), "--no-progress",
         "--cache-dir", str(tmp_path / "cache")],
        capture_output=True, text=True, preexec_fn=_file_size_limit(64 * 1024),
    )  # fmt: skip
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "no room to write" in r.stderr or "check that the disk has room" in r.stderr
    assert not (out / "manifest.json").exists()
    assert not list(out.glob("*.gpkg")) and not list(out.glob(".*partial*"))
