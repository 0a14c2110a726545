"""Restoration monitoring and outside-boundary disturbance, on series made in code.

Pixels are reflectance mixtures whose NDVI puts FVC exactly where the test wants it,
with the end-members given (soil NDVI 0.1, vegetation 0.8): FVC f ↔ NDVI 0.1 + 0.7 f,
red + NIR = 0.5. Zones are 200 m squares in GK zone 37 (EPSG:4525) on 10 m pixels,
aligned to the grid, so zone means are exact; the background (the reference) has FVC
0.6 unless a test says otherwise.
"""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
from rasterio.transform import from_origin
from scipy import stats

from greenmine_geo.config import RestorationParams
from greenmine_geo.errors import InputError
from greenmine_geo.imagery.timeseries import SUMMARY_COLUMNS, TIMESERIES_COLUMNS
from greenmine_geo.steps import restoration
from greenmine_geo.steps.skeleton import StepContext

from conftest import E0, N0, gk_box, greenmine, layer, write

SOIL, VEG = 0.1, 0.8
SETTINGS = {"bands": {"red": 1, "nir": 2}, "end_members": (SOIL, VEG)}


def run_restoration(zones, id_field, images, out_dir, settings=SETTINGS, **kw):
    """Run the restoration step on ``images`` ((date, path) pairs) with these parameters."""
    params = RestorationParams(
        zones=zones, id_field=id_field, images=dict(images), **settings, **kw
    )
    return restoration.run(params, StepContext(out_dir))


#: Zones A (recovering), B (stalled), C (not started), as (x0, y0, x1, y1) in metres from (E0, N0).
BOXES = {"A": (100, 100, 300, 300), "B": (600, 100, 800, 300), "C": (1100, 100, 1300, 300)}
EXTENT = (-600, -500, 1900, 900)  # the image: every zone with its 500 m ring


def reflectance(f: np.ndarray) -> np.ndarray:
    """Red and NIR (float32) whose NDVI gives FVC ``f`` with the end-members above."""
    ndvi = SOIL + (VEG - SOIL) * np.asarray(f, dtype=np.float64)
    return np.stack([(0.5 - 0.5 * ndvi) / 2, (0.5 + 0.5 * ndvi) / 2]).astype(np.float32)


def render(path, fvc_at, *, crs="EPSG:4525", pixel=10.0, extent=EXTENT, blue=None, nodata=None):
    """Write an image whose FVC at each pixel centre is ``fvc_at(x, y)`` (GK metres from E0, N0).

    For another CRS the pixel centres are transformed to GK first. ``blue`` adds a third band
    (a function of the same coordinates); ``nodata`` (x, y) → bool marks masked pixels.
    """
    to_gk = pyproj.Transformer.from_crs(crs, "EPSG:4525", always_xy=True)
    from_gk = pyproj.Transformer.from_crs("EPSG:4525", crs, always_xy=True)
    xs, ys = from_gk.transform([E0 + extent[0], E0 + extent[2]], [N0 + extent[1], N0 + extent[3]])
    x0, y1 = np.floor(min(xs) / pixel) * pixel, np.ceil(max(ys) / pixel) * pixel
    w, h = int(np.ceil((max(xs) - x0) / pixel)), int(np.ceil((y1 - min(ys)) / pixel))
    cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    gx, gy = to_gk.transform(x0 + cols * pixel, y1 - rows * pixel)
    gx, gy = np.asarray(gx) - E0, np.asarray(gy) - N0
    data = reflectance(fvc_at(gx, gy))
    if blue is not None:
        data = np.concatenate([data, blue(gx, gy)[None].astype(np.float32)])
    if nodata is not None:
        data[:, nodata(gx, gy)] = -1
    profile = {
        "driver": "GTiff",
        "width": w,
        "height": h,
        "count": data.shape[0],
        "dtype": "float32",
        "crs": crs,
        "transform": from_origin(x0, y1, pixel, pixel),
        "nodata": -1 if nodata is not None else None,
    }
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data)
    return str(path)


def inside(name, x, y):
    x0, y0, x1, y1 = BOXES[name]
    return (x >= x0) & (x < x1) & (y >= y0) & (y < y1)


def scene(a: float, b: float, c: float, background: float = 0.6):
    def fvc_at(x, y):
        f = np.full(x.shape, background)
        for name, value in zip("ABC", (a, b, c), strict=True):
            f[inside(name, x, y)] = value
        return f

    return fvc_at


