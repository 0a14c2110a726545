"""Speed and memory of the restoration step: 10 yearly 2 000 × 2 000 images, 50 zones, 5 mines.

The images (two bands, red and NIR, uint16, 10 m, GK zone 37) are generated once into
``benchmarks/.work``: steppe whose cover varies over ~160 m, ten mines' worth of zones
recovering at different rates, and bare ground spreading outside two mines. The full
step runs: calibration of each image, exact zone and ring statistics per zone and
date, metrics and plan status, the 越界 search around the mines, a chart per zone, CSV,
GeoPackage and manifest. Target (issue 5): under a minute on this machine. Peak memory
is printed.

Run: ``python benchmarks/restoration_bench.py``.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from greenmine_geo.config import RestorationParams
from greenmine_geo.io.gdal import rasterio  # GDAL hardened before rasterio loads
from greenmine_geo.steps import restoration
from greenmine_geo.steps.skeleton import StepContext

from greening_bench import _smooth
from prerequisite_bench import measure

SIDE, PIXEL, YEARS, E0, N0 = 2000, 10.0, tuple(range(2016, 2026)), 37_490_000.0, 4_450_000.0
N_MINES, ZONES_PER_MINE = 5, 10


def _layout(n_mines: int = N_MINES, side_px: int = SIDE) -> tuple[list, list]:
    """Mines (1.6 × 1.6 km) on a diagonal and their zones (a 5 × 2 grid of 200 × 300 m)."""
    mines, zones = [], []
    step = side_px * PIXEL / (n_mines + 1)
    for m in range(n_mines):
        x0 = y0 = step * (m + 0.5)
        mines.append(box(E0 + x0, N0 + y0, E0 + x0 + 1600, N0 + y0 + 1600))
        for k in range(ZONES_PER_MINE):
            zx, zy = x0 + 100 + (k % 5) * 290, y0 + 200 + (k // 5) * 600
            zones.append(box(E0 + zx, N0 + zy, E0 + zx + 200, N0 + zy + 300))
    return mines, zones


def write_series(folder: Path, side: int = SIDE, n_mines: int = N_MINES) -> list[tuple[date, str]]:
    """Yearly images; zone k of each mine recovers at k/10 of full speed from 2018."""
    from rasterio.features import rasterize
    from rasterio.transform import from_origin

    folder.mkdir(parents=True, exist_ok=True)
    mines, zones = _layout(n_mines, side)
    transform = from_origin(E0, N0 + side * PIXEL, PIXEL, PIXEL)
    cover = 0.3 + 0.4 * _smooth(np.random.default_rng(7), (side, side))
    zone_ids = rasterize(
        [(z, i + 1) for i, z in enumerate(zones)], (side, side), transform=transform, dtype="int32"
    )
    in_mine = rasterize([(m, 1) for m in mines], (side, side), transform=transform) > 0
    out = []
    for year in YEARS:
        path = folder / f"restoration_{year}.tif"
        out.append((date(year, 7, 15), str(path)))
        if path.exists():
            continue
        f = cover.copy()
        f[in_mine] = 0.2
        speed = ((np.arange(len(zones)) % ZONES_PER_MINE) / ZONES_PER_MINE)[zone_ids - 1]
        f[zone_ids > 0] = np.clip(0.03 + 0.1 * speed * max(year - 2018, 0), 0, 0.9)[zone_ids > 0]
        if year >= 2021:  # bare ground spreading outside the first two mines
            for m in mines[:2]:
                x1, y1 = m.bounds[2], m.bounds[1]
                grow = 60 + 40 * (year - 2021)
                c0, r1 = int((x1 - E0) / PIXEL) + 10, int((N0 + side * PIXEL - y1) / PIXEL)
                f[r1 - grow // 4 : r1, c0 : c0 + grow // 3] = 0.02
        red = 1200 - 800 * f
        nir = 2000 + 1800 * f
        profile = {
            "driver": "GTiff", "width": side, "height": side, "count": 2, "dtype": "uint16",
            "crs": "EPSG:4525", "transform": transform, "tiled": True, "blockxsize": 512,
            "blockysize": 512, "compress": "deflate", "predictor": 2,
        }  # fmt: skip
        with rasterio.open(path, "w", **profile) as ds:
            ds.write(np.stack([red, nir]).clip(1, 10_000).astype("uint16"))
    return out


def write_layers(folder: Path, n_mines: int = N_MINES, side: int = SIDE) -> tuple[str, str]:
    mines, zones = _layout(n_mines, side)
    z = gpd.GeoDataFrame(
        {
            "zone_id": [f"Z{i:02d}" for i in range(len(zones))],
            "zone_type": ["排土场", "尾矿库", "露天采场", "塌陷区", "废石场"] * (len(zones) // 5),
            "start_year": 2018,
            "target_fvc": 0.5,
            "target_year": 2026,
        },
        geometry=zones,
        crs="EPSG:4525",
    )
    m = gpd.GeoDataFrame(
        {"mine_id": [f"M{i}" for i in range(len(mines))]}, geometry=mines, crs="EPSG:4525"
    )
    zp, mp = folder / "zones.gpkg", folder / "mines.gpkg"
    z.to_file(zp)
    m.to_file(mp)
    return str(zp), str(mp)


def restoration_params(
    images: list[tuple[date, str]], zones: str, mines: str, **extra: object
) -> RestorationParams:
    """Restoration of the benchmark's zones over ``images``, with the 越界 search around ``mines``."""
    return RestorationParams(
        zones=zones,
        id_field="zone_id",
        images=dict(images),
        mines=mines,
        mine_id_field="mine_id",
        bands={"red": 1, "nir": 2},
        **extra,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / ".work")
    args = parser.parse_args()
    images = write_series(args.work / "restoration")
    zones, mines = write_layers(args.work / "restoration")
    params = restoration_params(images, zones, mines)
    with tempfile.TemporaryDirectory() as tmp:
        seconds, peak, outcome = measure(lambda: restoration.run(params, StepContext(Path(tmp))))
    print(
        f"{len(images)} images of {SIDE} × {SIDE} × 2 uint16; {N_MINES * ZONES_PER_MINE} zones; {N_MINES} mines"
    )
    print(f"restoration step: {seconds:.1f} s, peak {peak:.0f} MiB; {outcome.summary()}")
    print(f"target: under 60 s — {'met' if seconds < 60 else 'NOT met'}")
    raise SystemExit(0 if seconds < 60 else 1)


if __name__ == "__main__":
    main()
