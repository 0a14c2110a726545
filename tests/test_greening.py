"""Greening coverage (indicator 6) on rasters made in code, with answers computed by hand.

Reflectances: vegetation red 0.05, NIR 0.45 (NDVI 0.8); bare soil red 0.25, NIR 0.30
(NDVI 0.05 / 0.55 = 0.0909). With these as the end-members, FVC is 1 on vegetation and 0
on bare soil, so shares and means below follow from areas alone. Pixels are 1 m in GK
zone 37 at its central meridian, where GK areas equal ellipsoidal areas to 10⁻⁸.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from greenmine_geo.config import GreeningParams
from greenmine_geo.imagery.greening import GREENING_COLUMNS
from greenmine_geo.steps import greening
from greenmine_geo.steps.skeleton import StepContext

from conftest import gk_box, greenmine, layer, write
from rasters import write_image

VEG, BARE = (0.05, 0.45), (0.25, 0.30)
NDVI_VEG, NDVI_BARE = 0.4 / 0.5, 0.05 / 0.55
SETTINGS = {
    "bands": {"red": 1, "nir": 2},
    "end_members": (NDVI_BARE, NDVI_VEG),
    "reference_ring_m": 5,
}


def scene(h: int, w: int, bare: np.ndarray | None = None) -> np.ndarray:
    """Red and NIR float32 reflectance; ``bare`` marks bare pixels."""
    data = np.empty((2, h, w), np.float32)
    data[0], data[1] = VEG
    if bare is not None:
        data[0][bare], data[1][bare] = BARE
    return data


def measure(tmp_path, mines, image, settings=SETTINGS, **kw) -> pd.DataFrame:
    """The greening table of ``mines`` on ``image`` (``settings`` and ``kw``: parameters)."""
    path = write(mines, tmp_path / "mines.gpkg")
    params = GreeningParams(mines=[path], id_field="mine_id", image=str(image), **settings, **kw)
    return greening.run(params, StepContext(tmp_path / "out")).table.set_index("mine_id")


def test_vegetated_share_with_partial_edge_pixels(tmp_path):
    # image x ∈ [-10, 30), vegetation west of x = 5, bare soil east of it; mine x ∈ [0.25, 10.75]:
    # exact shares 4.75 / 10.5 vegetated; centre sampling would give 5 / 11
    cols = np.arange(40) - 10 + 0.5
    img = write_image(
        tmp_path / "img.tif", scene(40, 40, np.broadcast_to(cols >= 5, (40, 40))), x0=-10, y0=30
    )
    row = measure(tmp_path, layer([gk_box(0.25, 0, 10.75, 20)], mine_id=["M1"]), img).loc["M1"]
    assert row.greenable_area_m2 == pytest.approx(10.5 * 20, abs=1e-3)
    assert row.vegetated_area_m2 == pytest.approx(4.75 * 20, abs=1e-3)
    assert row.coverage_pct == pytest.approx(100 * 4.75 / 10.5, abs=1e-4)
    assert row.fvc_mean == pytest.approx(4.75 / 10.5, abs=1e-5)
    # no patch (5.75 × 20 = 115 m² < 400 m²), but less than half the area is vegetated
    assert row.bare_patches == 0 and row.indicator6_score == 0.0
    assert row.indicator6_reason.startswith("greenable area largely uncovered: 45.2 %")
    assert (row.vi_soil, row.vi_veg) == pytest.approx((NDVI_BARE, NDVI_VEG))


def test_two_bare_patches_above_and_one_below_the_minimum(tmp_path):
    # mine [0, 80]²; bare squares 30 × 30 = 900 m², 25 × 20 = 500 m², 15 × 15 = 225 m²
    bare = np.zeros(
        (100, 100), bool
    )  # image x ∈ [-10, 90), y ∈ (-10, 90]: col = x + 10, row = 90 − y
    for x0, x1, y0, y1 in ((10, 40, 10, 40), (50, 75, 10, 30), (10, 25, 55, 70)):
        bare[90 - y1 : 90 - y0, x0 + 10 : x1 + 10] = True
    img = write_image(tmp_path / "img.tif", scene(100, 100, bare), x0=-10, y0=90)
    row = measure(tmp_path, layer([gk_box(0, 0, 80, 80)], mine_id=["M1"]), img).loc["M1"]
    assert row.bare_patches == 2 and row.indicator6_score == 1.0
    patches = gpd.read_file(tmp_path / "out" / "greening.gpkg", layer="bare_patches")
    assert patches.patch_no.tolist() == [1, 2]
    assert patches.area_m2.tolist() == pytest.approx([900, 500], abs=0.01)
    assert patches.fvc_mean.tolist() == pytest.approx([0, 0], abs=1e-6)
    assert row.coverage_pct == pytest.approx(100 * (6400 - 900 - 500 - 225) / 6400, abs=1e-4)


def test_mine_in_another_crs_than_the_image(tmp_path):
    cols = np.arange(40) - 10 + 0.5
    img = write_image(
        tmp_path / "img.tif", scene(40, 40, np.broadcast_to(cols >= 5, (40, 40))), x0=-10, y0=30
    )
    mines = layer([gk_box(0.25, 0, 10.75, 20)], mine_id=["M1"]).to_crs("EPSG:4490")
    row = measure(tmp_path, mines, img).loc["M1"]
    assert row.coverage_pct == pytest.approx(100 * 4.75 / 10.5, abs=1e-3)
    assert row.greenable_area_m2 == pytest.approx(210, abs=1e-3)


def test_image_covering_half_the_mine(tmp_path):
    img = write_image(tmp_path / "img.tif", scene(40, 15), x0=-10, y0=30)  # x ∈ [-10, 5)
    row = measure(tmp_path, layer([gk_box(0, 0, 10, 20)], mine_id=["M1"]), img).loc["M1"]
    assert row.coverage_pct == pytest.approx(100) and row.vegetated_area_m2 == pytest.approx(
        100, abs=1e-3
    )
    assert "only 50.0 % of the greenable area" in row.notes


def test_nodata_inside_the_mine(tmp_path):
    data = scene(40, 40)
    data[:, 10:20, 10:20] = -1  # x ∈ [0, 10), y ∈ (10, 20]: half of the mine [0, 10] × [0, 20]
    img = write_image(tmp_path / "img.tif", data, x0=-10, y0=30, nodata=-1)
    row = measure(tmp_path, layer([gk_box(0, 0, 10, 20)], mine_id=["M1"]), img).loc["M1"]
    assert "only 50.0 %" in row.notes and row.coverage_pct == pytest.approx(100)


def test_non_greenable_land_is_taken_out(tmp_path):
    img = write_image(tmp_path / "img.tif", scene(40, 40), x0=-10, y0=30)
    pit = write(layer([gk_box(0, 0, 4, 20)]), tmp_path / "pit.gpkg")
    row = measure(
        tmp_path, layer([gk_box(0, 0, 10, 20)], mine_id=["M1"]), img, non_greenable=pit
    ).loc["M1"]
    assert row.greenable_area_m2 == pytest.approx(6 * 20, abs=1e-3)


def test_reference_ring_gives_relative_cover(tmp_path):
    # mine [0, 10] × [0, 20] half bare (x ≥ 5); ring 5 m wide all vegetated: FVC 1
    cols = np.arange(40) - 10 + 0.5
    bare = np.broadcast_to((cols >= 5) & (cols < 10), (40, 40)).copy()
    bare[:, :] &= (np.arange(40)[:, None] >= 10) & (
        np.arange(40)[:, None] < 30
    )  # rows of y ∈ [0, 20)
    img = write_image(tmp_path / "img.tif", scene(40, 40, bare), x0=-10, y0=30)
    row = measure(tmp_path, layer([gk_box(0, 0, 10, 20)], mine_id=["M1"]), img).loc["M1"]
    assert row.reference_fvc_mean == pytest.approx(1.0, abs=1e-6)
    assert row.relative_cover_pct == pytest.approx(50.0, abs=1e-3)


def test_cli_contract_and_a_mine_off_the_image(tmp_path):
    img = write_image(tmp_path / "img.tif", scene(40, 40), x0=-10, y0=30)
    mines = write(
        layer([gk_box(0, 0, 10, 20), gk_box(5000, 0, 5010, 20)], mine_id=["ON", "OFF"]),
        tmp_path / "m.gpkg",
    )
    r = greenmine(
        "greening",
        "--mines",
        mines,
        "--id-field",
        "mine_id",
        "--image",
        str(img),
        "--bands",
        "red=1,nir=2",
        "--out",
        str(tmp_path / "o"),
        "--verbose",
    )
    assert r.returncode == 0, r.stderr
    assert {"mine ON", "mine OFF"} <= set(r.stderr.splitlines())  # progress per mine
    table = pd.read_csv(tmp_path / "o" / "greening.csv", keep_default_na=False).set_index("mine_id")
    assert list(table.reset_index().columns) == GREENING_COLUMNS
    assert "no non-greenable layer" in table.loc["ON", "notes"]
    assert "does not cover this mine" in table.loc["OFF", "notes"]
    assert set(pyogrio.list_layers(tmp_path / "o" / "greening.gpkg")[:, 0]) == {
        "greenable",
        "bare_patches",
    }
    assert sorted(p.name for p in (tmp_path / "o").glob("*.png")) == ["greening_ON.png"]
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text("utf-8"))
    assert manifest["parameters"]["end_members_used"]["source"].startswith("scene percentiles")


def test_cli_refuses_a_hostile_image_in_one_line(tmp_path):
    fake = tmp_path / "img.tif"
    fake.write_text("<VRTDataset/>")
    mines = write(layer([gk_box(0, 0, 10, 20)], mine_id=["M1"]), tmp_path / "m.gpkg")
    r = greenmine(
        "greening",
        "--mines",
        mines,
        "--id-field",
        "mine_id",
        "--image",
        str(fake),
        "--out",
        str(tmp_path / "o"),
    )
    assert (
        r.returncode == 2
        and len(r.stderr.strip().splitlines()) == 1
        and "review-imagery" in r.stderr
    )


def _patchy_mine_scene(h: int = 100, w: int = 100) -> np.ndarray:
    """Vegetation with the three bare squares of the patch test (mine [0, 80]², image from −10)."""
    bare = np.zeros((h, w), bool)
    for x0, x1, y0, y1 in ((10, 40, 10, 40), (50, 75, 10, 30), (10, 25, 55, 70)):
        bare[90 - y1 : 90 - y0, x0 + 10 : x1 + 10] = True
    return scene(h, w, bare)


def test_hazy_uncalibrated_digital_numbers_still_separate_bare_ground(tmp_path):
    # the patch scene as uint16 DN (×10 000), with a lake (water) and a few bright roofs
    # (0.8 % of the scene); haze adds 500 DN to red and 100 to NIR. No haze is removed: the
    # lake leaves the pools by its spectrum (NIR 200 < 0.7 × red 800), the roofs the soil
    # pool by brightness, and FVC still splits bare from vegetated ground: the same two
    # patches and the same cover as on clean reflectance.
    refl = _patchy_mine_scene(120, 120)
    refl[:, 100:, :] = np.array([0.03, 0.01])[:, None, None]  # a lake along the south edge
    refl[:, 2:6, 100:120] = 0.6  # roofs outside the mine: NDVI 0, the scene's brightest
    dn = np.empty(refl.shape, np.uint16)
    dn[0] = np.round(refl[0] * 10_000 + 500)
    dn[1] = np.round(refl[1] * 10_000 + 100)
    img = write_image(tmp_path / "hazy.tif", dn, x0=-10, y0=90)
    mines = layer([gk_box(0, 0, 80, 80)], mine_id=["M1"])
    hazy = measure(tmp_path, mines, img, settings={"bands": {"red": 1, "nir": 2}})
    row = hazy.loc["M1"]
    assert "uncalibrated digital numbers" in row.notes and "no haze removed" in row.notes
    # end-members: vegetation red 500 + 500, NIR 4 500 + 100; soil red 2 500 + 500, NIR 3 100
    assert row.vi_veg == pytest.approx((4600 - 1000) / (4600 + 1000), abs=1e-4)
    assert row.vi_soil == pytest.approx((3100 - 3000) / (3100 + 3000), abs=1e-4)
    assert row.bare_patches == 2 and row.indicator6_score == 1.0
    assert row.coverage_pct == pytest.approx(100 * (6400 - 900 - 500 - 225) / 6400, abs=1e-4)


def test_end_members_given_or_from_reference_areas(tmp_path):
    img = write_image(tmp_path / "img.tif", _patchy_mine_scene(), x0=-10, y0=90)
    mines = write(layer([gk_box(0, 0, 80, 80)], mine_id=["M1"]), tmp_path / "m.gpkg")
    # reference polygons: the 30 × 30 bare square, and vegetation in the mine's north-east
    areas = write(
        layer(
            [gk_box(12, 12, 38, 38), gk_box(50, 50, 78, 78), gk_box(-5, 85, 0, 88)],
            cover=["soil", "植被", "other"],
        ),
        tmp_path / "areas.gpkg",
    )
    common = ["greening", "--mines", mines, "--id-field", "mine_id", "--image", str(img)]
    common += ["--bands", "red=1,nir=2", "--no-figures"]
    r = greenmine(*common, "--end-member-areas", areas, "--out", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr
    row = pd.read_csv(tmp_path / "a" / "greening.csv").iloc[0]
    assert (row.vi_soil, row.vi_veg) == pytest.approx((NDVI_BARE, NDVI_VEG), abs=1e-6)
    assert row.bare_patches == 2
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text("utf-8"))
    assert manifest["parameters"]["end_members_used"]["source"].startswith("reference areas")
    assert "end_member_areas" in {i["role"] for i in manifest["inputs"]}

    r = greenmine(*common, "--end-members", "0.2,0.9", "--out", str(tmp_path / "g"))
    assert r.returncode == 0, r.stderr
    row = pd.read_csv(tmp_path / "g" / "greening.csv").iloc[0]
    assert (row.vi_soil, row.vi_veg) == (0.2, 0.9)
    # NDVI 0.8 is FVC (0.8 − 0.2) / 0.7 = 0.857 on vegetation, 0 on bare soil
    assert row.fvc_mean == pytest.approx(0.6 / 0.7 * (6400 - 1625) / 6400, abs=1e-5)

    for bad, says in (
        (["--end-members", "0.9,0.2"], "soil value must be below"),
        (["--end-members", "x"], "two numbers"),
        (["--end-member-areas", mines], "no 'cover' field"),
    ):
        r = greenmine(*common, *bad, "--out", str(tmp_path / "bad"))
        assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bad" / "greening.csv").exists()
