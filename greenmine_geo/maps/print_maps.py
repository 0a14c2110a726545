"""Print-quality static maps (matplotlib) with Chinese labels: one per league/city, one per mine.

Each map is drawn in a transverse Mercator projection centred on the map (GRS80),
so north is up at the centre and the scale bar is true to well under 0.1 % across
a league; it carries a title, legend, scale bar, north arrow, admin boundaries, and
a footer naming the data sources (file and content hash) and the date. Labels use
Noto Sans CJK SC; without it the maps are refused rather than drawn with empty
boxes for every character (``scripts/system_fonts.sh`` installs it).
"""

from __future__ import annotations

import math
import textwrap
from datetime import date

import geopandas as gpd
import matplotlib
import pyproj
import shapely
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, Patch, Rectangle

from ..errors import InputError
from ..io.run_results import RunResults
from .atlas import CONTEXT_STYLE, leagues
from .styles import DEFAULT_LAYER_COLOUR, LAYER_COLOUR, VERDICT_STYLE
from .web import meeting

__all__ = ["CJK_FONT", "cjk_font", "league_print_map", "mine_print_map"]

#: The font every Chinese label is set in.
CJK_FONT = "Noto Sans CJK SC"
A4_LANDSCAPE = (11.69, 8.27)


def cjk_font() -> str:
    """Make :data:`CJK_FONT` matplotlib's font (rescanning the system fonts once if needed).

    Raises
    ------
    InputError
        The font is not installed.
    """
    names = {f.name for f in font_manager.fontManager.ttflist}
    if CJK_FONT not in names:  # installed after matplotlib cached its font list
        for path in font_manager.findSystemFonts():
            if "NotoSansCJK" in path:
                font_manager.fontManager.addfont(path)
        names = {f.name for f in font_manager.fontManager.ttflist}
    if CJK_FONT not in names:
        raise InputError(
            f"the print maps need the {CJK_FONT} font for Chinese labels; install fonts-noto-cjk "
            "(make setup does it on Debian as root) or the font from github.com/notofonts/noto-cjk"
        )
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [CJK_FONT, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    # glyphs embedded as Type 3 outlines: 5 × faster than Type 42 with a 16 MB CJK font
    matplotlib.rcParams["pdf.fonttype"] = 3
    return CJK_FONT


def _local_crs(area: shapely.Geometry) -> pyproj.CRS:
    """Transverse Mercator on GRS80 centred on ``area`` (lon/lat)."""
    c = area.centroid
    return pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0={c.y:.4f} +lon_0={c.x:.4f} +k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m"
    )


def _nice_length(span_m: float) -> float:
    """A round scale-bar length near a fifth of the map's width (m)."""
    target = span_m / 5
    base = 10 ** math.floor(math.log10(target))
    return max(m * base for m in (1, 2, 5) if m * base <= target)


