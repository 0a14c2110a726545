"""What a vector input really is, from its bytes, never from its name.

A file named ``.gpkg`` may be an OGR VRT (XML that reads any local file and fetches
URLs), a ``.geojson`` a GDALG pipeline or a STAC catalogue; GDAL would open each with
the driver its content calls for. So the content decides, against an allow-list, before
GDAL sees the file: :func:`sniff` returns the one :class:`VectorFormat` to read it as,
or refuses with the reason. The reader then checks that GDAL opened it with that
format's driver.

Signatures: GeoPackage = SQLite header with the GPKG application id; Shapefile = the
``.shp`` file code 9994; FlatGeobuf = ``fgb`` magic; FileGDB = a ``.gdb`` directory of
``.gdbtable`` files; GeoJSON = JSON whose top-level ``type`` is a GeoJSON type; KML =
XML whose root is ``<kml>``; DXF = a ``0``/``SECTION`` group or the binary DXF sentinel;
GeoParquet = ``PAR1`` magic; XLSX = a ZIP holding ``xl/workbook.xml``; any other ZIP =
an archive of datasets (a zipped shapefile or FileGDB, a KMZ); CSV = decodable text named
``.csv``/``.txt``. DWG drawings (``AC10nn``) are refused with the advice to export DXF.

Each format names its reader: ``gdal`` (through pyogrio with the format's driver),
``parquet`` (pyarrow), ``table`` (a CSV or XLSX table with a WKT/WKB column) or
``archive`` (unpacked by :mod:`.archive`, then its dataset sniffed again).
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LayerError

__all__ = ["FORMATS", "VectorFormat", "refuse_remote", "sniff"]


@dataclass(frozen=True)
class VectorFormat:
    """A readable vector format: its name, the one GDAL driver that reads it, open options."""

    name: str
    driver: str
    open_options: dict[str, str] = field(default_factory=dict)
    #: what reads it: gdal, parquet, table or archive (see the module docstring)
    reader: str = "gdal"


FORMATS = {
    f.name: f
    for f in (
        # IMMUTABLE: a GeoPackage in WAL mode is read without creating -wal/-shm beside it
        VectorFormat("GeoPackage", "GPKG", {"IMMUTABLE": "YES"}),
        VectorFormat("Shapefile", "ESRI Shapefile"),
        VectorFormat("GeoJSON", "GeoJSON"),
        VectorFormat("FlatGeobuf", "FlatGeobuf"),
        VectorFormat("FileGDB", "OpenFileGDB"),
        VectorFormat("KML", "KML"),
        VectorFormat("DXF", "DXF"),
        VectorFormat("GeoParquet", "", reader="parquet"),
        VectorFormat("CSV", "", reader="table"),
        VectorFormat("XLSX", "", reader="table"),
        VectorFormat("ZIP", "", reader="archive"),
    )
}
#: What the refusals suggest instead.
_GIVE = "give a GeoPackage, shapefile, GeoJSON, FlatGeobuf, FileGDB, KML, DXF or GeoParquet"

_GEOJSON_TYPES = {
    "FeatureCollection",
    "Feature",
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}
_GPKG_IDS = {b"GPKG", b"GP10", b"GP11"}
#: GDAL's prefixes of connection strings and virtual file systems (``PG:``, ``WFS:``, ``/vsicurl/``).
_PREFIX = re.compile(r"^(?:/vsi|\\\\|[A-Za-z][A-Za-z0-9_]+:)")
#: Longest JSON text parsed whole to find its ``type`` (bigger files are read by GDAL,
#: after their head shows a GeoJSON object).
_JSON_PARSE_BYTES = 1 << 20


def _refuse(path: Path, what: str, fix: str) -> LayerError:
    return LayerError(f"{path} is refused: {what}; {fix}")


def refuse_remote(text: str) -> None:
    """Refuse URLs, GDAL virtual paths (``/vsi…``) and connection strings (``PG:…``).

    Raises
    ------
    LayerError
        Naming the kind of path and asking for a local file.
    """
    if "://" in text or text.startswith(("http:", "https:", "ftp:")):
        shown = re.sub(r"//[^/@]*@", "//", text)  # never repeat a user or password given in it
        raise LayerError(f"{shown} is a URL; inputs are read from local files only, copy it here")
    if _PREFIX.match(text) and not Path(text).exists():
        raise LayerError(
            f"{text} is a GDAL virtual path or connection string; give a local file "
            "(remote and virtual sources are never opened)"
        )


def _xml(path: Path, head: bytes) -> VectorFormat:
    text = head.decode("utf-8", "replace")
    body = re.sub(r"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*", "", text, flags=re.S)
    if re.match(r"<(\w+:)?kml[\s>]", body):
        return FORMATS["KML"]
    kinds = {
        "OGRVRTDataSource": "an OGR VRT (XML that reads other files and URLs)",
        "VRTDataset": "a raster VRT (XML that reads other files and URLs)",
        "WFS_Capabilities": "a WFS service description",
        "FeatureCollection": "GML (its schemas are fetched from servers)",
    }
    root = re.match(r"<([\w:.-]+)", body)
    name = root.group(1).split(":")[-1] if root else ""
    what = kinds.get(name, f"XML ({name or 'unknown root'}) of no supported vector format")
    raise _refuse(path, what, _GIVE)


def _json(path: Path, head: bytes) -> VectorFormat:
    size = path.stat().st_size
    text = path.read_bytes() if size <= _JSON_PARSE_BYTES else head
    try:
        kind = json.loads(text).get("type") if size <= _JSON_PARSE_BYTES else None
    except (ValueError, AttributeError):
        kind = "unreadable"
    if kind is None:  # a large file: its first key must say it is GeoJSON
        match = re.match(rb'\s*\{\s*"type"\s*:\s*"(\w+)"', head.lstrip(b"\xef\xbb\xbf"))
        kind = match.group(1).decode() if match else "unknown"
    if kind in _GEOJSON_TYPES:
        # a CRS given as a link is fetched by GDAL's own HTTP client, whatever else is off
        if re.search(rb'"crs"\s*:\s*\{\s*"type"\s*:\s*"(link|url)"', text, re.I):
            raise _refuse(path, "GeoJSON whose CRS is a link to a server", "give the CRS by name")
        return FORMATS["GeoJSON"]
    what = {
        "gdal_streamed_alg": "a GDALG file (a GDAL pipeline that reads other files)",
        "unreadable": "JSON that does not parse",
    }.get(str(kind), f"JSON of type {kind!r}, not GeoJSON (e.g. a STAC or OGC API description)")
    raise _refuse(path, what, "give a GeoJSON FeatureCollection")


def _zip(path: Path) -> VectorFormat:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse(path, f"a damaged ZIP archive ({exc})", "zip it again") from None
    if "xl/workbook.xml" in names:
        return FORMATS["XLSX"]
    if "word/document.xml" in names or "ppt/presentation.xml" in names:
        raise _refuse(path, "a Word or PowerPoint document", _GIVE)
    return FORMATS["ZIP"]


def _filegdb(path: Path) -> VectorFormat:
    if path.suffix.lower() == ".gdb" and any(path.glob("a*.gdbtable")):
        return FORMATS["FileGDB"]
    raise _refuse(path, "a directory", "give a file, or a FileGDB folder ending in .gdb")


def sniff(path: Path) -> VectorFormat:
    """The allowed format ``path`` holds, from its first bytes (or its folder structure).

    Raises
    ------
    LayerError
        The content is not an allowed vector format; the message names what it is.
    """
    if path.is_dir():
        return _filegdb(path)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"SQLite format 3\x00"):
        if head[68:72] in _GPKG_IDS:
            return FORMATS["GeoPackage"]
        raise _refuse(path, "an SQLite database that is not a GeoPackage", "give a GeoPackage")
    if head[:4] == b"\x00\x00\x27\x0a" and path.suffix.lower() == ".shp":
        return FORMATS["Shapefile"]
    if head[:3] == b"fgb" and head[4:7] == b"fgb":
        return FORMATS["FlatGeobuf"]
    if head[:4] == b"PK\x03\x04":
        return _zip(path)
    if head[:4] == b"PAR1":
        return FORMATS["GeoParquet"]
    if head.startswith(b"AutoCAD Binary DXF"):
        return FORMATS["DXF"]
    if re.match(rb"AC10\d\d", head):
        raise _refuse(
            path,
            "a DWG drawing (AutoCAD's closed binary format)",
            "save it from CAD as DXF (文件 → 另存为 → DXF) and give the DXF with --assign-crs",
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(
            path,
            "an old binary Office file (.xls/.doc) or a password-protected workbook",
            "open it in Excel or WPS and save it as .xlsx (no password) or CSV",
        )
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return _json(path, head)
    if text[:1] == b"<":
        return _xml(path, text)
    if re.match(rb"0\s*\r?\n\s*SECTION\b", text):
        return FORMATS["DXF"]
    if path.suffix.lower() in (".csv", ".txt") and b"\x00" not in head:
        return FORMATS["CSV"]
    raise _refuse(path, "not a supported vector format", _GIVE)