def zones_file(tmp_path, **extra) -> str:
    zones = layer(
        [gk_box(*BOXES[n]) for n in "ABC"],
        zone_id=["A", "B", "C"],
        zone_type=["排土场", "tailings pond", "露天采场"],
        start_year=[2020, 2020, None],
        target_fvc=[0.6, 0.6, None],
        target_year=[2026, 2026, None],
        **extra,
    )
    return write(zones, tmp_path / "zones.gpkg")


A_SERIES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
B_SERIES = [0.10, 0.12, 0.10, 0.13, 0.11, 0.12]


def yearly_images(tmp_path) -> list[tuple[date, str]]:
    return [
        (date(2020 + i, 7, 15), render(tmp_path / f"y{2020 + i}.tif", scene(a, b, 0.05)))
        for i, (a, b) in enumerate(zip(A_SERIES, B_SERIES, strict=True))
    ]


def test_recovering_stalled_and_unstarted_zones(tmp_path):
    images = yearly_images(tmp_path)
    # a cloudy August 2022: the west half of zone A and its surroundings masked
    cloud = render(
        tmp_path / "cloudy.tif", scene(0.3, 0.1, 0.05), nodata=lambda x, y: (x < 200) & (y < 700)
    )
    images.append((date(2022, 8, 20), cloud))
    out = run_restoration(
        zones_file(tmp_path), "zone_id", images, tmp_path / "o", settings=SETTINGS
    )
    series = pd.read_csv(tmp_path / "o" / "restoration_timeseries.csv", dtype={"zone_id": str})
    summary = pd.read_csv(tmp_path / "o" / "restoration_summary.csv").set_index("zone_id")
    assert (
        list(series.columns) == TIMESERIES_COLUMNS
        and list(summary.reset_index().columns) == SUMMARY_COLUMNS
    )

    a = series[series.zone_id == "A"].set_index("date")
    assert a.loc["2023-07-15", "fvc_mean"] == pytest.approx(0.4, abs=1e-5)
    assert a.loc["2023-07-15", "reference_fvc_mean"] == pytest.approx(0.6, abs=1e-5)
    assert a.loc["2023-07-15", "recovery_ratio"] == pytest.approx(0.4 / 0.6, abs=1e-4)
    assert (
        a.loc["2023-07-15", "vegetated_pct"] == pytest.approx(100)
        and a.loc["2021-07-15", "bare_pct"] == 0
    )
    cloudy = a.loc["2022-08-20"]
    assert cloudy.valid_pct == pytest.approx(50, abs=0.01) and not cloudy.included
    assert "left out" in cloudy.note and cloudy.fvc_mean == pytest.approx(0.3, abs=1e-5)

    # A: 0.1 … 0.6 from 2020, plan 0.6 by 2026 (T = 0.6): trend 0.1/yr, Kendall p of a perfect
    # rise over 6 years = 2/6! = 0.00278; Y2R: first 2 consecutive years ≥ 0.8 × 0.6 = 0.48 are
    # 2024 (0.5) and 2025 → 4 years; k = 5: R80P = 0.6 / 0.48 = 1.25; RRI = (0.6 − 0.1)/(0.6 − 0.1)
    # = 1; planned for 2025: 0.1 + 0.5 × 5/6 = 0.517 ≤ 0.6 → on track; not done (0.5 < 0.6)
    ra = summary.loc["A"]
    assert ra.status == "on_track" and ra.zone_type == "waste_dump"
    assert ra.trend_per_year == pytest.approx(0.1, abs=1e-5)
    assert ra.trend_p == pytest.approx(stats.kendalltau(range(6), range(6)).pvalue, rel=1e-6)
    assert ra.trend_p == pytest.approx(2 / 720, rel=1e-3)
    assert (
        ra.y2r_years == 4
        and ra.r80p == pytest.approx(1.25, abs=1e-4)
        and ra.rri == pytest.approx(1, abs=1e-4)
    )
    assert ra.delta_ir == pytest.approx(0.5, abs=1e-4)
    rb = summary.loc["B"]
    assert rb.status == "lagging" and "planned" in rb.reason and np.isnan(rb.y2r_years)
    assert summary.loc["C", "status"] == "not_started"
    assert out.summary()["dates_left_out"] == 1  # B and C were clear that day
    assert sorted(p.name for p in (tmp_path / "o").glob("*.png")) == [
        "restoration_A.png",
        "restoration_B.png",
        "restoration_C.png",
    ]
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text("utf-8"))
    assert len([i for i in manifest["inputs"] if i["role"] == "image"]) == 7


