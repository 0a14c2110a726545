"""The per-mine greening figure: FVC map, greenable area, numbered bare patches, and below
it the scene's vegetation-index histogram with the end-members marked, so that a wrong
choice of bare-ground or vegetation end-member is visible at a glance."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from ..imagery.zone_fvc import HISTOGRAM_EDGES, Scene

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
    scene: Scene,
    index: str,
) -> Figure:
    """A figure of FVC (0-1) around a mine, in the image's CRS, over the scene's histogram.

    ``greenable`` and ``patches`` are in the image's CRS; patches are numbered
    as in ``greening.gpkg`` (1 = largest). ``index`` names the vegetation index.
    """
    fig = Figure(figsize=(6, 7.4), dpi=110)
    ax, hist = fig.subplots(2, 1, height_ratios=(4, 1))
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
    ax.set_xlabel(f"x ({scene.crs.name})", fontsize=7)
    ax.set_ylabel("y", fontsize=7)
    _histogram(hist, scene, index.upper())
    fig.tight_layout()
    return fig


def _histogram(ax, scene: Scene, index: str) -> None:  # noqa: ANN001 - matplotlib Axes
    """The scene's VI histogram: clear pixels, the end-member candidates, the end-members."""
    centres = (HISTOGRAM_EDGES[:-1] + HISTOGRAM_EDGES[1:]) / 2
    width = float(HISTOGRAM_EDGES[1] - HISTOGRAM_EDGES[0])
    clear = np.asarray(scene.histogram.get("clear", np.zeros(centres.size)), float)
    candidates = np.asarray(scene.histogram.get("candidates", np.zeros(centres.size)), float)
    ax.bar(centres, clear, width, color="#b0bec5", label="clear pixels")
    ax.bar(centres, candidates, width, color="#78909c", label="bare-ground / vegetation candidates")
    em = scene.end_members
    for value, colour, name in ((em.soil, "#6d4c41", "soil"), (em.veg, "#2e7d32", "vegetation")):
        if np.isfinite(value):
            ax.axvline(value, color=colour, linewidth=1.5, label=f"{name} end-member {value:.2f}")
    seen = np.flatnonzero(clear)
    if seen.size:
        ax.set_xlim(centres[seen[0]] - width, centres[seen[-1]] + width)
    ax.set_yticks([])
    ax.tick_params(labelsize=7)
    ax.set_xlabel(f"scene {index} ({em.source})", fontsize=6, wrap=True)
    ax.legend(fontsize=6, frameon=False, loc="upper left")
