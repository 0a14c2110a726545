"""The imagery review checklist: is a submitted image usable and honest? (RULES.md §3)

Each check returns :class:`Check` (``id``, ``status`` PASS/WARN/FAIL,
``message``, ``evidence``). The ids are stable names used by reviewers and by
tests outside this repository; :data:`CHECK_IDS` lists them in order.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyproj
import scipy.fft
import shapely

from ..config.settings import ReviewSettings
from ..crs import CGCS2000, CGCS2000_INNER_MONGOLIA, EQUAL_AREA, GEOD, transformer
from ..io import results
from ..io.clock import today
from ..io.gdal import Window
from ..io.untrusted import UntrustedRaster, UntrustedRasterError
from ..types import CheckStatus, StepResult
from .scan import AoiScan, ImageScan, ndvi_percentile, scan_aoi, scan_image
from .zone_fvc import grid_outline, reproject_geoms

__all__ = [
    "CHECK_IDS",
    "Check",
    "ReviewResult",
    "check_bands",
    "check_coverage",
    "check_crs",
    "check_date",
    "check_duplicate",
    "check_nodata_cloud",
    "check_overviews",
    "check_resolution",
    "check_spectral",
    "fingerprint",
    "infer_bands",
    "not_decoded",
    "overall",
    "refused",
    "review_raster",
]

PASS, WARN, FAIL = CheckStatus.PASS, CheckStatus.WARN, CheckStatus.FAIL
#: Relative slack in comparing a pixel size with its limit (floating-point noise, not a threshold).
_SLACK = 1.001

CHECK_IDS = (
    "format",
    "dimensions",
    "crs",
    "coverage",
    "resolution",
    "bands",
    "date",
    "nodata_cloud",
    "overviews",
    "duplicate",
    "spectral_consistency",
)


@dataclass
class Check:
    """One line of the checklist."""

    id: str
    status: CheckStatus
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def overall(checks: list[Check]) -> CheckStatus:
    """FAIL if any check fails, else WARN if any warns, else PASS."""
    statuses = {c.status for c in checks}
    return FAIL if FAIL in statuses else WARN if WARN in statuses else PASS


def check_crs(crs: pyproj.CRS | None) -> Check:
    if crs is None:
        return Check("crs", FAIL, "no coordinate reference system: the image cannot be located")
    code = crs.to_epsg()
    evidence = {"crs": crs.name, "epsg": code}
    if code in CGCS2000_INNER_MONGOLIA:
        return Check("crs", PASS, f"CGCS2000 ({crs.name}, EPSG:{code})", evidence)
    if code is not None:
        return Check(
            "crs",
            WARN,
            f"{crs.name} (EPSG:{code}) is not CGCS2000; the image is reprojected for the checks",
            evidence,
        )
    return Check(
        "crs",
        WARN,
        f"{crs.name} has no EPSG code; check that it is what the applicant claims",
        evidence,
    )


def gsd_m(transform: Any, crs: pyproj.CRS, lon: float, lat: float) -> tuple[float, float]:
    """Ground sample distance (m) along x and y at (lon, lat), geodesically."""
    x, y = transformer(CGCS2000, crs).transform(lon, lat)
    back = transformer(crs, CGCS2000)
    lon1, lat1 = back.transform(x + transform.a, y + transform.d)
    lon2, lat2 = back.transform(x + transform.b, y + transform.e)
    return float(GEOD.inv(lon, lat, lon1, lat1)[2]), float(GEOD.inv(lon, lat, lon2, lat2)[2])


def check_resolution(gsd: tuple[float, float] | None, s: ReviewSettings) -> Check:
    if gsd is None:
        return Check(
            "resolution",
            FAIL,
            "not checked: the image has no CRS, so its pixel size on the ground is unknown",
        )
    worst = max(gsd)
    ev = {"gsd_x_m": round(gsd[0], 3), "gsd_y_m": round(gsd[1], 3), "limit_m": s.max_resolution_m}
    if worst <= s.max_resolution_m * _SLACK:
        return Check(
            "resolution", PASS, f"{worst:.2f} m per pixel (limit {s.max_resolution_m:g} m)", ev
        )
    return Check(
        "resolution",
        FAIL,
        f"{worst:.2f} m per pixel is coarser than the {s.max_resolution_m:g} m limit",
        ev,
    )


def check_coverage(aoi: AoiScan | None, s: ReviewSettings) -> Check:
    if aoi is None:
        return Check(
            "coverage",
            FAIL,
            "not checked: the image has no CRS, so it cannot be placed over the mine",
        )
    inside = 1 - aoi.outside_extent_fraction
    valid_inside = aoi.aoi_valid / aoi.aoi_pixels if aoi.aoi_pixels else 0.0
    uncovered = 100 * (1 - inside * valid_inside)
    ev = {
        "uncovered_pct": round(uncovered, 3),
        "outside_image_pct": round(100 * aoi.outside_extent_fraction, 3),
        "nodata_inside_image_pct": round(100 * (1 - valid_inside), 3),
        "buffer_m": s.buffer_m,
    }
    if uncovered <= s.max_uncovered_pct:
        return Check(
            "coverage", PASS, f"valid pixels cover the mine and its {s.buffer_m:g} m buffer", ev
        )
    return Check(
        "coverage",
        FAIL,
        f"{uncovered:.1f} % of the mine and its {s.buffer_m:g} m buffer has no valid pixels",
        ev,
    )


def check_bands(
    bands: dict[str, int], count: int, rgb_only: bool, aoi: AoiScan | None, s: ReviewSettings
) -> Check:
    ev: dict[str, Any] = {"bands": bands, "band_count": count}
    missing = [b for b in ("red", "nir") if b not in bands]
    if missing:
        why = "an RGB-only image" if rgb_only else "no near-infrared band identified"
        return Check(
            "bands",
            FAIL,
            f"{why}: red and NIR are needed for vegetation indices; declare them with --bands red=R,nir=N",
            ev,
        )
    bad = {k: v for k, v in bands.items() if not 1 <= v <= count}
    if bad:
        return Check("bands", FAIL, f"bands {bad} do not exist: the image has {count} bands", ev)
    if aoi is None or aoi.ndvi_hist is None or aoi.ndvi_hist.sum() == 0:
        return Check(
            "bands",
            WARN,
            "red and NIR declared, but no valid pixels near the mine to test them",
            ev,
        )
    p5, p95 = ndvi_percentile(aoi.ndvi_hist, 5), ndvi_percentile(aoi.ndvi_hist, 95)
    ev.update(ndvi_p5=round(p5, 3), ndvi_p95=round(p95, 3))
    if p95 >= s.vegetation_ndvi:
        return Check(
            "bands",
            PASS,
            f"NIR is brighter than red over vegetation (95th percentile NDVI {p95:.2f})",
            ev,
        )
    if p5 <= s.swapped_ndvi[0] and p95 < s.swapped_ndvi[1]:
        return Check(
            "bands",
            FAIL,
            f"red is brighter than NIR almost everywhere (NDVI {p5:.2f} to {p95:.2f}): red and NIR look swapped or mislabelled",
            ev,
        )
    return Check(
        "bands",
        WARN,
        f"no clear vegetation signal (95th percentile NDVI {p95:.2f}): bands cannot be confirmed",
        ev,
    )


def _in_season(d: date, season: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    return season[0] <= (d.month, d.day) <= season[1]


def parse_image_date(tags: dict[str, str]) -> tuple[date | None, str | None]:
    """Acquisition date from metadata (ACQUISITIONDATETIME ...) or TIFF DateTime; and which tag."""
    for key in (
        "ACQUISITIONDATETIME",
        "ACQUISITION_DATE",
        "DATE_ACQUIRED",
        "SENSING_TIME",
        "TIFFTAG_DATETIME",
    ):
        value = tags.get(key)
        if not value:
            continue
        text = value.strip().replace(":", "-", 2) if key == "TIFFTAG_DATETIME" else value.strip()
        try:
            return datetime.fromisoformat(text[:10]).date(), key
        except ValueError:
            continue
    return None, None


def check_date(tags: dict[str, str], declared: date | None, s: ReviewSettings) -> Check:
    """The acquisition date: declared against recorded, in the review window and the season.

    The window is the settings' (:meth:`ReviewSettings.window`; filled in by the step).
    """
    start, end = s.window(today())
    recorded, key = parse_image_date(tags)
    ev: dict[str, Any] = {
        "declared": declared and declared.isoformat(),
        "recorded": recorded and recorded.isoformat(),
        "recorded_tag": key,
        "review_window": [start.isoformat(), end.isoformat()],
        "season": [f"{m:02d}-{d:02d}" for m, d in s.season],
    }
    if declared and recorded:
        gap = (declared - recorded).days
        written_before = key == "TIFFTAG_DATETIME" and gap > s.date_tolerance_days
        if written_before or (key != "TIFFTAG_DATETIME" and abs(gap) > s.date_tolerance_days):
            what = (
                "the file was written on"
                if key == "TIFFTAG_DATETIME"
                else "the image records acquisition on"
            )
            return Check(
                "date",
                FAIL,
                f"declared acquisition {declared} but {what} {recorded}: an older image re-dated?",
                ev,
            )
    when = declared or (recorded if key != "TIFFTAG_DATETIME" else None) or recorded
    if when is None:
        return Check(
            "date", WARN, "no acquisition date in the image and none declared (--acquired)", ev
        )
    if not start <= when <= end:
        return Check(
            "date",
            FAIL,
            f"acquired {when}, outside the review window {start} – {end}",
            ev,
        )
    if not _in_season(when, s.season):
        return Check(
            "date",
            FAIL,
            f"acquired {when}, outside the growing season ({ev['season'][0]} to {ev['season'][1]}): vegetation cannot be judged",
            ev,
        )
    return Check("date", PASS, f"acquired {when}, in the review window and the growing season", ev)


def check_nodata_cloud(aoi: AoiScan | None, s: ReviewSettings) -> Check:
    if aoi is None or aoi.mine_pixels == 0:
        return Check("nodata_cloud", FAIL, "not checked: the mine is not on the image")
    n = aoi.mine_pixels
    bad = aoi.mine_nodata + aoi.mine_saturated + max(aoi.mine_cloudlike, aoi.mine_qa_cloud)
    pct = 100 * min(bad, n) / n
    ev = {
        "share_pct": round(pct, 2),
        "nodata_pct": round(100 * aoi.mine_nodata / n, 2),
        "saturated_pct": round(100 * aoi.mine_saturated / n, 2),
        "cloud_snow_like_pct": round(100 * aoi.mine_cloudlike / n, 2),
        "qa_cloud_pct": round(100 * aoi.mine_qa_cloud / n, 2),
        "limit_pct": s.max_nodata_cloud_pct,
    }
    text = f"{pct:.1f} % of the mine is nodata, saturated or cloud/snow-like (limit {s.max_nodata_cloud_pct:g} %)"
    status = (
        FAIL if pct > s.max_nodata_cloud_pct else WARN if pct > s.warn_nodata_cloud_pct else PASS
    )
    return Check("nodata_cloud", status, text, ev)


def _block_mean(a: np.ndarray, f: int) -> np.ndarray:
    """NaN-aware mean over f × f blocks of the last two axes (trailing partial blocks dropped)."""
    *lead, h, w = a.shape
    H, W = h // f, w // f
    blocks = a[..., : H * f, : W * f].reshape(*lead, H, f, W, f)
    with np.errstate(invalid="ignore"):
        return np.nanmean(blocks, axis=(-3, -1))


def check_overviews(
    scan: ImageScan, stored: list[tuple[int, np.ndarray]], s: ReviewSettings
) -> Check:
    """Compare stored overviews with block means of the full resolution, at a coarse grid.

    Each stored overview (decimation factor, pixels) is averaged to a grid of at
    least 4 × 4 overview pixels per cell and compared with the full-resolution
    block means over the same cells; a cell disagrees when a band differs by
    more than ``s.overview_tolerance`` of its 2-98 % range.
    """
    if not stored:
        return Check(
            "overviews",
            PASS,
            "no stored overviews (nothing that could disagree with the full resolution)",
        )
    span = np.maximum(scan.percentiles[:, 2] - scan.percentiles[:, 0], 1e-9)[:, None, None]
    worst: dict[str, Any] = {"factor": None, "mismatch_pct": 0.0}
    for factor, pixels in stored:
        if factor & (factor - 1):
            continue  # not a power of two: no common grid with the quicklook
        cell = max(scan.factor, factor * 4)
        ours = _block_mean(scan.quicklook, cell // scan.factor)
        theirs = _block_mean(pixels.astype(np.float64), cell // factor)
        h, w = min(ours.shape[1], theirs.shape[1]), min(ours.shape[2], theirs.shape[2])
        diff = np.abs(ours[:, :h, :w] - theirs[:, :h, :w]) / span
        ok = np.isfinite(diff).all(axis=0)
        if not ok.any():
            continue
        pct = 100 * float((diff[:, ok] > s.overview_tolerance).any(axis=0).mean())
        if pct >= worst["mismatch_pct"]:
            worst = {"factor": factor, "mismatch_pct": round(pct, 2), "cells": int(ok.sum())}
    ev = {**worst, "levels": [f for f, _ in stored], "limit_pct": s.max_overview_mismatch_pct}
    if worst["mismatch_pct"] > s.max_overview_mismatch_pct:
        return Check(
            "overviews",
            FAIL,
            f"the stored 1:{worst['factor']} overview disagrees with the full resolution over {worst['mismatch_pct']:.1f} % of the image: it was not rebuilt after the pixels changed",
            ev,
        )
    return Check(
        "overviews",
        PASS,
        f"stored overviews ({', '.join(f'1:{f}' for f, _ in stored)}) agree with the full resolution",
        ev,
    )


def perceptual_hash(quicklook: np.ndarray, percentiles: np.ndarray) -> str:
    """64-bit DCT perceptual hash of the normalised quicklook (mean of bands), as hex."""
    span = np.maximum(percentiles[:, 2] - percentiles[:, 0], 1e-9)[:, None, None]
    norm = np.clip((quicklook - percentiles[:, 0][:, None, None]) / span, 0, 1)
    grey = np.nan_to_num(np.nanmean(norm, axis=0) if norm.size else norm, nan=0.0)
    ys = np.linspace(0, grey.shape[0] - 1, 32).round().astype(int)
    xs = np.linspace(0, grey.shape[1] - 1, 32).round().astype(int)
    small = grey[np.ix_(ys, xs)]
    low = scipy.fft.dctn(small, norm="ortho")[:8, :8].ravel()[1:]
    bits = np.concatenate([[0], low > np.median(low)])
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def fingerprint(scan: ImageScan) -> dict[str, Any]:
    """What the duplicate registry keeps of an image: pixel hash, perceptual hash, band statistics."""
    return {
        "pixel_sha256": scan.pixel_sha256,
        "phash": perceptual_hash(scan.quicklook, scan.percentiles),
        "band_percentiles": np.round(scan.percentiles, 4).tolist(),
    }


def check_duplicate(
    current: dict[str, Any],
    earlier: list[dict[str, Any]],
    mine_id: str,
    claimed: date | None,
    s: ReviewSettings,
) -> Check:
    """Compare with earlier submissions: same pixels, or near-identical content, under another claim."""
    claim = claimed.isoformat() if claimed else None
    for e in earlier:
        same_claim = e.get("mine_id") == mine_id and e.get("claimed_date") == claim
        who = f"submission {e['submission']} ({e.get('image')}, mine {e.get('mine_id')}, claimed {e.get('claimed_date')})"
        ev = {
            "earlier": e["submission"],
            "earlier_image": e.get("image"),
            "earlier_mine": e.get("mine_id"),
            "earlier_claimed_date": e.get("claimed_date"),
        }
        if e["pixel_sha256"] == current["pixel_sha256"]:
            if same_claim:
                return Check(
                    "duplicate",
                    PASS,
                    f"the same image as {who}: a resubmission under the same claim",
                    ev,
                )
            return Check(
                "duplicate",
                FAIL,
                f"identical pixels to {who}, now claimed for mine {mine_id} on {claim}",
                ev,
            )
        distance = bin(int(e["phash"], 16) ^ int(current["phash"], 16)).count("1")
        a, b = np.asarray(e["band_percentiles"]), np.asarray(current["band_percentiles"])
        close = a.shape == b.shape and bool(
            np.allclose(
                a, b, rtol=s.duplicate_band_rtol, atol=1e-3 * max(float(np.abs(a).max()), 1.0)
            )
        )
        if distance <= s.duplicate_max_distance and close and not same_claim:
            return Check(
                "duplicate",
                FAIL,
                f"near-identical content to {who} (perceptual-hash distance {distance} of 64, same band statistics)",
                {**ev, "phash_distance": distance},
            )
    return Check(
        "duplicate",
        PASS,
        f"no earlier submission among {len(earlier)} in the registry matches",
        {"registry_size": len(earlier)},
    )


def check_spectral(aoi: AoiScan | None, bands: dict[str, int], s: ReviewSettings) -> Check:
    if not {"red", "nir", "green", "blue"} <= bands.keys():
        return Check(
            "spectral_consistency",
            WARN,
            "not checked: needs red, green, blue and NIR bands (declare green= and blue= in --bands)",
        )
    if aoi is None or aoi.looks_green == 0:
        return Check(
            "spectral_consistency",
            PASS,
            "no green-looking pixels near the mine to test",
            {"green_looking_pixels": 0},
        )
    pct = 100 * aoi.looks_green_low_ndvi / aoi.looks_green
    ev = {
        "green_looking_pixels": aoi.looks_green,
        "with_low_ndvi_pct": round(pct, 2),
        "limit_pct": s.max_green_low_ndvi_pct,
    }
    if pct > s.max_green_low_ndvi_pct:
        return Check(
            "spectral_consistency",
            WARN,
            f"{pct:.1f} % of the green-looking pixels have NDVI < {s.green_low_ndvi:g}: paint, nets or retouching?",
            ev,
        )
    return Check(
        "spectral_consistency",
        PASS,
        f"green-looking pixels are vegetation by NDVI ({pct:.1f} % below {s.green_low_ndvi:g})",
        ev,
    )


def infer_bands(raster: UntrustedRaster) -> tuple[dict[str, int], bool, str]:
    """Band roles from descriptions or colour interpretation; BGRN assumed for 4+ unnamed bands.

    Returns (roles, whether the image is RGB only, how the roles were found).
    """
    ds = raster.dataset
    names = {
        "red": ("red", "b4", "band 3 red"),
        "nir": ("nir", "near", "b8", "nir1"),
        "green": ("green", "b3"),
        "blue": ("blue", "b2"),
    }
    found: dict[str, int] = {}
    for i, desc in enumerate(ds.descriptions, start=1):
        d = (desc or "").strip().lower()
        for role, keys in names.items():
            if d and role not in found and any(d == k or d.startswith(k) for k in keys):
                found[role] = i
    interp = [c.name for c in ds.colorinterp]
    rgb_only = (
        ds.count <= 4
        and {"red", "green", "blue"} <= set(interp)
        and (ds.count == 3 or interp[3] == "alpha")
    )
    if found:
        return found, rgb_only, "band descriptions"
    if rgb_only:
        rgb = {role: interp.index(role) + 1 for role in ("red", "green", "blue")}
        return rgb, True, "colour interpretation"
    if ds.count >= 4:
        return (
            {"blue": 1, "green": 2, "red": 3, "nir": 4},
            False,
            "assumed blue, green, red, NIR order (declare the bands to be sure)",
        )
    return {}, False, "unknown"


def _qa_band(raster: UntrustedRaster) -> int | None:
    """The band of a cloud/quality mask (Sentinel-2 SCL, a QA band), by its description."""
    for i, desc in enumerate(raster.dataset.descriptions, start=1):
        if desc and any(k in desc.upper() for k in ("SCL", "QA", "CLOUD")):
            return i
    return None


def _aoi(
    mine: shapely.Geometry, crs: pyproj.CRS, ds: Any, buffer_m: float
) -> tuple[shapely.Geometry, shapely.Geometry, float]:
    """AOI (mine + buffer) and the mine in the image CRS, and the AOI's share outside the image.

    ``mine`` is in EQUAL_AREA; the footprint of the image ``ds`` (its four corners, on
    any affine grid) is densified before it is projected.
    """
    aoi_ea = shapely.buffer(mine, buffer_m)
    edge = grid_outline(ds.transform, (ds.height, ds.width))
    footprint = reproject_geoms(np.array([edge], dtype=object), crs, EQUAL_AREA)[0]
    inside = shapely.area(shapely.intersection(aoi_ea, footprint))
    outside = 1 - inside / max(shapely.area(aoi_ea), 1e-9)
    aoi_img, mine_img = reproject_geoms(np.array([aoi_ea, mine], dtype=object), EQUAL_AREA, crs)
    return aoi_img, mine_img, float(max(outside, 0.0))


def _stored_overviews(raster: UntrustedRaster) -> list[tuple[int, np.ndarray]]:
    """Stored overview levels that fit in one bounded read, as (factor, pixels)."""
    out = []
    for level, factor in enumerate(raster.dataset.overviews(1)):
        with raster.overview(level) as ov:
            ds = ov.dataset
            nbytes = ds.width * ds.height * ds.count * np.dtype(ds.dtypes[0]).itemsize
            if nbytes > raster.limits.window_bytes:
                continue
            out.append((int(factor), ov.read(Window(0, 0, ds.width, ds.height))))
    return out


def _image_crs(ds: Any) -> pyproj.CRS | None:
    """The image's CRS; None when it has none or one that cannot be read (it cannot be placed)."""
    try:
        return pyproj.CRS.from_user_input(ds.crs) if ds.crs else None
    except pyproj.exceptions.CRSError:
        return None