def test_a_wet_year_lifts_zone_and_reference_together(tmp_path):
    # zone A at half its surroundings every year; 2022 is wet: both 1.5 × higher
    images = [
        (date(y, 7, 1), render(tmp_path / f"{y}.tif", scene(f / 2, 0.3, 0.3, background=f)))
        for y, f in ((2020, 0.5), (2021, 0.5), (2022, 0.75), (2023, 0.5))
    ]
    run_restoration(zones_file(tmp_path), "zone_id", images, tmp_path / "o", settings=SETTINGS)
    series = pd.read_csv(tmp_path / "o" / "restoration_timeseries.csv", dtype={"zone_id": str})
    a = series[series.zone_id == "A"]
    assert a.fvc_mean.tolist() == pytest.approx([0.25, 0.25, 0.375, 0.25], abs=1e-5)
    assert a.recovery_ratio.tolist() == pytest.approx([0.5] * 4, abs=1e-4)


def test_images_in_two_crss_and_resolutions(tmp_path):
    # 2020 and 2022 in GK zone 37 at 10 m; 2021 and 2023 in UTM 49N (same meridian, 111°E) at 20 m
    images = []
    for i, (a, b) in enumerate(zip(A_SERIES[:4], B_SERIES[:4], strict=True)):
        kw = {"crs": "EPSG:32649", "pixel": 20.0} if i % 2 else {}
        images.append(
            (date(2020 + i, 7, 1), render(tmp_path / f"{i}.tif", scene(a, b, 0.05), **kw))
        )
    run_restoration(zones_file(tmp_path), "zone_id", images, tmp_path / "o", settings=SETTINGS)
    series = pd.read_csv(tmp_path / "o" / "restoration_timeseries.csv", dtype={"zone_id": str})
    a = series[series.zone_id == "A"]
    # UTM pixels do not line up with the zone; exact weights keep the mean within 0.02
    assert a.fvc_mean.tolist() == pytest.approx(A_SERIES[:4], abs=0.02)
    assert a.valid_pct.tolist() == pytest.approx([100] * 4)


def test_unmasked_cloud_is_found_with_a_blue_band(tmp_path):
    # a white cloud (red, NIR, blue all 0.6) over the west half of zone A on the last date
    def blue(x, y):
        return np.full(x.shape, 0.05)

    images = [
        (date(2020 + i, 7, 1), render(tmp_path / f"{i}.tif", scene(a, b, 0.05), blue=blue))
        for i, (a, b) in enumerate(zip(A_SERIES[:3], B_SERIES[:3], strict=True))
    ]
    cloudy = tmp_path / "cloud.tif"
    render(cloudy, scene(0.4, 0.1, 0.05), blue=blue)
    with rasterio.open(cloudy, "r+") as ds:
        data = ds.read()
        cols = slice(70, 80)  # x ∈ [100, 200): the west half of A, over all its rows
        data[:, :, cols] = 0.6
        ds.write(data)
    images.append((date(2023, 7, 1), str(cloudy)))
    s = {"bands": {"red": 1, "nir": 2, "blue": 3}, "end_members": (SOIL, VEG)}
    run_restoration(zones_file(tmp_path), "zone_id", images, tmp_path / "o", settings=s)
    series = pd.read_csv(tmp_path / "o" / "restoration_timeseries.csv", dtype={"zone_id": str})
    last = series[(series.zone_id == "A") & (series.date == "2023-07-01")].iloc[0]
    assert last.valid_pct == pytest.approx(50, abs=0.01) and not last.included
    assert last.fvc_mean == pytest.approx(0.4, abs=1e-5)  # the clear half


