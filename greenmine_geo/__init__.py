"""greenmine-geo: geospatial checks for green-mine supervision in Inner Mongolia.

The public functions are re-exported here; everything else is implementation.
"""

from __future__ import annotations

from ._version import __version__
from .checks.prerequisite import PrerequisiteResult, check_prerequisite
from .errors import ConfigError, CRSError, GeometryError, GreenmineError, InputError, LayerError
from .io import gdal as _gdal  # noqa: F401, I001 - first: GDAL is hardened before any import
from .overlay import PreparedLayer, prepare_layer

__all__ = [
    "ConfigError",
    "CRSError",
    "GeometryError",
    "GreenmineError",
    "InputError",
    "LayerError",
    "PreparedLayer",
    "PrerequisiteResult",
    "__version__",
    "check_prerequisite",
    "prepare_layer",
]
