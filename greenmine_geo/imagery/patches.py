"""Connected groups of pixels ("patches") on a grid, measured and traced into polygons.

Used for bare patches inside a mine (indicator 6) and for new bare ground around a
mine (suspected 越界开采). Pixels connect through their 8 neighbours, and the
polygons are traced with the same connectivity, so each patch is one polygon.

A grid too large to hold at once is given to :class:`PatchTracer` in horizontal
strips, top to bottom: each strip is labelled alone, labels that touch across a
strip border are joined at the end, and only the pieces that can belong to a kept
patch are traced. Pieces are traced in pixel coordinates, where the corners two
strips share are the same integers, so the pieces of a patch join exactly; the
grid's transform is applied once, to the joined polygons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..geometry import grouped_union
from ..io.gdal import shapes

__all__ = ["PatchTracer", "Patches"]

_EIGHT = np.ones((3, 3), bool)


@dataclass
class Patches:
    """Patches of at least the minimum area, largest first (equal areas: north-west first).

    ``geometry``: polygons in the grid's CRS (clipped to ``within`` where given);
    ``area_m2``: each one's area (Σ of its pixels' weights × the pixel area);
    ``mean`` and ``minimum``: of the ``values`` given with the strips, over each
    patch's pixels (NaN when no values were given).
    """

    geometry: np.ndarray
    area_m2: np.ndarray
    mean: np.ndarray
    minimum: np.ndarray

    def __len__(self) -> int:
        return len(self.geometry)


class PatchTracer:
    """Patches of a mask given strip by strip (full-width, top to bottom) in bounded memory.

    Memory: one strip's arrays, a few numbers per labelled piece, and the polygons of
    the pieces that are large or touch a strip border.

    Parameters
    ----------
    transform : Affine
        Of the whole grid (pixel → grid CRS).
    pixel_m2 : float
        Area of one pixel (m²); a patch's area is Σ weights × ``pixel_m2``.
    min_area_m2 : float
        Smallest patch kept.
    """

    def __init__(self, transform: Affine, pixel_m2: float, min_area_m2: float) -> None:
        self._transform = transform
        self._pixel_m2 = pixel_m2
        self._min_area_m2 = min_area_m2
        self._min_weight = min_area_m2 / pixel_m2 if pixel_m2 > 0 else np.inf
        self._has_values = False
        self._n = 0  # labels so far; piece k (global label k + 1) is index k below
        self._stats: list[np.ndarray] = []  # per strip: (weight, value sum, count, min, partial)
        self._pairs: list[np.ndarray] = []  # global labels joined across strip borders
        self._labels: list[np.ndarray] = []  # global labels of the traced pieces
        self._pieces: list[np.ndarray] = []  # their polygons, pixel coordinates
        self._row = 0
        self._last: np.ndarray | None = None  # global labels of the previous strip's last row

    def add(self, mask: np.ndarray, weights: np.ndarray, values: np.ndarray | None = None) -> None:
        """The next strip: ``mask`` (bool), ``weights`` (each pixel's share in the area, 0-1)
        and optional ``values`` whose mean and minimum over each patch are reported."""
        labels, n = ndimage.label(mask, structure=_EIGHT)
        on = np.flatnonzero(labels)  # the mask's pixels only: usually a small share
        of = labels.ravel()[on]
        w = weights.ravel()[on].astype(float)
        self._has_values |= values is not None
        vals = np.zeros(on.size) if values is None else values.ravel()[on].astype(float)

        def per_label(x: np.ndarray) -> np.ndarray:
            return np.bincount(of, weights=x, minlength=n + 1)[1:]

        weight = per_label(w)
        low = ndimage.minimum(vals, of, np.arange(1, n + 1)) if n else np.empty(0)
        counts = np.bincount(of, minlength=n + 1)[1:].astype(float)
        self._stats.append(np.stack([weight, per_label(vals), counts, low, per_label(w < 1.0)]))
        first, last = (np.where(row > 0, row + self._n, 0) for row in (labels[0], labels[-1]))
        if self._last is not None and n:
            self._pairs.append(_touching(self._last, first))
        border = np.zeros(n + 1, bool)
        border[labels[0]] = border[labels[-1]] = True
        trace = np.concatenate([[False], (weight >= self._min_weight * (1 - 1e-9)) | border[1:]])
        if trace.any():
            kept = np.where(trace[labels], labels + self._n, 0).astype(np.int32)
            rows, cols = np.flatnonzero(kept.any(axis=1)), np.flatnonzero(kept.any(axis=0))
            sub = kept[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # trace only where kept
            # pixel coordinates, rows counted negative (an identity transform makes GDAL warn)
            at = Affine(1, 0, int(cols[0]), 0, -1, -(self._row + int(rows[0])))
            ids, geoms = _polygons(shapes(sub, mask=sub > 0, connectivity=8, transform=at))
            self._labels.append(ids)
            self._pieces.append(geoms)
        self._n += n
        self._row += mask.shape[0]
        self._last = last

    def finish(self, within: shapely.Geometry | None = None) -> Patches:
        """The patches of every strip given, largest first; ``within`` (grid CRS) clips the
        polygons of patches with a partly covered pixel."""
        empty = Patches(*(np.empty(0, t) for t in (object, float, float, float)))
        if self._n == 0:
            return empty
        weight, total, count, low, partial = np.concatenate(self._stats, axis=1)
        patch = np.arange(self._n)
        if self._pairs:
            a, b = np.concatenate(self._pairs, axis=1) - 1
            graph = coo_matrix((np.ones(a.size), (a, b)), shape=(self._n, self._n))
            _, patch = connected_components(graph, directed=False)
        area = np.bincount(patch, weights=weight) * self._pixel_m2
        keep = area >= self._min_area_m2
        labels = np.concatenate(self._labels) if self._labels else np.empty(0, np.int64)
        pieces = np.concatenate(self._pieces) if self._pieces else np.empty(0, object)
        of = patch[labels - 1]
        ids, geoms = grouped_union(pieces[keep[of]], of[keep[of]])
        if not len(ids):
            return empty
        # pixels meeting only at a corner make rings that touch themselves there (invalid).
        # Traced along pixel edges, rings never cross, so buffer(0) repairs them exactly
        # (the same area, tested) at a third of make_valid's cost; done in pixel space,
        # where the corners are exact integers
        bad = ~shapely.is_valid(geoms)
        geoms[bad] = shapely.buffer(geoms[bad], 0)
        t = self._transform @ Affine.scale(1, -1)
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(t @ (xy[:, 0], xy[:, 1])))
        if within is not None:
            cut = np.bincount(patch, weights=partial)[ids] > 0
            geoms[cut] = shapely.intersection(geoms[cut], within)
        # largest first; patches of equal area from the north-west, however the grid runs
        cx, cy = shapely.get_coordinates(shapely.centroid(geoms)).T
        order = np.lexsort((cx, -cy, -area[ids]))
        mean = lowest = np.full(len(ids), np.nan)
        if self._has_values:
            mean = np.bincount(patch, weights=total)[ids] / np.bincount(patch, weights=count)[ids]
            lowest = np.asarray(ndimage.minimum(low, patch, ids), float)
        return Patches(geoms[order], area[ids][order], mean[order], lowest[order])


def _touching(above: np.ndarray, below: np.ndarray) -> np.ndarray:
    """(2, k) pairs of labels of 8-neighbours across a strip border (rows ``above``, ``below``)."""
    pairs = []
    for shift in (-1, 0, 1):
        a = above[max(shift, 0) : above.size + min(shift, 0)]
        b = below[max(-shift, 0) : below.size + min(-shift, 0)]
        both = (a > 0) & (b > 0)
        pairs.append(np.stack([a[both], b[both]]))
    return np.unique(np.concatenate(pairs, axis=1), axis=1)


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
    if not values:
        return np.empty(0, np.int64), np.empty(0, object)
    ring_index = np.repeat(np.arange(len(ring_no)), ring_no)
    rings = shapely.linearrings(np.asarray(coords, dtype=float), indices=ring_index)
    polygons = shapely.polygons(rings, indices=np.asarray(poly_no))
    return grouped_union(polygons, np.asarray(values, dtype=np.int64))  # one polygon per value
