"""The greening step (indicator 6): mines + one image → ``greening.csv``, ``greening.gpkg``, manifest.

One row per mine, whether or not the image covers it (those it does not are
listed with a note). The image is opened through the hardened opener.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..checks.mines import prepare_mines
from ..config import GreeningParams
from ..crs import EQUAL_AREA
from ..errors import InputError
from ..imagery.greening import (
    GreeningSettings,
    MineGreening,
    empty_patches,
    measure_mine,
    scene_calibration,
)
from ..io import atomic, manifest, results
from ..io.untrusted import UntrustedRasterError, open_untrusted
from ..io.vector import read_layer
from ..maps.greening_figure import greening_figure
from ..overlay import to_measurable
from .outcome import StepOutcome

__all__ = ["GREENING_COLUMNS", "run_greening", "run_greening_step"]

#: In reflectance, a soil end-member NDVI above this means the scene's 5th percentile is
#: sparse vegetation, not bare soil.
NO_BARE_SOIL_NDVI = 0.3


def _safe_name(mine_id: str) -> str:
    """A file-name-safe form of a mine id (Chinese characters kept)."""
    return re.sub(r"[^\w.-]+", "_", mine_id).strip("_") or "mine"


def _write_figure(m: MineGreening, crs: pyproj.CRS, out_dir: Path) -> Path:
    assert m.fvc_grid is not None and m.grid_transform is not None and m.greenable_image is not None
    if m.patches is not None and len(m.patches):
        patches = m.patches.geometry.to_crs(crs)
    else:
        patches = gpd.GeoSeries([], crs=crs)
    title = f"{m.mine_id}: cover {m.coverage_pct:.1f} %, {m.bare_patches} bare patches, score {m.indicator6_score:g}"
    fig = greening_figure(m.fvc_grid, m.grid_transform, m.greenable_image, patches, title, crs.name)
    path = out_dir / f"greening_{_safe_name(m.mine_id)}.png"
    with atomic.atomic_output(path) as tmp:
        fig.savefig(tmp)
    return path


#: Columns of greening.csv, in order (the CLI contract).
GREENING_COLUMNS = [
    "mine_id",
    "greenable_area_m2",
    "vegetated_area_m2",
    "coverage_pct",
    "fvc_mean",
    "reference_fvc_mean",
    "relative_cover_pct",
    "bare_patches",
    "indicator6_score",
    "vi_soil",
    "vi_veg",
    "notes",
]


def run_greening(
    mines: list[str],
    id_field: str,
    image: str | Path,
    out_dir: str | Path,
    *,
    non_greenable: str | None = None,
    settings: GreeningSettings | None = None,
    figures: bool = True,
) -> StepOutcome:
    """Measure greening coverage of every mine on one image and write the outputs.

    The outcome's ``result`` is the table written to ``greening.csv``.

    ``figures`` writes ``greening_<mine id>.png`` per measured mine (FVC, greenable
    area, numbered bare patches).
    """
    s = settings or GreeningSettings()
    out_dir = Path(out_dir)
    frames, sources = [], []
    for spec in mines:
        gdf, src = read_layer(spec, what="mines layer")
        frames.append((gdf, src.path))
        sources.append({"role": "mines", **src.as_dict()})
    mine_set = prepare_mines(frames, id_field)
    blocked = None
    scene_notes: list[str] = []
    if non_greenable:
        gdf, src = read_layer(non_greenable, what="non-greenable layer")
        sources.append({"role": "non_greenable", **src.as_dict()})
        blocked = shapely.union_all(to_measurable(gdf.geometry).geoms)
    else:
        scene_notes.append("no non-greenable layer: the whole mine is counted as greenable")
    all_mines = shapely.union_all(mine_set.geoms)
    image = Path(image)
    if not image.exists():
        raise InputError(f"{image} does not exist; check the path")
    measured: list[MineGreening] = []
    figures_written: list[Path] = []
    atomic.clear_stale_manifest(out_dir)
    try:
        with open_untrusted(image) as raster:
            if not raster.dataset.crs:
                raise InputError(
                    f"{image} has no CRS; it cannot be placed over the mines (see greenmine review-imagery)"
                )
            count = raster.dataset.count
            bad = {k: v for k, v in s.bands.items() if not 1 <= v <= count}
            if bad:
                raise InputError(f"--bands {bad}: the image has {count} bands")
            scene = scene_calibration(raster, s)
            if "uncalibrated" in scene.scaling:
                scene_notes.append(f"image is {scene.scaling}")
            em = scene.end_members
            if em.degenerate:
                scene_notes.append(
                    f"end-members are degenerate (soil {em.soil:.3f}, vegetation {em.veg:.3f}): FVC is unreliable"
                )
            elif (
                s.index == "ndvi"
                and s.end_members is None
                and "uncalibrated" not in scene.scaling  # NDVI of soil in DN depends on band gains
                and em.soil > NO_BARE_SOIL_NDVI
            ):
                scene_notes.append(
                    f"the scene has no clearly bare soil (soil end-member NDVI {em.soil:.2f}): "
                    "FVC understates cover here, in the mine and the reference ring alike"
                )
            for mine_id, geom in zip(mine_set.ids, mine_set.geoms, strict=True):
                greenable = shapely.difference(geom, blocked) if blocked is not None else geom
                ring = shapely.difference(shapely.buffer(geom, s.reference_ring_m), all_mines)
                if blocked is not None:
                    ring = shapely.difference(ring, blocked)
                m = measure_mine(raster, scene, str(mine_id), greenable, ring, s)
                if figures and m.fvc_grid is not None:
                    figures_written.append(_write_figure(m, scene.crs, out_dir))
                m.fvc_grid = m.greenable_image = None  # one mine's grid in memory at a time
                measured.append(m)
    except UntrustedRasterError as exc:
        raise InputError(
            f"{image} is refused: {exc}; check it with greenmine review-imagery"
        ) from None
    table = pd.DataFrame(
        [
            {
                "mine_id": m.mine_id,
                "greenable_area_m2": m.greenable_area_m2,
                "vegetated_area_m2": m.vegetated_area_m2,
                "coverage_pct": m.coverage_pct,
                "fvc_mean": m.fvc_mean,
                "reference_fvc_mean": m.reference_fvc_mean,
                "relative_cover_pct": m.relative_cover_pct,
                "bare_patches": m.bare_patches if m.patches is not None else np.nan,
                "indicator6_score": m.indicator6_score,
                "vi_soil": scene.end_members.soil,
                "vi_veg": scene.end_members.veg,
                "notes": "; ".join(m.notes + scene_notes),
            }
            for m in measured
        ],
        columns=GREENING_COLUMNS,
    )
    table["mine_id"] = mine_set.ids  # keep the id field's own type
    greenable = gpd.GeoDataFrame(
        table[["mine_id", "greenable_area_m2", "coverage_pct", "bare_patches", "indicator6_score"]],
        geometry=gpd.GeoSeries([m.greenable for m in measured], crs=EQUAL_AREA),
    )
    patch_frames = [m.patches for m in measured if m.patches is not None and len(m.patches)]
    patches = (
        gpd.GeoDataFrame(
            pd.concat(patch_frames, ignore_index=True), geometry="geometry", crs=EQUAL_AREA
        )
        if patch_frames
        else empty_patches()
    )
    outputs = [
        results.write_csv(table, out_dir / "greening.csv"),
        results.write_gpkg(
            {"greenable": greenable, "bare_patches": patches}, out_dir / "greening.gpkg"
        ),
        *figures_written,
    ]
    sources.append({"role": "image", "path": str(image), "sha256": manifest.file_sha256(image)})
    outputs.append(
        manifest.write_manifest(
            out_dir,
            command="greening",
            inputs=sources,
            parameters={
                **asdict(s),
                "end_members_used": asdict(scene.end_members),
                "scaling": scene.scaling,
            },
            outputs=outputs,
        )
    )
    measured_count = int(table["indicator6_score"].notna().sum())
    summary = {
        "mines": len(table),
        "measured": measured_count,
        "with_bare_patches": int((table["bare_patches"] > 0).sum()),
    }
    return StepOutcome(out_dir, outputs, summary, scene_notes, table)


def run_greening_step(params: GreeningParams, out_dir: Path, **_: object) -> StepOutcome:
    """The pipeline's ``greening`` step (takes no cache or progress)."""
    settings = GreeningSettings(
        bands={str(k): v for k, v in params.bands.items()},
        index=params.index,
        vegetated_fvc=params.vegetated_fvc,
        bare_fvc=params.bare_fvc,
        min_patch_m2=params.min_patch_m2,
        reference_ring_m=params.reference_ring_m,
    )
    return run_greening(
        list(params.mines),
        params.id_field,
        params.image,
        out_dir,
        non_greenable=params.non_greenable,
        settings=settings,
    )
