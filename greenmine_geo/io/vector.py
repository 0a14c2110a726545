"""Reading vector layers: the one hardened opener every vector input goes through.

:func:`read_layer` accepts ``PATH`` or ``PATH:LAYER`` of a local file: any format
:mod:`.sniff` allows, GDAL's (GeoPackage, shapefile, GeoJSON, FlatGeobuf, FileGDB, KML with
its folders as one layer, DXF with closed polylines as polygons: :mod:`.dxf`) and others
read without GDAL (GeoParquet, CSV/XLSX with a geometry column: :mod:`.geotable`), also
inside a ZIP (:mod:`.archive`). Inputs come from applicants and e-mail, so each is treated
as hostile:

* URLs (but a PostGIS table's ``postgresql://`` URL, read by :mod:`.postgis`), GDAL
  virtual paths (``/vsi…``) and connection strings are refused;
* the format is decided from the content (:mod:`.sniff`) against an allow-list, and
  GDAL must open the file with that format's driver; VRT, GDALG, WFS/OGC API, GML and
  the other drivers that follow a file's references are not even registered
  (:mod:`.gdal`), and GDAL has no network;
* nothing is written beside the input (GeoPackages are opened immutable);
* the file's size and feature count are bounded before the features are decoded, the
  vertex count before they are used (:class:`InputLimits`; environment variables
  raise the bounds);
* a layer without a CRS (unless one is assigned explicitly, ``assign_crs``), with coordinates that contradict its CRS or that are not
  finite, or in Xi'an 1980 / Beijing 1954 (:func:`greenmine_geo.crs.norm_crs`), is
  refused;
* shapefile attributes are decoded correctly when the ``.cpg`` file and the DBF
  language-driver byte are both missing, by sniffing UTF-8 vs GB18030 (a superset of
  GBK), which is how most Chinese shapefiles arrive.
"""

from __future__ import annotations

import os
import sqlite3
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from ..crs import check_coordinates_fit, norm_crs
from ..errors import LayerError
from .archive import datasets, unpacked
from .dxf import closed_polylines_as_polygons
from .gdal import HARDENED_AT_IMPORT
from .geotable import read_geometry_table, read_geoparquet
from .limits import InputLimits
from .manifest import file_sha256
from .sniff import FORMATS, VectorFormat, refuse_remote, sniff

__all__ = [
    "LayerSource",
    "detect_dbf_encoding",
    "read_layer",
    "split_source",
]


@dataclass(frozen=True)
class LayerSource:
    """Where a layer came from, for manifests and cache keys."""

    path: str
    layer: str | None
    sha256: str
    crs: str
    encoding: str | None
    features: int
    #: what reading the layer found and did (corner-point files: swaps, repairs, areas)
    findings: tuple[str, ...] = ()
    #: the CRS given by ``--assign-crs`` for a file that declares none (else None)
    assigned_crs: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_source(spec: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """Split ``PATH:LAYER`` into its parts; a plain existing path has no layer.

    Raises
    ------
    LayerError
        When the file does not exist, or the spec is a URL, virtual path or connection string.
    """
    text = os.fspath(spec)
    refuse_remote(text)
    path = Path(text)
    if path.exists():
        return path, None
    head, sep, layer = text.rpartition(":")
    if sep and head and Path(head).exists():
        return Path(head), layer
    raise LayerError(f"{text} does not exist; check the path")


def detect_dbf_encoding(shp: Path) -> str | None:
    """Encoding of a shapefile's attributes when GDAL has nothing to go on, else None.

    GDAL honours a ``.cpg`` file and the DBF language-driver ID (byte 29). When
    both are absent it assumes ISO-8859-1, which garbles Chinese; then the record
    bytes are sniffed: UTF-8 if they decode as UTF-8, else GB18030.
    """
    dbf = shp.with_suffix(".dbf")
    if shp.suffix.lower() != ".shp" or not dbf.exists() or shp.with_suffix(".cpg").exists():
        return None
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) < 32 or head[29] != 0:
            return None
        header_len = int.from_bytes(head[8:10], "little")
        fh.seek(header_len)
        sample = fh.read(1 << 20)
    if sample.isascii():
        return None
    try:
        sample.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:  # a character cut by the sample's end
            return "UTF-8"
    return "GB18030"


