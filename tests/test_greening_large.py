"""Large mines at high resolution: measured in strips, in bounded memory, with the same answers.

Indicator 6 needs ≤ 2 m imagery; a 1 m image of a 20 km² open pit and its 500 m
reference ring is a 5 500² grid, far beyond one bounded read. Answers are computed by
hand as in test_greening (vegetation FVC 1, bare soil FVC 0, 1 m pixels in GK zone 37
near its central meridian, where a pixel's ellipsoidal area is 1 m² to 10⁻⁶).
"""

from __future__ import annotations

import tracemalloc

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import affinity

from greenmine_geo.config import GreeningParams
from greenmine_geo.config.settings import FvcSettings
from greenmine_geo.crs import EQUAL_AREA
from greenmine_geo.imagery import zone_fvc
from greenmine_geo.io.untrusted import open_untrusted
from greenmine_geo.steps import greening
from greenmine_geo.steps.skeleton import StepContext

from conftest import gk_box, layer, write
from rasters import oriented, write_image

NDVI_VEG, NDVI_BARE = 4000 / 5000, 500 / 5500
VEG, BARE = (500, 4500), (2500, 3000)  # red, NIR digital numbers with those NDVIs
SETTINGS = {"bands": {"red": 1, "nir": 2}, "end_members": (NDVI_BARE, NDVI_VEG)}


def dn_scene(bare: np.ndarray) -> np.ndarray:
    data = np.empty((2, *bare.shape), np.uint16)
    data[0], data[1] = VEG
    data[0][bare], data[1][bare] = BARE
    return data


def run(tmp_path, name, mines, image, **kw) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    path = write(mines, tmp_path / f"{name}.gpkg")
    params = GreeningParams(mines=[path], id_field="mine_id", image=str(image), **SETTINGS, **kw)
    table = greening.run(params, StepContext(tmp_path / name)).table.set_index("mine_id")
    return table, gpd.read_file(tmp_path / name / "greening.gpkg", layer="bare_patches")


