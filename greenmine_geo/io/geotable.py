"""Tables with a geometry column (CSV, XLSX) and GeoParquet files, read without GDAL.

A spreadsheet exported from a database or a web system often carries each feature's
geometry as WKT (``POLYGON ((…))``), EWKT (``SRID=4490;POLYGON …``) or hex WKB in one
column. :func:`geometry_column` finds that column (by its header, else by its values);
tables without one are corner-point lists (:mod:`.corner_points`). The CRS comes from an
EWKT ``SRID`` (one for the whole column) or not at all: a table says nothing else about
its coordinates, so the reader (:func:`greenmine_geo.io.vector.read_layer`) then needs an
explicit ``--assign-crs``.

GeoParquet is read with pyarrow (the pip GDAL has no Parquet driver): the row count and
the uncompressed size are bounded from the file's footer before a row is decoded; the
CRS is the ``geo`` metadata's PROJJSON, or OGC:CRS84 when the key is absent (the
GeoParquet specification's default); ``"crs": null`` means unknown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from ..errors import InputError, LayerError
from .limits import InputLimits
from .tables import read_text_table
from .xlsx import read_sheet

__all__ = [
    "RawTable",
    "geometry_column",
    "is_geometry_table",
    "read_geometry_table",
    "read_geoparquet",
]

#: Headers of a geometry column, compared lower-case.
GEOMETRY_HEADERS = (
    "wkt",
    "wkb",
    "geometry",
    "geom",
    "the_geom",
    "shape",
    "几何",
    "图形",
    "空间范围",
)
_WKT = re.compile(
    r"^\s*(SRID=\d+\s*;)?\s*(MULTI)?(POLYGON|POINT|LINESTRING)|^\s*GEOMETRYCOLLECTION", re.I
)
_HEX_WKB = re.compile(r"^(00|01)[0-9A-Fa-f]{8,}$")
_SRID = re.compile(r"^\s*SRID=(\d+)\s*;", re.I)


@dataclass
class RawTable:
    """A table read with its geometries: features (no CRS yet), the CRS it declares (text,
    or None) and what reading it found."""

    frame: gpd.GeoDataFrame
    crs: Any
    findings: tuple[str, ...] = ()


def _is_geometry_text(value: str) -> bool:
    return bool(_WKT.match(value) or _HEX_WKB.match(value.strip()))


def geometry_column(table: pd.DataFrame) -> str | None:
    """The column holding WKT/EWKT/hex-WKB geometries: a column with a geometry header
    whose first filled cell is one, else the first column whose first filled cell is one."""
    first = {}
    for col in table.columns:
        filled = table[col][table[col].astype(str).str.strip() != ""]
        first[col] = str(filled.iloc[0]) if len(filled) else ""
    named = [c for c in table.columns if str(c).strip().lower() in GEOMETRY_HEADERS]
    for col in [*named, *table.columns]:
        if _is_geometry_text(first[col]):
            return str(col)
    return None


def _read_table(path: Path, label: str, limits: InputLimits) -> pd.DataFrame:
    """A CSV (any of :mod:`.text`'s encodings) or XLSX first sheet, as text cells."""
    if path.suffix.lower() == ".xlsx":
        return read_sheet(path, limits)
    return read_text_table(path, label)


def is_geometry_table(path: Path) -> bool:
    """Whether ``path`` is a CSV/XLSX table with a geometry column (else, when it is a CSV
    or XLSX at all, a corner-point list); unreadable tables are not (their reader says why)."""
    if path.suffix.lower() not in (".csv", ".xlsx") or not path.is_file():
        return False
    try:
        return geometry_column(_read_table(path, str(path), InputLimits.from_env())) is not None
    except InputError:
        return False


def _parse(values: pd.Series, label: str) -> tuple[np.ndarray, int | None]:
    """Geometries of the column's cells (blank → None) and the EWKT SRID they share."""
    text = values.astype(str).str.strip().to_numpy(dtype=object)
    srids = {m.group(1) for v in text if (m := _SRID.match(v))}
    if len(srids) > 1:
        raise LayerError(
            f"{label}: its geometries declare different SRIDs ({', '.join(sorted(srids))}); "
            "give one table per CRS"
        )
    body = np.array([_SRID.sub("", v) for v in text], dtype=object)
    blank = body == ""
    hex_wkb = np.array([bool(_HEX_WKB.match(v)) for v in body])
    geoms = np.full(len(body), None, dtype=object)
    with np.errstate(all="ignore"):
        wkt = ~blank & ~hex_wkb
        geoms[wkt] = shapely.from_wkt(body[wkt], on_invalid="ignore")
        geoms[hex_wkb] = shapely.from_wkb(body[hex_wkb], on_invalid="ignore")
    bad = np.flatnonzero(~blank & (geoms == None))  # noqa: E711 - elementwise
    if len(bad):
        raise LayerError(
            f"{label}: row {int(bad[0]) + 2} ({len(bad)} rows in all) holds a geometry that is "
            f"not valid WKT or WKB ({str(body[bad[0]])[:60]!r}); correct or remove it"
        )
    return geoms, int(srids.pop()) if srids else None


def read_geometry_table(path: Path, *, label: str, limits: InputLimits) -> RawTable:
    """A CSV or XLSX table with a geometry column, its other columns as text.

    Raises
    ------
    LayerError
        The table has no geometry column, too many rows, or a cell that does not parse.
    """
    try:
        table = _read_table(path, label, limits)
    except InputError as exc:
        raise LayerError(str(exc)) from None
    column = geometry_column(table)
    if column is None:
        raise LayerError(
            f"{label} has no column of WKT or WKB geometries (a header such as WKT or geometry); "
            f"its columns are: {', '.join(map(str, table.columns))}"
        )
    limits.check(label, "max_features", len(table))
    geoms, srid = _parse(table[column], label)
    frame = gpd.GeoDataFrame(
        table.drop(columns=[column]), geometry=gpd.GeoSeries(geoms, index=table.index)
    )
    findings = (f"geometries read from column {column!r}",)
    return RawTable(frame, f"EPSG:{srid}" if srid else None, findings)


def _geo_metadata(parquet: pq.ParquetFile, label: str) -> dict[str, Any]:
    raw = (parquet.schema_arrow.metadata or {}).get(b"geo")
    if raw is None:
        raise LayerError(
            f"{label} is Parquet without GeoParquet metadata (no 'geo' key); write it with "
            "geopandas' to_parquet or GDAL's Parquet driver"
        )
    try:
        meta = json.loads(raw)
        meta["columns"][meta["primary_column"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise LayerError(f"{label} has damaged GeoParquet metadata ({exc!r})") from None
    return dict(meta)


def read_geoparquet(path: Path, *, label: str, limits: InputLimits) -> RawTable:
    """A GeoParquet file's features, bounded from its footer before any row is decoded.

    Raises
    ------
    LayerError
        Not GeoParquet, beyond a bound, or not readable.
    """
    try:
        parquet = pq.ParquetFile(path)
        info = parquet.metadata
        limits.check(label, "max_features", info.num_rows)
        unpacked = sum(info.row_group(i).total_byte_size for i in range(info.num_row_groups))
        limits.check(f"{label} (uncompressed)", "max_file_bytes", unpacked)
        meta = _geo_metadata(parquet, label)
        column_meta = meta["columns"][meta["primary_column"]]
        frame = gpd.read_parquet(path)
    except (OSError, ValueError, CRSError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise LayerError(f"{label} cannot be read as GeoParquet ({exc})") from None
    findings: tuple[str, ...] = ()
    if "crs" not in column_meta:
        findings = ("no CRS in the GeoParquet metadata: OGC:CRS84, the specification's default",)
        crs: Any = CRS.from_user_input("OGC:CRS84")
    else:
        crs = frame.crs  # geopandas read the PROJJSON, or None for "crs": null
    return RawTable(gpd.GeoDataFrame(frame), crs, findings)
