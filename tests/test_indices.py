"""Vegetation indices, reflectance scaling and end-members, against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from greenmine_geo.imagery.indices import (
    EndMembers,
    end_members,
    fvc,
    to_reflectance,
    vegetation_index,
)

R, N = np.array([0.05]), np.array([0.45])


def test_index_formulas():
    assert vegetation_index(R, N, "ndvi")[0] == pytest.approx(0.4 / 0.5)
    assert vegetation_index(R, N, "savi")[0] == pytest.approx(1.5 * 0.4 / (0.5 + 0.5))  # 0.6
    # MSAVI2: a = 2N + 1 = 1.9; (1.9 − √(1.9² − 8 × 0.4)) / 2 = (1.9 − √0.41) / 2
    assert vegetation_index(R, N, "msavi2")[0] == pytest.approx((1.9 - 0.41**0.5) / 2)
    with pytest.raises(ValueError, match="unknown index"):
        vegetation_index(R, N, "evi")


def test_sentinel2_l2a_offset_is_removed():
    red, nir = np.array([1500], np.uint16), np.array([5500], np.uint16)  # ρ × 10000 + 1000
    r, n, how = to_reflectance(
        red, nir, dtype=np.dtype("uint16"), sentinel2_offset=True, dark=(0, 0)
    )
    assert (r[0], n[0]) == pytest.approx((0.05, 0.45)) and "Sentinel-2" in how


def test_digital_numbers_lose_red_haze_only():
    red, nir = np.array([40, 10], np.uint8), np.array([200, 120], np.uint8)
    r, n, how = to_reflectance(
        red, nir, dtype=np.dtype("uint8"), sentinel2_offset=False, dark=(10, 100)
    )
    assert r.tolist() == pytest.approx([30 / 255, 0.0]) and n.tolist() == pytest.approx(
        [200 / 255, 120 / 255]
    )
    assert "uncalibrated" in how


def test_water_and_roofs_never_become_end_members():
    # vegetation (red 0.05, NIR 0.45), soil (0.25, 0.30), water after haze removal (red 0,
    # NIR 0.02: NDVI 1, brighter in NDVI than any plant) and bright roofs (0.6, 0.6: NDVI 0)
    rng = np.random.default_rng(1)
    red = np.concatenate(
        [np.full(4000, 0.05), np.full(4000, 0.25), np.zeros(1500), np.full(60, 0.6)]
    )
    nir = np.concatenate(
        [np.full(4000, 0.45), np.full(4000, 0.30), np.full(1500, 0.02), np.full(60, 0.6)]
    )
    red = red + rng.normal(0, 0.002, red.size).clip(0)
    vi = (nir - red) / (nir + red)
    em = end_members(vi, red, nir)
    assert em.soil == pytest.approx(0.05 / 0.55, abs=0.01) and em.veg == pytest.approx(
        0.8, abs=0.01
    )
    assert not em.degenerate and "water" in em.source


def test_fvc_is_clipped_and_degenerate_end_members_are_flagged():
    em = EndMembers(0.1, 0.7, "given", False)
    assert fvc(np.array([0.0, 0.1, 0.4, 0.7, 0.9]), em).tolist() == pytest.approx([0, 0, 0.5, 1, 1])
    assert end_members(np.ones(10), np.ones(10), np.ones(10), given=(0.5, 0.55)).degenerate
