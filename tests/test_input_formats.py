"""The files a league/city bureau receives give the same verdicts as a GeoPackage of the same mines.

Each format is written in code with the tool that makes it in practice (GDAL's own
OpenFileGDB and DXF drivers, geopandas' GeoParquet, Windows-style ZIPs with GBK names,
a Google Earth KMZ with folders), then checked with ``greenmine check prerequisite``
exactly as a planner would; the verdicts must equal those of the GeoPackage.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from shapely import LineString

import greenmine_geo as gm

from conftest import gk_box, greenmine, layer, one_line_error, write

IDS = ["M1", "M2", "M3", "M4"]
NAMES = ["示例煤矿一号", "示例铜矿二号", "示例萤石矿三号", "示例石灰岩矿四号"]


@pytest.fixture(scope="module")
def mines() -> gpd.GeoDataFrame:
    """Four mines in GK zone 37 (EPSG:4525): across the red line, clear, touching, inside."""
    boxes = [
        gk_box(-500, 0, 500, 1000),
        gk_box(3000, 0, 4000, 1000),
        gk_box(2000, 0, 2500, 500),
        gk_box(500, 200, 900, 600),
    ]
    return layer(boxes, mine_id=IDS, 矿山名称=NAMES)


@pytest.fixture(scope="module")
def redline(tmp_path_factory) -> str:
    red = layer([gk_box(100, -500, 2000, 1500)], 红线名称=["阴山北麓草原生态保护红线"])
    return write(red.to_crs("EPSG:4490"), tmp_path_factory.mktemp("red") / "redline.gpkg")


def check(mines_spec: object, redline: str, out: Path, *extra: str):
    """``greenmine check prerequisite`` as a planner runs it (``--id-field`` in ``extra``)."""
    args = ["--mines", str(mines_spec), "--redline", redline, "--out", str(out), *extra]
    return greenmine("check", "prerequisite", "--no-progress", *args)


def verdicts(mines_spec: str, redline: str, out: Path, *extra: str) -> list[tuple[str, str]]:
    """The verdicts of the check through the Python API (the command line's step, in this
    process: a format is read the same either way); ``extra`` as the command's options."""
    options = dict(zip(extra[::2], extra[1::2], strict=True))
    result = gm.check_prerequisite(
        str(mines_spec),
        redline,
        id_field=options["--id-field"],
        assign_crs=options.get("--assign-crs"),
        out=out,
    )
    table = pd.read_csv(out / "prerequisite.csv", encoding="utf-8-sig", dtype=str)
    assert list(table["verdict"]) == list(result.mines["verdict"])
    return sorted(zip(table["mine_id"], table["verdict"], strict=True))


