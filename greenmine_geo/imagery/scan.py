"""Streaming passes over a submitted raster: the whole image, and the area around a mine.

Both read through :class:`~greenmine_geo.io.untrusted.UntrustedRaster` windows of
bounded size, so memory stays bounded whatever the image's size.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ..io.gdal import Window, WindowError, geometry_mask, window_transform
from ..io.untrusted import UntrustedRaster
from .clouds import SCL_CLOUD
from .zone_fvc import grid_window

__all__ = ["AoiScan", "ImageScan", "scan_aoi", "scan_image"]

#: Longest side of the quicklook (block-averaged full-resolution image).
QUICKLOOK_SIDE = 512
_NDVI_BINS = np.linspace(-1, 1, 201)


@dataclass
class ImageScan:
    """What one pass over the full-resolution pixels established.

    Attributes
    ----------
    pixel_sha256 : str
        Hash of the decoded pixels row by row (independent of tiling and compression).
    quicklook : ndarray, shape (bands, h, w), float64
        Block means of valid pixels over ``factor`` × ``factor`` blocks (NaN where none).
    factor : int
        Power of two: full-resolution pixels per quicklook pixel along each axis.
    percentiles : ndarray, shape (bands, 3)
        2nd, 50th, 98th percentile of each band over valid pixels.
    """

    pixel_sha256: str
    quicklook: np.ndarray
    factor: int
    percentiles: np.ndarray


def _block_sum(a: np.ndarray, f: int, row0: int) -> tuple[int, np.ndarray]:
    """Sums over the f × f cells of a global grid, for rows ``row0 …`` of the image.

    Returns the first cell row and the sums, shape ``(..., cell rows, ceil(w / f))``;
    ``row0`` need not be a multiple of ``f``.
    """
    h, w = a.shape[-2:]
    cols = np.add.reduceat(a, np.arange(0, w, f), axis=-1)
    starts = np.unique(np.concatenate([[0], np.arange(-row0 % f, h, f)]))
    return row0 // f, np.add.reduceat(cols, starts, axis=-2)


def scan_image(raster: UntrustedRaster) -> ImageScan:
    """One pass over every pixel, in row strips of bounded size.

    Percentiles come from a regular sample of about four million pixels per
    band (every ``stride``-th row and column), plenty for thresholds.
    """
    ds = raster.dataset
    factor = 1
    while max(ds.width, ds.height) / factor > QUICKLOOK_SIDE:
        factor *= 2
    stride = max(1, int(np.ceil(np.sqrt(ds.width * ds.height / 4e6))))
    qh, qw = -(-ds.height // factor), -(-ds.width // factor)
    sums = np.zeros((ds.count, qh, qw))
    counts = np.zeros((qh, qw))
    digest = hashlib.sha256(f"{ds.count}x{ds.height}x{ds.width}:{ds.dtypes[0]}".encode())
    samples: list[np.ndarray] = []
    for window in raster.row_windows():
        data = raster.read(window)
        valid = raster.read_valid(window, data)
        # row by row, so the hash does not depend on tiling or compression
        digest.update(np.ascontiguousarray(data.transpose(1, 0, 2)).data)
        row0 = int(window.row_off)
        values = data.astype(np.float32)
        if not valid.all():
            values[:, ~valid] = 0
        q0, block = _block_sum(values, factor, row0)
        _, cell_counts = _block_sum(valid.astype(np.float32), factor, row0)
        sums[:, q0 : q0 + block.shape[1], :] += block
        counts[q0 : q0 + block.shape[1], :] += cell_counts
        first = -row0 % stride  # sampled rows are multiples of stride in image coordinates
        picked = valid[first::stride, ::stride]
        samples.append(data[:, first::stride, ::stride][:, picked].astype(np.float32))
    with np.errstate(invalid="ignore", divide="ignore"):
        quicklook = sums / counts
    sample = np.concatenate(samples, axis=1) if samples else np.empty((ds.count, 0))
    pct = (
        np.percentile(sample, (2, 50, 98), axis=1).T
        if sample.shape[1]
        else np.full((ds.count, 3), np.nan)
    )
    return ImageScan(digest.hexdigest(), quicklook, factor, pct)


@dataclass
class AoiScan:
    """Counts over the area of interest (mine plus buffer) and the mine itself, in pixels.

    ``ndvi_hist`` is a histogram of NDVI over valid pixels of the AOI (200 bins on
    [-1, 1]) when red and NIR are known.
    """

    aoi_pixels: int
    aoi_valid: int
    outside_extent_fraction: float
    mine_pixels: int
    mine_nodata: int
    mine_saturated: int
    mine_cloudlike: int
    mine_qa_cloud: int
    looks_green: int
    looks_green_low_ndvi: int
    ndvi_hist: np.ndarray | None


def _count_strip(
    data: np.ndarray,
    valid: np.ndarray,
    in_aoi: np.ndarray,
    in_mine: np.ndarray,
    counts: dict[str, int],
    hist: np.ndarray | None,
    bands: dict[str, int],
    limits: tuple[float, np.ndarray | None, int | None, float],
) -> None:
    """Add one strip's pixels to ``counts`` and ``hist`` (see :func:`scan_aoi`).

    ``limits``: the dtype's top value (saturation), the bright floor per band (cloud),
    the QA band and the low-NDVI threshold of green-looking pixels.
    """
    top, bright, qa_band, green_low_ndvi = limits
    counts["aoi"] += int(in_aoi.sum())
    counts["valid"] += int((in_aoi & valid).sum())
    counts["mine"] += int(in_mine.sum())
    counts["nodata"] += int((in_mine & ~valid).sum())
    counts["sat"] += int((in_mine & valid & (data >= top).any(axis=0)).sum())
    if bright is not None and np.isfinite(bright).all():
        mean = data.mean(axis=0)
        flat = (data.max(axis=0) - data.min(axis=0)) <= 0.2 * np.maximum(mean, 1e-9)
        is_bright = (data >= bright[:, None, None]).all(axis=0)
        counts["cloud"] += int((in_mine & valid & is_bright & flat).sum())
    if qa_band is not None:
        qa = data[qa_band - 1]
        counts["qa"] += int((in_mine & valid & np.isin(qa, SCL_CLOUD)).sum())
    if hist is not None:
        red, nir = data[bands["red"] - 1], data[bands["nir"] - 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            ndvi = (nir - red) / (nir + red)
        ok = in_aoi & valid & np.isfinite(ndvi)
        hist += np.histogram(ndvi[ok], _NDVI_BINS)[0]
        if {"green", "blue"} <= bands.keys():
            g, b = data[bands["green"] - 1], data[bands["blue"] - 1]
            green = ok & (g > red * 1.05) & (g > b * 1.05)
            counts["green"] += int(green.sum())
            counts["green_low"] += int((green & (ndvi < green_low_ndvi)).sum())


def scan_aoi(
    raster: UntrustedRaster,
    aoi,  # noqa: ANN001 - shapely geometry in the image's CRS
    mine,  # noqa: ANN001
    outside_extent_fraction: float,
    bands: dict[str, int],
    percentiles: np.ndarray,
    qa_band: int | None,
    green_low_ndvi: float,
) -> AoiScan:
    """Stream the AOI's window; rasterise the AOI and the mine per strip (pixel centres).

    Pixels are counted as nodata, saturated (the dtype's top value), cloud-like (bright
    in every band and spectrally flat), QA cloud (Sentinel-2 SCL classes in :data:`.clouds.SCL_CLOUD`);
    green-looking pixels (green above red and blue by 5 %) with NDVI under
    ``green_low_ndvi`` are counted apart: vegetation by colour but not by NIR.
    """
    ds = raster.dataset
    full = Window(0, 0, ds.width, ds.height)
    try:
        win = grid_window(ds.transform, [aoi]).intersection(full)
    except WindowError:  # the AOI does not meet the image
        win = None
    counts = dict.fromkeys(
        ("aoi", "valid", "mine", "nodata", "sat", "cloud", "qa", "green", "green_low"), 0
    )
    hist = np.zeros(len(_NDVI_BINS) - 1, np.int64) if {"red", "nir"} <= bands.keys() else None
    dtype = np.dtype(ds.dtypes[0])
    top = np.iinfo(dtype).max if np.issubdtype(dtype, np.integer) else np.inf
    bright = percentiles[:, 2] * 0.95 if percentiles.size else None
    limits = (float(top), bright, qa_band, green_low_ndvi)
    if win is not None and win.width > 0 and win.height > 0:
        row_bytes = int(win.width) * ds.count * dtype.itemsize
        step = max(int(raster.limits.window_bytes // max(row_bytes, 1)), 1)
        for r0 in range(int(win.row_off), int(win.row_off + win.height), step):
            w = Window(
                int(win.col_off), r0, int(win.width), min(step, int(win.row_off + win.height) - r0)
            )
            tr = window_transform(w, ds.transform)
            shape = (int(w.height), int(w.width))
            in_aoi = geometry_mask([aoi], shape, tr, invert=True)
            in_mine = geometry_mask([mine], shape, tr, invert=True)
            if not in_aoi.any():
                continue
            raw = raster.read(w)
            valid = raster.read_valid(w, raw)
            _count_strip(
                raw.astype(np.float64), valid, in_aoi, in_mine, counts, hist, bands, limits
            )
    return AoiScan(
        counts["aoi"],
        counts["valid"],
        outside_extent_fraction,
        counts["mine"],
        counts["nodata"],
        counts["sat"],
        counts["cloud"],
        counts["qa"],
        counts["green"],
        counts["green_low"],
        hist,
    )


def ndvi_percentile(hist: np.ndarray, q: float) -> float:
    """A percentile (0-100) of NDVI from an :class:`AoiScan` histogram."""
    total = hist.sum()
    if total == 0:
        return float("nan")
    idx = int(np.searchsorted(np.cumsum(hist) / total, q / 100))
    centres = (_NDVI_BINS[:-1] + _NDVI_BINS[1:]) / 2
    return float(centres[min(idx, len(centres) - 1)])
