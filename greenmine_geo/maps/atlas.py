"""The interactive atlas: a province overview and one map per league/city (盟市), offline.

Layers, each toggleable: mines coloured by prerequisite verdict (with a popup of their
figures and a link to their report), conflict pieces, the red line, key exploration and
mining zones, planning blocks, land use, admin boundaries, restoration zones and
suspected 越界 disturbance. Layers are simplified for display only (never for
measurement): ~200 m on the province map, ~30 m on a league's. Every value from input
data goes through the escaping helpers of :mod:`.web` (see :mod:`..report.html_safety`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import folium
import geopandas as gpd
import pandas as pd
import shapely

from ..report.html_safety import map_text
from ..report.render import render
from ..run_results import RunResults
from ..types import BINDING_EFFECTS
from .page import Raw
from .styles import (
    CONTEXT_STYLE,
    DEFAULT_LAYER_COLOUR,
    LAYER_COLOUR,
    LEAGUE_OUTLINE,
    RESTORATION_ZONES,
    SUSPECTED_DISTURBANCE,
    VERDICT_STYLE,
)
from .web import add_legend, display_frame, geojson, has_rows, meeting, offline_map, popup, tooltip

__all__ = ["CONTEXT_STYLE", "leagues", "mine_popup", "atlas_map"]

#: Context layers in drawing order (bottom first) → the field shown in their tooltips.
_CONTEXT_TOOLTIP: dict[str, str | None] = {
    "landuse": None,
    "mining_blocks": "name",
    "exploration_blocks": "name",
    "key_zones": "name",
    "redline": "name",
    "admin": "banner_county",
}
#: Context layers shown when the map opens, and those with a legend entry.
_CONTEXT_SHOWN = ("redline", "key_zones", "admin")
_CONTEXT_LEGEND = ("redline", "key_zones")
_LANDUSE_FIELD = "地类名称"
#: Extent of the province map when there are no mines (lon/lat: west, south, east, north).
_PROVINCE_BOUNDS = (97.2, 37.4, 126.1, 53.3)
#: Display simplification of context layers (degrees): ~200 m on the province, ~30 m on a league.
_PROVINCE_TOLERANCE_DEG, _LEAGUE_TOLERANCE_DEG = 2e-3, 3e-4
#: Display simplification of the mine-scale layers (degrees, ~1 m).
_DETAIL_TOLERANCE_DEG = 1e-5

#: Legend entries: (CSS colour, label).
Legend = list[tuple[str, str]]


def leagues(admin: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """League/city polygons (``league_city``), dissolved from county boundaries."""
    return admin[["league_city", admin.geometry.name]].dissolve("league_city").reset_index()


def _fmt(value: object, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}{unit}"
    return f"{value}{unit}"


def mine_popup(row: pd.Series, res: RunResults, report_href: str | None) -> str:
    """The popup of one mine: verdict and its figures, greening and restoration, a report link
    (HTML with its values escaped; :func:`~.web.popup` makes it safe for folium)."""
    info = (
        res.mine_info.loc[row.mine_id]
        if res.mine_info is not None and row.mine_id in res.mine_info.index
        else None
    )
    colour, zh, en = VERDICT_STYLE.get(row.verdict, ("#000", row.verdict, ""))
    greening = []
    if res.greening is not None:
        for g in res.greening[res.greening.mine_id == row.mine_id].itertuples():
            if isinstance(g.indicator6_score, float) and math.isfinite(g.indicator6_score):
                greening.append(
                    (g.step, _fmt(g.coverage_pct), int(g.bare_patches), _fmt(g.indicator6_score))
                )
    reasons = row.get("reasons")
    return render(
        "mine_popup.html",
        name=_fmt(info.get("name")) if info is not None else "",
        mine_id=_fmt(row.mine_id),
        colour=colour,
        verdict=f"{zh} {en}",
        contact=_fmt(row.contact),
        area_ha=_fmt(row.mine_area_m2 / 1e4),
        overlap_m2=_fmt(row.redline_overlap_m2),
        distance_m=_fmt(row.redline_distance_m),
        league=_fmt(row.get("league_city")),
        county=_fmt(row.get("banner_county")),
        greening=greening,
        reasons=reasons if isinstance(reasons, str) else "",
        href=report_href,
    )


def _styler(
    stroke: str, fill: str, weight: float, opacity: float
) -> Callable[[object], dict[str, object]]:
    """A folium style function: every feature outlined in ``stroke`` (``weight`` px) and
    filled with ``fill`` at ``opacity``."""
    return lambda _f: {"color": stroke, "fillColor": fill, "weight": weight, "fillOpacity": opacity}


def _clip(gdf: gpd.GeoDataFrame | None, area: shapely.Geometry | None) -> gpd.GeoDataFrame | None:
    """The rows of ``gdf`` meeting ``area`` (lon/lat; None = all of them)."""
    return gdf if area is None else meeting(gdf, area)


def _base_map(
    res: RunResults,
    area: shapely.Geometry | None,
    mines: gpd.GeoDataFrame | None,
    title: str,
) -> folium.Map:
    """The offline map (leagues as base map) fitted to ``area``, else to the mines, else the
    province; the page titled ``title``."""
    admin = res.context.get("admin")
    base = leagues(admin) if admin is not None and "league_city" in admin.columns else None
    if area is not None:
        bounds = area.bounds
    elif has_rows(mines):
        bounds = tuple(display_frame(mines).total_bounds)
    else:
        bounds = _PROVINCE_BOUNDS
    fmap = offline_map(bounds, base=base, base_label="league_city")  # type: ignore[arg-type]
    fmap.get_root().header.add_child(  # type: ignore[attr-defined]
        Raw(f"<title>{map_text(title)}</title>"), name="title"
    )
    return fmap


def _context_layer(
    fmap: folium.Map, role: str, gdf: gpd.GeoDataFrame, tolerance_deg: float, show: bool
) -> None:
    """One context layer, simplified by ``tolerance_deg`` (degrees), with its tooltip field."""
    style = CONTEXT_STYLE[role]
    field = _CONTEXT_TOOLTIP[role]
    cols = [
        c for c in (field, _LANDUSE_FIELD if role == "landuse" else None) if c and c in gdf.columns
    ]
    shown = display_frame(gdf[[*cols, gdf.geometry.name]], tolerance_deg)
    shown = shown[~shown.geometry.is_empty]
    geojson(
        shown,
        name=style.label,
        show=show,
        style_function=_styler(style.stroke, style.fill, 1, style.opacity),
        tooltip=folium.GeoJsonTooltip(fields=cols) if cols else None,
    ).add_to(fmap)


def _context_layers(
    fmap: folium.Map, res: RunResults, area: shapely.Geometry | None, tolerance_deg: float
) -> None:
    """The run's context layers within ``area``: land use at the bottom, admin on top."""
    for role in _CONTEXT_TOOLTIP:
        if role in res.context:
            layer = _clip(res.context[role], area)
            if has_rows(layer):
                _context_layer(fmap, role, layer, tolerance_deg, show=role in _CONTEXT_SHOWN)


