"""Vectorised geometry operations on arrays of shapely geometries.

Every function takes and returns numpy object arrays of shapely 2 geometries and
loops in C (shapely ufuncs), never per feature in Python, except where a
docstring says so for the rare groups that are too large to pad.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import GeometryType

__all__ = [
    "Repair",
    "densify",
    "grouped_union",
    "polygon_parts",
    "repair_polygons",
    "rings_around",
    "subdivide",
]

_POLYGONAL = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON)
#: Groups larger than this are unioned one by one instead of through a padded matrix.
_PAD_LIMIT = 64


@dataclass(frozen=True)
class Repair:
    """An input geometry that was invalid and has been repaired.

    ``area_before_m2`` is the invalid geometry's area as GEOS computes it (the
    shoelace sum, in which the lobes of a bow-tie cancel), ``area_after_m2``
    the repaired area; both on the ellipsoid.
    """

    row: int
    reason: str
    area_before_m2: float
    area_after_m2: float


def polygon_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Explode geometries to their non-empty Polygon parts.

    Lines and points (e.g. left over by :func:`shapely.make_valid`) are dropped.

    Returns
    -------
    (parts, owner)
        Polygons, and the index in ``geoms`` each came from.
    """
    parts, owner = shapely.get_parts(geoms, return_index=True)
    # GeometryCollections from make_valid may nest a MultiPolygon one level down
    nested = shapely.get_type_id(parts) == GeometryType.MULTIPOLYGON
    if nested.any():
        sub, sub_owner = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        owner = np.concatenate([owner[~nested], owner[nested][sub_owner]])
    keep = (shapely.get_type_id(parts) == GeometryType.POLYGON) & ~shapely.is_empty(parts)
    return parts[keep], owner[keep]