@pytest.fixture(scope="module")
def expected(mines, redline, tmp_path_factory) -> list[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("gpkg")
    found = verdicts(
        write(mines, tmp / "mines.gpkg"), redline, tmp / "out", "--id-field", "mine_id"
    )
    assert {v for _, v in found} >= {"PASS", "FAIL"}, found  # the cases differ
    return found


def _zip(path: Path, files: dict[str, Path], *, gbk_names: bool = False) -> Path:
    """A ZIP of ``files`` (member name → file); ``gbk_names`` writes names as Windows' own
    ZIP tool does: GBK bytes without the UTF-8 flag."""
    original = zipfile.ZipInfo._encodeFilenameFlags

    def gbk(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800

    if gbk_names:
        zipfile.ZipInfo._encodeFilenameFlags = gbk
    try:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, src in files.items():
                archive.write(src, name)
    finally:
        zipfile.ZipInfo._encodeFilenameFlags = original
    return path


def test_filegdb_folder_and_zipped(mines, redline, expected, tmp_path):
    gdb = tmp_path / "矿山.gdb"
    pyogrio.write_dataframe(mines, gdb, layer="mines", driver="OpenFileGDB")
    pyogrio.write_dataframe(mines.iloc[:1], gdb, layer="other", driver="OpenFileGDB")
    assert verdicts(f"{gdb}:mines", redline, tmp_path / "a", "--id-field", "mine_id") == expected
    files = {f"导出/矿山.gdb/{p.name}": p for p in gdb.iterdir()}
    zipped = _zip(tmp_path / "gdb.zip", files)
    assert verdicts(f"{zipped}:mines", redline, tmp_path / "b", "--id-field", "mine_id") == expected


def test_geoparquet_read_without_gdal(mines, redline, expected, tmp_path):
    path = tmp_path / "mines.parquet"
    mines.to_parquet(path)
    assert verdicts(str(path), redline, tmp_path / "o", "--id-field", "mine_id") == expected


def test_geoparquet_of_unknown_crs_is_refused(mines, redline, tmp_path):
    path = tmp_path / "mines.parquet"
    mines.set_crs(None, allow_override=True).to_parquet(path)
    r = check(path, redline, tmp_path / "o", "--id-field", "mine_id")
    one_line_error(r, "no coordinate reference system", "--assign-crs")


def test_csv_and_xlsx_with_wkt(mines, redline, expected, tmp_path):
    table = pd.DataFrame({"mine_id": IDS, "矿山名称": NAMES, "WKT": mines.geometry.to_wkt()})
    csv = tmp_path / "mines.csv"
    table.to_csv(csv, index=False, encoding="gbk")  # as WPS saves it
    found = verdicts(str(csv), redline, tmp_path / "a", "--id-field", "mine_id", "--assign-crs", "EPSG:4525")  # fmt: skip
    assert found == expected
    ewkt = table.assign(WKT="SRID=4525;" + table["WKT"])
    book = openpyxl.Workbook()
    book.active.append(list(ewkt.columns))
    for row in ewkt.itertuples(index=False):
        book.active.append(list(row))
    xlsx = tmp_path / "mines.xlsx"
    book.save(xlsx)  # EWKT: the SRID is the CRS, no --assign-crs needed
    assert verdicts(str(xlsx), redline, tmp_path / "b", "--id-field", "mine_id") == expected


def test_csv_wkt_without_crs_is_refused_and_corner_lists_stay(mines, redline, tmp_path):
    csv = tmp_path / "mines.csv"
    pd.DataFrame({"mine_id": IDS, "geometry": mines.geometry.to_wkt()}).to_csv(csv, index=False)
    r = check(csv, redline, tmp_path / "o", "--id-field", "mine_id")
    one_line_error(r, "no coordinate reference system", "--assign-crs")
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"mine_id": ["M1"], "WKT": ["POLYGON ((1 2, 3 4"]}).to_csv(bad, index=False)
    r = check(bad, redline, tmp_path / "o", "--id-field", "mine_id", "--assign-crs", "EPSG:4525")
    one_line_error(r, "row 2", "not valid WKT")


def test_dxf_closed_polylines_with_assigned_crs(mines, redline, expected, tmp_path):
    drawing = mines[["mine_id", "geometry"]].rename(columns={"mine_id": "Layer"})
    drawing = drawing.set_geometry(drawing.geometry.exterior)  # closed LWPOLYLINEs, as drawn
    open_line = layer([LineString(gk_box(9000, 0, 9100, 100).exterior.coords[:3])], Layer=["注记"])
    drawing = gpd.GeoDataFrame(pd.concat([drawing, open_line]), crs=None)
    dxf = tmp_path / "矿区范围.dxf"
    pyogrio.write_dataframe(drawing, dxf, driver="DXF")
    r = check(dxf, redline, tmp_path / "o", "--id-field", "Layer")
    one_line_error(r, "no coordinate reference system", "--assign-crs")
    out = tmp_path / "a"
    found = verdicts(str(dxf), redline, out, "--id-field", "Layer", "--assign-crs", "EPSG:4525")
    assert found == expected
    record = next(i for i in _manifest(out)["inputs"] if i["role"] == "mines")
    assert record["assigned_crs"] == "EPSG:4525"
    assert any("4 closed polylines made polygons" in f for f in record["findings"])
    assert any("1 open polylines left out" in f for f in record["findings"])


def test_dwg_and_xls_are_refused_with_the_way_out(redline, tmp_path):
    dwg = tmp_path / "boundary.dwg"
    dwg.write_bytes(b"AC1032\x00\x00\x00\x00" + bytes(200))
    xls = tmp_path / "mines.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    for path, needles in ((dwg, ("DWG", "DXF")), (xls, (".xls", ".xlsx"))):
        one_line_error(check(path, redline, tmp_path / "o", "--id-field", "mine_id"), *needles)


