"""The restoration demo: a coal mine in Ordos, its restoration zones and six images, 2021-2025.

The mine is written in EPSG:4490 and its zones in 3° GK zone 37 (EPSG:4525);
the images are Sentinel-2-like (10 m, UTM 49N, EPSG:32649) or uncalibrated 4 m
uint8 images (EPSG:4525). Drawn from a random generator of its own, so the other
demo layers do not depend on it.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from affine import Affine
from scipy import ndimage
from shapely.geometry import box

from ..crs import CGCS2000, gk_crs, transformer
from ..io.geotiff import write_geotiff
from .imagery import BANDS, HAZE_DN, smooth_field

__all__ = [
    "RESTORATION_IMAGES",
    "RESTORATION_MINE",
    "RESTORATION_ZONES",
    "restoration_images",
    "restoration_layers",
]

#: The restoration demo: a coal mine in Ordos, its SW corner, and its size (m) in GK zone 37.
RESTORATION_MINE = (
    "C1500002021071130012345",
    "示例煤矿（排土场复垦监测）",
    110.05,
    39.45,
    2400,
    1400,
)
#: Zones in metres from the mine's SW corner: id, type, box, start year, target FVC by 2026,
#: and the FVC each year 2021-2025 (recovering, stalled, not started).
RESTORATION_ZONES = [
    ("DZ-1", "排土场", (200, 200, 800, 800), 2021, 0.45, (0.08, 0.16, 0.24, 0.32, 0.40)),
    ("WK-1", "尾矿库", (1000, 200, 1500, 700), 2021, 0.45, (0.06, 0.07, 0.08, 0.07, 0.09)),
    ("CC-1", "露天采场", (1700, 300, 2200, 1100), 2027, None, (0.02,) * 5),
]
#: Images of the series: date, sensor kind, CRS; 2023 is a wet year; 2025-06-12 has a white
#: cloud over the tailings pond (found by the blue-band test), 2025-08-20 is clear.
RESTORATION_IMAGES = [
    ("2021-07-16", "s2", "EPSG:32649"),
    ("2022-07-21", "dn", "EPSG:4525"),
    ("2023-07-11", "s2", "EPSG:32649"),
    ("2024-07-25", "dn", "EPSG:4525"),
    ("2025-06-12", "s2", "EPSG:32649"),
    ("2025-08-20", "s2", "EPSG:32649"),
]


def _cover(x: np.ndarray, y: np.ndarray, year: int, texture: np.ndarray) -> np.ndarray:
    """FVC at GK metres (x, y) from the mine's SW corner in ``year`` (see RESTORATION_ZONES)."""
    *_, width, height = RESTORATION_MINE
    f = 0.35 + 0.2 * texture  # steppe around the mine
    f[(x < -150) & (y >= 700)] = 0.02  # a dry sandy riverbed: the scene's bare soil
    f[(x < -150) & (y < 700)] = 0.92  # irrigated fields: the scene's full vegetation
    in_mine = (x >= 0) & (x < width) & (y >= 0) & (y < height)
    f[in_mine] = 0.25 + 0.1 * texture[in_mine]
    for _, _, (x0, y0, x1, y1), _, _, series in RESTORATION_ZONES:
        f[(x >= x0) & (x < x1) & (y >= y0) & (y < y1)] = series[year - 2021]
    if year >= 2023:  # bare ground spreading east, 100 m past the boundary
        top = 600 if year == 2023 else 700
        f[(x >= width + 100) & (x < width + 250) & (y >= 400) & (y < top)] = 0.03
    if year == 2023:  # a wet year: everything green is greener
        f = np.where(f > 0.05, np.minimum(f * 1.3, 1.0), f)
    return f


