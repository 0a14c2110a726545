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
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError
from .io.yamlfile import LineMap, read_yaml_with_lines

__all__ = [
    "GreeningParams",
    "GreeningStep",
    "LayerSpec",
    "Pipeline",
    "PrerequisiteParams",
    "PrerequisiteStep",
    "json_schema",
    "load_pipeline",
]


def _resolve(base: Path, path: str) -> str:
    """A path from a pipeline file, relative to the file's directory unless absolute."""
    return path if os.path.isabs(path) else os.path.normpath(base / path)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayerSpec(_Strict):
    """A planning layer: its path (``PATH`` or ``PATH:LAYER``) and, optionally, which fields to read."""

    path: str = Field(description="PATH or PATH:LAYER of a vector dataset")
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="logical field → column, e.g. {class: DLMC} for land use, {name: ZQMC} for zones",
    )


class _MinesParams(_Strict):
    """What every per-mine step needs: the mine layers and their id field."""

    mines: list[str] = Field(
        description="mine boundary layers (each in its own CRS), or corner-point files (.txt, .csv, .xlsx)",
        min_length=1,
    )
    id_field: str = Field(description="field holding the mine id (mine_id for corner-point files)")
    boundary_datum: Literal["cgcs2000"] | None = Field(
        None, description="datum of corner-point files that do not declare one"
    )

    @field_validator("mines", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class PrerequisiteParams(_MinesParams):
    """Parameters of the prerequisite overlay check (先决条件: 矿区范围)."""

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

    @field_validator("layers", mode="before")
    @classmethod
    def _path_or_spec(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: {"path": s} if isinstance(s, str) else s for k, s in v.items()}
        return v

    def resolved(self, base: Path) -> PrerequisiteParams:
        """The same parameters with relative paths made relative to ``base``."""
        return self.model_copy(
            update={
                "mines": [_resolve(base, p) for p in self.mines],
                "redline": _resolve(base, self.redline),
                "layers": {
                    k: s.model_copy(update={"path": _resolve(base, s.path)})
                    for k, s in self.layers.items()
                },
                "exemptions": _resolve(base, self.exemptions) if self.exemptions else None,
            }
        )


class GreeningParams(_MinesParams):
    """Parameters of the greening-coverage measurement (indicator 6)."""

    image: str = Field(description="multispectral GeoTIFF")
    non_greenable: str | None = Field(None, description="pits, buildings, hardened ground, roads")
    bands: dict[Literal["red", "nir"], Annotated[int, Field(ge=1)]] = Field(
        default_factory=lambda: {"red": 3, "nir": 4},  # type: ignore[arg-type, dict-item]
        description="1-based band numbers of red and near-infrared",
    )
    index: Literal["ndvi", "savi", "msavi2"] = "ndvi"
    min_patch_m2: float = Field(400.0, ge=0, description="smallest bare patch that counts (m²)")
    vegetated_fvc: float = Field(0.3, ge=0, le=1)
    bare_fvc: float = Field(0.1, ge=0, le=1)
    reference_ring_m: float = Field(500.0, gt=0)
    end_members: tuple[float, float] | None = Field(
        None,
        description="FVC end-members [soil, vegetation] in index units, instead of scene percentiles",
    )
    end_member_areas: str | None = Field(
        None, description="polygons with a 'cover' field (soil / vegetation) giving the end-members"
    )

    @field_validator("end_members")
    @classmethod
    def _soil_below_vegetation(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError("the soil end-member must be below the vegetation end-member")
        return v

    def resolved(self, base: Path) -> GreeningParams:
        """The same parameters with relative paths made relative to ``base``."""
        return self.model_copy(
            update={
                "mines": [_resolve(base, p) for p in self.mines],
                "image": _resolve(base, self.image),
                "non_greenable": _resolve(base, self.non_greenable) if self.non_greenable else None,
                "end_member_areas": _resolve(base, self.end_member_areas)
                if self.end_member_areas
                else None,
            }
        )


class GreeningStep(GreeningParams):
    """A pipeline step measuring greening coverage on one image."""

    step: Literal["greening"]
    name: str | None = Field(None, description="output sub-directory (default: the step type)")


class RestorationParams(_Strict):
    """Parameters of restoration monitoring (indicators 38-41) and the 越界 disturbance search."""

    zones: str = Field(description="restoration zones layer")
    id_field: str = Field(description="field holding the zone id")
    images: dict[date, str] = Field(
        description="acquisition date (YYYY-MM-DD) → multispectral GeoTIFF", min_length=2
    )
    mines: str | None = Field(
        None, description="licensed boundaries: search around them for new bare ground"
    )
    mine_id_field: str | None = Field(None, description="field holding the mine id")
    non_greenable: str | None = Field(
        None, description="known non-greenable land, left out of rings and bands"
    )
    plan_table: str | None = Field(
        None, description="CSV zone_id, year, target_fvc: year-by-year plan"
    )
    zone_type_field: str = "zone_type"
    start_year_field: str = "start_year"
    target_fvc_field: str = "target_fvc"
    target_year_field: str = "target_year"
    bands: dict[Literal["red", "nir", "blue"], Annotated[int, Field(ge=1)]] = Field(
        default_factory=lambda: {"red": 3, "nir": 4},  # type: ignore[arg-type, dict-item]
        description="1-based band numbers of red, near-infrared and (for the cloud test) blue",
    )
    index: Literal["ndvi", "savi", "msavi2"] = "ndvi"
    min_valid_pct: float = Field(
        80.0, ge=0, le=100, description="dates below this valid share are left out"
    )
    hold: int = Field(2, ge=1, description="consecutive years for Y2R and 'done'")
    band_m: float = Field(
        500.0, gt=0, description="width of the band searched around each mine (m)"
    )
    min_patch_m2: float = Field(400.0, ge=0, description="smallest new bare patch reported (m²)")
    reference_ring_m: float = Field(500.0, gt=0)

    def resolved(self, base: Path) -> RestorationParams:
        """The same parameters with relative paths made relative to ``base``."""
        opt = {
            k: _resolve(base, v) if (v := getattr(self, k)) else None
            for k in ("mines", "non_greenable", "plan_table")
        }
        return self.model_copy(
            update={
                "zones": _resolve(base, self.zones),
                "images": {d: _resolve(base, p) for d, p in self.images.items()},
                **opt,
            }
        )


class RestorationStep(RestorationParams):
    """A pipeline step monitoring restoration zones over a time series of images."""

    step: Literal["restoration"]
    name: str | None = Field(None, description="output sub-directory (default: the step type)")


class ReviewStep(_Strict):
    """A pipeline step reviewing one submitted image for one mine (PASS/WARN/FAIL checklist)."""

    step: Literal["review"]
    name: str | None = Field(None, description="output sub-directory (default: the step type)")
    image: str = Field(description="the submitted image (GeoTIFF)")
    mines: str = Field(description="mine boundaries layer")
    id_field: str = Field(description="field holding the mine id")
    mine_id: str = Field(description="the mine the image is submitted for")
    bands: dict[Literal["red", "nir", "green", "blue"], Annotated[int, Field(ge=1)]] | None = Field(
        None, description="1-based band numbers; default from band descriptions, else B, G, R, NIR"
    )
    acquired: date | None = Field(None, description="acquisition date the applicant declares")
    registry: str | None = Field(
        None, description="directory of earlier submissions to compare with"
    )
    buffer_m: float = Field(100.0, ge=0, description="the image must cover the mine plus this (m)")
    max_resolution_m: float = Field(2.0, gt=0, description="coarsest acceptable pixel size (m)")
    review_from: date | None = Field(None, description="start of the review window")
    review_to: date | None = Field(None, description="end of the review window")

    def resolved(self, base: Path) -> ReviewStep:
        """The same parameters with relative paths made relative to ``base``."""
        return self.model_copy(
            update={
                "image": _resolve(base, self.image),
                "mines": _resolve(base, self.mines),
                "registry": _resolve(base, self.registry) if self.registry else None,
            }
        )


class MapsStep(_Strict):
    """A pipeline step drawing the atlas of the run so far: ``index.html`` and ``maps/`` in the
    run's output directory (put it last)."""

    step: Literal["maps"]
    name: str | None = Field(None, description="ignored: the atlas goes to the run's directory")

    def resolved(self, base: Path) -> MapsStep:
        return self


class PrerequisiteStep(PrerequisiteParams):
    """A pipeline step running the prerequisite check."""

    step: Literal["prerequisite"]
    name: str | None = Field(None, description="output sub-directory (default: the step type)")


StepConfig = Annotated[
    PrerequisiteStep | GreeningStep | RestorationStep | ReviewStep | MapsStep,
    Field(discriminator="step", description="one step of the pipeline"),
]


class Pipeline(_Strict):
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
