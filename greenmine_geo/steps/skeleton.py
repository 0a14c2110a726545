"""The skeleton every step runs in: one door in for its inputs, one door out for its results.

A step is ``run(params, ctx) -> XResult``. Everything it reads comes through the
context's readers (:meth:`StepContext.mine_set`, :meth:`~StepContext.layer`,
:meth:`~StepContext.planning_layer`, :meth:`~StepContext.image` …), which call the
hardened openers of :mod:`greenmine_geo.io` and record each input with its content
hash for the manifest. Everything it writes goes into ``ctx.out_dir``: figures as
they are drawn (:meth:`~StepContext.write_figure`), then the result's files and,
last, ``manifest.json`` (:meth:`~StepContext.finish`). The previous run's manifest is
removed before the first file is replaced, so a directory whose run was interrupted
never looks complete.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import shapely
from matplotlib.figure import Figure
from PIL import Image

from .. import terms
from ..checks.mines import MineSet, prepare_mines, read_mines
from ..config import LayerSpec, StepParams
from ..errors import InputError
from ..io import manifest, results
from ..io.cache import cache_key, default_cache_dir, load_entry, save_entry
from ..io.corner_points import BoundaryFile, read_corner_file
from ..io.outdir import OutputDir
from ..io.registry import read_submissions
from ..io.tables import read_exemptions, read_plan_table
from ..io.untrusted import UntrustedRaster, UntrustedRasterError, open_untrusted
from ..io.vector import LayerSource, read_layer
from ..io.workbook import write_workbook
from ..layers import PlanningLayer, layer_names_zh, planning_layer, resolve_fields, role_of
from ..overlay import DENSIFY_DEG, DENSIFY_M, Measurable, PreparedLayer, to_measurable
from ..progress import NullProgress, Progress
from ..terms import Lang
from ..types import StepResult

__all__ = ["PREPARE_PARAMS", "StepContext", "db_prefix"]

#: Parameters of layer preparation that change its result (part of the cache key).
PREPARE_PARAMS = {"max_vertices": 256, "densify_m": DENSIFY_M, "densify_deg": DENSIFY_DEG}

R = TypeVar("R", bound=StepResult)
log = logging.getLogger(__name__)


def db_prefix(out_dir: Path) -> str:
    """The prefix of a step's tables in a database: its output directory's name, each run of
    other characters than letters, digits and ``_`` made one ``_``, at most 30 bytes (a
    PostgreSQL name holds 63)."""
    name = re.sub(r"\W+", "_", out_dir.resolve().name.lower()).strip("_") or "step"
    return name.encode("utf-8")[:30].decode("utf-8", "ignore")


def _log_read(role: str, source: LayerSource) -> None:
    """Say, with ``--verbose``, what was read and what reading it found."""
    where = source.path + (f":{source.layer}" if source.layer else "")
    found = "; ".join(source.findings)
    log.info(
        f"read {role} {where}: {source.features} features, {source.crs}"
        + (f", {source.encoding}" if source.encoding else "")
        + (f" ({found})" if found else "")
    )


def _cached_layer(cache_dir: Path, key: str) -> PreparedLayer | None:
    """The prepared layer cached under ``key``; None when absent, unreadable or outdated."""
    entry = load_entry(cache_dir, key)
    try:
        return PreparedLayer.from_cache(entry) if entry is not None else None
    except (KeyError, TypeError, ValueError):
        return None


@dataclass
class StepContext:
    """Where a step writes, what it has read and written, and how it reports progress.

    Attributes
    ----------
    out_dir : Path
        The step's output directory.
    cache_dir : Path
        Where prepared planning layers are kept between runs.
    inputs, outputs : list
        What the step read (role, path, content hash …) and wrote, for its manifest.
    parameters, facts : dict
        What readers add to the manifest's parameters (layer preparation) and beside
        them (which prepared layers came from the cache).
    """

    out_dir: Path
    cache_dir: Path = field(default_factory=default_cache_dir)
    progress: Progress = field(default_factory=NullProgress)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    manifest: bool = True
    #: the CRS of vector inputs that declare none (``--assign-crs``), else None
    assign_crs: str | None = None
    #: the language of the workbook's sheet names, headers and verdict words
    lang: Lang = "zh"
    #: a PostGIS database (``postgresql://USER@HOST/DB``) the result's tables are also
    #: written to, into schema :attr:`out_schema`; None: files only
    out_db: str | None = None
    out_schema: str = "greenmine"
    _out: OutputDir = field(init=False, repr=False)
    #: held while recording a written file: steps may write from several threads
    _writing: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        self._out = OutputDir(self.out_dir, manifest=self.manifest)

    def __enter__(self) -> StepContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self._out.close()

    # ---- one door in -------------------------------------------------------------------

    def record(self, role: str, path: str | os.PathLike[str], **facts: Any) -> None:
        """Record a file input (tables, images) with its content hash."""
        self.inputs.append(
            {"role": role, "path": str(path), "sha256": manifest.file_sha256(path), **facts}
        )

    def require(self, paths: Sequence[str | os.PathLike[str]]) -> None:
        """Refuse missing files before any work is done."""
        for p in paths:
            if not Path(p).exists():
                raise InputError(f"{p} does not exist; check the path")

    def layer(self, spec: str, role: str, *, what: str | None = None) -> gpd.GeoDataFrame:
        """A vector layer (``PATH`` or ``PATH:LAYER``) in its own CRS; ``what`` names it in errors."""
        what = what or f"{role.replace('_', '-')} layer"
        gdf, source = read_layer(spec, what=what, assign_crs=self.assign_crs)
        _log_read(role, source)
        self.inputs.append({"role": role, **source.as_dict()})
        return gdf

    def polygons(self, spec: str, role: str) -> Measurable:
        """A polygon layer in EQUAL_AREA, repaired (the repairs reported)."""
        return to_measurable(self.layer(spec, role).geometry)

    def mine_set(self, specs: Sequence[str], id_field: str, *, datum: str | None = None) -> MineSet:
        """Mine boundaries from layers or corner-point files (each in its own CRS), by id."""
        frames = []
        for spec in specs:
            gdf, source = read_mines(
                spec, what="mines layer", datum=datum, assign_crs=self.assign_crs
            )
            _log_read("mines", source)
            self.inputs.append({"role": "mines", **source.as_dict()})
            frames.append((gdf, source.path))
            self.progress.advance(f"read {Path(spec).name}")
        return prepare_mines(frames, id_field)

    def mine(self, spec: str, id_field: str, mine_id: str) -> shapely.Geometry:
        """One mine's boundary (EQUAL_AREA) from a mines layer."""
        gdf, source = read_mines(spec, what="mines layer", assign_crs=self.assign_crs)
        _log_read("mines", source)
        self.inputs.append({"role": "mines", **source.as_dict()})
        if id_field not in gdf.columns:
            fields = ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
            raise InputError(
                f"mines layer {source.path} has no field {id_field!r}; its fields are: {fields}"
            )
        rows = gdf[gdf[id_field].astype("string") == str(mine_id)]
        if rows.empty:
            raise InputError(
                f"mine {mine_id!r} is not in {source.path} (field {id_field}); check the mine id"
            )
        return prepare_mines([(rows, source.path)], id_field).geoms[0]

    def planning_layer(self, spec: LayerSpec | str, name: str) -> PlanningLayer:
        """A planning layer, prepared, or loaded from the cache when it holds this content."""
        spec = spec if isinstance(spec, LayerSpec) else LayerSpec(path=spec)
        what = f"{name} layer"
        attrs, source = read_layer(
            spec.path, what=what, read_geometry=False, assign_crs=self.assign_crs
        )
        _log_read(name, source)
        self.inputs.append({"role": name, **source.as_dict()})
        columns = [c for c in attrs.columns if c != attrs.geometry.name]
        fields = resolve_fields(columns, role_of(name), spec.fields, what=f"{what} {source.path}")
        key = cache_key(source.sha256, name, fields, PREPARE_PARAMS)
        self.parameters["prepare"] = PREPARE_PARAMS
        prepared = _cached_layer(self.cache_dir, key)
        if prepared is not None and len(attrs) != prepared.n_features:
            # a layer with no attribute fields reads as no rows without its geometry
            prepared = prepared if not columns else None
            attrs = attrs.reindex(range(prepared.n_features)) if prepared is not None else attrs
        self.facts.setdefault("prepared_layers_from_cache", {})[name] = prepared is not None
        if prepared is not None:
            return planning_layer(attrs, name, fields=fields, prepared=prepared)
        gdf, _ = read_layer(spec.path, what=what, sha256=source.sha256, assign_crs=self.assign_crs)
        layer = planning_layer(gdf, name, fields=fields, what=f"{what} {source.path}")
        save_entry(self.cache_dir, key, layer.prepared.to_cache())
        return layer

    def corner_file(self, path: str) -> BoundaryFile:
        """A corner-point boundary file (拐点坐标), as written."""
        boundary = read_corner_file(path)
        self.record("boundary", path, encoding=boundary.encoding)
        return boundary

    def exemptions(self, path: str, id_field: str) -> pd.DataFrame:
        """The exemption list (mine id, reason, document[, layer])."""
        table = read_exemptions(path, id_field)
        self.record("exemptions", path)
        return table

    def plan_table(self, path: str) -> pd.DataFrame:
        """A year-by-year restoration plan (zone_id, year, target_fvc)."""
        table = read_plan_table(path)
        self.record("plan_table", path)
        return table

    def registry(self, path: str) -> tuple[list[dict[str, Any]], list[str]]:
        """The earlier submissions of an imagery registry (a directory of JSON entries), and
        a line for each entry that cannot be read."""
        return read_submissions(path)

    @contextlib.contextmanager
    def image(self, path: str | os.PathLike[str], **facts: Any) -> Iterator[UntrustedRaster]:
        """A submitted image, opened through the hardened opener and hashed meanwhile.

        A refusal, at opening or while reading, is an :class:`InputError` naming the file.
        """
        entry: dict[str, Any] = {"role": "image", **facts, "path": str(path)}
        self.inputs.append(entry)
        with ThreadPoolExecutor(1) as hasher:
            digest: Future[str] = hasher.submit(manifest.file_sha256, path)
            try:
                with open_untrusted(path) as raster:
                    yield raster
            except UntrustedRasterError as exc:
                raise InputError(
                    f"{exc.path or path} is refused: {exc}; check it with greenmine review-imagery"
                ) from None
            entry["sha256"] = digest.result()

    # ---- one door out ------------------------------------------------------------------

    def begin(self) -> None:
        """Before the first file is written: the directory is locked for this run, and what
        the previous run left there is removed (its manifest first; see
        :class:`~greenmine_geo.io.outdir.OutputDir`). Once; later calls do nothing."""
        with self._writing:
            self._out.open()

    def wrote(self, paths: Sequence[Path]) -> list[Path]:
        """Record files written into the output directory (by this process or its workers)."""
        self.begin()
        with self._writing:
            for path in paths:
                self._out.record(path)
                self.outputs.append(Path(path))
        return list(paths)

    def write_figure(self, fig: Figure | Image.Image, name: str, dpi: float | None = None) -> str:
        """Write a figure drawn while the step runs (format by the name's suffix); returns ``name``."""
        self.begin()
        self.wrote([results.write_figure(fig, self.out_dir / name, dpi=dpi)])
        return name

    def write_text(self, text: str, name: str) -> Path:
        """Write a page (HTML) the step renders from its result."""
        self.begin()
        return self.wrote([results.write_text(text, self.out_dir / name)])[0]

    def write_workbook(self, result: StepResult) -> None:
        """``<command>.xlsx``: a sheet per table of the result, headers for people in
        :attr:`lang` (:mod:`greenmine_geo.terms`); nothing for a result without tables."""
        tables = result.tables()
        if not tables:
            return
        names = layer_names_zh()
        sheets = {
            terms.sheet_name(name, self.lang): terms.sheet_table(
                results.round_measures(table), self.lang, names
            )
            for name, table in tables.items()
        }
        self.wrote([write_workbook(sheets, self.out_dir / f"{result.command}.xlsx")])

    def write_database(self, result: StepResult) -> None:
        """The result's tables into :attr:`out_db` (one transaction), as
        ``<output directory's name>_<table>``; recorded in the manifest's facts."""
        tables = result.tables()
        if self.out_db is None or not tables:
            return
        from ..io.postgis import parse_postgis_url, write_postgis

        named = {f"{db_prefix(self.out_dir)}_{k}": v for k, v in tables.items()}
        layers = {k: v for k, v in named.items() if isinstance(v, gpd.GeoDataFrame)}
        plain = {k: v for k, v in named.items() if k not in layers}
        written = write_postgis(self.out_db, self.out_schema, layers, plain)
        self.facts["database"] = {
            "url": parse_postgis_url(self.out_db, what="output database").redacted,
            "tables": written,
        }

    def finish(self, result: R, params: StepParams) -> R:
        """Write the result's files, then the manifest (inputs, parameters, outputs) last,
        and release the output directory."""
        self.begin()
        self.wrote(result.write(self.out_dir))
        self.write_workbook(result)
        self.write_database(result)
        if not self.manifest:
            self._out.close()
            return result
        record = result.manifest_record()
        parameters = {
            **params.model_dump(mode="json"),
            **self.parameters,
            **record.pop("parameters", {}),
        }
        self.outputs.append(
            manifest.write_manifest(
                self.out_dir,
                command=result.command,
                inputs=self.inputs,
                parameters=parameters,
                outputs=self.outputs,
                extra={**record, **self.facts, "warnings": result.warnings},
            )
        )
        self._out.record(self.out_dir / "manifest.json")
        self._out.close()
        return result
