"""Print-quality static maps (matplotlib) with Chinese labels: one per league/city, one per mine.

Each map is an A4 landscape sheet (:mod:`.paper`: transverse Mercator centred on the
map, metres) with a title, legend, scale bar, north arrow, admin boundaries, and a
footer naming the data sources (file and content hash) and the date; its layers are
drawn in the styles shared with the interactive atlas (:mod:`.styles`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

import geopandas as gpd
import pandas as pd
import pyproj
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..errors import InputError
from ..run_results import RunResults
from ..types import BINDING_EFFECTS, Verdict
from .atlas import leagues
from .paper import A4_LANDSCAPE, CJK_FONT, cjk_font, decorate, fit, local_crs, plot, sheet, sources
from .styles import (
    BARE_PATCHES,
    BOUNDARY_DARK,
    CONTEXT_STYLE,
    DEFAULT_LAYER_COLOUR,
    LAYER_COLOUR,
    LEAGUE_OUTLINE,
    NO_VERDICT_STYLE,
    PAPER_BACKGROUND,
    PAPER_LAND,
    PRINT_COUNTIES,
    PRINT_LANDUSE,
    PRINT_RESTORATION_ZONES,
    PRINT_SUSPECTED_DISTURBANCE,
    VERDICT_STYLE,
)
from .web import has_rows, meeting

__all__ = ["A4_LANDSCAPE", "CJK_FONT", "cjk_font", "league_print_map", "mine_print_map"]

#: League map: context layers drawn (bottom first; no land use: parcels at league scale
#: are noise on paper, the per-mine maps show them), and their legend order.
_LEAGUE_CONTEXT = ("mining_blocks", "exploration_blocks", "key_zones", "redline")
_LEAGUE_CONTEXT_LEGEND = ("redline", "key_zones", "exploration_blocks", "mining_blocks")
#: Verdicts whose mines are labelled by name on the league map.
_NAMED_VERDICTS = (Verdict.FAIL, Verdict.REVIEW, Verdict.EXEMPT)
_LEAGUE_SOURCES = ("redline", "key_zones", "exploration_blocks", "mining_blocks", "admin", "mines")
#: Mine map: context layers drawn above land use (bottom first).
_MINE_CONTEXT = ("key_zones", "mining_blocks", "redline")
_MINE_SOURCES = (
    "mines",
    "redline",
    "landuse",
    "key_zones",
    "mining_blocks",
    "admin",
    "image",
    "zones",
)
#: Map axes on the sheet (left, bottom, width, height as fractions): the league map fills
#: it; the mine map leaves the right for its legend and facts.
_LEAGUE_AXES = (0.02, 0.08, 0.96, 0.82)
_MINE_AXES = (0.02, 0.08, 0.70, 0.82)
#: Stacking above the context layers (matplotlib zorder): mines, conflict pieces and zones;
#: then mine dots, bare patches and suspected disturbance; then labels.
_AREA_Z, _SPOT_Z, _LABEL_Z = 9, 10, 11


def _context(
    ax: Axes,
    layer: gpd.GeoDataFrame | None,
    role: str,
    crs: pyproj.CRS,
    *,
    min_alpha: float,
    lw: float,
) -> None:
    """A context layer in its atlas colours, at least ``min_alpha`` opaque to show on paper."""
    style = CONTEXT_STYLE[role]
    plot(
        ax,
        layer,
        crs,
        facecolor=style.fill,
        edgecolor=style.stroke,
        alpha=max(style.opacity, min_alpha),
        linewidth=lw,
    )


def _context_patch(role: str) -> Patch:
    """The legend entry of a context layer."""
    style = CONTEXT_STYLE[role]
    return Patch(facecolor=style.fill, edgecolor=style.stroke, alpha=0.6, label=style.label)


def _names(res: RunResults, ids: Iterable[str]) -> list[str]:
    """The names of mines ``ids`` (their id where the run has no name)."""
    info = res.mine_info
    return [
        str(info.loc[i, "name"])
        if info is not None and i in info.index and "name" in info.columns
        else str(i)
        for i in ids
    ]


def _of_mine(gdf: gpd.GeoDataFrame | None, mine_id: str) -> gpd.GeoDataFrame | None:
    """The rows of ``gdf`` belonging to mine ``mine_id``."""
    return None if gdf is None else gdf[gdf["mine_id"].astype(str) == mine_id]


# --- the league map ---------------------------------------------------------------------


def _league_area(admin: gpd.GeoDataFrame, league: str) -> shapely.Geometry:
    """The polygon (lon/lat) of ``league``, dissolved from its counties in ``admin``."""
    polys = leagues(admin)
    row = polys[polys["league_city"] == league]
    if row.empty:
        raise InputError(f"no league or city named {league!r} in the admin layer")
    return row.geometry.iloc[0]


def _counties(ax: Axes, admin: gpd.GeoDataFrame, area: shapely.Geometry, crs: pyproj.CRS) -> None:
    """The county boundaries meeting ``area`` (lon/lat), each labelled with its name."""
    counties = meeting(admin, area)
    assert counties is not None  # admin is a layer
    plot(
        ax,
        counties,
        crs,
        facecolor=PRINT_COUNTIES.fill,
        edgecolor=PRINT_COUNTIES.stroke,
        linewidth=0.5,
    )
    for c in counties.to_crs(crs).itertuples():
        p = c.geometry.representative_point()
        ax.text(
            p.x,
            p.y,
            c.banner_county,
            fontsize=7,
            color=BOUNDARY_DARK,
            ha="center",
            va="center",
            zorder=5,
        )


def _mine_labels(ax: Axes, points: gpd.GeoSeries, names: list[str]) -> None:
    """``names`` set beside ``points`` (the sheet's metres)."""
    for (x, y), name in zip(zip(points.x, points.y, strict=True), names, strict=True):
        ax.annotate(
            name, (x, y), xytext=(5, 4), textcoords="offset points", fontsize=7, zorder=_LABEL_Z
        )


def _league_mines(
    ax: Axes, res: RunResults, mines: gpd.GeoDataFrame, crs: pyproj.CRS
) -> list[Patch]:
    """The mines by verdict: boundary and a dot each, names of those not passing."""
    handles = []
    for verdict, (colour, zh, en) in VERDICT_STYLE.items():
        part = mines[mines["verdict"] == verdict]
        if part.empty:
            continue
        pts = part.to_crs(crs).geometry.representative_point()
        ax.scatter(
            pts.x, pts.y, s=36, color=colour, edgecolor="black", linewidth=0.5, zorder=_SPOT_Z
        )
        plot(ax, part, crs, facecolor=colour, edgecolor="black", linewidth=0.4, zorder=_AREA_Z)
        handles.append(Patch(facecolor=colour, edgecolor="black", label=f"{zh} {en} ({len(part)})"))
        if verdict in _NAMED_VERDICTS:
            _mine_labels(ax, pts, _names(res, part["mine_id"]))
    return handles


def _league_legend(ax: Axes, res: RunResults, mine_handles: list[Patch]) -> None:
    """The legend at the lower right: the mines by verdict, the run's context layers, counties."""
    handles = [
        *mine_handles,
        *(_context_patch(role) for role in _LEAGUE_CONTEXT_LEGEND if role in res.context),
        Patch(
            facecolor=PRINT_COUNTIES.fill,
            edgecolor=PRINT_COUNTIES.stroke,
            label=PRINT_COUNTIES.label,
        ),
    ]
    ax.legend(
        handles=handles,
        loc="lower right",
        fontsize=8,
        framealpha=0.92,
        title="图例 legend",
        title_fontsize=9,
    )


def league_print_map(res: RunResults, league: str) -> Figure:
    """A4 landscape map of one league/city: mines by verdict, red line, key zones, blocks, counties."""
    cjk_font()
    if res.mines is None or "admin" not in res.context:
        raise InputError(
            "the league maps need a prerequisite run with an admin layer (--layer admin=...)"
        )
    admin = res.context["admin"].to_crs("EPSG:4490")
    area = _league_area(admin, league)
    crs = local_crs(area)
    fig, ax = sheet(_LEAGUE_AXES, PAPER_BACKGROUND)
    outline = gpd.GeoSeries([area], crs="EPSG:4490")
    plot(ax, outline, crs, color=PAPER_LAND, edgecolor="none")
    for role in _LEAGUE_CONTEXT:
        if role in res.context:
            _context(ax, meeting(res.context[role], area), role, crs, min_alpha=0.25, lw=0.6)
    _counties(ax, admin, area, crs)
    plot(
        ax,
        outline,
        crs,
        facecolor=LEAGUE_OUTLINE.fill,
        edgecolor=LEAGUE_OUTLINE.stroke,
        linewidth=1.6,
    )
    mines = res.mines[res.mines["league_city"] == league]
    mine_handles = _league_mines(ax, res, mines, crs)
    x0, y0, x1, y1 = outline.to_crs(crs).total_bounds
    pad = 0.04 * max(x1 - x0, y1 - y0)
    fit(ax, (x0 - pad, y0 - pad, x1 + pad, y1 + pad))
    _league_legend(ax, res, mine_handles)
    counts = ", ".join(
        f"{VERDICT_STYLE[v][1]} {n}" for v, n in mines["verdict"].value_counts().items()
    )
    decorate(
        fig,
        ax,
        f"{league} 绿色矿山先决条件核查图",
        f"Green-mine prerequisite check, {league}: {len(mines)} mines ({counts})",
        sources(res, _LEAGUE_SOURCES),
        area.centroid.x,
    )
    return fig


# --- the mine map -----------------------------------------------------------------------


def _mine_row(res: RunResults, mine_id: str) -> gpd.GeoDataFrame:
    """The mine's row: from the prerequisite results, else from the restoration step's mines."""
    for layer in (res.mines, res.context.get("restoration_mines")):
        row = _of_mine(layer, mine_id)
        if has_rows(row):
            return row
    raise InputError(f"mine {mine_id!r} is in neither the prerequisite nor the restoration results")


def _mine_view(local: gpd.GeoDataFrame) -> shapely.Geometry:
    """The extent shown around a mine (the sheet's metres): its bounds padded by 35 % of
    their larger side, at least 300 m."""
    x0, y0, x1, y1 = local.total_bounds
    pad = max(0.35 * max(x1 - x0, y1 - y0), 300.0)
    return shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _mine_context(
    ax: Axes, res: RunResults, view_ll: shapely.Geometry, crs: pyproj.CRS
) -> list[Patch]:
    """Land-use parcels, key zones, mining blocks, the red line and county lines meeting
    ``view_ll`` (lon/lat)."""
    handles = []
    landuse = meeting(res.context.get("landuse"), view_ll)
    if has_rows(landuse):
        style = PRINT_LANDUSE
        plot(
            ax,
            landuse,
            crs,
            facecolor=style.fill,
            edgecolor=style.stroke,
            linewidth=0.3,
            alpha=style.opacity,
        )
        handles.append(Patch(facecolor=style.fill, edgecolor=style.stroke, label=style.label))
    for role in _MINE_CONTEXT:
        layer = meeting(res.context.get(role), view_ll)
        if has_rows(layer):
            _context(ax, layer, role, crs, min_alpha=0.3, lw=0.8)
            handles.append(_context_patch(role))
    admin = meeting(res.context.get("admin"), view_ll)
    plot(
        ax,
        admin,
        crs,
        facecolor=PRINT_COUNTIES.fill,
        edgecolor=PRINT_COUNTIES.stroke,
        linewidth=0.6,
        linestyle="--",
    )
    return handles


def _mine_boundary(ax: Axes, local: gpd.GeoDataFrame, verdict_style: tuple[str, str, str]) -> Patch:
    """The licensed boundary (the sheet's CRS) outlined in its verdict's colour."""
    colour, zh, en = verdict_style
    local.plot(ax=ax, facecolor="none", edgecolor=colour, linewidth=2.2, zorder=8)
    return Patch(
        facecolor="none",
        edgecolor=colour,
        linewidth=2,
        label=f"矿区范围 licensed boundary ({zh} {en})",
    )


def _mine_conflicts(ax: Axes, pieces: gpd.GeoDataFrame | None, crs: pyproj.CRS) -> list[Patch]:
    """The mine's binding (FAIL/REVIEW) overlap pieces, hatched, by layer and class."""
    if pieces is None:
        return []
    handles = []
    binding = pieces[pieces["effect"].isin(BINDING_EFFECTS)]
    for (layer, cls), part in binding.groupby(["layer", "class"], dropna=False):
        key = cls if isinstance(cls, str) and cls in LAYER_COLOUR else layer
        colour = LAYER_COLOUR.get(str(key), DEFAULT_LAYER_COLOUR)
        plot(
            ax,
            part,
            crs,
            facecolor=colour,
            edgecolor="black",
            linewidth=0.4,
            alpha=0.85,
            zorder=_AREA_Z,
            hatch="//",
        )
        what = f"{layer}/{cls}" if isinstance(cls, str) and cls else str(layer)
        area = part["area_m2"].sum()
        handles.append(
            Patch(facecolor=colour, hatch="//", label=f"冲突 conflict: {what} ({area:,.0f} m²)")
        )
    return handles


def _bare_patches(ax: Axes, bare: gpd.GeoDataFrame | None, crs: pyproj.CRS) -> list[Patch]:
    """The mine's bare patches, each labelled with its number."""
    if not has_rows(bare):
        return []
    style = BARE_PATCHES
    plot(ax, bare, crs, facecolor=style.fill, edgecolor=style.stroke, linewidth=0.5, zorder=_SPOT_Z)
    for p in bare.to_crs(crs).itertuples():
        c = p.geometry.representative_point()
        ax.text(c.x, c.y, str(p.patch_no), fontsize=7, ha="center", va="center", zorder=_LABEL_Z)
    return [Patch(facecolor=style.fill, label=f"{style.label} ({len(bare)})")]


def _zones(ax: Axes, zones: gpd.GeoDataFrame | None, crs: pyproj.CRS) -> list[Patch]:
    """The restoration zones in view."""
    if not has_rows(zones):
        return []
    style = PRINT_RESTORATION_ZONES
    plot(
        ax,
        zones,
        crs,
        facecolor=style.fill,
        edgecolor=style.stroke,
        linewidth=1,
        alpha=style.opacity,
        zorder=_AREA_Z,
    )
    return [Patch(facecolor=style.fill, edgecolor=style.stroke, label=style.label)]


def _disturbance(ax: Axes, dist: gpd.GeoDataFrame | None, crs: pyproj.CRS) -> list[Patch]:
    """The mine's suspected 越界 patches (opaque: each is for a field check)."""
    if not has_rows(dist):
        return []
    style = PRINT_SUSPECTED_DISTURBANCE
    plot(ax, dist, crs, facecolor=style.fill, edgecolor=style.stroke, linewidth=0.8, zorder=_SPOT_Z)
    label = f"{style.label} ({len(dist)})"
    return [Patch(facecolor=style.fill, edgecolor=style.stroke, label=label)]


def _facts_panel(fig: Figure, row: pd.Series, mine_id: str, verdict: str) -> None:
    """The mine's figures right of the map: id, verdict, and (after a prerequisite check)
    contact, area (ha), red-line overlap (m²) and distance (m), location, reasons."""
    facts = [f"编号 id: {mine_id}", f"先决条件 verdict: {verdict}"]
    if "mine_area_m2" in row.index:
        facts += [
            f"接触 contact: {row.get('contact', '')}",
            f"面积 area: {row['mine_area_m2'] / 1e4:,.2f} ha",
            f"压占红线 red line: {row['redline_overlap_m2']:,.1f} m²",
            f"距红线 distance: {row['redline_distance_m']:,.1f} m",
            f"所在 location: {row.get('league_city', '')} {row.get('banner_county', '')}",
        ]
    reasons = str(row.get("reasons") or "")
    if reasons:
        facts.append("理由 reasons: " + "\n".join(textwrap.wrap(reasons, 34)))
    fig.text(0.74, 0.45, "\n".join(facts), fontsize=8, va="top", linespacing=1.5)


def mine_print_map(res: RunResults, mine_id: str) -> Figure:
    """A4 landscape map of one mine: boundary, red-line conflicts, bare patches, restoration
    zones, suspected 越界 patches (a mine only in the restoration results has no verdict)."""
    cjk_font()
    mine = _mine_row(res, mine_id)
    lonlat = mine.to_crs("EPSG:4490").geometry.iloc[0]
    crs = local_crs(lonlat)
    local = mine.to_crs(crs)
    view = _mine_view(local)
    view_ll = gpd.GeoSeries([view], crs=crs).to_crs("EPSG:4490").iloc[0]
    fig, ax = sheet(_MINE_AXES, PAPER_LAND)
    handles = _mine_context(ax, res, view_ll, crs)
    verdict = str(mine["verdict"].iloc[0]) if "verdict" in mine.columns else ""
    verdict_style = VERDICT_STYLE.get(verdict, NO_VERDICT_STYLE)
    handles.append(_mine_boundary(ax, local, verdict_style))
    handles += _mine_conflicts(ax, _of_mine(res.conflicts, mine_id), crs)
    handles += _bare_patches(ax, _of_mine(res.bare_patches, mine_id), crs)
    handles += _zones(ax, meeting(res.zones, view_ll), crs)
    handles += _disturbance(ax, _of_mine(res.disturbance, mine_id), crs)
    fit(ax, view.bounds)
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        title="图例 legend",
        title_fontsize=9,
        frameon=False,
    )
    row = mine.iloc[0]
    _facts_panel(fig, row, mine_id, f"{verdict_style[1]} {verdict_style[2]}")
    name = str(row["name"]) if "name" in mine.columns else _names(res, [mine_id])[0]
    decorate(
        fig,
        ax,
        f"{name} 矿区核查图",
        f"Mine check map: {mine_id}",
        sources(res, _MINE_SOURCES),
        lonlat.centroid.x,
    )
    return fig
