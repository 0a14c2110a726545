"""Writing GeoTIFFs we produce ourselves (demo imagery, derived rasters), atomically.

rasterio comes from :mod:`greenmine_geo.io.gdal`, which configures GDAL
before rasterio is first imported.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from affine import Affine

from .atomic import atomic_output
from .gdal import rasterio

__all__ = ["write_geotiff"]


def write_geotiff(
    path: str | os.PathLike[str],
    data: np.ndarray,
    *,
    transform: Affine,
    crs: str,
    nodata: float | None = None,
    descriptions: list[str] | None = None,
    tags: dict[str, str] | None = None,
) -> Path:
    """Write a (bands, rows, cols) array as a tiled, DEFLATE-compressed GeoTIFF."""
    bands, height, width = data.shape
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": bands,
        "dtype": data.dtype.name,
        "crs": crs,
        "transform": transform,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 2 if np.issubdtype(data.dtype, np.integer) else 3,
    }
    if nodata is not None:
        profile["nodata"] = nodata
    with atomic_output(path) as tmp, rasterio.open(tmp, "w", **profile) as ds:
        ds.write(data)
        if descriptions:
            ds.descriptions = tuple(descriptions)
        if tags:
            ds.update_tags(**tags)
    return Path(path)
