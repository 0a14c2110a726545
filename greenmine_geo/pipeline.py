"""Running pipeline files: the step registry and the runner.

Each step type maps to its ``run(params, ctx)``; the command line, notebooks and the
Python API call the same functions with the same parameter models.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import MapsParams, Pipeline, StepConfig, StepParams, assigned_crs, load_pipeline
from .io.atomic import atomic_output, clear_stale_manifest
from .io.cache import default_cache_dir
from .io.lock import output_lock
from .progress import NullProgress, Progress
from .steps import atlas, greening, prerequisite, restoration, review
from .steps.skeleton import StepContext
from .terms import Lang
from .types import StepResult

__all__ = ["STEPS", "run_pipeline", "run_pipeline_file"]

#: Step type → its ``run(params, ctx)``.
STEPS: dict[str, Callable[..., StepResult]] = {
    "prerequisite": prerequisite.run,
    "greening": greening.run,
    "restoration": restoration.run,
    "review": review.run,
    "maps": atlas.run,
}


def run_pipeline(
    pipeline: Pipeline,
    base: Path,
    out: Path | None = None,
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    lang: Lang = "zh",
    out_db: str | None = None,
    out_schema: str = "greenmine",
) -> list[tuple[Path, StepResult]]:
    """Run every step in order; each writes into ``OUT/<step name>/`` (the maps step into OUT);
    ``lang`` is the language of the workbooks; with ``out_db`` each step's tables are also
    written into that PostGIS database's ``out_schema``, named ``<step name>_<table>``.

    ``out`` defaults to the pipeline's ``out`` (relative to ``base``), else
    ``out/<pipeline name>``. A top-level ``OUT/manifest.json`` listing the steps is
    written last. Returns each step's output directory and result.
    """
    out = out or (base / pipeline.out if pipeline.out else Path("out") / pipeline.name)
    with output_lock(out):
        clear_stale_manifest(out)
        context = {
            "cache_dir": cache_dir or default_cache_dir(),
            "lang": lang,
            "out_db": out_db,
            "out_schema": out_schema,
        }
        done = [_run_step(step, base, out, progress, context) for step in pipeline.steps]
        record = [
            {
                "step": step.step,
                "out": step.name or step.step,
                "summary": result.summary(),
                "warnings": result.warnings,
            }
            for step, (_, result) in zip(pipeline.steps, done, strict=True)
        ]
        with atomic_output(out / "manifest.json") as tmp:
            text = json.dumps(
                {"pipeline": pipeline.name, "steps": record}, ensure_ascii=False, indent=2
            )
            tmp.write_text(text, "utf-8")
    return done


def _run_step(
    step: StepConfig, base: Path, out: Path, progress: Progress | None, context: dict[str, Any]
) -> tuple[Path, StepResult]:
    """One step into ``OUT/<name>/``, or the maps step into ``OUT`` itself; ``context``: the
    :class:`StepContext` fields every step shares."""
    params: StepParams = step.resolved(base)
    maps = step.step == "maps"
    sub = out if maps else out / (step.name or step.step)
    if maps:
        params = MapsParams(results=str(out))
    ctx = StepContext(
        sub,
        progress=progress or NullProgress(),
        manifest=not maps,
        assign_crs=assigned_crs(params),
        **context,
    )
    with ctx:
        return sub, STEPS[step.step](params, ctx)


def run_pipeline_file(
    path: str | Path, out: Path | None = None, **kwargs: Any
) -> list[tuple[Path, StepResult]]:
    """Load a pipeline file and run it (see :func:`run_pipeline`)."""
    pipeline, base = load_pipeline(path)
    return run_pipeline(pipeline, base, out, **kwargs)
