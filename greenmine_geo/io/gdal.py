"""GDAL, configured for hostile input before rasterio is first imported; rasterio's helpers.

GDAL reads some options once, when it registers its drivers, so they are set in
the process environment before ``rasterio`` is imported, here and only here (a
test checks that no other module imports rasterio). They are right for every GDAL
user in the process, pyogrio reading vector layers included: no raster VRT or
network drivers, no plugins, no network at all. Options read when a file is
opened are applied around each open by :mod:`.untrusted`.

Other modules take rasterio and its helpers from here.
"""

from __future__ import annotations

import os
import sys

_GDAL_REGISTRATION = {
    "GDAL_SKIP": "VRT,GTI,MRF,WMS,WMTS,WCS,HTTP,DAAS,EEDA,EEDAI,OGCAPI,STACIT,STACTA,PLMOSAIC,NGW",
    "GDAL_DRIVER_PATH": "disable",
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/nonexistent/greenmine-no-network",
    "GDAL_HTTP_TIMEOUT": "1",
}
#: Whether the process environment was hardened before rasterio was first imported.
HARDENED_AT_IMPORT = "rasterio" not in sys.modules
os.environ.update(_GDAL_REGISTRATION)

import rasterio  # noqa: E402
from rasterio.enums import MaskFlags, Resampling  # noqa: E402
from rasterio.errors import RasterioError, WindowError  # noqa: E402
from rasterio.features import geometry_mask, shapes  # noqa: E402
from rasterio.warp import reproject  # noqa: E402
from rasterio.windows import Window, from_bounds  # noqa: E402
from rasterio.windows import transform as window_transform  # noqa: E402

__all__ = [
    "HARDENED_AT_IMPORT",
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