def _file_checks(facts: dict[str, Any]) -> list[Check]:
    """``format`` and ``dimensions``: what opening the file established."""
    size = ("width", "height", "bands", "declared_bytes", "file_bytes", "compression_ratio")
    return [
        Check(
            "format",
            PASS,
            f"a {facts['signature']} opened by the GeoTIFF driver alone; sidecar files ignored",
            {k: facts[k] for k in ("signature", "compression", "block_shape")},
        ),
        Check(
            "dimensions",
            PASS,
            f"{facts['width']} × {facts['height']} × {facts['bands']} {facts['dtype']}, "
            f"{facts['compression_ratio']}:1 against the file size",
            {k: facts[k] for k in size},
        ),
    ]


def _over_the_mine(
    raster: UntrustedRaster,
    crs: pyproj.CRS | None,
    mine: shapely.Geometry,
    roles: dict[str, int],
    scan: ImageScan,
    s: ReviewSettings,
) -> tuple[AoiScan | None, tuple[float, float] | None]:
    """The scan of the mine and its buffer, and the pixel size there (None without a CRS)."""
    if crs is None:
        return None, None
    ds = raster.dataset
    aoi, mine_img, outside = _aoi(mine, crs, ds, s.buffer_m)
    c = reproject_geoms(np.array([mine], dtype=object), EQUAL_AREA, CGCS2000)[0].centroid
    usable = {k: v for k, v in roles.items() if 1 <= v <= ds.count}
    found = scan_aoi(
        raster, aoi, mine_img, outside, usable, scan.percentiles, _qa_band(raster), s.green_low_ndvi
    )
    return found, gsd_m(ds.transform, crs, c.x, c.y)


