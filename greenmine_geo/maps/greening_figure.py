"""The per-mine greening figure: FVC map, greenable area, numbered bare patches."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

__all__ = ["greening_figure"]

_FVC_CMAP = LinearSegmentedColormap.from_list("fvc", ["#8d6e63", "#d7ccc8", "#c5e1a5", "#33691e"])


def _draw(ax, geom: shapely.Geometry, **kw) -> None:  # noqa: ANN001 - matplotlib Axes
    for ring in (shapely.get_exterior_ring(p) for p in shapely.get_parts(geom)):
        if ring is not None and not ring.is_empty:
            x, y = ring.xy
            ax.plot(x, y, **kw)


def greening_figure(
    fvc: np.ndarray,
    transform: Affine,
    greenable: shapely.Geometry,
    patches: gpd.GeoSeries,
    title: str,
    crs_name: str = "image CRS",
) -> Figure:
    """A figure of FVC (0-1) around a mine, in the image's CRS.

    ``greenable`` and ``patches`` are in the image's CRS; patches are numbered
    as in ``greening.gpkg`` (1 = largest).
    """
    fig = Figure(figsize=(6, 6), dpi=110)
    ax = fig.add_subplot()
    h, w = fvc.shape
    extent = (
        transform.c,
        transform.c + w * transform.a,
        transform.f + h * transform.e,
        transform.f,
    )
    shown = ax.imshow(
        np.ma.masked_invalid(fvc),
        cmap=_FVC_CMAP,
        vmin=0,
        vmax=1,
        extent=extent,
        interpolation="nearest",
    )
    _draw(ax, greenable, color="#0d47a1", linewidth=1.5)
    for number, geom in enumerate(patches, start=1):
        _draw(ax, geom, color="#d50000", linewidth=1.2)
        c = geom.representative_point()
        ax.annotate(
            str(number),
            (c.x, c.y),
            color="white",
            fontsize=9,
            ha="center",
            va="center",
            fontweight="bold",
            bbox={"boxstyle": "circle,pad=0.2", "fc": "#d50000", "ec": "none"},
        )
    fig.colorbar(shown, ax=ax, shrink=0.7, label="FVC (vegetation cover)")
    ax.set_title(title, fontsize=10, parse_math=False)  # ids are input data: never mathtext
    ax.set_aspect("equal")
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.tick_params(labelsize=7)
    ax.set_xlabel(f"x ({crs_name})", fontsize=7)
    ax.set_ylabel("y", fontsize=7)
    fig.tight_layout()
    return fig
