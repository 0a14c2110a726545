"""FVC of zones and their reference rings on one image, with exact pixel weights.

Shared by greening (indicator 6) and restoration monitoring (indicators 38-41):
scene calibration (how digital numbers become reflectance, clouds, FVC
end-members), the FVC grid around a zone (whole, or in strips for large areas),
and the zone's statistics: valid share, mean FVC, vegetated and bare shares, and
the reference ring's mean FVC, summed strip by strip with the same exact weights.

Areas are m² on the ellipsoid: a pixel's area is derived from the zone's
ellipsoidal area (EQUAL_AREA) and its exact pixel count, so it is right in
any image CRS.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from affine import Affine

from ..config.settings import FvcSettings
from ..errors import InputError
from ..io.gdal import Window, WindowError, window_transform
from ..io.untrusted import UntrustedRaster
from .clouds import cloud_test, cloudy, dn_cloud_floor
from .indices import (
    MIN_SPAN,
    Calibration,
    EndMembers,
    calibration,
    end_members,
    fvc,
    not_ground,
    vegetation_index,
)
from .zonal import coverage_fraction

__all__ = [
    "HISTOGRAM_EDGES",
    "STRIP_PIXELS",
    "FvcGrid",
    "FvcStrips",
    "Scene",
    "ZoneStats",
    "ZoneSums",
    "check_measurable",
    "fvc_grid",
    "grid_outline",
    "grid_window",
    "in_threads",
    "reproject_geoms",
    "scene_calibration",
    "scene_notes",
    "strip_rows",
    "workers",
    "zone_stats",
]

#: Bands read for FVC, in this order when given: the spectral ones, then the cloud masks.
SPECTRAL_BANDS = ("red", "nir", "blue", "green")
MASK_BANDS = ("scl", "cloud_mask")
#: Bins of the scene's VI histogram (the diagnostic figure): index units from −1 to 1.
HISTOGRAM_EDGES = np.linspace(-1.0, 1.0, 201)


@dataclass
class Scene:
    """Scene-wide facts: the image's CRS, how values become reflectance, clouds, end-members.

    ``histogram``: counts of the sampled clear pixels' VI in HISTOGRAM_EDGES bins, all of
    them and the bare-ground/vegetation candidates (water and shadow left out), for the
    diagnostic figure.
    """

    crs: pyproj.CRS
    sentinel2: bool
    calibration: Calibration
    end_members: EndMembers
    cloud_test: str
    #: uncalibrated values with blue: the brightness a cloud exceeds (see .clouds)
    dn_cloud_floor: float | None = None
    histogram: dict[str, list[int]] = field(default_factory=dict, repr=False)

    @property
    def scaling(self) -> str:
        return self.calibration.description


@dataclass
class _Pixels:
    """Reflectance of the spectral bands and where a pixel is valid and not cloud."""

    reflectance: dict[str, np.ndarray]
    clear: np.ndarray


def _band_keys(s: FvcSettings) -> list[str]:
    return [k for k in (*SPECTRAL_BANDS, *MASK_BANDS) if k in s.bands]


def _read(
    raster: UntrustedRaster, window: Window, s: FvcSettings
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Raw values of the named bands in ``window``, and where every one of them has data."""
    keys = _band_keys(s)
    numbers = [s.bands[k] for k in keys]  # type: ignore[index]
    data = raster.read(window, numbers)
    return dict(zip(keys, data, strict=True)), raster.read_valid(window, data, numbers)


def _clear(raw: dict[str, np.ndarray], valid: np.ndarray, scene: Scene) -> _Pixels:
    """Reflectance of ``raw`` and its clear pixels, as the scene's calibration says."""
    reflectance = {k: scene.calibration.apply(v) for k, v in raw.items() if k in SPECTRAL_BANDS}
    masks = {k: v for k, v in raw.items() if k in MASK_BANDS}
    cloud = cloudy(
        reflectance,
        masks,
        calibrated=scene.calibration.calibrated,
        dn_floor=scene.dn_cloud_floor,
    )
    return _Pixels(reflectance, valid & ~cloud)


