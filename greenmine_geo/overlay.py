"""The prepared-layer overlay engine.

Planning layers (red lines, land use, blocks) are large polygons with hundreds
of thousands of vertices, or 100 000+ parcels. Intersecting a mine with a whole
500 000-vertex polygon costs seconds; intersecting it with the few ≤256-vertex
pieces of that polygon near the mine costs microseconds. So each layer is
*prepared* once:

1. reprojected to :data:`~greenmine_geo.crs.EQUAL_AREA` (edges densified first,
   so straight edges of the source CRS stay where they were);
2. invalid geometries repaired explicitly (:func:`~greenmine_geo.geometry.repair_polygons`);
3. subdivided into pieces of at most ``max_vertices`` coordinates and indexed
   (``pieces``, one feature each, for per-feature conflicts);
4. flattened: pieces whose interiors overlap, from different features of the
   same class, are merged, so the ``flat`` pieces of a class are pairwise
   disjoint and their areas can be summed without double counting
   (``flat_all`` does the same across classes, for whole-layer totals).

A prepared layer depends only on the layer's content and the parameters; the
caller caches it by content hash (:mod:`greenmine_geo.io.cache`).

All areas are m² on the GRS80 ellipsoid (equal-area projection); lengths and
distances are geodesic metres.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .crs import EQUAL_AREA, geodesic_distance_m, geodesic_length_m
from .geometry import Repair, densify, grouped_union, polygon_parts, repair_polygons, subdivide
from .io.cache import CacheEntry
from .types import Contact

__all__ = [
    "Contacts",
    "Measurable",
    "PreparedLayer",
    "Hits",
    "area_by_key",
    "contact_with",
    "hits",
    "pieces_by_key",
    "prepare_layer",
    "to_measurable",
]

#: Longest edge kept before reprojection: metres for projected CRSs, degrees for geographic.
#: A 550 m edge along a parallel bows by under 6 mm in the Albers projection, well
#: inside the default 0.05 m contact tolerance.
DENSIFY_M = 500.0
DENSIFY_DEG = 0.005
#: Polygons intersected with a layer's pieces in one vectorised pass (:func:`hits`).
HITS_CHUNK = 4096


@dataclass
class Measurable:
    """Polygons of a layer in the equal-area CRS, repaired, one (multi)polygon per row.

    Attributes
    ----------
    geoms : ndarray of (Multi)Polygon
        In :data:`EQUAL_AREA`; empty geometries where the input had none.
    repairs : list of Repair
        Rows that were invalid, why, and their areas before/after repair (m²).
    empty : ndarray of int
        Rows with no polygon area (missing, empty, or zero-area geometry).
    """

    geoms: np.ndarray
    repairs: list[Repair]
    empty: np.ndarray


def _by_owner(parts: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Reassemble polygon parts into one MultiPolygon per row (empty where none)."""
    out = np.full(n, shapely.from_wkt("MULTIPOLYGON EMPTY"), dtype=object)
    if len(parts):
        rows = np.unique(owner)
        out[rows] = shapely.multipolygons(parts, indices=np.searchsorted(rows, owner))
    return out


def _with_lines_or_points(geoms: np.ndarray) -> np.ndarray:
    """Rows that are geometry collections holding something other than polygons."""
    collections = np.flatnonzero(
        shapely.get_type_id(geoms) == shapely.GeometryType.GEOMETRYCOLLECTION
    )
    parts, owner = shapely.get_parts(geoms[collections], return_index=True)
    polygonal = np.isin(
        shapely.get_type_id(parts),
        [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON],
    )
    return np.unique(collections[owner[~polygonal]])


