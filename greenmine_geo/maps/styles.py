"""Colours and labels shared by every map, so a layer looks the same on screen and on paper.

Colours are CSS/matplotlib colour strings; opacities are fill opacities from 0 to 1.
The interactive atlas (:mod:`.atlas`, :mod:`.web`) and the print maps
(:mod:`.print_maps`) both draw from here. Where a print map draws a layer
differently from the atlas, the print variant is named here next to it
(``PRINT_*``) rather than written into the map. On paper, the layers a reader must tell
apart (the red line, conflict pieces, a failing mine's outline) differ in hatch or line
style as well as colour, so they read in greyscale too (:class:`PaperStyle`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..types import Verdict


@dataclass(frozen=True)
class LayerStyle:
    """How one kind of layer is drawn.

    ``label``: legend and layer-control text; ``stroke``: outline colour; ``fill``:
    fill colour ("none" for an outline only); ``opacity``: fill opacity (0–1).
    """

    label: str
    stroke: str
    fill: str
    opacity: float


#: Verdict → (fill colour, Chinese label, English label).
VERDICT_STYLE: dict[str, tuple[str, str, str]] = {  # keyed by Verdict
    Verdict.PASS: ("#2e7d32", "通过", "pass"),
    Verdict.REVIEW: ("#f9a825", "需复核", "review"),
    Verdict.EXEMPT: ("#1565c0", "豁免", "exempt"),
    Verdict.FAIL: ("#c62828", "不通过", "fail"),
}

#: Conflict layer → colour of its overlap pieces.
LAYER_COLOUR: dict[str, str] = {
    "redline": "#b71c1c",
    "landuse": "#6d4c41",
    "farmland": "#ef6c00",
    "nature_reserve": "#00695c",
}
DEFAULT_LAYER_COLOUR = "#455a64"

#: Paper: the background around the land (web map, league print map) and the land itself
#: (offline base map, a league's area on paper, the whole of a mine's print map).
PAPER_BACKGROUND, PAPER_LAND = "#f3f0e8", "#fbfaf6"
#: Admin greys: the atlas's county layer and the county names on paper (dark); the county
#: lines on paper and the league outlines of the offline base map (light).
BOUNDARY_DARK, BOUNDARY_LIGHT = "#757575", "#9e9e9e"
#: Outlines that are not data: the mapped league/city, a mine with no verdict.
INK = "#263238"

#: Context layer (by role) → its style in the atlas; the print maps draw the same colours.
CONTEXT_STYLE: dict[str, LayerStyle] = {
    "admin": LayerStyle("旗县区界 county boundaries", BOUNDARY_DARK, "#000000", 0.0),
    "landuse": LayerStyle("土地利用 land use", "#8d6e63", "#bcaaa4", 0.35),
    "mining_blocks": LayerStyle("开采规划区块 mining planning blocks", "#6a1b9a", "#ce93d8", 0.15),
    "exploration_blocks": LayerStyle(
        "勘查规划区块 exploration planning blocks", "#283593", "#9fa8da", 0.12
    ),
    "key_zones": LayerStyle(
        "重点勘查开采区 key exploration and mining zones", "#ef6c00", "#ffcc80", 0.18
    ),
    "redline": LayerStyle(
        "生态保护红线 ecological red line", LAYER_COLOUR["redline"], LAYER_COLOUR["redline"], 0.25
    ),
}

#: The offline base map of the atlas: league polygons on paper.
BASE_MAP = LayerStyle("离线底图 offline base map", BOUNDARY_LIGHT, PAPER_LAND, 1.0)
#: The outline of the league/city a map shows.
LEAGUE_OUTLINE = LayerStyle("本盟市界 this league/city", INK, "none", 0.0)
#: (colour, Chinese, English) of a mine only in the restoration results (no verdict).
NO_VERDICT_STYLE = (INK, "未核查", "not checked")

RESTORATION_ZONES = LayerStyle("修复分区 restoration zones", "#1b5e20", "#a5d6a7", 0.4)
SUSPECTED_DISTURBANCE = LayerStyle(
    "疑似越界开采 suspected 越界 (field check)", "#4a148c", "#e040fb", 0.6
)
BARE_PATCHES = LayerStyle("裸露斑块 bare patches", "#e65100", "#ff8f00", 1.0)

#: On paper: land use is paler than the atlas's layer and labelled as parcels, zones are
#: more opaque, suspected disturbance is opaque and labelled for a count, and county lines
#: are the light grey.
PRINT_LANDUSE = LayerStyle("土地利用 land-use parcels", "#a1887f", "#d7ccc8", 0.5)
PRINT_RESTORATION_ZONES = replace(RESTORATION_ZONES, opacity=0.6)
PRINT_SUSPECTED_DISTURBANCE = replace(
    SUSPECTED_DISTURBANCE, label="疑似越界 suspected 越界, field check", opacity=1.0
)
PRINT_COUNTIES = LayerStyle("旗县区界 county boundary", BOUNDARY_LIGHT, "none", 0.0)


@dataclass(frozen=True)
class PaperStyle:
    """How a layer prints: a :class:`LayerStyle`'s colours with a ``hatch`` (matplotlib
    pattern, "" for none), a ``linestyle`` and a ``linewidth`` (points), so it reads in
    greyscale as well as in colour."""

    label: str
    stroke: str
    fill: str
    opacity: float
    hatch: str = ""
    linestyle: str = "-"
    linewidth: float = 0.6

    def drawn(self) -> dict[str, Any]:
        """matplotlib keywords of the layer as drawn (and of its legend patch: the same)."""
        return {
            "facecolor": self.fill,
            "edgecolor": self.stroke,
            "alpha": self.opacity if self.fill != "none" else None,
            "hatch": self.hatch or None,
            "linestyle": self.linestyle,
            "linewidth": self.linewidth,
        }


def paper(style: LayerStyle, *, min_opacity: float = 0.0, **changes: Any) -> PaperStyle:
    """``style`` on paper: at least ``min_opacity`` opaque (pale fills vanish in print),
    with ``changes`` (hatch, linestyle, linewidth, label …)."""
    base = PaperStyle(style.label, style.stroke, style.fill, max(style.opacity, min_opacity))
    return replace(base, **changes)


#: The grid lines of a print map's kilometre grid.
GRID_LINE = "#78909c"
#: The red line on paper (dissolved for display): a pale fill hatched with thin diagonals,
#: a solid outline.
PRINT_REDLINE = paper(CONTEXT_STYLE["redline"], min_opacity=0.25, hatch="////", linewidth=0.8)
#: A binding overlap piece: its layer's colour, cross-hatched, outlined in black.
PRINT_CONFLICT_HATCH = "xxxx"
#: A failing mine's licensed boundary: thick and dash-dotted in the FAIL colour.
PRINT_FAIL_OUTLINE = PaperStyle(
    "不通过矿区范围 FAIL boundary",
    VERDICT_STYLE[Verdict.FAIL][0],
    "none",
    0.0,
    linestyle="-.",
    linewidth=2.4,
)
