"""The prerequisite check on hand-made cases whose answers are computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon

from greenmine_geo.checks.mines import prepare_mines
from greenmine_geo.checks.prerequisite import check_prerequisite
from greenmine_geo.layers import planning_layer

from conftest import E0, N0, gk_box, layer


def run(mines, redline, layers=(), exemptions=None, tolerance_m=0.05):
    frames = [(m, f"mines{i}") for i, m in enumerate(mines if isinstance(mines, list) else [mines])]
    ms = prepare_mines(frames, "mine_id")
    layers = [planning_layer(gdf, name) for name, gdf in layers]
    res = check_prerequisite(
        ms, planning_layer(redline, "redline"), layers, exemptions, tolerance_m
    )
    return res, res.mines.set_index("mine_id")


def test_partial_overlap_area_and_share():
    # mine 1000 m × 1000 m; red line covers its eastern 400 m → 400 000 m², 40 %
    mines = layer([gk_box(-500, 0, 500, 1000)], mine_id=["M1"])
    red = layer([gk_box(100, -500, 2000, 1500)], name=["红线A"])
    res, t = run(mines, red)
    m = t.loc["M1"]
    assert m.mine_area_m2 == pytest.approx(1_000_000, abs=0.5)
    assert m.redline_overlap_m2 == pytest.approx(400_000, abs=0.5)
    assert m.redline_overlap_pct == pytest.approx(40.0, abs=1e-4)
    assert (m.verdict, m.contact, m.redline_distance_m) == ("FAIL", "overlapping", 0.0)
    assert "红线A" in m.reasons and "压占生态保护红线" in m.reasons
    piece = res.conflicts.query("layer == 'redline'")
    assert len(piece) == 1 and piece.area_m2.iloc[0] == pytest.approx(400_000, abs=0.5)


def test_overlapping_redline_features_are_counted_once():
    # A = [-500,100], B = [-100,500] overlap on [-100,100]; the mine covers both entirely:
    # union = 1000 × 1000 = 1 000 000 m², not 600 000 + 600 000
    mines = layer([gk_box(-500, 0, 500, 1000)], mine_id=["M1"])
    red = layer([gk_box(-500, 0, 100, 1000), gk_box(-100, 0, 500, 1000)], name=["A", "B"])
    res, t = run(mines, red)
    assert t.loc["M1", "redline_overlap_m2"] == pytest.approx(1_000_000, abs=0.5)
    assert t.loc["M1", "redline_overlap_pct"] == pytest.approx(100.0, abs=1e-4)
    pieces = res.conflicts.query("layer == 'redline'").set_index("feature_name")
    assert pieces.loc["A", "area_m2"] == pytest.approx(600_000, abs=0.5)
    assert pieces.loc["B", "area_m2"] == pytest.approx(600_000, abs=0.5)


def test_shared_edge_after_reprojection_is_touching():
    # the red line shares the mine's eastern edge, but is stored in EPSG:4490 rounded to
    # 6 decimals (≈ 0.1 m): the shared edge becomes a hair-thin overlap or gap
    mine = gk_box(-500, 0, 0, 1000)
    red_gk = layer([gk_box(0, 0, 800, 1000)])
    red = red_gk.to_crs("EPSG:4490")
    red = red.set_geometry(shapely.set_precision(red.geometry.values, 1e-6))
    res, t = run(layer([mine], mine_id=["M1"]), red)
    m = t.loc["M1"]
    assert m.contact == "touching" and m.verdict == "REVIEW"
    assert m.redline_overlap_m2 < 100  # a sliver: ≤ 1000 m × 0.056 m of rounding
    assert m.redline_contact_length_m == pytest.approx(1000, abs=0.5)
    assert "与生态保护红线相接" in m.reasons


def test_near_miss_at_10_m_passes_with_distance():
    mines = layer([gk_box(-500, 0, 0, 1000)], mine_id=["M1"])
    red = layer([gk_box(10, 0, 800, 1000)])
    _, t = run(mines, red)
    m = t.loc["M1"]
    assert (m.verdict, m.contact) == ("PASS", "clear")
    assert m.redline_distance_m == pytest.approx(10.0, abs=0.001)
    assert "10.0 m" in m.reasons


def test_self_intersecting_mine_is_repaired_and_named():
    # bow-tie over a 1000 × 1000 square: two triangles of 1000 × 500 / 2 = 250 000 m² each
    bowtie = Polygon([(E0 - 500, N0), (E0 + 500, N0 + 1000), (E0 + 500, N0), (E0 - 500, N0 + 1000)])
    assert not bowtie.is_valid
    mines = layer([bowtie], mine_id=["M1"])
    red = layer([gk_box(5000, 0, 6000, 1000)])
    _, t = run(mines, red)
    m = t.loc["M1"]
    assert m.mine_area_m2 == pytest.approx(500_000, abs=0.5)
    assert m.verdict == "REVIEW"  # the repaired boundary must be confirmed by a planner
    assert "Self-intersection" in m.reasons and "矿区范围几何已修复" in m.reasons


def test_mine_with_hole_around_redline_island_is_clear():
    # mine 2000 × 2000 with a 500 × 500 hole; island 300 × 300 centred in the hole:
    # area 4 000 000 − 250 000 = 3 750 000 m², gap (500 − 300) / 2 = 100 m
    shell = gk_box(-1000, -1000, 1000, 1000).exterior.coords
    hole = gk_box(-250, -250, 250, 250).exterior.coords
    mines = layer([Polygon(shell, [hole])], mine_id=["M1"])
    red = layer([gk_box(-150, -150, 150, 150)])
    _, t = run(mines, red)
    m = t.loc["M1"]
    assert m.mine_area_m2 == pytest.approx(3_750_000, abs=1)
    assert (m.verdict, m.contact, m.redline_overlap_m2) == ("PASS", "clear", 0.0)
    assert m.redline_distance_m == pytest.approx(100.0, abs=0.01)


GK_PREFIXED = "EPSG:4525"  # 3° zone 37, easting with zone prefix
GK_PLAIN = "EPSG:4546"  # 3° CM 111°E, same zone without the prefix
GEOGRAPHIC = "EPSG:4490"


@pytest.mark.parametrize("mine_crs", [GK_PREFIXED, GK_PLAIN, GEOGRAPHIC])
@pytest.mark.parametrize("red_crs", [GK_PREFIXED, GK_PLAIN, GEOGRAPHIC])
def test_mixed_crs_give_the_same_numbers(mine_crs, red_crs):
    mines = layer([gk_box(-500, 0, 500, 1000)], mine_id=["M1"]).to_crs(mine_crs)
    red = layer([gk_box(100, -500, 2000, 1500)]).to_crs(red_crs)
    _, t = run(mines, red)
    # edges straight in one CRS bow by millimetres in another: allow 1 m² in 10⁶
    assert t.loc["M1", "mine_area_m2"] == pytest.approx(1_000_000, abs=1)
    assert t.loc["M1", "redline_overlap_m2"] == pytest.approx(400_000, abs=1)


def test_several_mine_files_in_different_crs():
    a = layer([gk_box(-500, 0, 500, 1000)], mine_id=["GK"])
    b = layer([gk_box(-500, 3000, 500, 4000)], mine_id=["GEO"]).to_crs(GEOGRAPHIC)
    red = layer([gk_box(-500, 3500, 500, 4500)])
    _, t = run([a, b], red)
    assert t.loc["GK", "verdict"] == "PASS"
    # GEO's north edge is straight in lon/lat: a parallel, which at the central meridian dips
    # south of the GK chord by L² tanφ / 2N = 1.7 cm (φ = 40.65°, N = 6 387 220 m, L = 1000 m);
    # the overlap loses the segment between them, L³ tanφ / 12N = 11.2 m², of which the
    # 3-segment densified edge keeps 8/9: 500 000 − 9.96 m²
    lost = 1000**3 * np.tan(np.radians(40.65)) / (12 * 6_387_220) * (1 - 1 / 3**2)
    assert t.loc["GEO", "redline_overlap_m2"] == pytest.approx(500_000 - lost, abs=0.5)
    assert t.loc["GK", "redline_distance_m"] == pytest.approx(2500, abs=0.01)


def test_rows_sharing_an_id_are_one_mine():
    mines = layer([gk_box(-500, 0, 0, 1000), gk_box(0, 0, 500, 1000)], mine_id=["M1", "M1"])
    _, t = run(mines, layer([gk_box(5000, 0, 6000, 10)]))
    assert len(t) == 1 and t.loc["M1", "mine_area_m2"] == pytest.approx(1_000_000, abs=0.5)
    assert "2 parts with this id merged" in t.loc["M1", "reasons"]


def test_empty_redline_layer_is_reported_not_passed():
    mines = layer([gk_box(-500, 0, 500, 1000)], mine_id=["M1"])
    red = layer([], name=[])
    res, t = run(mines, red)
    assert t.loc["M1", "verdict"] == "REVIEW"
    assert np.isnan(t.loc["M1", "redline_distance_m"])
    assert "red-line layer is empty" in t.loc["M1", "reasons"]
    assert any("no polygon features" in w for w in res.warnings)


def test_empty_and_zero_area_planning_features_are_reported():
    mines = layer([gk_box(-500, 0, 500, 1000)], mine_id=["M1"])
    red = layer([gk_box(5000, 0, 6000, 1000)])
    farmland = layer([Polygon([(E0, N0), (E0 + 10, N0), (E0 + 20, N0)])])  # zero area
    res, t = run(mines, red, [("farmland", farmland)])
    assert t.loc["M1", "farmland_overlap_m2"] == 0.0
    assert any("no area" in w for w in res.warnings)


def test_landuse_classes_merged_within_class_and_ruled():
    # mine 1000 × 1000. Farmland (Chinese spelling) on its west 200 m, twice (overlapping
    # copies: 200 000 m² once); grassland on its east 500 m: reported, not failing.
    mines = layer([gk_box(-500, 0, 500, 1000)], mine_id=["M1"])
    lu = layer(
        [gk_box(-600, 0, -300, 1000), gk_box(-600, 0, -300, 1000), gk_box(0, 0, 600, 1000)],
        地类名称=["永久基本农田", "基本农田", "草地"],
    )
    res, t = run(mines, layer([gk_box(5000, 0, 6000, 10)]), [("landuse", lu)])
    m = t.loc["M1"]
    assert m.landuse_farmland_overlap_m2 == pytest.approx(200_000, abs=0.5)
    assert m.landuse_grassland_overlap_m2 == pytest.approx(500_000, abs=0.5)
    assert m.landuse_overlap_m2 == pytest.approx(700_000, abs=0.5)
    assert m.verdict == "FAIL" and "压占永久基本农田" in m.reasons
    assert "涉及草原" in m.reasons and "forestry review" in m.reasons


def test_grassland_alone_is_reported_not_failed():
    mines = layer([gk_box(-500, 0, 500, 1000)], mine_id=["M1"])
    grass = layer([gk_box(-600, 0, 600, 1000)])
    _, t = run(mines, layer([gk_box(5000, 0, 6000, 10)]), [("grassland", grass)])
    assert t.loc["M1", "verdict"] == "PASS"
    assert t.loc["M1", "grassland_overlap_pct"] == pytest.approx(100.0, abs=1e-4)


def test_exemption_turns_fail_into_exempt_never_pass():
    mines = layer([gk_box(-500, 0, 500, 1000), gk_box(3000, 0, 4000, 1000)], mine_id=["M1", "M2"])
    red = layer([gk_box(0, 0, 1000, 1000)])
    ex = pd.DataFrame(
        {
            "mine_id": ["M1", "M2", "M9"],
            "reason": ["国家重大项目"] * 3,
            "document": ["自然资函〔2024〕1号"] * 3,
        }
    )
    res, t = run(mines, red, exemptions=ex)
    assert t.loc["M1", "verdict"] == "EXEMPT" and "自然资函〔2024〕1号" in t.loc["M1", "reasons"]
    assert t.loc["M2", "verdict"] == "PASS"  # nothing to exempt
    assert any("M9" in w for w in res.warnings)


def test_exemption_for_another_layer_does_not_cover_redline():
    mines = layer([gk_box(-500, 0, 500, 1000)], mine_id=["M1"])
    red = layer([gk_box(0, 0, 1000, 1000)])
    ex = pd.DataFrame(
        {"mine_id": ["M1"], "reason": ["x"], "document": ["d"], "layer": ["farmland"]}
    )
    _, t = run(mines, red, exemptions=ex)
    assert t.loc["M1", "verdict"] == "FAIL"


def test_locations_blocks_and_one_holder_rule():
    mines = layer(
        [gk_box(-500, 0, 0, 500), gk_box(100, 0, 600, 500), gk_box(5000, 0, 5500, 500)],
        mine_id=["A", "B", "C"],
    )
    red = layer([gk_box(9000, 0, 9500, 500)])
    blocks = layer(
        [gk_box(-700, -100, 700, 700), gk_box(4900, -100, 5600, 700)],
        block_id=["CK1", "CK2"],
        drawn_by=["自治区", "自治区"],
    )
    exploration = layer(
        [gk_box(-1000, -1000, 1000, 1000), gk_box(500, 500, 1500, 1500)],
        block_id=["KC1", "KC2"],
        drawn_by=["自治区", "盟市"],
    )
    zones = layer(
        [gk_box(-2000, -2000, 200, 2000)], name=["内蒙古白云鄂博铁铌稀土多金属重点勘查开采区"]
    )
    admin = layer(
        [gk_box(-3000, -3000, 3000, 3000), gk_box(3000, -3000, 9999, 3000)],
        league_city=["包头市", "包头市"],
        banner_county=["白云鄂博矿区", "达尔罕茂明安联合旗"],
    )
    res, t = run(
        mines,
        red,
        [
            ("mining_blocks", blocks),
            ("exploration_blocks", exploration),
            ("key_zones", zones),
            ("admin", admin),
        ],
    )
    assert (
        t.loc["A", "shares_mining_block_with"] == "B"
        and t.loc["B", "shares_mining_block_with"] == "A"
    )
    assert t.loc["A", "verdict"] == "REVIEW" and t.loc["C", "verdict"] == "PASS"
    assert t.loc["A", "mining_blocks"] == "CK1" and t.loc["C", "mining_blocks"] == "CK2"
    assert (
        t.loc["A", "key_zones"].startswith("内蒙古白云鄂博")
        and t.loc["B", "key_zones"] == "内蒙古白云鄂博铁铌稀土多金属重点勘查开采区"
    )
    assert t.loc["C", "key_zones"] == ""
    assert (
        t.loc["C", "banner_county"] == "达尔罕茂明安联合旗"
        and t.loc["A", "league_city"] == "包头市"
    )
    # the city block KC2 overlaps the region block KC1 on [500,1000]² = 250 000 m²
    ov = res.block_overlaps
    assert list(ov[["city_block", "region_block"]].itertuples(index=False, name=None)) == [
        ("KC2", "KC1")
    ]
    assert ov.overlap_m2.iloc[0] == pytest.approx(250_000, abs=0.5)
