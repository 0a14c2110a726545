"""Patches traced from masks unlike the demo's: speckle, corner contacts, holes, strips.

Answers by hand: every patch is one valid (multi)polygon made of exactly its pixels, and
a grid given in strips gives the patches of one grid.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from affine import Affine
from scipy import ndimage

from greenmine_geo.imagery.patches import PatchTracer

T = Affine(2.0, 0, 1000.0, 0, -2.0, 5000.0)  # 2 m pixels, north-up
EIGHT = np.ones((3, 3), bool)


def traced(mask: np.ndarray, rows: int | None = None, min_pixels: float = 1):
    tracer = PatchTracer(T, 4.0, min_pixels * 4.0)
    rows = rows or mask.shape[0]
    weights = np.ones(mask.shape, np.float32)
    for top in range(0, mask.shape[0], rows):
        tracer.add(mask[top : top + rows], weights[top : top + rows])
    return tracer.finish()


def masks():
    rng = np.random.default_rng(5)
    for k in range(12):
        speckle = rng.random((90, 70)) < 0.35 + 0.02 * k  # many corner contacts
        blobs = ndimage.uniform_filter(rng.random((90, 70)), 5) < 0.45 + 0.01 * k
        yield speckle if k % 2 else blobs & ~(rng.random((90, 70)) < 0.1)  # blobs with holes


@pytest.mark.parametrize("rows", [None, 7, 1])
def test_each_patch_is_one_valid_polygon_of_exactly_its_pixels(rows):
    for mask in masks():
        labels, n = ndimage.label(mask, structure=EIGHT)
        sizes = np.bincount(labels.ravel())[1:]
        found = traced(mask, rows, min_pixels=3)
        kept = np.flatnonzero(sizes >= 3) + 1
        assert len(found) == kept.size
        assert shapely.is_valid(found.geometry).all()
        assert sorted(found.area_m2) == pytest.approx(sorted(sizes[kept - 1] * 4.0))
        np.testing.assert_allclose(shapely.area(found.geometry), found.area_m2)
        # no two patches overlap, and each pixel centre of a kept patch is in one polygon
        assert shapely.area(shapely.union_all(found.geometry)) == pytest.approx(found.area_m2.sum())
        r, c = np.nonzero(np.isin(labels, kept))
        x, y = T @ (c + 0.5, r + 0.5)
        inside = shapely.contains_xy(found.geometry[:, None], x[None], y[None])
        assert (inside.sum(axis=0) == 1).all()


def test_pixels_meeting_at_a_corner_are_one_patch():
    mask = np.zeros((4, 4), bool)
    mask[0, 0] = mask[1, 1] = mask[2, 2] = True
    mask[0, 3] = mask[3, 0] = True  # two more, touching none
    found = traced(mask)
    assert found.area_m2.tolist() == [12.0, 4.0, 4.0]
    assert shapely.is_valid(found.geometry).all()
    # a ring round a hole that touches the outside at a corner
    ring = np.ones((3, 3), bool)
    ring[1, 1] = ring[0, 0] = False
    found = traced(np.pad(ring, 1))
    assert len(found) == 1 and found.area_m2[0] == 7 * 4.0
    assert shapely.is_valid(found.geometry[0]) and shapely.area(found.geometry[0]) == 28.0


def test_equal_patches_are_numbered_from_the_north_west():
    mask = np.zeros((6, 6), bool)
    mask[4, 0] = mask[0, 4] = mask[0, 1] = True  # three single pixels
    found = traced(mask)
    xy = shapely.get_coordinates(shapely.centroid(found.geometry))
    assert xy[:, 1].tolist() == sorted(xy[:, 1], reverse=True)
    assert xy[0, 0] < xy[1, 0]  # the two in the top row: west first
