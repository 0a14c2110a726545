"""The convert-boundary step: corner-point files → one GeoPackage of checked polygons + findings."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..checks.boundary import ConversionOptions, ConversionResult, to_polygons
from ..config import ConvertParams
from ..crs import CGCS2000
from .skeleton import StepContext

__all__ = ["run"]


def run(params: ConvertParams, ctx: StepContext) -> ConversionResult:
    """Convert and check each file; write ``OUT.gpkg`` (layers ``boundaries``, ``findings``),
    ``OUT_findings.csv`` and a manifest beside them (``ctx.out_dir`` is OUT's directory).

    A file that cannot be placed (no datum, an unconvertible datum, no zone) stops the
    conversion with its reason; everything found inside a placed file is a finding.
    """
    options = ConversionOptions(params.datum, params.zone, params.zone_width, params.towgs84)
    frames, findings = [], []
    for f in params.files:
        gdf, found = to_polygons(ctx.corner_file(f), options)
        frames.append(gdf)
        findings += found
    polygons = gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs=CGCS2000
    )
    return ctx.finish(ConversionResult(Path(params.out).stem, polygons, findings), params)
