"""FVC of zones and their reference rings on one image, with exact pixel weights.

Shared by greening (indicator 6) and restoration monitoring (indicators 38-41):
scene calibration (how digital numbers become reflectance, haze, FVC
end-members), the FVC grid around a zone, and the zone's statistics: valid
share, mean FVC, vegetated and bare shares, and the reference ring's mean FVC.

Areas are m² on the ellipsoid: a pixel's area is derived from the zone's
ellipsoidal area (EQUAL_AREA) and its exact pixel count, so it is right in
any image CRS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from affine import Affine

from ..config.settings import FvcSettings
from ..errors import InputError
from ..io.gdal import Window, WindowError, from_bounds, window_transform
from ..io.untrusted import UntrustedRaster
from .indices import EndMembers, end_members, fvc, to_reflectance, vegetation_index
from .zonal import coverage_fraction

__all__ = [
    "NO_BARE_SOIL_NDVI",
    "FvcGrid",
    "Scene",
    "ZoneStats",
    "check_measurable",
    "fvc_grid",
    "reproject_geoms",
    "scene_calibration",
    "scene_notes",
    "zone_stats",
]

#: In reflectance, a soil end-member NDVI above this means the scene's soil percentile is
#: sparse vegetation, not bare soil.
NO_BARE_SOIL_NDVI = 0.3


@dataclass
class Scene:
    """Scene-wide facts: the image's CRS, how DN become reflectance, the FVC end-members."""

    crs: pyproj.CRS
    dark: tuple[float, float]
    sentinel2: bool
    scaling: str
    end_members: EndMembers
    #: with a blue band: the brightness (mean of blue, red, NIR, image values) above which a
    #: spectrally flat pixel is cloud: twice the scene's median brightness
    cloud_floor: float | None = None


def _is_sentinel2_l2a(raster: UntrustedRaster) -> bool:
    tags = {k.upper(): v for k, v in raster.dataset.tags().items()}
    return (
        any("BOA_ADD_OFFSET" in k for k in tags) or "SENTINEL-2" in " ".join(tags.values()).upper()
    )


#: Pixels of the scene sample that the haze and end-member percentiles are taken from.
_SAMPLE_PIXELS = 1 << 20


