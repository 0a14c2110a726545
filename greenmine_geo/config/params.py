"""Parameters of each step: its inputs (paths) and its settings, validated once.

The command line, pipeline files, notebooks and the Python API all build these
models and hand them to the same ``run(params, ctx)``. Path fields are marked
(``format: path`` in the JSON schema) so that :meth:`StepParams.resolved` can make
them relative to a pipeline file's directory, whatever the step.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import Field, field_validator, model_validator
from pyproj import CRS
from pyproj.exceptions import CRSError

from .settings import Band, GreeningSettings, RestorationSettings, ReviewSettings, Strict

__all__ = [
    "ConvertParams",
    "GreeningParams",
    "LayerSpec",
    "MapsParams",
    "PrerequisiteParams",
    "RestorationParams",
    "ReviewParams",
    "StepParams",
    "VectorInputs",
    "assigned_crs",
]

_PATH: dict[str, Any] = {"format": "path"}


def path_field(description: str, default: Any = ...) -> Any:
    """A field holding a path (or paths): resolved against a pipeline file's directory."""
    return Field(default, description=description, json_schema_extra=_PATH)


def _resolve(base: Path, value: Any) -> Any:
    """``value`` with every relative path in it made relative to ``base``."""
    if value is None:
        return None
    if isinstance(value, str):  # a database URL (postgresql://…) is not a path
        return value if os.path.isabs(value) or "://" in value else os.path.normpath(base / value)
    if isinstance(value, list):
        return [_resolve(base, v) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(base, v) for k, v in value.items()}
    raise TypeError(f"cannot resolve a path in {value!r}")


class StepParams(Strict):
    """Parameters of one step."""

    def resolved(self, base: Path) -> Self:
        """The same parameters with relative paths made relative to ``base``.

        Path fields are resolved; nested parameters (a step's layer specs) resolve theirs.
        """
        update: dict[str, Any] = {}
        for name, f in type(self).model_fields.items():
            value = getattr(self, name)
            if f.json_schema_extra == _PATH:
                update[name] = _resolve(base, value)
            elif isinstance(value, dict) and any(isinstance(v, StepParams) for v in value.values()):
                update[name] = {k: v.resolved(base) for k, v in value.items()}
        return self.model_copy(update=update)


class LayerSpec(StepParams):
    """A planning layer: its path (``PATH`` or ``PATH:LAYER``) and, optionally, which fields to read."""

    path: str = path_field("PATH or PATH:LAYER of a vector dataset")
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="logical field → column, e.g. {class: DLMC} for land use, {name: ZQMC} for zones",
    )


