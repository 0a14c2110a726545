"""Interactive (folium) maps of check results."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np

from ..checks.prerequisite import LEADING_COLUMNS, PrerequisiteResult
from .atlas import leagues
from .styles import DEFAULT_LAYER_COLOUR, LAYER_COLOUR, VERDICT_STYLE
from .web import display_frame, offline_map

__all__ = ["prerequisite_map"]

_POPUP_FIELDS = [*LEADING_COLUMNS, "league_city", "banner_county", "reasons"]


def _context(fmap: folium.Map, name: str, gdf: gpd.GeoDataFrame, style: dict[str, object]) -> None:
    """A background layer (red line, admin boundaries), simplified to ~50 m for display."""
    label = next((c for c in ("name", "league_city", "banner_county") if c in gdf.columns), None)
    shown = display_frame(gdf[[c for c in (label, gdf.geometry.name) if c]], 5e-4)
    folium.GeoJson(
        shown,
        name=name,
        style_function=lambda _f: style,
        tooltip=folium.GeoJsonTooltip(fields=[label]) if label else None,
    ).add_to(fmap)


def prerequisite_map(
    result: PrerequisiteResult,
    *,
    redline: gpd.GeoDataFrame | None = None,
    admin: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """A map of the prerequisite verdicts: mines coloured by verdict, overlap pieces by layer.

    ``redline`` and ``admin`` (any CRS) are drawn behind, for context. Layers can
    be toggled; each mine has a popup with its figures and reasons. Geometries
    are simplified for display only (never for the numbers).
    """
    mines = display_frame(result.mines)
    bounds = tuple(mines.total_bounds) if len(mines) else (97.2, 37.4, 126.1, 53.3)
    base = leagues(admin) if admin is not None and "league_city" in admin.columns else None
    fmap = offline_map(bounds, base=base, base_label="league_city")  # type: ignore[arg-type]
    if admin is not None:
        _context(
            fmap,
            "行政区 admin boundaries",
            admin,
            {"color": "#616161", "weight": 1, "fillOpacity": 0},
        )
    if redline is not None:
        colour = LAYER_COLOUR["redline"]
        _context(
            fmap,
            "生态保护红线 red line",
            redline,
            {"color": colour, "weight": 1, "fillColor": colour, "fillOpacity": 0.25},
        )
    fields = [f for f in _POPUP_FIELDS if f in mines.columns]
    for verdict, (colour, zh, en) in VERDICT_STYLE.items():
        part = mines[mines["verdict"] == verdict]
        if part.empty:
            continue
        group = folium.FeatureGroup(name=f"{zh} {en} ({len(part)})")
        folium.GeoJson(
            part[[*fields, "geometry"]],
            style_function=lambda _f, c=colour: {
                "color": c,
                "fillColor": c,
                "weight": 2,
                "fillOpacity": 0.5,
            },
            popup=folium.GeoJsonPopup(fields=fields, max_width=420),
            tooltip=folium.GeoJsonTooltip(fields=["mine_id", "verdict"]),
        ).add_to(group)
        # mines are small at province scale: a marker makes each one findable
        for row in part.itertuples():
            c = row.geometry.representative_point()
            folium.CircleMarker(
                [c.y, c.x],
                radius=5,
                color=colour,
                fill=True,
                fill_opacity=0.9,
                tooltip=f"{row.mine_id}: {verdict}",
            ).add_to(group)
        group.add_to(fmap)
    conflicts = result.conflicts
    deep = conflicts[
        ~conflicts["sliver"].astype(bool) & conflicts["effect"].isin(["FAIL", "REVIEW"])
    ]
    for layer_name in np.unique(deep["layer"]):
        part = display_frame(deep[deep["layer"] == layer_name], 1e-5)
        colour = LAYER_COLOUR.get(layer_name, DEFAULT_LAYER_COLOUR)
        folium.GeoJson(
            part[["mine_id", "layer", "class", "feature_name", "area_m2", "geometry"]],
            name=f"冲突 conflicts: {layer_name} ({len(part)})",
            style_function=lambda _f, c=colour: {
                "color": c,
                "fillColor": c,
                "weight": 1,
                "fillOpacity": 0.8,
            },
            tooltip=folium.GeoJsonTooltip(fields=["mine_id", "feature_name", "area_m2"]),
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap
