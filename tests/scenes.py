"""Scenes of the ground reviewers get, made in code, with known end-members and zone cover.

Every pixel is one pure surface from :data:`SURFACES` (blue, green, red, NIR surface
reflectance, from field spectra of the kinds of ground in Inner Mongolia's mining
districts), with 2 % multiplicative noise per band. A scene is its background mix of
surfaces plus a square zone in which a known share of pixels is full vegetation and the
rest one bare surface: the zone's true FVC is that share. Images are written as the
sensors and products deliver them: float reflectance, Sentinel-2 L2A integers with their
offset, uint16/uint8 digital numbers, with or without haze, in the test CRS or EPSG:4490.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

from greenmine_geo.io.geotiff import write_geotiff

from conftest import E0, N0, gk_box, layer

#: Surface reflectance (blue, green, red, NIR).
SURFACES = {
    "grass": (0.04, 0.08, 0.05, 0.38),  # full steppe cover, NDVI 0.77
    "loess": (0.10, 0.15, 0.20, 0.25),
    "sand": (0.18, 0.24, 0.30, 0.35),  # Alxa dune sand: bright, not cloud
    "crust": (0.34, 0.36, 0.37, 0.39),  # saline crust: bright and flat, below cloud
    "coal": (0.04, 0.045, 0.05, 0.06),  # coal ground, haul roads, pits: NIR under half the median
    "coal_dust": (0.055, 0.06, 0.07, 0.085),  # dumps under coal dust
    "wet_soil": (0.06, 0.07, 0.09, 0.12),
    "burned": (0.04, 0.05, 0.06, 0.075),
    "lake": (0.07, 0.06, 0.04, 0.02),
    "tailings_water": (0.09, 0.11, 0.10, 0.06),  # turbid open water of a tailings pond
    "shadow": (0.015, 0.013, 0.012, 0.018),  # pit-wall shadow
    "concrete": (0.22, 0.24, 0.25, 0.28),  # hardened ground
    "blue_roof": (0.20, 0.12, 0.10, 0.08),
    "cloud": (0.55, 0.56, 0.56, 0.58),
}
BANDS = ("blue", "green", "red", "nir")
#: Haze (path radiance) in reflectance units, per band: strong in blue, weak in NIR.
HAZE = np.array([0.06, 0.045, 0.03, 0.01])
PIXEL = 2.0
SIZE = 150  # pixels a side
ZONE = (25, 125)  # the zone's pixel rows and columns (200 m × 200 m)


def paint(surfaces: np.ndarray, seed: int) -> np.ndarray:
    """(4, h, w) float32 reflectance of a grid of surface names, with 2 % band noise."""
    names, index = np.unique(surfaces, return_inverse=True)
    spectra = np.array([SURFACES[n] for n in names], float)
    data = spectra[index.reshape(surfaces.shape)].transpose(2, 0, 1)
    noise = 1 + 0.02 * np.random.default_rng(seed).standard_normal(data.shape)
    return (data * noise).astype(np.float32)


def ndvi(surface: str) -> float:
    _, _, red, nir = SURFACES[surface]
    return (nir - red) / (nir + red)


@dataclass
class Scene:
    """A scene: its background mix, the zone's bare surface and vegetated share."""

    name: str
    background: dict[str, float]  # surface → share of the scene outside the zone
    zone_bare: str
    zone_cover: float
    seed: int = 0
    #: surface → (row slice, col slice) painted over everything else (e.g. cloud)
    painted: dict[str, tuple[slice, slice]] = field(default_factory=dict)

    def reflectance(self) -> np.ndarray:
        """(4, SIZE, SIZE) float32 surface reflectance with 2 % noise."""
        rng = np.random.default_rng(self.seed)
        names = list(self.background)
        shares = np.array([self.background[n] for n in names], float)
        grid = np.array(names, dtype=object)[
            rng.choice(len(names), size=(SIZE, SIZE), p=shares / shares.sum())
        ]
        a, b = ZONE
        inside = rng.permutation((b - a) ** 2) < round(self.zone_cover * (b - a) ** 2)
        grid[a:b, a:b] = np.where(inside.reshape(b - a, b - a), "grass", self.zone_bare)
        for surface, (rows, cols) in self.painted.items():
            grid[rows, cols] = surface
        return paint(grid, self.seed)