def review_raster(
    raster: UntrustedRaster,
    mine: shapely.Geometry,
    mine_id: str,
    bands: dict[str, int] | None,
    acquired: date | None,
    earlier: list[dict[str, Any]] | None,
    s: ReviewSettings,
    checks: list[Check],
) -> dict[str, Any]:
    """Run every check on an opened image for a mine (EQUAL_AREA), appending to ``checks``.

    ``earlier``: the registry's submissions (None: not compared). Returns the image's
    registry entry (fingerprint and claim). An :class:`UntrustedRasterError` raised while
    reading leaves in ``checks`` what was established before it (see :func:`refused`).
    """
    ds = raster.dataset
    checks += _file_checks(raster.facts)
    crs = _image_crs(ds)
    checks.append(check_crs(crs))
    roles, rgb_only, source = (bands, False, "declared") if bands else infer_bands(raster)
    scan = scan_image(raster)
    aoi_scan, gsd = _over_the_mine(raster, crs, mine, roles, scan, s)
    checks += [check_coverage(aoi_scan, s), check_resolution(gsd, s)]
    band_check = check_bands(roles, ds.count, rgb_only, aoi_scan, s)
    band_check.evidence.update(source=source, declared=bands is not None)
    checks += [band_check, check_date(ds.tags(), acquired, s), check_nodata_cloud(aoi_scan, s)]
    checks.append(check_overviews(scan, _stored_overviews(raster), s))
    current = fingerprint(scan)
    claimed = acquired or parse_image_date(ds.tags())[0]
    if earlier is None:
        checks.append(
            Check(
                "duplicate",
                WARN,
                "not compared: no registry of earlier submissions was given (--registry DIR)",
            )
        )
    else:
        checks.append(check_duplicate(current, earlier, mine_id, claimed, s))
    checks.append(check_spectral(aoi_scan, roles, s))
    return {**current, "mine_id": mine_id, "claimed_date": claimed and claimed.isoformat()}


