"""Bare ground that appears around a mine's licensed boundary: suspected 越界开采.

Annex 2 of the green-mine rules removes a mine that mines beyond its licensed
boundary. From a time series, ground in a band around the boundary (default
500 m, minus other mines and known non-greenable land) that was not bare on the
first usable date and is bare from some date on, through the last, is new
disturbance. Connected groups of at least a minimum area become polygons with
their area, the first date from which they stay bare, and their distance from
the boundary. They are leads for field verification, never proof of a violation.

All dates are brought onto one grid per mine (the finest image's pixel grid,
nearest-neighbour), since the images may differ in CRS and resolution. The grid is
processed in full-width strips (every date's FVC of one strip at a time), so the band
around a 20 km² pit at 1 m is searched in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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
from ..io.gdal import Resampling, reproject, window_transform
from ..io.untrusted import UntrustedRaster
from .patches import PatchTracer
from .zonal import coverage_fraction
from .zone_fvc import Scene, fvc_grid, grid_outline, grid_window, reproject_geoms, strip_rows

__all__ = [
    "DISTURBANCE_COLUMNS",
    "FINDING",
    "CommonGrid",
    "NewBareGround",
    "became_bare",
    "common_grid",
    "fvc_onto",
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

    def strips(self, rows: int) -> Iterator[CommonGrid]:
        """The grid in full-width strips of at most ``rows`` rows, top to bottom."""
        for top in range(0, self.shape[0], rows):
            part = (min(rows, self.shape[0] - top), self.shape[1])
            yield CommonGrid(self.crs, self.transform @ Affine.translation(0, top), part)

    def outline(self, crs: pyproj.CRS) -> shapely.Geometry:
        """The grid's outline in ``crs`` (densified before it is reprojected)."""
        box = grid_outline(self.transform, self.shape)
        return reproject_geoms(np.array([box]), self.crs, crs)[0]


def common_grid(band: shapely.Geometry, crs: pyproj.CRS, image_transform: Affine) -> CommonGrid:
    """The pixels of the image grid ``image_transform`` under ``band`` (in ``crs``), one
    pixel wider; any affine grid (north-up or not)."""
    w = grid_window(image_transform, [band])
    return CommonGrid(crs, window_transform(w, image_transform), (int(w.height), int(w.width)))


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


def fvc_onto(
    grid: CommonGrid, raster: UntrustedRaster, scene: Scene, s: RestorationSettings
) -> np.ndarray:
    """One image's FVC on ``grid`` (NaN = invalid): the image's pixels under the grid,
    resampled by nearest neighbour."""
    g = fvc_grid(raster, scene, [grid.outline(scene.crs)], s)
    return onto(g.cover, g.transform, scene.crs, grid)


@dataclass
class NewBareGround:
    """New bare patches around one mine (largest first); geometry in the grid's CRS."""

    geometry: np.ndarray
    area_m2: np.ndarray
    first_seen: list[date]


def became_bare(covers: list[np.ndarray], bare_fvc: float) -> tuple[np.ndarray, np.ndarray]:
    """Where FVC (one array per date, ascending; NaN = invalid) turned bare and stayed bare,
    and from which date's index (``len(covers)`` where it did not).

    A pixel became bare when it was not bare on its first valid date and is bare from
    some date on through every later valid date (invalid dates do not interrupt).
    """
    stack = np.stack(covers)  # (dates, rows, cols)
    valid = np.isfinite(stack)
    bare = valid & (stack < bare_fvc)
    first = np.argmax(valid, axis=0)  # first valid observation of each pixel: not bare there
    was_green = valid.any(axis=0) & ~np.take_along_axis(bare, first[None], axis=0)[0]
    holds = np.logical_or(bare, ~valid)[::-1].cumprod(axis=0)[::-1].astype(bool)
    stays_bare = bare & holds
    became = was_green & stays_bare.any(axis=0)
    return became, np.where(became, np.argmax(stays_bare, axis=0), len(covers))


def new_bare_ground(
    dates: list[date],
    strips: Iterable[tuple[CommonGrid, list[np.ndarray]]],
    band: shapely.Geometry,
    band_area_m2: float,
    grid: CommonGrid,
    *,
    bare_fvc: float,
    min_area_m2: float,
) -> NewBareGround:
    """Ground in ``band`` (grid CRS) that :func:`became_bare`, as patches.

    ``strips``: full-width strips of ``grid``, top to bottom, each with its FVC arrays
    (NaN = invalid), one per date in ``dates`` (ascending); only one strip is held at a
    time. A patch's first-seen date is the earliest of its pixels'. Areas are
    ellipsoidal m² (``band_area_m2`` over the band's exact pixel count, per pixel).
    """
    band_pixels = float(shapely.area(band)) / abs(grid.transform.determinant)
    tracer = PatchTracer(grid.transform, band_area_m2 / max(band_pixels, 1e-12), min_area_m2)
    for strip, covers in strips:
        became, first_seen = became_bare(covers, bare_fvc)
        weights = coverage_fraction(band, strip.transform, strip.shape)
        tracer.add(became & (weights >= 0.5), weights, first_seen)
    found = tracer.finish(within=band)
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
    finest = min(images, key=lambda r: abs(r[1].dataset.transform.determinant))
    grid_crs, grid_tr = finest[2].crs, finest[1].dataset.transform
    bands = shapely.difference(shapely.buffer(mine_geoms, s.band_m), shapely.union_all(taken))
    in_grid = reproject_geoms(bands, EQUAL_AREA, grid_crs)
    frames = []
    for i, mid in enumerate(mine_ids):
        grid = common_grid(in_grid[i], grid_crs, grid_tr)
        rows = strip_rows(finest[1], grid.shape[1], s)  # every date's strip in memory at once
        strips = (
            (strip, [fvc_onto(strip, raster, scene, s) for _, raster, scene in images])
            for strip in grid.strips(max(rows // len(images), 1))
        )
        found = new_bare_ground(
            [d for d, _, _ in images],
            strips,
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