def _gpkg_layers(path: Path) -> list[str]:
    """A GeoPackage's feature tables, read with SQLite immutable and read-only."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        with sqlite3.connect(uri, uri=True) as db:
            rows = db.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'"
            ).fetchall()
    except sqlite3.Error as exc:
        raise LayerError(f"{path} is not a readable GeoPackage ({_one_line(exc)})") from exc
    return [str(r[0]) for r in rows]


def _layer_names(path: Path, fmt: VectorFormat) -> list[str]:
    """The names of a dataset's layers (a GeoPackage's read without GDAL, immutable)."""
    if fmt.name == "GeoPackage":
        return _gpkg_layers(path)
    try:
        listed = pyogrio.list_layers(path)
    except (DataSourceError, OSError) as exc:
        raise LayerError(f"{path} is not a readable vector dataset ({_one_line(exc)})") from exc
    return [str(n) for n in listed[:, 0]] if len(listed) else []


def _choose_layer(path: Path, names: list[str], layer: str | None) -> str | None:
    """The layer to read: the one named (which must exist), else the dataset's only one."""
    if layer is not None:
        if layer not in names:
            raise LayerError(f"{path} has no layer {layer!r}; its layers are: {', '.join(names)}")
        return layer
    if len(names) > 1:
        raise LayerError(
            f"{path} has {len(names)} layers ({', '.join(names)}); name one as {path}:LAYER"
        )
    if not names:
        raise LayerError(f"{path} holds no layer of features; give a file with the features in it")
    return names[0]


def _dataset_bytes(path: Path) -> int:
    """Bytes of a dataset's files (a shapefile's parts, a FileGDB folder's tables)."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    parts = [path.with_suffix(s) for s in (".shp", ".shx", ".dbf")] if path.suffix == ".shp" else []
    return sum(p.stat().st_size for p in (path, *parts) if p.exists())


def _check_geometries(gdf: gpd.GeoDataFrame, label: str, limits: InputLimits) -> None:
    """Refuse more vertices than the bound, and coordinates that are not finite numbers."""
    geoms = gdf.geometry.to_numpy()
    limits.check(label, "max_vertices", int(shapely.get_num_coordinates(geoms).sum()))
    coords = shapely.get_coordinates(geoms)
    if coords.size and not np.isfinite(coords).all():
        bad = np.flatnonzero(~np.isfinite(shapely.get_coordinates(geoms)).all(axis=1))
        raise LayerError(
            f"{label} has {len(bad)} coordinates that are not finite numbers (NaN or infinite); "
            "repair the geometries"
        )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _read(
    path: Path,
    layer: str | None,
    fmt: VectorFormat,
    encoding: str | None,
    read_geometry: bool,
    label: str,
    limits: InputLimits,
) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    """The layer's description and features, read with ``fmt``'s driver and open options only.

    The driver GDAL picked is checked against ``fmt``, and the feature count against
    ``limits``, before any feature is decoded (and again after, for drivers that cannot
    count without reading, like DXF's).
    """
    options = fmt.open_options
    try:
        info = pyogrio.read_info(
            path, layer=layer, encoding=encoding, force_total_bounds=True, **options
        )
        if info.get("driver") != fmt.driver:
            why = (
                ""
                if HARDENED_AT_IMPORT
                else " (GDAL was loaded before greenmine_geo, with every driver: import "
                "greenmine_geo before geopandas, pyogrio or rasterio read anything)"
            )
            raise LayerError(
                f"{label} is refused: its content is {fmt.name}, but GDAL would read it as "
                f"{info.get('driver')}{why}; give a plain {fmt.name} file"
            )
        limits.check(label, "max_features", int(info.get("features", 0)))
        with warnings.catch_warnings():
            # pyogrio warns when a layer has no CRS, shapely when coordinates are NaN: the
            # checks of read_layer turn each into one clear error
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            gdf = pyogrio.read_dataframe(
                path, layer=layer, encoding=encoding, read_geometry=read_geometry, **options
            )
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise LayerError(f"{label} cannot be read ({_one_line(exc)})") from exc
    except UnicodeDecodeError as exc:  # a DBF field name cut mid-character at 10 bytes
        raise LayerError(
            f"{label} has a field name or value that is not {exc.encoding} text "
            f"({exc.object[:24]!r}…): a shapefile field name holds 10 bytes, which cuts a "
            "4th Chinese character in UTF-8; rename the field (at most 3 Chinese characters) "
            "or give the layer as a GeoPackage"
        ) from None
    limits.check(label, "max_features", len(gdf))
    return info, gdf


@dataclass
class _Raw:
    """A layer as read, before its CRS is trusted: features, the CRS the data declares
    (None: nothing), its layer name, encoding, bounds (None: from the features) and what
    reading it found."""

    frame: gpd.GeoDataFrame
    crs: Any
    layer: str | None
    encoding: str | None
    bounds: Any = None
    findings: tuple[str, ...] = ()


def _kml_folders(
    path: Path, names: list[str], read_geometry: bool, label: str, limits: InputLimits
) -> _Raw:
    """Every folder of a KML file as one layer, with the folder's name in ``folder``."""
    frames, crs = [], None
    for name in names:
        info, gdf = _read(path, name, FORMATS["KML"], None, read_geometry, label, limits)
        crs = crs or info.get("crs")
        frames.append(gdf.assign(folder=name))
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True))
    limits.check(label, "max_features", len(gdf))
    note = f"{len(names)} KML folders read as one layer (field folder): {', '.join(names)}"
    return _Raw(gdf, crs, None, None, findings=(note,))