def test_a_20_km2_pit_at_1_m_in_bounded_memory(tmp_path):
    # image x, y ∈ [-600, 5100) at 1 m; the mine [0.5, 4500.5] × [0, 4500] (20.25 km²,
    # partial pixels on two sides) and its 500 m ring span a 5 501² grid (121 MiB of DN)
    side, x0, y0 = 5700, -600.0, 5100.0
    mine = layer([gk_box(0.5, 0, 4500.5, 4500)], mine_id=["PIT"])
    bare = np.zeros((side, side), bool)
    bare[3800:4600, 1600:2200] = True  # 600 m × 800 m, across several strips
    rows, cols = np.mgrid[0:side, 0:side]
    disc = (rows - 2100) ** 2 + (cols - 3600) ** 2 <= 300**2
    bare |= disc
    # two 300 m² blocks meeting only at a corner, across a strip border: one 600 m² patch
    path = write_image(tmp_path / "pit.tif", dn_scene(bare), x0=x0, y0=y0)
    with open_untrusted(path) as raster:  # where the step's strips will meet
        ring = gk_box(-500, -500, 5000.5, 5000)
        strips = zone_fvc.FvcStrips(raster, None, [ring], FvcSettings(**SETTINGS))  # type: ignore[arg-type]
        border = int(strips.window.row_off) + 10 * strips.rows  # first image row of strip 11
    assert strips.shape[0] > 20 * strips.rows  # the grid is read in many strips
    assert 600 + 20 < border < 5100 - 20  # and the border is inside the mine
    bare[border - 20 : border, 3000:3015] = True
    bare[border : border + 20, 3015:3030] = True
    path = write_image(tmp_path / "pit.tif", dn_scene(bare), x0=x0, y0=y0)
    del bare, rows, cols

    tracemalloc.start()
    table, patches = run(tmp_path, "pit", mine, path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    grid_px = strips.shape[0] * strips.shape[1]
    # one grid at a time needs > 36 bytes a pixel for its weights alone
    assert peak < 4 * grid_px  # under 4 bytes a grid pixel (121 MB) for everything
    disc_m2 = float(disc.sum())
    bare_m2 = 480_000 + disc_m2 + 600
    row = table.loc["PIT"]
    assert row.greenable_area_m2 == pytest.approx(4500 * 4500, rel=1e-6)
    assert row.coverage_pct == pytest.approx(100 * (1 - bare_m2 / 4500**2), rel=1e-6)
    assert row.fvc_mean == pytest.approx(1 - bare_m2 / 4500**2, rel=1e-6)
    assert row.reference_fvc_mean == pytest.approx(1.0, abs=1e-6)  # FVC is float32
    assert row.bare_patches == 3
    assert patches.area_m2.tolist() == pytest.approx([480_000, disc_m2, 600], rel=1e-6)
    equal_area = patches.geometry.to_crs(EQUAL_AREA).area
    assert patches.area_m2.tolist() == pytest.approx(equal_area.tolist(), rel=1e-4)
    # pieces of one patch from adjacent strips join without seams; the corner pair is two
    assert shapely.get_num_geometries(patches.geometry.values).tolist() == [1, 1, 2]
    assert shapely.get_num_interior_rings(
        shapely.get_geometry(patches.geometry.values, 0)
    ).tolist() == [0, 0, 0]


def test_strips_give_the_answers_of_one_grid(tmp_path, monkeypatch):
    # blobs of bare ground and an oblique mine (partial pixels all round), measured in one
    # grid and in 7-row strips: the same table and the same patch polygons
    rng = np.random.default_rng(7)
    from scipy import ndimage

    bare = ndimage.uniform_filter(rng.random((260, 260)), 9) > 0.53
    path = write_image(tmp_path / "img.tif", dn_scene(bare), x0=-30, y0=230)
    mine = affinity.rotate(gk_box(20, 20, 180, 180), 23, origin="centroid")
    mines = layer([mine], mine_id=["M1"])
    whole, whole_patches = run(tmp_path, "whole", mines, path, reference_ring_m=20, min_patch_m2=30)
    monkeypatch.setattr(zone_fvc, "STRIP_PIXELS", 7 * 262)
    strips, strip_patches = run(
        tmp_path, "strips", mines, path, reference_ring_m=20, min_patch_m2=30
    )
    assert whole.loc["M1", "bare_patches"] >= 5
    cols = ["coverage_pct", "fvc_mean", "reference_fvc_mean", "vegetated_area_m2"]
    assert strips[cols].to_numpy() == pytest.approx(whole[cols].to_numpy(), rel=1e-9)
    assert strips.loc["M1", "bare_patches"] == whole.loc["M1", "bare_patches"]
    assert strip_patches.area_m2.tolist() == pytest.approx(whole_patches.area_m2.tolist())
    assert strip_patches.fvc_mean.tolist() == pytest.approx(whole_patches.fvc_mean.tolist())
    a, b = (p.geometry.to_crs(EQUAL_AREA) for p in (strip_patches, whole_patches))
    assert a.symmetric_difference(b, align=False).area.max() < 1e-3  # m²


def test_mines_measured_on_every_core_give_the_answers_of_one(tmp_path, monkeypatch):
    from greenmine_geo.imagery import greening as measuring

    rng = np.random.default_rng(3)
    from scipy import ndimage

    bare = ndimage.uniform_filter(rng.random((400, 400)), 9) > 0.53
    path = write_image(tmp_path / "img.tif", dn_scene(bare), x0=-50, y0=350)
    boxes = [gk_box(x, y, x + 60, y + 50) for x in range(0, 300, 75) for y in range(0, 300, 70)]
    mines = layer(boxes, mine_id=[f"M{i:02d}" for i in range(len(boxes))])
    kw = {"reference_ring_m": 20, "min_patch_m2": 30}
    monkeypatch.setattr(measuring, "workers", lambda: 1)
    one, one_patches = run(tmp_path, "one", mines, path, **kw)
    monkeypatch.setattr(measuring, "workers", lambda: 3)
    monkeypatch.setattr(measuring, "PARALLEL_PIXELS", 0)
    many, many_patches = run(tmp_path, "many", mines, path, **kw)
    pd.testing.assert_frame_equal(one, many)
    pd.testing.assert_frame_equal(one_patches, many_patches)
    pngs = sorted(p.name for p in (tmp_path / "many").glob("*.png"))
    assert pngs == sorted(p.name for p in (tmp_path / "one").glob("*.png")) and len(pngs) == len(
        boxes
    )
    for name in pngs:  # the same pictures, whichever thread drew them
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "many" / name).read_bytes()


