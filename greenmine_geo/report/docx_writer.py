"""A review document as a Word file (DOCX) that opens in Word and WPS on a Chinese desktop.

Built with python-docx from the same :class:`~.document.Document` as the HTML page and
the PDF: A4, the header block and every table as real Word tables (editable, with the
header row repeated on each page), pictures at the text width, and the sign-off block
for the reviewer to fill in. Chinese text is set in 宋体 (SimSun) and headings in 黑体
(SimHei), the fonts every Chinese Windows and WPS has; Latin text in Times New Roman.
Text from input data is made XML-safe (control characters → U+FFFD); a Word file holds
no formulas or fields here, only text.
"""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.document import Document as Docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.run import Run

from .document import Document, Section, Table, printable

__all__ = ["document_docx"]

_BODY_FONT, _HEADING_FONT, _LATIN_FONT = "宋体", "黑体", "Times New Roman"
_VERDICT_COLOUR = {
    "PASS": "2E7D32",
    "WARN": "EF6C00",
    "REVIEW": "EF6C00",
    "FAIL": "C62828",
    "EXEMPT": "1565C0",
}


def _fonts(run: Run, east_asia: str, size: float | None = None, bold: bool = False) -> Run:
    """Set a run's Latin and East Asian fonts (python-docx sets only the Latin one)."""
    run.font.name = _LATIN_FONT
    run.font.bold = bold
    if size:
        run.font.size = Pt(size)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    return run


def _text(paragraph: object, text: str, **style: object) -> Run:
    run = paragraph.add_run(printable(text))  # type: ignore[attr-defined]
    return _fonts(run, str(style.pop("east_asia", _BODY_FONT)), **style)  # type: ignore[arg-type]


def _repeat_header(table: DocxTable) -> None:
    """The table's first row repeats at the top of each page it runs onto."""
    props = table.rows[0]._tr.get_or_add_trPr()
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    props.append(mark)


def _table(
    doc: Docx, head: list[str] | None, rows: list[list[str]], numeric: frozenset[int] = frozenset()
) -> None:
    """A bordered table: a bold header row (repeated on each page) unless ``head`` is None,
    then ``rows``; ``numeric`` columns set right."""
    table = doc.add_table(rows=0, cols=len(head) if head else len(rows[0]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if head:
        for cell, h in zip(table.add_row().cells, head, strict=True):
            _text(cell.paragraphs[0], h, size=9, bold=True)
        _repeat_header(table)
    for row in rows:
        for k, (cell, value) in enumerate(zip(table.add_row().cells, row, strict=True)):
            _text(cell.paragraphs[0], value, size=9, bold=head is None and k == 0)
            if k in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _caption(doc: Docx, text: str) -> None:
    _text(doc.add_paragraph(), text, size=10.5, bold=True, east_asia=_HEADING_FONT)


def _grid(doc: Docx, t: Table) -> None:
    _caption(doc, t.caption)
    _table(doc, t.head, t.rows, t.numeric)
    if t.note:
        _text(doc.add_paragraph(), t.note, size=8)


def _section(doc: Docx, s: Section, width_mm: float) -> None:
    _text(doc.add_heading(level=1), s.title, east_asia=_HEADING_FONT, size=14, bold=True)
    if s.verdict:
        run = _text(doc.add_paragraph(), s.verdict[1], size=12, bold=True)
        run.font.color.rgb = RGBColor.from_string(_VERDICT_COLOUR.get(s.verdict[0], "000000"))
    if not (s.facts or s.tables or s.figures or s.notes or s.verdict):
        _text(doc.add_paragraph(), s.empty)
    if s.facts:
        _table(doc, None, [list(f) for f in s.facts])
    for note in s.notes:
        _text(doc.add_paragraph(style="List Bullet"), note, size=10)
    for t in s.tables:
        _grid(doc, t)
    for f in s.figures:
        doc.add_picture(str(f.path), width=Mm(width_mm / 2 if f.half else width_mm))
        caption = doc.add_paragraph()
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _text(caption, f.caption, size=9)


def _page(doc: Docx, landscape: bool) -> float:
    """A4 in the orientation asked, 20 mm margins; returns the text width in mm."""
    section = doc.sections[0]
    short, long = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    return (297 if landscape else 210) - 40


def document_docx(doc: Document, landscape: bool = False) -> bytes:
    """The Word file of ``doc`` (A4, portrait unless ``landscape``), as bytes."""
    word = new_docx()
    word.core_properties.title = printable(doc.title)
    word.core_properties.language = "zh-CN" if doc.lang == "zh" else "en"
    word.core_properties.author = "greenmine-geo"
    width = _page(word, landscape)
    title = word.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _text(title, doc.title, size=18, bold=True, east_asia=_HEADING_FONT)
    subtitle = word.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _text(subtitle, doc.subtitle, size=10)
    _table(word, None, [list(h) for h in doc.header])
    for s in doc.sections:
        _section(word, s, width)
    if doc.sign_off:
        _text(
            word.add_heading(level=1), doc.sign_off[0], east_asia=_HEADING_FONT, size=14, bold=True
        )
        _table(word, doc.sign_off[:1], [[""] for _ in range(6)])
        _table(word, doc.sign_off[1:], [["" for _ in doc.sign_off[1:]]])
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
