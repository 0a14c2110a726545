"""The convert-boundary step: corner-point files → one GeoPackage of checked polygons + findings."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..checks.boundary import ConversionOptions, to_polygons
from ..crs import CGCS2000
from ..errors import InputError
from ..io import manifest, results
from ..io.corner_points import read_corner_file
from .outcome import StepOutcome

__all__ = ["FINDING_COLUMNS", "convert_boundaries"]

#: Columns of the findings table (layer ``findings`` and ``<out>_findings.csv``).
FINDING_COLUMNS = ["file", "parcel", "severity", "check", "message"]


def convert_boundaries(
    files: list[str | Path], out: str | Path, options: ConversionOptions | None = None
) -> StepOutcome:
    """Convert and check each file; write ``out`` (.gpkg: layers ``boundaries``, ``findings``),
    ``<out stem>_findings.csv`` and a manifest next to it.

    A file that cannot be placed (no datum, an unconvertible datum, no zone) stops the
    conversion with its reason; everything found inside a placed file is a finding.
    """
    out = Path(out)
    if out.suffix.lower() != ".gpkg":
        raise InputError(f"--out {out}: give a GeoPackage path ending in .gpkg")
    frames, findings, sources = [], [], []
    for f in files:
        boundary = read_corner_file(f)
        gdf, found = to_polygons(boundary, options)
        frames.append(gdf)
        findings += found
        sources.append(
            {
                "role": "boundary",
                "path": str(f),
                "sha256": manifest.file_sha256(f),
                "encoding": boundary.encoding,
            }
        )
    polygons = gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs=CGCS2000
    )
    table = pd.DataFrame([asdict(x) for x in findings], columns=FINDING_COLUMNS)
    csv = out.with_name(f"{out.stem}_findings.csv")
    outputs = [
        results.write_gpkg({"boundaries": polygons}, out, tables={"findings": table}),
        results.write_csv(table, csv),
    ]
    outputs.append(
        manifest.write_manifest(
            out.parent,
            command="convert-boundary",
            inputs=sources,
            parameters=asdict(options or ConversionOptions()),
            outputs=outputs,
        )
    )
    counts = table["severity"].value_counts()
    summary = {
        "parcels": len(polygons),
        **{f"{s}s": int(counts.get(s, 0)) for s in ("error", "warning", "info")},
    }
    warnings = [f"{x.file} {x.parcel}: {x.message}" for x in findings if x.severity != "info"]
    return StepOutcome(out.parent, outputs, summary, warnings, polygons)
