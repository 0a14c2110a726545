"""The imagery review step: one submitted image, one mine → ``review.json``, ``review.html``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from .. import __version__
from ..checks.mines import prepare_mines, read_mines
from ..config import ReviewStep
from ..crs import CGCS2000, EQUAL_AREA
from ..errors import InputError
from ..imagery.review import (
    CHECK_IDS,
    Check,
    ReviewSettings,
    check_bands,
    check_coverage,
    check_crs,
    check_date,
    check_duplicate,
    check_nodata_cloud,
    check_overviews,
    check_resolution,
    check_spectral,
    default_window,
    fingerprint,
    gsd_m,
    overall,
    parse_image_date,
    round_floats,
)
from ..imagery.scan import AoiScan, ImageScan, scan_aoi, scan_image
from ..io import atomic, manifest
from ..io.isolation import IsolationFailure, IsolationLimits, run_isolated
from ..io.registry import add_submission, read_submissions
from ..io.untrusted import Limits, UntrustedRaster, UntrustedRasterError, Window, open_untrusted
from ..report.review_html import render_review
from .outcome import StepOutcome

__all__ = ["ReviewOutcome", "parse_bands", "run_review"]

_BAND_NAMES = ("red", "nir", "green", "blue")


@dataclass
class ReviewOutcome:
    out_dir: Path
    overall: str
    checks: list[Check]
    outputs: list[Path]


def parse_bands(text: str | None) -> dict[str, int] | None:
    """``red=3,nir=4[,green=2,blue=1]`` → ``{"red": 3, ...}`` (1-based band numbers)."""
    if not text:
        return None
    out: dict[str, int] = {}
    for part in text.split(","):
        name, sep, num = part.partition("=")
        name = name.strip().lower()
        if not sep or name not in _BAND_NAMES or not num.strip().isdigit() or int(num) < 1:
            raise InputError(
                f"--bands {text!r}: each item is NAME=BAND with NAME one of {', '.join(_BAND_NAMES)} and BAND ≥ 1, e.g. red=3,nir=4"
            )
        out[name] = int(num)
    return out


def _infer_bands(raster: UntrustedRaster) -> tuple[dict[str, int], bool, str]:
    """Band roles from descriptions or colour interpretation; BGRN assumed for 4+ unnamed bands."""
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
        return (
            {
                "red": interp.index("red") + 1,
                "green": interp.index("green") + 1,
                "blue": interp.index("blue") + 1,
            },
            True,
            "colour interpretation",
        )
    if ds.count >= 4:
        return (
            {"blue": 1, "green": 2, "red": 3, "nir": 4},
            False,
            "assumed blue, green, red, NIR order (declare --bands to be sure)",
        )
    return {}, False, "unknown"


def _qa_band(raster: UntrustedRaster) -> int | None:
    for i, desc in enumerate(raster.dataset.descriptions, start=1):
        if desc and any(k in desc.upper() for k in ("SCL", "QA", "CLOUD")):
            return i
    return None


def _aoi(mine: Any, crs: pyproj.CRS, bounds: Any, buffer_m: float) -> tuple[Any, Any, float]:
    """AOI (mine + buffer) and the mine in the image CRS, and the AOI share outside the image."""
    aoi_ea = shapely.buffer(mine, buffer_m)
    footprint = (
        gpd.GeoSeries(
            [shapely.segmentize(shapely.box(*bounds), (bounds[2] - bounds[0]) / 64)], crs=crs
        )
        .to_crs(EQUAL_AREA)
        .iloc[0]
    )
    outside = 1 - shapely.area(shapely.intersection(aoi_ea, footprint)) / max(
        shapely.area(aoi_ea), 1e-9
    )
    to_img = gpd.GeoSeries([aoi_ea, mine], crs=EQUAL_AREA).to_crs(crs)
    return to_img.iloc[0], to_img.iloc[1], float(max(outside, 0.0))


def _stored_overviews(image: Path, raster: UntrustedRaster) -> list[tuple[int, np.ndarray]]:
    """Stored overview levels that fit in one bounded read, as (factor, pixels)."""
    out = []
    for level, factor in enumerate(raster.dataset.overviews(1)):
        with open_untrusted(image, raster.limits, overview_level=level) as ov:
            ds = ov.dataset
            nbytes = ds.width * ds.height * ds.count * np.dtype(ds.dtypes[0]).itemsize
            if nbytes > raster.limits.window_bytes:
                continue
            out.append((int(factor), ov.read(Window(0, 0, ds.width, ds.height))))
    return out


def _not_checked(reason: str, ids: tuple[str, ...]) -> list[Check]:
    return [Check(i, "FAIL", f"not checked: {reason}") for i in ids]


def review_image(
    image: Path,
    mine: Any,
    mine_id: str,
    bands: dict[str, int] | None,
    acquired: date | None,
    registry: list[dict[str, Any]] | None,
    settings: ReviewSettings,
    limits: Limits,
) -> tuple[list[Check], dict[str, Any] | None, dict[str, Any]]:
    """Run every check. Returns (checks, fingerprint or None, facts about the file)."""
    checks: list[Check] = []
    try:
        with open_untrusted(image, limits) as raster:
            facts = raster.facts
            checks += [
                Check(
                    "format",
                    "PASS",
                    f"a {facts['signature']} opened by the GeoTIFF driver alone; sidecar files ignored",
                    {k: facts[k] for k in ("signature", "compression", "block_shape")},
                ),
                Check(
                    "dimensions",
                    "PASS",
                    f"{facts['width']} × {facts['height']} × {facts['bands']} {facts['dtype']}, {facts['compression_ratio']}:1 against the file size",
                    {
                        k: facts[k]
                        for k in (
                            "width",
                            "height",
                            "bands",
                            "declared_bytes",
                            "file_bytes",
                            "compression_ratio",
                        )
                    },
                ),
            ]
            ds = raster.dataset
            try:
                crs = pyproj.CRS.from_user_input(ds.crs) if ds.crs else None
            except pyproj.exceptions.CRSError:
                crs = None  # present but unreadable: as good as none for locating the image
            checks.append(check_crs(crs))
            declared = bands is not None
            roles, rgb_only, source = (bands, False, "declared") if bands else _infer_bands(raster)
            scan: ImageScan = scan_image(raster)
            aoi_scan: AoiScan | None = None
            gsd = None
            if crs is not None:
                aoi, mine_img, outside = _aoi(mine, crs, ds.bounds, settings.buffer_m)
                c = gpd.GeoSeries([mine], crs=EQUAL_AREA).to_crs(CGCS2000).iloc[0].centroid
                gsd = gsd_m(ds.transform, crs, c.x, c.y)
                usable = {k: v for k, v in roles.items() if 1 <= v <= ds.count}
                aoi_scan = scan_aoi(
                    raster, aoi, mine_img, outside, usable, scan.percentiles, _qa_band(raster)
                )
            checks += [check_coverage(aoi_scan, settings), check_resolution(gsd, settings)]
            band_check = check_bands(roles, ds.count, rgb_only, aoi_scan)
            band_check.evidence.update(source=source, declared=declared)
            checks += [
                band_check,
                check_date(ds.tags(), acquired, settings),
                check_nodata_cloud(aoi_scan, settings),
            ]
            checks.append(check_overviews(scan, _stored_overviews(image, raster), settings))
            current = fingerprint(scan)
            claimed = acquired or parse_image_date(ds.tags())[0]
            if registry is None:
                checks.append(
                    Check(
                        "duplicate",
                        "WARN",
                        "not compared: give --registry DIR to compare with earlier submissions",
                    )
                )
            else:
                checks.append(check_duplicate(current, registry, mine_id, claimed))
            checks.append(check_spectral(aoi_scan, roles, settings))
            entry = {
                **current,
                "image": image.name,
                "mine_id": mine_id,
                "claimed_date": claimed and claimed.isoformat(),
            }
            return checks, entry, facts
    except UntrustedRasterError as exc:
        done = {c.id for c in checks}
        failed = Check(exc.check, "FAIL", str(exc), exc.evidence)
        rest = [i for i in CHECK_IDS if i not in done and i != exc.check]
        prior = [c for c in checks if c.id != exc.check]
        if exc.check == "dimensions" and "format" not in done:
            prior = [
                Check("format", "PASS", "a TIFF signature; opened by the GeoTIFF driver alone")
            ]
            rest = [i for i in rest if i != "format"]
        out = (
            prior + [failed] + _not_checked(f"the image failed the {exc.check} check", tuple(rest))
        )
        order = {i: k for k, i in enumerate(CHECK_IDS)}
        return sorted(out, key=lambda c: order[c.id]), None, exc.evidence


def run_review(
    image: str | Path,
    mines: str,
    id_field: str,
    mine_id: str,
    out_dir: str | Path,
    *,
    bands: dict[str, int] | None = None,
    acquired: date | None = None,
    registry: str | Path | None = None,
    settings: ReviewSettings | None = None,
    limits: Limits | None = None,
    isolation: IsolationLimits | None = None,
    usage: dict[str, float] | None = None,
) -> ReviewOutcome:
    """Review one submitted image for one mine and write ``review.json``, ``review.html``, ``manifest.json``.

    Usage errors (missing files, an unknown mine id, bad options) raise
    :class:`~greenmine_geo.errors.InputError`; anything wrong with the image
    itself is a finding in the checklist, never an exception. The image is
    decoded in a child process under ``isolation`` limits (memory, CPU and wall
    time), so a file that crashes or hangs the decoder fails ``format``;
    ``usage``, when given, receives the decoding child's peak memory (``peak_mib``).
    """
    image, out_dir = Path(image), Path(out_dir)
    settings = settings or ReviewSettings(*default_window(date.today()))
    if not image.exists():
        raise InputError(f"{image} does not exist; check the path")
    if image.is_dir():
        raise InputError(f"{image} is a directory; give the image file")
    gdf, source = read_mines(mines, what="mines layer")
    if id_field not in gdf.columns:
        raise InputError(
            f"mines layer {source.path} has no field {id_field!r}; its fields are: {', '.join(c for c in gdf.columns if c != 'geometry')}"
        )
    rows = gdf[gdf[id_field].astype("string") == str(mine_id)]
    if rows.empty:
        raise InputError(
            f"mine {mine_id!r} is not in {source.path} (field {id_field}); check --mine-id"
        )
    mine = prepare_mines([(rows, source.path)], id_field).geoms[0]
    earlier = read_submissions(registry) if registry else None
    args = (image, mine, str(mine_id), bands, acquired, earlier, settings, limits or Limits())
    try:
        checks, entry, facts = run_isolated(review_image, *args, limits=isolation, report=usage)
    except IsolationFailure as failure:
        checks = [Check("format", "FAIL", failure.reason)] + _not_checked(
            "the image could not be decoded safely", CHECK_IDS[1:]
        )
        entry, facts = None, {}
    result = round_floats(
        {
            "overall": overall(checks),
            "mine_id": str(mine_id),
            "image": image.name,
            "image_sha256": manifest.file_sha256(image),
            "checks": [c.as_dict() for c in checks],
            "settings": {
                k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in asdict(settings).items()
            },
            "reviewed_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "version": __version__,
        }
    )
    if registry and entry is not None:
        result["registry_submission"] = add_submission(
            registry, {**entry, "image_sha256": result["image_sha256"]}
        )
    atomic.clear_stale_manifest(out_dir)
    outputs = []
    for name, text in (
        ("review.json", json.dumps(result, ensure_ascii=False, indent=2, default=str)),
        ("review.html", render_review(result)),
    ):
        with atomic.atomic_output(out_dir / name) as tmp:
            tmp.write_text(text, "utf-8")
        outputs.append(out_dir / name)
    outputs.append(
        manifest.write_manifest(
            out_dir,
            command="review-imagery",
            inputs=[
                {"role": "image", "path": str(image), "sha256": result["image_sha256"]},
                {"role": "mines", **source.as_dict()},
            ],
            parameters={
                "mine_id": str(mine_id),
                "bands": bands,
                "acquired": acquired and acquired.isoformat(),
                "registry": registry and str(registry),
                **result["settings"],
            },
            outputs=outputs,
            extra={"overall": result["overall"], "file_facts": round_floats(facts)},
        )
    )
    return ReviewOutcome(out_dir, result["overall"], checks, outputs)


def run_review_step(params: ReviewStep, out_dir: Path, **_: object) -> StepOutcome:
    """The pipeline's ``review`` step; its summary counts the checks by status."""
    window_from, window_to = default_window(date.today())
    settings = ReviewSettings(
        review_from=params.review_from or window_from,
        review_to=params.review_to or window_to,
        buffer_m=params.buffer_m,
        max_resolution_m=params.max_resolution_m,
    )
    outcome = run_review(
        params.image,
        params.mines,
        params.id_field,
        params.mine_id,
        out_dir,
        bands={str(k): v for k, v in params.bands.items()} if params.bands else None,
        acquired=params.acquired,
        registry=params.registry,
        settings=settings,
    )
    summary = {"overall_" + outcome.overall: 1} | {
        status: sum(c.status == status for c in outcome.checks)
        for status in ("PASS", "WARN", "FAIL")
    }
    return StepOutcome(outcome.out_dir, outcome.outputs, summary, [], outcome)
