"""The imagery review checklist: is a submitted image usable and honest? (RULES.md §3)

Each check returns :class:`Check` (``id``, ``status`` PASS/WARN/FAIL,
``message``, ``evidence``). The ids are stable names used by reviewers and by
tests outside this repository; :data:`CHECK_IDS` lists them in order.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pyproj
import scipy.fft

from ..crs import CGCS2000, CGCS2000_INNER_MONGOLIA, GEOD
from .scan import AoiScan, ImageScan, ndvi_percentile

__all__ = [
    "CHECK_IDS",
    "Check",
    "ReviewSettings",
    "check_bands",
    "check_coverage",
    "check_crs",
    "check_date",
    "check_duplicate",
    "check_nodata_cloud",
    "check_overviews",
    "check_resolution",
    "check_spectral",
    "default_window",
    "fingerprint",
    "overall",
]

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
    status: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReviewSettings:
    """Thresholds of the review; every one is reported with the result.

    Attributes
    ----------
    max_resolution_m : float
        Coarsest acceptable ground sample distance (m); 2 m for the greening indicator.
    buffer_m : float
        The image must cover the mine plus this buffer (m).
    review_from, review_to : date
        The review window the acquisition date must fall in.
    season : ((month, day), (month, day))
        Growing season of Inner Mongolia grassland: late-April green-up to September.
    max_nodata_cloud_pct, warn_nodata_cloud_pct : float
        Share of the mine that may be nodata, saturated or cloud/snow-like (%).
    max_overview_mismatch_pct : float
        Share of coarse cells where stored overviews may disagree with the full resolution.
    max_green_low_ndvi_pct : float
        Share of green-looking pixels with NDVI < 0.2 above which spectral consistency WARNs.
    date_tolerance_days : int
        Declared and recorded acquisition dates may differ by this much.
    """

    review_from: date
    review_to: date
    max_resolution_m: float = 2.0
    buffer_m: float = 100.0
    season: tuple[tuple[int, int], tuple[int, int]] = ((4, 20), (9, 30))
    max_nodata_cloud_pct: float = 10.0
    warn_nodata_cloud_pct: float = 2.0
    max_overview_mismatch_pct: float = 1.0
    max_green_low_ndvi_pct: float = 5.0
    date_tolerance_days: int = 3


def default_window(today: date) -> tuple[date, date]:
    """The default review window: 1 January of the previous year to ``today``.

    It holds the last two growing seasons, so a review early in a year can use
    last summer's imagery.
    """
    return date(today.year - 1, 1, 1), today


def overall(checks: list[Check]) -> str:
    """FAIL if any check fails, else WARN if any warns, else PASS."""
    statuses = {c.status for c in checks}
    return "FAIL" if "FAIL" in statuses else "WARN" if "WARN" in statuses else "PASS"


def check_crs(crs: pyproj.CRS | None) -> Check:
    if crs is None:
        return Check("crs", "FAIL", "no coordinate reference system: the image cannot be located")
    code = crs.to_epsg()
    evidence = {"crs": crs.name, "epsg": code}
    if code in CGCS2000_INNER_MONGOLIA:
        return Check("crs", "PASS", f"CGCS2000 ({crs.name}, EPSG:{code})", evidence)
    if code is not None:
        return Check(
            "crs",
            "WARN",
            f"{crs.name} (EPSG:{code}) is not CGCS2000; the image is reprojected for the checks",
            evidence,
        )
    return Check(
        "crs",
        "WARN",
        f"{crs.name} has no EPSG code; check that it is what the applicant claims",
        evidence,
    )


def gsd_m(transform: Any, crs: pyproj.CRS, lon: float, lat: float) -> tuple[float, float]:
    """Ground sample distance (m) along x and y at (lon, lat), geodesically."""
    tr = pyproj.Transformer.from_crs(CGCS2000, crs, always_xy=True)
    x, y = tr.transform(lon, lat)
    back = pyproj.Transformer.from_crs(crs, CGCS2000, always_xy=True)
    lon1, lat1 = back.transform(x + transform.a, y + transform.d)
    lon2, lat2 = back.transform(x + transform.b, y + transform.e)
    return float(GEOD.inv(lon, lat, lon1, lat1)[2]), float(GEOD.inv(lon, lat, lon2, lat2)[2])


def check_resolution(gsd: tuple[float, float] | None, s: ReviewSettings) -> Check:
    if gsd is None:
        return Check(
            "resolution",
            "FAIL",
            "not checked: the image has no CRS, so its pixel size on the ground is unknown",
        )
    worst = max(gsd)
    ev = {"gsd_x_m": round(gsd[0], 3), "gsd_y_m": round(gsd[1], 3), "limit_m": s.max_resolution_m}
    if worst <= s.max_resolution_m * 1.001:
        return Check(
            "resolution", "PASS", f"{worst:.2f} m per pixel (limit {s.max_resolution_m:g} m)", ev
        )
    return Check(
        "resolution",
        "FAIL",
        f"{worst:.2f} m per pixel is coarser than the {s.max_resolution_m:g} m limit",
        ev,
    )


def check_coverage(aoi: AoiScan | None, s: ReviewSettings) -> Check:
    if aoi is None:
        return Check(
            "coverage",
            "FAIL",
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
    if uncovered <= 0.5:
        return Check(
            "coverage", "PASS", f"valid pixels cover the mine and its {s.buffer_m:g} m buffer", ev
        )
    return Check(
        "coverage",
        "FAIL",
        f"{uncovered:.1f} % of the mine and its {s.buffer_m:g} m buffer has no valid pixels",
        ev,
    )


def check_bands(bands: dict[str, int], count: int, rgb_only: bool, aoi: AoiScan | None) -> Check:
    ev: dict[str, Any] = {"bands": bands, "band_count": count}
    missing = [b for b in ("red", "nir") if b not in bands]
    if missing:
        why = "an RGB-only image" if rgb_only else "no near-infrared band identified"
        return Check(
            "bands",
            "FAIL",
            f"{why}: red and NIR are needed for vegetation indices; declare them with --bands red=R,nir=N",
            ev,
        )
    bad = {k: v for k, v in bands.items() if not 1 <= v <= count}
    if bad:
        return Check("bands", "FAIL", f"bands {bad} do not exist: the image has {count} bands", ev)
    if aoi is None or aoi.ndvi_hist is None or aoi.ndvi_hist.sum() == 0:
        return Check(
            "bands",
            "WARN",
            "red and NIR declared, but no valid pixels near the mine to test them",
            ev,
        )
    p5, p95 = ndvi_percentile(aoi.ndvi_hist, 5), ndvi_percentile(aoi.ndvi_hist, 95)
    ev.update(ndvi_p5=round(p5, 3), ndvi_p95=round(p95, 3))
    if p95 >= 0.2:
        return Check(
            "bands",
            "PASS",
            f"NIR is brighter than red over vegetation (95th percentile NDVI {p95:.2f})",
            ev,
        )
    if p5 <= -0.2 and p95 < 0.1:
        return Check(
            "bands",
            "FAIL",
            f"red is brighter than NIR almost everywhere (NDVI {p5:.2f} to {p95:.2f}): red and NIR look swapped or mislabelled",
            ev,
        )
    return Check(
        "bands",
        "WARN",
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
    recorded, key = parse_image_date(tags)
    ev: dict[str, Any] = {
        "declared": declared and declared.isoformat(),
        "recorded": recorded and recorded.isoformat(),
        "recorded_tag": key,
        "review_window": [s.review_from.isoformat(), s.review_to.isoformat()],
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
                "FAIL",
                f"declared acquisition {declared} but {what} {recorded}: an older image re-dated?",
                ev,
            )
    when = declared or (recorded if key != "TIFFTAG_DATETIME" else None) or recorded
    if when is None:
        return Check(
            "date", "WARN", "no acquisition date in the image and none declared (--acquired)", ev
        )
    if not s.review_from <= when <= s.review_to:
        return Check(
            "date",
            "FAIL",
            f"acquired {when}, outside the review window {s.review_from} – {s.review_to}",
            ev,
        )
    if not _in_season(when, s.season):
        return Check(
            "date",
            "FAIL",
            f"acquired {when}, outside the growing season ({ev['season'][0]} to {ev['season'][1]}): vegetation cannot be judged",
            ev,
        )
    return Check(
        "date", "PASS", f"acquired {when}, in the review window and the growing season", ev
    )


def check_nodata_cloud(aoi: AoiScan | None, s: ReviewSettings) -> Check:
    if aoi is None or aoi.mine_pixels == 0:
        return Check("nodata_cloud", "FAIL", "not checked: the mine is not on the image")
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
        "FAIL"
        if pct > s.max_nodata_cloud_pct
        else "WARN"
        if pct > s.warn_nodata_cloud_pct
        else "PASS"
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
    more than 15 % of its 2-98 % range.
    """
    if not stored:
        return Check(
            "overviews",
            "PASS",
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
        pct = 100 * float((diff[:, ok] > 0.15).any(axis=0).mean())
        if pct >= worst["mismatch_pct"]:
            worst = {"factor": factor, "mismatch_pct": round(pct, 2), "cells": int(ok.sum())}
    ev = {**worst, "levels": [f for f, _ in stored], "limit_pct": s.max_overview_mismatch_pct}
    if worst["mismatch_pct"] > s.max_overview_mismatch_pct:
        return Check(
            "overviews",
            "FAIL",
            f"the stored 1:{worst['factor']} overview disagrees with the full resolution over {worst['mismatch_pct']:.1f} % of the image: it was not rebuilt after the pixels changed",
            ev,
        )
    return Check(
        "overviews",
        "PASS",
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
    current: dict[str, Any], earlier: list[dict[str, Any]], mine_id: str, claimed: date | None
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
                    "PASS",
                    f"the same image as {who}: a resubmission under the same claim",
                    ev,
                )
            return Check(
                "duplicate",
                "FAIL",
                f"identical pixels to {who}, now claimed for mine {mine_id} on {claim}",
                ev,
            )
        distance = bin(int(e["phash"], 16) ^ int(current["phash"], 16)).count("1")
        a, b = np.asarray(e["band_percentiles"]), np.asarray(current["band_percentiles"])
        close = a.shape == b.shape and bool(
            np.allclose(a, b, rtol=0.03, atol=1e-3 * max(float(np.abs(a).max()), 1.0))
        )
        if distance <= 6 and close and not same_claim:
            return Check(
                "duplicate",
                "FAIL",
                f"near-identical content to {who} (perceptual-hash distance {distance} of 64, same band statistics)",
                {**ev, "phash_distance": distance},
            )
    return Check(
        "duplicate",
        "PASS",
        f"no earlier submission among {len(earlier)} in the registry matches",
        {"registry_size": len(earlier)},
    )


def check_spectral(aoi: AoiScan | None, bands: dict[str, int], s: ReviewSettings) -> Check:
    if not {"red", "nir", "green", "blue"} <= bands.keys():
        return Check(
            "spectral_consistency",
            "WARN",
            "not checked: needs red, green, blue and NIR bands (declare green= and blue= in --bands)",
        )
    if aoi is None or aoi.looks_green == 0:
        return Check(
            "spectral_consistency",
            "PASS",
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
            "WARN",
            f"{pct:.1f} % of the green-looking pixels have NDVI < 0.2: paint, nets or retouching?",
            ev,
        )
    return Check(
        "spectral_consistency",
        "PASS",
        f"green-looking pixels are vegetation by NDVI ({pct:.1f} % below 0.2)",
        ev,
    )


def round_floats(value: Any) -> Any:
    """Make evidence JSON-friendly: NaN → None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: round_floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [round_floats(v) for v in value]
    return value