def _image(
    day: str,
    kind: str,
    crs: str,
    corner: tuple[float, float],
    texture_rng: np.random.Generator,
    path: Path,
) -> Path:
    """One image of the series: Sentinel-2-like (10 m, uint16 L2A with the +1000 offset) or an
    uncalibrated 4 m uint8 image with haze; bands blue, green, red, NIR."""
    *_, width, height = RESTORATION_MINE
    pixel = 10.0 if kind == "s2" else 4.0
    gk = gk_crs(37)
    to_img = transformer(gk, crs)
    to_gk = transformer(crs, gk)
    pad = 700.0
    xs, ys = to_img.transform(
        [corner[0] - pad, corner[0] + width + pad], [corner[1] - pad, corner[1] + height + pad]
    )
    x0, y1 = np.floor(min(xs) / pixel) * pixel, np.ceil(max(ys) / pixel) * pixel
    w, h = int(np.ceil((max(xs) - x0) / pixel)), int(np.ceil((y1 - min(ys)) / pixel))
    cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    gx, gy = to_gk.transform(x0 + cols * pixel, y1 - rows * pixel)
    gx, gy = np.asarray(gx) - corner[0], np.asarray(gy) - corner[1]
    texture = ndimage.map_coordinates(
        smooth_field(texture_rng, (64, 64), 8),
        [(gy + pad) / 80, (gx + pad) / 80],
        order=1,
        mode="nearest",
    )
    f = _cover(gx, gy, int(day[:4]), texture)[None]
    veg = np.array([0.03, 0.06, 0.04, 0.40])[:, None, None]
    soil = np.array([0.10, 0.14, 0.18, 0.24])[:, None, None]
    rho = f * veg + (1 - f) * soil
    tags = {"ACQUISITIONDATETIME": f"{day}T03:20:00Z", "SOURCE": "synthetic demo"}
    if day == "2025-06-12":
        cloud = (gx - 1250) ** 2 / 500**2 + (gy - 450) ** 2 / 350**2 < 1
        rho[:, cloud] = 0.55
    if kind == "s2":
        data = np.round(rho * 10_000 + 1000).astype("uint16")
        tags |= {"SPACECRAFT_NAME": "Sentinel-2B (synthetic)", "BOA_ADD_OFFSET_B4": "-1000"}
    else:
        data = np.clip(np.round(rho * 400 + HAZE_DN), 1, 254).astype("uint8")
    return write_geotiff(
        path,
        data,
        transform=Affine(pixel, 0, x0, 0, -pixel, y1),
        crs=crs,
        descriptions=BANDS,
        tags=tags,
    )


def _corner() -> tuple[float, float]:
    """The mine's SW corner in 3° GK zone 37 (EPSG:4525), metres (east, north)."""
    _, _, lon, lat, *_ = RESTORATION_MINE
    east, north = transformer(CGCS2000, gk_crs(37)).transform(lon, lat)
    return east, north


def restoration_layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The mine (EPSG:4490; ``mine_id``, ``name``) and its RESTORATION_ZONES (EPSG:4525;
    ``zone_id``, ``zone_type``, ``start_year``, ``target_fvc``, ``target_year``, ``mine_id``)."""
    mine_id, name, _, _, width, height = RESTORATION_MINE
    gk = gk_crs(37)
    corner = _corner()
    mine = gpd.GeoDataFrame(
        {"mine_id": [mine_id], "name": [name]},
        geometry=[box(corner[0], corner[1], corner[0] + width, corner[1] + height)],
        crs=gk,
    ).to_crs(CGCS2000)
    zones = gpd.GeoDataFrame(
        {
            "zone_id": [z[0] for z in RESTORATION_ZONES],
            "zone_type": [z[1] for z in RESTORATION_ZONES],
            "start_year": [z[3] for z in RESTORATION_ZONES],
            "target_fvc": [z[4] for z in RESTORATION_ZONES],
            "target_year": [2026 if z[4] else None for z in RESTORATION_ZONES],
            "mine_id": mine_id,
        },
        geometry=[
            box(corner[0] + x0, corner[1] + y0, corner[0] + x1, corner[1] + y1)
            for _, _, (x0, y0, x1, y1), *_ in RESTORATION_ZONES
        ],
        crs=gk,
    )
    return mine, zones


def restoration_images(rng: np.random.Generator, folder: Path) -> list[Path]:
    """Write the RESTORATION_IMAGES into ``folder`` as ``restoration_<day>.tif``.

    One draw from ``rng`` seeds the land texture, the same under every image.
    """
    corner = _corner()
    land = int(rng.integers(2**32))
    return [
        _image(
            day, kind, crs, corner, np.random.default_rng(land), folder / f"restoration_{day}.tif"
        )
        for day, kind, crs in RESTORATION_IMAGES
    ]
