"""GDAL, configured for hostile input before rasterio or pyogrio is first imported; rasterio's helpers.

GDAL reads some options once, when it registers its drivers, so they are set in
the process environment here, before ``rasterio`` and ``pyogrio`` (each with a GDAL
of its own) are imported: the package imports this module first (``greenmine_geo``
and ``greenmine_geo.io`` both do), and a test checks that no other module imports
rasterio. The options are right for every GDAL user in the process:

* drivers that read other files or the network on a file's say-so (raster and vector
  VRT, GDALG, WMS/WFS/OGC API, GML with its remote schemas, LIBKML's network links,
  SQLite's virtual tables, GPSBabel's external program …) are never registered;
  of vector formats only those :mod:`.vector` reads are left;
* no plugins, no network at all (curl's allowed file name is impossible), and SQLite
  and GeoPackage databases may not reach outside themselves.

Options read when a raster is opened are applied around each open by :mod:`.untrusted`;
the vector opener (:mod:`.vector`) passes its own open options.

Other modules take rasterio and its helpers from here.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator

#: Drivers never registered: they follow references inside a file to other files, to
#: servers or to programs, or read formats no input of this package takes.
SKIPPED_DRIVERS = (
    *("VRT", "GTI", "MRF", "WMS", "WMTS", "WCS", "HTTP", "DAAS", "EEDA", "EEDAI", "OGCAPI"),
    *("STACIT", "STACTA", "PLMOSAIC", "NGW"),  # raster indirection and network
    *("OGR_VRT", "GDALG", "WFS", "OAPIF", "CSW", "Elasticsearch", "Carto", "AmigoCloud"),
    *("PLSCENES", "ADBC", "GPSBabel", "SQLite", "GML", "GMLAS", "NAS", "LIBKML", "MBTiles"),
    *("PMTiles", "MVT", "PDF", "MapML", "GeoRSS", "ODS", "OSM", "AIVector", "VDV", "VFK"),
    *("LVBAG", "GTFS", "JML", "JSONFG", "ESRIJSON", "TopoJSON", "GeoJSONSeq", "GPX"),
    *("OGR_GMT", "OGR_PDS", "PGDUMP", "MiraMonVector", "PDS4", "PCIDSK", "S57", "SXF"),
    *("Selafin", "DGN", "EDIGEO", "Idrisi", "WAsP", "VICAR", "AVCBin", "AVCE00"),
)
_GDAL_REGISTRATION = {
    "GDAL_SKIP": ",".join(SKIPPED_DRIVERS),
    "GDAL_DRIVER_PATH": "disable",
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/nonexistent/greenmine-no-network",
    "GDAL_HTTP_TIMEOUT": "1",
    # any request that still reaches GDAL's HTTP client goes to a proxy that is not there
    "GDAL_HTTP_PROXY": "127.0.0.1:1",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
}
#: Whether the process environment was hardened before rasterio and pyogrio were imported.
HARDENED_AT_IMPORT = "rasterio" not in sys.modules and "pyogrio" not in sys.modules
os.environ.update(_GDAL_REGISTRATION)


@contextlib.contextmanager
def _quiet_registration() -> Iterator[None]:
    """Silence GDAL's C-level stderr while the libraries register their drivers.

    A GDAL build that lacks a driver named in ``GDAL_SKIP`` warns about it on stderr,
    which the command line keeps for its own one-line messages; the list is the same
    for every build, so the warnings say nothing.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(null)
        os.close(saved)


with _quiet_registration():
    import pyogrio  # noqa: F401, E402 - registered here, after GDAL_SKIP is set
    import rasterio  # noqa: E402
from rasterio.enums import MaskFlags, Resampling  # noqa: E402
from rasterio.errors import NotGeoreferencedWarning, RasterioError, WindowError  # noqa: E402
from rasterio.features import geometry_mask, shapes  # noqa: E402
from rasterio.warp import reproject  # noqa: E402
from rasterio.windows import Window, from_bounds  # noqa: E402
from rasterio.windows import transform as window_transform  # noqa: E402

# rasterio.features.shapes traces through an in-memory mask dataset that has no
# geotransform and hides the warning about it with warnings.catch_warnings, which is not
# thread-safe: with patches traced in two threads it leaks. Georeferencing of inputs is
# checked explicitly (imagery/scan.py, zone_fvc.check_measurable), never by this warning.
warnings.filterwarnings("ignore", category=NotGeoreferencedWarning, module=r"rasterio\.features")

__all__ = [
    "HARDENED_AT_IMPORT",
    "SKIPPED_DRIVERS",
    "MaskFlags",
    "RasterioError",
    "Resampling",
    "Window",
    "WindowError",
    "from_bounds",
    "geometry_mask",
    "rasterio",
    "reproject",
    "shapes",
    "window_transform",
]
