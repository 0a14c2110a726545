"""Which pixels are cloud (or cloud shadow, snow): not valid for FVC, whatever bands are given.

In order of trust:

* a Sentinel-2 scene classification band (``scl``): classes :data:`SCL_CLOUD`;
* a cloud-mask band (``cloud_mask``): any value but 0;
* calibrated reflectance: bright and spectrally flat, red and NIR (and blue when given)
  all at least :data:`CLOUD_REFLECTANCE` and within 20 % of their mean.
  Bright sand (red 0.30, NIR 0.35) and saline crust below 0.4 are not cloud; a salt
  flat brighter than that is, and shows as a low valid share, never as bare ground;
* uncalibrated digital numbers with a blue band: flat in blue, red and NIR within 20 %,
  and brighter than twice the scene's median (the only scale DN have);
* uncalibrated without blue: no test (clouds are then only what nodata or a mask holds).

A mask band's test and the spectral test are combined: either marks a cloud.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CLOUD_REFLECTANCE", "SCL_CLOUD", "cloud_test", "cloudy", "dn_cloud_floor"]

#: Sentinel-2 SCL classes that are not clear ground: cloud shadow, cloud (medium and high
#: probability), thin cirrus, snow.
SCL_CLOUD = (3, 8, 9, 10, 11)
#: Reflectance every band of a cloud pixel reaches.
CLOUD_REFLECTANCE = 0.4


def cloud_test(bands: set[str], calibrated: bool) -> str:
    """What :func:`cloudy` tests with these bands, in words (for notes and manifests)."""
    masks = [
        m for m, k in (("the SCL band", "scl"), ("the cloud-mask band", "cloud_mask")) if k in bands
    ]
    if calibrated:
        spectral = "bright, flat reflectance in red, NIR" + (" and blue" if "blue" in bands else "")
    elif "blue" in bands:
        spectral = "bright, flat blue, red and NIR"
    else:
        spectral = ""
    tests = [*masks, spectral] if spectral else masks
    return " and ".join(tests) if tests else "none (uncalibrated values without a blue band)"


def cloudy(
    reflectance: dict[str, np.ndarray],
    masks: dict[str, np.ndarray],
    *,
    calibrated: bool,
    dn_floor: float | None,
) -> np.ndarray:
    """Cloud pixels (see the module).

    ``reflectance``: red, nir and optionally blue as :class:`.indices.Calibration` gave
    them; ``masks``: raw values of ``scl`` and ``cloud_mask`` bands, when given;
    ``dn_floor``: for uncalibrated values with blue, the brightness (mean of blue, red,
    NIR on the same scale) a cloud exceeds.
    """
    red = reflectance["red"]
    out = np.zeros(red.shape, bool)
    if "scl" in masks:
        out |= np.isin(masks["scl"], SCL_CLOUD)
    if "cloud_mask" in masks:
        out |= masks["cloud_mask"] != 0
    spectra = [reflectance[k] for k in ("blue", "red", "nir") if k in reflectance]
    if not calibrated and (len(spectra) < 3 or dn_floor is None):
        return out
    stack = np.stack(spectra).astype(np.float32)
    mean = stack.mean(axis=0)
    spread = stack.max(axis=0) - stack.min(axis=0)
    flat = spread <= 0.2 * mean
    bright = stack.min(axis=0) >= CLOUD_REFLECTANCE if calibrated else mean > dn_floor
    return out | (flat & bright)


def dn_cloud_floor(reflectance: dict[str, np.ndarray]) -> float | None:
    """Twice the median brightness of a scene sample (uncalibrated with blue only), else None."""
    if "blue" not in reflectance or reflectance["red"].size == 0:
        return None
    mean = (reflectance["blue"] + reflectance["red"] + reflectance["nir"]) / 3
    return 2 * float(np.median(mean))
