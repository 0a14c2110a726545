"""The per-mine greening figure: FVC map, greenable area, numbered bare patches, and below
it the scene's vegetation-index histogram with the end-members marked, so that a wrong
choice of bare-ground or vegetation end-member is visible at a glance.

Everything that is the same for every mine on a scene (the histogram panel, the colour
bar) is drawn once with matplotlib (:class:`GreeningFigures`); each
mine's map is then composed onto a copy of that picture as an array (colour lookup,
nearest-neighbour scaling, outlines and labels with Pillow), a few milliseconds instead
of matplotlib's ~170 ms per figure.
"""

from __future__ import annotations

import threading

import numpy as np
import shapely
from affine import Affine
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image, ImageDraw, ImageFont

from ..imagery.zone_fvc import HISTOGRAM_EDGES, Scene, grid_outline
from ..terms import Lang
from .chart_words import FAMILY, chart_lang, say
from .paper import cjk_font_file

__all__ = ["GreeningFigures"]

_FVC_CMAP = LinearSegmentedColormap.from_list("fvc", ["#8d6e63", "#d7ccc8", "#c5e1a5", "#33691e"])
#: FVC 0-1 in 256 steps → RGB; NaN (no valid pixel) is white.
_LUT = np.vstack([(_FVC_CMAP(np.linspace(0, 1, 256))[:, :3] * 255).round(), [255, 255, 255]])
_LUT = _LUT.astype(np.uint8)
_SIZE, _DPI = (6.0, 7.4), 110  # inches, dots per inch: 660 × 814 pixels
_GREENABLE, _PATCH, _INK = (13, 71, 161), (213, 0, 0), (33, 33, 33)
#: Margins (pixels) inside the map panel: tick labels left and below, the title above.
_LEFT, _BOTTOM, _TOP = 62, 40, 26


