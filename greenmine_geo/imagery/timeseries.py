"""Restoration zones over a time series of images (indicators 38, 40, 41): rows, metrics, status.

Per zone and date: exact-weighted FVC statistics and the same-date reference ring
(:mod:`.zone_fvc`); dates with too little valid data are kept, flagged and left out.
Per zone: the yearly medians of the dates used, then restoration metrics and plan
status (:mod:`.restoration`). Areas are m² on the ellipsoid; FVC is 0-1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config.settings import RestorationSettings
from ..crs import EQUAL_AREA
from ..io import results
from ..io.manifest import read_manifest
from ..io.untrusted import UntrustedRaster
from ..io.vector import read_layer
from ..layers import RestorationZones
from ..types import StepResult, ZoneStatus
from .restoration import progress
from .zone_fvc import Scene, reproject_geoms, zone_stats

__all__ = [
    "SUMMARY_COLUMNS",
    "TIMESERIES_COLUMNS",
    "RestorationResult",
    "zone_rows",
    "zone_summaries",
]

#: Columns of restoration_timeseries.csv: the contract's, then whether the date is used and why.
TIMESERIES_COLUMNS = [
    "zone_id",
    "date",
    "fvc_mean",
    "vegetated_pct",
    "bare_pct",
    "valid_pct",
    "reference_fvc_mean",
    "recovery_ratio",
    "included",
    "note",
]
#: Columns of restoration_summary.csv: the contract's, then the figures behind them.
SUMMARY_COLUMNS = [
    "zone_id",
    "zone_type",
    "status",
    "trend_per_year",
    "trend_p",
    "y2r_years",
    "r80p",
    "rri",
    "reason",
    "delta_ir",
    "target_fvc",
    "target_source",
    "start_fvc",
    "observed_years",
]


def zone_rows(
    raster: UntrustedRaster,
    scene: Scene,
    day: date,
    zones: RestorationZones,
    rings: np.ndarray,
    s: RestorationSettings,
) -> list[dict[str, object]]:
    """One time-series row per zone for one image (``rings`` in EQUAL_AREA, as the zones)."""
    n = len(zones.ids)
    in_image = reproject_geoms(np.concatenate([zones.geoms, rings]), EQUAL_AREA, scene.crs)
    areas = shapely.area(zones.geoms)
    rows = []
    for i in range(n):
        zone, ring = in_image[i], in_image[n + i]
        st = zone_stats(raster, scene, zone, ring, float(areas[i]), s)
        valid_pct = 100 * st.valid_share
        included = valid_pct >= s.min_valid_pct and math.isfinite(st.fvc_mean)
        rows.append(
            {
                "zone_id": zones.ids[i],
                "date": day.isoformat(),
                "fvc_mean": st.fvc_mean,
                "vegetated_pct": 100 * st.vegetated_share,
                "bare_pct": 100 * st.bare_share,
                "valid_pct": valid_pct,
                "reference_fvc_mean": st.reference_fvc_mean,
                "recovery_ratio": st.fvc_mean / st.reference_fvc_mean
                if st.reference_fvc_mean > 0
                else math.nan,
                "included": included,
                "note": ""
                if included
                else f"left out: {valid_pct:.0f} % of the zone has valid pixels (clouds, nodata "
                f"or off the image; minimum {s.min_valid_pct:g} %)",
            }
        )
    return rows


def zone_summaries(
    series: pd.DataFrame, zones: RestorationZones, s: RestorationSettings
) -> pd.DataFrame:
    """Metrics and plan status per zone (:data:`SUMMARY_COLUMNS`) from the dates used.

    Each year's value is the median of that year's included dates.
    """
    used = series[series["included"]].assign(year=lambda t: t["date"].str[:4].astype(int))
    yearly = used.groupby(["zone_id", "year"])[["fvc_mean", "reference_fvc_mean"]].median()
    observed = set(yearly.index.get_level_values(0))
    none = pd.DataFrame({"fvc_mean": [], "reference_fvc_mean": []}, index=pd.Index([], dtype=int))
    rows = []
    for zid, ztype, start, plan in zip(
        zones.ids, zones.types, zones.start, zones.plans, strict=True
    ):
        z = yearly.loc[zid] if zid in observed else none
        p = progress(
            z.index.to_numpy(int),
            z["fvc_mean"].to_numpy(),
            z["reference_fvc_mean"].to_numpy(),
            start,
            plan,
            hold=s.hold,
        )
        metrics = {c: getattr(p, c) for c in SUMMARY_COLUMNS[2:-1]}  # status … start_fvc
        rows.append({"zone_id": zid, "zone_type": ztype, **metrics, "observed_years": len(z)})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


@dataclass
class RestorationResult(StepResult):
    """Restoration of every zone over the series, and new bare ground past the mines.

    Attributes
    ----------
    timeseries : DataFrame
        One row per zone and date (:data:`TIMESERIES_COLUMNS`).
    zone_summary : DataFrame
        One row per zone (:data:`SUMMARY_COLUMNS`): metrics, status and its reason.
    disturbance : GeoDataFrame or None
        Suspected 越界 patches (:data:`~.disturbance.DISTURBANCE_COLUMNS`), None when no
        mines were given.
    scenes : dict
        Per date (ISO): the image, its end-members, scaling and whether clouds were tested.
    charts : dict
        Zone id → file name of its chart in the step's directory.
    warnings : list of str
        Repaired zones; the missing cloud test without a blue band.
    """

    command: ClassVar[str] = "restoration"
    timeseries: pd.DataFrame
    zone_summary: pd.DataFrame
    disturbance: gpd.GeoDataFrame | None
    scenes: dict[str, dict[str, Any]] = field(default_factory=dict)
    charts: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        counts = self.zone_summary["status"].value_counts()
        out = {status.value: int(counts.get(status, 0)) for status in ZoneStatus}
        out["dates_left_out"] = int((~self.timeseries["included"].astype(bool)).sum())
        if self.disturbance is not None:
            out["suspected_outside_patches"] = len(self.disturbance)
        return out

    def tables(self) -> dict[str, Any]:
        """Tables ``restoration_summary`` and ``restoration_timeseries``, and the layer
        ``outside_disturbance`` when the mines were searched."""
        tables: dict[str, Any] = {
            "restoration_summary": self.zone_summary,
            "restoration_timeseries": self.timeseries,
        }
        if self.disturbance is not None:
            tables["outside_disturbance"] = self.disturbance
        return tables

    def write(self, out_dir: Path) -> list[Path]:
        written = [
            results.write_csv(self.timeseries, out_dir / "restoration_timeseries.csv"),
            results.write_csv(self.zone_summary, out_dir / "restoration_summary.csv"),
        ]
        if self.disturbance is not None:
            written.append(
                results.write_gpkg(
                    {"outside_disturbance": self.disturbance}, out_dir / "outside_disturbance.gpkg"
                )
            )
        return written

    def manifest_record(self) -> dict[str, Any]:
        return {"parameters": {"images": self.scenes}, "charts": self.charts}

    @classmethod
    def read(cls, out_dir: Path) -> RestorationResult:
        """The result a finished restoration step wrote into ``out_dir`` (EPSG:4490)."""
        manifest = read_manifest(out_dir) or {}
        gpkg = out_dir / "outside_disturbance.gpkg"
        return cls(
            results.read_csv(out_dir / "restoration_timeseries.csv", dtype={"zone_id": str}),
            results.read_csv(out_dir / "restoration_summary.csv", dtype={"zone_id": str}),
            read_layer(gpkg, what="restoration result")[0] if gpkg.exists() else None,
            manifest.get("parameters", {}).get("images", {}),
            manifest.get("charts", {}),
            manifest.get("warnings", []),
        )
