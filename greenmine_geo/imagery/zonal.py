"""Exact pixel-coverage weights of polygons on a raster grid.

Each pixel's weight is the share of its area inside the polygon: 1 inside,
0 outside, and for pixels crossed by the boundary the exact area of
``pixel ∩ polygon`` over the pixel's area (the same accuracy as exactextract).
Centre-of-pixel sampling misses ~10 % of small patches' area; all-touched
doubles it; exact weights are right at any size.
"""

from __future__ import annotations

import numpy as np
import shapely
from affine import Affine

from ..io.untrusted import geometry_mask

__all__ = ["coverage_fraction"]


def coverage_fraction(
    geom: shapely.Geometry, transform: Affine, shape: tuple[int, int]
) -> np.ndarray:
    """Coverage fraction (0-1, float32) of each pixel of a grid by a polygon.

    Parameters
    ----------
    geom : Polygon or MultiPolygon
        In the grid's CRS.
    transform : Affine
        Of the grid (north-up, no rotation).
    shape : (rows, cols)
    """
    out = np.zeros(shape, np.float32)
    if geom.is_empty:
        return out
    touched = geometry_mask([geom], shape, transform, invert=True, all_touched=True)
    edge = geometry_mask([geom.boundary], shape, transform, invert=True, all_touched=True)
    out[touched & ~edge] = 1.0
    rows, cols = np.nonzero(edge)
    if rows.size:
        x0, y0 = transform.c + cols * transform.a, transform.f + rows * transform.e
        x1, y1 = x0 + transform.a, y0 + transform.e
        boxes = shapely.box(
            np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1)
        )
        shapely.prepare(geom)
        frac = shapely.area(shapely.intersection(boxes, geom)) / shapely.area(boxes)
        out[rows, cols] = frac.astype(np.float32)
    return out
