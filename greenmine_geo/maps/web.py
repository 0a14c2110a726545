"""Interactive maps that work offline: Leaflet inlined, an offline base map, legend and scale.

folium loads Leaflet, jQuery and Bootstrap from CDNs; offline (this machine, many
government intranets) such a page is blank. Here Leaflet 1.9.4 (BSD-2, vendored by
``scripts/vendor_leaflet.sh``) is inlined into each page with its images as data
URIs, nothing else is loaded, and the default base map is drawn from data (league
boundaries on a plain background), so every data layer shows with no network.
Online tiles (OpenStreetMap) are offered as a second base map. The scale shows metres
and kilometres only.

Values from input data reach a map only through :func:`geojson` (string properties
escaped), :func:`tooltip`, :func:`popup` and layer names passed through
:func:`~..report.html_safety.map_text`; the page itself is a :class:`~.page.MapPage`
(Content-Security-Policy, nonced scripts, stable ids). Why each is needed:
:mod:`..report.html_safety`.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path
from typing import Any, TypeGuard

import folium
import geopandas as gpd
import numpy as np
import pyproj
import shapely
from branca.element import MacroElement
from jinja2 import Template

from ..crs import CGCS2000
from ..report.html_safety import map_markup, map_properties, map_text
from .page import Raw, Script, map_page
from .styles import BASE_MAP, PAPER_BACKGROUND

__all__ = [
    "add_legend",
    "display_frame",
    "geojson",
    "has_rows",
    "meeting",
    "offline_map",
    "popup",
    "tooltip",
]

_ASSETS = Path(__file__).parent / "assets" / "leaflet"

#: folium builds popup HTML with jQuery's ``$(html)[0]``, its only use of jQuery in these maps:
#: this stands in for it (an HTML string → a one-element list), so jQuery is not needed.
_JQUERY_SHIM = (
    "window.$ = window.$ || function (s) { var t = document.createElement('template');"
    " t.innerHTML = String(s).trim(); return [t.content.firstChild]; };"
)


@cache
def _leaflet_inline() -> tuple[str, str]:
    """Leaflet's JS and its CSS with the images inlined as data URIs."""
    css = (_ASSETS / "leaflet.css").read_text("utf-8")

    def data_uri(match: re.Match[str]) -> str:
        png = (_ASSETS / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, css)
    return (_ASSETS / "leaflet.js").read_text("utf-8"), css


def display_frame(gdf: gpd.GeoDataFrame, tolerance_deg: float = 0.0) -> gpd.GeoDataFrame:
    """Lon/lat (EPSG:4490 ≈ WGS 84 at map scale), simplified for display only, 2-decimal floats."""
    out = gdf.to_crs(CGCS2000)
    if tolerance_deg:
        out = out.set_geometry(out.geometry.simplify(tolerance_deg, preserve_topology=True))
    for col in out.columns:
        if col != out.geometry.name and out[col].dtype.kind == "f":
            out[col] = out[col].round(2)
    return out


def has_rows(gdf: gpd.GeoDataFrame | None) -> TypeGuard[gpd.GeoDataFrame]:
    """Whether ``gdf`` is a frame with at least one row (None and empty frames are not)."""
    return gdf is not None and len(gdf) > 0


def meeting(gdf: gpd.GeoDataFrame | None, area: shapely.Geometry) -> gpd.GeoDataFrame | None:
    """The rows of ``gdf`` (any CRS) whose geometry meets ``area`` (lon/lat, EPSG:4490).

    Candidates come from the layer's spatial index on the area's bounds carried into
    the layer's CRS (with a margin), so only they are reprojected for the exact test;
    a province layer is not reprojected once per map.
    """
    if gdf is None or gdf.empty:
        return gdf
    bounds = area.bounds
    if not pyproj.CRS.from_user_input(gdf.crs).equals(CGCS2000):
        x0, y0, x1, y1 = pyproj.Transformer.from_crs(
            CGCS2000, gdf.crs, always_xy=True
        ).transform_bounds(bounds[0], bounds[1], bounds[2], bounds[3], densify_pts=21)
        pad = 1e-3 * max(x1 - x0, y1 - y0)
        bounds = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    candidates = gdf.iloc[np.sort(gdf.sindex.query(shapely.box(*bounds)))]
    return candidates[candidates.to_crs(CGCS2000).intersects(area).to_numpy()]


