"""The imagery commands: ``greening`` (indicator 6), ``restoration`` (38-41), ``review-imagery``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import click

from ..config import GreeningParams, RestorationParams, ReviewParams
from .options import (
    Decorator,
    RunOptions,
    assign_crs_option,
    bands_option,
    build,
    date_option,
    field_list,
    field_option,
    mines_option,
    run_options,
    run_step,
)

__all__ = ["greening", "restoration", "review_imagery"]


def _end_members(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[float, float] | None:
    """``SOIL,VEG`` → (soil, veg), checked to be two numbers with soil below veg."""
    if value is None:
        return None
    try:
        soil, veg = (float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r}: give two numbers SOIL,VEG, e.g. 0.08,0.75") from None
    if not soil < veg:
        raise click.BadParameter(f"{value!r}: the soil value must be below the vegetation value")
    return soil, veg


def _dated_images(
    _ctx: click.Context, _param: click.Parameter, values: Sequence[str]
) -> dict[date, str]:
    """``YYYY-MM-DD=PATH`` options → {date: path}; each date once."""
    images: dict[date, str] = {}
    for value in values:
        day, sep, path = value.partition("=")
        try:
            if not sep or not path.strip():
                raise ValueError
            when = date.fromisoformat(day.strip())
        except ValueError:
            raise click.BadParameter(
                f"{value!r}: give the acquisition date and the file as YYYY-MM-DD=PATH"
            ) from None
        if when in images:
            raise click.BadParameter(
                f"two images carry the date {when}; give each image its own acquisition date"
            )
        images[when] = path.strip()
    return images


def _fvc_options(model: type[GreeningParams] | type[RestorationParams]) -> Decorator:
    """The FVC settings both measurements share."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(
            [
                field_option(model, "non_greenable"),
                bands_option(
                    model,
                    ("red", "nir", "blue", "green", "scl", "cloud_mask"),
                    "Band numbers (1-based): red and nir; blue sharpens the cloud test, green "
                    "finds open water, scl (Sentinel-2 scene classes) or cloud_mask (non-zero = "
                    "cloud) mark clouds.",
                ),
                field_option(model, "index", "--index"),
                field_option(model, "vegetated_fvc"),
                field_option(model, "bare_fvc"),
                field_option(model, "reference_ring_m"),
                field_option(model, "min_patch_m2"),
            ]
        ):
            f = option(f)
        return f

    return decorate


@click.command()
@mines_option("Mine boundaries (PATH or PATH:LAYER); repeatable.")
@click.option("--id-field", required=True, help="Field holding the mine id.")
@field_option(GreeningParams, "image", type=click.Path(path_type=str), required=True)
@_fvc_options(GreeningParams)
@field_option(GreeningParams, "spot_m2")
@field_option(GreeningParams, "min_cover_pct")
@field_option(GreeningParams, "end_members", metavar="SOIL,VEG", type=str, callback=_end_members)
@field_option(GreeningParams, "end_member_areas")
@field_option(GreeningParams, "figures")
@field_option(GreeningParams, "keep_fields", metavar="FIELD,…", callback=field_list)
@assign_crs_option
@run_options()
def greening(opts: RunOptions, **values: object) -> None:
    """Greening coverage of each mine's greenable area from one image (indicator 6)."""
    from ..steps import greening as step

    run_step(step.run, build(GreeningParams, **values), opts)


@click.command()
@click.option("--zones", required=True, help="Restoration zones (PATH or PATH:LAYER).")
@click.option("--id-field", required=True, help="Field holding the zone id.")
@click.option(
    "--image",
    "images",
    multiple=True,
    required=True,
    metavar="YYYY-MM-DD=PATH",
    callback=_dated_images,
    help="A dated multispectral image; repeat for the series (any CRS and resolution).",
)
@mines_option(
    "Licensed boundaries: search around them for new bare ground.", multiple=False, required=False
)
@field_option(RestorationParams, "mine_id_field")
@field_option(RestorationParams, "plan_table")
@_fvc_options(RestorationParams)
@field_option(RestorationParams, "zone_type_field")
@field_option(RestorationParams, "start_year_field")
@field_option(RestorationParams, "target_fvc_field")
@field_option(RestorationParams, "target_year_field")
@field_option(RestorationParams, "min_valid_pct")
@field_option(RestorationParams, "hold")
@field_option(RestorationParams, "band_m")
@field_option(RestorationParams, "charts")
@assign_crs_option
@run_options()
def restoration(opts: RunOptions, **values: object) -> None:
    """Restoration of zones over a time series (indicators 38-41), and new bare ground past mine boundaries."""
    from ..steps import restoration as step

    run_step(step.run, build(RestorationParams, **values), opts)


@click.command("review-imagery")
@click.argument("image", type=click.Path(path_type=str))
@click.option("--mines", required=True, help="Mine boundaries (PATH or PATH:LAYER).")
@click.option("--id-field", required=True, help="Field holding the mine id.")
@click.option("--mine-id", required=True, help="The mine the image is submitted for.")
@bands_option(
    ReviewParams,
    ("red", "nir", "green", "blue"),
    "Band numbers (1-based); default from band descriptions, else blue, green, red, NIR.",
)
@date_option(ReviewParams, "acquired")
@field_option(ReviewParams, "registry", type=click.Path(file_okay=False, path_type=str))
@field_option(ReviewParams, "buffer_m")
@field_option(ReviewParams, "max_resolution_m")
@date_option(ReviewParams, "review_from")
@date_option(ReviewParams, "review_to")
@assign_crs_option
@run_options()
def review_imagery(opts: RunOptions, **values: object) -> None:
    """Review a submitted image for a mine: PASS/WARN/FAIL per check, in review.json and review.html."""
    from ..report.checklist import status_lines
    from ..steps import review as step

    done = []

    def review(params: ReviewParams, ctx: Any) -> Any:
        done.append(step.run(params, ctx))
        return done[-1]

    run_step(review, build(ReviewParams, **values), opts)
    for line in status_lines(done[0], opts.lang) if done and not opts.quiet else []:
        click.echo(line)
