"""The interactive atlas: a province overview and one map per league/city (盟市), offline.

Layers, each toggleable: mines coloured by prerequisite verdict (with a popup of their
figures and a link to their report), conflict pieces, the red line, key exploration and
mining zones, planning blocks, land use, admin boundaries, restoration zones and
suspected 越界 disturbance. Layers are simplified for display only (never for
measurement): ~200 m on the province map, ~30 m on a league's.
"""

from __future__ import annotations

import html
import math

import folium
import geopandas as gpd
import pandas as pd
import shapely

from ..io.run_results import RunResults
from .styles import DEFAULT_LAYER_COLOUR, LAYER_COLOUR, VERDICT_STYLE
from .web import add_legend, display_frame, meeting, offline_map

__all__ = ["CONTEXT_STYLE", "leagues", "mine_popup", "atlas_map"]

#: Context layer → (label, stroke colour, fill colour, fill opacity, field shown in tooltips).
CONTEXT_STYLE: dict[str, tuple[str, str, str, float, str | None]] = {
    "admin": ("旗县区界 county boundaries", "#757575", "#000000", 0.0, "banner_county"),
    "landuse": ("土地利用 land use", "#8d6e63", "#bcaaa4", 0.35, None),
    "mining_blocks": ("开采规划区块 mining planning blocks", "#6a1b9a", "#ce93d8", 0.15, "name"),
    "exploration_blocks": (
        "勘查规划区块 exploration planning blocks",
        "#283593",
        "#9fa8da",
        0.12,
        "name",
    ),
    "key_zones": (
        "重点勘查开采区 key exploration and mining zones",
        "#ef6c00",
        "#ffcc80",
        0.18,
        "name",
    ),
    "redline": (
        "生态保护红线 ecological red line",
        LAYER_COLOUR["redline"],
        LAYER_COLOUR["redline"],
        0.25,
        "name",
    ),
}
_LANDUSE_FIELD = "地类名称"


