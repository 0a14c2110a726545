"""Pipeline files: the models of a file of steps, their JSON schema, and loading with line-precise errors.

A pipeline file holds parameters only; all logic is in the package. Paths in
it are relative to the file's own directory. Unknown keys are errors that name
the key, the file and the line.

Example::

    name: demo
    out: ../out/demo
    steps:
      - step: prerequisite
        mines: [../data/demo/mines_cgcs2000.gpkg]
        id_field: mine_id
        redline: ../data/demo/redline.gpkg
        layers:
          landuse: ../data/demo/landuse.gpkg
        tolerance_m: 0.05
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from ..errors import ConfigError
from ..io.yamlfile import LineMap, read_yaml_with_lines
from .params import (
    GreeningParams,
    PrerequisiteParams,
    RestorationParams,
    ReviewParams,
    StepParams,
)
from .settings import Strict

__all__ = [
    "GreeningStep",
    "MapsStep",
    "Pipeline",
    "PrerequisiteStep",
    "RestorationStep",
    "ReviewStep",
    "StepConfig",
    "json_schema",
    "load_pipeline",
]

_NAME = Field(None, description="output sub-directory (default: the step type)")


class PrerequisiteStep(PrerequisiteParams):
    """A pipeline step running the prerequisite check."""

    step: Literal["prerequisite"]
    name: str | None = _NAME


class GreeningStep(GreeningParams):
    """A pipeline step measuring greening coverage on one image."""

    step: Literal["greening"]
    name: str | None = _NAME


class RestorationStep(RestorationParams):
    """A pipeline step monitoring restoration zones over a time series of images."""

    step: Literal["restoration"]
    name: str | None = _NAME


class ReviewStep(ReviewParams):
    """A pipeline step reviewing one submitted image for one mine (PASS/WARN/FAIL checklist)."""

    step: Literal["review"]
    name: str | None = _NAME


class MapsStep(StepParams):
    """A pipeline step drawing the atlas of the run so far: ``index.html``, ``maps/`` and
    ``reports/`` in the run's output directory (put it last)."""

    step: Literal["maps"]
    name: str | None = Field(None, description="ignored: the atlas goes to the run's directory")


StepConfig = Annotated[
    PrerequisiteStep | GreeningStep | RestorationStep | ReviewStep | MapsStep,
    Field(discriminator="step", description="one step of the pipeline"),
]


class Pipeline(Strict):
    """A pipeline: named steps run in order, each writing into ``out/<step name>/``."""

    name: str
    description: str = ""
    out: str | None = Field(None, description="output directory (default: out/<name>)")
    steps: list[StepConfig] = Field(min_length=1)


def json_schema() -> str:
    """The JSON schema of pipeline files, as pretty-printed JSON text."""
    return json.dumps(Pipeline.model_json_schema(), indent=2, ensure_ascii=False) + "\n"


def _yaml_loc(lines: LineMap, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The error location as a path in the YAML file: union tags (``prerequisite``) dropped."""
    path: tuple[str | int, ...] = ()
    for k, part in enumerate(loc):
        if (*path, part) in lines or k == len(loc) - 1:
            path = (*path, part)
    return path


def _line_of(lines: LineMap, loc: tuple[str | int, ...]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _describe(loc: tuple[str | int, ...], err: Mapping[str, Any]) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if err["type"] == "extra_forbidden":
        parent = where.rsplit(".", 1)[0] if "." in where else ""
        return f"unknown key {loc[-1]!r}" + (f" in {parent}" if parent else "")
    if err["type"] == "missing":
        return f"missing key {where!r}"
    return f"{where}: {err['msg']}"


def load_pipeline(path: str | os.PathLike[str]) -> tuple[Pipeline, Path]:
    """Load and validate a pipeline file.

    Returns
    -------
    (Pipeline, base)
        The validated pipeline (paths as written) and the directory that
        relative paths are relative to.

    Raises
    ------
    ConfigError
        One message listing every problem as ``FILE:LINE: what``.
    """
    path = Path(path)
    data, lines = read_yaml_with_lines(path)
    try:
        pipeline = Pipeline.model_validate(data)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            loc = _yaml_loc(lines, tuple(e["loc"]))
            problems.append(f"{path}:{_line_of(lines, loc) or 1}: {_describe(loc, e)}")
        raise ConfigError("; ".join(problems)) from None
    return pipeline, path.parent.resolve()
