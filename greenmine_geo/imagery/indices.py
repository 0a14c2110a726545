"""Vegetation indices and fractional vegetation cover (像元二分模型).

Formulas (N = near-infrared, R = red, in reflectance or consistently scaled DN):

* NDVI   = (N − R) / (N + R)
* SAVI   = 1.5 (N − R) / (N + R + 0.5)            (reflectance 0-1 only)
* MSAVI2 = (2N + 1 − √((2N + 1)² − 8(N − R))) / 2  (reflectance 0-1 only)
* FVC    = (VI − VI_soil) / (VI_veg − VI_soil), clipped to [0, 1]

End-members (:func:`end_members`) are scene percentiles (default 5th / 95th) of the
pixels that can be bare ground or vegetation. Water and shadow leave both pools by
what they are, never by brightness relative to the scene (dark coal ground, wet and
burned soil are bare ground and stay):

* water and red-dominated surfaces (some roofs): NIR below 0.7 × red (NDVI < −0.18);
  bare ground, however dark or hazy, reflects about as much NIR as red or more;
* in calibrated images (reflectance, Sentinel-2 L2A): no NIR signal (NIR reflectance
  below 0.03: deep shadow, clear deep water), and with a green band open water by
  NDWI = (G − N) / (G + N) above 0.3 (dark ground stays below 0 and hazy coal below 0.2).

The brightest 1 % (roofs, glare) leave the soil pool. In calibrated images an
end-member must also be what it claims: the soil end-member at most the VI of a 25 %
vegetated mixture of the typical spectra below, the vegetation one at least that of a
60 % mixture; otherwise (a scene with no bare ground, or no full vegetation) the
typical spectrum's VI stands in for it, and the result's ``notes`` say so. Digital
numbers carry no absolute scale, so there the scene's percentiles are all there is;
a thin pool or end-members closer than 0.1 are flagged in ``notes``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "INDICES",
    "SOIL_SPECTRUM",
    "VEGETATION_SPECTRUM",
    "Calibration",
    "EndMembers",
    "calibration",
    "end_members",
    "fvc",
    "mixture_vi",
    "not_ground",
    "vegetation_index",
]

INDICES = ("ndvi", "savi", "msavi2")

#: Typical (red, NIR) surface reflectance of bare loess/sandy soil and of full green cover.
SOIL_SPECTRUM = (0.20, 0.25)
VEGETATION_SPECTRUM = (0.04, 0.40)
#: Vegetated share of a linear mixture of the typical spectra: a scene's soil end-member
#: above the mixture's VI at SOIL_MAX_COVER is not bare ground, a vegetation end-member
#: below it at VEG_MIN_COVER is not full cover (calibrated images only).
SOIL_MAX_COVER = 0.25
VEG_MIN_COVER = 0.60
#: NIR / red below which a pixel is water (or a red-dominated roof), not ground.
WATER_NIR_TO_RED = 0.7
#: NIR reflectance below which there is no signal: deep shadow, clear deep water.
SHADOW_NIR = 0.03
#: NDWI (green − NIR) / (green + NIR) above which a calibrated pixel is open water.
WATER_NDWI = 0.3
#: Fewest pixels an end-member pool needs before its percentile is trusted.
MIN_POOL = 100
#: End-members closer than this (index units) cannot separate bare ground from vegetation.
MIN_SPAN = 0.1


@dataclass(frozen=True)
class Calibration:
    """How an image's values become (approximate) surface reflectance: ``(v − offset) / scale``."""

    offset: float
    scale: float
    calibrated: bool
    description: str

    def apply(self, values: np.ndarray) -> np.ndarray:
        """Reflectance (float32) of image values."""
        return (values.astype(np.float32) - self.offset) / self.scale