def to_measurable(geoseries: gpd.GeoSeries) -> Measurable:
    """Repair a layer, then project it to the equal-area CRS, reporting every change.

    Order matters: invalid geometries are repaired in their own CRS first,
    then edges are densified (:func:`~greenmine_geo.geometry.densify`, so
    straight edges of the source CRS stay put and shared edges stay shared) and
    projected; anything the projection made invalid is repaired and reported too.
    A geometry collection keeps its polygons; the lines and points it also holds
    have no area and are reported as left out.
    """
    crs = CRS.from_user_input(geoseries.crs)
    source = np.asarray(geoseries.values, dtype=object)
    n = len(source)
    geoms, rows, reasons = repair_polygons(source)
    parts, owner = polygon_parts(geoms)
    parts = densify(parts, DENSIFY_DEG if crs.is_geographic else DENSIFY_M)
    parts = np.asarray(gpd.GeoSeries(parts, crs=crs).to_crs(EQUAL_AREA).values, dtype=object)
    geoms, rows2, reasons2 = repair_polygons(_by_owner(parts, owner, n))
    out = _by_owner(*polygon_parts(geoms), n)
    before = shapely.area(gpd.GeoSeries(source[rows], crs=crs).to_crs(EQUAL_AREA).values)
    repairs = [
        Repair(int(r), str(why), float(a0), float(a1))
        for r, why, a0, a1 in zip(rows, reasons, before, shapely.area(out[rows]), strict=True)
    ]
    first = set(rows.tolist())
    repairs += [
        Repair(int(r), f"invalid after reprojection: {why}", float("nan"), float(a1))
        for r, why, a1 in zip(rows2, reasons2, shapely.area(out[rows2]), strict=True)
        if r not in first
    ]
    area = shapely.area(out)
    left_out = "a geometry collection: its lines and points were left out"
    repairs += [
        Repair(int(r), left_out, float(area[r]), float(area[r]))
        for r in _with_lines_or_points(source)
        if r not in first
    ]
    empty = np.flatnonzero(area <= 0)
    return Measurable(out, repairs, empty)


@dataclass
class PreparedLayer:
    """A planning layer made ready for fast, exact overlays. See the module docstring.

    Attributes
    ----------
    name : str
        The layer's name (``redline``, ``landuse`` ...).
    n_features : int
        Feature rows in the source layer.
    classes : tuple of str
        Class names; ``("all",)`` when the layer has no classes.
    feature_class : ndarray of int
        Class code of each feature row.
    pieces, piece_feature : ndarray
        Subdivided polygons (EQUAL_AREA) and the feature row of each.
    flat, flat_class : ndarray
        Pieces of the per-class union (pairwise disjoint within a class) and their class code.
    repairs, empty :
        As in :class:`Measurable`, for the layer's features.
    """

    name: str
    n_features: int
    classes: tuple[str, ...]
    feature_class: np.ndarray
    pieces: np.ndarray
    piece_feature: np.ndarray
    flat: np.ndarray
    flat_class: np.ndarray
    flat_all: np.ndarray
    repairs: list[Repair] = field(default_factory=list)
    empty: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @cached_property
    def piece_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.pieces)

    @cached_property
    def flat_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.flat)

    @cached_property
    def flat_all_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.flat_all)

    @property
    def vertex_count(self) -> int:
        return int(shapely.get_num_coordinates(self.pieces).sum())

    def to_cache(self) -> CacheEntry:
        """The layer as a cache entry (``flat_all`` stored only where it differs from ``flat``)."""
        shared = self.flat_all is self.flat
        return CacheEntry(
            meta={
                "name": self.name,
                "n_features": self.n_features,
                "classes": list(self.classes),
                "repairs": [r.__dict__ for r in self.repairs],
                "flat_all_is_flat": shared,
            },
            arrays={
                "feature_class": self.feature_class,
                "piece_feature": self.piece_feature,
                "flat_class": self.flat_class,
                "empty": self.empty,
            },
            polygons={
                "pieces": self.pieces,
                "flat": self.flat,
                **({} if shared else {"flat_all": self.flat_all}),
            },
        )

    @classmethod
    def from_cache(cls, entry: CacheEntry) -> PreparedLayer:
        """The layer :meth:`to_cache` stored.

        Raises
        ------
        KeyError
            The entry is not a prepared layer's (an outdated format).
        """
        meta, a, p = entry.meta, entry.arrays, entry.polygons
        return cls(
            name=meta["name"],
            n_features=int(meta["n_features"]),
            classes=tuple(meta["classes"]),
            feature_class=a["feature_class"],
            piece_feature=a["piece_feature"],
            pieces=p["pieces"],
            flat=p["flat"],
            flat_class=a["flat_class"],
            flat_all=p["flat"] if meta["flat_all_is_flat"] else p["flat_all"],
            repairs=[Repair(**r) for r in meta["repairs"]],
            empty=a["empty"],
        )


