"""The index's table of mines (report/index_table.py): one row per mine, none dropped,
overlaps counted once, sorted copies, and the page rendered without script."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from greenmine_geo.crs import CGCS2000, EQUAL_AREA
from greenmine_geo.report.index_table import (
    COLUMNS,
    SORTS,
    index_rows,
    mine_table,
    sorted_table,
    table_for_people,
    verdict_counts,
)
from greenmine_geo.report.render import render
from greenmine_geo.run_results import RunResults

X0, Y0 = 500_000.0, 4_800_000.0  # a point in the equal-area CRS, in Inner Mongolia


def _pieces(boxes: list[tuple[str, tuple[float, float, float, float], str]]) -> gpd.GeoDataFrame:
    """Conflict pieces (mine id, box in metres from (X0, Y0), effect), stored in EPSG:4490."""
    geoms = [box(X0 + a, Y0 + b, X0 + c, Y0 + d) for _, (a, b, c, d), _ in boxes]
    frame = gpd.GeoDataFrame(
        {"mine_id": [m for m, _, _ in boxes], "effect": [e for _, _, e in boxes]},
        geometry=geoms,
        crs=EQUAL_AREA,
    )
    return frame.to_crs(CGCS2000)


@pytest.fixture
def res() -> RunResults:
    mines = gpd.GeoDataFrame(
        {
            "mine_id": ["A", "B", "C", "D"],
            "verdict": ["PASS", "FAIL", "EXEMPT", "REVIEW"],
            "league_city": ["赤峰市", "包头市", None, "赤峰市"],
            "banner_county": ["松山区", "<b>昆都仑区</b>", None, ""],
        },
        geometry=[box(0, 0, 1, 1)] * 4,
        crs=CGCS2000,
    )
    conflicts = _pieces(
        [
            ("B", (0, 0, 100, 100), "FAIL"),  # red line
            ("B", (50, 0, 150, 100), "FAIL"),  # farmland, half over the red line
            ("B", (0, 0, 1000, 1000), "report"),  # grassland: reported, not failing
            ("C", (0, 0, 200, 100), "FAIL"),
        ]
    )
    info = pd.DataFrame(
        {"name": ["甲矿", "乙矿", None, "丁矿"], "licence": ["L-3", None, "L-1", "L-2"]},
        index=pd.Index(["A", "B", "C", "D"], name="mine_id"),
    )
    greening = pd.DataFrame(
        {"mine_id": ["A", "A", "D"], "indicator6_score": [float("nan"), 2.0, 0.0]}
    )
    zones = gpd.GeoDataFrame(
        {"zone_id": ["z1", "z2", "z3"], "mine_id": ["A", "A", "E"]},
        geometry=[box(0, 0, 1, 1)] * 3,
        crs=CGCS2000,
    )
    restoration = pd.DataFrame(
        {"zone_id": ["z1", "z2", "z3"], "status": ["lagging", "on_track", "done"]}
    )
    extra = gpd.GeoDataFrame({"mine_id": ["E"]}, geometry=[box(0, 0, 1, 1)], crs=CGCS2000)
    return RunResults(
        Path("run"),
        [],
        mines=mines,
        conflicts=conflicts,
        mine_info=info,
        greening=greening,
        restoration=restoration,
        zones=zones,
        context={"restoration_mines": extra},
    )


def test_every_mine_is_a_row_in_verdict_order(res):
    table = mine_table(res).set_index("mine_id")
    assert list(table.index) == ["B", "D", "A", "C", "E"]  # FAIL, REVIEW, PASS, EXEMPT, unchecked
    assert table.loc["C", "admin"] == "未落入行政区" and not table.loc["C", "in_admin"]
    assert table.loc["D", "admin"] == "赤峰市" and table.loc["D", "in_admin"]
    assert table.loc["E", ["verdict", "admin"]].tolist() == ["", ""]  # no prerequisite check
    # B: two 100 m × 100 m failing pieces overlapping by half: 15,000 m² = 1.5 公顷
    assert table.loc["B", "overlap_ha"] == pytest.approx(1.5, abs=0.01)
    assert table.loc["C", "overlap_ha"] == pytest.approx(2.0, abs=0.01)
    assert table.loc["A", "overlap_ha"] == 0
    assert table.loc["A", "indicator6_score"] == 2.0 and pd.isna(table.loc["B", "indicator6_score"])
    assert table.loc["A", "restoration"] == "滞后 1、按计划推进 1"
    assert table.loc["E", "restoration"] == "已完成 1"
    assert table.loc["B", ["name", "licence"]].tolist() == ["乙矿", "B"]  # no licence: the id
    assert [c[2] for c in verdict_counts(mine_table(res))] == [1, 1, 1, 1]


@pytest.mark.parametrize(
    ("key", "order"),
    [
        ("name", ["D", "B", "A", "E", "C"]),  # 丁 U+4E01 < 乙 < 甲; blanks last, by licence
        ("licence", ["B", "E", "C", "D", "A"]),  # B, E, L-1, L-2, L-3
        ("overlap_ha", ["C", "B", "E", "D", "A"]),  # largest first; ties by licence
        ("indicator6_score", ["D", "A", "B", "E", "C"]),  # lowest first; unscored last
    ],
)
def test_sorted_copies(res, key, order):
    assert sorted_table(mine_table(res), key)["mine_id"].tolist() == order


def test_page_has_no_script_escapes_and_flags(res):
    table = mine_table(res)
    docs = {"B": [("报告 HTML", "reports/B.html")]}
    heads = [(zh, SORTS[k][0], k) for k, (zh, _) in COLUMNS.items()]
    page = render(
        "index.html",
        rows=index_rows(table, docs),
        sorted_by="verdict",
        root="run",
        sections=[],
        steps=[],
        warnings=[],
        counts=verdict_counts(table),
        heads=heads,
        downloads=[("CSV", "index_table.csv")],
        zh=True,
    )
    assert "&lt;b&gt;昆都仑区&lt;/b&gt;" in page and "<b>昆都仑区" not in page
    assert '<span class="flag">未落入行政区</span>' in page
    assert "<a href='reports/B.html'>报告 HTML</a>" in page
    assert all(f"href='{name}'" in page for name, _, _ in SORTS.values())
    people = table_for_people(table)
    assert list(people.columns) == ["矿山编号", *(zh for zh, _ in COLUMNS.values())]
    assert people.loc[0, "审查结论"] == "不通过"
