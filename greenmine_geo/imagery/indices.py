"""Vegetation indices and fractional vegetation cover (像元二分模型).

Formulas (N = near-infrared, R = red, in reflectance or consistently scaled DN):

* NDVI   = (N − R) / (N + R)
* SAVI   = 1.5 (N − R) / (N + R + 0.5)            (reflectance 0-1 only)
* MSAVI2 = (2N + 1 − √((2N + 1)² − 8(N − R))) / 2  (reflectance 0-1 only)
* FVC    = (VI − VI_soil) / (VI_veg − VI_soil), clipped to [0, 1]

End-members come from scene percentiles (default 5th / 95th) among pixels
that can be soil or vegetation: water and deep shadow are excluded from both
(see :func:`end_members`), roofs, cloud and saturated glare from the soil
pool, so none of them becomes an end-member. The end-members used are always
returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["INDICES", "EndMembers", "end_members", "fvc", "to_reflectance", "vegetation_index"]

INDICES = ("ndvi", "savi", "msavi2")


def to_reflectance(
    red: np.ndarray,
    nir: np.ndarray,
    *,
    dtype: np.dtype,
    sentinel2_offset: bool,
    dark: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, str]:
    """Bring red and NIR to approximate surface reflectance (0-1), and say how.

    * floats already in 0-1 are kept;
    * Sentinel-2 L2A (baseline ≥ 04.00) stores ``(ρ × 10000) + 1000``: the offset is removed;
    * other integers are digital numbers: dark-object subtraction on the red
      band (``dark[0]``, the scene's 1st percentile) removes haze, then the
      values are scaled by 1/10000 (uint16) or 1/255 (uint8). Haze (Rayleigh
      scattering) is strong in the visible and negligible in the near-infrared;
      the darkest NIR pixels of a scene without water or shadow are bare soil
      with real signal, so NIR is not corrected. NDVI does not depend on the
      scale; SAVI and MSAVI2 do, so DN-based values are approximate.
    """
    r, n = red.astype(np.float32), nir.astype(np.float32)
    if np.issubdtype(dtype, np.floating):
        return r, n, "reflectance"
    if sentinel2_offset:
        return (
            (r - 1000) / 10000,
            (n - 1000) / 10000,
            "Sentinel-2 L2A: offset −1000 removed, ÷10000",
        )
    scale = 255.0 if np.dtype(dtype).itemsize == 1 else 10000.0
    r = np.maximum(r - dark[0], 0) / scale
    n = n / scale
    return (
        r,
        n,
        f"uncalibrated digital numbers: red haze {dark[0]:g} removed (dark object), ÷{scale:g}",
    )


def vegetation_index(red: np.ndarray, nir: np.ndarray, index: str) -> np.ndarray:
    """NDVI, SAVI or MSAVI2 of reflectance arrays (NaN where undefined)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if index == "ndvi":
            return (nir - red) / (nir + red)
        if index == "savi":
            return 1.5 * (nir - red) / (nir + red + 0.5)
        if index == "msavi2":
            a = 2 * nir + 1
            return (a - np.sqrt(np.maximum(a * a - 8 * (nir - red), 0))) / 2
    raise ValueError(f"unknown index {index!r}; use one of {', '.join(INDICES)}")


@dataclass(frozen=True)
class EndMembers:
    """VI of bare soil and of full vegetation, how they were chosen, and any warning."""

    soil: float
    veg: float
    source: str
    degenerate: bool


def end_members(
    vi: np.ndarray,
    red: np.ndarray,
    nir: np.ndarray,
    *,
    percentiles: tuple[float, float] = (5.0, 95.0),
    given: tuple[float, float] | None = None,
) -> EndMembers:
    """Choose FVC end-members from a sample of valid scene pixels (1-D arrays).

    ``vi`` is the chosen index of the pixels, ``red`` and ``nir`` their
    reflectance (or haze-corrected DN on one scale). Water and deep shadow
    (NDVI < 0, or NIR below half the scene's median: after haze removal
    water's red can be 0, which makes its NDVI 1) are left out of both pools;
    roofs, cloud and glare (the brightest 1 %) and the darkest 2 % are left out
    of the soil pool. ``given`` (soil, veg) overrides the percentiles.
    End-members closer than 0.1 apart are flagged ``degenerate`` (a scene of one
    cover type).
    """
    if given is not None:
        soil, veg = given
        return EndMembers(float(soil), float(veg), "given", veg - soil < 0.1)
    ok = np.isfinite(vi) & np.isfinite(red) & np.isfinite(nir)
    vi, red, nir = vi[ok], red[ok], nir[ok]
    if vi.size == 0:
        return EndMembers(float("nan"), float("nan"), "no valid pixels", True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ndvi = (nir - red) / (nir + red)
    land = (ndvi >= 0) & (nir >= 0.5 * np.median(nir))
    brightness = (red + nir) / 2
    lo, hi = np.percentile(brightness[land], (2, 99)) if land.any() else (0.0, 0.0)
    # only pixels strictly beyond the percentiles are dropped: where many pixels share
    # the cut-off value (a uniform bright soil), they must stay in the pool
    soil_pool = land & (brightness >= lo) & (brightness <= hi)
    soil_vi = vi[soil_pool] if soil_pool.sum() >= 100 else vi
    veg_vi = vi[land] if land.sum() >= 100 else vi
    soil, veg = np.percentile(soil_vi, percentiles[0]), np.percentile(veg_vi, percentiles[1])
    src = (
        f"scene percentiles {percentiles[0]:g}/{percentiles[1]:g} "
        "(water and shadow excluded; roofs and glare excluded from soil)"
    )
    return EndMembers(float(soil), float(veg), src, bool(veg - soil < 0.1))


def fvc(vi: np.ndarray, em: EndMembers) -> np.ndarray:
    """Fractional vegetation cover in [0, 1] (NaN where VI is NaN)."""
    span = max(em.veg - em.soil, 1e-6)
    with np.errstate(invalid="ignore"):
        return np.clip((vi - em.soil) / span, 0.0, 1.0)
