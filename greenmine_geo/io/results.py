"""Writing results: CSV for people and spreadsheets, GeoPackage for GIS, JSON, figures; atomically.

Every writer writes under a temporary name and renames (:mod:`.atomic`), so a file
under its final name is always complete.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from matplotlib.figure import Figure
from PIL import Image
from pyogrio.errors import DataLayerError, DataSourceError

from ..crs import CGCS2000
from ..errors import OutputError
from ..geometry import polygon_parts
from .atomic import atomic_output
from .clock import now

#: zlib level of composed PNGs: level 1 is 3-4× faster than 6 for ~20 % larger files.
_PNG_LEVEL = 1

__all__ = [
    "FORMULA_START",
    "json_safe",
    "layer_as_written",
    "read_csv",
    "round_measures",
    "spreadsheet_safe",
    "write_csv",
    "write_figure",
    "write_gpkg",
    "write_json",
    "write_bytes",
    "write_text",
]


def round_measures(frame: pd.DataFrame) -> pd.DataFrame:
    """Round measured columns for reading: m² and m to 4 decimals, % to 6."""
    out = frame.copy()
    for col in out.columns:
        if col.endswith(("_m2", "_m")):
            out[col] = out[col].astype(float).round(4)
        elif col.endswith("_pct"):
            out[col] = out[col].astype(float).round(6)
    return out


#: First characters that make a spreadsheet (Excel, WPS, LibreOffice) read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, neutralised with a leading ``'``.

    The OWASP rule for CSV injection: a text cell from input data starting with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return is prefixed with a single quote, which
    spreadsheets show as text. Numeric columns stay numbers (``-5`` is not text).
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            values = out[col]
            risky = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
            if risky.any():
                out[col] = values.where(~risky, "'" + values.astype(str))
    return out


def read_csv(path: str | os.PathLike[str], **kwargs: Any) -> pd.DataFrame:
    """A CSV this package wrote (UTF-8 with a BOM), with the quotes :func:`spreadsheet_safe`
    added taken off."""
    table = pd.read_csv(path, encoding="utf-8-sig", **kwargs)
    for col in table.columns:
        if table[col].dtype == object or pd.api.types.is_string_dtype(table[col]):
            quoted = table[col].map(
                lambda v: (
                    isinstance(v, str) and v.startswith("'") and v[1:].startswith(FORMULA_START)
                )
            )
            if quoted.any():
                table[col] = table[col].where(~quoted, table[col].str[1:])
    return table


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as UTF-8 CSV with a BOM (so Excel and WPS on Chinese Windows read it as
    UTF-8, not GBK), geometry dropped, formulas neutralised, atomically."""
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    with atomic_output(path) as tmp:
        spreadsheet_safe(round_measures(table)).to_csv(tmp, index=False, encoding="utf-8-sig")
    return Path(path)


def _as_multipolygons(geoms: np.ndarray) -> np.ndarray:
    parts, owner = polygon_parts(np.asarray(geoms, dtype=object))
    out = np.full(len(geoms), None, dtype=object)
    if len(parts):
        rows = np.unique(owner)
        out[rows] = shapely.multipolygons(parts, indices=np.searchsorted(rows, owner))
    return out


def layer_as_written(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A result layer as it is written (GeoPackage, PostGIS): in EPSG:4490 (CGCS2000), every
    geometry a MultiPolygon (None where it has no polygon part), measures rounded."""
    out = round_measures(gdf.to_crs(CGCS2000))
    return out.set_geometry(gpd.GeoSeries(_as_multipolygons(out.geometry.values), crs=CGCS2000))


def write_gpkg(
    layers: dict[str, gpd.GeoDataFrame],
    path: str | os.PathLike[str],
    tables: dict[str, pd.DataFrame] | None = None,
) -> Path:
    """Write polygon layers into one GeoPackage in EPSG:4490 (CGCS2000), atomically.

    Geometries are written as MultiPolygon; empty layers are written too, so
    the file always has the same layers. ``tables`` are attribute-only layers. The
    time recorded in ``gpkg_contents`` is :func:`~greenmine_geo.io.clock.now`.
    """
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{now():%Y-%m-%dT%H:%M:%S.000Z}"})
    try:
        with atomic_output(path) as tmp:
            for name, table in (tables or {}).items():
                pyogrio.write_dataframe(pd.DataFrame(table), tmp, layer=name, driver="GPKG")
            for name, gdf in layers.items():
                layer_as_written(gdf).to_file(
                    tmp, layer=name, driver="GPKG", engine="pyogrio", geometry_type="MultiPolygon"
                )
    except (DataSourceError, DataLayerError) as exc:  # GDAL's words for a failed write
        raise OutputError(
            f"{path} could not be written ({' '.join(str(exc).split())}); check that the disk "
            "has room and the directory is writable: nothing half-written was left"
        ) from exc
    finally:  # only our own files carry the run's time
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})
    return Path(path)


def write_figure(
    fig: Figure | Image.Image, path: str | os.PathLike[str], dpi: float | None = None
) -> Path:
    """Save a matplotlib figure (format from the suffix; ``dpi`` for rasters) or a
    composed picture (PNG), atomically."""
    with atomic_output(path) as tmp:
        if isinstance(fig, Image.Image):
            fig.save(tmp, format="PNG", compress_level=_PNG_LEVEL)
        else:
            fig.savefig(tmp, format=Path(path).suffix.lstrip("."), dpi=dpi or "figure")
    return Path(path)


def write_bytes(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write a file made in memory (a PDF), atomically."""
    with atomic_output(path) as tmp:
        Path(tmp).write_bytes(data)
    return Path(path)


def write_text(text: str, path: str | os.PathLike[str]) -> Path:
    """Write a UTF-8 text file (HTML, JSON), atomically."""
    with atomic_output(path) as tmp:
        Path(tmp).write_text(text, "utf-8")
    return Path(path)


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, ±inf) replaced by None, as JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def write_json(value: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``value`` as indented UTF-8 JSON (NaN as null; dates and paths as text), atomically."""
    return write_text(json.dumps(json_safe(value), ensure_ascii=False, indent=2, default=str), path)
