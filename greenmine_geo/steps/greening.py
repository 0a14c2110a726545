"""The greening step (indicator 6): mines + one image → ``greening.csv``, ``greening.gpkg``, figures.

One row per mine, whether or not the image covers it (those it does not are listed
with a note); a figure per measured mine, drawn while its FVC grid is in memory.
"""

from __future__ import annotations

import numpy as np
import shapely

from ..config import GreeningParams
from ..crs import EQUAL_AREA
from ..geometry import rings_around
from ..imagery.greening import GreeningResult, MineGreening, measure_mines
from ..imagery.zone_fvc import check_measurable, reproject_geoms, scene_calibration, scene_notes
from ..io.naming import file_names
from ..layers import end_member_areas
from ..maps.greening_figure import GreeningFigures
from .skeleton import StepContext

__all__ = ["run"]


def run(params: GreeningParams, ctx: StepContext) -> GreeningResult:
    """Measure greening coverage of every mine on one image; write the results."""
    mines = ctx.mine_set(params.mines, params.id_field, datum=params.boundary_datum)
    mines = mines.keeping(params.keep_fields)
    geoms = np.asarray(mines.geoms, dtype=object)
    notes: list[str] = []
    blocked = np.empty(0, dtype=object)
    if params.non_greenable:
        blocked = np.asarray(ctx.polygons(params.non_greenable, "non_greenable").geoms, object)
    else:
        notes.append("no non-greenable layer: the whole mine is counted as greenable")
    areas = None
    if params.end_member_areas:
        what = f"end-member areas layer {params.end_member_areas}"
        areas = end_member_areas(ctx.layer(params.end_member_areas, "end_member_areas"), what=what)
    greenable = shapely.difference(geoms, shapely.union_all(blocked)) if len(blocked) else geoms
    # the ring is undisturbed land: no mine (its own included) and no non-greenable land
    rings = rings_around(geoms, params.reference_ring_m, np.concatenate([geoms, blocked]))
    ctx.require([params.image])
    names = file_names(mines.ids, "greening_", ".png")
    figures: dict[str, str] = {}
    with ctx.image(params.image) as raster:
        crs = check_measurable(raster, params)
        in_image = None
        if areas is not None:
            in_image = tuple(reproject_geoms(np.array(areas, dtype=object), EQUAL_AREA, crs))
        scene = scene_calibration(raster, params, in_image)  # type: ignore[arg-type]
        notes += scene_notes(scene)

        figure = GreeningFigures(scene, params.index, ctx.lang) if params.figures else None

        def draw(m: MineGreening, greenable_in_image: shapely.Geometry) -> None:
            assert figure and m.fvc_grid is not None and m.grid_transform is not None
            patches = m.patches.geometry if m.patches is not None else np.empty(0, object)
            title = (
                f"{m.mine_id}: cover {m.coverage_pct:.1f} %, {m.bare_patches} bare patches, "
                f"score {m.indicator6_score:g}"
            )
            picture = figure.draw(m.fvc_grid, m.grid_transform, greenable_in_image, patches, title)
            figures[m.mine_id] = ctx.write_figure(picture, names[m.mine_id])

        ids = [str(i) for i in mines.ids]
        ctx.progress.start(len(ids), "greening")
        measured = measure_mines(
            raster, scene, ids, greenable, rings, params, draw if params.figures else None,
            ctx.progress,
        )  # fmt: skip
        ctx.progress.close()
    result = GreeningResult.from_measurements(
        measured, mines.ids, greenable, scene, notes, dict(sorted(figures.items()))
    )
    result.table = mines.with_attributes(result.table)
    return ctx.finish(result, params)
