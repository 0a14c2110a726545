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
) -> list[tuple[Path, StepResult]]:
    """Run every step in order; each writes into ``OUT/<step name>/`` (the maps step into OUT).

    ``out`` defaults to the pipeline's ``out`` (relative to ``base``), else
    ``out/<pipeline name>``. A top-level ``OUT/manifest.json`` listing the steps is
    written last. Returns each step's output directory and result.
    """
    out = out or (base / pipeline.out if pipeline.out else Path("out") / pipeline.name)
    with output_lock(out):
        clear_stale_manifest(out)
        done = [_run_step(step, base, out, cache_dir, progress) for step in pipeline.steps]
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
    step: StepConfig, base: Path, out: Path, cache_dir: Path | None, progress: Progress | None
) -> tuple[Path, StepResult]:
    """One step into ``OUT/<name>/``, or the maps step into ``OUT`` itself."""
    params: StepParams = step.resolved(base)
    maps = step.step == "maps"
    sub = out if maps else out / (step.name or step.step)
    if maps:
        params = MapsParams(results=str(out))
    ctx = StepContext(
        sub,
        cache_dir or default_cache_dir(),
        progress or NullProgress(),
        manifest=not maps,
        assign_crs=assigned_crs(params),
    )
    with ctx:
        return sub, STEPS[step.step](params, ctx)


def run_pipeline_file(
    path: str | Path, out: Path | None = None, **kwargs: Any
) -> list[tuple[Path, StepResult]]:
    """Load a pipeline file and run it (see :func:`run_pipeline`)."""
    pipeline, base = load_pipeline(path)
    return run_pipeline(pipeline, base, out, **kwargs)