def _decorate(fig: Figure, ax, title: str, subtitle: str, sources: list[str], lon0: float) -> None:  # noqa: ANN001
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    for k in range(4):  # alternating black and white quarters
        ax.add_patch(
            Rectangle(
                (bx + k * length / 4, by),
                length / 4,
                h,
                facecolor="black" if k % 2 == 0 else "white",
                edgecolor="black",
                lw=0.6,
                zorder=20,
            )
        )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx, by + 1.8 * h, "0", fontsize=8, ha="center", zorder=20)
    ax.text(bx + length, by + 1.8 * h, label, fontsize=8, ha="center", zorder=20)
    ax.text(
        bx + length / 2, by - 2.2 * h, "比例尺 scale", fontsize=7, ha="center", va="top", zorder=20
    )
    nx, ny = x1 - 0.06 * (x1 - x0), y1 - 0.16 * (y1 - y0)
    ax.add_patch(
        FancyArrow(
            nx,
            ny,
            0,
            0.08 * (y1 - y0),
            width=0.012 * (x1 - x0),
            head_width=0.03 * (x1 - x0),
            head_length=0.03 * (y1 - y0),
            color="black",
            zorder=20,
        )
    )
    ax.text(
        nx,
        ny + 0.115 * (y1 - y0),
        "N 北",
        ha="center",
        va="bottom",
        fontsize=10,
        weight="bold",
        zorder=20,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    fig.suptitle(title, fontsize=16, weight="bold", y=0.97)
    ax.set_title(subtitle, fontsize=10, color="#424242")
    footer = (
        f"数据来源 sources: {'; '.join(sources)}\n"
        f"投影 projection: 横轴墨卡托 transverse Mercator, CGCS2000/GRS80, 中央经线 {lon0:.2f}°E · "
        f"制图 made {date.today().isoformat()} with greenmine-geo · 仅供监管参考 for supervision, not a legal boundary"
    )
    fig.text(0.01, 0.01, footer, fontsize=6.5, color="#616161", va="bottom", wrap=True)


def _sources(
    res: RunResults, roles: list[str], commands: tuple[str, ...] = ("prerequisite",)
) -> list[str]:
    """'role: file (hash)' of the inputs with ``roles`` of the steps run by ``commands``."""
    out = []
    for step in res.steps:
        if step.manifest.get("command") not in commands:
            continue
        for entry in step.manifest.get("inputs", []):
            if entry.get("role") in roles and "path" in entry:
                name = str(entry["path"]).rsplit("/", 1)[-1]
                tag = f"{entry['role']}: {name} ({str(entry.get('sha256', ''))[:10]})"
                if tag not in out:
                    out.append(tag)
    return out


def _plot(ax, gdf: gpd.GeoDataFrame | None, crs: pyproj.CRS, **style) -> None:  # noqa: ANN001
    if gdf is not None and len(gdf):
        gdf.to_crs(crs).plot(ax=ax, **style)


def league_print_map(res: RunResults, league: str) -> Figure:
    """A4 landscape map of one league/city: mines by verdict, red line, key zones, blocks, counties."""
    cjk_font()
    if res.mines is None or "admin" not in res.context:
        raise InputError(
            "the league maps need a prerequisite run with an admin layer (--layer admin=...)"
        )
    admin = res.context["admin"].to_crs("EPSG:4490")
    polys = leagues(admin)
    row = polys[polys["league_city"] == league]
    if row.empty:
        raise InputError(f"no league or city named {league!r} in the admin layer")
    area = row.geometry.iloc[0]
    crs = _local_crs(area)
    fig = Figure(figsize=A4_LANDSCAPE, dpi=200)
    ax = fig.add_axes((0.02, 0.08, 0.96, 0.82))
    ax.set_facecolor("#f3f0e8")
    clip = gpd.GeoSeries([area], crs="EPSG:4490")

    _plot(ax, clip, crs, color="#fbfaf6", edgecolor="none")
    # no land use: parcels at league scale are noise on paper; the per-mine maps show them
    for role in ("mining_blocks", "exploration_blocks", "key_zones", "redline"):
        if role in res.context:
            _, stroke, fill, opacity, _ = CONTEXT_STYLE[role]
            _plot(
                ax,
                meeting(res.context[role], area),
                crs,
                facecolor=fill,
                edgecolor=stroke,
                alpha=max(opacity, 0.25),
                linewidth=0.6,
            )
    counties = meeting(admin, area)
    assert counties is not None  # admin was required above
    _plot(ax, counties, crs, facecolor="none", edgecolor="#9e9e9e", linewidth=0.5)
    for c in counties.to_crs(crs).itertuples():
        p = c.geometry.representative_point()
        ax.text(
            p.x,
            p.y,
            c.banner_county,
            fontsize=7,
            color="#757575",
            ha="center",
            va="center",
            zorder=5,
        )
    _plot(ax, clip, crs, facecolor="none", edgecolor="#263238", linewidth=1.6)
    mines = res.mines[res.mines["league_city"] == league]
    handles = []
    for verdict, (colour, zh, en) in VERDICT_STYLE.items():
        part = mines[mines["verdict"] == verdict]
        if part.empty:
            continue
        pts = part.to_crs(crs).geometry.representative_point()
        ax.scatter(pts.x, pts.y, s=36, color=colour, edgecolor="black", linewidth=0.5, zorder=10)
        _plot(ax, part, crs, facecolor=colour, edgecolor="black", linewidth=0.4, zorder=9)
        handles.append(Patch(facecolor=colour, edgecolor="black", label=f"{zh} {en} ({len(part)})"))
        if verdict in ("FAIL", "REVIEW", "EXEMPT"):
            names = _names(res, part["mine_id"])
            for (x, y), name in zip(zip(pts.x, pts.y, strict=True), names, strict=True):
                ax.annotate(
                    name, (x, y), xytext=(5, 4), textcoords="offset points", fontsize=7, zorder=11
                )
    for role in ("redline", "key_zones", "exploration_blocks", "mining_blocks"):
        if role in res.context:
            label, stroke, fill, _, _ = CONTEXT_STYLE[role]
            handles.append(Patch(facecolor=fill, edgecolor=stroke, alpha=0.6, label=label))
    handles.append(Patch(facecolor="none", edgecolor="#9e9e9e", label="旗县区界 county boundary"))
    x0, y0, x1, y1 = clip.to_crs(crs).total_bounds
    pad = 0.04 * max(x1 - x0, y1 - y0)
    _fit(ax, (x0 - pad, y0 - pad, x1 + pad, y1 + pad))
    ax.legend(
        handles=handles,
        loc="lower right",
        fontsize=8,
        framealpha=0.92,
        title="图例 legend",
        title_fontsize=9,
    )
    counts = ", ".join(
        f"{VERDICT_STYLE[v][1]} {n}" for v, n in mines["verdict"].value_counts().items()
    )
    _decorate(
        fig,
        ax,
        f"{league} 绿色矿山先决条件核查图",
        f"Green-mine prerequisite check, {league}: {len(mines)} mines ({counts})",
        _sources(
            res, ["redline", "key_zones", "exploration_blocks", "mining_blocks", "admin", "mines"]
        ),
        area.centroid.x,
    )
    return fig


def _fit(ax, bounds: tuple[float, float, float, float]) -> None:  # noqa: ANN001
    """Show ``bounds`` at equal scale in x and y, widened to fill the axes' box."""
    x0, y0, x1, y1 = bounds
    fig_w, fig_h = ax.figure.get_size_inches()
    box = ax.get_position()
    ratio = (box.height * fig_h) / (box.width * fig_w)  # height / width of the axes on paper
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    if h / w > ratio:
        w = h / ratio
    else:
        h = w * ratio
    ax.set_xlim(cx - w / 2, cx + w / 2)
    ax.set_ylim(cy - h / 2, cy + h / 2)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("")
    ax.set_ylabel("")


def _names(res: RunResults, ids) -> list[str]:  # noqa: ANN001
    info = res.mine_info
    return [
        str(info.loc[i, "name"])
        if info is not None and i in info.index and "name" in info.columns
        else str(i)
        for i in ids
    ]


def _mine_row(res: RunResults, mine_id: str) -> gpd.GeoDataFrame:
    """The mine's row: from the prerequisite results, else from the restoration step's mines."""
    for layer in (res.mines, res.context.get("restoration_mines")):
        if layer is not None and mine_id in set(layer["mine_id"].astype(str)):
            return layer[layer["mine_id"].astype(str) == mine_id]
    raise InputError(f"mine {mine_id!r} is in neither the prerequisite nor the restoration results")


def mine_print_map(res: RunResults, mine_id: str) -> Figure:
    """A4 landscape map of one mine: boundary, red-line conflicts, bare patches, restoration
    zones, suspected 越界 patches (a mine only in the restoration results has no verdict)."""
    cjk_font()
    mine = _mine_row(res, mine_id)
    lonlat = mine.to_crs("EPSG:4490").geometry.iloc[0]
    crs = _local_crs(lonlat)
    local = mine.to_crs(crs)
    x0, y0, x1, y1 = local.total_bounds
    pad = max(0.35 * max(x1 - x0, y1 - y0), 300.0)
    view = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    view_ll = gpd.GeoSeries([view], crs=crs).to_crs("EPSG:4490").iloc[0]
    fig = Figure(figsize=A4_LANDSCAPE, dpi=200)
    ax = fig.add_axes((0.02, 0.08, 0.70, 0.82))
    ax.set_facecolor("#fbfaf6")

    handles = []
    landuse = meeting(res.context.get("landuse"), view_ll)
    if landuse is not None and len(landuse):
        _plot(ax, landuse, crs, facecolor="#d7ccc8", edgecolor="#a1887f", linewidth=0.3, alpha=0.5)
        handles.append(
            Patch(facecolor="#d7ccc8", edgecolor="#a1887f", label="土地利用 land-use parcels")
        )
    for role in ("key_zones", "mining_blocks", "redline"):
        layer = meeting(res.context.get(role), view_ll)
        if layer is not None and len(layer):
            label, stroke, fill, opacity, _ = CONTEXT_STYLE[role]
            _plot(
                ax,
                layer,
                crs,
                facecolor=fill,
                edgecolor=stroke,
                alpha=max(opacity, 0.3),
                linewidth=0.8,
            )
            handles.append(Patch(facecolor=fill, edgecolor=stroke, alpha=0.6, label=label))
    admin = meeting(res.context.get("admin"), view_ll)
    _plot(ax, admin, crs, facecolor="none", edgecolor="#9e9e9e", linewidth=0.6, linestyle="--")
    verdict = str(mine["verdict"].iloc[0]) if "verdict" in mine.columns else ""
    colour, zh, en = VERDICT_STYLE.get(verdict, ("#263238", "未核查", "not checked"))
    local.plot(ax=ax, facecolor="none", edgecolor=colour, linewidth=2.2, zorder=8)
    handles.append(
        Patch(
            facecolor="none",
            edgecolor=colour,
            linewidth=2,
            label=f"矿区范围 licensed boundary ({zh} {en})",
        )
    )
    if res.conflicts is not None:
        mine_pieces = res.conflicts[res.conflicts["mine_id"].astype(str) == mine_id]
        binding = mine_pieces[mine_pieces["effect"].isin(["FAIL", "REVIEW"])]
        for (layer, cls), pieces in binding.groupby(["layer", "class"], dropna=False):
            key = cls if isinstance(cls, str) and cls in LAYER_COLOUR else layer
            colour = LAYER_COLOUR.get(str(key), DEFAULT_LAYER_COLOUR)
            _plot(
                ax,
                pieces,
                crs,
                facecolor=colour,
                edgecolor="black",
                linewidth=0.4,
                alpha=0.85,
                zorder=9,
                hatch="//",
            )
            what = f"{layer}/{cls}" if isinstance(cls, str) and cls else str(layer)
            area = pieces["area_m2"].sum()
            handles.append(
                Patch(facecolor=colour, hatch="//", label=f"冲突 conflict: {what} ({area:,.0f} m²)")
            )
    if res.bare_patches is not None:
        bare = res.bare_patches[res.bare_patches["mine_id"].astype(str) == mine_id]
        if len(bare):
            _plot(ax, bare, crs, facecolor="#ff8f00", edgecolor="#e65100", linewidth=0.5, zorder=10)
            for p in bare.to_crs(crs).itertuples():
                c = p.geometry.representative_point()
                ax.text(c.x, c.y, str(p.patch_no), fontsize=7, ha="center", va="center", zorder=11)
            handles.append(Patch(facecolor="#ff8f00", label=f"裸露斑块 bare patches ({len(bare)})"))
    zones = meeting(res.zones, view_ll)
    if zones is not None and len(zones):
        _plot(
            ax,
            zones,
            crs,
            facecolor="#a5d6a7",
            edgecolor="#1b5e20",
            linewidth=1,
            alpha=0.6,
            zorder=9,
        )
        handles.append(
            Patch(facecolor="#a5d6a7", edgecolor="#1b5e20", label="修复分区 restoration zones")
        )
    if res.disturbance is not None:
        dist = res.disturbance[res.disturbance["mine_id"].astype(str) == mine_id]
        if len(dist):
            _plot(ax, dist, crs, facecolor="#e040fb", edgecolor="#4a148c", linewidth=0.8, zorder=10)
            handles.append(
                Patch(
                    facecolor="#e040fb",
                    edgecolor="#4a148c",
                    label=f"疑似越界 suspected 越界, field check ({len(dist)})",
                )
            )
    _fit(ax, view.bounds)
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
    facts = [f"编号 id: {mine_id}", f"先决条件 verdict: {zh} {en}"]
    if "mine_area_m2" in mine.columns:
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
    name = str(row["name"]) if "name" in mine.columns else _names(res, [mine_id])[0]
    _decorate(
        fig,
        ax,
        f"{name} 矿区核查图",
        f"Mine check map: {mine_id}",
        _sources(
            res,
            [
                "mines",
                "redline",
                "landuse",
                "key_zones",
                "mining_blocks",
                "admin",
                "image",
                "zones",
            ],
        ),
        lonlat.centroid.x,
    )
    return fig
