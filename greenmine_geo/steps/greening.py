"""The greening step (indicator 6): mines + one image → ``greening.csv``, ``greening.gpkg``, manifest.

One row per mine, whether or not the image covers it (those it does not are
listed with a note). The image is opened through the hardened opener.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..checks.mines import prepare_mines, read_mines
from ..config import GreeningParams
from ..crs import EQUAL_AREA
from ..errors import InputError
from ..geometry import rings_around
from ..imagery.greening import GreeningSettings, MineGreening, measure_mine, patch_table
from ..imagery.zone_fvc import Scene, check_measurable, reproject_geoms, scene_calibration
from ..io import atomic, manifest, results
from ..io.untrusted import UntrustedRaster, UntrustedRasterError, open_untrusted
from ..io.vector import read_layer
from ..maps.greening_figure import greening_figure
from ..overlay import to_measurable
from .outcome import StepOutcome

__all__ = ["GREENING_COLUMNS", "run_greening", "run_greening_step"]

#: In reflectance, a soil end-member NDVI above this means the scene's 5th percentile is
#: sparse vegetation, not bare soil.
NO_BARE_SOIL_NDVI = 0.3


def _write_figure(
    m: MineGreening, greenable: shapely.Geometry, crs: pyproj.CRS, out_dir: Path
) -> Path:
    """``greening_<mine id>.png``; ``greenable`` is in the image's CRS, like the FVC grid."""
    assert m.fvc_grid is not None and m.grid_transform is not None
    patches = gpd.GeoSeries(m.patches.geometry if m.patches is not None else [], crs=crs)
    title = f"{m.mine_id}: cover {m.coverage_pct:.1f} %, {m.bare_patches} bare patches, score {m.indicator6_score:g}"
    fig = greening_figure(m.fvc_grid, m.grid_transform, greenable, patches, title, crs.name)
    return results.write_figure(fig, out_dir / f"greening_{results.safe_name(m.mine_id)}.png")


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
    end_member_areas: str | None = None,
    settings: GreeningSettings | None = None,
    figures: bool = True,
    boundary_datum: str | None = None,
) -> StepOutcome:
    """Measure greening coverage of every mine on one image and write the outputs.

    The outcome's ``result`` is the table written to ``greening.csv``.

    ``end_member_areas``: a polygon layer whose ``cover`` field marks bare soil
    (``soil``/``bare``/裸土/裸地) and full vegetation (``vegetation``/``veg``/植被);
    the FVC end-members are then those areas' median VI. ``figures`` writes
    ``greening_<mine id>.png`` per measured mine (FVC, greenable area, numbered
    bare patches).
    """
    s = settings or GreeningSettings()
    out_dir = Path(out_dir)
    frames, sources = [], []
    for spec in mines:
        gdf, src = read_mines(spec, what="mines layer", datum=boundary_datum)
        frames.append((gdf, src.path))
        sources.append({"role": "mines", **src.as_dict()})
    mine_set = prepare_mines(frames, id_field)
    mine_geoms = np.asarray(mine_set.geoms, dtype=object)
    scene_notes: list[str] = []
    blocked = None
    blocked_parts = np.empty(0, dtype=object)
    if non_greenable:
        gdf, src = read_layer(non_greenable, what="non-greenable layer")
        sources.append({"role": "non_greenable", **src.as_dict()})
        blocked_parts = np.asarray(to_measurable(gdf.geometry).geoms, dtype=object)
        blocked = shapely.union_all(blocked_parts)
    else:
        scene_notes.append("no non-greenable layer: the whole mine is counted as greenable")
    areas = None
    if end_member_areas:
        gdf, src = read_layer(end_member_areas, what="end-member areas layer")
        sources.append({"role": "end_member_areas", **src.as_dict()})
        areas = _end_member_areas(gdf, end_member_areas)
    greenable = shapely.difference(mine_geoms, blocked) if blocked is not None else mine_geoms
    # the ring is undisturbed land: no mine (its own included) and no non-greenable land
    rings = rings_around(
        mine_geoms, s.reference_ring_m, np.concatenate([mine_geoms, blocked_parts])
    )
    image = Path(image)
    if not image.exists():
        raise InputError(f"{image} does not exist; check the path")
    atomic.clear_stale_manifest(out_dir)
    with ThreadPoolExecutor(1) as hasher:  # hashing the image overlaps the measurement
        image_sha256 = hasher.submit(manifest.file_sha256, image)
        try:
            with open_untrusted(image) as raster:
                scene = _calibrate(raster, image, s, areas, scene_notes)
                measured, figures_written = _measure_all(
                    raster,
                    scene,
                    list(map(str, mine_set.ids)),
                    greenable,
                    rings,
                    s,
                    out_dir if figures else None,
                )
        except UntrustedRasterError as exc:
            raise InputError(
                f"{image} is refused: {exc}; check it with greenmine review-imagery"
            ) from None
        sources.append({"role": "image", "path": str(image), "sha256": image_sha256.result()})
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
    greenable_layer = gpd.GeoDataFrame(
        table[["mine_id", "greenable_area_m2", "coverage_pct", "bare_patches", "indicator6_score"]],
        geometry=gpd.GeoSeries(greenable, crs=EQUAL_AREA),
    )
    outputs = [
        results.write_csv(table, out_dir / "greening.csv"),
        results.write_gpkg(
            {"greenable": greenable_layer, "bare_patches": patch_table(measured, scene.crs)},
            out_dir / "greening.gpkg",
        ),
        *figures_written,
    ]
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
    summary = {
        "mines": len(table),
        "measured": int(table["indicator6_score"].notna().sum()),
        "with_bare_patches": int((table["bare_patches"] > 0).sum()),
    }
    return StepOutcome(out_dir, outputs, summary, scene_notes, table)


