"""The demo's greening images: 2 m, 4-band uint8 GeoTIFFs around three mines, in 3° GK.

One image per kind of :data:`GREENING_KINDS` (``greening_<kind>.tif``), around
the mines of :data:`greenmine_geo.demo.mines.GREENING_MINES`, each in the
prefixed 3° GK zone of its mine (EPSG:4513-4533). Also the smooth random field
both these and the restoration images (:mod:`.restoration`) are textured with.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from affine import Affine
from scipy import ndimage

from ..crs import CGCS2000, gk_crs
from ..io.gdal import geometry_mask
from ..io.geotiff import write_geotiff
from .mines import GREENING_MINES, Mine

__all__ = ["BANDS", "GREENING_KINDS", "HAZE_DN", "greening_images", "smooth_field"]

#: The greening images, in the order of GREENING_MINES: greened well, greened with bare
#: patches, mostly bare.
GREENING_KINDS = ("vegetated", "patchy", "bare")
#: The bands of every demo image, in order.
BANDS = ["blue", "green", "red", "nir"]
#: Haze added to the digital numbers of an uncalibrated uint8 image, per band of BANDS.
HAZE_DN = np.array([14, 10, 7, 4.0])[:, None, None]


def smooth_field(rng: np.random.Generator, shape: tuple[int, int], scale: int) -> np.ndarray:
    """A smooth random field in [0, 1] (block noise, box-filtered), for natural-looking texture."""
    coarse = rng.random((shape[0] // scale + 2, shape[1] // scale + 2))
    fine = np.kron(coarse, np.ones((scale, scale)))[: shape[0], : shape[1]]
    fine = ndimage.uniform_filter(fine, size=scale)
    return (fine - fine.min()) / max(fine.max() - fine.min(), 1e-9)


def greening_images(rng: np.random.Generator, mines: list[Mine], folder: Path) -> list[Path]:
    """Write ``greening_<kind>.tif`` into ``folder`` for each of the GREENING_MINES."""
    folder.mkdir(exist_ok=True)
    by_name = {m.name: m for m in mines}
    return [
        _greening_image(rng, by_name[name], kind, folder / f"greening_{kind}.tif")
        for name, kind in zip(GREENING_MINES, GREENING_KINDS, strict=True)
    ]


def _greening_image(rng: np.random.Generator, mine: Mine, kind: str, path: Path) -> Path:
    """A 2 m, 4-band uint8 image (blue, green, red, NIR digital numbers with haze) around a mine.

    The ground is steppe of moderate natural cover; inside the mine the cover is high
    (vegetated), high with bare patches of about 250-10 000 m² (patchy) or low (bare).
    """
    zone = int(round(mine.geometry.centroid.x / 3))
    crs = gk_crs(zone)
    geom = gpd.GeoSeries([mine.geometry], crs=CGCS2000).to_crs(crs).iloc[0]
    x0, y0, x1, y1 = geom.bounds
    pad, px = 560.0, 2.0  # just past the 500 m reference ring
    x0, y0 = np.floor((x0 - pad) / px) * px, np.floor((y0 - pad) / px) * px
    w, h = int(np.ceil((x1 + pad - x0) / px)), int(np.ceil((y1 + pad - y0) / px))
    transform = Affine(px, 0, x0, 0, -px, y0 + h * px)
    inside = geometry_mask([geom], (h, w), transform, invert=True)
    cover = 0.35 + 0.3 * smooth_field(rng, (h, w), 40)  # natural steppe
    if kind == "vegetated":
        cover[inside] = (0.75 + 0.2 * smooth_field(rng, (h, w), 20))[inside]
    elif kind == "patchy":
        cover[inside] = (0.7 + 0.2 * smooth_field(rng, (h, w), 20))[inside]
        rows, cols = np.nonzero(inside)
        for size in (50, 35, 28, 12, 8):  # pixels across: 100 m … 16 m
            k = rng.integers(len(rows))
            patch = np.zeros_like(inside)
            patch[rows[k] : rows[k] + size, cols[k] : cols[k] + int(size * 0.8)] = True
            cover[patch & inside] = 0.02
    else:
        cover[inside] = (0.05 * smooth_field(rng, (h, w), 10))[inside]
    veg = np.array([38, 62, 42, 160.0])[:, None, None]
    soil = np.array([92, 104, 116, 128.0])[:, None, None]
    dn = cover * veg + (1 - cover) * soil + HAZE_DN  # smooth fields: small files, texture enough
    return write_geotiff(
        path,
        np.clip(dn, 1, 254).astype("uint8"),
        transform=transform,
        crs=crs.to_string(),
        descriptions=BANDS,
        tags={"ACQUISITIONDATETIME": "2026-07-18T03:12:00Z", "SOURCE": "synthetic demo"},
    )