def calibration(dtype: np.dtype, *, sentinel2_offset: bool, nir: np.ndarray) -> Calibration:
    """How the image's values are read as reflectance, decided from its type and a NIR sample.

    * floats in 0-1 (the sample's 99th NIR percentile at most 1.5) are reflectance;
    * Sentinel-2 L2A (baseline ≥ 04.00) stores ``(ρ × 10000) + 1000``: the offset is
      removed;
    * anything else is uncalibrated digital numbers, scaled by 1/255 (uint8) or 1/10000
      (wider). No haze is removed: subtracting a dark object from red but not from NIR
      turns dark bare ground into "vegetation", and subtracting it from both turns it
      into noise; the scene's end-members absorb the haze instead. NDVI does not depend
      on the scale; SAVI and MSAVI2 do, so DN-based values are approximate.
    """
    if np.issubdtype(dtype, np.floating):
        finite = nir[np.isfinite(nir)]
        if finite.size == 0 or float(np.percentile(finite, 99)) <= 1.5:
            return Calibration(0.0, 1.0, True, "reflectance")
        scale = 10000.0
    elif sentinel2_offset:
        return Calibration(1000.0, 10000.0, True, "Sentinel-2 L2A: offset −1000 removed, ÷10000")
    else:
        scale = 255.0 if np.dtype(dtype).itemsize == 1 else 10000.0
    return Calibration(
        0.0,
        scale,
        False,
        f"uncalibrated digital numbers ÷{scale:g} (no haze removed; the scene's end-members "
        "absorb it)",
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


def mixture_vi(cover: float, index: str) -> float:
    """The VI of a linear reflectance mixture: ``cover`` of VEGETATION_SPECTRUM, the rest soil."""
    red, nir = (
        cover * v + (1 - cover) * s for v, s in zip(VEGETATION_SPECTRUM, SOIL_SPECTRUM, strict=True)
    )
    return float(vegetation_index(np.array([red]), np.array([nir]), index)[0])


def not_ground(
    red: np.ndarray, nir: np.ndarray, green: np.ndarray | None, calibrated: bool
) -> np.ndarray:
    """Water and shadow: pixels that are neither bare ground nor vegetation (see the module)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = nir < WATER_NIR_TO_RED * red
        if calibrated:
            out |= nir < SHADOW_NIR
            if green is not None:
                out |= (green - nir) / (green + nir) > WATER_NDWI
    return out


@dataclass(frozen=True)
class EndMembers:
    """VI of bare soil and of full vegetation, how they were chosen, and their caveats.

    ``degenerate``: too close to separate bare ground from vegetation (FVC unreliable);
    ``notes``: what a reader of the result must know (a stand-in end-member, a thin pool).
    """

    soil: float
    veg: float
    source: str
    degenerate: bool
    notes: tuple[str, ...] = ()


def end_members(
    vi: np.ndarray,
    red: np.ndarray,
    nir: np.ndarray,
    *,
    index: str = "ndvi",
    green: np.ndarray | None = None,
    calibrated: bool = True,
    percentiles: tuple[float, float] = (5.0, 95.0),
    given: tuple[float, float] | None = None,
) -> EndMembers:
    """Choose FVC end-members from a sample of valid, cloud-free scene pixels (1-D arrays).

    ``vi`` is the chosen index of the pixels, ``red``, ``nir`` (and ``green``) their
    reflectance, or scaled DN when not ``calibrated``. ``given`` (soil, veg) overrides
    the scene. See the module for the pools and the checks.
    """
    if given is not None:
        soil, veg = given
        return EndMembers(float(soil), float(veg), "given", veg - soil < MIN_SPAN)
    ok = np.isfinite(vi) & np.isfinite(red) & np.isfinite(nir)
    vi, red, nir = vi[ok], red[ok], nir[ok]
    green = green[ok] if green is not None else None
    if vi.size == 0:
        return EndMembers(float("nan"), float("nan"), "no valid pixels", True)
    ground = ~not_ground(red, nir, green, calibrated)
    brightness = red + nir
    top = np.percentile(brightness[ground], 99) if ground.any() else 0.0
    # only pixels strictly above the cut-off leave: a uniform bright soil must stay
    soil_pool, veg_pool = vi[ground & (brightness <= top)], vi[ground]
    notes: list[str] = []
    soil = _percentile(soil_pool, percentiles[0], "bare-ground", notes)
    veg = _percentile(veg_pool, percentiles[1], "vegetation", notes)
    source = (
        f"scene percentiles {percentiles[0]:g}/{percentiles[1]:g} of {soil_pool.size:,} "
        f"bare-ground and {veg_pool.size:,} vegetation candidates "
        f"({int((~ground).sum()):,} water/shadow pixels left out)"
    )
    if calibrated:
        soil, veg = _plausible(soil, veg, index, notes)
    if np.isfinite(soil) and np.isfinite(veg) and veg - soil < MIN_SPAN:
        notes.append(
            f"end-members are degenerate (soil {soil:.3f}, vegetation {veg:.3f}): the scene "
            "does not separate bare ground from vegetation and FVC is unreliable; give "
            "end-members or end-member areas"
        )
    return EndMembers(float(soil), float(veg), source, bool(veg - soil < MIN_SPAN), tuple(notes))


def _percentile(pool: np.ndarray, q: float, what: str, notes: list[str]) -> float:
    if pool.size < MIN_POOL:
        notes.append(
            f"only {pool.size} {what} candidate pixels in the scene: the {what} end-member "
            "is uncertain"
        )
    return float(np.percentile(pool, q)) if pool.size else float("nan")


def _plausible(soil: float, veg: float, index: str, notes: list[str]) -> tuple[float, float]:
    """Calibrated end-members checked against the typical spectra (see the module)."""
    name = index.upper()
    soil_max, veg_min = mixture_vi(SOIL_MAX_COVER, index), mixture_vi(VEG_MIN_COVER, index)
    if not soil <= soil_max:  # NaN too
        typical = mixture_vi(0.0, index)
        notes.append(
            f"the scene has no bare ground (its {name} {soil:.2f} is above {soil_max:.2f}, a "
            f"{SOIL_MAX_COVER:.0%} cover): the typical bare-soil {name} {typical:.2f} is used"
        )
        soil = typical
    if not veg >= veg_min:
        typical = mixture_vi(1.0, index)
        notes.append(
            f"the scene has no full vegetation cover (its {name} {veg:.2f} is below "
            f"{veg_min:.2f}, a {VEG_MIN_COVER:.0%} cover): the typical full-cover {name} "
            f"{typical:.2f} is used"
        )
        veg = typical
    return soil, veg


def fvc(vi: np.ndarray, em: EndMembers) -> np.ndarray:
    """Fractional vegetation cover in [0, 1] (NaN where VI is NaN)."""
    span = max(em.veg - em.soil, 1e-6)
    with np.errstate(invalid="ignore"):
        return np.clip((vi - em.soil) / span, 0.0, 1.0)
