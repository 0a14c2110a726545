"""Words of the charts (restoration chart, greening figure): Chinese first, English available.

A chart is in Chinese when the run asks for it and the CJK font is installed (else its
glyphs would print as boxes), in English otherwise: :func:`chart_lang`. Text set in
:data:`FAMILY` falls back to DejaVu Sans for Latin letters and digits.
"""

from __future__ import annotations

from ..layers import ZONE_TYPES
from ..terms import Lang, value_word
from .paper import CJK_FONT, cjk_font_file

__all__ = ["FAMILY", "chart_lang", "say", "status_word", "zone_type_word"]

#: The font family of chart text: the CJK font, then DejaVu Sans.
FAMILY = [CJK_FONT, "DejaVu Sans"]


def chart_lang(lang: Lang) -> Lang:
    """``lang``, or ``en`` where the CJK font for Chinese is not installed."""
    return "zh" if lang == "zh" and cjk_font_file() is not None else "en"


def say(zh: str, en: str, lang: Lang) -> str:
    """``zh`` in Chinese, ``en`` in English."""
    return zh if lang == "zh" else en


def zone_type_word(zone_type: object, lang: Lang) -> str:
    """A restoration zone's type for people: ``waste_dump`` → ``排土场`` (Chinese), the
    type itself in English and for a type this package does not know."""
    names = ZONE_TYPES.get(str(zone_type))
    return names[0] if names and lang == "zh" else str(zone_type)


def status_word(status: object, lang: Lang) -> str:
    """A restoration status for people (``lagging`` → ``滞后``), :func:`~greenmine_geo.terms.value_word`."""
    return value_word(str(status), lang)
