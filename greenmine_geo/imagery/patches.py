"""Connected groups of pixels ("patches") on a grid, measured and traced into polygons.

Used for bare patches inside a mine (indicator 6) and for new bare ground around a
mine (suspected 越界开采). Pixels connect through their 8 neighbours, and the
polygons are traced with the same connectivity, so each patch is one polygon.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from scipy import ndimage

from ..geometry import grouped_union
from ..io.gdal import shapes

__all__ = ["PixelPatches", "find_patches"]


@dataclass
class PixelPatches:
    """Patches of at least the minimum area, largest first.

    ``labels``: every connected group's label on the grid (0 = not in the mask);
    ``ids``: the label of each kept patch; ``geometry``: its polygon in the
    grid's CRS (clipped to ``within`` where given); ``area_m2``: its area (sum
    of its pixels' weights × the pixel area).
    """

    labels: np.ndarray
    ids: np.ndarray
    geometry: np.ndarray
    area_m2: np.ndarray

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Σ of ``values`` (a grid) over each patch's pixels."""
        total = np.bincount(
            self.labels.ravel(), weights=values.ravel(), minlength=self.labels.max() + 1
        )
        return total[self.ids]

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` over each patch's pixels."""
        return self.sums(values) / self.sums(np.ones(values.shape))


def find_patches(
    mask: np.ndarray,
    weights: np.ndarray,
    transform: Affine,
    pixel_m2: float,
    min_area_m2: float,
    within: shapely.Geometry | None = None,
) -> PixelPatches:
    """Connected groups of ``mask`` pixels whose area is at least ``min_area_m2``.

    ``weights`` (0-1) is each pixel's share inside the area of interest, so a
    patch's area is that of its pixels clipped to it; ``within`` (grid CRS)
    clips the polygons of patches that have a partly covered pixel.
    """
    labels, count = ndimage.label(mask, structure=np.ones((3, 3), bool))
    flat = labels.ravel()
    area = np.bincount(flat, weights=weights.ravel(), minlength=count + 1) * pixel_m2
    area[0] = 0.0
    keep = area >= min_area_m2
    if not keep.any():
        return PixelPatches(labels, np.empty(0, np.int64), np.empty(0, object), np.empty(0))
    kept = np.where(keep[labels], labels, 0).astype(np.int32)
    rows, cols = np.flatnonzero(kept.any(axis=1)), np.flatnonzero(kept.any(axis=0))
    sub = kept[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    sub_tr = transform * Affine.translation(cols[0], rows[0])
    ids, geoms = _polygons(shapes(sub, mask=sub > 0, connectivity=8, transform=sub_tr))
    if within is not None:
        partial = np.bincount(flat, weights=(weights < 1.0).ravel(), minlength=count + 1)[ids] > 0
        geoms[partial] = shapely.intersection(geoms[partial], within)
    order = np.argsort(-area[ids], kind="stable")
    return PixelPatches(labels, ids[order], geoms[order], area[ids[order]])


def _polygons(traced: Iterable[tuple[dict, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(values, polygons) from rasterio's traced shapes, sorted by value, one per value.

    Built in one call; a value traced as several shapes (pixels touching only at a
    corner can be) is one (multi)polygon.
    """
    coords, ring_no, poly_no, values = [], [], [], []
    for k, (shape, value) in enumerate(traced):
        values.append(int(value))
        for ring in shape["coordinates"]:
            coords.extend(ring)
            ring_no.append(len(ring))
            poly_no.append(k)
    ring_index = np.repeat(np.arange(len(ring_no)), ring_no)
    rings = shapely.linearrings(np.asarray(coords, dtype=float), indices=ring_index)
    polygons = shapely.polygons(rings, indices=np.asarray(poly_no))
    return grouped_union(polygons, np.asarray(values, dtype=np.int64))  # one polygon per value
