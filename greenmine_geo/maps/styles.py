"""Colours and labels shared by every map, so a verdict looks the same everywhere."""

from __future__ import annotations

#: Verdict → (fill colour, Chinese label, English label).
VERDICT_STYLE: dict[str, tuple[str, str, str]] = {
    "PASS": ("#2e7d32", "通过", "pass"),
    "REVIEW": ("#f9a825", "需复核", "review"),
    "EXEMPT": ("#1565c0", "豁免", "exempt"),
    "FAIL": ("#c62828", "不通过", "fail"),
}

#: Conflict layer → colour of its overlap pieces.
LAYER_COLOUR: dict[str, str] = {
    "redline": "#b71c1c",
    "landuse": "#6d4c41",
    "farmland": "#ef6c00",
    "nature_reserve": "#00695c",
}
DEFAULT_LAYER_COLOUR = "#455a64"
