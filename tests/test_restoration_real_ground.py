"""Restoration and 越界 end to end on real-ground spectra, end-members from the scene.

The mine of the issue that broke the old end-members: a coal mine in steppe whose bare
ground is coal-dark (NIR below half the scene's median), with a lake, and five yearly
images whose end-members the tool chooses itself. Pixels are pure surfaces of
``scenes.SURFACES`` with 2 % band noise; a zone's true FVC is its share of grass pixels.
GK zone 37 (EPSG:4525) metres from (E0, N0), 4 m pixels.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from rasterio.transform import from_origin
from scipy import stats

from greenmine_geo.config import RestorationParams
from greenmine_geo.steps import restoration
from greenmine_geo.steps.skeleton import StepContext

from conftest import E0, N0, gk_box, layer, write
from scenes import paint, write_scene

PIXEL = 4.0
X0, Y0, X1, Y1 = -200, -200, 1000, 500  # the image
ZONES = {"A": (0, 0, 200, 200), "B": (300, 0, 500, 200)}
MINE = (600, 0, 800, 300)
NEW_BARE = (900, 100, 940, 160)  # 40 m × 60 m of coal ground, 100 m east of the mine
YEARS = [2021, 2022, 2023, 2024, 2025]
A_COVER = [0.10, 0.25, 0.40, 0.55, 0.70]  # recovering linearly: 0.15 a year
B_COVER = 0.10  # stalled


def _centres() -> tuple[np.ndarray, np.ndarray]:
    cols, rows = np.meshgrid(np.arange((X1 - X0) / PIXEL) + 0.5, np.arange((Y1 - Y0) / PIXEL) + 0.5)
    return X0 + cols * PIXEL, Y1 - rows * PIXEL


def _in(box: tuple[float, float, float, float], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x >= box[0]) & (x < box[2]) & (y >= box[1]) & (y < box[3])


def _image(path, year: int, a_cover: float, *, background: float = 1.0, crs="EPSG:4525"):
    """The year's image: steppe (``background`` its grass share, the rest loess), a coal
    yard in the west, a lake, the coal pit of the mine, zones A and B at their cover."""
    rng = np.random.default_rng(year)
    x, y = _centres()
    grid = np.where(rng.random(x.shape) < background, "grass", "loess").astype(object)
    grid[x < -100] = "coal"
    grid[_in((0, 300, 200, 500), x, y)] = "lake"
    grid[_in(MINE, x, y)] = "coal"
    for name, cover in (("A", a_cover), ("B", B_COVER)):
        zone = _in(ZONES[name], x, y)
        grid[zone] = np.where(rng.random(int(zone.sum())) < cover, "grass", "coal")
    if year >= 2023:
        grid[_in(NEW_BARE, x, y)] = "coal"
    transform = from_origin(E0 + X0, N0 + Y1, PIXEL, PIXEL)
    return str(write_scene(path, paint(grid, year), transform=transform, crs=crs))


def _zones(tmp_path) -> str:
    zones = layer(
        [gk_box(*ZONES[n]) for n in "AB"],
        zone_id=["A", "B"],
        zone_type=["排土场", "排土场"],
        start_year=[2021, 2021],
        target_fvc=[0.6, 0.6],
        target_year=[2025, 2025],
    )
    return write(zones, tmp_path / "zones.gpkg")


def _run(tmp_path, images, **kw):
    params = RestorationParams(
        zones=_zones(tmp_path),
        id_field="zone_id",
        images=dict(images),
        bands={"red": 3, "nir": 4},
        reference_ring_m=60,
        **kw,
    )
    out = tmp_path / "o"
    restoration.run(params, StepContext(out))
    series = pd.read_csv(out / "restoration_timeseries.csv", dtype={"zone_id": str})
    summary = pd.read_csv(out / "restoration_summary.csv", dtype={"zone_id": str})
    return series, summary.set_index("zone_id"), out


def test_the_bare_ground_is_darker_than_half_the_median_nir(tmp_path):
    import rasterio

    with rasterio.open(_image(tmp_path / "y.tif", 2021, 0.1)) as ds:
        nir = ds.read(4)
    x, y = _centres()
    assert (nir[_in(ZONES["B"], x, y)] < 0.5 * np.median(nir)).mean() > 0.85


def test_recovering_and_stalled_zones_and_new_bare_ground_on_dark_ground(tmp_path):
    images = [
        (date(y, 7, 15), _image(tmp_path / f"{y}.tif", y, f))
        for y, f in zip(YEARS, A_COVER, strict=True)
    ]
    # the 2024 scene again, as delivered in EPSG:4490 at about 1.5 m, a month later
    geographic = _image(tmp_path / "geo.tif", 2024, A_COVER[3], crs="EPSG:4490")
    images.append((date(2024, 8, 15), geographic))
    mines = write(layer([gk_box(*MINE)], mine_id=["M1"]), tmp_path / "mine.gpkg")
    series, summary, out = _run(tmp_path, images, mines=mines, mine_id_field="mine_id")

    a = series[series.zone_id == "A"].set_index("date")
    measured = a.loc[[f"{y}-07-15" for y in YEARS], "fvc_mean"].to_numpy()
    assert measured == pytest.approx(A_COVER, abs=0.04)
    assert a.loc["2024-08-15", "fvc_mean"] == pytest.approx(
        a.loc["2024-07-15", "fvc_mean"], abs=0.02
    )
    b = series[series.zone_id == "B"]
    assert b.fvc_mean.to_numpy() == pytest.approx(B_COVER, abs=0.04)
    assert series.valid_pct.min() > 99.9 and series.included.all()

    # A by hand: the yearly values are the measured ones (2024: the median of two dates);
    # Theil-Sen slope ≈ 0.15 a year, Kendall's p of a perfect rise over 5 years = 2/5! = 1/60
    yearly = a.groupby(a.index.str[:4]).fvc_mean.median().to_numpy()
    slope = stats.theilslopes(yearly, YEARS).slope
    ra = summary.loc["A"]
    assert ra.trend_per_year == pytest.approx(slope, abs=1e-6) == pytest.approx(0.15, abs=0.015)
    assert ra.trend_p == pytest.approx(1 / 60, rel=1e-3)
    assert ra.status == "on_track", ra.reason  # fitted 2025 ≈ 0.7 ≥ planned 0.6
    rb = summary.loc["B"]
    assert rb.status == "lagging" and abs(rb.trend_per_year) < 0.02

    found = gpd.read_file(out / "outside_disturbance.gpkg", layer="outside_disturbance")
    assert len(found) == 1, found
    patch = found.iloc[0]
    assert patch.area_m2 == pytest.approx(40 * 60, rel=0.02)
    assert patch.first_seen == "2023-07-15" and patch.distance_m == pytest.approx(100, abs=PIXEL)


def test_a_wet_year_leaves_the_recovery_ratio_steady(tmp_path):
    # zone A at half its surroundings' grass share every year; 2023 is wet: both 1.5 × higher
    images = [
        (date(y, 7, 1), _image(tmp_path / f"{y}.tif", y, share / 2, background=share))
        for y, share in ((2021, 0.5), (2022, 0.5), (2023, 0.75), (2024, 0.5))
    ]
    series, _, _ = _run(tmp_path, images)
    a = series[series.zone_id == "A"]
    assert a.fvc_mean.to_numpy() == pytest.approx([0.25, 0.25, 0.375, 0.25], abs=0.04)
    assert a.recovery_ratio.to_numpy() == pytest.approx([0.5] * 4, abs=0.06)


def test_zones_and_bands_beyond_one_read_are_measured_in_strips(tmp_path, monkeypatch):
    # the reader's window limit lowered to 48 KiB (a dozen image rows): every zone, ring
    # and 越界 band is read in strips, with the answers of one grid
    import dataclasses

    from greenmine_geo.crs import EQUAL_AREA
    from greenmine_geo.io import untrusted

    images = [
        (date(y, 7, 15), _image(tmp_path / f"{y}.tif", y, f))
        for y, f in zip(YEARS[:3], A_COVER[:3], strict=True)
    ]
    images.append((date(2023, 8, 15), _image(tmp_path / "geo.tif", 2023, 0.4, crs="EPSG:4490")))
    mines = write(layer([gk_box(*MINE)], mine_id=["M1"]), tmp_path / "mine.gpkg")
    (tmp_path / "one").mkdir(), (tmp_path / "strips").mkdir()
    want, want_summary, want_out = _run(
        tmp_path / "one", images, mines=mines, mine_id_field="mine_id"
    )

    @dataclasses.dataclass(frozen=True)
    class Small(untrusted.Limits):
        window_bytes: int = 48 * 2**10

    monkeypatch.setattr(untrusted, "Limits", Small)
    got, got_summary, got_out = _run(
        tmp_path / "strips", images, mines=mines, mine_id_field="mine_id"
    )
    pd.testing.assert_frame_equal(got, want, rtol=1e-9)
    pd.testing.assert_frame_equal(got_summary, want_summary, rtol=1e-9)
    layers = [
        gpd.read_file(o / "outside_disturbance.gpkg", layer="outside_disturbance")
        for o in (got_out, want_out)
    ]
    assert len(layers[1]) == 1 and layers[0].is_valid.all()
    pd.testing.assert_frame_equal(
        layers[0].drop(columns="geometry"), layers[1].drop(columns="geometry")
    )
    assert (
        layers[0].symmetric_difference(layers[1], align=False).to_crs(EQUAL_AREA).area.max() < 1e-3
    )
