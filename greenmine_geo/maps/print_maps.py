"""Print-quality static maps (matplotlib) with Chinese labels: one per league/city, one per mine.

Each map is an A4 sheet (:mod:`.paper`), landscape or portrait by the shape of what it
shows, drawn in the CGCS2000 3° Gauss-Krüger zone of its area at a round scale, in a
frame with a kilometre grid; below the frame the title block states the coordinate
system and projection, the scale (bar and 1:N), north, the data's date and sources,
and that the admin boundaries are approximate. Layers are drawn in the styles shared
with the interactive atlas (:mod:`.styles`); the red line is dissolved for display
(measurements are not touched), and the red line, conflict pieces and a failing mine's
outline differ in hatch or line style as well as colour. On a league map the legend
takes the frame's corner with no mine under it (:mod:`.labels`; the map zooms out a step
if every corner has one) and mine names never overlap; on a mine map the legend is
beside or below the frame.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..errors import InputError
from ..run_results import RunResults
from ..terms import area_text, printable
from ..types import BINDING_EFFECTS, Verdict
from .atlas import leagues
from .labels import (
    geometry_boxes,
    legend_box,
    marker_boxes,
    place_labels,
    place_legend,
    text_box,
)
from .paper import (
    A4_LANDSCAPE,
    A4_PORTRAIT,
    CJK_FONT,
    GkZone,
    Layout,
    choose_layout,
    cjk_font,
    data_date,
    decorate,
    fit,
    gk_projection,
    km_grid,
    plot,
    sheet,
    sources,
)
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
    PRINT_CONFLICT_HATCH,
    PRINT_COUNTIES,
    PRINT_FAIL_OUTLINE,
    PRINT_LANDUSE,
    PRINT_REDLINE,
    PRINT_RESTORATION_ZONES,
    PRINT_SUSPECTED_DISTURBANCE,
    VERDICT_STYLE,
    PaperStyle,
    paper,
)
from .web import has_rows, meeting

__all__ = ["A4_LANDSCAPE", "CJK_FONT", "cjk_font", "league_print_map", "mine_print_map"]

#: League map: context layers drawn (bottom first; no land use: parcels at league scale
#: are noise on paper, the per-mine maps show them), and their legend order.
_LEAGUE_CONTEXT = ("mining_blocks", "exploration_blocks", "key_zones", "redline")
_LEAGUE_CONTEXT_LEGEND = ("redline", "key_zones", "exploration_blocks", "mining_blocks")
#: Verdicts whose mines are labelled by name on the league map, in the order labels are
#: placed (the first get the best places).
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
#: League map sheets: the frame fills the sheet above the title block.
_LEAGUE_LAYOUTS = (
    Layout(A4_LANDSCAPE, (0.05, 0.19, 0.90, 0.69)),
    Layout(A4_PORTRAIT, (0.08, 0.15, 0.84, 0.75)),
)
#: Mine map sheets: the legend and the mine's figures right of the frame (landscape) or
#: below it (portrait).
_MINE_LAYOUTS = (
    Layout(A4_LANDSCAPE, (0.05, 0.19, 0.62, 0.69), legend_at=(0.70, 0.885)),
    Layout(A4_PORTRAIT, (0.08, 0.42, 0.84, 0.48), legend_at=(0.05, 0.385)),
)
#: A mine's dot on the league map: area (points², matplotlib's ``s``) and edge width (points).
_DOT_SIZE, _DOT_EDGE = 36.0, 0.5
#: Zooming out a round scale step at a time until a corner of the frame is free of mines.
_LEGEND_TRIES = 6
#: Stacking above the context layers (matplotlib zorder): mines, conflict pieces and zones;
#: then mine dots, bare patches and suspected disturbance; then labels.
_AREA_Z, _SPOT_Z, _LABEL_Z = 9, 10, 11
#: Label text: set off from what it is over by a white halo.
_HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]
_LEGEND_STYLE = {"fontsize": 7.5, "title": "图例 legend", "title_fontsize": 8.5}
#: Said on every sheet that draws the admin layer.
_APPROXIMATE = (
    "行政区界线为近似界线, 仅示意位置, 不作为权属或法定界线依据 "
    "(admin boundaries are approximate, for orientation only, not legal boundaries)"
)


def _names(res: RunResults, ids: Iterable[str]) -> list[str]:
    """The names of mines ``ids`` (their id where the run has no name)."""
    info = res.mine_info
    return [  # printable: a control character in a name has no glyph
        printable(str(info.loc[i, "name"]))
        if info is not None and i in info.index and "name" in info.columns
        else printable(str(i))
        for i in ids
    ]


def _of_mine(gdf: gpd.GeoDataFrame | None, mine_id: str) -> gpd.GeoDataFrame | None:
    """The rows of ``gdf`` belonging to mine ``mine_id``."""
    return None if gdf is None else gdf[gdf["mine_id"].astype(str) == mine_id]


def _layer(
    ax: Axes,
    gdf: gpd.GeoDataFrame | None,
    crs: pyproj.CRS,
    style: PaperStyle,
    *,
    gid: str,
    z: float = 1,
    count: bool = False,
) -> list[Patch]:
    """``gdf`` (any CRS) drawn in ``style`` and its legend entry in the very same colours
    (with the number of features if ``count``); nothing if it is empty."""
    if not has_rows(gdf):
        return []
    plot(ax, gdf, crs, zorder=z, gid=gid, **style.drawn())
    return [Patch(label=f"{style.label} ({len(gdf)})" if count else style.label, **style.drawn())]


def _context_style(role: str) -> PaperStyle:
    """A context layer on paper: its atlas colours at least 25 % opaque (the red line hatched)."""
    return PRINT_REDLINE if role == "redline" else paper(CONTEXT_STYLE[role], min_opacity=0.25)


def _context(
    ax: Axes, layer: gpd.GeoDataFrame | None, role: str, crs: pyproj.CRS, scale: int
) -> list[Patch]:
    """A context layer (:func:`_context_style`); the red line dissolved (and simplified to
    0.1 mm on paper at 1:``scale``) for display only, so two overlapping features read as
    one area, not as a conflict."""
    if role != "redline" or not has_rows(layer):
        return _layer(ax, layer, crs, _context_style(role), gid=f"layer:{role}")
    parts = shapely.simplify(
        layer.to_crs(crs).geometry.values, scale * 1e-4, preserve_topology=True
    )
    shown = gpd.GeoDataFrame(geometry=[shapely.union_all(parts)], crs=crs)
    return _layer(ax, shown, crs, PRINT_REDLINE, gid="layer:redline", z=2)


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
        gid="layer:admin",
    )
    points = counties.to_crs(crs).representative_point()
    for x, y, name in zip(points.x, points.y, counties["banner_county"], strict=True):
        ax.text(
            x,
            y,
            printable(str(name)),
            fontsize=7,
            color=BOUNDARY_DARK,
            ha="center",
            va="center",
            zorder=5,
            gid="county_label",
            clip_on=True,
        )


def _league_mines(ax: Axes, mines: gpd.GeoDataFrame, crs: pyproj.CRS) -> list[Patch]:
    """The mines by verdict: boundary and a dot each (gid ``mine_symbols``)."""
    handles = []
    for verdict, (colour, zh, en) in VERDICT_STYLE.items():
        part = mines[mines["verdict"] == verdict]
        if part.empty:
            continue
        pts = part.to_crs(crs).geometry.representative_point()
        ax.scatter(
            pts.x,
            pts.y,
            s=_DOT_SIZE,
            color=colour,
            edgecolor="black",
            linewidth=_DOT_EDGE,
            zorder=_SPOT_Z,
            gid="mine_symbols",
        )
        plot(ax, part, crs, facecolor=colour, edgecolor="black", linewidth=0.4, zorder=_AREA_Z)
        handles.append(Patch(facecolor=colour, edgecolor="black", label=f"{zh} {en} ({len(part)})"))
    return handles


def _mine_symbols(ax: Axes, local: gpd.GeoDataFrame) -> np.ndarray:
    """The display boxes of the mines (``local``: in the sheet's CRS): dot and boundary."""
    pts = local.geometry.representative_point()
    return np.vstack(
        [
            marker_boxes(ax, np.column_stack([pts.x, pts.y]), _DOT_SIZE, _DOT_EDGE),
            geometry_boxes(ax, local.geometry.bounds.to_numpy()),
        ]
    )


def _area_under(ax: Axes, area: shapely.Geometry) -> Callable[[np.ndarray], float]:
    """The share of a display box over ``area`` (the sheet's CRS)."""

    def share(box: np.ndarray) -> float:
        (x0, y0), (x1, y1) = ax.transData.inverted().transform(box.reshape(2, 2))
        b = shapely.box(x0, y0, x1, y1)
        return float(shapely.area(shapely.intersection(b, area)) / max(b.area, 1e-9))

    return share


def _league_legend(
    ax: Axes,
    handles: list[Patch],
    local: gpd.GeoDataFrame,
    area: shapely.Geometry,
    bounds: tuple[float, float, float, float],
    scale: int,
) -> tuple[int, np.ndarray]:
    """The legend in the frame's corner meeting no mine (``local``, the sheet's CRS) and
    covering the least of the league's ``area``; the map zooms out a round step while
    every corner has a mine. Returns the scale denominator the map ends at and the
    display boxes now taken (mine symbols, legend)."""
    for attempt in range(_LEGEND_TRIES):
        symbols = _mine_symbols(ax, local)
        legend, hits = place_legend(
            ax, symbols, _area_under(ax, area), handles=handles, **_LEGEND_STYLE
        )
        if hits == 0 or attempt == _LEGEND_TRIES - 1:
            break
        scale = fit(ax, bounds, min_scale=scale)
    return scale, np.vstack([symbols, legend_box(legend)])


def _mine_labels(
    ax: Axes, local: gpd.GeoDataFrame, names: list[str], taken: np.ndarray
) -> list[str]:
    """``names`` beside the mines ``local`` (the sheet's CRS), never over one another nor
    over ``taken`` (display boxes: symbols, legend, county names), on a leader line where
    there is no room beside; a name that fits nowhere is replaced by a number, keyed in the
    returned lines."""
    pts = local.geometry.representative_point()
    xy = np.column_stack([pts.x, pts.y])
    style: dict[str, Any] = {
        "fontsize": 7,
        "zorder": _LABEL_Z,
        "gid": "mine_label",
        "path_effects": _HALO,
    }
    labels, failed = place_labels(ax, xy, names, taken, **style)
    if not failed:
        return []
    taken = np.vstack([taken, *(text_box(label) for label in labels)])
    numbers = [str(k + 1) for k in range(len(failed))]
    _, lost = place_labels(ax, xy[failed], numbers, taken, **{**style, "weight": "bold"})
    return [
        f"{numbers[k]} {names[i]}" + (" (图上未标 not marked)" if k in lost else "")
        for k, i in enumerate(failed)
    ]


def _named(
    mines: gpd.GeoDataFrame, res: RunResults, crs: pyproj.CRS
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The mines labelled by name (FAIL, then REVIEW, then EXEMPT; by id within each) in
    the sheet's CRS, and their names."""
    order = {v: k for k, v in enumerate(_NAMED_VERDICTS)}
    named = mines[mines["verdict"].isin(_NAMED_VERDICTS)]
    named = named.assign(_rank=named["verdict"].map(order)).sort_values(["_rank", "mine_id"])
    return named.to_crs(crs), _names(res, named["mine_id"].astype(str))


def _league_sheet(
    res: RunResults, admin: gpd.GeoDataFrame, league: str
) -> tuple[Figure, Axes, GkZone, int, list[str]]:
    """The league's sheet with its layers drawn, legend and labels placed; returns the
    figure, its axes, zone, scale denominator and the key of labels set as numbers."""
    area = _league_area(admin, league)
    zone = gk_projection(area)
    crs = zone.crs
    outline = gpd.GeoSeries([area], crs="EPSG:4490").to_crs(crs)
    x0, y0, x1, y1 = outline.total_bounds
    pad = 0.03 * max(x1 - x0, y1 - y0)
    bounds = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    fig, ax = sheet(choose_layout(bounds, _LEAGUE_LAYOUTS), PAPER_BACKGROUND)
    scale = fit(ax, bounds)
    plot(ax, outline.to_frame(), crs, color=PAPER_LAND, edgecolor="none")
    for role in _LEAGUE_CONTEXT:
        if role in res.context:
            _context(ax, meeting(res.context[role], area), role, crs, scale)
    _counties(ax, admin, area, crs)
    style = LEAGUE_OUTLINE
    plot(ax, outline.to_frame(), crs, facecolor=style.fill, edgecolor=style.stroke, linewidth=1.6)
    assert res.mines is not None  # checked by the caller
    mines = res.mines[res.mines["league_city"] == league]
    handles = _league_mines(ax, mines, crs)
    handles += [
        Patch(label=CONTEXT_STYLE[role].label, **_context_style(role).drawn())
        for role in _LEAGUE_CONTEXT_LEGEND
        if role in res.context
    ]
    handles.append(
        Patch(facecolor="none", edgecolor=PRINT_COUNTIES.stroke, label=PRINT_COUNTIES.label)
    )
    scale, taken = _league_legend(ax, handles, mines.to_crs(crs), outline.iloc[0], bounds, scale)
    counties = [text_box(t) for t in ax.texts if t.get_gid() == "county_label"]
    named, names = _named(mines, res, crs)
    key = _mine_labels(ax, named, names, np.vstack([taken, *counties]))
    return fig, ax, zone, scale, key


def league_print_map(res: RunResults, league: str) -> Figure:
    """A4 map of one league/city (landscape or portrait by its shape): mines by verdict,
    red line, key zones, blocks, counties, in the GK zone of its centroid."""
    cjk_font()
    if res.mines is None or "admin" not in res.context:
        raise InputError(
            "the league maps need a prerequisite run with an admin layer (--layer admin=...)"
        )
    admin = res.context["admin"].to_crs("EPSG:4490")
    fig, ax, zone, scale, key = _league_sheet(res, admin, league)
    km_grid(ax)
    mines = res.mines[res.mines["league_city"] == league]
    counts = ", ".join(
        f"{VERDICT_STYLE[v][1]} {n}" for v, n in mines["verdict"].value_counts().items()
    )
    notes = [
        f"数据日期 data checked {data_date(res)}; 数据来源 sources: "
        + "; ".join(sources(res, _LEAGUE_SOURCES)),
        _APPROXIMATE,
    ]
    if key:
        notes.append("图上编号 numbered on the map: " + "; ".join(key))
    decorate(
        fig,
        ax,
        zone,
        scale,
        (
            f"{league} 绿色矿山先决条件核查图",
            f"Green-mine prerequisite check, {league}: {len(mines)} mines ({counts})",
        ),
        notes,
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


def _mine_view(local: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """The extent shown around a mine (the sheet's metres): its bounds padded by 35 % of
    their larger side, at least 300 m."""
    x0, y0, x1, y1 = local.total_bounds
    pad = max(0.35 * max(x1 - x0, y1 - y0), 300.0)
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _mine_context(
    ax: Axes, res: RunResults, view_ll: shapely.Geometry, crs: pyproj.CRS, scale: int
) -> list[Patch]:
    """Land-use parcels, key zones, mining blocks, the red line and county lines meeting
    ``view_ll`` (lon/lat)."""
    handles = _layer(
        ax,
        meeting(res.context.get("landuse"), view_ll),
        crs,
        paper(PRINT_LANDUSE, linewidth=0.3),
        gid="layer:landuse",
    )
    for role in _MINE_CONTEXT:
        handles += _context(ax, meeting(res.context.get(role), view_ll), role, crs, scale)
    admin = meeting(res.context.get("admin"), view_ll)
    handles += _layer(ax, admin, crs, paper(PRINT_COUNTIES, linestyle="--"), gid="layer:admin")
    return handles


def _boundary_style(verdict: str) -> PaperStyle:
    """The licensed boundary: dash-dotted and thick if it fails, else solid in its verdict's colour."""
    if verdict == Verdict.FAIL:
        return PRINT_FAIL_OUTLINE
    colour, zh, en = VERDICT_STYLE.get(verdict, NO_VERDICT_STYLE)
    return PaperStyle(f"矿区范围 licensed boundary ({zh} {en})", colour, "none", 0.0, linewidth=2.2)


def _mine_conflicts(ax: Axes, pieces: gpd.GeoDataFrame | None, crs: pyproj.CRS) -> list[Patch]:
    """The mine's binding (FAIL/REVIEW) overlap pieces, cross-hatched, by layer and class,
    each with its area in m², 公顷 and 亩."""
    if pieces is None:
        return []
    handles = []
    binding = pieces[pieces["effect"].isin(BINDING_EFFECTS)]
    for (layer, cls), part in binding.groupby(["layer", "class"], dropna=False):
        key = cls if isinstance(cls, str) and cls in LAYER_COLOUR else layer
        colour = LAYER_COLOUR.get(str(key), DEFAULT_LAYER_COLOUR)
        what = f"{layer}/{cls}" if isinstance(cls, str) and cls else str(layer)
        style = PaperStyle(
            f"冲突 conflict: {what}\n{area_text(part['area_m2'].sum())}",
            "black",
            colour,
            0.85,
            hatch=PRINT_CONFLICT_HATCH,
            linewidth=0.4,
        )
        handles += _layer(ax, part, crs, style, gid="conflicts", z=_AREA_Z)
    return handles


def _bare_patches(ax: Axes, bare: gpd.GeoDataFrame | None, crs: pyproj.CRS) -> list[Patch]:
    """The mine's bare patches, each labelled with its number."""
    handles = _layer(
        ax, bare, crs, paper(BARE_PATCHES, linewidth=0.5), gid="bare", z=_SPOT_Z, count=True
    )
    if has_rows(bare):
        points = bare.to_crs(crs).representative_point()
        for x, y, no in zip(points.x, points.y, bare["patch_no"], strict=True):
            ax.text(x, y, str(no), fontsize=7, ha="center", va="center", zorder=_LABEL_Z)
    return handles


def _facts(row: pd.Series, mine_id: str, verdict: str) -> str:
    """The mine's figures: id, verdict, and (after a prerequisite check) contact, area and
    red-line overlap (m², 公顷, 亩), distance (m), location, reasons."""
    facts = [f"编号 id: {mine_id}", f"先决条件 verdict: {verdict}"]
    if "mine_area_m2" in row.index:
        facts += [
            f"接触 contact: {row.get('contact', '')}",
            f"面积 area: {area_text(row['mine_area_m2'])}",
            f"压占红线 red line: {area_text(row['redline_overlap_m2'])}",
            f"距红线 distance: {row['redline_distance_m']:,.1f} m",
            f"所在 location: {row.get('league_city', '')} {row.get('banner_county', '')}",
        ]
    reasons = str(row.get("reasons") or "")
    if reasons:
        facts.append("理由 reasons: " + "\n".join(textwrap.wrap(reasons, 40)))
    return printable("\n".join(facts))


def _mine_panel(fig: Figure, ax: Axes, layout: Layout, handles: list[Patch], facts: str) -> None:
    """The legend outside the frame at the layout's place, the mine's ``facts`` below it."""
    assert layout.legend_at is not None  # a mine layout
    legend = ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=layout.legend_at,
        bbox_transform=fig.transFigure,
        frameon=False,
        **_LEGEND_STYLE,
    )
    bottom = fig.transFigure.inverted().transform(legend_box(legend)[:2])[1]
    fig.text(
        layout.legend_at[0] + 0.005, bottom - 0.015, facts, fontsize=7.5, va="top", linespacing=1.5
    )


def mine_print_map(res: RunResults, mine_id: str) -> Figure:
    """A4 map of one mine: boundary, red-line conflicts, bare patches, restoration zones,
    suspected 越界 patches (a mine only in the restoration results has no verdict), in the
    GK zone of the mine."""
    cjk_font()
    mine = _mine_row(res, mine_id)
    zone = gk_projection(mine.to_crs("EPSG:4490").geometry.iloc[0])
    crs = zone.crs
    local = mine.to_crs(crs)
    view = _mine_view(local)
    layout = choose_layout(view, _MINE_LAYOUTS)
    fig, ax = sheet(layout, PAPER_LAND)
    scale = fit(ax, view)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    shown = shapely.box(x0, y0, x1, y1)
    view_ll = gpd.GeoSeries([shown], crs=crs).to_crs("EPSG:4490").iloc[0]
    handles = _mine_context(ax, res, view_ll, crs, scale)
    verdict = str(mine["verdict"].iloc[0]) if "verdict" in mine.columns else ""
    handles += _layer(ax, local, crs, _boundary_style(verdict), gid="mine_boundary", z=8)
    handles += _mine_conflicts(ax, _of_mine(res.conflicts, mine_id), crs)
    handles += _bare_patches(ax, _of_mine(res.bare_patches, mine_id), crs)
    handles += _layer(
        ax,
        meeting(res.zones, view_ll),
        crs,
        paper(PRINT_RESTORATION_ZONES, linewidth=1),
        gid="zones",
        z=_AREA_Z,
    )
    disturbance = paper(PRINT_SUSPECTED_DISTURBANCE, linewidth=0.8)
    handles += _layer(
        ax,
        _of_mine(res.disturbance, mine_id),
        crs,
        disturbance,
        gid="disturbance",
        z=_SPOT_Z,
        count=True,
    )
    km_grid(ax)
    colour, zh, en = VERDICT_STYLE.get(verdict, NO_VERDICT_STYLE)
    row = mine.iloc[0]
    _mine_panel(fig, ax, layout, handles, _facts(row, mine_id, f"{zh} {en}"))
    name = str(row["name"]) if "name" in mine.columns else _names(res, [mine_id])[0]
    notes = [
        f"数据日期 data checked {data_date(res, ('prerequisite', 'restoration'))}; 数据来源 sources: "
        + "; ".join(sources(res, _MINE_SOURCES)),
    ]
    if any(h.get_label() == PRINT_COUNTIES.label for h in handles):
        notes.append(_APPROXIMATE)
    decorate(fig, ax, zone, scale, (f"{name} 矿区核查图", f"Mine check map: {mine_id}"), notes)
    return fig
