"""``greenmine convert-boundary``: corner-point boundary files (拐点坐标) → checked polygons."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from ..config import ConvertParams
from .options import RunOptions, build, field_option, run_options, run_step

__all__ = ["convert_boundary"]


def _towgs84(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        params = tuple(float(v) for v in value.split(","))
    except ValueError:
        params = ()
    if len(params) != 7:
        raise click.BadParameter(f"{value!r}: give 7 numbers dx,dy,dz,rx,ry,rz,ppm")
    return params


@click.command("convert-boundary")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="Output GeoPackage (.gpkg).",
)
@field_option(ConvertParams, "datum")
@field_option(ConvertParams, "zone", type=click.IntRange(13, 45))
@field_option(ConvertParams, "zone_width", type=click.Choice(["3", "6"]))
@field_option(
    ConvertParams, "towgs84", metavar="DX,DY,DZ,RX,RY,RZ,PPM", type=str, callback=_towgs84
)
@run_options(out=False)
def convert_boundary(opts: RunOptions, **values: object) -> None:
    """Corner-point boundary files (拐点坐标: TXT, CSV/XLSX, mining-right strings) → checked polygons."""
    from ..steps import convert

    if values.get("zone_width") is not None:
        values["zone_width"] = int(str(values["zone_width"]))
    params = build(ConvertParams, **values)
    opts = dataclasses.replace(opts, out_dir=Path(params.out).parent)
    run_step(convert.run, params, opts)
