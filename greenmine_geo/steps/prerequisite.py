"""The prerequisite step (先决条件: 矿区范围): mines and planning layers in, verdicts out.

Writes ``prerequisite.csv`` (one row per mine), ``prerequisite.gpkg`` (layers ``mines``,
``conflicts``, ``block_overlaps``; EPSG:4490) and, last, ``manifest.json``. Every input is
read and checked before anything in the output directory is touched.
"""

from __future__ import annotations

from ..checks.prerequisite import PrerequisiteResult, check_prerequisite
from ..config import LayerSpec, PrerequisiteParams
from ..errors import InputError
from ..layers import layer_key
from .skeleton import StepContext

__all__ = ["run"]


def _by_role(layers: dict[str, LayerSpec]) -> dict[str, LayerSpec]:
    """The layers keyed by their role (``永久基本农田`` → ``farmland``; other names as given).

    Raises
    ------
    InputError
        Two names stand for one role, or a layer is the red line (given on its own).
    """
    out: dict[str, LayerSpec] = {}
    given: dict[str, str] = {}
    for name, spec in layers.items():
        key = layer_key(name)
        if key == "redline":
            raise InputError(f"layer {name!r} is the red line; give it with --redline")
        if key in out:
            raise InputError(
                f"layers {given[key]!r} and {name!r} are both the {key} layer; give it once"
            )
        out[key], given[key] = spec, name
    return out


def run(params: PrerequisiteParams, ctx: StepContext) -> PrerequisiteResult:
    """Check every mine against the red line and the planning layers; write the results."""
    progress = ctx.progress
    progress.start(len(params.mines) + 2 * len(params.layers) + 4, "prerequisite check")
    mines = ctx.mine_set(params.mines, params.id_field, datum=params.boundary_datum)
    mines = mines.keeping(params.keep_fields)
    redline = ctx.planning_layer(params.redline, "redline")
    progress.advance("red line prepared")
    layers = []
    for name, spec in _by_role(params.layers).items():
        layers.append(ctx.planning_layer(spec, name))
        progress.advance(f"{name} prepared")
    exemptions = ctx.exemptions(params.exemptions, params.id_field) if params.exemptions else None
    result = check_prerequisite(
        mines, redline, layers, exemptions, params.tolerance_m, progress=progress
    )
    ctx.finish(result, params)
    progress.advance("written")
    progress.close()
    return result
