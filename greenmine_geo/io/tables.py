"""Plain tables (CSV) supplied by users: the exemption list, year-by-year restoration plans."""

from __future__ import annotations

import csv
import os
from io import StringIO

import pandas as pd

from ..errors import InputError
from .text import read_text

__all__ = ["read_exemptions", "read_plan_table", "read_text_table"]

_EXEMPTION_COLUMNS = {
    "mine_id": ("mine_id", "id", "矿山编号", "矿权编号", "许可证号"),
    "reason": ("reason", "理由", "豁免理由", "说明"),
    "document": ("document", "document_no", "文号", "文件", "批准文号"),
    "layer": ("layer", "图层"),
}


def read_text_table(path: str | os.PathLike[str], what: str = "table") -> pd.DataFrame:
    """A CSV as strings (blank cells ``""``), decoded by :func:`.text.read_text` (UTF-8 with
    or without BOM, UTF-16, GBK/GB18030; bounded; mixed encodings refused).

    Raises
    ------
    InputError
        The file is missing, too large, binary, not decodable, or not a CSV.
    """
    text, _ = read_text(path, what)
    try:
        return pd.read_csv(StringIO(text), dtype="string", keep_default_na=False)
    except (ValueError, csv.Error) as exc:  # pandas' ParserError, EmptyDataError
        raise InputError(
            f"{what} {path} is not a readable CSV ({' '.join(str(exc).split())})"
        ) from exc


def read_exemptions(path: str | os.PathLike[str], id_field: str | None = None) -> pd.DataFrame:
    """Read an exemption list: one row per exempted mine.

    Columns (English or Chinese headers): ``mine_id`` (or the mines' id field),
    ``reason``, ``document`` (the approving document's number), and optionally
    ``layer`` (the layer the exemption covers; blank for all).
    """
    table = read_text_table(path, "exemptions file")
    rename: dict[str, str] = {}
    for logical, names in _EXEMPTION_COLUMNS.items():
        names = (*names, id_field) if logical == "mine_id" and id_field else names
        match = next((c for c in table.columns if c.strip() in names), None)
        if match is not None:
            rename[match] = logical
        elif logical != "layer":
            raise InputError(
                f"exemptions file {path} has no {logical} column (one of {', '.join(names)}); "
                f"its columns are: {', '.join(table.columns)}"
            )
    table = table.rename(columns=rename)
    blank = table["document"].str.strip() == ""
    if blank.any():
        raise InputError(
            f"exemptions file {path}: {int(blank.sum())} rows have no document number; an "
            "exemption must cite the document that grants it"
        )
    return table[[c for c in _EXEMPTION_COLUMNS if c in table.columns]]


def read_plan_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A year-by-year restoration plan: columns ``zone_id`` (str), ``year`` (int),
    ``target_fvc`` (float, 0-1), sorted by zone and year.

    Raises
    ------
    InputError
        The file is missing, lacks a column, or holds a value that is not a number.
    """
    table = read_text_table(path, "plan table")
    missing = {"zone_id", "year", "target_fvc"} - set(table.columns)
    if missing:
        raise InputError(
            f"plan table {path} lacks column(s) {', '.join(sorted(missing))}; it needs zone_id, year, target_fvc"
        )
    out = pd.DataFrame({"zone_id": table["zone_id"].str.strip()})
    for col, low, high in (("year", 1900, 2200), ("target_fvc", 0.0, 1.0)):
        values = pd.to_numeric(table[col].str.strip(), errors="coerce").astype(float)
        bad = ~values.between(low, high) | ((values % 1 != 0) if col == "year" else False)
        if bad.any():
            raise InputError(
                f"plan table {path}: {int(bad.sum())} rows have no valid {col} "
                f"(first: {table[col][bad].iloc[0][:40]!r}); give a number from {low} to "
                f"{high} in every row"
            )
        out[col] = values.astype(int) if col == "year" else values
    return out.sort_values(["zone_id", "year"], kind="stable").reset_index(drop=True)
