"""The A4 sheet every print map is drawn on: the standard projection, a map frame with a
kilometre grid, a numeric scale, north arrow and title block.

A sheet is drawn in metres of the CGCS2000 3° Gauss-Krüger zone of its area
(:func:`gk_projection`; the zone of the area's centroid when it spans two), with the
zone number written in front of the easting as Chinese surveying writes it (3° zone
38 is EPSG:4526). The map frame carries a kilometre grid in that system: X (northing)
labelled on the left and right, Y (easting, with the zone prefix) on the top and bottom,
both in km. The map is shown at a round scale 1:N (:func:`fit`), printed beside the
scale bar. Labels use Noto Sans CJK SC; without it the maps are refused rather than
drawn with empty boxes for every character (``scripts/system_packages.sh`` installs it).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import matplotlib
import numpy as np
import pyproj
import shapely
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, Rectangle

from ..crs import CGCS2000, gk3_zone, gk_crs, transformer
from ..errors import InputError
from ..io.clock import today
from ..run_results import RunResults
from ..terms import printable
from .styles import GRID_LINE
from .web import has_rows

__all__ = [
    "A4_LANDSCAPE",
    "A4_PORTRAIT",
    "CJK_FONT",
    "GkZone",
    "Layout",
    "choose_layout",
    "cjk_font",
    "cjk_font_file",
    "data_date",
    "decorate",
    "fit",
    "gk_projection",
    "km_grid",
    "plot",
    "sheet",
    "sources",
]

#: The font every Chinese label is set in.
CJK_FONT = "Noto Sans CJK SC"
#: A4 landscape and portrait (width, height) in inches.
A4_LANDSCAPE, A4_PORTRAIT = (11.69, 8.27), (8.27, 11.69)
#: Metres in an inch: paper sizes are in inches, map scales in metres.
M_PER_INCH = 0.0254
#: Mantissas of the round scales a map is shown at (1:10 000, 1:12 500 … 1:75 000, 1:100 000 …).
_SCALE_STEPS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5)
#: Resolution the sheets are drawn at (dots per inch; the files may be saved at another).
_DPI = 200


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


@dataclass(frozen=True)
class GkZone:
    """The CGCS2000 3° GK zone a sheet is drawn in (prefixed eastings, metres).

    ``spans``: every zone the mapped area reaches (more than one: drawn in ``zone``, that
    of its centroid, and the sheet says so).
    """

    zone: int
    spans: tuple[int, ...]

    @property
    def crs(self) -> pyproj.CRS:
        """The zone's CRS, eastings prefixed with the zone number (EPSG:4513 + zone − 25)."""
        return gk_crs(self.zone)

    @property
    def epsg(self) -> int:
        return 4513 + self.zone - 25

    def statement(self) -> str:
        """The coordinate system and projection as the sheet states them."""
        text = (
            f"坐标系 CGCS2000 / 3° 高斯-克吕格投影 第{self.zone}带 (EPSG:{self.epsg}), "
            f"中央经线 {3 * self.zone}°E; 公里网 km grid: X 北坐标, Y 东坐标 (含带号 zone prefix)"
        )
        if len(self.spans) > 1:
            text += (
                f"; 本图跨第{self.spans[0]}–{self.spans[-1]}带, 按形心所在第{self.zone}带绘制 "
                f"(the area spans zones {self.spans[0]}–{self.spans[-1]}; drawn in zone "
                f"{self.zone}, its centroid's)"
            )
        return text


def gk_projection(area: shapely.Geometry) -> GkZone:
    """The 3° GK zone of ``area`` (lon/lat): the zone of its centroid, noting every zone
    its extent reaches."""
    x0, _, x1, _ = area.bounds
    return GkZone(gk3_zone(area.centroid.x), tuple(range(gk3_zone(x0), gk3_zone(x1) + 1)))


@dataclass(frozen=True)
class Layout:
    """Where things go on a sheet: ``size`` (width, height, inches); ``axes``, the map
    frame (left, bottom, width, height as fractions of the sheet); ``legend_at`` and
    ``facts_at``, the upper-left corners (fractions) of a legend and a text panel outside
    the frame, or None where the legend goes inside it."""

    size: tuple[float, float]
    axes: tuple[float, float, float, float]
    legend_at: tuple[float, float] | None = None
    facts_at: tuple[float, float] | None = None

    def frame_m(self) -> tuple[float, float]:
        """The map frame's width and height on paper (m)."""
        return (
            self.axes[2] * self.size[0] * M_PER_INCH,
            self.axes[3] * self.size[1] * M_PER_INCH,
        )


def _scale_needed(bounds: Sequence[float], frame_m: tuple[float, float]) -> float:
    """The scale denominator at which ``bounds`` (m) just fit a frame of ``frame_m`` (m)."""
    x0, y0, x1, y1 = bounds
    return max((x1 - x0) / frame_m[0], (y1 - y0) / frame_m[1])