def _league_outline(fmap: folium.Map, area: shapely.Geometry, title: str) -> None:
    """The outline of the league/city ``area`` (lon/lat) the map shows."""
    geojson(
        gpd.GeoDataFrame({"name": [title]}, geometry=[area], crs="EPSG:4490"),
        name=LEAGUE_OUTLINE.label,
        style_function=lambda _f: {
            "color": LEAGUE_OUTLINE.stroke,
            "weight": 3,
            "fillOpacity": 0,  # an outline only (LEAGUE_OUTLINE.fill is "none")
        },
    ).add_to(fmap)


def _mine_markers(
    group: folium.FeatureGroup,
    part: gpd.GeoDataFrame,
    colour: str,
    verdict_label: str,
    res: RunResults,
    report_href: Mapping[str, str],
) -> None:
    """A marker per mine of ``part`` (lon/lat) with its popup and report link."""
    for row in part.itertuples():
        c = row.geometry.representative_point()
        folium.CircleMarker(
            [c.y, c.x],
            radius=6,
            color="#212121",
            weight=1,
            fill=True,
            fill_color=colour,
            fill_opacity=0.95,
            tooltip=tooltip(f"{row.mine_id}: {verdict_label}"),
            popup=popup(
                mine_popup(pd.Series(row._asdict()), res, report_href.get(str(row.mine_id))),
                max_width=420,
            ),
            class_name="greenmine-mine",
        ).add_to(group)


def _mines_by_verdict(
    fmap: folium.Map,
    mines: gpd.GeoDataFrame | None,
    res: RunResults,
    report_href: Mapping[str, str],
) -> Legend:
    """One toggle per verdict: the mines' boundaries and a marker with the popup of each."""
    if not has_rows(mines):
        return []
    shown = display_frame(mines, _DETAIL_TOLERANCE_DEG)
    legend = []
    for verdict, (colour, zh, en) in VERDICT_STYLE.items():
        part = shown[shown["verdict"] == verdict]
        if part.empty:
            continue
        legend.append((colour, f"{zh} {en} ({len(part)})"))
        group = folium.FeatureGroup(name=map_text(f"矿山 mines: {zh} {en} ({len(part)})"))
        geojson(
            part[["mine_id", "verdict", "geometry"]],
            style_function=_styler(colour, colour, 2, 0.5),
            tooltip=folium.GeoJsonTooltip(fields=["mine_id", "verdict"]),
        ).add_to(group)
        _mine_markers(group, part, colour, f"{zh} {en}", res, report_href)
        group.add_to(fmap)
    return legend