def _overlap_suspects(parts: np.ndarray, part_feature: np.ndarray) -> np.ndarray:
    """Mask of polygon parts that may overlap a part of another feature.

    Only parts whose bounding boxes meet a part of another feature can. Among
    those, two exact tests, chosen by how the layer is built:

    * a dense coverage (parcels, admin units: many neighbours per part): GEOS's
      coverage validator, which in one indexed pass finds every edge not
      exactly shared with a neighbour; a clean coverage has no suspect at all;
    * scattered large parts (red lines): prepared ``intersects`` on each
      candidate pair, far cheaper than validating millions of vertices.
    """
    suspect = np.zeros(len(parts), dtype=bool)
    if len(parts) < 2:
        return suspect
    i, j = shapely.STRtree(parts).query(parts)
    keep = (i < j) & (part_feature[i] != part_feature[j])
    i, j = i[keep], j[keep]
    cand = np.unique(np.concatenate([i, j]))
    if cand.size == 0:
        return suspect
    if i.size > 2 * cand.size:
        suspect[cand] = ~shapely.is_empty(shapely.coverage_invalid_edges(parts[cand]))
    else:
        shapely.prepare(parts[cand])
        meet = shapely.intersects(parts[i], parts[j])
        suspect[i[meet]] = suspect[j[meet]] = True
    return suspect


