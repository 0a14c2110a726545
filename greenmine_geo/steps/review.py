"""The imagery review step: one submitted image, one mine → ``review.json``, ``review.html``.

Usage errors (missing files, an unknown mine id, bad parameters) raise
:class:`~greenmine_geo.errors.InputError`; anything wrong with the image itself is a
finding in the checklist, never an exception. The image is decoded in a child process
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

import shapely

from .._version import __version__
from ..config import ReviewParams, ReviewSettings
from ..errors import InputError
from ..imagery.review import Check, ReviewResult, not_decoded, overall, refused, review_raster
from ..io import registry
from ..io.clock import now, today
from ..io.isolation import IsolationFailure, IsolationLimits, Protection, protection, run_isolated
from ..io.untrusted import Limits, UntrustedRasterError, open_untrusted
from ..report.review_html import render_review
from .skeleton import StepContext

__all__ = ["run"]


def _review_file(
    image: Path,
    mine: shapely.Geometry,
    mine_id: str,
    bands: dict[str, int] | None,
    acquired: date | None,
    earlier: list[dict[str, Any]] | None,
    settings: ReviewSettings,
    limits: Limits,
) -> tuple[list[Check], dict[str, Any] | None, dict[str, Any]]:
    """Every check of the image (run in the isolated child): (checks, registry entry, facts)."""
    checks: list[Check] = []
    try:
        with open_untrusted(image, limits) as raster:
            entry = review_raster(raster, mine, mine_id, bands, acquired, earlier, settings, checks)
            return checks, entry, raster.facts
    except UntrustedRasterError as exc:
        return refused(exc, checks), None, exc.evidence


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
            checks, entry, facts = run_isolated(
                _review_file, *args, _opener_limits(limits, applied), limits=isolation, report=usage
            )
        except IsolationFailure as failure:
            checks, entry, facts = not_decoded(failure.reason), None, {}
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
    ctx.write_text(render_review(result.to_json()), "review.html")
    ctx.progress.advance("checklist written")
    ctx.progress.close()
    return ctx.finish(result, params)