def test_zipped_gbk_shapefile_in_a_folder(mines, redline, expected, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write(mines, src / "矿区范围.shp", encoding="GBK")
    (src / "矿区范围.cpg").unlink(missing_ok=True)  # Chinese desktop GIS often leave it out
    files = {f"2024年/报送/{p.name}": p for p in src.iterdir()}
    zipped = _zip(tmp_path / "报送.zip", files, gbk_names=True)
    out = tmp_path / "o"
    assert verdicts(str(zipped), redline, out, "--id-field", "mine_id") == expected
    record = next(i for i in _manifest(out)["inputs"] if i["role"] == "mines")
    assert record["encoding"] == "GB18030"
    assert "read 2024年/报送/矿区范围.shp from the ZIP archive" in record["findings"]
    back = gpd.read_file(out / "prerequisite.gpkg", layer="mines")
    assert set(back.get("矿山名称", NAMES)) == set(NAMES)  # attributes decoded, not mojibake


def test_zip_with_two_shapefiles_asks_for_one(mines, redline, expected, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write(mines.rename(columns={"矿山名称": "名称"}), src / "mines.shp")
    write(mines.iloc[:1], src / "other.shp")
    zipped = _zip(tmp_path / "two.zip", {p.name: p for p in src.iterdir()})
    r = check(zipped, redline, tmp_path / "o", "--id-field", "mine_id")
    one_line_error(r, "holds 2 datasets", "mines.shp", ":NAME")
    assert verdicts(f"{zipped}:mines", redline, tmp_path / "a", "--id-field", "mine_id") == expected


def test_shapefile_field_name_cut_mid_character_is_one_line(mines, redline, tmp_path):
    shp = tmp_path / "mines.shp"
    with pytest.warns(RuntimeWarning):  # GDAL: the 12-byte name is cut to 10
        write(mines, shp)  # UTF-8: 矿山名称 is 12 bytes
    r = check(shp, redline, tmp_path / "o", "--id-field", "mine_id")
    one_line_error(r, "10 bytes", "rename the field")


def test_zip_that_climbs_out_is_refused(mines, redline, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write(mines, src / "mines.shp")
    files = {f"../../{p.name}": p for p in src.iterdir()}
    zipped = _zip(tmp_path / "evil.zip", files)
    r = check(zipped, redline, tmp_path / "o", "--id-field", "mine_id")
    one_line_error(r, "outside the archive")
    assert not (tmp_path.parent / "mines.shp").exists()


def _kml(mines: gpd.GeoDataFrame, folders: dict[str, list[int]]) -> str:
    """A Google Earth export: mines in named folders, coordinates lon,lat."""
    wgs = mines.to_crs("EPSG:4326")
    parts = []
    for folder, rows in folders.items():
        marks = "".join(
            f"<Placemark><name>{wgs['mine_id'].iloc[i]}</name><Polygon><outerBoundaryIs>"
            f"<LinearRing><coordinates>"
            + " ".join(f"{x:.9f},{y:.9f},0" for x, y in wgs.geometry.iloc[i].exterior.coords)
            + "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
            for i in rows
        )
        parts.append(f"<Folder><name>{folder}</name>{marks}</Folder>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document><name>矿区</name>{''.join(parts)}</Document></kml>"
    )


def test_kmz_with_folders_is_one_layer(mines, redline, expected, tmp_path):
    doc = tmp_path / "doc.kml"
    doc.write_text(_kml(mines, {"一期": [0, 1], "二期": [2, 3]}), "utf-8")
    kmz = _zip(tmp_path / "矿区.kmz", {"doc.kml": doc})
    out = tmp_path / "o"
    assert verdicts(str(kmz), redline, out, "--id-field", "Name") == expected
    record = next(i for i in _manifest(out)["inputs"] if i["role"] == "mines")
    assert any("2 KML folders read as one layer" in f for f in record["findings"])
    shutil.copy(doc, tmp_path / "plain.kml")
    assert (
        verdicts(str(tmp_path / "plain.kml"), redline, tmp_path / "k", "--id-field", "Name")
        == expected
    )


def _manifest(out: Path) -> dict:
    import json

    return json.loads((out / "manifest.json").read_text("utf-8"))


def test_nothing_is_left_in_the_temporary_directory(mines, redline, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write(mines[["mine_id", "geometry"]], src / "mines.shp")
    zipped = _zip(tmp_path / "m.zip", {p.name: p for p in src.iterdir()})
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "greenmine_geo", "check", "prerequisite", "--mines", str(zipped),
         "--id-field", "mine_id", "--redline", redline, "--out", str(tmp_path / "o")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert not any(p.name.startswith("greenmine-zip-") for p in scratch.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.zip", "o", "src", "tmp"]


def test_a_url_with_credentials_is_refused_without_repeating_them(redline, tmp_path):
    r = check("https://surveyor:s3cret@example.org/mines.gpkg", redline, tmp_path / "o",
              "--id-field", "mine_id")  # fmt: skip
    line = one_line_error(r, "is a URL", "https://example.org/mines.gpkg")
    assert "s3cret" not in line and "surveyor" not in line
