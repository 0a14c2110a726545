"""Vectorised geometry helpers: properties that must hold for any input."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from greenmine_geo.geometry import (
    densify,
    grouped_union,
    polygon_parts,
    repair_polygons,
    rings_around,
    subdivide,
)

coord = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(x0=coord, y0=coord, w=st.floats(1, 500), h=st.floats(1, 500), step=st.floats(0.5, 300))
def test_densify_keeps_area_and_shared_edges_identical(x0, y0, w, h, step):
    left, right = box(x0, y0, x0 + w, y0 + h), box(x0 + w, y0, x0 + 2 * w, y0 + h)
    dense = densify(np.array([left, right]), step)
    assert np.allclose(shapely.area(dense), [left.area, right.area], rtol=1e-9)
    assert shapely.get_coordinates(shapely.segmentize(shapely.get_exterior_ring(dense), 1e9)).size
    # neighbours stay an exact coverage (shapely.segmentize breaks this)
    assert shapely.is_empty(shapely.coverage_invalid_edges(dense)).all()
    assert max(np.hypot(*np.diff(shapely.get_coordinates(dense[0]), axis=0).T)) <= step * (1 + 1e-9)


def test_densify_keeps_holes():
    poly = Polygon(box(0, 0, 100, 100).exterior.coords, [box(40, 40, 60, 60).exterior.coords])
    out = densify(np.array([poly]), 7.0)[0]
    assert out.area == poly.area and len(out.interiors) == 1


@settings(max_examples=40, deadline=None)
@given(n=st.integers(8, 3000), seed=st.integers(0, 10_000))
def test_subdivide_pieces_are_small_and_add_up(n, seed):
    rng = np.random.default_rng(seed)
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 100 * (1 + 0.3 * rng.random(n))
    poly = Polygon(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
    pieces, owner = subdivide(np.array([poly]), np.array([7]), max_vertices=64)
    assert (shapely.get_num_coordinates(pieces) <= 64).all()
    assert (owner == 7).all()
    assert shapely.area(pieces).sum() == np.float64(poly.area) or np.isclose(
        shapely.area(pieces).sum(), poly.area, rtol=1e-12
    )
    assert np.isclose(shapely.union_all(pieces).area, poly.area, rtol=1e-12)


def test_repair_keeps_both_bowtie_lobes_and_says_why():
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    fixed, rows, reasons = repair_polygons(np.array([box(0, 0, 1, 1), bowtie], dtype=object))
    assert rows.tolist() == [1] and reasons[0].startswith("Self-intersection")
    assert fixed[1].area == 2.0 and fixed[0].equals(box(0, 0, 1, 1))


def test_polygon_parts_drops_lines_and_unnests():
    gc = shapely.GeometryCollection(
        [
            shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)]),
            shapely.LineString([(0, 0), (5, 5)]),
        ]
    )
    parts, owner = polygon_parts(np.array([gc, box(9, 9, 10, 10)], dtype=object))
    assert sorted(owner.tolist()) == [0, 0, 1] and len(parts) == 3


def test_grouped_union_small_and_large_groups():
    small = [box(0, 0, 2, 1), box(1, 0, 3, 1)]  # union area 3
    large = [box(i, 10, i + 1, 11) for i in range(100)]  # 100 adjacent unit squares
    geoms = np.array(small + large + [box(50, 50, 51, 51)], dtype=object)
    groups = np.array([5, 5] + [2] * 100 + [9])
    labels, unions = grouped_union(geoms, groups)
    assert labels.tolist() == [2, 5, 9]
    assert shapely.area(unions).tolist() == [100.0, 3.0, 1.0]


def test_rings_around_subtract_only_what_they_meet():
    # two 10 m squares 30 m apart, rings 5 m wide; an excluded 1 m × 10 m strip lies in the
    # straight east side of the first ring only
    a, b = shapely.box(0, 0, 10, 10), shapely.box(40, 0, 50, 10)
    strip = shapely.box(12, 0, 13, 10)
    rings = rings_around(np.array([a, b, shapely.Polygon()]), 5.0, np.array([a, b, strip]))
    full = shapely.buffer(a, 5.0).area - 100  # buffer minus the square itself
    assert rings[0].area == pytest.approx(full - 10)
    assert rings[1].area == pytest.approx(full) and rings[2].is_empty