def test_bare_ground_growing_past_the_boundary(tmp_path):
    # mine [0, 1000] × [0, 400]; from 2022 a 60 m × 60 m bare area 100 m east of it grows
    # to 60 m × 120 m in 2023 (7 200 m²); a pit inside the mine does not count
    def fvc_at(year):
        def f(x, y):
            out = np.full(x.shape, 0.6)
            out[x < -300] = 0.02  # bare land in the west: the scene's soil end-member
            out[(x >= 300) & (x < 500) & (y >= 100) & (y < 300)] = 0.02  # inside the mine
            if year >= 2022:
                out[(x >= 1100) & (x < 1160) & (y >= 100) & (y < 160)] = 0.02
            if year >= 2023:
                out[(x >= 1100) & (x < 1160) & (y >= 160) & (y < 220)] = 0.02
            return out

        return f

    images = [
        (date(y, 7, 1), render(tmp_path / f"{y}.tif", fvc_at(y))) for y in (2020, 2021, 2022, 2023)
    ]
    mines = write(layer([gk_box(0, 0, 1000, 400)], mine_id=["M1"]), tmp_path / "m.gpkg")
    zones = write(
        layer(
            [gk_box(300, 100, 500, 300)], zone_id=["Z"], zone_type=["露天采场"], start_year=[2021]
        ),
        tmp_path / "z.gpkg",
    )
    r = greenmine(
        "restoration", "--zones", zones, "--id-field", "zone_id",
        *[f"--image={d.isoformat()}={p}" for d, p in images],
        "--mines", mines, "--mine-id-field", "mine_id", "--bands", "red=1,nir=2", "--no-charts",
        "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    found = gpd.read_file(tmp_path / "o" / "outside_disturbance.gpkg", layer="outside_disturbance")
    assert len(found) == 1
    patch = found.iloc[0]
    assert patch.area_m2 == pytest.approx(7200, rel=1e-4)
    assert patch.first_seen == "2022-07-01"
    assert patch.distance_m == pytest.approx(100, abs=0.01)
    assert "越界" in patch.finding
    summary = pd.read_csv(tmp_path / "o" / "restoration_summary.csv")
    assert summary.status.tolist() == ["lagging"]  # a bare pit since its start in 2021


def test_bad_input_is_one_line(tmp_path):
    img = render(tmp_path / "a.tif", scene(0.1, 0.1, 0.1))
    zones = zones_file(tmp_path)
    vrt = tmp_path / "b.tif"  # a VRT named .tif: refused before GDAL sees it
    vrt.write_text('<VRTDataset rasterXSize="10"/>')
    common = [
        "restoration",
        "--zones",
        zones,
        "--id-field",
        "zone_id",
        "--out",
        str(tmp_path / "o"),
    ]
    for args, says in (
        (["--image", f"2020-07-01={img}"], "at least two dated images"),
        (["--image", f"July={img}", "--image", f"2021-07-01={img}"], "YYYY-MM-DD=PATH"),
        (
            ["--image", f"2020-07-01={img}", "--image", f"2021-07-01={tmp_path / 'no.tif'}"],
            "does not exist",
        ),
        (
            [
                "--image",
                f"2020-07-01={img}",
                "--image",
                f"2021-07-01={vrt}",
                "--bands",
                "red=1,nir=2",
            ],
            f"{vrt} is refused",
        ),
        (
            [
                "--image",
                f"2020-07-01={img}",
                "--image",
                f"2021-07-01={img}",
                "--zone-type-field",
                "kind",
            ],
            "no field 'kind'",
        ),
    ):
        r = greenmine(*common, *args)
        assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, (
            r.stderr
        )
    assert not (tmp_path / "o" / "restoration_summary.csv").exists()


def test_unknown_zone_type_names_the_accepted_ones(tmp_path):
    img = render(tmp_path / "a.tif", scene(0.1, 0.1, 0.1))
    zones = write(
        layer([gk_box(*BOXES["A"])], zone_id=["A"], zone_type=["garden"], start_year=[2020]),
        tmp_path / "z.gpkg",
    )
    r = greenmine(
        "restoration", "--zones", zones, "--id-field", "zone_id", "--image", f"2020-07-01={img}",
        "--image", f"2021-07-01={img}", "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert r.returncode == 2 and "'garden' is unknown" in r.stderr and "排土场" in r.stderr


def test_a_plan_table_overrides_the_zone_fields(tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text("zone_id,year,target_fvc\nB,2021,0.1\nB,2025,0.12\n", "utf-8")
    run_restoration(
        zones_file(tmp_path), "zone_id", yearly_images(tmp_path), tmp_path / "o",
        plan_table=str(plan), settings=SETTINGS, charts=False,
    )  # fmt: skip
    summary = pd.read_csv(tmp_path / "o" / "restoration_summary.csv").set_index("zone_id")
    # B's modest plan (0.12 by 2025) fits its flat 0.10-0.13 (fitted 2025 within 0.02 of it):
    # on track, not done (2024's 0.11 is below 0.12)
    assert summary.loc["B", "target_fvc"] == 0.12 and summary.loc["B", "status"] == "on_track"
    assert summary.loc["A", "target_source"] == "plan (0.60 by 2026)"  # from its fields
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text("utf-8"))
    assert "plan_table" in {i["role"] for i in manifest["inputs"]}


def test_zone_ids_must_be_given_and_unique(tmp_path):
    images = yearly_images(tmp_path)[:2]
    for ids, says in (
        (["A", "A", "C"], "zone ids A are repeated"),
        (["A", None, "C"], "1 zones with no zone_id"),
    ):
        zones = layer(
            [gk_box(*BOXES[n]) for n in "ABC"],
            zone_id=ids,
            zone_type=["排土场"] * 3,
            start_year=[2020] * 3,
        )
        path = write(zones, tmp_path / "z.gpkg")
        with pytest.raises(InputError, match=says):
            run_restoration(path, "zone_id", images, tmp_path / "o", settings=SETTINGS)


def _outside_patch_scene(new_fvc: float):
    """Mine [0, 1000] × [0, 400]; from 2022 ground 100 m east of it falls to ``new_fvc``."""

    def fvc_at(year):
        def f(x, y):
            out = np.full(x.shape, 0.6)
            out[x < -300] = 0.02  # bare land in the west: the scene's soil end-member
            if year >= 2022:
                out[(x >= 1100) & (x < 1160) & (y >= 100) & (y < 220)] = new_fvc
            return out

        return f

    return fvc_at


def test_bare_fvc_decides_what_counts_as_new_bare_ground(tmp_path):
    # ground east of the mine thinned from FVC 0.6 to 0.3 over 60 m × 120 m: bare below
    # bare_fvc 0.5, not below the default 0.1; settable on the command line and in a pipeline
    fvc_at = _outside_patch_scene(0.3)
    images = {y: render(tmp_path / f"{y}.tif", fvc_at(y)) for y in (2020, 2021, 2022, 2023)}
    mines = write(layer([gk_box(0, 0, 1000, 400)], mine_id=["M1"]), tmp_path / "m.gpkg")
    zones = write(
        layer(
            [gk_box(300, 100, 500, 300)], zone_id=["Z"], zone_type=["露天采场"], start_year=[2021]
        ),
        tmp_path / "z.gpkg",
    )
    common = ["restoration", "--zones", zones, "--id-field", "zone_id", "--no-charts"]
    common += [f"--image={y}-07-01={p}" for y, p in images.items()]
    common += ["--mines", mines, "--mine-id-field", "mine_id", "--bands", "red=1,nir=2"]
    for extra, out, patches in (([], "default", 0), (["--bare-fvc", "0.5"], "lenient", 1)):
        r = greenmine(*common, *extra, "--out", str(tmp_path / out))
        assert r.returncode == 0, r.stderr
        found = gpd.read_file(tmp_path / out / "outside_disturbance.gpkg")
        assert len(found) == patches, out
    assert found.area_m2.iloc[0] == pytest.approx(7200, rel=1e-4)
    pipeline = tmp_path / "p.yaml"
    images_yaml = "".join(f"      {y}-07-01: {p}\n" for y, p in images.items())
    pipeline.write_text(
        f"name: t\nsteps:\n  - step: restoration\n    zones: {zones}\n    id_field: zone_id\n"
        f"    images:\n{images_yaml}    mines: {mines}\n    mine_id_field: mine_id\n"
        "    bands: {red: 1, nir: 2}\n    bare_fvc: 0.5\n    charts: false\n",
        "utf-8",
    )
    r = greenmine("run", str(pipeline), "--out", str(tmp_path / "run"), "--no-progress")
    assert r.returncode == 0, r.stderr
    found = gpd.read_file(tmp_path / "run" / "restoration" / "outside_disturbance.gpkg")
    assert len(found) == 1


def test_a_rerun_that_fails_leaves_no_manifest_behind(tmp_path):
    # a first run completes; a second into the same directory fails while writing its charts
    # (one of them cannot be replaced): its new tables must not sit beside the old manifest
    images = yearly_images(tmp_path)[:3]
    args = ["restoration", "--zones", zones_file(tmp_path), "--id-field", "zone_id"]
    args += [f"--image={d.isoformat()}={p}" for d, p in images]
    args += ["--bands", "red=1,nir=2", "--out", str(tmp_path / "o")]
    assert greenmine(*args).returncode == 0
    assert (tmp_path / "o" / "manifest.json").exists()
    chart = tmp_path / "o" / "restoration_A.png"
    chart.unlink()
    chart.mkdir()  # a directory under the chart's name: the rename over it fails
    r = greenmine(*args)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "o" / "manifest.json").exists()
