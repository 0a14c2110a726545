"""Greening coverage of the greenable area, indicator 6 (矿区绿化; RULES.md §2).

For each mine: greenable area = mine boundary − non-greenable land; inside it,
with exact pixel-coverage weights, the vegetated share (FVC ≥ a threshold) and
mean FVC; bare patches (connected bare pixels, FVC below a threshold, at least
a minimum area) as polygons; score = max(0, 2 − 0.5 × patches); and a
same-image reference ring of undisturbed land around the mine for comparison
(sampled at pixel centres: a wide area, where edge pixels do not matter).

Areas are m² on the ellipsoid (EQUAL_AREA); pixel areas are derived from the
polygon's ellipsoidal area and its exact pixel count, so they are right in any
image CRS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from affine import Affine
from scipy import ndimage

from ..crs import CGCS2000, EQUAL_AREA
from ..io.untrusted import (
    UntrustedRaster,
    Window,
    WindowError,
    from_bounds,
    geometry_mask,
    shapes,
    window_transform,
)
from .indices import EndMembers, end_members, fvc, to_reflectance, vegetation_index
from .zonal import coverage_fraction

__all__ = [
    "PATCH_COLUMNS",
    "GreeningSettings",
    "MineGreening",
    "Scene",
    "empty_patches",
    "measure_mine",
    "scene_calibration",
]


@dataclass(frozen=True)
class GreeningSettings:
    """Parameters of the greening measurement (all reported with the result).

    ``vegetated_fvc``: FVC at or above which a pixel is vegetated (0.3);
    ``bare_fvc``: FVC below which it is bare (0.1); ``min_patch_m2``: smallest
    bare patch that counts as "large" (400 m², the rule never defines it);
    ``reference_ring_m``: width of the reference ring around the mine (500 m).
    """

    bands: dict[str, int] = field(default_factory=lambda: {"red": 3, "nir": 4})
    index: str = "ndvi"
    vegetated_fvc: float = 0.3
    bare_fvc: float = 0.1
    min_patch_m2: float = 400.0
    reference_ring_m: float = 500.0
    percentiles: tuple[float, float] = (5.0, 95.0)
    end_members: tuple[float, float] | None = None


@dataclass
class Scene:
    """Scene-wide facts: the image's CRS, how DN become reflectance, the FVC end-members."""

    crs: pyproj.CRS
    dark: tuple[float, float]
    sentinel2: bool
    scaling: str
    end_members: EndMembers


def _is_sentinel2_l2a(raster: UntrustedRaster) -> bool:
    tags = {k.upper(): v for k, v in raster.dataset.tags().items()}
    return (
        any("BOA_ADD_OFFSET" in k for k in tags) or "SENTINEL-2" in " ".join(tags.values()).upper()
    )


