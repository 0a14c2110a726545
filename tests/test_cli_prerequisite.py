"""The `greenmine check prerequisite` contract, called exactly as external tests call it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import openpyxl
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
    assert {o["path"] for o in manifest["outputs"]} == {
        "prerequisite.csv",
        "prerequisite.gpkg",
        "prerequisite.xlsx",
    }
    assert manifest["summary"] == {"PASS": 1, "REVIEW": 0, "EXEMPT": 0, "FAIL": 1}
    assert any(r["layer"] == "redline" and r["verdict"] == "FAIL" for r in manifest["rules"])
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])


def test_office_outputs_bom_csv_chinese_workbook_and_the_mines_own_fields(inputs, tmp_path):
    mines = layer(
        [gk_box(-500, 0, 500, 1000), gk_box(3000, 0, 4000, 1000)],
        mine_id=["M1", "M2"],
        矿山名称=["示例煤矿", "示例铜矿"],
        采矿权人=["某某矿业有限公司", "另一公司"],
        verdict=["their own", "column"],  # named like an output column: kept apart
    )
    path = write(mines, tmp_path / "mines.gpkg")
    out = tmp_path / "zh"
    assert check(path, inputs["redline"], out).returncode == 0
    raw = (out / "prerequisite.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel/WPS on Chinese Windows read UTF-8
    table = pd.read_csv(out / "prerequisite.csv", encoding="utf-8-sig")
    assert list(table.columns[:2]) == ["mine_id", "verdict"]  # the contract's names
    assert table.set_index("mine_id").loc["M1", "采矿权人"] == "某某矿业有限公司"
    assert list(table["input_verdict"]) == ["their own", "column"]
    back = gpd.read_file(out / "prerequisite.gpkg", layer="mines")
    assert list(back["矿山名称"]) == ["示例煤矿", "示例铜矿"]
    book = openpyxl.load_workbook(out / "prerequisite.xlsx")
    assert book.sheetnames == ["矿山", "冲突图斑", "规划区块重叠"]
    header = [c.value for c in book["矿山"][1]]
    assert header[:4] == ["矿山编号", "审查结论", "与红线关系", "矿区面积 (m²)"]
    assert "生态保护红线重叠面积 (m²)" in header and "采矿权人" in header
    rows = {r[0]: r for r in book["矿山"].iter_rows(min_row=2, values_only=True)}
    assert rows["M1"][1] == "不通过" and rows["M2"][1] == "通过"
    assert rows["M1"][3] == pytest.approx(table.set_index("mine_id").loc["M1", "mine_area_m2"])

    out = tmp_path / "en"
    r = check(path, inputs["redline"], out, "--lang", "en", "--keep-fields", "矿山名称")
    assert r.returncode == 0, r.stderr
    book = openpyxl.load_workbook(out / "prerequisite.xlsx")
    header = [c.value for c in book["mines"][1]]
    assert header[:4] == ["mine id", "verdict", "contact", "mine area (m²)"]
    assert "矿山名称" in header and "采矿权人" not in header
    assert list(book["mines"].iter_rows(min_row=2, values_only=True))[0][1] == "FAIL"
    r = check(path, inputs["redline"], tmp_path / "x", "--keep-fields", "许可证号")
    one_line_error(r, "no field '许可证号' to keep", "矿山名称")


def test_chinese_layer_and_field_names(inputs, tmp_path):
    farmland = write(layer([gk_box(-600, 0, 0, 1000)], 名称=["基本农田1"]), tmp_path / "nt.gpkg")
    survey = write(layer([gk_box(-600, 0, 600, 1000)], DLBM=["grassland"]), tmp_path / "lu.gpkg")
    other = write(layer([gk_box(-600, 0, 600, 1000)], x=["?"]), tmp_path / "other.gpkg")
    red = write(
        layer([gk_box(100, -500, 2000, 1500)], 红线名称=["阴山北麓"]), tmp_path / "red.gpkg"
    )
    out = tmp_path / "o"
    r = check(
        inputs["mines"], red, out,
        "--layer", f"永久基本农田={farmland}", "--layer", f"土地利用={survey}",
        "--field", "土地利用.class=DLBM", "--layer", f"旅游规划={other}",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out / "prerequisite.csv").set_index("mine_id")
    assert table.loc["M1", "farmland_overlap_pct"] == pytest.approx(50, abs=1e-3)  # its role
    assert table.loc["M1", "verdict"] == "FAIL"
    assert table.loc["M1", "landuse_grassland_overlap_pct"] == pytest.approx(100, abs=1e-3)
    assert "旅游规划_overlap_m2" in table.columns
    assert "'旅游规划' is not a layer the verdict uses" in r.stderr  # said, not silent
    conflicts = gpd.read_file(out / "prerequisite.gpkg", layer="conflicts")
    assert "阴山北麓" in set(conflicts["feature_name"])  # 红线名称 is the red line's name
    r = check(
        inputs["mines"], red, tmp_path / "x",
        "--layer", f"永久基本农田={farmland}", "--layer", f"farmland={farmland}",
    )  # fmt: skip
    one_line_error(r, "both the farmland layer")
    r = check(inputs["mines"], red, tmp_path / "y", "--field", "landuse.class=DLMC")
    one_line_error(r, "--field names layer 'landuse'")


def test_maps_of_a_run_without_an_admin_layer(inputs, tmp_path):
    run = tmp_path / "run"
    assert check(inputs["mines"], inputs["redline"], run / "prerequisite").returncode == 0
    r = greenmine("maps", "--results", str(run), "--out", str(run), "-v")
    assert r.returncode == 0, r.stderr
    assert (run / "maps" / "province.html").is_file() and (run / "index.html").is_file()
    assert len(list((run / "maps" / "print").glob("mine_*.png"))) == 2
    assert not list((run / "maps").glob("league_*.html"))  # no league is known without one
    assert "print-map files" in r.stderr  # progress, with -v as log lines


def test_quiet_and_verbose(inputs, tmp_path):
    r = check(inputs["mines"], inputs["redline"], tmp_path / "q", "--quiet")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""
    r = check(inputs["mines"], inputs["redline"], tmp_path / "v", "--verbose")
    assert r.returncode == 0 and "PASS 1" in r.stdout
    assert "read redline" in r.stderr and "read mines" in r.stderr and "EPSG:4525" in r.stderr
    assert "redline: 2 of 2 mines overlaid" in r.stderr  # progress within a layer's overlay
    one_line_error(
        check(inputs["mines"], inputs["redline"], tmp_path / "b", "-q", "-v"), "not both"
    )


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
    one_line_error(r, "no coordinate reference system", "--assign-crs", "never guessed")
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
