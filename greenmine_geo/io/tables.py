"""Plain tables (CSV) supplied by users, e.g. the exemption list."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..errors import InputError

__all__ = ["read_exemptions", "read_text_table"]

_EXEMPTION_COLUMNS = {
    "mine_id": ("mine_id", "id", "矿山编号", "矿权编号", "许可证号"),
    "reason": ("reason", "理由", "豁免理由", "说明"),
    "document": ("document", "document_no", "文号", "文件", "批准文号"),
    "layer": ("layer", "图层"),
}


def read_text_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV as strings, in UTF-8 (with or without BOM) or GB18030 (a superset of GBK)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist; check the path")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InputError(f"{path} is neither UTF-8 nor GBK text; save it as UTF-8 CSV")
    from io import StringIO

    try:
        return pd.read_csv(StringIO(text), dtype="string", keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise InputError(f"{path} is not a readable CSV ({' '.join(str(exc).split())})") from exc


def read_exemptions(path: str | os.PathLike[str], id_field: str | None = None) -> pd.DataFrame:
    """Read an exemption list: one row per exempted mine.

    Columns (English or Chinese headers): ``mine_id`` (or the mines' id field),
    ``reason``, ``document`` (the approving document's number), and optionally
    ``layer`` (the layer the exemption covers; blank for all).
    """
    table = read_text_table(path)
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
