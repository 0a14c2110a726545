"""XLSX workbooks from applicants, inspected before they are parsed.

An XLSX file is a ZIP of XML parts. Before openpyxl reads a cell (read-only, cached
values, external links ignored), :func:`read_sheet` checks what a hostile workbook
would use:

* the ZIP itself: a valid archive with a workbook part, no encrypted member, and parts
  that unzip to at most ``max_table_bytes`` together (an 800 MB sheet packed into 2 MB
  is refused from the archive's directory, before anything is unzipped; the directory
  cannot lie, since Python's zipfile stops at the declared size and checks the CRC);
* every XML part free of a DOCTYPE (no entity expansion, no external entities: Excel
  and WPS never write one);
* the first sheet's extent (its ``<dimension>``, or the cells met while reading) at most
  ``max_table_cells``, so a stray cell at XFD1048576 is refused in one line instead of
  building a sheet of 17 billion cells.

Old binary ``.xls`` workbooks and password-protected ones (both OLE files) are refused
with the advice to save as ``.xlsx`` or CSV.
"""

from __future__ import annotations

import os
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd

from ..errors import InputError
from .limits import InputLimits

__all__ = ["read_sheet"]

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CHUNK = 1 << 20


def _check_archive(path: Path, limits: InputLimits) -> None:
    """Refuse ``path`` unless it is a plain XLSX archive within the bounds (see the module)."""
    what = f"workbook {path}"
    with path.open("rb") as f:
        head = f.read(8)
    if head == _OLE:
        raise InputError(
            f"{what} is an old .xls or password-protected workbook; save it as .xlsx "
            "(without a password) or CSV"
        )
    if head[:4] != b"PK\x03\x04":
        raise InputError(
            f"{what} is not a ZIP archive, so not an XLSX workbook (web systems often save an "
            "HTML or CSV table under an .xlsx name); open it in Excel or WPS and save it as "
            ".xlsx, or rename it .csv if it is CSV"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            _check_members(archive, what, limits)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile/zlib raise many kinds on a broken archive
        raise InputError(
            f"{what} is not a readable XLSX workbook (a broken ZIP archive: {exc})"
        ) from None


def _check_members(archive: zipfile.ZipFile, what: str, limits: InputLimits) -> None:
    members = archive.infolist()
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise InputError(f"{what} is a ZIP archive without a workbook (xl/workbook.xml)")
    if any(m.flag_bits & 0x1 for m in members):
        raise InputError(f"{what} is encrypted; save it without a password")
    limits.check(
        f"{what} unzipped", "max_table_bytes", sum(m.file_size for m in members), InputError
    )
    for m in members:
        if m.filename.endswith((".xml", ".rels")):
            tail = b""
            with archive.open(m) as part:
                while chunk := part.read(_CHUNK):
                    if _DOCTYPE.search(tail + chunk):
                        raise InputError(
                            f"{what}: part {m.filename} declares a DOCTYPE or entities, which "
                            "no spreadsheet program writes; refused"
                        )
                    tail = chunk[-16:]


def _cell_text(value: object) -> str:
    """A cell as the text a CSV would hold: numbers in full precision, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def read_sheet(path: str | os.PathLike[str], limits: InputLimits | None = None) -> pd.DataFrame:
    """The first sheet of the XLSX workbook ``path`` as strings (blank cells ``""``), its
    first row the header; trailing blank rows and columns dropped.

    Raises
    ------
    InputError
        Not a readable XLSX workbook, or one beyond the bounds (see the module).
    """
    path = Path(path)
    limits = limits or InputLimits.from_env()
    what = f"workbook {path}"
    if not path.is_file():
        raise InputError(f"{what} does not exist or is not a file; check the path")
    _check_archive(path, limits)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises anything on a broken part
        raise InputError(f"{what} cannot be read as XLSX ({type(exc).__name__}: {exc})") from None
    try:
        if not book.worksheets:
            raise InputError(f"{what} has no worksheet")
        sheet = book.worksheets[0]
        rows, cols = sheet.max_row or 0, sheet.max_column or 0
        limits.check(
            f"{what} sheet {sheet.title!r} ({rows:,} rows × {cols:,} columns; delete stray "
            "cells far from the table)",
            "max_table_cells",
            rows * cols,
            InputError,
        )
        sheet.reset_dimensions()  # read every row written, not just those the dimension claims
        width, table = 0, list[list[str]]()
        for row in sheet.iter_rows(values_only=True):
            width = max(width, len(row))
            extent = (len(table) + 1) * width  # the grid the rows span so far
            limits.check(f"{what} sheet {sheet.title!r}", "max_table_cells", extent, InputError)
            table.append([_cell_text(v) for v in row])
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed cells surface while iterating
        raise InputError(f"{what} cannot be read as XLSX ({type(exc).__name__}: {exc})") from None
    finally:
        book.close()
    return _frame(table, what)


def _frame(table: list[list[str]], what: str) -> pd.DataFrame:
    """Rows of cells as a frame, the first row its header, trailing blanks dropped."""
    while table and not any(table[-1]):
        table.pop()
    if not table:
        raise InputError(f"{what} has an empty first sheet")
    width = max(len(r) for r in table)
    grid = [r + [""] * (width - len(r)) for r in table]
    used = max((i + 1 for r in grid for i, v in enumerate(r) if v), default=0)
    header = [h.strip() or f"column {i + 1}" for i, h in enumerate(grid[0][:used])]
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise InputError(f"{what}: column(s) {', '.join(twice)} named twice; name each once")
    return pd.DataFrame([r[:used] for r in grid[1:]], columns=header, dtype="string")
