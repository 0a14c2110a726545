"""Pipeline files: ``greenmine run``, ``validate`` and ``schema``; and ``demo-data``."""

from __future__ import annotations

from pathlib import Path

import click

from .options import RunOptions, cache_option, run_options
from .terminal import TqdmProgress, echo_result

__all__ = ["demo_data", "run", "schema", "validate"]


@click.command()
@click.argument("pipeline", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory (default: the pipeline's out, else out/<name>).",
)
@cache_option
@run_options(out=False)
def run(pipeline: Path, out_dir: Path | None, cache_dir: Path | None, opts: RunOptions) -> None:
    """Run a pipeline file."""
    from ..pipeline import run_pipeline_file

    for step_dir, result in run_pipeline_file(
        pipeline,
        out_dir,
        cache_dir=cache_dir,
        progress=TqdmProgress(opts.progress),
        lang=opts.lang,
        out_db=opts.out_db,
        out_schema=opts.out_schema,
    ):
        echo_result(step_dir, result)


@click.command()
@click.argument("pipeline", type=click.Path(dir_okay=False, path_type=Path))
def validate(pipeline: Path) -> None:
    """Check a pipeline file against the schema."""
    from ..config import load_pipeline

    loaded, _ = load_pipeline(pipeline)
    steps = ", ".join(s.step for s in loaded.steps)
    click.echo(f"{pipeline}: valid ({len(loaded.steps)} steps: {steps})")


@click.command()
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the schema here instead of stdout.",
)
def schema(out_file: Path | None) -> None:
    """Print the JSON schema of pipeline files."""
    from ..config import json_schema
    from ..io.results import write_text

    text = json_schema()
    if out_file is None:
        click.echo(text, nl=False)
    else:
        write_text(text, out_file)


@click.command("demo-data")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"),
    show_default=True,
)
def demo_data(out_dir: Path) -> None:
    """Regenerate the synthetic demo layers (fixed seed) next to the admin boundaries."""
    from ..demo import write_demo_data

    for path in write_demo_data(out_dir):
        click.echo(str(path))