def _conflict_pieces(fmap: folium.Map, conflicts: gpd.GeoDataFrame | None) -> Legend:
    """The binding (FAIL/REVIEW, not sliver) overlap pieces: one toggle and colour per layer."""
    if not has_rows(conflicts):
        return []
    deep = conflicts[~conflicts["sliver"].astype(bool) & conflicts["effect"].isin(BINDING_EFFECTS)]
    fields = ["mine_id", "layer", "class", "feature_name", "area_m2"]
    legend = []
    for layer_name, part in deep.groupby("layer"):
        colour = LAYER_COLOUR.get(str(layer_name), DEFAULT_LAYER_COLOUR)
        geojson(
            display_frame(part[[*fields, "geometry"]], _DETAIL_TOLERANCE_DEG),
            name=f"冲突 conflicts: {layer_name} ({len(part)})",
            style_function=_styler(colour, colour, 1, 0.85),
            tooltip=folium.GeoJsonTooltip(fields=fields),
        ).add_to(fmap)
        legend.append((colour, f"冲突 conflicts: {layer_name}"))
    return legend


def _restoration_zones(
    fmap: folium.Map, zones: gpd.GeoDataFrame | None, restoration: pd.DataFrame | None
) -> Legend:
    """The restoration zones with their status and trend (from ``restoration``) in tooltips."""
    if not has_rows(zones):
        return []
    if restoration is not None:
        status = restoration[["zone_id", "status", "trend_per_year", "reason"]]
        zones = zones.assign(zone_id=zones["zone_id"].astype(str)).merge(
            status, on="zone_id", how="left"
        )
    cols = [
        c
        for c in ("zone_id", "zone_type", "status", "trend_per_year", "reason")
        if c in zones.columns
    ]
    style = RESTORATION_ZONES
    geojson(
        display_frame(zones[[*cols, zones.geometry.name]], _DETAIL_TOLERANCE_DEG),
        name=f"{style.label} ({len(zones)})",
        style_function=_styler(style.stroke, style.fill, 2, style.opacity),
        tooltip=folium.GeoJsonTooltip(fields=cols),
    ).add_to(fmap)
    return [(style.fill, style.label)]


def _suspected_disturbance(fmap: folium.Map, dist: gpd.GeoDataFrame | None) -> Legend:
    """The patches disturbed outside a mine's boundary, each for a field check."""
    if not has_rows(dist):
        return []
    fields = ["mine_id", "area_m2", "first_seen", "distance_m"]
    style = SUSPECTED_DISTURBANCE
    geojson(
        display_frame(dist[[*fields, "geometry"]], _DETAIL_TOLERANCE_DEG),
        name=f"疑似越界 suspected outside disturbance ({len(dist)})",
        style_function=_styler(style.stroke, style.fill, 2, style.opacity),
        tooltip=folium.GeoJsonTooltip(fields=fields),
    ).add_to(fmap)
    return [(style.fill, style.label)]


def atlas_map(
    res: RunResults,
    *,
    area: shapely.Geometry | None = None,
    title: str,
    report_href: dict[str, str] | None = None,
) -> folium.Map:
    """A map of the run's results, limited to ``area`` (lon/lat; None = everything).

    ``report_href``: mine id → link of its report, put in the mine's popup.
    """
    mines = _clip(res.mines, area)
    fmap = _base_map(res, area, mines, title)
    tolerance = _PROVINCE_TOLERANCE_DEG if area is None else _LEAGUE_TOLERANCE_DEG
    _context_layers(fmap, res, area, tolerance)
    if area is not None:
        _league_outline(fmap, area, title)
    legend = _mines_by_verdict(fmap, mines, res, report_href or {})
    legend += _conflict_pieces(fmap, _clip(res.conflicts, area))
    legend += _restoration_zones(fmap, _clip(res.zones, area), res.restoration)
    legend += _suspected_disturbance(fmap, _clip(res.disturbance, area))
    legend += [
        (CONTEXT_STYLE[role].fill, CONTEXT_STYLE[role].label)
        for role in _CONTEXT_LEGEND
        if role in res.context
    ]
    add_legend(fmap, title, legend)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap
