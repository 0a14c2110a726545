"""The prerequisite step (先决条件: 矿区范围): mines and planning layers in, verdicts out.

Writes ``prerequisite.csv`` (one row per mine), ``prerequisite.gpkg`` (layers ``mines``,
``conflicts``, ``block_overlaps``; EPSG:4490) and, last, ``manifest.json``. Every input is
read and checked before anything in the output directory is touched.
"""

from __future__ import annotations

from ..checks.prerequisite import PrerequisiteResult, check_prerequisite
from ..config import PrerequisiteParams
from .skeleton import StepContext

__all__ = ["run"]


def run(params: PrerequisiteParams, ctx: StepContext) -> PrerequisiteResult:
    """Check every mine against the red line and the planning layers; write the results."""
    progress = ctx.progress
    progress.start(len(params.mines) + len(params.layers) + 3, "prerequisite check")
    mines = ctx.mine_set(params.mines, params.id_field, datum=params.boundary_datum)
    mines = mines.keeping(params.keep_fields)
    redline = ctx.planning_layer(params.redline, "redline")
    progress.advance("red line prepared")
    layers = []
    for name, spec in params.layers.items():
        layers.append(ctx.planning_layer(spec, name))
        progress.advance(f"{name} prepared")
    exemptions = ctx.exemptions(params.exemptions, params.id_field) if params.exemptions else None
    result = check_prerequisite(mines, redline, layers, exemptions, params.tolerance_m)
    progress.advance("overlay done")
    ctx.finish(result, params)
    progress.advance("written")
    progress.close()
    return result