def write_scene(
    path: Path,
    refl: np.ndarray,
    product: str = "reflectance",
    *,
    haze: bool = False,
    crs: str = "EPSG:4525",
    scl: np.ndarray | None = None,
    transform=None,  # noqa: ANN001 - Affine of the GK grid; default the matrix's
) -> Path:
    """Write reflectance as ``product``: reflectance, s2_l2a, uint16_dn or uint8_dn.

    With ``haze`` the path radiance :data:`HAZE` is added first (as top-of-atmosphere
    values carry it). ``scl``: a Sentinel-2 scene classification written as band 5. In
    EPSG:4490 the image is resampled (nearest) to 1.5e-5° pixels.
    """
    data = refl + (HAZE[:, None, None] if haze else 0)
    tags: dict[str, str] = {}
    if product == "reflectance":
        out = data.astype(np.float32)
    elif product == "s2_l2a":
        out = np.round(data * 10_000 + 1000).clip(0, 65535).astype(np.uint16)
        tags = {"BOA_ADD_OFFSET_B04": "-1000", "SPACECRAFT_NAME": "Sentinel-2B"}
    elif product == "uint16_dn":
        out = np.round(data * 10_000).clip(0, 65535).astype(np.uint16)
    elif product == "uint8_dn":  # a stretched 8-bit product: 0.5 reflectance at 255
        out = np.round(data * 510).clip(0, 255).astype(np.uint8)
    else:
        raise ValueError(product)
    if scl is not None:
        out = np.concatenate([out, scl[None].astype(out.dtype)])
    transform = transform or from_origin(E0, N0 + SIZE * PIXEL, PIXEL, PIXEL)
    if crs != "EPSG:4525":
        out, transform = _to_geographic(out, transform, crs)
    return write_geotiff(path, out, transform=transform, crs=crs, tags=tags)


def _to_geographic(data: np.ndarray, transform, crs: str):  # noqa: ANN001 - Affine
    """Nearest-neighbour resampling onto a 1.5e-5° grid in ``crs``, computed with pyproj
    (the package keeps GDAL's in-memory warping drivers out of reach)."""
    h, w = data.shape[1:]
    west, south, east, north = rasterio.transform.array_bounds(h, w, transform)
    to_geo = Transformer.from_crs("EPSG:4525", crs, always_xy=True)
    lon, lat = to_geo.transform([west, east, west, east], [south, south, north, north])
    res = 1.5e-5
    dst_t = from_origin(min(lon), max(lat), res, res)
    dw, dh = int(np.ceil((max(lon) - min(lon)) / res)), int(np.ceil((max(lat) - min(lat)) / res))
    cols, rows = np.meshgrid(np.arange(dw) + 0.5, np.arange(dh) + 0.5)
    x, y = Transformer.from_crs(crs, "EPSG:4525", always_xy=True).transform(*(dst_t * (cols, rows)))
    c, r = ~transform @ (x, y)
    c, r = np.floor(c).astype(int), np.floor(r).astype(int)
    inside = (c >= 0) & (c < w) & (r >= 0) & (r < h)
    out = np.zeros((data.shape[0], dh, dw), data.dtype)
    out[:, inside] = data[:, r[inside], c[inside]]
    return out, dst_t


def zone_layer():
    """The zone as a mine boundary (EPSG:4525), id ``Z``."""
    a, b = ZONE
    top = SIZE * PIXEL
    return layer([gk_box(a * PIXEL, top - b * PIXEL, b * PIXEL, top - a * PIXEL)], mine_id=["Z"])
