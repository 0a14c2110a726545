"""The `greenmine check prerequisite` contract, called exactly as external tests call it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Polygon

from conftest import E0, N0, gk_box, greenmine, layer, one_line_error, write

REQUIRED = [
    "mine_id",
    "verdict",
    "contact",
    "mine_area_m2",
    "redline_overlap_m2",
    "redline_overlap_pct",
    "redline_distance_m",
    "reasons",
]


@pytest.fixture
def inputs(tmp_path):
    mines = layer([gk_box(-500, 0, 500, 1000), gk_box(3000, 0, 4000, 1000)], mine_id=["M1", "M2"])
    red = layer([gk_box(100, -500, 2000, 1500)], name=["阴山北麓"]).to_crs("EPSG:4490")
    lu = layer([gk_box(-600, 0, 600, 1000)], CLASS=["grassland"])
    return {
        "mines": write(mines, tmp_path / "mines.gpkg"),
        "redline": write(red, tmp_path / "redline.shp"),
        "landuse": write(lu, tmp_path / "landuse.gpkg"),
    }


def test_contract_outputs(inputs, tmp_path):
    out = tmp_path / "out"
    r = check(
        inputs["mines"],
        inputs["redline"],
        str(out),
        "--layer",
        f"landuse={inputs['landuse']}",
        "--tolerance-m",
        "0.05",
    )
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out / "prerequisite.csv")
    assert set(REQUIRED + ["landuse_overlap_m2", "landuse_overlap_pct"]) <= set(table.columns)
    t = table.set_index("mine_id")
    assert t.loc["M1", "verdict"] == "FAIL" and t.loc["M2", "verdict"] == "PASS"
    assert t.loc["M1", "redline_overlap_m2"] == pytest.approx(400_000, abs=1)
    assert t.loc["M1", "landuse_overlap_pct"] == pytest.approx(100, abs=1e-3)
    assert t.loc["M2", "redline_distance_m"] == pytest.approx(1000, abs=0.01)
    assert {"mines", "conflicts"} <= set(pyogrio.list_layers(out / "prerequisite.gpkg")[:, 0])
    conflicts = gpd.read_file(out / "prerequisite.gpkg", layer="conflicts")
    assert conflicts.crs.to_epsg() == 4490
    red = conflicts[conflicts.layer == "redline"]
    assert list(red.mine_id) == ["M1"] and red.feature_name.iloc[0] == "阴山北麓"
    assert json.loads(red.feature_attributes.iloc[0]) == {"name": "阴山北麓"}
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert {o["path"] for o in manifest["outputs"]} == {"prerequisite.csv", "prerequisite.gpkg"}
    assert manifest["summary"] == {"PASS": 1, "REVIEW": 0, "EXEMPT": 0, "FAIL": 1}
    assert any(r["layer"] == "redline" and r["verdict"] == "FAIL" for r in manifest["rules"])
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])


def test_warm_run_reuses_prepared_layers_and_gives_same_result(inputs, tmp_path):
    args = [
        "check",
        "prerequisite",
        "--mines",
        inputs["mines"],
        "--id-field",
        "mine_id",
        "--redline",
        inputs["redline"],
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    assert greenmine(*args, "--out", str(tmp_path / "a")).returncode == 0
    assert greenmine(*args, "--out", str(tmp_path / "b")).returncode == 0
    first = json.loads((tmp_path / "a" / "manifest.json").read_text())
    second = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert first["prepared_layers_from_cache"] == {"redline": False}
    assert second["prepared_layers_from_cache"] == {"redline": True}
    assert (tmp_path / "a" / "prerequisite.csv").read_text() == (
        tmp_path / "b" / "prerequisite.csv"
    ).read_text()


def check(mines, redline, out, *extra):
    """Run `greenmine check prerequisite` with the id field ``mine_id``."""
    return greenmine(
        "check",
        "prerequisite",
        "--mines",
        str(mines),
        "--id-field",
        "mine_id",
        "--redline",
        str(redline),
        *extra,
        "--out",
        str(out),
    )


def test_layer_without_crs_is_refused(inputs, tmp_path):
    bare = tmp_path / "bare.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        write(layer([gk_box(0, 0, 10, 10)], crs=None, name=["x"]), bare)
    out = tmp_path / "out"
    r = check(inputs["mines"], bare, out)
    one_line_error(r, "no coordinate reference system", ".prj", "never guessed")
    assert not out.exists()


@pytest.mark.parametrize(
    ("crs", "needles"),
    [
        # prefixed eastings (37 500 000) declared in the unprefixed CM 111°E system
        ("EPSG:4546", ["EPSG:4525"]),
        # Xi'an 1980 3° zone 37: PROJ has only a ballpark shift to CGCS2000
        ("EPSG:2361", ["Xian 1980", "official parameters"]),
    ],
)
def test_untrustworthy_crs_is_refused_with_what_to_do(tmp_path, crs, needles):
    mines = write(layer([gk_box(0, 0, 100, 100)], crs=crs, mine_id=["M"]), tmp_path / "m.gpkg")
    red = write(layer([gk_box(0, 0, 10, 10)]), tmp_path / "r.gpkg")
    one_line_error(check(mines, red, tmp_path / "o"), *needles)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--id-field", "nope"], ["no field 'nope'", "mine_id"]),
        (["--redline", "missing.gpkg"], ["missing.gpkg does not exist"]),
        (["--layer", "landuse"], ["is not NAME=PATH"]),
        (["--tolerance-m", "-1"], ["--tolerance-m"]),
        (["--exemptions", "nope.csv"], ["nope.csv"]),
    ],
)
def test_bad_input_is_one_line(inputs, tmp_path, args, needles):
    base = {
        "--mines": inputs["mines"],
        "--id-field": "mine_id",
        "--redline": inputs["redline"],
        "--out": str(tmp_path / "out"),
    }
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = v
    argv = [x for kv in base.items() for x in kv]
    if args[0] == "--layer":
        argv += ["--layer", "landuse"]
    one_line_error(greenmine("check", "prerequisite", *argv), *needles)


def test_landuse_without_class_field_names_the_fix(inputs, tmp_path):
    bad = write(layer([gk_box(0, 0, 10, 10)], kind=["x"]), tmp_path / "lu.gpkg")
    r = check(
        inputs["mines"],
        inputs["redline"],
        str(tmp_path / "o"),
        "--layer",
        f"landuse={bad}",
    )
    one_line_error(r, "class field", "DLMC", "pipeline file")


def test_gbk_shapefile_attributes_without_cpg(tmp_path):
    # as Chinese shapefiles often arrive: GBK bytes in the DBF, no .cpg, no language byte
    mines = layer(
        [gk_box(-500, 0, 500, 1000)], mine_id=["白云鄂博铁矿一号"], 矿山名称=["包钢白云鄂博"]
    )
    path = tmp_path / "mines.shp"
    mines.to_file(path, engine="pyogrio", encoding="GB18030")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert path.with_suffix(".dbf").read_bytes()[29] == 0  # no language-driver byte
    assert "白云鄂博".encode("gbk") in path.with_suffix(".dbf").read_bytes()
    red = write(layer([gk_box(100, 0, 600, 1000)]), tmp_path / "r.gpkg")
    r = check(
        str(path),
        red,
        str(tmp_path / "o"),
    )
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(tmp_path / "o" / "prerequisite.csv")
    assert table.mine_id.tolist() == ["白云鄂博铁矿一号"]
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text("utf-8"))
    assert manifest["inputs"][0]["encoding"] == "GB18030"


def test_multilayer_geopackage_needs_a_layer_name(tmp_path, inputs):
    path = tmp_path / "two.gpkg"
    write(layer([gk_box(0, 0, 10, 10)], mine_id=["a"]), path, layer="one")
    write(layer([gk_box(0, 0, 10, 10)], mine_id=["b"]), path, layer="two")
    r = check(
        str(path),
        inputs["redline"],
        str(tmp_path / "o"),
    )
    one_line_error(r, "has 2 layers", ":LAYER")
    r = check(
        f"{path}:two",
        inputs["redline"],
        str(tmp_path / "o"),
    )
    assert r.returncode == 0, r.stderr
    assert pd.read_csv(tmp_path / "o" / "prerequisite.csv").mine_id.tolist() == ["b"]


def test_python_m_and_console_script_agree():
    exe = Path(sys.executable).parent / "greenmine"
    assert exe.exists(), "the greenmine console script is installed next to the interpreter"
    script = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    assert script.stdout == greenmine("--version").stdout != ""


def test_bowtie_from_file_keeps_both_lobes(tmp_path, inputs):
    bowtie = Polygon([(E0 - 500, N0), (E0 + 500, N0 + 1000), (E0 + 500, N0), (E0 - 500, N0 + 1000)])
    path = write(layer([bowtie], mine_id=["B"]), tmp_path / "b.gpkg")
    r = check(
        path,
        inputs["redline"],
        str(tmp_path / "o"),
    )
    assert r.returncode == 0, r.stderr
    row = pd.read_csv(tmp_path / "o" / "prerequisite.csv").iloc[0]
    assert row.mine_area_m2 == pytest.approx(500_000, abs=0.5)
    # the fixture red line covers x > 100: FAIL outranks the REVIEW of the repair, both named
    assert row.verdict == "FAIL" and "Self-intersection" in row.reasons


def test_empty_files_are_reported_not_crashed_on(inputs, tmp_path):
    empty_mines = write(layer([], mine_id=[]), tmp_path / "none.gpkg")
    r = check(empty_mines, inputs["redline"], tmp_path / "a")
    assert r.returncode == 0, r.stderr
    assert "nothing to check" in r.stderr
    table = pd.read_csv(tmp_path / "a" / "prerequisite.csv")
    assert table.empty and {"mine_id", "verdict", "reasons"} <= set(table.columns)

    empty_red = write(layer([], name=[]), tmp_path / "nored.gpkg")
    r = check(inputs["mines"], empty_red, tmp_path / "b")
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(tmp_path / "b" / "prerequisite.csv")
    assert (
        set(table.verdict) == {"REVIEW"}
        and table.reasons.str.contains("red-line layer is empty").all()
    )


def test_a_warm_run_on_a_layer_without_attribute_fields(tmp_path):
    # a red line with geometry only: its attributes read as no rows from the cached path
    mines = write(layer([gk_box(0, 0, 100, 100)], mine_id=["M1"]), tmp_path / "m.gpkg")
    redline = write(layer([gk_box(50, 50, 300, 300)]), tmp_path / "r.gpkg")
    args = ["check", "prerequisite", "--mines", mines, "--id-field", "mine_id", "--redline"]
    args += [redline, "--cache-dir", str(tmp_path / "cache"), "--no-progress"]
    for out in ("cold", "warm"):
        r = greenmine(*args, "--out", str(tmp_path / out))
        assert r.returncode == 0, r.stderr
    cold, warm = (pd.read_csv(tmp_path / d / "prerequisite.csv") for d in ("cold", "warm"))
    assert warm.verdict.tolist() == cold.verdict.tolist() == ["FAIL"]
