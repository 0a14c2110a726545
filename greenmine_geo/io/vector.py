"""Reading vector layers: the one hardened opener every vector input goes through.

:func:`read_layer` accepts ``PATH`` or ``PATH:LAYER`` of a local file. Inputs come
from applicants and e-mail, so each is treated as hostile:

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
* a layer without a CRS, with coordinates that contradict its CRS or that are not
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
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from ..crs import check_coordinates_fit, norm_crs
from ..errors import LayerError
from .limits import InputLimits
from .manifest import file_sha256
from .sniff import VectorFormat, refuse_remote, sniff

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


def _layer_name(path: Path, fmt: VectorFormat, layer: str | None) -> str | None:
    if fmt.name == "GeoPackage":
        names = _gpkg_layers(path)
    else:
        try:
            listed = pyogrio.list_layers(path)
            names = [str(n) for n in listed[:, 0]] if len(listed) else []
        except (DataSourceError, OSError) as exc:
            raise LayerError(f"{path} is not a readable vector dataset ({_one_line(exc)})") from exc
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
    ``limits``, before any feature is decoded.
    """
    options = fmt.open_options
    try:
        info = pyogrio.read_info(
            path, layer=layer, encoding=encoding, force_total_bounds=True, **options
        )
        if info.get("driver") != fmt.driver:
            raise LayerError(
                f"{label} is refused: its content is {fmt.name}, but GDAL would read it as "
                f"{info.get('driver')}; give a plain {fmt.name} file"
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
    return info, gdf


def read_layer(
    spec: str | os.PathLike[str],
    *,
    what: str,
    read_geometry: bool = True,
    sha256: str | None = None,
    limits: InputLimits | None = None,
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
    layer = _layer_name(path, fmt, layer)
    label = f"{what} {path}" + (f":{layer}" if layer else "")
    encoding = detect_dbf_encoding(path)
    info, gdf = _read(path, layer, fmt, encoding, read_geometry, label, limits)
    if info.get("geometry_type") is None:
        raise LayerError(f"{label} has no geometry column; give a spatial layer")
    crs = norm_crs(info.get("crs"), what=label)
    if read_geometry:
        _check_geometries(gdf, label, limits)
    check_coordinates_fit(crs, info["total_bounds"], what=label)
    if not read_geometry:
        gdf = gpd.GeoDataFrame(gdf, geometry=gpd.GeoSeries([None] * len(gdf)), crs=crs)
    else:
        gdf = gdf.set_crs(crs, allow_override=True)
    gdf = gdf.reset_index(drop=True)
    source = LayerSource(
        path=str(path),
        layer=layer,
        sha256=sha256 or file_sha256(path),
        crs=crs.to_string(),
        encoding=encoding or info.get("encoding"),
        features=len(gdf),
    )
    return gdf, source
