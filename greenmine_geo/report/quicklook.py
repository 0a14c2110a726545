"""The quick-look of a submitted image with the mine's boundary drawn on it (review page)."""

from __future__ import annotations

import numpy as np
import shapely
from affine import Affine
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["quicklook_figure"]


def _rings(geom: shapely.Geometry) -> list[np.ndarray]:
    """The exterior and interior rings of a (multi)polygon, as (n, 2) coordinate arrays."""
    rings = []
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.Polygon):
            rings += [np.asarray(part.exterior.coords)]
            rings += [np.asarray(r.coords) for r in part.interiors]
    return rings


def quicklook_figure(rgb: np.ndarray, transform: Affine, boundary: shapely.Geometry) -> Figure:
    """The picture ``rgb`` (rows, cols, 3; pixels placed by ``transform``, image CRS) with
    ``boundary`` (same CRS) in red; 5 inches wide (the page names the mine beside it)."""
    rows, cols = rgb.shape[:2]
    left, top = transform * (0, 0)
    right, bottom = transform * (cols, rows)
    fig = Figure(figsize=(5, 5 * rows / max(cols, 1)))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(rgb, extent=(left, right, bottom, top), interpolation="nearest")
    for ring in _rings(boundary):
        ax.plot(ring[:, 0], ring[:, 1], color="#d32f2f", linewidth=1.6)
    ax.set_xlim(min(left, right), max(left, right))
    ax.set_ylim(min(bottom, top), max(bottom, top))
    ax.set_axis_off()
    return fig