def _not_checked(reason: str, ids: tuple[str, ...] | list[str]) -> list[Check]:
    return [Check(i, FAIL, f"not checked: {reason}") for i in ids]


def refused(exc: UntrustedRasterError, done: list[Check]) -> list[Check]:
    """The whole checklist when the image was refused: what was established before the
    refusal, the check it failed, and every other check failed as not checked."""
    ids = {c.id for c in done}
    rest = [i for i in CHECK_IDS if i not in ids and i != exc.check]
    prior = [c for c in done if c.id != exc.check]
    if exc.check == "dimensions" and "format" not in ids:
        prior = [Check("format", PASS, "a TIFF signature; opened by the GeoTIFF driver alone")]
        rest = [i for i in rest if i != "format"]
    failed = Check(exc.check, FAIL, str(exc), exc.evidence)
    out = prior + [failed] + _not_checked(f"the image failed the {exc.check} check", rest)
    order = {i: k for k, i in enumerate(CHECK_IDS)}
    return sorted(out, key=lambda c: order[c.id])


def not_decoded(reason: str) -> list[Check]:
    """The checklist when decoding crashed or ran out of time or memory: ``format`` fails."""
    return [Check("format", FAIL, reason)] + _not_checked(
        "the image could not be decoded safely", CHECK_IDS[1:]
    )


