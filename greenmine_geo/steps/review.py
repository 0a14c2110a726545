"""The imagery review step: one submitted image, one mine → ``review.json``, ``review.html``.

Usage errors (missing files, an unknown mine id, bad parameters) raise
:class:`~greenmine_geo.errors.InputError`; anything wrong with the image itself is a
finding in the checklist, never an exception. The page shows a quick-look of the image (read in the same child, from the full
resolution: :mod:`greenmine_geo.imagery.quicklook`) with the mine's boundary, and the
checklist in words (:func:`~greenmine_geo.report.checklist.checklist_rows`). The image is decoded in a child process
under the memory, CPU and wall-time limits this system enforces
(:mod:`greenmine_geo.io.isolation`), so a file that crashes or hangs the decoder fails
``format``; where the system cannot bound the child's memory, an image declaring more
pixels than that memory limit is refused before decoding. The report says which
protection applied (``decoding``).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from affine import Affine

from .._version import __version__
from ..checks.mines import read_mines
from ..config import ReviewParams, ReviewSettings
from ..crs import EQUAL_AREA
from ..errors import InputError
from ..imagery.quicklook import decimated_rgb
from ..imagery.review import (
    Check,
    ReviewResult,
    infer_bands,
    not_decoded,
    overall,
    refused,
    review_raster,
)
from ..imagery.zone_fvc import reproject_geoms
from ..io import registry
from ..io.clock import now, today
from ..io.isolation import IsolationFailure, IsolationLimits, Protection, protection, run_isolated
from ..io.untrusted import Limits, UntrustedRaster, UntrustedRasterError, open_untrusted
from ..layers import mine_fields
from ..report.quicklook import quicklook_figure
from ..report.review_html import render_review
from .skeleton import StepContext

__all__ = ["run"]

#: The picture of the image (RGB pixels, their transform, the image's CRS as WKT), or None.
QuickLook = tuple[np.ndarray, Affine, str] | None


def _review_file(
    image: Path,
    mine: shapely.Geometry,
    mine_id: str,
    bands: dict[str, int] | None,
    acquired: date | None,
    earlier: list[dict[str, Any]] | None,
    settings: ReviewSettings,
    limits: Limits,
) -> tuple[list[Check], dict[str, Any] | None, dict[str, Any], QuickLook]:
    """Every check of the image (run in the isolated child): (checks, registry entry, facts,
    the quick-look of an image that was read to the end and has a CRS)."""
    checks: list[Check] = []
    try:
        with open_untrusted(image, limits) as raster:
            entry = review_raster(raster, mine, mine_id, bands, acquired, earlier, settings, checks)
            return checks, entry, raster.facts, _quicklook(raster, bands)
    except UntrustedRasterError as exc:
        return refused(exc, checks), None, exc.evidence, None


def _quicklook(raster: UntrustedRaster, bands: dict[str, int] | None) -> QuickLook:
    """The image in colour (declared bands, else those :func:`infer_bands` finds), or None
    for an image without a CRS or one that is refused while it is read."""
    if raster.dataset.crs is None:
        return None
    try:
        rgb, transform = decimated_rgb(raster, bands or infer_bands(raster)[0])
    except UntrustedRasterError:
        return None
    return rgb, transform, raster.dataset.crs.to_wkt()


def _mine_name(params: ReviewParams, assign_crs: str | None) -> str | None:
    """The mine's name from its own field in the mines layer (矿山名称 …), if it has one."""
    gdf, _ = read_mines(params.mines, what="mines layer", assign_crs=assign_crs)
    column = mine_fields([str(c) for c in gdf.columns]).get("name")
    if column is None:
        return None
    names = gdf.loc[gdf[params.id_field].astype("string") == str(params.mine_id), column]
    return str(names.iloc[0]) if len(names) and names.notna().iloc[0] else None


def _write_pages(
    ctx: StepContext,
    result: ReviewResult,
    params: ReviewParams,
    mine: shapely.Geometry,
    ql: QuickLook,
) -> None:
    """``quicklook.png`` (the image with the mine's boundary, where there is a picture) and
    ``review.html``, in the run's language."""
    picture = None
    if ql is not None:
        rgb, transform, crs = ql
        boundary = reproject_geoms(np.array([mine], dtype=object), EQUAL_AREA, crs)[0]
        picture = ctx.write_figure(quicklook_figure(rgb, transform, boundary), "quicklook.png", 100)
    name = _mine_name(params, ctx.assign_crs)
    ctx.write_text(render_review(result, ctx.lang, name, picture), "review.html")


def _opener_limits(limits: Limits | None, applied: Protection) -> Limits:
    """What the image may declare: ``limits``, and where the system does not bound the
    decoder's memory, no more declared bytes than the memory limit."""
    limits = limits or Limits()
    if applied.memory_limited:
        return limits
    cap = min(limits.max_declared_bytes, applied.limits.memory_bytes)
    return replace(limits, max_declared_bytes=cap)


def run(
    params: ReviewParams,
    ctx: StepContext,
    *,
    limits: Limits | None = None,
    isolation: IsolationLimits | None = None,
    usage: dict[str, float] | None = None,
) -> ReviewResult:
    """Review one submitted image for one mine; write the checklist.

    ``limits`` bound what the image may declare, ``isolation`` the decoding child;
    ``usage``, when given, receives the child's peak memory (``peak_mib``, POSIX only).
    """
    image = Path(params.image)
    ctx.require([image])
    if image.is_dir():
        raise InputError(f"{image} is a directory; give the image file")
    ctx.progress.start(3, "review")
    mine = ctx.mine(params.mines, params.id_field, params.mine_id)
    ctx.progress.advance(f"mine {params.mine_id} read")
    settings = params.dated(today())
    applied = protection(isolation)
    with registry.locked(params.registry) if params.registry else nullcontext():
        earlier, problems = ctx.registry(params.registry) if params.registry else (None, [])
        args = (image, mine, params.mine_id, params.bands, params.acquired, earlier, settings)
        try:
            checks, entry, facts, ql = run_isolated(
                _review_file, *args, _opener_limits(limits, applied), limits=isolation, report=usage
            )
        except IsolationFailure as failure:
            checks, entry, facts, ql = not_decoded(failure.reason), None, {}, None
        ctx.progress.advance(f"{image.name} checked ({applied.kind})")
        ctx.record("image", image)
        sha256 = ctx.inputs[-1]["sha256"]
        result = ReviewResult(
            overall(checks),
            params.mine_id,
            image.name,
            sha256,
            checks,
            settings.model_dump(mode="json", include=set(ReviewSettings.model_fields)),
            now().isoformat(timespec="seconds"),
            __version__,
            facts=facts,
            warnings=problems,
            decoding=applied.record(),
        )
        if params.registry and entry is not None:
            entry = {**entry, "image": image.name, "image_sha256": sha256}
            result.registry_submission = registry.add_submission(params.registry, entry)
    _write_pages(ctx, result, params, mine, ql)
    ctx.progress.advance("checklist written")
    ctx.progress.close()
    return ctx.finish(result, params)