@pytest.mark.parametrize("how", ["south-up", "east-to-west", "rotated-90"])
def test_any_affine_grid_gives_the_answers_of_north_up(tmp_path, monkeypatch, how):
    # the same ground on a grid stored another way round: the same table, the same valid
    # patch polygons, in one grid and in strips
    from scipy import ndimage

    bare = ndimage.uniform_filter(np.random.default_rng(11).random((260, 240)), 9) > 0.53
    north_up = dn_scene(bare)
    write_image(tmp_path / "north.tif", north_up, x0=-30, y0=230)
    data, transform = oriented(north_up, -30, 230, how)
    write_image(tmp_path / "other.tif", data, transform=transform)
    mine = affinity.rotate(gk_box(20, 20, 180, 180), 23, origin="centroid")
    mines = layer([mine], mine_id=["M1"])
    kw = {"reference_ring_m": 20, "min_patch_m2": 30}
    want, want_patches = run(tmp_path, "north", mines, tmp_path / "north.tif", **kw)
    got, got_patches = run(tmp_path, "other", mines, tmp_path / "other.tif", **kw)
    monkeypatch.setattr(zone_fvc, "STRIP_PIXELS", 7 * 262)
    strips, strip_patches = run(tmp_path, "strips", mines, tmp_path / "other.tif", **kw)
    assert want.loc["M1", "bare_patches"] >= 5
    cols = ["greenable_area_m2", "coverage_pct", "fvc_mean", "reference_fvc_mean", "bare_patches"]
    for table, patches in ((got, got_patches), (strips, strip_patches)):
        assert table[cols].to_numpy() == pytest.approx(want[cols].to_numpy(), rel=1e-9)
        assert patches.area_m2.tolist() == pytest.approx(want_patches.area_m2.tolist())
        assert patches.is_valid.all()
        a, b = (p.geometry.to_crs(EQUAL_AREA) for p in (patches, want_patches))
        assert a.symmetric_difference(b, align=False).area.max() < 1e-3  # m²


@pytest.mark.parametrize("how", ["north-up", "south-up"])
def test_mines_are_visited_from_the_top_of_the_image_down(tmp_path, monkeypatch, how):
    # neighbouring windows one after the other share GDAL's block cache
    from greenmine_geo.imagery import greening as measuring

    data = dn_scene(np.zeros((400, 100), bool))
    if how == "north-up":
        write_image(tmp_path / "img.tif", data, x0=-20, y0=380)
    else:
        flipped, transform = oriented(data, -20, 380, how)
        write_image(tmp_path / "img.tif", flipped, transform=transform)
    ys = [200, 0, 300, 100]  # mines in an order unlike the image's
    mines = layer([gk_box(0, y, 50, y + 50) for y in ys], mine_id=[f"Y{y}" for y in ys])
    seen = []
    measure = measuring.measure_mine
    monkeypatch.setattr(
        measuring,
        "measure_mine",
        lambda raster, scene, mine_id, *a: (
            seen.append(mine_id) or measure(raster, scene, mine_id, *a)
        ),
    )
    table, _ = run(tmp_path, "order", mines, tmp_path / "img.tif", reference_ring_m=10)
    assert table.index.tolist() == ["Y200", "Y0", "Y300", "Y100"]  # the results in input order
    top_first = ["Y300", "Y200", "Y100", "Y0"]
    assert seen == (top_first if how == "north-up" else top_first[::-1])
