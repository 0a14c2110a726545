"""Every vector input of every command, handed hostile files: refused in one line, nothing leaks.

The attacks (tests/hostile.py): layers that are really OGR VRTs or GDALG pipelines reading a
canary file outside the submission, GML and WFS documents whose schemas live on a server,
a KML network link and a GeoJSON CRS link to a server, URLs, /vsicurl/ paths and
connection strings. Each must end in exit status 2 with one line on stderr; the loopback
server must see no request; the canary's text must appear in no output; and nothing may
be written beside the inputs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
import shapely

from conftest import E0, N0, gk_box, layer, write
from hostile import Loopback, canary, hostile_layers, outputs_text, remote_specs
from rasters import vegetated, write_image

#: Runs many CLI invocations in one fresh interpreter (so GDAL is hardened as in real use).
_BATCH = """
import contextlib, io, json, sys
from greenmine_geo.cli import main
done = []
for args in json.load(sys.stdin):
    err = io.StringIO()
    code = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code or 0
    done.append([code, err.getvalue()])
print(json.dumps(done))
"""


def run_batch(invocations: list[list[str]]) -> list[tuple[int, str]]:
    """Exit status and stderr of each ``greenmine`` invocation, run in one interpreter."""
    r = subprocess.run(
        [sys.executable, "-c", _BATCH],
        input=json.dumps(invocations),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    return [(code, err) for code, err in json.loads(r.stdout.strip().splitlines()[-1])]


@pytest.fixture(scope="module")
def submission(tmp_path_factory):
    """Honest inputs, the hostile files beside them, a canary elsewhere and a loopback server."""
    tmp = tmp_path_factory.mktemp("hostile")
    secret, text = canary(tmp / "elsewhere")
    server = Loopback()
    folder = tmp / "submission"
    folder.mkdir()
    honest = {
        "mines": write(layer([gk_box(0, 0, 200, 200)], mine_id=["M1"]), folder / "mines.gpkg"),
        "redline": write(layer([gk_box(5000, 5000, 5100, 5100)]), folder / "redline.gpkg"),
        "zones": write(
            layer(
                [gk_box(20, 20, 120, 120)], zone_id=["Z"], zone_type=["排土场"], start_year=[2020]
            ),
            folder / "zones.gpkg",
        ),
        "image": str(
            write_image(folder / "img.tif", vegetated(400, 400), x0=-300, y0=500, pixel=2.0)
        ),
    }
    attacks = {**hostile_layers(folder, secret, server.url), **remote_specs(server.url)}
    before = sorted(p.name for p in folder.iterdir())
    yield tmp, honest, attacks, text, server, folder, before
    server.close()


def _invocations(honest: dict[str, str], hostile: str, out: Path) -> dict[str, list[str]]:
    """Every command and vector input option, with ``hostile`` in that one place."""
    m, r, z, img = honest["mines"], honest["redline"], honest["zones"], honest["image"]
    dated = ["--image", f"2020-07-01={img}", "--image", f"2021-07-01={img}"]
    return {
        "prerequisite --mines": ["check", "prerequisite", "--mines", hostile, "--id-field", "mine_id", "--redline", r],
        "prerequisite --redline": ["check", "prerequisite", "--mines", m, "--id-field", "mine_id", "--redline", hostile],
        "prerequisite --layer landuse": ["check", "prerequisite", "--mines", m, "--id-field", "mine_id", "--redline", r, "--layer", f"landuse={hostile}"],
        "prerequisite --layer admin": ["check", "prerequisite", "--mines", m, "--id-field", "mine_id", "--redline", r, "--layer", f"admin={hostile}"],
        "greening --mines": ["greening", "--mines", hostile, "--id-field", "mine_id", "--image", img],
        "greening --non-greenable": ["greening", "--mines", m, "--id-field", "mine_id", "--image", img, "--non-greenable", hostile],
        "greening --end-member-areas": ["greening", "--mines", m, "--id-field", "mine_id", "--image", img, "--end-member-areas", hostile],
        "restoration --zones": ["restoration", "--zones", hostile, "--id-field", "zone_id", *dated],
        "restoration --mines": ["restoration", "--zones", z, "--id-field", "zone_id", *dated, "--mines", hostile, "--mine-id-field", "mine_id"],
        "restoration --non-greenable": ["restoration", "--zones", z, "--id-field", "zone_id", *dated, "--non-greenable", hostile],
        "review-imagery --mines": ["review-imagery", img, "--mines", hostile, "--id-field", "mine_id", "--mine-id", "M1"],
    }  # fmt: skip


def _check_refused(results, labels, submission) -> None:
    tmp, _, _, text, server, folder, before = submission
    for label, (code, err) in zip(labels, results, strict=True):
        assert code == 2, (label, code, err)
        assert len(err.strip().splitlines()) == 1 and err.startswith("greenmine: error:"), (
            label,
            err,
        )
    assert server.requests == [], server.requests
    assert text not in outputs_text(tmp / "out")
    assert sorted(p.name for p in folder.iterdir()) == before, "nothing written beside the inputs"


def test_every_attack_through_the_red_line_is_refused(submission):
    tmp, honest, attacks, *_ = submission
    labels, batch = [], []
    for name, hostile in attacks.items():
        out = tmp / "out" / f"red_{name}"
        labels.append(name)
        batch.append(
            [
                *_invocations(honest, str(hostile), out)["prerequisite --redline"],
                "--out",
                str(out),
                "--no-progress",
            ]
        )
    results = run_batch(batch)
    _check_refused(results, labels, submission)
    says = dict(zip(labels, (err for _, err in results), strict=True))
    assert "OGR VRT" in says["vrt_as_gpkg"] and "GDALG" in says["gdalg"]
    assert "GML" in says["gml_schema"] and "URL" in says["url"] and "connection" in says["postgres"]


@pytest.mark.slow
def test_every_vector_input_of_every_command_refuses_a_vrt_and_a_url(submission):
    tmp, honest, attacks, *_ = submission
    labels, batch = [], []
    for name in ("vrt_as_gpkg", "gdalg", "vsicurl"):
        for label, args in _invocations(honest, str(attacks[name]), tmp / "x").items():
            out = tmp / "out" / f"{name}_{len(batch)}"
            labels.append(f"{label} {name}")
            batch.append([*args, "--out", str(out)])
    _check_refused(run_batch(batch), labels, submission)


def test_a_pipeline_file_naming_a_hostile_layer_is_refused(submission):
    tmp, honest, attacks, *_ = submission
    pipeline = tmp / "p.yaml"
    pipeline.write_text(
        f"name: t\nsteps:\n  - step: prerequisite\n    mines: {honest['mines']}\n"
        f"    id_field: mine_id\n    redline: {attacks['vrt_as_gpkg']}\n",
        "utf-8",
    )
    _check_refused(
        run_batch([["run", str(pipeline), "--out", str(tmp / "out" / "run"), "--no-progress"]]),
        ["run"],
        submission,
    )


def test_a_results_directory_whose_layer_is_a_vrt_is_refused_by_the_maps(submission):
    tmp, honest, attacks, *_ = submission
    results = tmp / "out" / "results"
    ok = run_batch(
        [["check", "prerequisite", "--mines", honest["mines"], "--id-field", "mine_id",
          "--redline", honest["redline"], "--out", str(results / "prerequisite"), "--no-progress"]]
    )  # fmt: skip
    assert ok[0][0] == 0, ok
    (results / "prerequisite" / "prerequisite.gpkg").write_bytes(
        attacks["vrt_as_gpkg"].read_bytes()
    )
    _check_refused(
        run_batch([["maps", "--results", str(results), "--out", str(tmp / "out" / "atlas")]]),
        ["maps"],
        submission,
    )


def test_geometry_bombs_in_a_red_line(tmp_path):
    # a geometry collection keeps its polygon (its line and point are reported as left out);
    # NaN and 1e300 coordinates are refused in one line naming the problem
    mines = write(layer([gk_box(0, 0, 200, 200)], mine_id=["M1"]), tmp_path / "m.gpkg")
    line = shapely.LineString([(E0, N0), (E0 + 50, N0 + 50)])
    collection = shapely.GeometryCollection(
        [gk_box(100, 100, 300, 300), line, shapely.Point(E0, N0)]
    )
    with warnings.catch_warnings():  # shapely warns of the NaN it is asked to build
        warnings.simplefilter("ignore", RuntimeWarning)
        nan = shapely.Polygon([(E0, N0), (E0 + 10, N0), (float("nan"), N0 + 10)])
    files = {
        "collection": write(layer([collection]), tmp_path / "gc.gpkg"),
        "nan": write(layer([nan, gk_box(0, 0, 5, 5)]), tmp_path / "nan.gpkg"),
        "huge": write(layer([shapely.box(1e300, 1e300, 2e300, 2e300)]), tmp_path / "big.gpkg"),
    }
    batch = [
        ["check", "prerequisite", "--mines", mines, "--id-field", "mine_id", "--redline", path,
         "--out", str(tmp_path / name), "--no-progress"]
        for name, path in files.items()
    ]  # fmt: skip
    (ok, warned), (nan_code, nan_err), (huge_code, huge_err) = run_batch(batch)
    assert ok == 0 and "lines and points were left out" in warned
    verdicts = pd.read_csv(tmp_path / "collection" / "prerequisite.csv")
    assert verdicts.verdict.tolist() == ["FAIL"]  # the collection's polygon overlaps the mine
    assert nan_code == 2 and "not finite" in nan_err and len(nan_err.splitlines()) == 1
    assert huge_code == 2 and "outside that system's area of use" in huge_err
