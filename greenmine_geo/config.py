"""Pipeline files: pydantic models, their JSON schema, and loading with line-precise errors.

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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError
from .io.yamlfile import LineMap, read_yaml_with_lines

__all__ = [
    "LayerSpec",
    "Pipeline",
    "PrerequisiteParams",
    "PrerequisiteStep",
    "json_schema",
    "load_pipeline",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayerSpec(_Strict):
    """A planning layer: its path (``PATH`` or ``PATH:LAYER``) and, optionally, which fields to read."""

    path: str = Field(description="PATH or PATH:LAYER of a vector dataset")
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="logical field → column, e.g. {class: DLMC} for land use, {name: ZQMC} for zones",
    )


class PrerequisiteParams(_Strict):
    """Parameters of the prerequisite overlay check (先决条件: 矿区范围)."""

    mines: list[str] = Field(description="mine boundary layers (each in its own CRS)", min_length=1)
    id_field: str = Field(description="field holding the mine id")
    redline: str = Field(description="ecological protection red-line layer")
    layers: dict[str, LayerSpec] = Field(
        default_factory=dict,
        description="other layers by name: landuse, farmland, nature_reserve, grassland, forest, "
        "key_zones, exploration_blocks, mining_blocks, admin, or any name (reported only)",
    )
    exemptions: str | None = Field(
        None, description="CSV of exemptions: mine_id, reason, document[, layer]"
    )
    tolerance_m: float = Field(0.05, gt=0, le=10, description="contact tolerance in metres")

    @field_validator("mines", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("layers", mode="before")
    @classmethod
    def _path_or_spec(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: {"path": s} if isinstance(s, str) else s for k, s in v.items()}
        return v

    def resolved(self, base: Path) -> PrerequisiteParams:
        """The same parameters with relative paths made relative to ``base``."""

        def r(p: str) -> str:
            return p if os.path.isabs(p) else os.path.normpath(base / p)

        return self.model_copy(
            update={
                "mines": [r(p) for p in self.mines],
                "redline": r(self.redline),
                "layers": {
                    k: s.model_copy(update={"path": r(s.path)}) for k, s in self.layers.items()
                },
                "exemptions": r(self.exemptions) if self.exemptions else None,
            }
        )


class PrerequisiteStep(PrerequisiteParams):
    """A pipeline step running the prerequisite check."""

    step: Literal["prerequisite"]
    name: str | None = Field(None, description="output sub-directory (default: the step type)")


StepConfig = Annotated[PrerequisiteStep, Field(description="one step of the pipeline")]


class Pipeline(_Strict):
    """A pipeline: named steps run in order, each writing into ``out/<step name>/``."""

    name: str
    description: str = ""
    out: str | None = Field(None, description="output directory (default: out/<name>)")
    steps: list[StepConfig] = Field(min_length=1)


def json_schema() -> str:
    """The JSON schema of pipeline files, as pretty-printed JSON text."""
    return json.dumps(Pipeline.model_json_schema(), indent=2, ensure_ascii=False) + "\n"


def _line_of(lines: LineMap, loc: tuple[str | int, ...]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _describe(err: Mapping[str, Any]) -> str:
    loc = tuple(err["loc"])
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if err["type"] == "extra_forbidden":
        return f"unknown key {loc[-1]!r}" + (
            f" in {where.rsplit('.', 1)[0]}" if "." in where else ""
        )
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
        problems = [
            f"{path}:{_line_of(lines, tuple(e['loc'])) or 1}: {_describe(e)}" for e in exc.errors()
        ]
        raise ConfigError("; ".join(problems)) from None
    return pipeline, path.parent.resolve()