def _is_sentinel2_l2a(raster: UntrustedRaster) -> bool:
    tags = {k.upper(): v for k, v in raster.dataset.tags().items()}
    return (
        any("BOA_ADD_OFFSET" in k for k in tags) or "SENTINEL-2" in " ".join(tags.values()).upper()
    )


def workers() -> int:
    """Cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - not Linux


def in_threads(
    raster: UntrustedRaster, runs: list[np.ndarray], work: Callable[[UntrustedRaster, Any], None]
) -> None:
    """``work(handle, run)`` for each run, each in a thread with its own handle on the image.

    GDAL handles are not shared between threads; GDAL's decoding and numpy release the
    GIL, so reads and large-array arithmetic use every core. The first run is done here,
    on ``raster``; an exception of any run is raised once all have ended.
    """
    if not runs:
        return

    def opened(run: np.ndarray) -> None:
        with raster.reopen() as handle:
            work(handle, run)

    with ThreadPoolExecutor(max(len(runs) - 1, 1)) as pool:
        others = [pool.submit(opened, run) for run in runs[1:]]
        work(raster, runs[0])
        for done in others:
            done.result()


#: Pixels of the scene sample that the calibration and end-member percentiles are taken from.
_SAMPLE_PIXELS = 1 << 20


def scene_calibration(
    raster: UntrustedRaster,
    s: FvcSettings,
    areas: tuple[shapely.Geometry, shapely.Geometry] | None = None,
    lattice: int = 8,
) -> Scene:
    """Calibration, cloud test and FVC end-members of the scene.

    The calibration (and, unless given or ``areas`` are, the end-members) come from the
    whole scene when it has at most 4 Mpixels, else from a lattice of ``lattice`` ×
    ``lattice`` windows of up to 256 × 256 pixels, evenly spaced and aligned to the
    file's blocks (each decodes one block): a sample of the whole scene without decoding
    the rest of it. ``areas`` = (bare soil, full vegetation) polygons in the image's CRS:
    the end-members are then the median VI of the clear pixels at least half inside each.
    """
    ds = raster.dataset
    keys = _band_keys(s)
    windows = _sample_windows(raster, lattice)
    parts: list[np.ndarray] = [np.empty((len(keys), 0))] * len(windows)

    def sample_of(handle: UntrustedRaster, run: np.ndarray) -> None:
        for i in run:
            raw, valid = _read(handle, windows[i], s)
            parts[i] = np.stack([raw[k][valid] for k in keys])

    # a lattice of scattered blocks decodes well on every core; strips of a small scene do not
    runs = np.array_split(np.arange(len(windows)), workers() if len(windows) > 16 else 1)
    in_threads(raster, runs, sample_of)
    sample = np.concatenate(parts, axis=1)
    step = max(sample.shape[1] // _SAMPLE_PIXELS, 1)  # an even thinning; percentiles need no more
    raw = dict(zip(keys, sample[:, ::step], strict=True))
    sentinel2 = _is_sentinel2_l2a(raster)
    cal = calibration(np.dtype(ds.dtypes[0]), sentinel2_offset=sentinel2, nir=raw["nir"])
    reflectance = {k: cal.apply(v) for k, v in raw.items() if k in SPECTRAL_BANDS}
    floor = None if cal.calibrated else dn_cloud_floor(reflectance)
    scene = Scene(
        pyproj.CRS.from_user_input(ds.crs),
        sentinel2,
        cal,
        EndMembers(float("nan"), float("nan"), "not chosen", True),
        cloud_test(set(keys), cal.calibrated),
        floor,
    )
    pixels = _clear(raw, np.ones(raw["red"].shape, bool), scene)
    refl = {k: v[pixels.clear] for k, v in pixels.reflectance.items()}
    vi = vegetation_index(refl["red"], refl["nir"], s.index)
    ground = ~not_ground(refl["red"], refl["nir"], refl.get("green"), cal.calibrated)
    scene.histogram = {
        "clear": np.histogram(vi, HISTOGRAM_EDGES)[0].tolist(),
        "candidates": np.histogram(vi[ground], HISTOGRAM_EDGES)[0].tolist(),
    }
    if areas is not None and s.end_members is None:
        soil, veg = (_median_vi(raster, scene, a, s) for a in areas)
        scene.end_members = EndMembers(
            soil[0],
            veg[0],
            f"reference areas: median {s.index.upper()} of {soil[1]} bare-soil and {veg[1]} vegetation pixels",
            veg[0] - soil[0] < MIN_SPAN,
        )
    else:
        scene.end_members = end_members(
            vi,
            refl["red"],
            refl["nir"],
            index=s.index,
            green=refl.get("green"),
            calibrated=cal.calibrated,
            percentiles=s.percentiles,
            given=s.end_members,
        )
    return scene


def scene_notes(scene: Scene) -> list[str]:
    """What limits every measurement on the scene: uncalibrated values, clouds, end-members."""
    notes = []
    if not scene.calibration.calibrated:
        notes.append(f"image is {scene.scaling}")
    if scene.cloud_test.startswith("none"):
        notes.append(
            "no cloud test: uncalibrated values without a blue band; clouds are left out only "
            "where nodata or a mask band says so"
        )
    em = scene.end_members
    notes += list(em.notes)
    if em.degenerate and not any("degenerate" in n for n in em.notes):
        notes.append(
            f"end-members are degenerate (soil {em.soil:.3f}, vegetation {em.veg:.3f}): FVC is unreliable"
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
    raster: UntrustedRaster, scene: Scene, area: shapely.Geometry, s: FvcSettings
) -> tuple[float, int]:
    """Median VI of the clear pixels at least half inside ``area`` (image CRS), and their count."""
    ds = raster.dataset
    try:
        window = grid_window(ds.transform, [area]).intersection(Window(0, 0, ds.width, ds.height))
    except WindowError:
        window = None
    if window is None or window.width < 1 or window.height < 1:
        raise InputError("an end-member reference area lies outside the image")
    pixels = _clear(*_read(raster, window, s), scene)
    shape = (int(window.height), int(window.width))
    inside = coverage_fraction(area, window_transform(window, ds.transform), shape) >= 0.5
    use = inside & pixels.clear
    vi = vegetation_index(pixels.reflectance["red"][use], pixels.reflectance["nir"][use], s.index)
    vi = vi[np.isfinite(vi)]
    if vi.size < 9:
        raise InputError(
            f"an end-member reference area has {vi.size} valid pixels; draw it over at least 9"
        )
    return float(np.median(vi)), int(vi.size)


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


def grid_window(transform: Affine, geoms: list[shapely.Geometry]) -> Window:
    """The pixels of the grid ``transform`` under ``geoms`` (its CRS): their bounds in pixel
    space, one pixel wider.

    Taken in pixel space, so it holds for every affine grid (south-up, east-to-west,
    rotated). It may reach beyond the image; those pixels read as NaN.
    """
    xy = shapely.get_coordinates(shapely.boundary(np.asarray(geoms, dtype=object)))
    if not len(xy):
        return Window(0, 0, 0, 0)
    col, row = ~transform @ (xy[:, 0], xy[:, 1])
    c0, r0 = int(np.floor(col.min())), int(np.floor(row.min()))
    c1, r1 = int(np.ceil(col.max())), int(np.ceil(row.max()))
    return Window(c0, r0, c1 - c0 + 1, r1 - r0 + 1)


def grid_outline(transform: Affine, shape: tuple[int, int], pieces: int = 64) -> shapely.Polygon:
    """The outline of a grid of ``shape`` (rows, cols) on ``transform``, in its CRS, each
    edge cut into ``pieces`` so that it bends right when reprojected; any affine grid."""
    rows, cols = shape
    corners = [transform @ c for c in ((0, 0), (cols, 0), (cols, rows), (0, rows))]
    side = max(
        np.hypot(*np.subtract(corners[1], corners[0])),
        np.hypot(*np.subtract(corners[3], corners[0])),
    )
    return shapely.segmentize(shapely.Polygon(corners), max(side / pieces, 1e-9))


def _fvc_on(raster: UntrustedRaster, scene: Scene, grid: Window, s: FvcSettings) -> FvcGrid:
    """FVC on ``grid`` (a window, possibly off the image: NaN there, as nodata and cloud)."""
    ds = raster.dataset
    cover = np.full((int(grid.height), int(grid.width)), np.nan, np.float32)
    try:
        inside = grid.intersection(Window(0, 0, ds.width, ds.height))
    except WindowError:  # wholly off the image
        inside = None
    if inside is not None and inside.width > 0 and inside.height > 0:
        r0, c0 = int(inside.row_off - grid.row_off), int(inside.col_off - grid.col_off)
        sl = (slice(r0, r0 + int(inside.height)), slice(c0, c0 + int(inside.width)))
        pixels = _clear(*_read(raster, inside, s), scene)
        refl = pixels.reflectance
        part = fvc(vegetation_index(refl["red"], refl["nir"], s.index), scene.end_members)
        cover[sl] = np.where(pixels.clear, part, np.nan)
    return FvcGrid(cover, window_transform(grid, ds.transform))


def fvc_grid(
    raster: UntrustedRaster, scene: Scene, geoms: list[shapely.Geometry], s: FvcSettings
) -> FvcGrid:
    """FVC on the image's pixels under ``geoms`` (image CRS), one pixel wider.

    Parts of the grid off the image, nodata and cloud stay NaN; each block is decoded
    once. The grid must fit one read (:class:`FvcStrips` measures larger areas).
    """
    return _fvc_on(raster, scene, grid_window(raster.dataset.transform, geoms), s)


#: Pixels of one strip of :class:`FvcStrips` (also bounded by the reader's window limit):
#: a strip's reads, FVC and exact weights take about 80 bytes a pixel, ~80 MiB at a time.
STRIP_PIXELS = 1 << 20


def strip_rows(
    raster: UntrustedRaster, cols: int, s: FvcSettings, max_pixels: int | None = None
) -> int:
    """Rows of a strip ``cols`` wide of the image: at most ``max_pixels`` (default
    :data:`STRIP_PIXELS`) and one bounded read of the bands ``s`` names, whole rows of the
    image's blocks where that fits, at least 1."""
    itemsize = np.dtype(raster.dataset.dtypes[0]).itemsize
    budget = STRIP_PIXELS if max_pixels is None else max_pixels
    return raster.strip_rows(cols * len(_band_keys(s)) * itemsize, budget // max(cols, 1))


class FvcStrips:
    """FVC on the grid over ``geoms`` (image CRS) in full-width strips, top to bottom.

    For areas whose grid is too large to hold: each strip is at most ``max_pixels``
    (default :data:`STRIP_PIXELS`) and one bounded read (whole rows of the image's blocks where that fits).
    ``transform`` and ``shape`` are the whole grid's.
    """

    def __init__(
        self,
        raster: UntrustedRaster,
        scene: Scene,
        geoms: list[shapely.Geometry],
        s: FvcSettings,
        max_pixels: int | None = None,
    ) -> None:
        self._raster, self._scene, self._s = raster, scene, s
        self.window = grid_window(raster.dataset.transform, geoms)
        self.transform = window_transform(self.window, raster.dataset.transform)
        self.shape = (int(self.window.height), int(self.window.width))
        self.rows = strip_rows(raster, self.shape[1], s, max_pixels)

    def __iter__(self) -> Iterator[tuple[int, FvcGrid]]:
        """(first row in the grid, FVC of the strip)."""
        w = self.window
        for top in range(0, self.shape[0], self.rows):
            strip = Window(w.col_off, w.row_off + top, w.width, min(self.rows, self.shape[0] - top))
            yield top, _fvc_on(self._raster, self._scene, strip, self._s)


@dataclass
class ZoneStats:
    """A zone's FVC statistics on one image (shares are of the zone's valid area, 0-1).

    ``valid_share``: share of the zone's area with valid pixels; ``vegetated_area_m2``:
    ellipsoidal area of its vegetated valid part; ``pixel_m2``: ellipsoidal area of one
    pixel at the zone (m²).
    """

    valid_share: float
    fvc_mean: float
    vegetated_share: float
    bare_share: float
    reference_fvc_mean: float
    vegetated_area_m2: float
    pixel_m2: float


@dataclass
class ZoneSums:
    """Exact-weighted sums of FVC over a zone and its reference ring, added grid by grid.

    Weights are each pixel's coverage fraction (0-1) by the zone or ring; only valid
    pixels count towards the FVC sums.
    """

    zone: float = 0.0
    valid: float = 0.0
    fvc: float = 0.0
    vegetated: float = 0.0
    bare: float = 0.0
    ring: float = 0.0
    ring_fvc: float = 0.0

    def add(
        self, grid: FvcGrid, w_zone: np.ndarray, w_ring: np.ndarray | None, s: FvcSettings
    ) -> None:
        """Add one grid (or strip) with the zone's (and the ring's) weights on it."""
        usable = grid.usable
        filled = np.where(usable, grid.cover, 0.0)
        w = np.where(usable, w_zone, 0.0)
        self.zone += float(w_zone.sum(dtype=np.float64))
        self.valid += float(w.sum(dtype=np.float64))
        self.fvc += float((w * filled).sum(dtype=np.float64))
        self.vegetated += float(w[filled >= s.vegetated_fvc].sum(dtype=np.float64))
        self.bare += float(w[usable & (filled < s.bare_fvc)].sum(dtype=np.float64))
        if w_ring is not None:
            wr = np.where(usable, w_ring, 0.0)
            self.ring += float(wr.sum(dtype=np.float64))
            self.ring_fvc += float((wr * filled).sum(dtype=np.float64))

    def stats(self, zone_area_m2: float) -> ZoneStats:
        """The statistics of the sums; ``zone_area_m2`` is the zone's ellipsoidal area.

        Statistics with no valid pixel are NaN.
        """
        nan = float("nan")
        ref = self.ring_fvc / self.ring if self.ring > 0 else nan
        pixel_m2 = zone_area_m2 / self.zone if self.zone > 0 else nan
        if self.valid == 0:
            return ZoneStats(0.0, nan, nan, nan, ref, nan, pixel_m2)
        return ZoneStats(
            valid_share=self.valid / self.zone,
            fvc_mean=self.fvc / self.valid,
            vegetated_share=self.vegetated / self.valid,
            bare_share=self.bare / self.valid,
            reference_fvc_mean=ref,
            vegetated_area_m2=self.vegetated * pixel_m2,
            pixel_m2=pixel_m2,
        )


def zone_stats(
    raster: UntrustedRaster,
    scene: Scene,
    zone: shapely.Geometry,
    ring: shapely.Geometry | None,
    zone_area_m2: float,
    s: FvcSettings,
) -> ZoneStats:
    """Exact-weighted FVC statistics of ``zone`` and the mean FVC of ``ring`` (both image CRS).

    Read in :class:`FvcStrips`, so a zone of any size is measured in bounded memory;
    ``zone_area_m2`` is the zone's ellipsoidal area. Statistics with no valid pixel are NaN.
    """
    sums = ZoneSums()
    for _, grid in FvcStrips(raster, scene, [zone] if ring is None else [zone, ring], s):
        shape = grid.cover.shape
        w_ring = None if ring is None else coverage_fraction(ring, grid.transform, shape)
        sums.add(grid, coverage_fraction(zone, grid.transform, shape), w_ring, s)
    return sums.stats(zone_area_m2)


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
