"""Raster test data made in code: honest images and hostile files.

The mine of these tests is the 200 m × 200 m square [0, 200]² relative to
(E0, N0) in GK zone 37 (EPSG:4525); its 100 m buffer spans [-100, 300]².
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.transform import from_origin

from conftest import E0, N0, gk_box, layer, write

CRS = "EPSG:4525"


def mines_file(tmp_path: Path) -> str:
    return write(layer([gk_box(0, 0, 200, 200)], mine_id=["M1"]), tmp_path / "mines.gpkg")


def vegetated(h: int, w: int, seed: int = 0) -> np.ndarray:
    """Blue, green, red, NIR digital numbers of a grassland: NIR ≫ red (NDVI ≈ 0.6)."""
    rng = np.random.default_rng(seed)
    base = np.array([300, 500, 400, 1600], dtype=float)[:, None, None]
    return (base * (1 + 0.1 * rng.standard_normal((4, h, w)))).clip(1, 4000).astype("uint16")


def oriented(data: np.ndarray, x0: float, y0: float, how: str) -> tuple[np.ndarray, Affine]:
    """The same ground (``data`` north-up, 1 m pixels, top-left (E0 + x0, N0 + y0)) stored
    another way round: ``how`` is south-up, east-to-west or rotated-90 (columns run north,
    rows east: a = e = 0). Returns (data, transform)."""
    h, w = data.shape[1:]
    left, top = E0 + x0, N0 + y0
    if how == "south-up":
        return data[:, ::-1], Affine(1, 0, left, 0, 1, top - h)
    if how == "east-to-west":
        return data[:, :, ::-1], Affine(-1, 0, left + w, 0, -1, top)
    assert how == "rotated-90", how
    turned = np.ascontiguousarray(data[:, ::-1, :].transpose(0, 2, 1))
    return turned, Affine(0, 1, left, 1, 0, top - h)


def write_image(
    path: Path,
    data: np.ndarray,
    *,
    x0: float = -300.0,
    y0: float = 500.0,
    pixel: float = 1.0,
    crs: str | None = CRS,
    tags: dict[str, str] | None = None,
    overviews: list[int] | None = None,
    compress: str = "deflate",
    colorinterp: list | None = None,
    nodata: float | None = None,
    transform: Affine | None = None,
) -> Path:
    """A tiled GeoTIFF whose top-left corner is (E0 + x0, N0 + y0), or on ``transform``."""
    bands, h, w = data.shape
    profile = {
        "driver": "GTiff",
        "width": w,
        "height": h,
        "count": bands,
        "dtype": data.dtype.name,
        "transform": transform or from_origin(E0 + x0, N0 + y0, pixel, pixel),
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": compress,
    }
    if crs:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data)
        if tags:
            ds.update_tags(**tags)
        if colorinterp:
            ds.colorinterp = colorinterp
        if overviews:
            ds.build_overviews(overviews, rasterio.enums.Resampling.average)
    return path
