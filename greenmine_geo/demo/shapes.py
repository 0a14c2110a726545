"""Small shapes for the demo layers, sized in metres and returned in lon/lat (EPSG:4490).

Sizes and offsets are laid out on a local azimuthal equidistant plane (GRS80,
metres) centred on the point given, then transformed to CGCS2000 lon/lat.
"""

from __future__ import annotations

import numpy as np
import pyproj
from shapely.geometry import Polygon

from ..crs import CGCS2000

__all__ = ["blob", "local_transformer", "offset", "rect"]


def local_transformer(lon: float, lat: float) -> pyproj.Transformer:
    """Transformer from a local azimuthal equidistant plane (metres) to lon/lat."""
    aeqd = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=GRS80 +units=m")
    return pyproj.Transformer.from_crs(aeqd, CGCS2000, always_xy=True)  # a plane per place


def blob(
    rng: np.random.Generator, lon: float, lat: float, radius_m: float, vertices: int
) -> Polygon:
    """A star-shaped polygon with a wiggly edge, in lon/lat (always simple)."""
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    r = np.ones_like(theta)
    for k in range(1, 60):
        r += rng.normal(0, 0.25 / k**1.1) * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    r = radius_m * np.clip(r, 0.35, None)
    x, y = local_transformer(lon, lat).transform(r * np.cos(theta), r * np.sin(theta))
    return Polygon(np.column_stack([x, y]))


def rect(lon: float, lat: float, w_m: float, h_m: float, rot_deg: float = 0.0) -> Polygon:
    """A rectangle of w × h metres centred on (lon, lat), rotated, in lon/lat."""
    corners = np.array([[-w_m, -h_m], [w_m, -h_m], [w_m, h_m], [-w_m, h_m]]) / 2
    a = np.radians(rot_deg)
    rot = corners @ np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    x, y = local_transformer(lon, lat).transform(rot[:, 0], rot[:, 1])
    return Polygon(np.column_stack([x, y]))


def offset(lon: float, lat: float, dx_m: float, dy_m: float) -> tuple[float, float]:
    """The lon/lat of the point ``dx_m`` east and ``dy_m`` north of (lon, lat)."""
    x, y = local_transformer(lon, lat).transform(dx_m, dy_m)
    return float(x), float(y)