@dataclass(frozen=True)
class _How:
    """How a layer is read: its role in messages, whether its geometry is read, its bounds."""

    what: str
    read_geometry: bool
    limits: InputLimits


def _read_gdal(path: Path, fmt: VectorFormat, layer: str | None, how: _How) -> _Raw:
    """A dataset GDAL reads with ``fmt``'s driver (KML folders together, DXF polylines closed)."""
    names = _layer_names(path, fmt)
    if fmt.name == "KML" and layer is None and len(names) > 1:
        return _kml_folders(path, names, how.read_geometry, f"{how.what} {path}", how.limits)
    layer = _choose_layer(path, names, layer)
    label = f"{how.what} {path}" + (f":{layer}" if layer else "")
    encoding = detect_dbf_encoding(path)
    # DXF entities become features only by their geometry, so it is always read
    read_geometry = how.read_geometry or fmt.name == "DXF"
    info, gdf = _read(path, layer, fmt, encoding, read_geometry, label, how.limits)
    if info.get("geometry_type") is None and fmt.name != "DXF":
        raise LayerError(f"{label} has no geometry column; give a spatial layer")
    raw = _Raw(gdf, info.get("crs"), layer, encoding or info.get("encoding"), info["total_bounds"])
    if fmt.name == "DXF":
        raw.frame, raw.findings = closed_polylines_as_polygons(gdf, label)
        raw.bounds = None
    return raw


def _read_archive(path: Path, layer: str | None, how: _How) -> _Raw:
    """The dataset inside a ZIP archive (at any depth), read from a private temporary copy.

    With several datasets inside, ``layer`` picks one by its name (``mines`` for
    ``数据/mines.shp``) or its path inside the archive; with one, ``layer`` is a layer of it.
    """
    what = how.what
    with unpacked(path, f"{what} {path}", how.limits) as root:
        found = datasets(root)
        named = {p.stem: p for p in found} | {p.relative_to(root).as_posix(): p for p in found}
        if not found:
            raise LayerError(
                f"{what} {path} holds no vector dataset (shapefile, FileGDB, KML, GeoPackage …); "
                "zip the dataset's files"
            )
        if len(found) == 1:
            inner, inner_layer = found[0], (None if layer == found[0].stem else layer)
        elif layer in named:
            inner, inner_layer = named[layer], None
        else:
            listed = ", ".join(p.relative_to(root).as_posix() for p in found)
            raise LayerError(
                f"{what} {path} holds {len(found)} datasets ({listed}); name one as {path}:NAME"
            )
        try:
            fmt = sniff(inner)
            if fmt.reader == "archive":
                raise LayerError(f"{what} {path} holds another ZIP archive; unzip it and give that")
            raw = _read_any(inner, fmt, inner_layer, how)
        except LayerError as exc:  # named as ARCHIVE!MEMBER, not by the temporary copy
            raise type(exc)(str(exc).replace(f"{root}{os.sep}", f"{path}!")) from None
    raw.layer = layer
    rel = inner.relative_to(root).as_posix()
    raw.findings = (f"read {rel} from the ZIP archive", *raw.findings)
    return raw