def leagues(admin: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """League/city polygons (``league_city``), dissolved from county boundaries."""
    return admin[["league_city", admin.geometry.name]].dissolve("league_city").reset_index()


def _fmt(value: object, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}{unit}"
    return f"{html.escape(str(value))}{unit}"


def mine_popup(row: pd.Series, res: RunResults, report_href: str | None) -> str:
    """The popup of one mine: verdict and its figures, greening and restoration, a report link."""
    info = (
        res.mine_info.loc[row.mine_id]
        if res.mine_info is not None and row.mine_id in res.mine_info.index
        else None
    )
    name = _fmt(info.get("name")) if info is not None else ""
    colour, zh, en = VERDICT_STYLE.get(row.verdict, ("#000", row.verdict, ""))
    lines = [
        f"<b>{name}</b><br><code>{_fmt(row.mine_id)}</code>",
        f"先决条件 prerequisite: <b style='color:{colour}'>{zh} {en}</b> ({_fmt(row.contact)})",
        f"矿区面积 area: {_fmt(row.mine_area_m2 / 1e4)} ha",
        f"压占红线 red-line overlap: {_fmt(row.redline_overlap_m2)} m² · 距红线 distance {_fmt(row.redline_distance_m)} m",
        f"所在 location: {_fmt(row.get('league_city'))} {_fmt(row.get('banner_county'))}",
    ]
    if res.greening is not None:
        for g in res.greening[res.greening.mine_id == row.mine_id].itertuples():
            if isinstance(g.indicator6_score, float) and math.isfinite(g.indicator6_score):
                lines.append(
                    f"绿化 greening ({html.escape(g.step)}): 覆盖 {_fmt(g.coverage_pct)} %, "
                    f"裸露斑块 {int(g.bare_patches)}, 得分 score {_fmt(g.indicator6_score)}"
                )
    reasons = row.get("reasons")
    if isinstance(reasons, str) and reasons:
        lines.append(f"<small>{html.escape(reasons)}</small>")
    if report_href:
        lines.append(f"<a href='{html.escape(report_href)}' target='_blank'>报告 report →</a>")
    return "<div style='font-size:12px; min-width:260px'>" + "<br>".join(lines) + "</div>"


def _context_layer(
    fmap: folium.Map, role: str, gdf: gpd.GeoDataFrame, tolerance_deg: float, show: bool
) -> None:
    label, stroke, fill, opacity, field = CONTEXT_STYLE[role]
    cols = [
        c for c in (field, _LANDUSE_FIELD if role == "landuse" else None) if c and c in gdf.columns
    ]
    shown = display_frame(gdf[[*cols, gdf.geometry.name]], tolerance_deg)
    shown = shown[~shown.geometry.is_empty]
    folium.GeoJson(
        shown,
        name=label,
        show=show,
        style_function=lambda _f: {
            "color": stroke,
            "weight": 1,
            "fillColor": fill,
            "fillOpacity": opacity,
        },
        tooltip=folium.GeoJsonTooltip(fields=cols) if cols else None,
    ).add_to(fmap)


def atlas_map(
    res: RunResults,
    *,
    area: shapely.Geometry | None = None,
    title: str,
    report_href: dict[str, str] | None = None,
) -> folium.Map:
    """A map of the run's results, limited to ``area`` (lon/lat; None = everything)."""
    detail = area is not None
    tol = 3e-4 if detail else 2e-3

    def clip(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        return gdf if area is None else meeting(gdf, area)

    admin = res.context.get("admin")
    base = leagues(admin) if admin is not None and "league_city" in admin.columns else None
    mines = clip(res.mines)
    if area is not None:
        bounds = area.bounds
    elif mines is not None and len(mines):
        bounds = tuple(display_frame(mines).total_bounds)
    else:
        bounds = (97.2, 37.4, 126.1, 53.3)
    fmap = offline_map(bounds, base=base, base_label="league_city")  # type: ignore[arg-type]
    fmap.get_root().header.add_child(  # type: ignore[attr-defined]
        folium.Element(f"<title>{html.escape(title)}</title>"), name="title"
    )
    for role in ("landuse", "mining_blocks", "exploration_blocks", "key_zones", "redline", "admin"):
        if role in res.context:
            layer = clip(res.context[role])
            if layer is not None and len(layer):
                _context_layer(
                    fmap, role, layer, tol, show=role in ("redline", "key_zones", "admin")
                )
    if area is not None:
        folium.GeoJson(
            gpd.GeoDataFrame({"name": [title]}, geometry=[area], crs="EPSG:4490"),
            name="本盟市界 this league/city",
            style_function=lambda _f: {"color": "#263238", "weight": 3, "fillOpacity": 0},
        ).add_to(fmap)
    legend = []
    if mines is not None and len(mines):
        shown = display_frame(mines, 1e-5)
        for verdict, (colour, zh, en) in VERDICT_STYLE.items():
            part = shown[shown["verdict"] == verdict]
            if part.empty:
                continue
            legend.append((colour, f"{zh} {en} ({len(part)})"))
            group = folium.FeatureGroup(name=f"矿山 mines: {zh} {en} ({len(part)})")
            folium.GeoJson(
                part[["mine_id", "verdict", "geometry"]],
                style_function=lambda _f, c=colour: {
                    "color": c,
                    "fillColor": c,
                    "weight": 2,
                    "fillOpacity": 0.5,
                },
                tooltip=folium.GeoJsonTooltip(fields=["mine_id", "verdict"]),
            ).add_to(group)
            for row in part.itertuples():
                c = row.geometry.representative_point()
                href = (report_href or {}).get(str(row.mine_id))
                folium.CircleMarker(
                    [c.y, c.x],
                    radius=6,
                    color="#212121",
                    weight=1,
                    fill=True,
                    fill_color=colour,
                    fill_opacity=0.95,
                    tooltip=f"{row.mine_id}: {zh} {en}",
                    popup=folium.Popup(
                        mine_popup(pd.Series(row._asdict()), res, href), max_width=420
                    ),
                    class_name="greenmine-mine",
                ).add_to(group)
            group.add_to(fmap)
    conflicts = clip(res.conflicts)
    if conflicts is not None and len(conflicts):
        deep = conflicts[
            ~conflicts["sliver"].astype(bool) & conflicts["effect"].isin(["FAIL", "REVIEW"])
        ]
        for layer_name, part in deep.groupby("layer"):  # one toggle and colour per layer
            colour = LAYER_COLOUR.get(str(layer_name), DEFAULT_LAYER_COLOUR)
            fields = ["mine_id", "layer", "class", "feature_name", "area_m2"]
            folium.GeoJson(
                display_frame(part[[*fields, "geometry"]], 1e-5),
                name=f"冲突 conflicts: {layer_name} ({len(part)})",
                style_function=lambda _f, c=colour: {
                    "color": c,
                    "fillColor": c,
                    "weight": 1,
                    "fillOpacity": 0.85,
                },
                tooltip=folium.GeoJsonTooltip(fields=fields),
            ).add_to(fmap)
            legend.append((colour, f"冲突 conflicts: {layer_name}"))
    zones = clip(res.zones)
    if zones is not None and len(zones):
        if res.restoration is not None:
            status = res.restoration[["zone_id", "status", "trend_per_year", "reason"]]
            zones = zones.assign(zone_id=zones["zone_id"].astype(str)).merge(
                status, on="zone_id", how="left"
            )
        cols = [
            c
            for c in ("zone_id", "zone_type", "status", "trend_per_year", "reason")
            if c in zones.columns
        ]
        folium.GeoJson(
            display_frame(zones[[*cols, zones.geometry.name]], 1e-5),
            name=f"修复分区 restoration zones ({len(zones)})",
            style_function=lambda _f: {
                "color": "#1b5e20",
                "fillColor": "#a5d6a7",
                "weight": 2,
                "fillOpacity": 0.4,
            },
            tooltip=folium.GeoJsonTooltip(fields=cols),
        ).add_to(fmap)
        legend.append(("#a5d6a7", "修复分区 restoration zones"))
    dist = clip(res.disturbance)
    if dist is not None and len(dist):
        folium.GeoJson(
            display_frame(
                dist[["mine_id", "area_m2", "first_seen", "distance_m", "geometry"]], 1e-5
            ),
            name=f"疑似越界 suspected outside disturbance ({len(dist)})",
            style_function=lambda _f: {
                "color": "#4a148c",
                "fillColor": "#e040fb",
                "weight": 2,
                "fillOpacity": 0.6,
            },
            tooltip=folium.GeoJsonTooltip(
                fields=["mine_id", "area_m2", "first_seen", "distance_m"]
            ),
        ).add_to(fmap)
        legend.append(("#e040fb", "疑似越界开采 suspected 越界 (field check)"))
    for role in ("redline", "key_zones"):
        if role in res.context:
            label, _, fill, _, _ = CONTEXT_STYLE[role]
            legend.append((fill, label))
    add_legend(fmap, title, legend)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap
