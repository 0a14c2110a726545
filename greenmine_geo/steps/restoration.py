"""The restoration step (indicators 38, 40, 41; 越界开采): zones + dated images → time series, status.

Every image is opened through the hardened opener and calibrated on its own; with
mines, new bare ground around their boundaries is searched for on all dates
(:func:`~greenmine_geo.imagery.disturbance.outside_disturbance`). Writes
``restoration_timeseries.csv``, ``restoration_summary.csv``, ``outside_disturbance.gpkg``
(with mines), a chart per zone and, last, ``manifest.json``.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import asdict

import numpy as np
import pandas as pd

from ..config import RestorationParams
from ..geometry import rings_around
from ..imagery.disturbance import outside_disturbance
from ..imagery.timeseries import TIMESERIES_COLUMNS, RestorationResult, zone_rows, zone_summaries
from ..imagery.zone_fvc import check_measurable, scene_calibration, scene_notes
from ..io.naming import file_names
from ..layers import RestorationZones, ZoneFields, restoration_zones
from ..maps.restoration_chart import restoration_chart
from .skeleton import StepContext

__all__ = ["run"]


def _zones(params: RestorationParams, ctx: StepContext) -> RestorationZones:
    gdf = ctx.layer(params.zones, "zones")
    plan = ctx.plan_table(params.plan_table) if params.plan_table else None
    fields = ZoneFields(
        params.zone_type_field,
        params.start_year_field,
        params.target_fvc_field,
        params.target_year_field,
    )
    return restoration_zones(gdf, params.id_field, fields, plan, what=f"zones layer {params.zones}")


def _charts(ctx: StepContext, result: RestorationResult, zones: RestorationZones) -> dict[str, str]:
    """A chart per zone, named from its id; returns zone id → file name."""
    names = file_names(zones.ids, "restoration_", ".png")
    plans = dict(zip(zones.ids, zip(zones.start, zones.plans, strict=True), strict=True))
    summary = result.zone_summary.set_index("zone_id")
    charts = {}
    for zid, rows in result.timeseries.groupby("zone_id", sort=False):
        start, plan = plans[str(zid)]
        fig = restoration_chart(rows, str(zid), summary.loc[zid], start, plan, ctx.lang)
        charts[str(zid)] = ctx.write_figure(fig, names[str(zid)])
    return charts


def run(params: RestorationParams, ctx: StepContext) -> RestorationResult:
    """Restoration time series, metrics and plan status per zone; disturbance around mines."""
    ctx.require(list(params.images.values()))
    zones = _zones(params, ctx)
    taken = [zones.geoms]
    mine_ids: list[str] = []
    mine_geoms = np.empty(0, dtype=object)
    if params.mines:
        assert params.mine_id_field is not None  # the parameters' validator ensures it
        mines = ctx.mine_set([params.mines], params.mine_id_field)
        mine_ids, mine_geoms = [str(i) for i in mines.ids], np.asarray(mines.geoms, object)
        taken.append(mine_geoms)
    if params.non_greenable:
        taken.append(np.asarray(ctx.polygons(params.non_greenable, "non_greenable").geoms, object))
    taken_all = np.concatenate(taken)
    rings = rings_around(zones.geoms, params.reference_ring_m, taken_all)
    rows: list[dict[str, object]] = []
    scenes: dict[str, dict[str, object]] = {}
    image_notes: list[str] = []
    ctx.progress.start(len(params.images) + bool(params.mines) + params.charts, "restoration")
    with ExitStack() as stack:
        opened = []
        for day, path in params.images.items():
            raster = stack.enter_context(ctx.image(path, date=day.isoformat()))
            check_measurable(raster, params)
            scene = scene_calibration(raster, params)
            scenes[day.isoformat()] = {
                "image": str(path),
                "end_members": asdict(scene.end_members),
                "scaling": scene.scaling,
                "cloud_test": scene.cloud_test,
            }
            image_notes += [f"{day.isoformat()}: {note}" for note in scene_notes(scene)]
            rows += zone_rows(raster, scene, day, zones, rings, params)
            opened.append((day, raster, scene))
            ctx.progress.advance(f"{day.isoformat()} measured")
        disturbance = (
            outside_disturbance(opened, mine_ids, mine_geoms, taken_all, params)
            if params.mines
            else None
        )
        if params.mines:
            ctx.progress.advance("new bare ground searched")
    series = pd.DataFrame(rows, columns=TIMESERIES_COLUMNS)
    notes = zones.notes + image_notes
    summary = zone_summaries(series, zones, params)
    result = RestorationResult(series, summary, disturbance, scenes, warnings=notes)
    if params.charts:
        result.charts = _charts(ctx, result, zones)
        ctx.progress.advance("charts drawn")
    ctx.progress.close()
    return ctx.finish(result, params)