def _overlapping_pairs(
    pieces: np.ndarray, feature: np.ndarray, suspect: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of pieces of different features whose interiors overlap (an area, not an edge).

    Candidates come from the index by bounding box; pairs within one feature
    (whose pieces only meet along cut lines) are dropped before any exact test.
    """
    cand = np.flatnonzero(suspect)
    if cand.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    i, j = shapely.STRtree(pieces).query(pieces[cand])
    i = cand[i]
    keep = (i < j) & (feature[i] != feature[j])
    i, j = i[keep], j[keep]
    area = shapely.relate_pattern(pieces[i], pieces[j], "2********")
    return i[area], j[area]


def _flatten(
    pieces: np.ndarray,
    cls: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray],
    max_vertices: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Merge pieces whose interiors overlap (``pairs``) within each class.

    Returns ``pieces`` itself (the same array object) when nothing overlaps, so
    callers can share work between the flat and the feature pieces.
    """
    i, j = pairs
    same = cls[i] == cls[j]
    i, j = i[same], j[same]
    if i.size == 0:
        return pieces, cls
    n = len(pieces)
    graph = coo_matrix((np.ones(i.size), (i, j)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    size = np.bincount(label)
    alone = size[label] == 1
    labels, unions = grouped_union(pieces[~alone], label[~alone])
    class_of_label = np.zeros(len(size), dtype=cls.dtype)
    class_of_label[label] = cls  # every member of a component shares its class
    parts, owner = polygon_parts(unions)
    parts, owner = subdivide(parts, owner, max_vertices)
    return (
        np.concatenate([pieces[alone], parts]),
        np.concatenate([cls[alone], class_of_label[labels][owner]]),
    )


def prepare_layer(
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    classes: pd.Series | None = None,
    max_vertices: int = 256,
) -> PreparedLayer:
    """Prepare a planning layer for overlays (see the module docstring).

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer, in any CRS (it must have one).
    name : str
        Layer name, used in reports.
    classes : Series of str, optional
        Class of each feature (e.g. land-use class); overlapping features are
        merged only within a class, and areas are reported per class.
    max_vertices : int
        Most coordinates in one piece.
    """
    m = to_measurable(gdf.geometry)
    if classes is None:
        names: tuple[str, ...] = ("all",)
        feature_class = np.zeros(len(gdf), dtype=np.int64)
    else:
        codes, uniques = pd.factorize(classes.astype("string").fillna("(none)"), sort=True)
        names, feature_class = tuple(str(u) for u in uniques), codes.astype(np.int64)
    parts, owner = polygon_parts(m.geoms)
    pieces, piece_part = subdivide(parts, np.arange(len(parts)), max_vertices)
    piece_feature = owner[piece_part]
    pairs = _overlapping_pairs(pieces, piece_feature, _overlap_suspects(parts, owner)[piece_part])
    flat, flat_class = _flatten(pieces, feature_class[piece_feature], pairs, max_vertices)
    if len(names) > 1:
        flat_all, _ = _flatten(pieces, np.zeros_like(piece_feature), pairs, max_vertices)
    else:
        flat_all = flat
    return PreparedLayer(
        name=name,
        n_features=len(gdf),
        classes=names,
        feature_class=feature_class,
        pieces=pieces,
        piece_feature=piece_feature.astype(np.int64),
        flat=flat,
        flat_class=flat_class.astype(np.int64),
        flat_all=flat_all,
        repairs=m.repairs,
        empty=m.empty,
    )


@dataclass
class Hits:
    """Intersections of polygons with an array of layer pieces (positive areas only).

    Computed once per (polygons, pieces) and shared by every total derived
    from them. ``index`` is the polygon row, ``piece`` the piece row,
    ``area`` in m² (EQUAL_AREA).
    """

    index: np.ndarray
    piece: np.ndarray
    geometry: np.ndarray
    area: np.ndarray


def hits(
    geoms: np.ndarray,
    pieces: np.ndarray,
    tree: shapely.STRtree,
    on_chunk: Callable[[int], None] | None = None,
) -> Hits:
    """Intersect each polygon with the pieces its bounding box meets; keep positive areas.

    The polygons are taken :data:`HITS_CHUNK` at a time (each chunk one vectorised pass,
    so the pairs' intersections in memory are bounded); ``on_chunk`` receives the number
    of polygons done after each.
    """
    found = []
    for start in range(0, len(geoms), HITS_CHUNK):
        gi, pi = tree.query(geoms[start : start + HITS_CHUNK], predicate="intersects")
        gi = gi + start
        inter = shapely.intersection(geoms[gi], pieces[pi])
        area = shapely.area(inter)
        pos = area > 0
        found.append((gi[pos].astype(np.int64), pi[pos].astype(np.int64), inter[pos], area[pos]))
        if on_chunk is not None:
            on_chunk(min(start + HITS_CHUNK, len(geoms)))
    if not found:
        return Hits(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object), np.empty(0))
    index, piece, geometry, area = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return Hits(index, piece, geometry, area)


def area_by_key(h: Hits, keys: np.ndarray, n: int, n_keys: int) -> np.ndarray:
    """Area (m²) of each polygon covered by pieces of each key, shape ``(n, n_keys)``.

    The pieces of one key must be pairwise disjoint (a prepared layer's ``flat``
    or ``flat_all``), so summing the intersection areas counts nothing twice.
    """
    out = np.zeros((n, n_keys))
    np.add.at(out, (h.index, keys[h.piece]), h.area)
    return out


def pieces_by_key(h: Hits, keys: np.ndarray, tolerance_m: float) -> pd.DataFrame:
    """The overlap of each polygon with the layer, one geometry per (polygon, key).

    Parameters
    ----------
    h : Hits
    keys : ndarray of int
        Key of each piece to group by (feature row, or class code); pieces with
        a negative key are skipped.
    tolerance_m : float
        A group whose overlap has no point farther than this from its edge
        (narrower than 2 × tolerance everywhere) is flagged ``sliver``.

    Returns
    -------
    DataFrame
        ``index`` (polygon row), ``key``, ``area_m2`` (area of the union, so
        overlapping pieces count once), ``sliver``, ``geometry`` (EQUAL_AREA).
    """
    key = keys[h.piece].astype(np.int64)
    wanted = key >= 0
    n_keys = int(keys.max()) + 1 if len(keys) else 1
    labels, unions = grouped_union(h.geometry[wanted], h.index[wanted] * n_keys + key[wanted])
    return pd.DataFrame(
        {
            "index": labels // n_keys,
            "key": labels % n_keys,
            "area_m2": shapely.area(unions) if len(unions) else np.empty(0),
            "sliver": shapely.is_empty(shapely.buffer(unions, -tolerance_m)),
            "geometry": unions,
        }
    )


@dataclass
class Contacts:
    """How each polygon meets a layer: see :func:`contact_with`."""

    overlap_m2: np.ndarray
    distance_m: np.ndarray
    state: np.ndarray  # of Contact values
    contact_length_m: np.ndarray


def contact_with(
    geoms: np.ndarray, layer: PreparedLayer, tolerance_m: float, whole: Hits | None = None
) -> Contacts:
    """Classify each polygon's contact with a whole layer (all classes together).

    * ``overlapping``: the overlap is wider than 2 × ``tolerance_m`` somewhere;
    * ``touching``: the polygons are no farther apart than ``tolerance_m``, or
      they overlap only in slivers narrower than that (shared edges do not
      survive reprojection: rounding turns them into hair-thin overlaps or gaps);
    * ``clear``: otherwise.

    ``distance_m`` is the geodesic minimum distance (0 when overlapping or in a
    sliver), NaN for an empty layer; ``contact_length_m`` is the geodesic length
    of the polygon's boundary within ``tolerance_m`` of the layer, for touching
    polygons.
    """
    n = len(geoms)
    if whole is None:
        whole = hits(geoms, layer.flat_all, layer.flat_all_tree)
    pieces = pieces_by_key(whole, np.zeros(len(layer.flat_all), dtype=np.int64), tolerance_m)
    overlap = np.zeros(n)
    overlap[pieces["index"].to_numpy(int)] = pieces["area_m2"].to_numpy(float)
    deep = np.zeros(n, dtype=bool)
    deep[pieces.loc[~pieces["sliver"].astype(bool), "index"].to_numpy(int)] = True

    distance = np.full(n, np.nan)
    if len(layer.flat_all):
        (gi, fi), _ = layer.flat_all_tree.query_nearest(
            geoms, return_distance=True, all_matches=False
        )
        line = shapely.shortest_line(geoms[gi], layer.flat_all[fi])
        a, b = shapely.get_point(line, 0), shapely.get_point(line, 1)
        distance[gi] = geodesic_distance_m(
            shapely.get_x(a), shapely.get_y(a), shapely.get_x(b), shapely.get_y(b), EQUAL_AREA
        )
        distance[overlap > 0] = 0.0
    touching = ~deep & ((overlap > 0) | (distance <= tolerance_m))
    state = np.where(deep, Contact.OVERLAPPING, np.where(touching, Contact.TOUCHING, Contact.CLEAR))

    length = np.zeros(n)
    idx = np.flatnonzero(touching)
    if idx.size:
        gi, fi = layer.flat_all_tree.query(
            geoms[idx], predicate="dwithin", distance=2 * tolerance_m
        )
        labels, near = grouped_union(layer.flat_all[fi], idx[gi])
        edge = shapely.intersection(
            shapely.boundary(geoms[labels]), shapely.buffer(near, tolerance_m)
        )
        length[labels] = geodesic_length_m(edge, EQUAL_AREA)
    return Contacts(overlap, distance, state, length)
