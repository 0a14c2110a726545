"""Writing XLSX workbooks an office opens in Excel or WPS: a sheet per table, safe cells.

:func:`write_workbook` writes one workbook (streaming, so a province's mines fit), each
sheet with its header row frozen and bold, columns sized for CJK text, and every cell
made safe, since values come from applicants' files:

* text is written as text (``quotePrefix``), never as a formula, whatever it starts with;
* characters XML cannot hold (control characters) are replaced by U+FFFD, and text longer
  than a cell holds (32,767 characters) is cut with ``…``;
* NaN and None are empty cells; numbers stay numbers.

The sheets' names and headers are given by the caller (:mod:`greenmine_geo.terms` has the
Chinese ones).
"""

from __future__ import annotations

import io
import math
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .office import write_office_zip

__all__ = ["write_workbook"]

#: Longest text an Excel cell holds.
CELL_CHARS = 32_767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Characters of a sheet name Excel refuses, and its length limit.
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)


def _text(value: str) -> str:
    value = _ILLEGAL.sub("\ufffd", value)
    return value if len(value) <= CELL_CHARS else value[: CELL_CHARS - 1] + "…"


def _cell(sheet: Worksheet, value: Any, *, header: bool = False) -> WriteOnlyCell | None:
    """A write-only cell for ``value``: text as text, numbers as numbers, NaN empty."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, bool | int | float):
        return WriteOnlyCell(sheet, value=value)
    cell = WriteOnlyCell(sheet, value=_text(str(value)))
    cell.data_type = "s"  # never a formula
    cell.quotePrefix = True
    if header:
        cell.font = _BOLD
    return cell


def _width(texts: list[str]) -> float:
    """A column's width in Excel's units: CJK characters count twice; 8 to 60."""
    longest = max(
        (sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in t) for t in texts),
        default=8,
    )
    return float(min(max(longest + 2, 8), 60))


def _sheet_name(name: str, taken: set[str]) -> str:
    """``name`` as Excel allows it (31 characters, none of ``[]:*?/\\``), unique."""
    base = _SHEET_BAD.sub("_", name)[:31] or "sheet"
    out, n = base, 2
    while out.lower() in taken:
        out = f"{base[: 31 - len(str(n)) - 1]}_{n}"
        n += 1
    taken.add(out.lower())
    return out


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write ``sheets`` (sheet name → table; geometry columns dropped) as one XLSX, atomically.

    Raises
    ------
    OSError
        The file cannot be written (nothing is left under its name).
    """
    book = openpyxl.Workbook(write_only=True)
    taken: set[str] = set()
    for name, frame in sheets.items():
        table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        sheet = book.create_sheet(_sheet_name(name, taken))
        sheet.freeze_panes = "A2"
        headers = [str(c) for c in table.columns]
        sample = table.head(200)
        for i, col in enumerate(headers, 1):
            texts = [col, *(str(v) for v in sample.iloc[:, i - 1] if not pd.isna(v))]
            sheet.column_dimensions[get_column_letter(i)].width = _width(texts)
        sheet.append([_cell(sheet, h, header=True) for h in headers])
        for row in table.itertuples(index=False, name=None):
            sheet.append([_cell(sheet, v) for v in row])
    packed = io.BytesIO()
    book.save(packed)
    return write_office_zip(packed.getvalue(), path)
