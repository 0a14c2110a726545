"""Reading licensed boundaries as planners receive them: corner-point coordinate files (拐点坐标).

Three formats (ARCHITECTURE.md "Formats to read"):

* the sectioned TXT exchange format: ``[属性描述]`` (坐标系, 几度分带, 投影类型, 带号 …)
  and ``[地块坐标]``, one header line per parcel ending in ``@`` (point count, area,
  parcel number, name, shape, …), then ``point no., ring no., X, Y`` lines;
* a plain corner list (CSV or XLSX): point, X, Y and optionally ring and parcel
  columns, named in Chinese or English;
* the mining-right coordinate string: ``rings, points, 1,X,Y, …, top elevation,
  bottom elevation, remark, ±1`` per ring, where −1 marks a deducted ring.

X is the northing and Y the (usually zone-prefixed) easting, as Chinese surveying
writes them. This module only reads: it returns rings of numbers and the file's
declarations; :mod:`greenmine_geo.checks.boundary` decides the CRS and builds and
checks the polygons. Files are read bounded and decoded by :mod:`.text` (UTF-8, UTF-16,
GBK, GB18030; mixed encodings refused), workbooks inspected by :mod:`.xlsx`; every number
must be finite.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .text import read_text
from .xlsx import read_sheet

__all__ = ["BoundaryFile", "RawParcel", "RawRing", "looks_like_corner_file", "read_corner_file"]


@dataclass
class RawRing:
    """One ring as written: (point no., X north, Y east) rows, its ring number, and its flag
    (−1: a deducted ring of a mining right), and depth limits (标高, m) where given."""

    number: int
    points: list[tuple[str, float, float]]
    flag: int = 1
    top: float | None = None
    bottom: float | None = None


@dataclass
class RawParcel:
    """One parcel (地块): its rings and what its header declares."""

    number: str
    name: str
    declared_area: float | None
    rings: list[RawRing]
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class BoundaryFile:
    """A corner-point file as read: format, encoding, header declarations and parcels."""

    path: Path
    format: str  # "txt" | "list" | "mining_right"
    encoding: str
    header: dict[str, str]
    parcels: list[RawParcel]


def _number(text: str, what: str, path: Path, line: int) -> float:
    """``text`` as a finite number (a coordinate, area, count or flag), else InputError."""
    try:
        if "_" in text:  # float() takes "1_000"; a survey file never writes it
            raise ValueError(text)
        value = float(text)
    except ValueError:
        raise InputError(f"{path}:{line}: {what} {text[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{path}:{line}: {what} {text[:40]!r} is not a finite number")
    return value


def _count(text: str, what: str, path: Path, line: int) -> int:
    """``text`` as a whole number (a ring or point count, ring number or flag)."""
    value = _number(text, what, path, line)
    if not value.is_integer():
        raise InputError(f"{path}:{line}: {what} {text[:40]!r} is not a whole number")
    return int(value)


def _read_sections(path: Path, text: str, encoding: str) -> BoundaryFile:
    header: dict[str, str] = {}
    parcels: list[RawParcel] = []
    section = ""
    rings: dict[int, RawRing] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section == "属性描述":
            key, _, value = line.partition("=")
            header[key.strip()] = value.strip()
        elif section == "地块坐标":
            if line.endswith("@"):
                cells = [c.strip() for c in line[:-1].split(",")]
                cells += [""] * (9 - len(cells))
                area = cells[1]
                rings = {}
                parcels.append(
                    RawParcel(
                        number=cells[2] or str(len(parcels) + 1),
                        name=cells[3],
                        declared_area=_number(area, "parcel area", path, line_no) if area else None,
                        rings=[],
                        attributes={
                            k: v
                            for k, v in zip(
                                ("point_count", "shape", "map_sheet", "use", "land_class"),
                                (cells[0], cells[4], cells[5], cells[6], cells[7]),
                                strict=True,
                            )
                            if v
                        },
                    )
                )
                continue
            if not parcels:
                raise InputError(
                    f"{path}:{line_no}: coordinates before any parcel header line (ending in @)"
                )
            cells = [c.strip() for c in line.split(",")]
            if len(cells) < 4:
                raise InputError(
                    f"{path}:{line_no}: expected 'point no., ring no., X, Y', got {line!r}"
                )
            ring_no = _count(cells[1], "ring number", path, line_no)
            if ring_no not in rings:
                rings[ring_no] = RawRing(ring_no, [])
                parcels[-1].rings.append(rings[ring_no])
            rings[ring_no].points.append(
                (
                    cells[0],
                    _number(cells[2], "X", path, line_no),
                    _number(cells[3], "Y", path, line_no),
                )
            )
    if not parcels:
        raise InputError(f"{path} has no [地块坐标] parcels (header lines ending in @)")
    return BoundaryFile(path, "txt", encoding, header, parcels)


def _read_mining_right(path: Path, text: str, encoding: str) -> BoundaryFile:
    """``rings, (points, (no, X, Y)×points, top, bottom, remark, ±1)×rings`` (remark may be empty)."""
    tokens = [t.strip() for t in re.split(r"[,，\n\r]", text)]
    while tokens and tokens[-1] == "":
        tokens.pop()
    pos = 0

    def take(what: str) -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise InputError(f"{path}: the coordinate string ends early, while reading the {what}")
        pos += 1
        return tokens[pos - 1]

    n_rings = _count(take("ring count"), "ring count", path, 1)
    rings = []
    for k in range(n_rings):
        n = _count(take("point count"), "point count", path, 1)
        pts = []
        for _ in range(n):
            no = take("point number")
            pts.append((no, _number(take("X"), "X", path, 1), _number(take("Y"), "Y", path, 1)))
        top, bottom = take("top elevation"), take("bottom elevation")
        take("remark")
        flag = _count(take("ring flag (1 or -1)"), "ring flag", path, 1)
        if flag not in (1, -1):
            raise InputError(
                f"{path}: ring {k + 1} ends with flag {flag}; it must be 1 (area) or -1 (deducted)"
            )
        rings.append(
            RawRing(
                k + 1,
                pts,
                flag,
                _number(top, "top elevation", path, 1) if top else None,
                _number(bottom, "bottom elevation", path, 1) if bottom else None,
            )
        )
    if pos != len(tokens):
        raise InputError(
            f"{path}: {len(tokens) - pos} values left after {n_rings} rings; check the ring and point counts"
        )
    return BoundaryFile(
        path, "mining_right", encoding, {}, [RawParcel("1", path.stem, None, rings)]
    )


_COLUMNS = {
    "point": ("点号", "point", "point_no", "pt", "序号"),
    "x": ("x", "x坐标", "北坐标", "纵坐标", "north", "northing"),
    "y": ("y", "y坐标", "东坐标", "横坐标", "east", "easting"),
    "ring": ("圈号", "ring", "环号"),
    "parcel": ("地块", "地块号", "地块编号", "parcel", "part", "块号"),
}


def _read_list(path: Path) -> BoundaryFile:
    if path.suffix.lower() in (".xlsx", ".xls"):
        table, encoding = read_sheet(path), "xlsx"
    else:
        text, encoding = read_text(path, "corner-point file")
        try:
            table = pd.read_csv(StringIO(text), dtype="string", keep_default_na=False)
        except (ValueError, csv.Error) as exc:  # pandas' ParserError, EmptyDataError
            raise InputError(
                f"{path} is not a readable CSV ({' '.join(str(exc).split())})"
            ) from None
    names = {str(c).strip().lower(): c for c in table.columns}
    found = {
        role: next((names[a] for a in aliases if a in names), None)
        for role, aliases in _COLUMNS.items()
    }
    missing = [r for r in ("x", "y") if found[r] is None]
    if missing:
        raise InputError(
            f"{path}: no {' and '.join(m.upper() for m in missing)} column; name them X and Y "
            f"(or 北坐标 and 东坐标); its columns are: {', '.join(map(str, table.columns))}"
        )
    parcels: dict[str, RawParcel] = {}
    for i, row in table.iterrows():
        line = int(i) + 2
        key = str(row[found["parcel"]]).strip() if found["parcel"] else "1"
        ring_no = _count(str(row[found["ring"]]), "ring", path, line) if found["ring"] else 1
        parcel = parcels.setdefault(key, RawParcel(key, "", None, []))
        ring = next((r for r in parcel.rings if r.number == ring_no), None)
        if ring is None:
            ring = RawRing(ring_no, [])
            parcel.rings.append(ring)
        point = str(row[found["point"]]).strip() if found["point"] else str(len(ring.points) + 1)
        ring.points.append(
            (
                point,
                _number(str(row[found["x"]]), "X", path, line),
                _number(str(row[found["y"]]), "Y", path, line),
            )
        )
    return BoundaryFile(path, "list", encoding, {}, list(parcels.values()))


def looks_like_corner_file(path: Path) -> bool:
    """Whether ``path`` is read as a corner-point file (by its suffix: .txt, .csv, .xlsx)."""
    return path.suffix.lower() in (".txt", ".csv", ".xlsx", ".xls")


def read_corner_file(path: str | Path) -> BoundaryFile:
    """Read a corner-point file of any of the three formats.

    Raises
    ------
    InputError
        The file is missing, in an unknown encoding, or malformed (the message names
        the line and what was expected).
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xls", ".csv"):
        return _read_list(path)
    text, encoding = read_text(path, "corner-point file")
    if "[地块坐标]" in text or "[属性描述]" in text:
        return _read_sections(path, text, encoding)
    if re.fullmatch(r"[\d\s,，.+\-]*", text.strip()) and text.strip():
        return _read_mining_right(path, text, encoding)
    raise InputError(
        f"{path} is not a corner-point file: expected [属性描述]/[地块坐标] sections, a corner list "
        "(CSV/XLSX with X and Y columns) or a mining-right coordinate string"
    )