def repair_polygons(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repair invalid polygons explicitly.

    Uses :func:`shapely.make_valid` with the "structure" method: a
    self-intersecting (bow-tie) ring becomes the union of its lobes, a hole
    outside its shell is dropped, overlapping parts of a multipolygon are merged.
    Non-polygonal leftovers are removed. Repair before any other operation:
    GEOS densification, for one, "fixes" an invalid polygon by dropping lobes.

    Returns
    -------
    (geoms, rows, reasons)
        The geometries (valid ones untouched), the rows that were repaired, and
        GEOS's reason for each (e.g. ``Self-intersection[500 500]``).
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    present = ~shapely.is_missing(geoms)
    invalid = np.flatnonzero(present & ~shapely.is_valid(geoms))
    if invalid.size == 0:
        return geoms, invalid, np.empty(0, dtype=object)
    bad = geoms[invalid]
    reasons = shapely.is_valid_reason(bad)
    fixed = shapely.make_valid(bad, method="structure", keep_collapsed=False)
    parts, owner = polygon_parts(fixed)
    polys = np.full(len(bad), None, dtype=object)
    if len(parts):
        rows = np.unique(owner)
        polys[rows] = shapely.multipolygons(parts, indices=np.searchsorted(rows, owner))
    polys[shapely.is_missing(polys)] = shapely.from_wkt("MULTIPOLYGON EMPTY")
    geoms[invalid] = polys
    return geoms, invalid, reasons


def densify(polys: np.ndarray, max_length: float) -> np.ndarray:
    """Insert vertices so no edge is longer than ``max_length`` (units of the CRS).

    Unlike :func:`shapely.segmentize`, the new vertices of an edge are computed
    from its lexicographically smaller end, so two polygons sharing an edge
    (traversed in opposite directions) get bit-identical new vertices and stay
    exactly adjacent. Needed before reprojection: an edge straight in the source
    CRS is curved in the target one (a 10 km edge along a parallel bows by
    about 2 m in an Albers projection).

    Parameters
    ----------
    polys : array of Polygon
        Non-empty polygons; Z values are dropped.
    """
    polys = shapely.force_2d(np.asarray(polys, dtype=object))
    if len(polys) == 0:
        return polys
    _, coords, (ring_off, poly_off) = shapely.to_ragged_array(polys)
    ring_of = np.repeat(np.arange(len(ring_off) - 1), np.diff(ring_off))
    a, b = coords[:-1], coords[1:]
    is_edge = ring_of[:-1] == ring_of[1:]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    p = np.where(swap[:, None], b, a)
    q = np.where(swap[:, None], a, b)
    k = np.maximum(np.ceil(np.hypot(*(q - p).T) / max_length), 1).astype(np.int64)
    if not (k[is_edge] > 1).any():
        return polys  # every edge already short enough (typical of detailed red-line data)
    # slots per coordinate: an edge start emits k (itself + k-1 new), a ring's last point emits 1
    slots = np.ones(len(coords), dtype=np.int64)
    slots[:-1][is_edge] = k[is_edge]
    src = np.repeat(np.arange(len(coords)), slots)
    j = np.arange(len(src)) - np.repeat(np.cumsum(slots) - slots, slots)
    out = coords[src].copy()
    new = j > 0
    e = src[new]
    kk, jj = k[e], j[new]
    frac = np.where(swap[e], (kk - jj) / kk, jj / kk)
    out[new] = p[e] + (q[e] - p[e]) * frac[:, None]
    ring_counts = np.add.reduceat(slots, ring_off[:-1]) if len(ring_off) > 1 else np.zeros(0, int)
    new_ring_off = np.concatenate([[0], np.cumsum(ring_counts)])
    return shapely.from_ragged_array(shapely.GeometryType.POLYGON, out, (new_ring_off, poly_off))


def _clip(polys: np.ndarray, rects: np.ndarray) -> np.ndarray:
    """Clip each polygon to its rectangle (xmin, ymin, xmax, ymax).

    :func:`shapely.clip_by_rect` is a linear-time clipper, 2-3× faster than a
    general intersection; it takes one rectangle per call, hence the loop,
    whose overhead is small beside the clipping itself. Its output is not
    guaranteed valid, so invalid results are redone with a full intersection.
    """
    out = np.array(
        [shapely.clip_by_rect(p, *r) for p, r in zip(polys, rects.tolist(), strict=True)],
        dtype=object,
    )
    bad = np.flatnonzero(~shapely.is_valid(out))
    if bad.size:
        out[bad] = shapely.intersection(polys[bad], shapely.box(*rects[bad].T))
    return out


def subdivide(
    polys: np.ndarray, owner: np.ndarray, max_vertices: int = 256, max_depth: int = 32
) -> tuple[np.ndarray, np.ndarray]:
    """Split polygons until each has at most ``max_vertices`` coordinates.

    Like PostGIS ``ST_Subdivide``: a polygon with too many vertices is cut in
    half across the longer side of its bounding box, recursively. The halves of
    one polygon do not overlap, and cuts at the same coordinate coincide exactly,
    so areas of the pieces add up to the area of the polygon.

    Parameters
    ----------
    polys : array of Polygon
    owner : array of int
        Carried along to each piece (e.g. the feature row).

    Returns
    -------
    (pieces, owner)
    """
    done_p, done_o = [], []
    polys, owner = np.asarray(polys, dtype=object), np.asarray(owner)
    for _ in range(max_depth):
        small = shapely.get_num_coordinates(polys) <= max_vertices
        done_p.append(polys[small])
        done_o.append(owner[small])
        polys, owner = polys[~small], owner[~small]
        if len(polys) == 0:
            break
        x0, y0, x1, y1 = shapely.bounds(polys).T
        wide = (x1 - x0) >= (y1 - y0)
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        first = np.column_stack([x0, y0, np.where(wide, xm, x1), np.where(wide, y1, ym)])
        second = np.column_stack([np.where(wide, xm, x0), np.where(wide, y0, ym), x1, y1])
        halves = _clip(np.concatenate([polys, polys]), np.concatenate([first, second]))
        polys, idx = polygon_parts(halves)
        owner = np.concatenate([owner, owner])[idx]
    else:  # pathological input that never gets small enough: keep it whole
        done_p.append(polys)
        done_o.append(owner)
    return np.concatenate(done_p), np.concatenate(done_o)


def grouped_union(geoms: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union geometries that share a group label.

    Groups of one are returned as they are. Groups of up to 64 are unioned in one
    vectorised call over a ``None``-padded matrix; larger groups, which are rare,
    are unioned one by one.

    Returns
    -------
    (labels, unions)
        Sorted unique labels and the union of each group.
    """
    groups = np.asarray(groups)
    if len(groups) == 0:
        return groups, np.empty(0, dtype=object)
    order = np.argsort(groups, kind="stable")
    g, x = groups[order], np.asarray(geoms, dtype=object)[order]
    labels, start, counts = np.unique(g, return_index=True, return_counts=True)
    out = x[start].copy()
    multi = counts > 1
    padded = multi & (counts <= _PAD_LIMIT)
    if padded.any():
        rows = np.repeat(np.arange(len(labels)), counts)
        col = np.arange(len(g)) - np.repeat(start, counts)
        matrix = np.full((len(labels), int(counts[padded].max())), None, dtype=object)
        sel = padded[rows]
        matrix[rows[sel], col[sel]] = x[sel]
        out[padded] = shapely.union_all(matrix[padded], axis=1)
    for k in np.flatnonzero(counts > _PAD_LIMIT):
        out[k] = shapely.union_all(x[start[k] : start[k] + counts[k]])
    return labels, out


def rings_around(geoms: np.ndarray, width: float, exclude: np.ndarray) -> np.ndarray:
    """Each geometry's buffer of ``width`` minus every geometry of ``exclude`` it meets.

    The reference ring of a mine or zone: ``exclude`` holds the land that is not
    undisturbed (the geometries themselves, other mines and zones, non-greenable
    land). Only the excluded geometries near each buffer are unioned (an STRtree
    query), one union per ring. Units and CRS are the inputs' (EQUAL_AREA here).
    """
    buffers = shapely.buffer(np.asarray(geoms, dtype=object), width)
    exclude = np.asarray(exclude, dtype=object)
    ring_idx, hit = shapely.STRtree(exclude).query(buffers, predicate="intersects")
    out = buffers.copy()
    labels, unions = grouped_union(exclude[hit], ring_idx)
    out[labels] = shapely.difference(buffers[labels], unions)
    return out
