"""A small colour picture of a submitted image, for the reviewer's page.

Read through the hardened opener only (:class:`~greenmine_geo.io.untrusted.UntrustedRaster`),
from the full resolution, never from the file's stored overviews (which may disagree with
the pixels: the ``overviews`` check): every ``factor``-th row is read as its own bounded
window and every ``factor``-th column of it kept.
"""

from __future__ import annotations

import numpy as np
from affine import Affine

from ..io.gdal import Window
from ..io.untrusted import UntrustedRaster

__all__ = ["QUICKLOOK_PX", "decimated_rgb"]

#: Longest side of the picture (pixels).
QUICKLOOK_PX = 400


def _stretch(plane: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``plane`` scaled to 0-255 between its 2nd and 98th percentile over ``valid`` pixels."""
    values = plane[valid].astype(np.float64)
    if not values.size:
        return np.zeros(plane.shape, np.uint8)
    low, high = np.percentile(values, (2, 98))
    scaled = (plane.astype(np.float64) - low) / max(high - low, 1e-9)
    return (np.clip(scaled, 0, 1) * 255).astype(np.uint8)


def decimated_rgb(raster: UntrustedRaster, roles: dict[str, int]) -> tuple[np.ndarray, Affine]:
    """The image as RGB (rows, cols, 3) uint8, at most :data:`QUICKLOOK_PX` on a side, and
    the affine transform of its pixels (image CRS; white where no band has data).

    Bands by ``roles`` (red, green, blue); without all three, the red band (or band 1)
    in grey.
    """
    ds = raster.dataset
    factor = max(1, int(np.ceil(max(ds.width, ds.height) / QUICKLOOK_PX)))
    count = ds.count
    wanted = [roles.get(k, 0) for k in ("red", "green", "blue")]
    if not all(1 <= b <= count for b in wanted):
        wanted = [roles["red"] if 1 <= roles.get("red", 0) <= count else 1] * 3
    bands = sorted(set(wanted))
    rows, masks = [], []
    for row in range(0, ds.height, factor):
        window = Window(0, row, ds.width, 1)
        data = raster.read(window, bands)
        rows.append(data[:, 0, ::factor])
        masks.append(raster.read_valid(window, data, bands)[0, ::factor])
    planes = np.stack(rows, axis=1)
    valid = np.stack(masks)
    rgb = np.dstack([_stretch(planes[bands.index(b)], valid) for b in wanted])
    rgb[~valid] = 255
    return rgb, ds.transform * Affine.scale(factor)