_FONTS = threading.local()  # FreeType faces are not shared between threads


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Noto Sans CJK SC (ids and names may be Chinese), else matplotlib's DejaVu Sans; one
    per thread."""
    fonts = _FONTS.__dict__.setdefault("fonts", {})
    if (size, bold) not in fonts:
        fonts[size, bold] = _load_font(size, bold)
    return fonts[size, bold]


def _load_font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_file(700 if bold else 400)
    if path is not None:
        for index in range(10):  # the .ttc holds JP, KR, SC, … faces
            try:
                face = ImageFont.truetype(path, size, index=index)
            except OSError:
                break
            if face.getname()[0] == "Noto Sans CJK SC":
                return face
    from matplotlib import font_manager

    return ImageFont.truetype(font_manager.findfont("DejaVu Sans"), size)


class GreeningFigures:
    """Draws each mine's figure on one scene (image CRS coordinates throughout); ``draw``
    may be called from several threads at once.

    ``index`` names the vegetation index of the histogram; the words are in ``lang``
    (:func:`~.chart_words.chart_lang`: Chinese where the CJK font is installed).
    """

    def __init__(self, scene: Scene, index: str, lang: Lang = "zh") -> None:
        self._crs_name = scene.crs.name
        self._geographic = scene.crs.is_geographic
        self._lang = chart_lang(lang)
        self._background, self._panel = _template(scene, index.upper(), self._lang)

    def draw(
        self,
        fvc: np.ndarray,
        transform: Affine,
        greenable: shapely.Geometry,
        patches: np.ndarray,
        title: str,
    ) -> Image.Image:
        """The figure of FVC (0-1, NaN = no data) on the grid ``transform`` around a mine.

        ``greenable`` and ``patches`` (polygons, numbered 1 = largest as in
        ``greening.gpkg``) are in the image's CRS. The picture is 660 × 814 pixels,
        in 256 colours.
        """
        img = self._background.copy()
        draw = ImageDraw.Draw(img)
        x0, y0, x1, y1 = self._panel
        h, w = fvc.shape
        # north up, east right, whatever the grid's orientation: the extent of its corners
        left, bottom, right, top = grid_outline(transform, (h, w)).bounds
        # a degree of longitude is cos(latitude) of a degree of latitude on the ground
        aspect = np.cos(np.radians((top + bottom) / 2)) if self._geographic else 1.0
        box_w, box_h = x1 - x0 - _LEFT, y1 - y0 - _TOP - _BOTTOM
        scale = min(box_w / max((right - left) * aspect, 1e-12), box_h / max(top - bottom, 1e-12))
        sx, sy = scale * aspect, scale  # figure pixels per CRS unit east and north
        size = (max(int(round((right - left) * sx)), 1), max(int(round((top - bottom) * sy)), 1))
        ox = x0 + _LEFT + (box_w - size[0]) // 2
        oy = y0 + _TOP + (box_h - size[1]) // 2
        codes = np.where(np.isfinite(fvc), np.clip(np.nan_to_num(fvc) * 255, 0, 255), 256)
        # each figure pixel takes the grid pixel under its centre (nearest neighbour)
        to_grid = ~transform @ Affine(1 / sx, 0, left, 0, -1 / sy, top)
        picture = Image.fromarray(_LUT[codes.astype(np.intp)]).transform(
            size,
            Image.Transform.AFFINE,
            to_grid[:6],
            resample=Image.Resampling.NEAREST,
            fillcolor=(255, 255, 255),
        )
        img.paste(picture, (ox, oy))
        draw.text((ox + size[0] / 2, oy - 8), title, fill=_INK, font=_font(14), anchor="md")

        def pixels(geom: shapely.Geometry) -> list[list[float]]:
            rings = shapely.get_rings(shapely.get_parts(geom))
            return [
                np.column_stack([ox + (xy[:, 0] - left) * sx, oy + (top - xy[:, 1]) * sy])
                .ravel()
                .tolist()
                for xy in (shapely.get_coordinates(r) for r in rings)
            ]

        for ring in pixels(greenable):
            draw.line(ring, fill=_GREENABLE, width=2)
        for geom in patches:
            for ring in pixels(geom):
                draw.line(ring, fill=_PATCH, width=2)
        for number, geom in enumerate(patches, start=1):
            c = shapely.get_coordinates(shapely.point_on_surface(geom))[0]
            cx, cy = ox + (c[0] - left) * sx, oy + (top - c[1]) * sy
            label, font = str(number), _font(11, bold=True)
            r = max(font.getlength(label) / 2 + 3, 8)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_PATCH)
            draw.text((cx, cy), label, fill="white", font=font, anchor="mm")
        draw.rectangle((ox - 1, oy - 1, ox + size[0], oy + size[1]), outline=_INK)
        self._ticks(draw, (left, right, bottom, top), (ox, oy, size, sx, sy))
        # a 256-colour palette: the PNG encodes in a third of the time, at a third the size
        return img.quantize(256, method=Image.Quantize.FASTOCTREE)

    def _ticks(
        self,
        draw: ImageDraw.ImageDraw,
        extent: tuple[float, float, float, float],
        place: tuple[int, int, tuple[int, int], float, float],
    ) -> None:
        """Coordinate ticks below and left of the map, and the axis titles."""
        left, right, bottom, top = extent
        ox, oy, (w, h), sx, sy = place
        font = _font(10)
        fmt = "{:.4f}" if self._geographic else "{:.0f}"
        for x in MaxNLocator(3).tick_values(left, right):
            if left <= x <= right:
                px = ox + (x - left) * sx
                draw.line((px, oy + h, px, oy + h + 4), fill=_INK)
                draw.text((px, oy + h + 5), fmt.format(x), fill=_INK, font=font, anchor="ma")
        for y in MaxNLocator(4).tick_values(bottom, top):
            if bottom <= y <= top:
                py = oy + (top - y) * sy
                draw.line((ox - 5, py, ox - 1, py), fill=_INK)
                draw.text((ox - 6, py), fmt.format(y), fill=_INK, font=font, anchor="rm")
        # the y title stays one letter: the margin left of the map holds the tick labels
        x_title, y_title = say("横坐标 x", "x", self._lang) + f" ({self._crs_name})", "y"
        draw.text((ox + w / 2, oy + h + 20), x_title, fill=_INK, font=font, anchor="ma")
        draw.text((ox - _LEFT + 2, oy + h / 2), y_title, fill=_INK, font=font, anchor="lm")


def _template(
    scene: Scene, index: str, lang: Lang
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """The picture every mine's figure starts from, and the map panel's pixel box."""
    fig = Figure(figsize=_SIZE, dpi=_DPI)
    FigureCanvasAgg(fig)
    ax, hist = fig.subplots(2, 1, height_ratios=(4, 1))
    ax.set_axis_off()
    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), _FVC_CMAP), ax=ax, shrink=0.7)
    bar.set_label(say("植被覆盖度 FVC", "FVC (vegetation cover)", lang), fontfamily=FAMILY)
    _histogram(hist, scene, index, lang)
    fig.tight_layout()
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())  # type: ignore[attr-defined]
    box = ax.get_window_extent()
    height = rgba.shape[0]
    panel = (int(box.x0), int(height - box.y1), int(box.x1), int(height - box.y0))
    return Image.fromarray(rgba[..., :3].copy()), panel


def _histogram(ax, scene: Scene, index: str, lang: Lang) -> None:  # noqa: ANN001 - matplotlib Axes
    """The scene's VI histogram: clear pixels, the end-member candidates, the end-members."""
    centres = (HISTOGRAM_EDGES[:-1] + HISTOGRAM_EDGES[1:]) / 2
    width = float(HISTOGRAM_EDGES[1] - HISTOGRAM_EDGES[0])
    clear = np.asarray(scene.histogram.get("clear", np.zeros(centres.size)), float)
    candidates = np.asarray(scene.histogram.get("candidates", np.zeros(centres.size)), float)
    ax.bar(centres, clear, width, color="#b0bec5", label=say("无云像元", "clear pixels", lang))
    candidate = say("裸土/植被候选像元", "bare-ground / vegetation candidates", lang)
    ax.bar(centres, candidates, width, color="#78909c", label=candidate)
    em = scene.end_members
    soil, veg = (
        say("裸土端元", "soil end-member", lang),
        say("植被端元", "vegetation end-member", lang),
    )
    for value, colour, name in ((em.soil, "#6d4c41", soil), (em.veg, "#2e7d32", veg)):
        if np.isfinite(value):
            ax.axvline(value, color=colour, linewidth=1.5, label=f"{name} {value:.2f}")
    seen = np.flatnonzero(clear)
    if seen.size:
        ax.set_xlim(centres[seen[0]] - width, centres[seen[-1]] + width)
    ax.set_yticks([])
    ax.tick_params(labelsize=7)
    scene_words = say(f"影像 {index}（{em.source}）", f"scene {index} ({em.source})", lang)
    ax.set_xlabel(scene_words, fontsize=6, wrap=True, parse_math=False, fontfamily=FAMILY)
    ax.legend(prop={"family": FAMILY, "size": 6}, frameon=False, loc="upper left")
