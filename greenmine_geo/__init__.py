"""greenmine-geo: geospatial checks for green-mine supervision in Inner Mongolia.

The public API (:mod:`greenmine_geo.api`): one function per check, on GeoDataFrames or
paths, returning typed results in EPSG:4490, and :func:`prerequisite_map` (an interactive
map of a prerequisite result in a notebook). Everything else is implementation.
"""

from __future__ import annotations

# isort: off
from .io import gdal as _gdal  # noqa: F401 - first: GDAL is hardened before any other import

# isort: on
from ._version import __version__
from .api import (
    check_prerequisite,
    convert_boundary,
    greening,
    maps,
    restoration,
    review_imagery,
)
from .checks.boundary import ConversionResult
from .checks.prerequisite import PrerequisiteResult
from .errors import ConfigError, CRSError, GeometryError, GreenmineError, InputError, LayerError
from .imagery.greening import GreeningResult
from .imagery.review import ReviewResult
from .imagery.timeseries import RestorationResult
from .maps import prerequisite_map
from .steps.atlas import AtlasResult

__all__ = [
    "AtlasResult",
    "CRSError",
    "ConfigError",
    "ConversionResult",
    "GeometryError",
    "GreeningResult",
    "GreenmineError",
    "InputError",
    "LayerError",
    "PrerequisiteResult",
    "RestorationResult",
    "ReviewResult",
    "__version__",
    "check_prerequisite",
    "convert_boundary",
    "greening",
    "maps",
    "prerequisite_map",
    "restoration",
    "review_imagery",
]
