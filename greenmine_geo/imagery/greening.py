"""Greening coverage of the greenable area, indicator 6 (矿区绿化; RULES.md §2).

For each mine: greenable area = mine boundary − non-greenable land; inside it,
with exact pixel-coverage weights, the vegetated share (FVC ≥ a threshold) and
mean FVC; bare patches (connected bare pixels, FVC below a threshold, at least
a minimum area) as polygons; score = max(0, 2 − 0.5 × patches); and a
same-image reference ring of undisturbed land around the mine for comparison.
The FVC machinery (calibration, grids, exact-weighted statistics) is in
:mod:`.zone_fvc`. Areas are m² on the ellipsoid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from affine import Affine

from ..crs import CGCS2000, EQUAL_AREA
from ..io.untrusted import UntrustedRaster
from .patches import find_patches
from .zone_fvc import FvcGrid, FvcSettings, Scene, ZoneStats, fvc_grid, zone_stats

__all__ = [
    "PATCH_COLUMNS",
    "GreeningSettings",
    "MineGreening",
    "Patches",
    "measure_mine",
    "patch_table",
]


@dataclass(frozen=True)
class GreeningSettings(FvcSettings):
    """FVC settings plus ``min_patch_m2``: the smallest bare patch that counts as
    "large" (400 m², the rule never defines it)."""

    min_patch_m2: float = 400.0


#: Columns of the ``bare_patches`` layer (EQUAL_AREA geometry; centroid in EPSG:4490 degrees).
PATCH_COLUMNS = [
    "mine_id",
    "patch_no",
    "area_m2",
    "fvc_mean",
    "centroid_lon",
    "centroid_lat",
    "geometry",
]


@dataclass
class Patches:
    """One mine's bare patches, largest first (patch 1), as traced on the image.

    ``geometry``: polygons in the image's CRS, clipped to the greenable area;
    ``area_m2``: ellipsoidal area of each; ``fvc_mean``: mean FVC of its pixels.
    """

    geometry: np.ndarray
    area_m2: np.ndarray
    fvc_mean: np.ndarray

    def __len__(self) -> int:
        return len(self.geometry)


@dataclass
class MineGreening:
    """The measurement of one mine (areas in m² on the ellipsoid)."""

    mine_id: str
    greenable_area_m2: float
    measured_share: float = 0.0
    vegetated_area_m2: float = float("nan")
    coverage_pct: float = float("nan")
    fvc_mean: float = float("nan")
    reference_fvc_mean: float = float("nan")
    patches: Patches | None = None
    notes: list[str] = field(default_factory=list)
    # for the figure, then dropped: FVC around the mine, in the image CRS
    fvc_grid: np.ndarray | None = None
    grid_transform: Affine | None = None

    @property
    def bare_patches(self) -> int:
        return 0 if self.patches is None else len(self.patches)

    @property
    def indicator6_score(self) -> float:
        return max(0.0, 2.0 - 0.5 * self.bare_patches) if self.patches is not None else float("nan")

    @property
    def relative_cover_pct(self) -> float:
        if not (self.reference_fvc_mean > 0):
            return float("nan")
        return 100.0 * self.fvc_mean / self.reference_fvc_mean


def measure_mine(
    raster: UntrustedRaster,
    scene: Scene,
    mine_id: str,
    greenable_area_m2: float,
    greenable: shapely.Geometry,
    ring: shapely.Geometry,
    s: GreeningSettings,
) -> MineGreening:
    """Measure one mine's greenable area and reference ring on the image.

    ``greenable`` and ``ring`` are in the image's CRS; ``greenable_area_m2`` is
    the greenable area's ellipsoidal area. Pixels of the image's nodata and the
    part of the mine outside the image are left out and reported in ``notes``
    with their share.
    """
    result = MineGreening(mine_id, greenable_area_m2)
    if greenable_area_m2 <= 0:
        result.notes.append("no greenable area")
        return result
    grid = fvc_grid(raster, scene, [greenable, ring], s)
    stats = zone_stats(grid, greenable, ring, greenable_area_m2, s)
    result.measured_share = stats.valid_share
    if stats.valid_share == 0:
        result.notes.append("the image does not cover this mine")
        return result
    if stats.valid_share < 0.999:
        result.notes.append(
            f"only {100 * stats.valid_share:.1f} % of the greenable area has valid pixels; figures are for that part"
        )
    result.vegetated_area_m2 = stats.vegetated_area_m2
    result.coverage_pct = 100.0 * stats.vegetated_share
    result.fvc_mean = stats.fvc_mean
    result.reference_fvc_mean = stats.reference_fvc_mean
    if not np.isfinite(stats.reference_fvc_mean):
        result.notes.append("no valid pixels in the reference ring")
    result.patches = _bare_patches(grid, stats, greenable, s)
    result.fvc_grid, result.grid_transform = grid.cover, grid.transform
    return result


def _bare_patches(
    grid: FvcGrid, stats: ZoneStats, greenable: shapely.Geometry, s: GreeningSettings
) -> Patches:
    """Connected (8-neighbour) bare pixels inside the greenable area, at least ``min_patch_m2``.

    A pixel belongs to the greenable area when at least half of it lies inside.
    A patch's area is that of its pixels clipped to the greenable area: the sum
    of their exact coverage weights × the ellipsoidal pixel area (m²).
    """
    bare = grid.usable & (stats.weights >= 0.5) & (grid.cover < s.bare_fvc)
    found = find_patches(
        bare, stats.weights, grid.transform, stats.pixel_m2, s.min_patch_m2, within=greenable
    )
    return Patches(found.geometry, found.area_m2, found.mean(np.nan_to_num(grid.cover)))


def patch_table(measured: list[MineGreening], crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """All mines' bare patches as one table: geometry in EQUAL_AREA, centroids in EPSG:4490.

    Reprojected in one call for all mines (``crs`` is the image's).
    """
    with_patches = [m for m in measured if m.patches is not None and len(m.patches)]
    if not with_patches:
        return gpd.GeoDataFrame(columns=PATCH_COLUMNS, geometry="geometry", crs=EQUAL_AREA)
    patches = [m.patches for m in with_patches if m.patches is not None]
    geoms = gpd.GeoSeries(np.concatenate([p.geometry for p in patches]), crs=crs).to_crs(EQUAL_AREA)
    centroids = gpd.GeoSeries(shapely.centroid(geoms.values), crs=EQUAL_AREA).to_crs(CGCS2000)
    return gpd.GeoDataFrame(
        {
            "mine_id": np.repeat([m.mine_id for m in with_patches], [len(p) for p in patches]),
            "patch_no": np.concatenate([np.arange(1, len(p) + 1) for p in patches]),
            "area_m2": np.concatenate([p.area_m2 for p in patches]),
            "fvc_mean": np.concatenate([p.fvc_mean for p in patches]),
            "centroid_lon": centroids.x.to_numpy(),
            "centroid_lat": centroids.y.to_numpy(),
            "geometry": geoms.values,
        },
        geometry="geometry",
        crs=EQUAL_AREA,
    )
