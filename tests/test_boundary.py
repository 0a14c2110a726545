"""Corner-point boundary files (拐点坐标), with answers computed by hand.

Squares centred on GK zone 37's central meridian (111°E, easting 37 500 000 m) near
40.6°N: there the GK scale factor is 1 + 3 × 10⁻⁹, so a 1 000 m square is 1.0000 km²
= 100.0000 ha on the ellipsoid to the 4 decimals reported. X is the northing, Y the
prefixed easting, as Chinese files write them.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from greenmine_geo.checks.boundary import ConversionOptions, to_polygons
from greenmine_geo.errors import InputError
from greenmine_geo.io.corner_points import read_corner_file

from conftest import greenmine, layer, write

N0, E0 = 4_500_000.0, 37_500_000.0
HEADER = "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带={width}\n投影类型=高斯克吕格\n计量单位=米\n带号={zone}\n[地块坐标]\n"


def square(x0: float, y0: float, side: float, ring: int = 1, close: bool = True) -> list[str]:
    """'point, ring, X, Y' lines of a square with its south-west corner (northing x0, easting y0)."""
    corners = [(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side)]
    if close:
        corners.append(corners[0])
    return [f"J{k + 1},{ring},{x:.3f},{y:.3f}" for k, (x, y) in enumerate(corners)]


def txt(
    tmp_path,
    name: str,
    parcels: list[tuple[str, list[str]]],
    *,
    zone=37,
    width=3,
    encoding="gbk",
    header=None,
):
    body = (header or HEADER.format(zone=zone, width=width)) + "".join(
        f"{len(points)},{head}@\n" + "\n".join(points) + "\n" for head, points in parcels
    )
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def convert(path, **options):
    return to_polygons(read_corner_file(path), ConversionOptions(**options))


def test_two_parcel_gbk_file_with_a_hole(tmp_path):
    # parcel 1: 1 000 m square with a 200 m square hole (ring 2) → 0.96 km²; parcel 2: 500 m square
    p1 = square(N0 - 500, E0 - 500, 1000) + square(N0 - 100, E0 - 100, 200, ring=2)
    p2 = square(N0 + 1000, E0 + 1000, 500)
    path = txt(tmp_path, "采矿权.txt", [("96,1,东区采区,面,,,,", p1), ("25,2,西区采区,面,,,,", p2)])
    gdf, findings = convert(path)
    assert read_corner_file(path).encoding == "gbk"
    assert gdf["name"].tolist() == ["东区采区", "西区采区"] and gdf[
        "mine_id"
    ].unique().tolist() == ["采矿权"]
    assert gdf["area_km2"].tolist() == [0.96, 0.25] and gdf["area_ha"].tolist() == [96.0, 25.0]
    assert gdf["holes"].tolist() == [1, 0] and gdf["epsg"].tolist() == [4525, 4525]
    assert gdf.crs.to_epsg() == 4490 and len(gdf.geometry.iloc[0].geoms[0].interiors) == 1
    assert [f for f in findings if f.severity != "info"] == []  # declared areas agree


def test_header_zone_that_disagrees_with_the_prefix(tmp_path):
    path = txt(tmp_path, "a.txt", [("100,1,A,面,,,,", square(N0 - 500, E0 - 500, 1000))], zone=38)
    gdf, findings = convert(path)
    assert gdf["zone"].iloc[0] == 37 and gdf["area_km2"].iloc[0] == 1.0
    assert any(
        f.check == "zone" and "带号 38" in f.message and "prefix 37" in f.message for f in findings
    )


def test_swapped_columns_are_detected_and_swapped_back(tmp_path):
    swapped = [
        f"{n},{r},{y},{x}"
        for n, r, x, y in (line.split(",") for line in square(N0 - 500, E0 - 500, 1000))
    ]
    gdf, findings = convert(txt(tmp_path, "s.txt", [("100,1,A,面,,,,", swapped)]))
    assert gdf["area_km2"].iloc[0] == 1.0
    centroid = gdf.geometry.iloc[0].centroid
    assert centroid.x == pytest.approx(111.0, abs=1e-6)  # back on the central meridian
    assert any(f.check == "xy_swap" for f in findings)


def test_a_6_degree_file(tmp_path):
    # 6° zone 19 has the same meridian, 111°E: the same square, prefix 19
    e6 = 19_500_000.0
    path = txt(
        tmp_path,
        "six.txt",
        [("100,1,A,面,,,,", square(N0 - 500, e6 - 500, 1000))],
        zone=19,
        width=6,
    )
    gdf, _ = convert(path)
    assert gdf["zone_width"].iloc[0] == 6 and gdf["epsg"].iloc[0] == 4497
    assert gdf["area_km2"].iloc[0] == 1.0
    assert gdf.geometry.iloc[0].centroid.x == pytest.approx(111.0, abs=1e-6)


def test_xian_1980_is_refused_unless_conversion_parameters_are_given(tmp_path):
    header = HEADER.format(zone=37, width=3).replace("2000国家大地坐标系", "1980西安坐标系")
    path = txt(
        tmp_path, "x80.txt", [("100,1,A,面,,,,", square(N0 - 500, E0 - 500, 1000))], header=header
    )
    with pytest.raises(InputError, match="7 conversion parameters"):
        convert(path)
    gdf, findings = convert(path, towgs84=(0, 0, 0, 0, 0, 0, 0))
    assert gdf["datum"].iloc[0] == "Xi'an 1980" and any(f.check == "datum" for f in findings)
    assert gdf["area_km2"].iloc[0] == pytest.approx(1.0, abs=2e-4)  # IAG-75 vs GRS80: 1e-5 relative
    r = greenmine("convert-boundary", str(path), "--out", str(tmp_path / "o.gpkg"))
    assert r.returncode == 2 and "--towgs84" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_unclosed_ring_in_a_corner_list(tmp_path):
    rows = [line.split(",") for line in square(N0 - 500, E0 - 500, 1000, close=False)]
    path = tmp_path / "list.csv"
    pd.DataFrame(
        {"点号": [r[0] for r in rows], "X": [r[2] for r in rows], "Y": [r[3] for r in rows]}
    ).to_csv(path, index=False)
    with pytest.raises(InputError, match="datum is never guessed"):
        convert(path)
    gdf, findings = convert(path, datum="cgcs2000")
    assert gdf["area_km2"].iloc[0] == 1.0
    assert [f.severity for f in findings if f.check == "closure"] == ["info"]  # lists may omit it
    # the exchange format must close its rings: there it is a warning
    open_ring = square(N0 - 500, E0 - 500, 1000, close=False)
    gdf, findings = convert(txt(tmp_path, "open.txt", [("100,1,A,面,,,,", open_ring)]))
    assert gdf["area_km2"].iloc[0] == 1.0
    assert [f.severity for f in findings if f.check == "closure"] == ["warning"]


def test_self_intersecting_ring_is_repaired_and_reported(tmp_path):
    # a bow tie: (0,0) (1000,1000) (1000,0) (0,1000) → two triangles of 250 000 m² each
    x, y = N0 - 500, E0 - 500
    corners = [(x, y), (x + 1000, y + 1000), (x + 1000, y), (x, y + 1000), (x, y)]
    lines = [f"J{k},1,{a:.3f},{b:.3f}" for k, (a, b) in enumerate(corners)]
    gdf, findings = convert(txt(tmp_path, "bow.txt", [("50,1,A,面,,,,", lines)]))
    assert gdf["area_km2"].iloc[0] == 0.5
    found = [f for f in findings if f.check == "self_intersection"]
    assert found and found[0].severity == "error" and "Self-intersection" in found[0].message


def test_declared_area_that_disagrees_with_the_coordinates(tmp_path):
    gdf, findings = convert(
        txt(tmp_path, "d.txt", [("120,1,A,面,,,,", square(N0 - 500, E0 - 500, 1000))])
    )
    area = [f for f in findings if f.check == "area"]
    assert gdf["declared_area"].iloc[0] == 120 and gdf["area_ha"].iloc[0] == 100.0
    assert (
        area
        and "computed 100.0000 ha (1.0000 km², ellipsoidal)" in area[0].message
        and "+20.00 %" in area[0].message
    )
    # a declared area in km² that fits is only noted
    _, findings = convert(
        txt(tmp_path, "k.txt", [("1.0,1,A,面,,,,", square(N0 - 500, E0 - 500, 1000))])
    )
    assert [f.severity for f in findings if f.check == "area"] == ["info"]


def test_too_few_points(tmp_path):
    lines = [f"J{k},1,{N0 + 1000 * k},{E0}" for k in range(2)]  # two points, closed by us
    gdf, findings = convert(txt(tmp_path, "few.txt", [("0,1,A,面,,,,", lines)]))
    assert len(gdf) == 0 and {f.check for f in findings} >= {"too_few_points", "no_polygon"}


def test_mining_right_string_with_a_deducted_ring_and_depth_limits(tmp_path):
    def ring(points: list[str], flag: int) -> str:
        triples = ",".join(f"{n[1:]},{x},{y}" for n, _, x, y in (p.split(",") for p in points[:-1]))
        return f"{len(points) - 1},{triples},1450,1200,,{flag}"

    text = (
        "2,"
        + ring(square(N0 - 500, E0 - 500, 1000), 1)
        + ","
        + ring(square(N0 + 300, E0 + 300, 100), -1)
    )
    path = tmp_path / "C1500002011051120112345.txt"
    path.write_text(text, "utf-8")
    gdf, _ = convert(path, datum="cgcs2000")
    row = gdf.iloc[0]
    assert row["format"] == "mining_right" and row["area_km2"] == 0.99 and row["holes"] == 1
    assert (row["top_elevation_m"], row["bottom_elevation_m"]) == (1450, 1200)


def test_cli_and_the_prerequisite_check_read_these_files_directly(tmp_path):
    p1 = square(N0 - 500, E0 - 500, 1000) + square(N0 - 100, E0 - 100, 200, ring=2)
    path = txt(
        tmp_path,
        "C15001.txt",
        [("96,1,东区,面,,,,", p1), ("30,2,西区,面,,,,", square(N0 + 1000, E0 + 1000, 500))],
    )
    r = greenmine("convert-boundary", str(path), "--out", str(tmp_path / "b.gpkg"))
    assert r.returncode == 0, r.stderr
    assert set(pyogrio.list_layers(tmp_path / "b.gpkg")[:, 0]) == {"boundaries", "findings"}
    findings = pd.read_csv(tmp_path / "b_findings.csv")
    assert findings.check.tolist() == ["area"] and "30 ha" in findings.message.iloc[0]
    boundaries = gpd.read_file(tmp_path / "b.gpkg", layer="boundaries")
    assert boundaries.area_ha.tolist() == [96.0, 25.0]
    # the prerequisite check takes the TXT as --mines: one mine (the file) of two parcels
    red = write(
        layer([__import__("shapely").box(E0 + 5000, N0, E0 + 6000, N0 + 1000)], name=["红线"]),
        tmp_path / "r.gpkg",
    )
    r = greenmine(
        "check",
        "prerequisite",
        "--mines",
        str(path),
        "--id-field",
        "mine_id",
        "--redline",
        red,
        "--out",
        str(tmp_path / "p"),
    )
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(tmp_path / "p" / "prerequisite.csv")
    assert table.mine_id.tolist() == ["C15001"] and table.verdict.tolist() == ["PASS"]
    assert table.mine_area_m2.iloc[0] == pytest.approx(1_210_000, abs=1)


def test_gb18030_text_and_an_xlsx_corner_list_with_parcels_and_rings(tmp_path):
    # 𠂇 is outside GBK: only GB18030 decodes it
    path = txt(
        tmp_path,
        "g.txt",
        [("100,1,𠂇矿区,面,,,,", square(N0 - 500, E0 - 500, 1000))],
        encoding="gb18030",
    )
    assert read_corner_file(path).encoding == "gb18030"
    assert convert(path)[0]["name"].iloc[0] == "𠂇矿区"
    rows = []
    for parcel, ring, x0, side in (
        ("A", 1, N0 - 500, 1000),
        ("A", 2, N0 - 100, 200),
        ("B", 1, N0 + 1000, 500),
    ):
        for line in square(
            x0,
            E0 - 500 if parcel == "A" and ring == 1 else E0 - 100 if ring == 2 else E0 + 1000,
            side,
        ):
            no, _, x, y = line.split(",")
            rows.append(
                {"地块": parcel, "圈号": ring, "点号": no, "北坐标": float(x), "东坐标": float(y)}
            )
    xlsx = tmp_path / "corners.xlsx"
    pd.DataFrame(rows).to_excel(xlsx, index=False)
    gdf, _ = convert(xlsx, datum="cgcs2000")
    assert gdf["parcel"].tolist() == ["A", "B"] and gdf["area_km2"].tolist() == [0.96, 0.25]
