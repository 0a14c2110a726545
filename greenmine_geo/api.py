"""The Python API: each check on an analyst's own GeoDataFrames or files, in a notebook.

Every function runs the same step as the command line and pipeline files (the same
hardened readers, checks and outputs), so a notebook and ``greenmine`` agree to the
byte. Layers may be GeoDataFrames (with a CRS: it is never guessed) or paths
(``PATH``, ``PATH:LAYER``, a ZIP, a ``postgresql://`` table …). Each function returns
the step's typed result with its frames in EPSG:4490 (CGCS2000), as the files hold them.

``out`` is the directory the step writes (CSV, GeoPackage, workbook, figures, manifest;
layers given as GeoDataFrames are kept in ``out/inputs/`` so that maps and reports can
read them again); without it the step writes into a temporary directory that is removed
afterwards, so only the returned result remains (figures and charts with it). ``settings`` are the
step's other parameters, by their pipeline-file names (``tolerance_m=0.05``,
``bands={"red": 3, "nir": 4}``, ``keep_fields=["矿山名称"]`` …); a wrong one raises
pydantic's ``ValidationError`` naming it.

>>> import geopandas as gpd
>>> import greenmine_geo as gm
>>> mines = gpd.read_file("data/demo/mines_cgcs2000.gpkg")
>>> result = gm.check_prerequisite(mines, "data/demo/redline.gpkg", id_field="mine_id")
>>> result.summary()["FAIL"]
1
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import geopandas as gpd
import pyogrio

from . import config as cfg
from .checks.boundary import ConversionResult
from .checks.prerequisite import PrerequisiteResult
from .crs import CGCS2000, norm_crs
from .imagery.greening import GreeningResult
from .imagery.review import ReviewResult
from .imagery.timeseries import RestorationResult
from .io.atomic import atomic_output
from .steps import atlas as atlas_step
from .steps import convert as convert_step
from .steps import greening as greening_step
from .steps import prerequisite as prerequisite_step
from .steps import restoration as restoration_step
from .steps import review as review_step
from .steps.atlas import AtlasResult
from .steps.skeleton import StepContext
from .terms import Lang
from .types import StepResult

__all__ = [
    "Layer",
    "check_prerequisite",
    "convert_boundary",
    "greening",
    "maps",
    "restoration",
    "review_imagery",
]

#: A layer as the API takes it: a GeoDataFrame with a CRS, or a path the readers accept.
Layer: TypeAlias = gpd.GeoDataFrame | str | os.PathLike[str]
R = TypeVar("R", bound=StepResult)
P = TypeVar("P", bound=cfg.StepParams)


@dataclasses.dataclass
class _Session:
    """The step's context (its output directory) and the GeoDataFrames it was given, kept
    as GeoPackages in ``inputs/`` there (recorded among the step's outputs)."""

    ctx: StepContext

    def path(self, layer: Layer, name: str) -> str:
        """``layer`` as a path: a GeoDataFrame is written as ``inputs/NAME.gpkg``."""
        if not isinstance(layer, gpd.GeoDataFrame):
            return os.fspath(layer)
        norm_crs(layer.crs, what=f"the GeoDataFrame given as {name}")  # refused without one
        self.ctx.begin()  # the previous run's files go first, its inputs among them
        target = self.ctx.out_dir / "inputs" / f"{name}.gpkg"
        target.parent.mkdir(exist_ok=True)
        with atomic_output(target) as tmp:
            pyogrio.write_dataframe(layer, tmp, layer=name, driver="GPKG")
        self.ctx.wrote([target])
        return str(target)

    def paths(self, layers: Layer | Sequence[Layer], name: str) -> list[str]:
        """One layer or several, as paths (``mines_1``, ``mines_2`` … for GeoDataFrames)."""
        if isinstance(layers, gpd.GeoDataFrame | str | os.PathLike):
            return [self.path(layers, name)]
        return [self.path(layer, f"{name}_{k}") for k, layer in enumerate(layers, 1)]

    def run(self, step: Callable[[P, StepContext], R], params: P) -> R:
        """Run ``step`` (a step's ``run``) and return its result, frames in EPSG:4490."""
        self.ctx.assign_crs = cfg.assigned_crs(params)
        return _in_cgcs2000(step(params, self.ctx))


@contextlib.contextmanager
def _session(
    out: str | os.PathLike[str] | None, lang: Lang = "zh", *, manifest: bool = True
) -> Iterator[_Session]:
    """A step's session writing into ``out``, or into a temporary directory removed after."""
    with tempfile.TemporaryDirectory(prefix="greenmine-api-") as tmp:
        where = Path(out) if out is not None else Path(tmp, "out")
        with StepContext(where, lang=lang, manifest=manifest) as ctx:
            yield _Session(ctx)


def _in_cgcs2000(result: R) -> R:
    """``result`` with each GeoDataFrame it holds in EPSG:4490 (CGCS2000)."""
    if not dataclasses.is_dataclass(result):
        return result
    changes = {
        f.name: value.to_crs(CGCS2000)
        for f in dataclasses.fields(result)
        if isinstance(value := getattr(result, f.name), gpd.GeoDataFrame)
        and value.crs is not None
        and not value.crs.equals(CGCS2000)
    }
    return dataclasses.replace(result, **changes)


def check_prerequisite(
    mines: Layer | Sequence[Layer],
    redline: Layer,
    *,
    id_field: str = "mine_id",
    layers: Mapping[str, Layer] | None = None,
    fields: Mapping[str, Mapping[str, str]] | None = None,
    exemptions: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    lang: Lang = "zh",
    **settings: Any,
) -> PrerequisiteResult:
    """The prerequisite overlay check (先决条件: 矿区范围) of ``mines`` against ``redline``
    and the planning ``layers`` (role name → layer: ``landuse``, ``永久基本农田``,
    ``key_zones`` …; ``fields``: role name → {field: column}, e.g. ``{"landuse":
    {"class": "DLMC"}}``). Areas in m² on the ellipsoid, distances in geodesic metres."""
    with _session(out, lang) as s:
        specs = {
            name: cfg.LayerSpec(
                path=s.path(layer, f"layer_{k}"), fields=dict((fields or {}).get(name, {}))
            )
            for k, (name, layer) in enumerate((layers or {}).items(), 1)
        }
        params = cfg.PrerequisiteParams(
            mines=s.paths(mines, "mines"),
            id_field=id_field,
            redline=s.path(redline, "redline"),
            layers=specs,
            exemptions=os.fspath(exemptions) if exemptions is not None else None,
            **settings,
        )
        return s.run(prerequisite_step.run, params)


def convert_boundary(
    files: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], **settings: Any
) -> ConversionResult:
    """Corner-point boundary files (拐点坐标: TXT, CSV/XLSX, mining-right strings) → checked
    polygons, written to the GeoPackage ``out`` with their findings."""
    params = cfg.ConvertParams(files=[os.fspath(f) for f in files], out=os.fspath(out), **settings)
    with _session(Path(out).parent) as s:
        return s.run(convert_step.run, params)