_SOIL = {"soil", "bare", "bare soil", "裸土", "裸地"}
_VEG = {"vegetation", "veg", "植被"}


def _end_member_areas(
    gdf: gpd.GeoDataFrame, path: str
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """(bare soil, full vegetation) polygons in EQUAL_AREA from a layer's ``cover`` field."""
    if "cover" not in gdf.columns:
        raise InputError(
            f"{path} has no 'cover' field; mark each polygon cover=soil or cover=vegetation"
        )
    cover = gdf["cover"].astype(str).str.strip().str.lower()
    geoms = np.asarray(to_measurable(gdf.geometry).geoms, dtype=object)
    soil, veg = cover.isin(_SOIL).to_numpy(), cover.isin(_VEG).to_numpy()
    if not soil.any() or not veg.any():
        raise InputError(f"{path} needs at least one cover=soil and one cover=vegetation polygon")
    return shapely.union_all(geoms[soil]), shapely.union_all(geoms[veg])


def _calibrate(
    raster: UntrustedRaster,
    image: Path,
    s: GreeningSettings,
    areas: tuple[shapely.Geometry, shapely.Geometry] | None,
    scene_notes: list[str],
) -> Scene:
    """Check the image can be measured, calibrate it, and note what limits the result."""
    crs = check_measurable(raster, image, s)
    in_image = None if areas is None else tuple(_to_crs(np.array(areas, dtype=object), crs))
    scene = scene_calibration(raster, s, in_image)  # type: ignore[arg-type]
    if "uncalibrated" in scene.scaling:
        scene_notes.append(f"image is {scene.scaling}")
    em = scene.end_members
    if em.degenerate:
        scene_notes.append(
            f"end-members are degenerate (soil {em.soil:.3f}, vegetation {em.veg:.3f}): FVC is unreliable"
        )
    elif (
        s.index == "ndvi"
        and em.source.startswith("scene percentiles")
        and "uncalibrated" not in scene.scaling  # NDVI of soil in DN depends on band gains
        and em.soil > NO_BARE_SOIL_NDVI
    ):
        scene_notes.append(
            f"the scene has no clearly bare soil (soil end-member NDVI {em.soil:.2f}): "
            "FVC understates cover here, in the mine and the reference ring alike"
        )
    return scene


def _to_crs(geoms: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """EQUAL_AREA geometries in ``crs``, all in one transformation."""
    return reproject_geoms(geoms, EQUAL_AREA, crs)


def _measure_all(
    raster: UntrustedRaster,
    scene: Scene,
    ids: list[str],
    greenable: np.ndarray,
    rings: np.ndarray,
    s: GreeningSettings,
    figure_dir: Path | None,
) -> tuple[list[MineGreening], list[Path]]:
    """Measure every mine, in input order; PNGs into ``figure_dir`` when given.

    Mines are visited from the top of the image down, so that neighbouring windows
    share GDAL's block cache and each block is decoded about once.
    """
    n = len(ids)
    areas = shapely.area(greenable)
    in_image = _to_crs(np.concatenate([greenable, rings]), scene.crs)
    g_img, r_img = in_image[:n], in_image[n:]
    top = -shapely.bounds(r_img)[:, 3] * np.sign(raster.dataset.transform.e or -1)
    measured: list[MineGreening | None] = [None] * n
    figures: list[Path] = []
    for i in np.argsort(top, kind="stable"):
        m = measure_mine(raster, scene, ids[i], float(areas[i]), g_img[i], r_img[i], s)
        if figure_dir is not None and m.fvc_grid is not None:
            figures.append(_write_figure(m, g_img[i], scene.crs, figure_dir))
        m.fvc_grid = None  # one mine's grid in memory at a time
        measured[i] = m
    return [m for m in measured if m is not None], sorted(figures)


def run_greening_step(params: GreeningParams, out_dir: Path, **_: object) -> StepOutcome:
    """The pipeline's ``greening`` step (takes no cache or progress)."""
    settings = GreeningSettings(
        bands={str(k): v for k, v in params.bands.items()},
        index=params.index,
        vegetated_fvc=params.vegetated_fvc,
        bare_fvc=params.bare_fvc,
        min_patch_m2=params.min_patch_m2,
        reference_ring_m=params.reference_ring_m,
        end_members=params.end_members,
    )
    return run_greening(
        list(params.mines),
        params.id_field,
        params.image,
        out_dir,
        non_greenable=params.non_greenable,
        end_member_areas=params.end_member_areas,
        settings=settings,
        boundary_datum=params.boundary_datum,
    )
