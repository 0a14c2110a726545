"""The A4 sheet every print map is drawn on: CJK font, local projection, scale bar, north arrow, footer.

A sheet is drawn in metres of a transverse Mercator projection centred on the map
(GRS80, :func:`local_crs`), so north is up at the centre and the scale bar is true to
well under 0.1 % across a league. Labels use Noto Sans CJK SC; without it the maps are
refused rather than drawn with empty boxes for every character
(``scripts/system_packages.sh`` installs it).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import geopandas as gpd
import matplotlib
import pyproj
import shapely
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, Rectangle

from ..errors import InputError
from ..io.clock import today
from ..run_results import RunResults
from .web import has_rows

__all__ = [
    "A4_LANDSCAPE",
    "CJK_FONT",
    "cjk_font",
    "cjk_font_file",
    "decorate",
    "fit",
    "local_crs",
    "plot",
    "sheet",
    "sources",
]

#: The font every Chinese label is set in.
CJK_FONT = "Noto Sans CJK SC"
#: A4 landscape (width, height) in inches.
A4_LANDSCAPE = (11.69, 8.27)
#: Resolution the sheets are drawn at (dots per inch; the files may be saved at another).
_DPI = 200
#: Above the map's layers: scale bar and north arrow.
_DECORATION_Z = 20


def cjk_font_file(weight: int = 400) -> str | None:
    """The file of :data:`CJK_FONT` in ``weight`` (400 regular, 700 bold), or None if not installed.

    Registers the system's Noto Sans CJK files with matplotlib if it cached its font list
    before they were installed.
    """

    def find() -> str | None:
        for f in font_manager.fontManager.ttflist:
            if f.name == CJK_FONT and f.weight == weight:
                return str(f.fname)
        return None

    if find() is None:
        for path in font_manager.findSystemFonts():
            if "NotoSansCJK" in path:
                font_manager.fontManager.addfont(path)
    return find()


def cjk_font() -> str:
    """Make :data:`CJK_FONT` matplotlib's font (rescanning the system fonts once if needed).

    Raises
    ------
    InputError
        The font is not installed.
    """
    if cjk_font_file() is None:
        raise InputError(
            f"the print maps need the {CJK_FONT} font for Chinese labels; install fonts-noto-cjk "
            "(make setup does it on Debian as root) or the font from github.com/notofonts/noto-cjk"
        )
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [CJK_FONT, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    # labels hold input data (names, ids): "$…$" in one is text, not mathtext to parse
    matplotlib.rcParams["text.parse_math"] = False
    # glyphs embedded as Type 3 outlines: 5 × faster than Type 42 with a 16 MB CJK font
    matplotlib.rcParams["pdf.fonttype"] = 3
    return CJK_FONT


def local_crs(area: shapely.Geometry) -> pyproj.CRS:
    """Transverse Mercator on GRS80 (metres) centred on ``area`` (lon/lat)."""
    c = area.centroid
    return pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0={c.y:.4f} +lon_0={c.x:.4f} +k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m"
    )


def sheet(axes_box: tuple[float, float, float, float], facecolor: str) -> tuple[Figure, Axes]:
    """An A4 landscape figure with one map axes at ``axes_box`` (left, bottom, width,
    height as fractions of the sheet), its background ``facecolor``."""
    fig = Figure(figsize=A4_LANDSCAPE, dpi=_DPI)
    ax = fig.add_axes(axes_box)
    ax.set_facecolor(facecolor)
    return fig, ax


def plot(ax: Axes, gdf: gpd.GeoDataFrame | None, crs: pyproj.CRS, **style: Any) -> None:
    """Draw ``gdf`` (any CRS) in the sheet's ``crs`` with matplotlib ``style``; nothing if empty."""
    if has_rows(gdf):
        gdf.to_crs(crs).plot(ax=ax, **style)


def fit(ax: Axes, bounds: tuple[float, float, float, float]) -> None:
    """Show ``bounds`` (x0, y0, x1, y1 in the sheet's metres) at equal scale in x and y,
    widened to fill the axes' box."""
    x0, y0, x1, y1 = bounds
    fig = ax.get_figure(root=True)
    assert fig is not None  # the axes are on a sheet
    fig_w, fig_h = fig.get_size_inches()
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


def sources(
    res: RunResults, roles: Collection[str], commands: Collection[str] = ("prerequisite",)
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


def _nice_length(span_m: float) -> float:
    """A round scale-bar length near a fifth of the map's width (m)."""
    target = span_m / 5
    base = 10 ** math.floor(math.log10(target))
    return max(m * base for m in (1, 2, 5) if m * base <= target)


def _scale_bar(ax: Axes) -> None:
    """A scale bar of alternating black and white quarters at the lower left (axes in metres)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    for k in range(4):
        ax.add_patch(
            Rectangle(
                (bx + k * length / 4, by),
                length / 4,
                h,
                facecolor="black" if k % 2 == 0 else "white",
                edgecolor="black",
                lw=0.6,
                zorder=_DECORATION_Z,
            )
        )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx, by + 1.8 * h, "0", fontsize=8, ha="center", zorder=_DECORATION_Z)
    ax.text(bx + length, by + 1.8 * h, label, fontsize=8, ha="center", zorder=_DECORATION_Z)
    ax.text(
        bx + length / 2,
        by - 2.2 * h,
        "比例尺 scale",
        fontsize=7,
        ha="center",
        va="top",
        zorder=_DECORATION_Z,
    )


def _north_arrow(ax: Axes) -> None:
    """A north arrow at the upper right (north is up at the centre of the local projection)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
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
            zorder=_DECORATION_Z,
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
        zorder=_DECORATION_Z,
    )


def decorate(
    fig: Figure, ax: Axes, title: str, subtitle: str, sources: list[str], lon0: float
) -> None:
    """Scale bar, north arrow, title and subtitle, and a footer naming ``sources``, the
    projection (central meridian ``lon0``, degrees east) and today's date.

    Call it after the map's extent is set (:func:`fit`): the scale bar measures it.
    """
    _scale_bar(ax)
    _north_arrow(ax)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.suptitle(title, fontsize=16, weight="bold", y=0.97)
    ax.set_title(subtitle, fontsize=10, color="#424242")
    footer = (
        f"数据来源 sources: {'; '.join(sources)}\n"
        f"投影 projection: 横轴墨卡托 transverse Mercator, CGCS2000/GRS80, 中央经线 {lon0:.2f}°E · "
        f"制图 made {today().isoformat()} with greenmine-geo · 仅供监管参考 for supervision, not a legal boundary"
    )
    fig.text(0.01, 0.01, footer, fontsize=6.5, color="#616161", va="bottom", wrap=True)
