"""The prerequisite step: files in, ``prerequisite.csv`` / ``.gpkg`` / ``manifest.json`` out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..checks.mines import prepare_mines, read_mines
from ..checks.prerequisite import check_prerequisite
from ..checks.rules import rules_table
from ..config import PrerequisiteParams
from ..io import atomic, manifest, results
from ..io.cache import cache_key, default_cache_dir, load_prepared, save_prepared
from ..io.tables import read_exemptions
from ..io.vector import LayerSource, read_layer
from ..layers import PlanningLayer, planning_layer, resolve_fields, role_of
from ..overlay import DENSIFY_DEG, DENSIFY_M
from ..progress import NullProgress, Progress
from .outcome import StepOutcome

__all__ = ["load_planning_layer", "run_prerequisite"]

#: Parameters of layer preparation that change its result (part of the cache key).
PREPARE_PARAMS = {"max_vertices": 256, "densify_m": DENSIFY_M, "densify_deg": DENSIFY_DEG}


def load_planning_layer(
    spec: str,
    name: str,
    fields: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
) -> tuple[PlanningLayer, LayerSource, bool]:
    """Read a planning layer and prepare it, reusing the on-disk cache when it holds this content.

    Returns
    -------
    (layer, source, cached)
    """
    what = f"{name} layer"
    attrs, source = read_layer(spec, what=what, read_geometry=False)
    columns = [c for c in attrs.columns if c != attrs.geometry.name]
    resolved = resolve_fields(columns, role_of(name), fields, what=f"{what} {source.path}")
    key = cache_key(source.sha256, name, resolved, PREPARE_PARAMS)
    cache_dir = cache_dir or default_cache_dir()
    prepared = load_prepared(cache_dir, key)
    if prepared is not None:
        return planning_layer(attrs, name, fields=resolved, prepared=prepared), source, True
    gdf, source = read_layer(spec, what=what, sha256=source.sha256)
    layer = planning_layer(gdf, name, fields=resolved, what=f"{what} {source.path}")
    save_prepared(cache_dir, key, layer.prepared)
    return layer, source, False


def run_prerequisite(
    params: PrerequisiteParams,
    out_dir: str | Path,
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> StepOutcome:
    """Run the prerequisite check on files and write its outputs into ``out_dir``.

    Writes ``prerequisite.csv`` (one row per mine), ``prerequisite.gpkg`` (layers
    ``mines``, ``conflicts``, ``block_overlaps``; EPSG:4490) and, last,
    ``manifest.json``. Inputs are all read and checked before anything in
    ``out_dir`` is touched.
    """
    progress = progress or NullProgress()
    out_dir = Path(out_dir)
    progress.start(len(params.mines) + len(params.layers) + 4, "prerequisite check")
    frames, sources = [], []
    for spec in params.mines:
        gdf, src = read_mines(spec, what="mines layer", datum=params.boundary_datum)
        frames.append((gdf, src.path))
        sources.append({"role": "mines", **src.as_dict()})
        progress.advance(f"read {Path(spec).name}")
    mines = prepare_mines(frames, params.id_field)
    cached: dict[str, bool] = {}
    redline, src, cached["redline"] = load_planning_layer(
        params.redline, "redline", cache_dir=cache_dir
    )
    sources.append({"role": "redline", **src.as_dict()})
    progress.advance("red line prepared")
    layers = []
    for name, layer_spec in params.layers.items():
        layer, src, cached[name] = load_planning_layer(
            layer_spec.path, name, layer_spec.fields, cache_dir
        )
        layers.append(layer)
        sources.append({"role": name, **src.as_dict()})
        progress.advance(f"{name} prepared")
    exemptions = None
    if params.exemptions:
        exemptions = read_exemptions(params.exemptions, params.id_field)
        sources.append(
            {
                "role": "exemptions",
                "path": params.exemptions,
                "sha256": manifest.file_sha256(params.exemptions),
            }
        )
    result = check_prerequisite(mines, redline, layers, exemptions, params.tolerance_m)
    progress.advance("overlay done")

    atomic.clear_stale_manifest(out_dir)
    outputs = [
        results.write_csv(result.mines, out_dir / "prerequisite.csv"),
        results.write_gpkg(
            {
                "mines": result.mines,
                "conflicts": result.conflicts,
                "block_overlaps": result.block_overlaps,
            },
            out_dir / "prerequisite.gpkg",
        ),
    ]
    progress.advance("written")
    summary = (
        result.mines["verdict"]
        .value_counts()
        .reindex(["PASS", "REVIEW", "EXEMPT", "FAIL"], fill_value=0)
    )
    summary_dict = {k: int(v) for k, v in summary.items()}
    outputs.append(
        manifest.write_manifest(
            out_dir,
            command="prerequisite",
            inputs=sources,
            parameters={**params.model_dump(), "prepare": PREPARE_PARAMS},
            outputs=outputs,
            extra={
                "rules": rules_table(),
                "summary": summary_dict,
                "warnings": result.warnings,
                "prepared_layers_from_cache": cached,
                "units": {
                    "areas": "m² on the GRS80 ellipsoid (Albers equal-area)",
                    "distances": "geodesic metres",
                    "outputs_crs": "EPSG:4490",
                },
            },
        )
    )
    progress.advance("manifest")
    progress.close()
    return StepOutcome(out_dir, outputs, summary_dict, result.warnings, result)