def _read_any(path: Path, fmt: VectorFormat, layer: str | None, how: _How) -> _Raw:
    """The layer ``path`` holds, by the reader its format names (see :mod:`.sniff`)."""
    label = f"{how.what} {path}"
    if fmt.reader == "archive":
        return _read_archive(path, layer, how)
    if fmt.reader == "gdal":
        return _read_gdal(path, fmt, layer, how)
    if layer is not None:
        raise LayerError(f"{label} is a {fmt.name} file of one layer; give it without :{layer}")
    read = read_geoparquet if fmt.reader == "parquet" else read_geometry_table
    table = read(path, label=label, limits=how.limits)
    return _Raw(table.frame, table.crs, None, None, findings=table.findings)


def _layer_crs(declared: Any, assign_crs: str | None, label: str) -> tuple[Any, tuple[str, ...]]:
    """The CRS to read a layer in: its own, else the one assigned explicitly (recorded)."""
    if declared is not None or assign_crs is None:
        return declared, ()
    return assign_crs, (f"CRS {assign_crs} assigned by --assign-crs: the file declares none",)


def read_layer(
    spec: str | os.PathLike[str],
    *,
    what: str,
    read_geometry: bool = True,
    sha256: str | None = None,
    limits: InputLimits | None = None,
    assign_crs: str | None = None,
) -> tuple[gpd.GeoDataFrame, LayerSource]:
    """Read a vector layer through the hardened opener and describe its source.

    Parameters
    ----------
    spec : path-like
        ``PATH`` or ``PATH:LAYER`` of a local file (see the module docstring), or a
        ``postgresql://`` URL of a PostGIS table (:mod:`.postgis`).
    what : str
        The layer's role, used in error messages ("red-line layer").
    read_geometry : bool
        False reads attributes only (the geometry column is then empty), for a
        warm run whose prepared geometry comes from the cache.
    sha256 : str, optional
        The content hash when the caller already has it (saves hashing twice).
    limits : InputLimits, optional
        Bounds on the input (default :meth:`InputLimits.from_env`).
    assign_crs : str, optional
        The CRS (``EPSG:4527``) of a layer whose file declares none (DXF, a WKT table, a
        shapefile without ``.prj``): an explicit choice, recorded in the source's findings
        and ``assigned_crs``. A layer that declares its CRS keeps it.

    Returns
    -------
    (GeoDataFrame, LayerSource)
        Features in their own CRS, with a default RangeIndex.

    Raises
    ------
    LayerError, CRSError
        With a message that names the file and the fix.
    """
    limits = limits or InputLimits.from_env()
    text = os.fspath(spec)
    if "://" in text:  # a URL: only PostGIS is read (psycopg is loaded only then)
        from .postgis import is_postgis_url, read_postgis_layer

        if is_postgis_url(text):
            return read_postgis_layer(text, what=what, read_geometry=read_geometry, limits=limits)
    path, layer = split_source(spec)
    fmt = sniff(path)
    limits.check(f"{what} {path}", "max_file_bytes", _dataset_bytes(path))
    raw = _read_any(path, fmt, layer, _How(what, read_geometry, limits))
    label = f"{what} {path}" + (f":{raw.layer}" if raw.layer else "")
    declared, assigned = _layer_crs(raw.crs, assign_crs, label)
    crs = norm_crs(declared, what=label)
    gdf = raw.frame
    if isinstance(gdf, gpd.GeoDataFrame):
        _check_geometries(gdf, label, limits)
    bounds = raw.bounds
    if bounds is None and len(gdf):
        bounds = shapely.total_bounds(gdf.geometry.to_numpy())
    check_coordinates_fit(crs, bounds, what=label)
    if not read_geometry:
        attrs = pd.DataFrame(gdf).drop(columns=["geometry"], errors="ignore")
        gdf = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries([None] * len(gdf)), crs=crs)
    else:
        gdf = gdf.set_crs(crs, allow_override=True)
    gdf = gdf.reset_index(drop=True)
    source = LayerSource(
        path=str(path),
        layer=raw.layer,
        sha256=sha256 or file_sha256(path),
        crs=crs.to_string(),
        encoding=raw.encoding,
        features=len(gdf),
        findings=(*raw.findings, *assigned),
        assigned_crs=assign_crs if assigned else None,
    )
    return gdf, source
