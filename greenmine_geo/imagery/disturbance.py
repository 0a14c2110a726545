"""Bare ground that appears around a mine's licensed boundary: suspected 越界开采.

Annex 2 of the green-mine rules removes a mine that mines beyond its licensed
boundary. From a time series, ground in a band around the boundary (default
500 m, minus other mines and known non-greenable land) that was not bare on the
first usable date and is bare from some date on, through the last, is new
disturbance. Connected groups of at least a minimum area become polygons with
their area, the first date from which they stay bare, and their distance from
the boundary. They are leads for field verification, never proof of a violation.

All dates are brought onto one grid per mine (the finest image's pixel grid,
nearest-neighbour), since the images may differ in CRS and resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from affine import Affine

from ..config.settings import RestorationSettings
from ..crs import EQUAL_AREA, geodesic_distance_m
from ..io.gdal import Resampling, reproject
from ..io.untrusted import UntrustedRaster
from .patches import find_patches
from .zonal import coverage_fraction
from .zone_fvc import Scene, fvc_grid, reproject_geoms

__all__ = [
    "DISTURBANCE_COLUMNS",
    "FINDING",
    "CommonGrid",
    "NewBareGround",
    "common_grid",
    "new_bare_ground",
    "onto",
    "outside_disturbance",
]

#: Columns of the outside_disturbance layer (geometry in EPSG:4490 in the file).
DISTURBANCE_COLUMNS = ["mine_id", "patch_no", "area_m2", "first_seen", "distance_m", "finding"]
FINDING = (
    "疑似越界开采，需实地核查 suspected mining beyond the licensed boundary: verify in the field"
)


@dataclass(frozen=True)
class CommonGrid:
    """A pixel grid shared by all dates: CRS, transform and (rows, cols)."""

    crs: pyproj.CRS
    transform: Affine
    shape: tuple[int, int]


def common_grid(
    bounds: tuple[float, float, float, float], crs: pyproj.CRS, image_transform: Affine
) -> CommonGrid:
    """The image's pixel grid (north-up) clipped to ``bounds`` (in ``crs``), one pixel wider."""
    a, e = image_transform.a, image_transform.e
    col0 = np.floor((bounds[0] - image_transform.c) / a)
    row0 = np.floor((bounds[3] - image_transform.f) / e)
    cols = int(np.ceil((bounds[2] - bounds[0]) / abs(a))) + 2
    rows = int(np.ceil((bounds[3] - bounds[1]) / abs(e))) + 2
    tr = image_transform * Affine.translation(col0, row0)
    return CommonGrid(crs, tr, (rows, cols))


def onto(cover: np.ndarray, transform: Affine, crs: pyproj.CRS, grid: CommonGrid) -> np.ndarray:
    """An FVC array (NaN = invalid) resampled onto ``grid`` by nearest neighbour."""
    out = np.full(grid.shape, np.nan, np.float32)
    reproject(
        cover.astype(np.float32),
        out,
        src_transform=transform,
        src_crs=crs,
        src_nodata=np.nan,
        dst_transform=grid.transform,
        dst_crs=grid.crs,
        dst_nodata=np.nan,
        resampling=Resampling.nearest,
    )
    return out


@dataclass
class NewBareGround:
    """New bare patches around one mine (largest first); geometry in the grid's CRS."""

    geometry: np.ndarray
    area_m2: np.ndarray
    first_seen: list[date]


