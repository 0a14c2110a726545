"""Running pipeline files: the step registry and the runner.

Each step type maps to its ``run(params, ctx)``; the command line, notebooks and the
Python API call the same functions with the same parameter models.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import MapsParams, Pipeline, StepParams, load_pipeline
from .io.atomic import atomic_output, clear_stale_manifest
from .io.cache import default_cache_dir
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
    clear_stale_manifest(out)
    done: list[tuple[Path, StepResult]] = []
    record: list[dict[str, Any]] = []
    for step in pipeline.steps:
        params: StepParams = step.resolved(base)
        sub = out if step.step == "maps" else out / (step.name or step.step)
        if step.step == "maps":
            params = MapsParams(results=str(out))
        ctx = StepContext(sub, cache_dir or default_cache_dir(), progress or NullProgress())
        result = STEPS[step.step](params, ctx)
        done.append((sub, result))
        record.append(
            {
                "step": step.step,
                "out": step.name or step.step,
                "summary": result.summary(),
                "warnings": result.warnings,
            }
        )
    with atomic_output(out / "manifest.json") as tmp:
        tmp.write_text(
            json.dumps({"pipeline": pipeline.name, "steps": record}, ensure_ascii=False, indent=2),
            "utf-8",
        )
    return done


def run_pipeline_file(
    path: str | Path, out: Path | None = None, **kwargs: Any
) -> list[tuple[Path, StepResult]]:
    """Load a pipeline file and run it (see :func:`run_pipeline`)."""
    pipeline, base = load_pipeline(path)
    return run_pipeline(pipeline, base, out, **kwargs)