def review_imagery(
    image: str | os.PathLike[str],
    mines: Layer,
    *,
    mine_id: str,
    id_field: str = "mine_id",
    out: str | os.PathLike[str] | None = None,
    **settings: Any,
) -> ReviewResult:
    """The reviewer's PASS/WARN/FAIL checklist of a submitted image for mine ``mine_id``
    (the image is opened only through the hardened opener, decoded in an isolated child)."""
    with _session(out) as s:
        params = cfg.ReviewParams(
            image=os.fspath(image),
            mines=s.path(mines, "mines"),
            id_field=id_field,
            mine_id=mine_id,
            **settings,
        )
        return s.run(review_step.run, params)


def greening(
    mines: Layer | Sequence[Layer],
    image: str | os.PathLike[str],
    *,
    id_field: str = "mine_id",
    non_greenable: Layer | None = None,
    out: str | os.PathLike[str] | None = None,
    lang: Lang = "zh",
    **settings: Any,
) -> GreeningResult:
    """Greening coverage of each mine's greenable area on one image (indicator 6): cover,
    FVC, bare patches (≥ ``min_patch_m2``) and the score."""
    with _session(out, lang) as s:
        blocked = s.path(non_greenable, "non_greenable") if non_greenable is not None else None
        params = cfg.GreeningParams(
            mines=s.paths(mines, "mines"),
            id_field=id_field,
            image=os.fspath(image),
            non_greenable=blocked,
            **settings,
        )
        return s.run(greening_step.run, params)


def restoration(
    zones: Layer,
    images: Mapping[date | str, str | os.PathLike[str]],
    *,
    id_field: str = "zone_id",
    mines: Layer | None = None,
    mine_id_field: str | None = None,
    out: str | os.PathLike[str] | None = None,
    lang: Lang = "zh",
    **settings: Any,
) -> RestorationResult:
    """Restoration of ``zones`` over the dated ``images`` (indicators 38-41), and, with
    ``mines``, new bare ground past their boundaries (越界 leads for a field check)."""
    with _session(out, lang) as s:
        params = cfg.RestorationParams(
            zones=s.path(zones, "zones"),
            id_field=id_field,
            images={
                d if isinstance(d, date) else date.fromisoformat(d): os.fspath(p)
                for d, p in images.items()
            },
            mines=s.path(mines, "mines") if mines is not None else None,
            mine_id_field=mine_id_field,
            **settings,
        )
        return s.run(restoration_step.run, params)


def maps(
    results: str | os.PathLike[str], *, out: str | os.PathLike[str], lang: Lang = "zh"
) -> AtlasResult:
    """The atlas of a results directory (the ``out`` of the calls above, or of
    ``greenmine run``): province and league/city maps, print maps, dashboard, and each
    mine's review report and each league's summary in HTML, PDF and Word (in ``lang``)."""
    with _session(out, lang, manifest=False) as s:
        return s.run(atlas_step.run, cfg.MapsParams(results=os.fspath(results)))
