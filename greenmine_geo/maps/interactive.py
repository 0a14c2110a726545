"""The planner's interactive map of one prerequisite check (e.g. in a notebook).

The same map as the atlas (:func:`~greenmine_geo.maps.atlas.atlas_map`): offline,
mines coloured by verdict with their figures, overlap pieces by layer, and the red
line and admin boundaries behind, for a check result still in memory.
"""

from __future__ import annotations

from pathlib import Path

import folium
import geopandas as gpd

from ..checks.prerequisite import PrerequisiteResult
from ..run_results import RunResults
from .atlas import atlas_map

__all__ = ["prerequisite_map"]


def prerequisite_map(
    result: PrerequisiteResult,
    *,
    redline: gpd.GeoDataFrame | None = None,
    admin: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """A map of the prerequisite verdicts; ``redline`` and ``admin`` (any CRS) drawn behind.

    Layers can be toggled; each mine has a popup with its figures and reasons.
    Geometries are simplified for display only (never for the numbers).
    """
    context = {k: v for k, v in (("redline", redline), ("admin", admin)) if v is not None}
    res = RunResults(Path("."), [], mines=result.mines, conflicts=result.conflicts, context=context)
    return atlas_map(res, title="先决条件核查 prerequisite check")
