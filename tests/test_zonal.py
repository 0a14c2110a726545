"""Exact coverage weights against GEOS's pixel ∩ polygon areas."""

import numpy as np
import pytest
import shapely
from affine import Affine

from greenmine_geo.imagery.zonal import coverage_fraction


def _geos_coverage(geom, tr, shape):
    """The slow reference: each pixel as its quadrilateral, intersected with the polygon by GEOS."""
    rows, cols = np.indices(shape)
    corners = [tr @ (cols + dc, rows + dr) for dc, dr in ((0, 0), (1, 0), (1, 1), (0, 1))]
    ring = np.stack([np.stack(c, axis=-1) for c in corners], axis=-2)  # (rows, cols, 4, 2)
    pixels = shapely.polygons(ring)
    return shapely.area(shapely.intersection(pixels, geom)) / abs(tr.determinant)


def _random_polygons(n):
    rng = np.random.default_rng(7)
    for i in range(n):
        pts = rng.uniform(0, 300, (12, 2))
        g = shapely.concave_hull(shapely.multipoints(pts), 0.3).buffer(15)
        if i % 2:  # a hole
            g = g.difference(shapely.Point(pts[0]).buffer(25))
        if i % 3 == 0:  # a second part, partly off the grid
            g = g.union(shapely.box(300, -40, 380, 30))
        yield g


@pytest.mark.parametrize(
    "tr",
    [
        Affine(10, 0, 0, 0, -10, 300),
        Affine(7.5, 0, -20, 0, 7.5, -30),
        Affine(-8, 0, 330, 0, -8, 310),
        Affine(0, 8, -10, 8, 0, -10),
        # rotated 30°: the grid's CRS bounding box holds polygon parts that are off the grid
        Affine.translation(60, -40) @ Affine.rotation(30) @ Affine.scale(8, 8),
    ],
    ids=["north-up", "south-up", "east-to-west", "rotated-90", "rotated-30"],
)
def test_weights_equal_pixel_polygon_intersections(tr):
    shape = (40, 42)
    for g in _random_polygons(30):
        ours = coverage_fraction(g, tr, shape)
        np.testing.assert_allclose(ours, _geos_coverage(g, tr, shape), atol=1e-6)


def test_weights_sum_to_the_area_and_reversed_rings_change_nothing():
    tr = Affine(10, 0, 0, 0, -10, 300)
    g = shapely.Polygon(
        [(3, 3), (297, 11), (250, 290), (3, 3)], holes=[[(150, 80), (200, 80), (180, 120)]]
    )
    assert g.is_valid
    ours = coverage_fraction(g, tr, (30, 30))
    assert ours.sum() * 100 == pytest.approx(g.area, rel=1e-9)
    np.testing.assert_array_equal(coverage_fraction(g.reverse(), tr, (30, 30)), ours)


def test_empty_and_off_grid_polygons_weigh_nothing():
    tr = Affine(10, 0, 0, 0, -10, 300)
    assert coverage_fraction(shapely.Polygon(), tr, (5, 5)).sum() == 0
    assert coverage_fraction(shapely.box(1000, 1000, 1100, 1100), tr, (5, 5)).sum() == 0