def new_bare_ground(
    dates: list[date],
    covers: list[np.ndarray],
    band: shapely.Geometry,
    band_area_m2: float,
    grid: CommonGrid,
    *,
    bare_fvc: float,
    min_area_m2: float,
) -> NewBareGround:
    """Ground in ``band`` (grid CRS) not bare on its first valid date and bare from some date on.

    ``covers`` are FVC arrays on ``grid`` (NaN = invalid), one per date in ``dates``
    (ascending). A pixel's first-seen date is the first date from which it is bare on
    every later valid date; a patch's is the earliest of its pixels'. Areas are
    ellipsoidal m² (``band_area_m2`` / the band's pixel count per pixel).
    """
    stack = np.stack(covers)  # (dates, rows, cols)
    valid = np.isfinite(stack)
    bare = valid & (stack < bare_fvc)
    # first valid observation of each pixel: not bare there
    first = np.argmax(valid, axis=0)
    seen = valid.any(axis=0)
    was_green = seen & ~np.take_along_axis(bare, first[None], axis=0)[0]
    # bare on this date and on every later valid date (invalid dates do not interrupt)
    holds = np.logical_or(bare, ~valid)[::-1].cumprod(axis=0)[::-1].astype(bool)
    stays_bare = bare & holds
    became = was_green & stays_bare.any(axis=0)
    first_seen = np.where(became, np.argmax(stays_bare, axis=0), len(dates))
    weights = coverage_fraction(band, grid.transform, grid.shape)
    pixel_m2 = band_area_m2 / max(float(weights.sum()), 1e-12)
    found = find_patches(
        became & (weights >= 0.5),
        weights,
        grid.transform,
        pixel_m2,
        min_area_m2,
        within=band,
        values=first_seen,
    )
    earliest = [dates[int(i)] for i in found.minimum]
    return NewBareGround(found.geometry, found.area_m2, earliest)


def _distance_m(geoms: np.ndarray, mine: shapely.Geometry) -> np.ndarray:
    """Geodesic distance (m) from each EQUAL_AREA polygon to the mine, between their nearest points.

    Albers distorts distances by up to ~0.5 % here, so only the nearest pair comes from it.
    """
    ends = shapely.get_coordinates(shapely.shortest_line(geoms, mine)).reshape(-1, 2, 2)
    return geodesic_distance_m(
        ends[:, 0, 0], ends[:, 0, 1], ends[:, 1, 0], ends[:, 1, 1], EQUAL_AREA
    )


def outside_disturbance(
    images: list[tuple[date, UntrustedRaster, Scene]],
    mine_ids: list[str],
    mine_geoms: np.ndarray,
    taken: np.ndarray,
    s: RestorationSettings,
) -> gpd.GeoDataFrame:
    """New bare ground in a band of ``s.band_m`` around each mine, on the finest image's grid.

    ``images``: (date, opened image, its calibration), ascending; ``mine_geoms`` and
    ``taken`` (land that is not undisturbed: mines, zones, non-greenable) in EQUAL_AREA.
    Returns one row per patch (:data:`DISTURBANCE_COLUMNS`), geometry in EQUAL_AREA.
    """
    finest = min(images, key=lambda r: abs(r[1].dataset.transform.a * r[1].dataset.transform.e))
    grid_crs, grid_tr = finest[2].crs, finest[1].dataset.transform
    bands = shapely.difference(shapely.buffer(mine_geoms, s.band_m), shapely.union_all(taken))
    in_grid = reproject_geoms(bands, EQUAL_AREA, grid_crs)
    per_image = [reproject_geoms(bands, EQUAL_AREA, scene.crs) for _, _, scene in images]
    frames = []
    for i, mid in enumerate(mine_ids):
        grid = common_grid(shapely.bounds(in_grid[i]), grid_crs, grid_tr)
        covers = []
        for (_, raster, scene), band in zip(images, per_image, strict=True):
            g = fvc_grid(raster, scene, [band[i]], s)
            covers.append(onto(g.cover, g.transform, scene.crs, grid))
        found = new_bare_ground(
            [d for d, _, _ in images],
            covers,
            in_grid[i],
            float(shapely.area(bands[i])),
            grid,
            bare_fvc=s.bare_fvc,
            min_area_m2=s.min_patch_m2,
        )
        if not len(found.area_m2):
            continue
        geoms = reproject_geoms(found.geometry, grid_crs, EQUAL_AREA)
        frames.append(
            pd.DataFrame(
                {
                    "mine_id": mid,
                    "patch_no": np.arange(1, len(geoms) + 1),
                    "area_m2": found.area_m2,
                    "first_seen": [d.isoformat() for d in found.first_seen],
                    "distance_m": _distance_m(geoms, mine_geoms[i]),
                    "finding": FINDING,
                    "geometry": geoms,
                }
            )
        )
    table = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*DISTURBANCE_COLUMNS, "geometry"])
    )
    return gpd.GeoDataFrame(table, geometry="geometry", crs=EQUAL_AREA)