def scene_calibration(raster: UntrustedRaster, s: GreeningSettings, lattice: int = 8) -> Scene:
    """Haze and FVC end-members from a lattice of windows spread over the whole scene.

    ``lattice`` × ``lattice`` windows of up to 256 × 256 pixels, evenly spaced and
    aligned to the file's blocks (each decodes one block): about four million
    pixels per band for a large tile, without decoding the rest of it.
    """
    ds = raster.dataset
    red_b, nir_b = s.bands["red"], s.bands["nir"]
    block_r, block_c = ds.block_shapes[0] if ds.block_shapes else (1, 1)
    size_r, size_c = min(256, max(ds.height // lattice, 1)), min(256, max(ds.width // lattice, 1))
    rows = np.linspace(0, ds.height - size_r, lattice).astype(int) // block_r * block_r
    cols = np.linspace(0, ds.width - size_c, lattice).astype(int) // block_c * block_c
    reds, nirs = [], []
    for r0 in np.unique(rows):
        for c0 in np.unique(cols):
            window = Window(int(c0), int(r0), size_c, size_r)
            data = raster.read(window, [red_b, nir_b])
            valid = raster.read_mask(window)
            reds.append(data[0][valid])
            nirs.append(data[1][valid])
    red = np.concatenate(reds).astype(np.float32)
    nir = np.concatenate(nirs).astype(np.float32)
    dark = (float(np.percentile(red, 1)), float(np.percentile(nir, 1))) if red.size else (0.0, 0.0)
    sentinel2 = _is_sentinel2_l2a(raster)
    r, n, scaling = to_reflectance(
        red, nir, dtype=np.dtype(ds.dtypes[0]), sentinel2_offset=sentinel2, dark=dark
    )
    vi = vegetation_index(r, n, s.index)
    em = end_members(
        vi,
        vegetation_index(r, n, "ndvi"),
        (r + n) / 2,
        percentiles=s.percentiles,
        given=s.end_members,
    )
    return Scene(pyproj.CRS.from_user_input(ds.crs), dark, sentinel2, scaling, em)


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


def empty_patches() -> gpd.GeoDataFrame:
    """A bare-patch table with no rows."""
    return gpd.GeoDataFrame(columns=PATCH_COLUMNS, geometry="geometry", crs=EQUAL_AREA)


@dataclass
class MineGreening:
    """The measurement of one mine; ``patches`` holds the bare-patch polygons (EQUAL_AREA)."""

    mine_id: str
    greenable: shapely.Geometry
    greenable_area_m2: float
    measured_share: float = 0.0
    vegetated_area_m2: float = float("nan")
    coverage_pct: float = float("nan")
    fvc_mean: float = float("nan")
    reference_fvc_mean: float = float("nan")
    patches: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)
    # for the figure, then dropped: FVC around the mine and the greenable area, in the image CRS
    fvc_grid: np.ndarray | None = None
    grid_transform: Affine | None = None
    greenable_image: shapely.Geometry | None = None

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


def _to_image(geoms: list[shapely.Geometry], crs: pyproj.CRS) -> list[shapely.Geometry]:
    return list(gpd.GeoSeries(geoms, crs=EQUAL_AREA).to_crs(crs).values)


def measure_mine(
    raster: UntrustedRaster,
    scene: Scene,
    mine_id: str,
    greenable: shapely.Geometry,
    ring: shapely.Geometry,
    s: GreeningSettings,
) -> MineGreening:
    """Measure one mine's greenable area and reference ring on the image.

    ``greenable`` and ``ring`` are in EQUAL_AREA. Pixels of the image's nodata
    and the part of the mine outside the image are left out and reported in
    ``notes`` with their share.
    """
    ds = raster.dataset
    crs = scene.crs
    area = float(shapely.area(greenable))
    result = MineGreening(mine_id, greenable, area)
    if area <= 0:
        result.notes.append("no greenable area")
        return result
    g_img, r_img = _to_image([greenable, ring], crs)
    bounds = shapely.union_all([g_img, r_img]).bounds
    grid = (
        from_bounds(*bounds, transform=ds.transform)
        .round_offsets(op="floor")
        .round_lengths(op="ceil")
    )
    grid = Window(grid.col_off, grid.row_off, grid.width + 1, grid.height + 1)
    shape = (int(grid.height), int(grid.width))
    tr = window_transform(grid, ds.transform)
    w_green = coverage_fraction(g_img, tr, shape)
    pixel_m2 = area / max(float(w_green.sum()), 1e-12)  # ellipsoidal m² per pixel at this mine
    # read the part of the grid that lies on the image; the rest stays invalid
    red = np.zeros(shape, np.float32)
    nir = np.zeros(shape, np.float32)
    valid = np.zeros(shape, bool)
    try:
        inside = grid.intersection(Window(0, 0, ds.width, ds.height))
    except WindowError:  # the mine and its ring are off the image
        inside = None
    if inside is not None and inside.width > 0 and inside.height > 0:
        r0, c0 = int(inside.row_off - grid.row_off), int(inside.col_off - grid.col_off)
        sl = (slice(r0, r0 + int(inside.height)), slice(c0, c0 + int(inside.width)))
        both = raster.read(inside, [s.bands["red"], s.bands["nir"]])  # one decode of each block
        red[sl], nir[sl] = both[0], both[1]
        valid[sl] = raster.read_mask(inside)
    result.measured_share = float((w_green * valid).sum() / max(w_green.sum(), 1e-12))
    if result.measured_share == 0:
        result.notes.append("the image does not cover this mine")
        return result
    if result.measured_share < 0.999:
        result.notes.append(
            f"only {100 * result.measured_share:.1f} % of the greenable area has valid pixels; figures are for that part"
        )
    r, n, _ = to_reflectance(
        red, nir, dtype=np.dtype(ds.dtypes[0]), sentinel2_offset=scene.sentinel2, dark=scene.dark
    )
    cover = fvc(vegetation_index(r, n, s.index), scene.end_members)
    cover[~valid] = np.nan
    w = np.where(valid & np.isfinite(cover), w_green, 0.0)
    total = float(w.sum())
    vegetated = float((w * (cover >= s.vegetated_fvc)).sum())
    result.vegetated_area_m2 = vegetated * pixel_m2
    result.coverage_pct = 100.0 * vegetated / total if total else float("nan")
    result.fvc_mean = float(np.nansum(w * cover) / total) if total else float("nan")
    # the ring is a wide comparison area: pixel centres suffice (exact weights are for the mine)
    in_ring = geometry_mask([r_img], shape, tr, invert=True)
    w_ring = (in_ring & valid & np.isfinite(cover)).astype(np.float32)
    if w_ring.sum() > 0:
        result.reference_fvc_mean = float(np.nansum(w_ring * cover) / w_ring.sum())
    else:
        result.notes.append("no valid pixels in the reference ring")
    result.patches = _bare_patches(cover, valid, w_green, g_img, tr, crs, pixel_m2, mine_id, s)
    result.fvc_grid, result.grid_transform, result.greenable_image = cover, tr, g_img
    return result


def _bare_patches(
    cover: np.ndarray,
    valid: np.ndarray,
    w_green: np.ndarray,
    g_img: shapely.Geometry,
    tr: object,
    crs: pyproj.CRS,
    pixel_m2: float,
    mine_id: str,
    s: GreeningSettings,
) -> gpd.GeoDataFrame:
    """Connected (8-neighbour) bare pixels inside the greenable area, at least ``min_patch_m2``.

    A pixel belongs to the greenable area when at least half of it lies inside.
    A patch's area is that of its pixels clipped to the greenable area (m²).
    """
    bare = valid & (w_green >= 0.5) & (cover < s.bare_fvc)
    labels, count = ndimage.label(bare, structure=np.ones((3, 3), bool))
    if count == 0:
        return empty_patches()
    clipped = ndimage.sum(w_green, labels, index=np.arange(1, count + 1)) * pixel_m2
    keep = np.flatnonzero(clipped >= s.min_patch_m2) + 1
    if keep.size == 0:
        return empty_patches()
    kept = np.where(np.isin(labels, keep), labels, 0).astype(np.int32)
    # traced with 8-connectivity like the labels, so each patch is one polygon
    traced = {
        int(v): shapely.geometry.shape(g)
        for g, v in shapes(kept, mask=kept > 0, connectivity=8, transform=tr)
    }
    ids = np.array(sorted(traced), dtype=np.int64)
    geoms = np.array([traced[i] for i in ids], dtype=object)
    # clip to the greenable area only the patches that reach its edge
    edge = np.asarray(ndimage.minimum(w_green, labels, index=ids)) < 1.0
    geoms[edge] = shapely.intersection(geoms[edge], g_img)
    ea = gpd.GeoSeries(geoms, crs=crs).to_crs(EQUAL_AREA)
    centroids = gpd.GeoSeries(shapely.centroid(ea.values), crs=EQUAL_AREA).to_crs(CGCS2000)
    means = ndimage.mean(cover, labels, index=ids)
    order = np.argsort(-shapely.area(ea.values))  # patch 1 is the largest
    return gpd.GeoDataFrame(
        {
            "mine_id": mine_id,
            "patch_no": np.arange(1, len(order) + 1),
            "area_m2": shapely.area(ea.values)[order],
            "fvc_mean": np.asarray(means)[order],
            "centroid_lon": centroids.x.to_numpy()[order],
            "centroid_lat": centroids.y.to_numpy()[order],
            "geometry": ea.values[order],
        },
        geometry="geometry",
        crs=EQUAL_AREA,
    )