def geojson(frame: gpd.GeoDataFrame, *, name: str | None = None, **kwargs: Any) -> folium.GeoJson:
    """``folium.GeoJson`` of ``frame`` with its string properties escaped (folium's
    ``GeoJsonTooltip`` shows them with innerHTML) and its layer ``name`` escaped (Leaflet's
    layer control shows it with innerHTML)."""
    return folium.GeoJson(
        map_properties(frame), name=None if name is None else map_text(name), **kwargs
    )


def tooltip(text: str) -> folium.Tooltip:
    """A tooltip showing ``text`` as it is (folium puts it in a template literal as HTML)."""
    return folium.Tooltip(map_text(text))


def popup(markup: str, max_width: int) -> folium.Popup:
    """A popup of ``markup`` from an autoescaping template (folium puts it in a template
    literal)."""
    return folium.Popup(map_markup(markup), max_width=max_width)


def offline_map(
    bounds: tuple[float, float, float, float],
    *,
    base: gpd.GeoDataFrame | None = None,
    base_label: str | None = None,
) -> folium.Map:
    """A map fitted to ``bounds`` (lon/lat) that needs no network.

    ``base``: polygons (any CRS, e.g. leagues) drawn as the default, offline base
    map, labelled by ``base_label``'s field in a tooltip.
    """
    fmap = folium.Map(tiles=None, control_scale=False, zoom_control=True)
    fmap.add_child(_MetricScale())
    fmap.default_js, fmap.default_css = [], []  # no CDN: Leaflet is inlined below
    js, css = _leaflet_inline()
    header = map_page(fmap).header
    header.add_child(Raw(f"<style>{css}</style>"), name="leaflet_css")
    header.add_child(Script(js), name="leaflet_js")
    header.add_child(Script(_JQUERY_SHIM), name="jquery_shim")
    header.add_child(
        # behind the offline base: a pale paper colour, not Leaflet's tile grey
        Raw(f"<style>.leaflet-container {{ background: {PAPER_BACKGROUND}; }}</style>"),
        name="greenmine_background",
    )
    offline = folium.FeatureGroup(name=map_text(BASE_MAP.label), overlay=False, control=True)
    if has_rows(base):
        shown = display_frame(base, 2e-3)
        fields = [base_label] if base_label and base_label in shown.columns else []
        geojson(
            shown[[*fields, shown.geometry.name]],
            style_function=lambda _f: {
                "color": BASE_MAP.stroke,
                "weight": 0.8,
                "fillColor": BASE_MAP.fill,
                "fillOpacity": BASE_MAP.opacity,
            },
            tooltip=folium.GeoJsonTooltip(fields=fields) if fields else None,
        ).add_to(offline)
    offline.add_to(fmap)
    folium.TileLayer(
        "OpenStreetMap", name=map_text("OpenStreetMap（联网 online）"), overlay=False, show=False
    ).add_to(fmap)
    x0, y0, x1, y1 = bounds
    fmap.fit_bounds([[y0, x0], [y1, x1]])
    return fmap


class _MetricScale(MacroElement):  # type: ignore[misc]
    """Leaflet's scale control in metres and kilometres only: folium's ``control_scale``
    adds ``L.control.scale()``, which shows miles and feet too, and has no option for it.
    Rendered into the map's own (nonced) script."""

    _template = Template(
        """{% macro script(this, kwargs) %}
L.control.scale({metric: true, imperial: false, maxWidth: 150}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


_LEGEND = Template(
    """
{% macro html(this, kwargs) %}
<div class="greenmine-legend" style="position: fixed; bottom: 28px; right: 12px; z-index: 1000;
     background: rgba(255,255,255,0.92); padding: 8px 10px; border: 1px solid #bdbdbd;
     border-radius: 4px; font: 12px/1.5 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif;">
  <div style="font-weight: bold; margin-bottom: 4px;">{{ this.title }}</div>
  {% for colour, label in this.items %}
  <div><span style="display: inline-block; width: 12px; height: 12px; background: {{ colour }};
        border: 1px solid #616161; margin-right: 6px; vertical-align: -2px;"></span>{{ label }}</div>
  {% endfor %}
</div>
{% endmacro %}
"""
)


class _Legend(MacroElement):  # type: ignore[misc]
    _template = _LEGEND

    def __init__(self, title: str, items: list[tuple[str, str]]) -> None:
        super().__init__()
        self._name = "Legend"
        self.title = map_text(title)
        self.items = [(map_text(c), map_text(label)) for c, label in items]


def add_legend(fmap: folium.Map, title: str, items: list[tuple[str, str]]) -> None:
    """A fixed legend box: ``items`` are (CSS colour, label)."""
    fmap.get_root().add_child(_Legend(title, items))
