"""Opening rasters submitted by applicants: the only way the package opens one.

Every submitted file is treated as hostile. Before GDAL sees a byte:

* the path must be a regular local file: no ``/vsi*`` virtual paths, no URLs,
  no directories or devices;
* the file must start with a TIFF or BigTIFF signature (``II*\\0``, ``MM\\0*``,
  ``II+\\0``, ``MM\\0+``): a VRT renamed ``.tif`` (XML that can read any local
  file), HDF, JPEG or PNG never reaches a GDAL driver.

GDAL itself is configured before rasterio is first imported (:mod:`.gdal`:
``GDAL_SKIP`` of VRT and network drivers, ``GDAL_DRIVER_PATH=disable``, no network
access); around each open there are no PAM ``.aux.xml`` sidecars, no directory
listing for sidecars and internal georeferencing only, and the file is opened with
the GTiff driver alone. Then the declared size is bounded before any pixel is
decoded: pixels, bands, declared bytes against the file's size (a 2 MB file
declaring 120 GB is a decompression bomb), bytes of one block, and the
compression. Pixels are read in windows of bounded size.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from .gdal import (
    HARDENED_AT_IMPORT,
    MaskFlags,
    RasterioError,
    Window,
    rasterio,
)

__all__ = ["Limits", "UntrustedRaster", "UntrustedRasterError", "open_untrusted", "sniff_tiff"]

# Read when a file is opened: applied only around our own opens (rasterio.Env), because
# they would also hide a shapefile's .prj from pyogrio if set for the whole process.
_GDAL_OPEN: dict[str, str | int] = {
    "GDAL_PAM_ENABLED": "NO",  # no .aux.xml sidecar (it can move the georeferencing)
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",  # no sidecars at all (.ovr, .msk, .tfw)
    "GDAL_GEOREF_SOURCES": "INTERNAL",
    "GTIFF_IGNORE_READ_ERRORS": "NO",
    # bytes (rasterio passes an integer to GDALSetCacheMax64; 128 would be 128 bytes, no cache):
    # windowed reads visited in raster order need about one strip of blocks, not 5 % of RAM
    "GDAL_CACHEMAX": 128 * 2**20,
    "GDAL_NUM_THREADS": "ALL_CPUS",  # decompress the blocks of a strip in parallel
}

_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_ALLOWED_COMPRESSION = {
    None,
    "NONE",
    "LZW",
    "DEFLATE",
    "ADOBE_DEFLATE",
    "ZSTD",
    "PACKBITS",
    "JPEG",
    "WEBP",
    "LERC",
    "LERC_DEFLATE",
    "LERC_ZSTD",
    "LZMA",
}


@dataclass(frozen=True)
class Limits:
    """Bounds on what a submitted raster may declare and on what one read may cost.

    Attributes
    ----------
    max_pixels : int
        Width × height (default 40 000 × 40 000).
    max_bands : int
    max_declared_bytes : int
        Width × height × bands × bytes per sample (default 32 GiB).
    max_compression_ratio : float
        Declared bytes / file bytes. Real imagery, even with large nodata areas,
        stays under ~200:1; a sparse or crafted file declares far more.
    max_block_bytes : int
        Decoded size of one TIFF block (tile or strip) (default 64 MiB).
    window_bytes : int
        Decoded size of one windowed read (default 32 MiB).
    """

    max_pixels: int = 40_000 * 40_000
    max_bands: int = 32
    max_declared_bytes: int = 32 * 2**30
    max_compression_ratio: float = 1000.0
    max_block_bytes: int = 64 * 2**20
    window_bytes: int = 32 * 2**20


class UntrustedRasterError(InputError):
    """A submitted raster is refused. ``check`` names the review check it fails, ``path``
    the file (set where it is known: by the opener, or by the raster being read)."""

    def __init__(
        self,
        check: str,
        message: str,
        evidence: dict[str, Any] | None = None,
        path: Path | None = None,
    ) -> None:
        super().__init__(message)
        self.check = check
        self.evidence = evidence or {}
        self.path = path


def sniff_tiff(path: Path) -> str:
    """Return ``"TIFF"`` or ``"BigTIFF"`` from the first bytes, or raise.

    The error message describes the file's kind, never its content.
    """
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head[:4] in _TIFF_MAGIC[:2]:
        return "TIFF"
    if head[:4] in _TIFF_MAGIC[2:]:
        return "BigTIFF"
    kind = (
        "XML text (e.g. a VRT)"
        if head.lstrip()[:1] == b"<"
        else "HDF"
        if head[1:4] == b"HDF" or head[:4] == b"\x0e\x03\x13\x01"
        else "JPEG"
        if head[:2] == b"\xff\xd8"
        else "PNG"
        if head[:4] == b"\x89PNG"
        else "JPEG 2000"
        if head[4:8] == b"jP  "
        else "empty"
        if not head
        else "not a known image format"
    )
    raise UntrustedRasterError("format", f"not a GeoTIFF: the file is {kind}; submit a GeoTIFF/COG")


def _corrupt(exc: Exception, path: Path) -> UntrustedRasterError:
    """The ``format`` failure for a GDAL error met while decoding ``path``."""
    return UntrustedRasterError(
        "format",
        f"the file is truncated or corrupt ({' '.join(str(exc).split())[:200]})",
        path=path,
    )


def _check_path(path: str | os.PathLike[str]) -> Path:
    text = os.fspath(path)
    if text.startswith("/vsi") or "://" in text or text.startswith(("http:", "https:", "ftp:")):
        raise UntrustedRasterError(
            "format", "remote and virtual (/vsi*) paths are refused; give a local file"
        )
    p = Path(text)
    try:
        mode = p.stat().st_mode
    except OSError as exc:
        raise InputError(f"{p} cannot be read ({exc.strerror}); check the path") from exc
    if not stat.S_ISREG(mode):
        raise InputError(f"{p} is not a regular file; give the image file")
    return p


@dataclass
class UntrustedRaster:
    """An opened submitted raster whose declared size has been bounded.

    Attributes
    ----------
    path : Path
        The file.
    dataset : rasterio.DatasetReader
        Opened with the GTiff driver only; read it through :meth:`read`.
    facts : dict
        What the opening established (signature, size, compression, blocks).
    """

    path: Path
    dataset: Any
    limits: Limits
    facts: dict[str, Any] = field(default_factory=dict)
    #: the stored overview this handle reads (None: the full resolution)
    overview_level: int | None = None

    def overview(self, level: int) -> contextlib.AbstractContextManager[UntrustedRaster]:
        """The file's stored overview ``level`` (0 = the first), opened the same hardened way."""
        return open_untrusted(self.path, self.limits, overview_level=level)

    def reopen(self) -> contextlib.AbstractContextManager[UntrustedRaster]:
        """Another handle on the same file and overview (GDAL handles are one per thread)."""
        return open_untrusted(self.path, self.limits, overview_level=self.overview_level)

    def row_windows(self) -> Iterator[Window]:
        """Full-width row strips of at most ``limits.window_bytes`` decoded bytes, top to bottom.

        Strips hold whole rows of blocks where that fits, so no block is decoded twice.
        """
        ds = self.dataset
        rows = self.strip_rows(ds.width * ds.count * np.dtype(ds.dtypes[0]).itemsize)
        for top in range(0, ds.height, rows):
            yield Window(0, top, ds.width, min(rows, ds.height - top))

    def strip_rows(self, row_bytes: int, max_rows: int | None = None) -> int:
        """Rows of a strip whose rows decode to ``row_bytes`` each: within the window limit
        (and ``max_rows``), whole rows of blocks where that fits, at least 1."""
        rows = int(self.limits.window_bytes // max(row_bytes, 1))
        if max_rows is not None:
            rows = min(rows, max_rows)
        block_h = self.dataset.block_shapes[0][0] if self.dataset.block_shapes else 1
        return max(rows // block_h * block_h if rows >= block_h else rows, 1)

    def read(self, window: Window, bands: list[int] | None = None) -> np.ndarray:
        """Read a window (bounded by :attr:`Limits.window_bytes`) as a (bands, rows, cols) array."""
        ds = self.dataset
        indexes = bands or list(range(1, ds.count + 1))
        nbytes = int(window.width * window.height * len(indexes) * np.dtype(ds.dtypes[0]).itemsize)
        if nbytes > self.limits.window_bytes:
            raise UntrustedRasterError(
                "dimensions",
                f"a read of {nbytes / 2**20:.2f} MiB exceeds the window limit of "
                f"{self.limits.window_bytes / 2**20:.2f} MiB",
                path=self.path,
            )
        try:
            return ds.read(indexes, window=window)
        except RasterioError as exc:
            raise _corrupt(exc, self.path) from exc

    def read_valid(
        self, window: Window, data: np.ndarray, bands: list[int] | None = None
    ) -> np.ndarray:
        """Where every band of ``data`` (from :meth:`read` of the same window and bands) has data.

        Nodata values and NaN are tested on ``data`` itself, so blocks are not decoded a
        second time; only an internal mask band is read.
        """
        ds = self.dataset
        indexes = bands or list(range(1, ds.count + 1))
        valid = np.ones(data.shape[1:], bool)
        try:
            for plane, band in zip(data, indexes, strict=True):
                flags = ds.mask_flag_enums[band - 1]
                if np.issubdtype(plane.dtype, np.floating):
                    valid &= np.isfinite(plane)
                if MaskFlags.all_valid in flags:
                    continue
                if MaskFlags.nodata in flags:
                    nodata = ds.nodatavals[band - 1]
                    if not np.isnan(nodata):
                        valid &= plane != nodata
                else:  # an internal mask or alpha band
                    valid &= ds.read_masks(band, window=window) > 0
        except RasterioError as exc:
            raise _corrupt(exc, self.path) from exc
        return valid


def _bound(ds: Any, file_bytes: int, limits: Limits) -> dict[str, Any]:
    itemsize = max(np.dtype(dt).itemsize for dt in ds.dtypes)
    pixels = ds.width * ds.height
    declared = pixels * ds.count * itemsize
    block_h, block_w = ds.block_shapes[0] if ds.block_shapes else (ds.height, ds.width)
    block_bytes = (
        block_h
        * block_w
        * itemsize
        * (ds.count if ds.interleaving and ds.interleaving.name == "PIXEL" else 1)
    )
    compression = ds.compression.name.upper() if ds.compression else None
    facts = {
        "width": ds.width,
        "height": ds.height,
        "bands": ds.count,
        "dtype": ds.dtypes[0],
        "declared_bytes": declared,
        "file_bytes": file_bytes,
        "compression_ratio": round(declared / max(file_bytes, 1), 1),
        "block_shape": [block_h, block_w],
        "compression": compression,
    }
    if ds.count < 1 or ds.count > limits.max_bands:
        raise UntrustedRasterError(
            "dimensions",
            f"{ds.count} bands declared; at most {limits.max_bands} are accepted",
            facts,
        )
    if pixels > limits.max_pixels:
        raise UntrustedRasterError(
            "dimensions",
            f"{ds.width} × {ds.height} pixels declared; at most {limits.max_pixels:,} are accepted",
            facts,
        )
    if declared > limits.max_declared_bytes:
        raise UntrustedRasterError(
            "dimensions",
            f"declares {declared / 2**30:.1f} GiB of pixels; at most {limits.max_declared_bytes / 2**30:.0f} GiB are accepted",
            facts,
        )
    if declared / max(file_bytes, 1) > limits.max_compression_ratio:
        raise UntrustedRasterError(
            "dimensions",
            f"a {file_bytes / 2**20:.1f} MiB file declares {declared / 2**30:.1f} GiB of pixels "
            f"({declared / max(file_bytes, 1):,.0f}:1): a decompression bomb or a sparse file",
            facts,
        )
    if block_bytes > limits.max_block_bytes:
        raise UntrustedRasterError(
            "dimensions",
            f"one block decodes to {block_bytes / 2**20:.0f} MiB (limit {limits.max_block_bytes / 2**20:.0f} MiB); re-save the image tiled",
            facts,
        )
    if compression not in _ALLOWED_COMPRESSION:
        raise UntrustedRasterError(
            "format",
            f"compression {compression} is not accepted; use DEFLATE, LZW, ZSTD or none",
            facts,
        )
    return facts


@contextlib.contextmanager
def open_untrusted(
    path: str | os.PathLike[str], limits: Limits | None = None, *, overview_level: int | None = None
) -> Iterator[UntrustedRaster]:
    """Open a submitted raster safely (see the module docstring).

    Raises
    ------
    UntrustedRasterError
        The file is refused; ``.check`` is ``format`` or ``dimensions``.
    InputError
        The path is not a readable regular file (a usage error, not a finding).
    """
    limits = limits or Limits()
    p = _check_path(path)
    signature = sniff_tiff(p)
    env = _GDAL_OPEN
    try:
        with rasterio.Env(**env):
            kwargs = {"overview_level": overview_level} if overview_level is not None else {}
            ds = rasterio.open(p, driver="GTiff", sharing=False, **kwargs)
    except RasterioError as exc:
        raise UntrustedRasterError(
            "format",
            f"the TIFF cannot be opened: truncated or corrupt ({' '.join(str(exc).split())[:200]})",
        ) from exc
    try:
        if ds.driver != "GTiff":  # pragma: no cover - the driver allow-list makes this impossible
            raise UntrustedRasterError("format", f"opened by driver {ds.driver}, not GTiff")
        facts = _bound(ds, p.stat().st_size, limits)
        facts["signature"] = signature
        facts["hardened_at_import"] = HARDENED_AT_IMPORT
        with rasterio.Env(**env):
            yield UntrustedRaster(p, ds, limits, facts, overview_level)
    finally:
        ds.close()
