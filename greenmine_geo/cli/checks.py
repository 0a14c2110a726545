"""``greenmine check prerequisite``: the overlay check of mining areas (先决条件: 矿区范围)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ..config import PrerequisiteParams
from .options import (
    RunOptions,
    assign_crs_option,
    build,
    cache_option,
    field_list,
    field_option,
    mines_option,
    run_options,
    run_step,
)

__all__ = ["check"]


def _layers(_ctx: click.Context, _param: click.Parameter, values: Sequence[str]) -> dict[str, str]:
    """``NAME=PATH`` options → {name: path}; each name once."""
    layers: dict[str, str] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise click.BadParameter(f"{value!r} is not NAME=PATH (e.g. landuse=data/landuse.gpkg)")
        if name in layers or name == "redline":
            raise click.BadParameter(f"layer name {name!r} is given twice; give each layer once")
        layers[name] = path
    return layers


@click.group()
def check() -> None:
    """Overlay checks."""


@check.command("prerequisite")
@mines_option("Mine boundaries (PATH or PATH:LAYER); repeat for several files in different CRSs.")
@click.option("--id-field", required=True, help="Field holding the mine id.")
@click.option("--redline", required=True, help="Ecological protection red-line layer.")
@click.option(
    "--layer",
    "layers",
    multiple=True,
    callback=_layers,
    metavar="NAME=PATH",
    help="Another layer: landuse, farmland, nature_reserve, grassland, forest, key_zones, "
    "exploration_blocks, mining_blocks, admin, or any name (reported only).",
)
@field_option(PrerequisiteParams, "exemptions", type=click.Path(dir_okay=False))
@field_option(PrerequisiteParams, "tolerance_m")
@field_option(PrerequisiteParams, "boundary_datum")
@assign_crs_option
@field_option(PrerequisiteParams, "keep_fields", metavar="FIELD,…", callback=field_list)
@cache_option
@run_options()
def check_prerequisite(opts: RunOptions, cache_dir: Path | None, **values: object) -> None:
    """Check mining areas against the red line and planning layers (先决条件: 矿区范围)."""
    from ..steps import prerequisite

    params = build(PrerequisiteParams, **values)
    run_step(prerequisite.run, params, opts, cache_dir=cache_dir)