class VectorInputs(StepParams):
    """A step that reads vector layers: the CRS of those that declare none, given explicitly."""

    assign_crs: str | None = Field(
        None,
        description="CRS (EPSG:NNNN) of vector inputs that declare none (DXF drawings, CSV/XLSX "
        "with a WKT column, shapefiles without .prj); recorded in the manifest, never guessed",
    )

    @field_validator("assign_crs")
    @classmethod
    def _a_crs(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                CRS.from_user_input(v)
            except CRSError:
                raise ValueError(f"{v!r} is not a CRS; give an EPSG code, e.g. EPSG:4527") from None
        return v


def assigned_crs(params: StepParams) -> str | None:
    """The ``assign_crs`` of a step that reads vector layers, else None."""
    return params.assign_crs if isinstance(params, VectorInputs) else None


class _MinesInput(VectorInputs):
    """What every per-mine step needs: the mine layers and their id field."""

    mines: list[str] = path_field(
        "mine boundary layers (each in its own CRS), or corner-point files (.txt, .csv, .xlsx)"
    )
    id_field: str = Field(description="field holding the mine id (mine_id for corner-point files)")
    boundary_datum: Literal["cgcs2000"] | None = Field(
        None, description="datum of corner-point files that do not declare one"
    )
    keep_fields: list[str] | None = Field(
        None,
        description="the mines' own fields carried into the results (default: all of them)",
    )

    @field_validator("mines", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("mines")
    @classmethod
    def _at_least_one(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("give at least one mines layer")
        return v


class PrerequisiteParams(_MinesInput):
    """The prerequisite overlay check (先决条件: 矿区范围)."""

    redline: str = path_field("ecological protection red-line layer")
    layers: dict[str, LayerSpec] = Field(
        default_factory=dict,
        description="other layers by name: landuse, farmland, nature_reserve, grassland, forest, "
        "key_zones, exploration_blocks, mining_blocks, admin, or any name (reported only)",
    )
    exemptions: str | None = path_field(
        "CSV of exemptions: mine_id, reason, document[, layer]", None
    )
    tolerance_m: float = Field(0.05, gt=0, le=10, description="contact tolerance in metres")

    @field_validator("layers", mode="before")
    @classmethod
    def _path_or_spec(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: {"path": s} if isinstance(s, str) else s for k, s in v.items()}
        return v

    @field_validator("layers")
    @classmethod
    def _not_redline(cls, v: dict[str, LayerSpec]) -> dict[str, LayerSpec]:
        if "redline" in v:
            raise ValueError("the red line is given on its own (redline), not among the layers")
        return v


class GreeningParams(GreeningSettings, _MinesInput):
    """Greening coverage of each mine's greenable area on one image (indicator 6)."""

    image: str = path_field("multispectral GeoTIFF")
    non_greenable: str | None = path_field("pits, buildings, hardened ground, roads", None)
    end_member_areas: str | None = path_field(
        "polygons with a 'cover' field (soil / vegetation) giving the end-members", None
    )
    figures: bool = Field(True, description="write a PNG per measured mine")

    @model_validator(mode="after")
    def _one_end_member_source(self) -> Self:
        if self.end_members is not None and self.end_member_areas is not None:
            raise ValueError("give end_members or end_member_areas, not both")
        return self


class RestorationParams(RestorationSettings, VectorInputs):
    """Restoration monitoring (indicators 38-41) and the 越界 disturbance search."""

    zones: str = path_field("restoration zones layer")
    id_field: str = Field(description="field holding the zone id")
    images: dict[date, str] = path_field("acquisition date (YYYY-MM-DD) → multispectral GeoTIFF")
    mines: str | None = path_field(
        "licensed boundaries: search around them for new bare ground", None
    )
    mine_id_field: str | None = Field(None, description="field holding the mine id")
    non_greenable: str | None = path_field(
        "known non-greenable land, left out of rings and bands", None
    )
    plan_table: str | None = path_field("CSV zone_id, year, target_fvc: year-by-year plan", None)
    zone_type_field: str = Field("zone_type", description="field holding the zone type")
    start_year_field: str = Field("start_year", description="field holding the start year")
    target_fvc_field: str = Field("target_fvc", description="field holding the target FVC")
    target_year_field: str = Field("target_year", description="field holding the target year")
    charts: bool = Field(True, description="write a PNG chart per zone")

    @field_validator("images")
    @classmethod
    def _two_dates(cls, v: dict[date, str]) -> dict[date, str]:
        if len(v) < 2:
            raise ValueError("give at least two dated images, one per acquisition date")
        return dict(sorted(v.items()))

    @model_validator(mode="after")
    def _mine_ids(self) -> Self:
        if self.mines is not None and not self.mine_id_field:
            raise ValueError(
                "the mines need their id field (mine_id_field), the field that identifies a mine"
            )
        return self


class ReviewParams(ReviewSettings, VectorInputs):
    """The review of one submitted image for one mine (PASS/WARN/FAIL checklist)."""

    image: str = path_field("the submitted image (GeoTIFF)")
    mines: str = path_field("mine boundaries layer")
    id_field: str = Field(description="field holding the mine id")
    mine_id: str = Field(description="the mine the image is submitted for")
    bands: dict[Literal["red", "nir", "green", "blue"], Band] | None = Field(
        None, description="1-based band numbers; default from band descriptions, else B, G, R, NIR"
    )
    acquired: date | None = Field(None, description="acquisition date the applicant declares")
    registry: str | None = path_field("directory of earlier submissions to compare with", None)


class MapsParams(StepParams):
    """The atlas of a results directory: maps, print maps, dashboard, reports, index."""

    results: str = path_field("a results directory (the --out of greenmine run)")


class ConvertParams(StepParams):
    """Corner-point boundary files → one GeoPackage of checked polygons and their findings."""

    files: list[str] = path_field(
        "corner-point files (拐点坐标: TXT, CSV/XLSX, mining-right strings)"
    )
    out: str = path_field("output GeoPackage (.gpkg)")
    datum: Literal["cgcs2000", "xian80", "beijing54"] | None = Field(
        None, description="datum of files that do not declare one"
    )
    zone: Annotated[int, Field(ge=13, le=45)] | None = Field(
        None, description="GK zone of files without zone-prefixed eastings or 带号"
    )
    zone_width: Literal[3, 6] | None = Field(
        None, description="3° or 6° zones, when neither the file nor the zone number says"
    )
    towgs84: tuple[float, float, float, float, float, float, float] | None = Field(
        None,
        description="the survey's 7 parameters from Xi'an 1980 / Beijing 1954 to CGCS2000 "
        "(dx, dy, dz in m; rx, ry, rz in arc-seconds; scale in ppm)",
    )

    @field_validator("out")
    @classmethod
    def _gpkg(cls, v: str) -> str:
        if not v.lower().endswith(".gpkg"):
            raise ValueError(f"{v}: give a GeoPackage path ending in .gpkg")
        return v
