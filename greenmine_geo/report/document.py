"""A review document as data: title, header block, sections of facts, tables and figures,
and the sign-off block — one model that the HTML page, the PDF and the Word file all show.

The per-mine review report (:mod:`.mine_dossier`) and a league's batch summary
(:mod:`.batch_dossier`) are built as a :class:`Document` from a run's typed results;
:mod:`.render` (HTML, which WeasyPrint prints to PDF) and :mod:`.docx_writer` (Word/WPS)
lay it out. Every cell is text already formatted for people (areas to 2 decimals with
公顷 and 亩, coordinates to the millimetre or 6 decimals of a degree, counts as integers),
so the three formats agree to the character.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..terms import Lang, printable

__all__ = ["Document", "Figure", "Section", "Table", "fmt", "pick", "printable", "word"]


@dataclass
class Table:
    """A table for people: ``head`` and ``rows`` of text; ``numeric`` the columns set right."""

    caption: str
    head: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()
    note: str = ""


@dataclass
class Figure:
    """A picture the run drew (PNG), shown at full text width unless ``half``."""

    caption: str
    path: Path
    half: bool = False


@dataclass
class Section:
    """A numbered section: facts (label, value), tables, figures and notes, in that order.
    ``verdict`` is a (code, words, colour) badge shown under the title (先决条件 conclusion)."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    verdict: tuple[str, str, str] | None = None
    empty: str = ""  # said instead of the section's content when it has none


@dataclass
class Document:
    """A document a bureau files: the title, its header block, the sections, and the blank
    fields (审查意见, 审查人, 日期) the reviewer fills in by hand."""

    title: str
    subtitle: str
    header: list[tuple[str, str]]
    sections: list[Section]
    sign_off: list[str]
    lang: Lang = "zh"
    links: list[tuple[str, str]] = field(default_factory=list)  # page navigation (HTML only)


#: Words of the documents: key → (Chinese, English).
_WORDS: dict[str, tuple[str, str]] = {
    "opinion": ("审查意见", "Review opinion"),
    "reviewer": ("审查人（签字）", "Reviewer (signature)"),
    "date": ("日期", "Date"),
    "none": ("无", "none"),
}


def pick(lang: Lang, zh: str, en: str) -> str:
    """The Chinese or the English of a text, by ``lang``."""
    return zh if lang == "zh" else en


def word(key: str, lang: Lang) -> str:
    """A document word in ``lang`` (:data:`_WORDS`)."""
    zh, en = _WORDS[key]
    return zh if lang == "zh" else en


def fmt(value: object, digits: int = 2, unit: str = "") -> str:
    """A number for a table: thousands separated, ``digits`` decimals, its unit; ``—`` when
    missing; text as it is."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return f"{value:,.{digits}f} {unit}".strip()
    text = str(value)
    return "—" if text in ("", "nan", "None", "<NA>") else text