@dataclass
class ReviewResult(StepResult):
    """The checklist of one submitted image for one mine (``review.json``).

    ``settings`` are the thresholds used (as JSON values); ``facts`` what opening the
    file established; ``registry_submission`` the id the image was registered under;
    ``decoding`` which protection bounded the decoder (:meth:`greenmine_geo.io.isolation.Protection.record`).
    """

    command: ClassVar[str] = "review-imagery"
    overall: CheckStatus
    mine_id: str
    image: str
    image_sha256: str
    checks: list[Check]
    settings: dict[str, Any]
    reviewed_utc: str
    version: str
    registry_submission: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    decoding: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The content of ``review.json``."""
        record = {
            "overall": self.overall,
            "mine_id": self.mine_id,
            "image": self.image,
            "image_sha256": self.image_sha256,
            "checks": [c.as_dict() for c in self.checks],
            "settings": self.settings,
            "reviewed_utc": self.reviewed_utc,
            "version": self.version,
        }
        if self.registry_submission is not None:
            record["registry_submission"] = self.registry_submission
        if self.decoding:
            record["decoding"] = self.decoding
        return results.json_safe(record)

    def summary(self) -> dict[str, int]:
        return {f"overall_{self.overall}": 1} | {
            status.value: sum(c.status == status for c in self.checks) for status in CheckStatus
        }

    def headline(self) -> str:
        """The overall status and the checks that did not pass."""
        failed = [c.id for c in self.checks if c.status != PASS]
        return f"{self.overall}" + (f" ({', '.join(failed)})" if failed else "")

    def tables(self) -> dict[str, Any]:
        """The checklist as the table ``checks``: check, status, message."""
        rows = [(c.id, c.status.value, c.message) for c in self.checks]
        return {"checks": pd.DataFrame(rows, columns=["check", "status", "message"])}

    def write(self, out_dir: Path) -> list[Path]:
        return [results.write_json(self.to_json(), out_dir / "review.json")]

    def manifest_record(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "file_facts": results.json_safe(self.facts),
            "decoding": results.json_safe(self.decoding),
        }

    @classmethod
    def read(cls, out_dir: Path) -> ReviewResult:
        """The result a finished review wrote into ``out_dir``."""
        record = json.loads((out_dir / "review.json").read_text("utf-8"))
        checks = [
            Check(c["id"], CheckStatus(c["status"]), c["message"], c.get("evidence") or {})
            for c in record["checks"]
        ]
        return cls(
            CheckStatus(record["overall"]),
            str(record["mine_id"]),
            record["image"],
            record["image_sha256"],
            checks,
            record.get("settings", {}),
            record.get("reviewed_utc", ""),
            record.get("version", ""),
            record.get("registry_submission"),
            decoding=record.get("decoding", {}),
        )