def scene_calibration(
    raster: UntrustedRaster,
    s: FvcSettings,
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
    bands = _bands(s)
    samples = []
    for window in _sample_windows(raster, lattice):
        data = raster.read(window, bands)
        samples.append(data[:, raster.read_valid(window, data, bands)])
    sample = np.concatenate(samples, axis=1)
    step = max(sample.shape[1] // _SAMPLE_PIXELS, 1)  # an even thinning; percentiles need no more
    sample = sample[:, ::step].astype(np.float32)
    cloud_floor = (
        2 * float(np.median(sample.mean(axis=0))) if len(bands) == 3 and sample.size else None
    )
    sample = sample[:, ~_cloud(sample, cloud_floor)]  # clouds are neither soil nor vegetation
    red, nir = sample[0], sample[1]
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
    return Scene(pyproj.CRS.from_user_input(ds.crs), dark, sentinel2, scaling, em, cloud_floor)


def scene_notes(scene: Scene, s: FvcSettings) -> list[str]:
    """What limits every measurement on the scene: uncalibrated values, unusable end-members."""
    notes = []
    if "uncalibrated" in scene.scaling:
        notes.append(f"image is {scene.scaling}")
    em = scene.end_members
    if em.degenerate:
        notes.append(
            f"end-members are degenerate (soil {em.soil:.3f}, vegetation {em.veg:.3f}): FVC is unreliable"
        )
    elif (
        s.index == "ndvi"
        and em.source.startswith("scene percentiles")
        and "uncalibrated" not in scene.scaling  # NDVI of soil in DN depends on band gains
        and em.soil > NO_BARE_SOIL_NDVI
    ):
        notes.append(
            f"the scene has no clearly bare soil (soil end-member NDVI {em.soil:.2f}): "
            "FVC understates cover here, in the mine and the reference ring alike"
        )
    return notes


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
    s: FvcSettings,
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


def _bands(s: FvcSettings) -> list[int]:
    """Band numbers to read: red, NIR, and blue when given (for the cloud test)."""
    return [s.bands[k] for k in ("red", "nir", "blue") if k in s.bands]


def _cloud(data: np.ndarray, floor: float | None) -> np.ndarray:
    """Cloud pixels of (red, NIR, blue) data: bright and spectrally flat (no test without blue).

    Cloud is white: blue, red and NIR within 20 % of their mean, and the mean above
    ``floor``. Bare soil (blue < red < NIR), vegetation (NIR ≫ red) and water (dark)
    are not.
    """
    if floor is None or data.shape[0] < 3:
        return np.zeros(data.shape[1:], bool)
    values = data.astype(np.float32)
    mean = values.mean(axis=0)
    flat = (values.max(axis=0) - values.min(axis=0)) <= 0.2 * mean
    return flat & (mean > floor)


@dataclass
class FvcGrid:
    """FVC on a window of the image around some zones (image CRS).

    ``cover`` is FVC (0-1), NaN where no valid pixel (nodata, masked, off the
    image); ``transform`` and ``cover.shape`` define the grid.
    """

    cover: np.ndarray
    transform: Affine

    @property
    def usable(self) -> np.ndarray:
        return np.isfinite(self.cover)


def fvc_grid(
    raster: UntrustedRaster, scene: Scene, geoms: list[shapely.Geometry], s: FvcSettings
) -> FvcGrid:
    """FVC on the image's pixel grid over the bounds of ``geoms`` (image CRS), one pixel wider.

    Parts of the grid off the image stay NaN; each block is decoded once.
    """
    ds = raster.dataset
    grid = (
        from_bounds(*shapely.union_all(geoms).bounds, transform=ds.transform)
        .round_offsets(op="floor")
        .round_lengths(op="ceil")
    )
    grid = Window(grid.col_off, grid.row_off, grid.width + 1, grid.height + 1)
    shape = (int(grid.height), int(grid.width))
    bands = _bands(s)
    red = np.zeros(shape, np.float32)
    nir = np.zeros(shape, np.float32)
    valid = np.zeros(shape, bool)
    try:
        inside = grid.intersection(Window(0, 0, ds.width, ds.height))
    except WindowError:  # wholly off the image
        inside = None
    if inside is not None and inside.width > 0 and inside.height > 0:
        r0, c0 = int(inside.row_off - grid.row_off), int(inside.col_off - grid.col_off)
        sl = (slice(r0, r0 + int(inside.height)), slice(c0, c0 + int(inside.width)))
        data = raster.read(inside, bands)
        red[sl], nir[sl] = data[0], data[1]
        valid[sl] = raster.read_valid(inside, data, bands) & ~_cloud(data, scene.cloud_floor)
    r, n, _ = to_reflectance(
        red, nir, dtype=np.dtype(ds.dtypes[0]), sentinel2_offset=scene.sentinel2, dark=scene.dark
    )
    cover = fvc(vegetation_index(r, n, s.index), scene.end_members)
    cover[~valid] = np.nan
    return FvcGrid(cover, window_transform(grid, ds.transform))


@dataclass
class ZoneStats:
    """A zone's FVC statistics on one image (shares are of the zone's valid area, 0-1).

    ``valid_share``: share of the zone's area with valid pixels; ``weights``:
    the zone's exact pixel weights on the grid; ``pixel_m2``: ellipsoidal area
    of one pixel at the zone (m²).
    """

    valid_share: float
    fvc_mean: float
    vegetated_share: float
    bare_share: float
    reference_fvc_mean: float
    weights: np.ndarray = field(repr=False)
    pixel_m2: float

    @property
    def vegetated_area_m2(self) -> float:
        return self.vegetated_share * self.valid_share * self.weights.sum() * self.pixel_m2


def zone_stats(
    grid: FvcGrid,
    zone: shapely.Geometry,
    ring: shapely.Geometry | None,
    zone_area_m2: float,
    s: FvcSettings,
) -> ZoneStats:
    """Exact-weighted FVC statistics of ``zone`` and the mean FVC of ``ring`` (both image CRS).

    ``zone_area_m2`` is the zone's ellipsoidal area. Statistics with no valid
    pixel are NaN.
    """
    cover, usable = grid.cover, grid.usable
    w_zone = coverage_fraction(zone, grid.transform, cover.shape)
    total_w = float(w_zone.sum())
    pixel_m2 = zone_area_m2 / total_w if total_w > 0 else float("nan")
    w = np.where(usable, w_zone, 0.0)
    valid_w = float(w.sum())
    filled = np.where(usable, cover, 0.0)
    nan = float("nan")
    ref = nan
    if ring is not None:
        w_ring = np.where(usable, coverage_fraction(ring, grid.transform, cover.shape), 0.0)
        ref = float((w_ring * filled).sum() / w_ring.sum()) if w_ring.sum() > 0 else nan
    if valid_w == 0:
        return ZoneStats(0.0, nan, nan, nan, ref, w_zone, pixel_m2)
    return ZoneStats(
        valid_share=valid_w / total_w,
        fvc_mean=float((w * filled).sum() / valid_w),
        vegetated_share=float(w[filled >= s.vegetated_fvc].sum() / valid_w),
        bare_share=float(w[usable & (filled < s.bare_fvc)].sum() / valid_w),
        reference_fvc_mean=ref,
        weights=w_zone,
        pixel_m2=pixel_m2,
    )


def check_measurable(raster: UntrustedRaster, s: FvcSettings) -> pyproj.CRS:
    """The image's CRS, after checking it has one and the bands ``s`` names.

    Raises
    ------
    InputError
        No CRS (it cannot be placed over the mines), or a band number beyond the image's.
    """
    if not raster.dataset.crs:
        raise InputError(
            f"{raster.path} has no CRS; it cannot be placed over the mines (see greenmine review-imagery)"
        )
    count = raster.dataset.count
    bad = ", ".join(f"{k}={v}" for k, v in s.bands.items() if not 1 <= v <= count)
    if bad:
        raise InputError(
            f"bands {bad} do not exist: {raster.path} has {count} bands; give band numbers 1-{count}"
        )
    return pyproj.CRS.from_user_input(raster.dataset.crs)


def reproject_geoms(geoms: np.ndarray, source: object, target: object) -> np.ndarray:
    """Geometries from ``source`` to ``target`` CRS, all in one transformation."""
    return gpd.GeoSeries(geoms, crs=source).to_crs(target).to_numpy()
