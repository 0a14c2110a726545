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

import numpy as np
import pyproj
import shapely
from affine import Affine
from scipy import ndimage

from ..io.untrusted import Resampling, reproject
from .patches import find_patches
from .zonal import coverage_fraction

__all__ = ["CommonGrid", "NewBareGround", "common_grid", "new_bare_ground", "onto"]


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
        became & (weights >= 0.5), weights, grid.transform, pixel_m2, min_area_m2, within=band
    )
    earliest = [dates[int(i)] for i in ndimage.minimum(first_seen, found.labels, found.ids)]
    return NewBareGround(found.geometry, found.area_m2, earliest)
