"""Vegetation indices, reflectance scaling and end-members, against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from greenmine_geo.imagery.indices import (
    EndMembers,
    calibration,
    end_members,
    fvc,
    mixture_vi,
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
    cal = calibration(np.dtype("uint16"), sentinel2_offset=True, nir=nir)
    assert (cal.apply(red)[0], cal.apply(nir)[0]) == pytest.approx((0.05, 0.45))
    assert cal.calibrated and "Sentinel-2" in cal.description


def test_digital_numbers_are_scaled_and_never_haze_corrected_on_one_band():
    red, nir = np.array([40, 10], np.uint8), np.array([200, 120], np.uint8)
    cal = calibration(np.dtype("uint8"), sentinel2_offset=False, nir=nir)
    assert cal.apply(red).tolist() == pytest.approx([40 / 255, 10 / 255])
    assert cal.apply(nir).tolist() == pytest.approx([200 / 255, 120 / 255])
    assert not cal.calibrated and "uncalibrated" in cal.description
    # floats that are not 0-1 are DN stored as floats
    big = np.array([3000.0, 4500.0], np.float32)
    assert not calibration(np.dtype("float32"), sentinel2_offset=False, nir=big).calibrated
    assert calibration(np.dtype("float32"), sentinel2_offset=False, nir=big / 10000).calibrated


def test_water_roofs_and_shadow_never_become_end_members():
    # vegetation (red 0.05, NIR 0.45), dark coal ground (0.05, 0.06), water (0.04, 0.02),
    # pit shadow (0.012, 0.018: NDVI 0.2) and red roofs (0.5, 0.3: NDVI −0.25)
    rng = np.random.default_rng(1)
    parts = [(0.05, 0.45, 4000), (0.05, 0.06, 4000), (0.04, 0.02, 1500), (0.012, 0.018, 900)]
    parts.append((0.5, 0.3, 600))
    red = np.concatenate([np.full(n, r) for r, _, n in parts])
    nir = np.concatenate([np.full(n, v) for _, v, n in parts])
    red = red + rng.normal(0, 0.001, red.size).clip(0)
    vi = (nir - red) / (nir + red)
    em = end_members(vi, red, nir)
    assert em.soil == pytest.approx(0.01 / 0.11, abs=0.02)  # the coal ground, not the water
    assert em.veg == pytest.approx(0.8, abs=0.01) and not em.degenerate and not em.notes
    assert "3,000 water/shadow pixels left out" in em.source


def test_calibrated_end_members_that_are_not_what_they_claim_are_replaced_and_said():
    grass = np.full(2000, 0.5)  # a meadow: NDVI 0.5 to 0.75, no bare ground
    vi = grass + np.linspace(0, 0.25, 2000)
    em = end_members(vi, np.full(2000, 0.05), np.full(2000, 0.3))
    assert em.soil == pytest.approx(mixture_vi(0.0, "ndvi")) == pytest.approx(0.05 / 0.45)
    assert em.veg == pytest.approx(np.percentile(vi, 95)) and "no bare ground" in em.notes[0]
    bare = np.linspace(0.05, 0.2, 2000)  # a desert: no full cover
    em = end_members(bare, np.full(2000, 0.2), np.full(2000, 0.25))
    assert em.veg == pytest.approx(mixture_vi(1.0, "ndvi")) == pytest.approx(0.36 / 0.44)
    assert "no full vegetation" in em.notes[0] and not em.degenerate
    # uncalibrated: no absolute scale, so a flat scene is only flagged
    em = end_members(bare / 2, np.full(2000, 0.2), np.full(2000, 0.25), calibrated=False)
    assert em.degenerate and "degenerate" in em.notes[0]
    thin = end_members(vi[:50], np.full(50, 0.05), np.full(50, 0.3))
    assert any("only 50" in n for n in thin.notes)


def test_fvc_is_clipped_and_degenerate_end_members_are_flagged():
    em = EndMembers(0.1, 0.7, "given", False)
    assert fvc(np.array([0.0, 0.1, 0.4, 0.7, 0.9]), em).tolist() == pytest.approx([0, 0, 0.5, 1, 1])
    assert end_members(np.ones(10), np.ones(10), np.ones(10), given=(0.5, 0.55)).degenerate
