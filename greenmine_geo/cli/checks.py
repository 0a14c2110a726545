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


def _fields(
    _ctx: click.Context, _param: click.Parameter, values: Sequence[str]
) -> dict[str, dict[str, str]]:
    """``LAYER.FIELD=COLUMN`` options → {layer: {field: column}}."""
    fields: dict[str, dict[str, str]] = {}
    for value in values:
        target, sep, column = value.partition("=")
        layer, dot, logical = target.partition(".")
        if not (sep and dot and layer.strip() and logical.strip() and column.strip()):
            raise click.BadParameter(
                f"{value!r} is not LAYER.FIELD=COLUMN (e.g. landuse.class=DLMC)"
            )
        fields.setdefault(layer.strip(), {})[logical.strip()] = column.strip()
    return fields


def _with_fields(
    layers: dict[str, str], fields: dict[str, dict[str, str]]
) -> dict[str, dict[str, object]]:
    """The ``--layer`` paths with the ``--field`` names given for them."""
    unknown = sorted(set(fields) - set(layers))
    if unknown:
        raise click.BadParameter(
            f"--field names layer {unknown[0]!r}, which no --layer gives; name one of: "
            f"{', '.join(layers) or 'none'}"
        )
    return {name: {"path": path, "fields": fields.get(name, {})} for name, path in layers.items()}


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
    "exploration_blocks, mining_blocks, admin, or their Chinese names (土地利用, 永久基本农田, "
    "自然保护地, 草地, 林地, 重点勘查开采区, 勘查规划区块, 开采规划区块, 行政区); any other "
    "name is measured and reported only, with a warning.",
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    callback=_fields,
    metavar="LAYER.FIELD=COLUMN",
    help="The column a layer's field is read from, when its name is not one of the known "
    "spellings, e.g. --field landuse.class=DLMC or --field key_zones.name=ZQMC.",
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

    fields = values.pop("fields")
    values["layers"] = _with_fields(values["layers"], fields)  # type: ignore[arg-type]
    params = build(PrerequisiteParams, **values)
    run_step(prerequisite.run, params, opts, cache_dir=cache_dir)
