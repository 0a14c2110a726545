"""Reading vector layers: one entry point that refuses what cannot be trusted.

:func:`read_layer` accepts ``PATH`` or ``PATH:LAYER`` for any format GDAL reads
(GeoPackage, Shapefile, GeoJSON, FileGDB, GeoParquet ...). It

* refuses a layer without a CRS, and a layer whose coordinates contradict its CRS;
* refuses Xi'an 1980 / Beijing 1954 data (see :func:`greenmine_geo.crs.norm_crs`);
* decodes shapefile attributes correctly when the ``.cpg`` file and the DBF
  language-driver byte are both missing, by sniffing UTF-8 vs GB18030 (a superset
  of GBK), which is how most Chinese shapefiles arrive.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from ..crs import check_coordinates_fit, norm_crs
from ..errors import LayerError
from .manifest import file_sha256

__all__ = ["LayerSource", "detect_dbf_encoding", "read_layer", "split_source"]


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
        When the file does not exist.
    """
    text = os.fspath(spec)
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


def _layer_name(path: Path, layer: str | None) -> str | None:
    try:
        layers = pyogrio.list_layers(path)
    except (DataSourceError, OSError) as exc:
        raise LayerError(f"{path} is not a readable vector dataset ({_one_line(exc)})") from exc
    names = [str(n) for n in layers[:, 0]]
    if layer is not None:
        if layer not in names:
            raise LayerError(f"{path} has no layer {layer!r}; its layers are: {', '.join(names)}")
        return layer
    if len(names) > 1:
        raise LayerError(
            f"{path} has {len(names)} layers ({', '.join(names)}); name one as {path}:LAYER"
        )
    return None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def read_layer(
    spec: str | os.PathLike[str],
    *,
    what: str,
    read_geometry: bool = True,
    sha256: str | None = None,
) -> tuple[gpd.GeoDataFrame, LayerSource]:
    """Read a vector layer and describe its source.

    Parameters
    ----------
    spec : path-like
        ``PATH`` or ``PATH:LAYER``.
    what : str
        The layer's role, used in error messages ("red-line layer").
    read_geometry : bool
        False reads attributes only (the geometry column is then empty), for a
        warm run whose prepared geometry comes from the cache.
    sha256 : str, optional
        The content hash when the caller already has it (saves hashing twice).

    Returns
    -------
    (GeoDataFrame, LayerSource)
        Features in their own CRS, with a default RangeIndex.

    Raises
    ------
    LayerError, CRSError
        With a message that names the file and the fix.
    """
    path, layer = split_source(spec)
    layer = _layer_name(path, layer)
    label = f"{what} {path}" + (f":{layer}" if layer else "")
    encoding = detect_dbf_encoding(path)
    try:
        info = pyogrio.read_info(path, layer=layer, encoding=encoding, force_total_bounds=True)
        with warnings.catch_warnings():
            # pyogrio warns when a layer has no CRS; norm_crs below turns that into an error
            warnings.simplefilter("ignore", UserWarning)
            gdf = pyogrio.read_dataframe(
                path, layer=layer, encoding=encoding, read_geometry=read_geometry
            )
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise LayerError(f"{label} cannot be read ({_one_line(exc)})") from exc
    if info.get("geometry_type") is None:
        raise LayerError(f"{label} has no geometry column; give a spatial layer")
    crs = norm_crs(info.get("crs"), what=label)
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