def choose_layout(bounds: Sequence[float], layouts: Sequence[Layout]) -> Layout:
    """The layout (e.g. landscape or portrait) whose map frame is closest in shape to
    ``bounds`` (x0, y0, x1, y1 in metres): a tall area goes on a portrait sheet."""
    x0, y0, x1, y1 = bounds

    def misfit(layout: Layout) -> float:
        w, h = layout.frame_m()
        return abs(math.log((y1 - y0) / (x1 - x0) / (h / w)))

    return min(layouts, key=misfit)


def sheet(layout: Layout, facecolor: str) -> tuple[Figure, Axes]:
    """A sheet of ``layout`` with its map axes, background ``facecolor`` (an Agg canvas:
    the placement of legend and labels measures rendered text)."""
    fig = Figure(figsize=layout.size, dpi=_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes(layout.axes)
    ax.set_facecolor(facecolor)
    return fig, ax


def plot(ax: Axes, gdf: gpd.GeoDataFrame | None, crs: pyproj.CRS, **style: Any) -> None:
    """Draw ``gdf`` (any CRS) in the sheet's ``crs`` with matplotlib ``style``; nothing if empty."""
    if has_rows(gdf):
        gdf.to_crs(crs).plot(ax=ax, **style)


def nice_scale(denominator: float) -> int:
    """The smallest round scale denominator (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 × 10ᵏ)
    not below ``denominator``."""
    base = 10 ** math.floor(math.log10(denominator))
    for step in (*_SCALE_STEPS, 10.0):
        if step * base >= denominator * (1 - 1e-12):
            return round(step * base)
    raise AssertionError("unreachable: 10 × base exceeds the denominator")


def frame_size_m(ax: Axes) -> tuple[float, float]:
    """The map axes' width and height on paper (m)."""
    fig = ax.get_figure(root=True)
    assert fig is not None  # the axes are on a sheet
    fig_w, fig_h = fig.get_size_inches()
    box = ax.get_position()
    return box.width * fig_w * M_PER_INCH, box.height * fig_h * M_PER_INCH


def fit(ax: Axes, bounds: Sequence[float], min_scale: float = 0.0) -> int:
    """Show ``bounds`` (x0, y0, x1, y1 in the sheet's metres) centred at the largest round
    scale 1:N that holds them, N above ``min_scale``; returns N.

    The axes' limits are the frame's size on paper times N, so one metre on paper is N
    metres of the GK plane in x and in y; autoscaling is switched off (layers drawn
    after do not move the extent).
    """
    w_m, h_m = frame_size_m(ax)
    n = nice_scale(max(_scale_needed(bounds, (w_m, h_m)), min_scale * (1 + 1e-9)))
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax.set_xlim(cx - n * w_m / 2, cx + n * w_m / 2)
    ax.set_ylim(cy - n * h_m / 2, cy + n * h_m / 2)
    ax.set_aspect("equal", adjustable="box")
    ax.set_autoscale_on(False)
    return n


def _nice_length(span: float) -> float:
    """The largest round length (1, 2 or 5 × 10ᵏ) not above ``span`` (any unit)."""
    base = 10 ** math.floor(math.log10(span))
    return max(m * base for m in (1, 2, 5) if m * base <= span * (1 + 1e-12))


def _grid_lines(lo: float, hi: float, step: float) -> np.ndarray:
    """Multiples of ``step`` strictly inside (``lo``, ``hi``)."""
    k = np.arange(math.floor(lo / step) + 1, math.ceil(hi / step))
    return k * step


def km_grid(ax: Axes) -> float:
    """A kilometre grid over the frame, labelled in km of the GK system the axes are in:
    X (northing) on the left and right, Y (easting, zone prefix included) on the top and
    bottom; returns the spacing (m: 1, 2 or 5 × 10ᵏ, at least four lines each way).

    Call it after :func:`fit`: the lines are where the extent puts them.
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    step = _nice_length(min(x1 - x0, y1 - y0) / 4)
    decimals = max(0, -math.floor(math.log10(step / 1000) + 1e-9))
    xs, ys = _grid_lines(x0, x1, step), _grid_lines(y0, y1, step)
    ax.set_xticks(xs, [f"{v / 1000:.{decimals}f}" for v in xs])
    ax.set_yticks(ys, [f"{v / 1000:.{decimals}f}" for v in ys])
    ax.tick_params(top=True, labeltop=True, right=True, labelright=True, direction="in", length=3)
    ax.tick_params(labelsize=6.5, pad=2, colors="#37474f")
    ax.tick_params(axis="y", labelrotation=90)
    for label in ax.get_yticklabels(which="both"):
        label.set_verticalalignment("center")
    ax.grid(True, color=GRID_LINE, linewidth=0.4, alpha=0.9)
    ax.set_axisbelow(False)  # above the context layers, below the mines (zorder ≥ 8)
    ax.set_xlabel("Y 东坐标 (km)", fontsize=6.5, labelpad=1)
    ax.set_ylabel("X 北坐标 (km)", fontsize=6.5, labelpad=1)
    for spine in ax.spines.values():
        spine.set_linewidth(1.2)
    return step


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


def data_date(res: RunResults, commands: Collection[str] = ("prerequisite",)) -> str:
    """The date (UTC, ISO) the last step run by ``commands`` finished, or "—"."""
    dates = [
        str(s.manifest.get("finished_utc", ""))[:10]
        for s in res.steps
        if s.manifest.get("command") in commands and s.manifest.get("finished_utc")
    ]
    return max(dates) if dates else "—"


def _scale_bar(fig: Figure, scale: int, x: float, y: float, max_width: float) -> None:
    """A bar of alternating black and white quarters at (``x``, ``y``) (fractions of the
    sheet), a round length on the ground at most ``max_width`` of the sheet wide at 1:``scale``,
    with the numeric scale beside it."""
    fig_w = float(fig.get_size_inches()[0])
    length = _nice_length(max_width * fig_w * M_PER_INCH * scale)  # metres on the ground
    frac = length / scale / M_PER_INCH / fig_w
    h = 0.008
    for k in range(4):
        fig.add_artist(
            Rectangle(
                (x + k * frac / 4, y),
                frac / 4,
                h,
                transform=fig.transFigure,
                facecolor="black" if k % 2 == 0 else "white",
                edgecolor="black",
                lw=0.6,
            )
        )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    fig.text(x, y + 1.6 * h, "0", fontsize=7, ha="center")
    fig.text(x + frac, y + 1.6 * h, label, fontsize=7, ha="center")
    fig.text(x + frac + 0.012, y, f"比例尺 1:{scale:,}", fontsize=9, weight="bold", va="bottom")


def _north_arrow(fig: Figure, ax: Axes, crs: pyproj.CRS, x: float, y: float) -> None:
    """A north arrow (grid north, up the sheet) from (``x``, ``y``) (inches from the
    sheet's lower left), with the meridian convergence at the map's centre: the angle
    from grid north to true north."""
    inches = fig.dpi_scale_trans
    arrow = FancyArrow(
        x, y, 0, 0.3, width=0.05, head_width=0.16, head_length=0.12, transform=inches
    )
    arrow.set_color("black")
    fig.add_artist(arrow)
    fig.text(
        x, y + 0.4, "N 北", ha="center", va="bottom", fontsize=9, weight="bold", transform=inches
    )
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    lon, lat = transformer(crs, CGCS2000).transform((x0 + x1) / 2, (y0 + y1) / 2)
    gamma = pyproj.Proj(crs).get_factors(lon, lat).meridian_convergence
    label = f"坐标北 grid north\n子午线收敛角 γ {gamma:+.2f}°"
    fig.text(x, y - 0.03, label, fontsize=5.5, ha="center", va="top", transform=inches)


def decorate(
    fig: Figure,
    ax: Axes,
    zone: GkZone,
    scale: int,
    title: tuple[str, str],
    notes: list[str],
) -> None:
    """The title block: ``title`` (title, subtitle) above the frame; below it, left, the
    coordinate system and projection, ``notes`` (data date, sources, caveats) and the
    date made; right, the scale bar with the numeric scale 1:``scale`` and the north arrow.

    Call it after :func:`fit` and :func:`km_grid`.
    """
    fig_w, fig_h = (float(v) for v in fig.get_size_inches())
    heading, subheading = (printable(t) for t in title)  # names from input may hold controls
    fig.text(0.5, 1 - 0.3 / fig_h, heading, fontsize=16, weight="bold", ha="center", va="top")
    fig.text(
        0.5, 1 - 0.62 / fig_h, subheading, fontsize=9.5, color="#424242", ha="center", va="top"
    )
    lines = [
        zone.statement(),
        *notes,
        f"制图 made {today().isoformat()} with greenmine-geo · 仅供监管参考 for supervision, "
        "not a legal boundary",
    ]
    width = int(0.6 * fig_w * 72 / (6 * 0.55))  # characters of 6 pt text in 60 % of the sheet
    text = "\n".join(textwrap.fill(line, width, subsequent_indent="  ") for line in lines)
    fig.text(0.02, 0.12 / fig_h, text, fontsize=6, color="#455a64", va="bottom", linespacing=1.35)
    _scale_bar(fig, scale, 0.64, 0.5 / fig_h, 0.14)
    _north_arrow(fig, ax, zone.crs, fig_w - 0.5, 0.32)
