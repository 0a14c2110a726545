"""Reading and writing: the only part of the package that touches the file system."""

from . import gdal  # noqa: F401, I001 - first: GDAL is configured before any other import
from .atomic import atomic_output, clear_stale_manifest
from .manifest import file_sha256, write_manifest
from .vector import LayerSource, read_layer

__all__ = [
    "LayerSource",
    "atomic_output",
    "clear_stale_manifest",
    "file_sha256",
    "read_layer",
    "write_manifest",
]
