"""Running pipeline files: the step registry and the runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import Pipeline, load_pipeline
from .io.atomic import atomic_output, clear_stale_manifest
from .io.cache import default_cache_dir
from .progress import NullProgress, Progress
from .steps.greening import run_greening_step
from .steps.maps import run_maps_step
from .steps.outcome import StepOutcome
from .steps.prerequisite import run_prerequisite
from .steps.restoration import run_restoration_step
from .steps.review import run_review_step

__all__ = ["STEPS", "run_pipeline", "run_pipeline_file"]

StepFunction = Callable[..., StepOutcome]

#: Step type → function(params, out_dir, *, cache_dir, progress).
STEPS: dict[str, StepFunction] = {
    "prerequisite": run_prerequisite,
    "greening": run_greening_step,
    "restoration": run_restoration_step,
    "review": run_review_step,
    "maps": run_maps_step,
}


def run_pipeline(
    pipeline: Pipeline,
    base: Path,
    out: Path | None = None,
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> list[StepOutcome]:
    """Run every step in order; each writes into ``OUT/<step name>/``.

    ``out`` defaults to the pipeline's ``out`` (relative to ``base``), else
    ``out/<pipeline name>``. A top-level ``OUT/manifest.json`` listing the steps
    is written last.
    """
    out = out or (base / pipeline.out if pipeline.out else Path("out") / pipeline.name)
    clear_stale_manifest(out)
    outcomes: list[StepOutcome] = []
    record: list[dict[str, Any]] = []
    for step in pipeline.steps:
        sub = out / (step.name or step.step)
        params = step.resolved(base)
        outcome = STEPS[step.step](
            params,
            sub,
            cache_dir=cache_dir or default_cache_dir(),
            progress=progress or NullProgress(),
        )
        outcomes.append(outcome)
        record.append(
            {
                "step": step.step,
                "out": sub.name,
                "summary": outcome.summary,
                "warnings": outcome.warnings,
            }
        )
    with atomic_output(out / "manifest.json") as tmp:
        tmp.write_text(
            json.dumps({"pipeline": pipeline.name, "steps": record}, ensure_ascii=False, indent=2),
            "utf-8",
        )
    return outcomes


def run_pipeline_file(
    path: str | Path, out: Path | None = None, **kwargs: Any
) -> list[StepOutcome]:
    """Load a pipeline file and run it (see :func:`run_pipeline`)."""
    pipeline, base = load_pipeline(path)
    return run_pipeline(pipeline, base, out, **kwargs)
