"""``greenmine maps``: the atlas of a results directory."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import MapsParams
from .options import RunOptions, build, run_options, run_step

__all__ = ["maps"]


@click.command()
@click.option(
    "--results",
    "results",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="A results directory (the --out of greenmine run).",
)
@run_options()
def maps(results: str, opts: RunOptions) -> None:
    """Interactive maps (province and each league/city, offline), print maps, reports and an index page."""
    from ..steps import atlas

    if not Path(results).is_dir():
        raise click.BadParameter(f"--results {results} is not a directory")
    run_step(atlas.run, build(MapsParams, results=results), opts, manifest=False)
