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

from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from affine import Affine
from scipy import ndimage

from ..crs import CGCS2000, EQUAL_AREA
from ..errors import InputError
from ..geometry import grouped_union
from ..io.untrusted import (
    UntrustedRaster,
    Window,
    WindowError,
    from_bounds,
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
    "Patches",
    "measure_mine",
    "patch_table",
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


#: Pixels of the scene sample that the haze and end-member percentiles are taken from.
_SAMPLE_PIXELS = 1 << 20


def scene_calibration(
    raster: UntrustedRaster,
    s: GreeningSettings,
    areas: tuple[shapely.Geometry, shapely.Geometry] | None = None,
    lattice: int = 8,
) -> Scene:
    """Haze and FVC end-members of the scene.

    Haze (and, unless given or ``areas`` are, the end-members) come from the
    whole scene when it has at most 4 Mpixels, else from a lattice of
    ``lattice`` × ``lattice`` windows of up to 256 × 256 pixels, evenly spaced
    and aligned to the file's blocks (each decodes one block): a sample of the
    whole scene without decoding the rest of it.
    ``areas`` = (bare soil, full vegetation) polygons in the image's CRS: the
    end-members are then the median VI of the pixels at least half inside each.
    """
    ds = raster.dataset
    bands = [s.bands["red"], s.bands["nir"]]
    samples = []
    for window in _sample_windows(raster, lattice):
        data = raster.read(window, bands)
        samples.append(data[:, raster.read_valid(window, data, bands)])
    sample = np.concatenate(samples, axis=1)
    step = max(sample.shape[1] // _SAMPLE_PIXELS, 1)  # an even thinning; percentiles need no more
    red, nir = sample[:, ::step].astype(np.float32)
    dark = (float(np.percentile(red, 1)), float(np.percentile(nir, 1))) if red.size else (0.0, 0.0)
    sentinel2 = _is_sentinel2_l2a(raster)
    dtype = np.dtype(ds.dtypes[0])
    r, n, scaling = to_reflectance(red, nir, dtype=dtype, sentinel2_offset=sentinel2, dark=dark)
    if areas is not None and s.end_members is None:
        soil, veg = (_median_vi(raster, a, s, sentinel2, dark) for a in areas)
        em = EndMembers(
            soil[0],
            veg[0],
            f"reference areas: median {s.index.upper()} of {soil[1]} bare-soil and {veg[1]} vegetation pixels",
            veg[0] - soil[0] < 0.1,
        )
    else:
        vi = vegetation_index(r, n, s.index)
        em = end_members(vi, r, n, percentiles=s.percentiles, given=s.end_members)
    return Scene(pyproj.CRS.from_user_input(ds.crs), dark, sentinel2, scaling, em)


def _sample_windows(raster: UntrustedRaster, lattice: int) -> list[Window]:
    """Windows sampling the scene: all of it when small, else a lattice of single blocks."""
    ds = raster.dataset
    if ds.width * ds.height <= 4 * _SAMPLE_PIXELS:
        return list(raster.row_windows())
    block_r, block_c = ds.block_shapes[0] if ds.block_shapes else (1, 1)
    size_r, size_c = min(256, max(ds.height // lattice, 1)), min(256, max(ds.width // lattice, 1))
    rows = np.linspace(0, ds.height - size_r, lattice).astype(int) // block_r * block_r
    cols = np.linspace(0, ds.width - size_c, lattice).astype(int) // block_c * block_c
    return [
        Window(int(c0), int(r0), size_c, size_r) for r0 in np.unique(rows) for c0 in np.unique(cols)
    ]


def _median_vi(
    raster: UntrustedRaster,
    area: shapely.Geometry,
    s: GreeningSettings,
    sentinel2: bool,
    dark: tuple[float, float],
) -> tuple[float, int]:
    """Median VI of the valid pixels at least half inside ``area`` (image CRS), and their count."""
    ds = raster.dataset
    try:
        window = (
            from_bounds(*area.bounds, transform=ds.transform)
            .round_offsets(op="floor")
            .round_lengths(op="ceil")
            .intersection(Window(0, 0, ds.width, ds.height))
        )
    except WindowError:
        window = None
    if window is None or window.width < 1 or window.height < 1:
        raise InputError("an end-member reference area lies outside the image")
    bands = [s.bands["red"], s.bands["nir"]]
    data = raster.read(window, bands)
    shape = (int(window.height), int(window.width))
    inside = coverage_fraction(area, window_transform(window, ds.transform), shape) >= 0.5
    use = inside & raster.read_valid(window, data, bands)
    r, n, _ = to_reflectance(
        data[0][use], data[1][use], dtype=data.dtype, sentinel2_offset=sentinel2, dark=dark
    )
    vi = vegetation_index(r, n, s.index)
    vi = vi[np.isfinite(vi)]
    if vi.size < 9:
        raise InputError(
            f"an end-member reference area has {vi.size} valid pixels; draw it over at least 9"
        )
    return float(np.median(vi)), int(vi.size)


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
    ds = raster.dataset
    result = MineGreening(mine_id, greenable_area_m2)
    if greenable_area_m2 <= 0:
        result.notes.append("no greenable area")
        return result
    grid = (
        from_bounds(*shapely.union(greenable, ring).bounds, transform=ds.transform)
        .round_offsets(op="floor")
        .round_lengths(op="ceil")
    )
    grid = Window(grid.col_off, grid.row_off, grid.width + 1, grid.height + 1)
    shape = (int(grid.height), int(grid.width))
    tr = window_transform(grid, ds.transform)
    w_green = coverage_fraction(greenable, tr, shape)
    pixel_m2 = greenable_area_m2 / max(float(w_green.sum()), 1e-12)  # ellipsoidal m² per pixel
    # read the part of the grid that lies on the image; the rest stays invalid
    bands = [s.bands["red"], s.bands["nir"]]
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
        both = raster.read(inside, bands)  # one decode of each block
        red[sl], nir[sl] = both[0], both[1]
        valid[sl] = raster.read_valid(inside, both, bands)
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
    usable = valid & np.isfinite(cover)
    cover[~usable] = np.nan
    filled = np.where(usable, cover, 0.0)
    w = np.where(usable, w_green, 0.0)
    total = float(w.sum())
    vegetated = float(w[cover >= s.vegetated_fvc].sum())
    result.vegetated_area_m2 = vegetated * pixel_m2
    result.coverage_pct = 100.0 * vegetated / total if total else float("nan")
    result.fvc_mean = float((w * filled).sum() / total) if total else float("nan")
    w_ring = np.where(usable, coverage_fraction(ring, tr, shape), 0.0)
    if w_ring.sum() > 0:
        result.reference_fvc_mean = float((w_ring * filled).sum() / w_ring.sum())
    else:
        result.notes.append("no valid pixels in the reference ring")
    result.patches = _bare_patches(cover, usable, w_green, greenable, tr, pixel_m2, s)
    result.fvc_grid, result.grid_transform = cover, tr
    return result


def _bare_patches(
    cover: np.ndarray,
    usable: np.ndarray,
    w_green: np.ndarray,
    greenable: shapely.Geometry,
    tr: Affine,
    pixel_m2: float,
    s: GreeningSettings,
) -> Patches:
    """Connected (8-neighbour) bare pixels inside the greenable area, at least ``min_patch_m2``.

    A pixel belongs to the greenable area when at least half of it lies inside.
    A patch's area is that of its pixels clipped to the greenable area: the sum
    of their exact coverage weights × the ellipsoidal pixel area (m²).
    """
    bare = usable & (w_green >= 0.5) & (cover < s.bare_fvc)
    labels, count = ndimage.label(bare, structure=np.ones((3, 3), bool))
    flat = labels.ravel()
    area = np.bincount(flat, weights=w_green.ravel(), minlength=count + 1) * pixel_m2
    area[0] = 0.0
    keep = area >= s.min_patch_m2
    if not keep.any():
        return Patches(np.empty(0, object), np.empty(0), np.empty(0))
    kept = np.where(keep[labels], labels, 0).astype(np.int32)
    rows, cols = np.flatnonzero(kept.any(axis=1)), np.flatnonzero(kept.any(axis=0))
    box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    sub = kept[box]
    # traced with 8-connectivity like the labels, so each patch is one polygon
    sub_tr = tr * Affine.translation(cols[0], rows[0])
    ids, geoms = _polygons(shapes(sub, mask=sub > 0, connectivity=8, transform=sub_tr))
    # clip to the greenable area only the patches with a pixel it does not wholly cover
    partial = np.bincount(flat, weights=(w_green < 1.0).ravel(), minlength=count + 1)[ids] > 0
    geoms[partial] = shapely.intersection(geoms[partial], greenable)
    cover_sum = np.bincount(flat, weights=np.nan_to_num(cover).ravel(), minlength=count + 1)
    pixels = np.bincount(flat, minlength=count + 1)
    order = np.argsort(-area[ids], kind="stable")  # patch 1 is the largest
    ids = ids[order]
    return Patches(geoms[order], area[ids], cover_sum[ids] / pixels[ids])


def _polygons(traced: Iterable[tuple[dict, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(values, polygons) from rasterio's traced shapes, sorted by value, one per value.

    Built in one call; a value traced as several shapes (pixels touching only at a
    corner can be) is one (multi)polygon.
    """
    coords, ring_no, poly_no, values = [], [], [], []
    for k, (shape, value) in enumerate(traced):
        values.append(int(value))
        for ring in shape["coordinates"]:
            coords.extend(ring)
            ring_no.append(len(ring))
            poly_no.append(k)
    ring_index = np.repeat(np.arange(len(ring_no)), ring_no)
    rings = shapely.linearrings(np.asarray(coords, dtype=float), indices=ring_index)
    polygons = shapely.polygons(rings, indices=np.asarray(poly_no))
    return grouped_union(polygons, np.asarray(values, dtype=np.int64))  # one polygon per value


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
