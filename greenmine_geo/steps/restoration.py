"""The restoration step (indicators 38, 40, 41; 越界开采): zones + dated images → time series, status.

Per zone and date: exact-weighted FVC statistics and the same-date reference
ring; per zone: restoration metrics and plan status (imagery/restoration.py);
with mines: new bare ground around their boundaries (imagery/disturbance.py).
Every image is opened through the hardened opener and calibrated on its own.
"""

from __future__ import annotations

import math
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..checks.mines import prepare_mines, read_mines
from ..config import RestorationParams
from ..crs import EQUAL_AREA, geodesic_distance_m
from ..errors import InputError
from ..geometry import rings_around
from ..imagery.disturbance import common_grid, new_bare_ground, onto
from ..imagery.restoration import STATUSES, Plan, progress
from ..imagery.zone_fvc import (
    FvcSettings,
    Scene,
    check_measurable,
    fvc_grid,
    reproject_geoms,
    scene_calibration,
    zone_stats,
)
from ..io import manifest, results
from ..io.untrusted import UntrustedRaster, UntrustedRasterError, open_untrusted
from ..io.vector import read_layer
from ..maps.restoration_chart import restoration_chart
from ..overlay import to_measurable
from .outcome import StepOutcome

__all__ = [
    "DISTURBANCE_COLUMNS",
    "SUMMARY_COLUMNS",
    "TIMESERIES_COLUMNS",
    "ZONE_TYPES",
    "RestorationSettings",
    "ZoneFields",
    "run_restoration",
    "run_restoration_step",
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
#: Columns of the outside_disturbance layer (geometry in EPSG:4490 in the file).
DISTURBANCE_COLUMNS = ["mine_id", "patch_no", "area_m2", "first_seen", "distance_m", "finding"]

#: Zone types (English key: accepted spellings, Chinese first).
ZONE_TYPES: dict[str, tuple[str, ...]] = {
    "waste_dump": ("排土场", "waste dump", "dump"),
    "tailings_pond": ("尾矿库", "tailings pond", "tailings"),
    "open_pit": ("露天采场", "采场", "open pit", "pit"),
    "subsidence_area": ("塌陷区", "采煤塌陷区", "subsidence area", "subsidence"),
    "industrial_site": ("工业场地", "industrial site"),
    "road": ("矿山道路", "道路", "mine road", "road"),
    "waste_rock_yard": ("废石场", "waste-rock yard", "waste rock yard"),
}
_ZONE_TYPE_OF = {
    spelling.lower(): key for key, names in ZONE_TYPES.items() for spelling in (key, *names)
}

FINDING = (
    "疑似越界开采，需实地核查 suspected mining beyond the licensed boundary: verify in the field"
)


@dataclass(frozen=True)
class RestorationSettings(FvcSettings):
    """FVC settings plus: ``min_valid_pct``, the valid share of a zone below which a date is
    left out (80 %); ``hold``, consecutive years that make Y2R and ``done`` (2);
    ``band_m``, the width of the band searched for disturbance (500 m);
    ``min_patch_m2``, the smallest new bare patch reported (400 m²)."""

    min_valid_pct: float = 80.0
    hold: int = 2
    band_m: float = 500.0
    min_patch_m2: float = 400.0


@dataclass(frozen=True)
class ZoneFields:
    """Field names of the zones layer."""

    zone_type: str = "zone_type"
    start_year: str = "start_year"
    target_fvc: str = "target_fvc"
    target_year: str = "target_year"


@dataclass
class _Zones:
    ids: list[str]
    types: list[str]
    geoms: np.ndarray  # EQUAL_AREA
    start: list[int | None]
    plans: list[Plan | None]
    notes: list[str] = field(default_factory=list)


def _year(value: object) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def _read_zones(
    spec: str, id_field: str, f: ZoneFields, plan_table: str | None
) -> tuple[_Zones, dict[str, object]]:
    """The zones layer (and its source description), with plans from fields or ``plan_table``."""
    gdf, src = read_layer(spec, what="zones layer")
    for name in (id_field, f.zone_type, f.start_year):
        if name not in gdf.columns:
            fields = ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
            raise InputError(f"zones layer {spec} has no field {name!r}; its fields are: {fields}")
    if gdf[id_field].isna().any():
        raise InputError(
            f"zones layer {spec} has {int(gdf[id_field].isna().sum())} zones with no {id_field}; give every zone an id"
        )
    id_values = gdf[id_field].astype(str)
    ids = id_values.tolist()
    dup = sorted(set(id_values[id_values.duplicated()]))
    if dup:
        raise InputError(
            f"zones layer {spec}: zone ids {', '.join(dup[:5])} are repeated; give each zone its own id"
        )
    types = []
    for value in gdf[f.zone_type]:
        key = _ZONE_TYPE_OF.get(str(value).strip().lower())
        if key is None:
            allowed = ", ".join(f"{k} ({v[0]})" for k, v in ZONE_TYPES.items())
            raise InputError(
                f"zones layer {spec}: zone type {value!r} is unknown; use one of {allowed}"
            )
        types.append(key)
    m = to_measurable(gdf.geometry)
    notes = [f"zone {ids[r.row]}: geometry repaired ({r.reason})" for r in m.repairs]
    start = [_year(v) for v in gdf[f.start_year]]
    curves = _plan_curves(plan_table) if plan_table else {}
    plans: list[Plan | None] = []
    for i, zid in enumerate(ids):
        if zid in curves:
            plans.append(curves[zid])
            continue
        fvc = (
            pd.to_numeric(gdf[f.target_fvc].iloc[i], errors="coerce")
            if f.target_fvc in gdf.columns
            else math.nan
        )
        year = _year(gdf[f.target_year].iloc[i]) if f.target_year in gdf.columns else None
        ok = year is not None and math.isfinite(fvc)
        plans.append(Plan(((year, float(fvc)),)) if ok and year is not None else None)
    zones = _Zones(ids, types, np.asarray(m.geoms, dtype=object), start, plans, notes)
    return zones, {"role": "zones", **src.as_dict()}


def _plan_curves(path: str) -> dict[str, Plan]:
    """A year-by-year plan table (CSV: zone_id, year, target_fvc) → a plan per zone."""
    try:
        table = pd.read_csv(path, dtype={"zone_id": str})
    except (OSError, ValueError) as exc:
        raise InputError(
            f"plan table {path} cannot be read ({exc}); give a CSV with zone_id, year, target_fvc"
        ) from None
    missing = {"zone_id", "year", "target_fvc"} - set(table.columns)
    if missing:
        raise InputError(
            f"plan table {path} lacks column(s) {', '.join(sorted(missing))}; it needs zone_id, year, target_fvc"
        )
    return {
        str(zid): Plan(
            tuple((int(y), float(v)) for y, v in zip(g["year"], g["target_fvc"], strict=True))
        )
        for zid, g in table.sort_values("year").groupby("zone_id")
    }


def _to_crs(geoms: np.ndarray, crs: object) -> np.ndarray:
    return reproject_geoms(geoms, EQUAL_AREA, crs)


def _calibrate(raster: UntrustedRaster, path: Path, s: RestorationSettings) -> Scene:
    check_measurable(raster, path, s)
    return scene_calibration(raster, s)


def _zone_rows(
    raster: UntrustedRaster,
    scene: Scene,
    day: date,
    zones: _Zones,
    rings: np.ndarray,
    s: RestorationSettings,
) -> list[dict[str, object]]:
    """One time-series row per zone for one image."""
    n = len(zones.ids)
    in_image = _to_crs(np.concatenate([zones.geoms, rings]), scene.crs)
    areas = shapely.area(zones.geoms)
    rows = []
    for i in range(n):
        zone, ring = in_image[i], in_image[n + i]
        grid = fvc_grid(raster, scene, [zone, ring], s)
        st = zone_stats(grid, zone, ring, float(areas[i]), s)
        valid_pct = 100 * st.valid_share
        ratio = st.fvc_mean / st.reference_fvc_mean if st.reference_fvc_mean > 0 else math.nan
        included = valid_pct >= s.min_valid_pct and math.isfinite(st.fvc_mean)
        note = (
            ""
            if included
            else (
                f"left out: {valid_pct:.0f} % of the zone has valid pixels (clouds, nodata or off the image; minimum {s.min_valid_pct:g} %)"
            )
        )
        rows.append(
            {
                "zone_id": zones.ids[i],
                "date": day.isoformat(),
                "fvc_mean": st.fvc_mean,
                "vegetated_pct": 100 * st.vegetated_share,
                "bare_pct": 100 * st.bare_share,
                "valid_pct": valid_pct,
                "reference_fvc_mean": st.reference_fvc_mean,
                "recovery_ratio": ratio,
                "included": included,
                "note": note,
            }
        )
    return rows


def _summaries(series: pd.DataFrame, zones: _Zones, s: RestorationSettings) -> pd.DataFrame:
    used = series[series["included"]].assign(year=lambda t: t["date"].str[:4].astype(int))
    yearly = used.groupby(["zone_id", "year"])[["fvc_mean", "reference_fvc_mean"]].median()
    rows = []
    for zid, ztype, start, plan in zip(
        zones.ids, zones.types, zones.start, zones.plans, strict=True
    ):
        z = yearly.loc[zid] if zid in yearly.index.get_level_values(0) else None
        years = z.index.to_numpy() if z is not None else np.empty(0, int)
        p = progress(
            years,
            z["fvc_mean"].to_numpy() if z is not None else np.empty(0),
            z["reference_fvc_mean"].to_numpy() if z is not None else np.empty(0),
            start,
            plan,
            hold=s.hold,
        )
        rows.append(
            {
                "zone_id": zid,
                "zone_type": ztype,
                "status": p.status,
                "trend_per_year": p.trend_per_year,
                "trend_p": p.trend_p,
                "y2r_years": p.y2r_years,
                "r80p": p.r80p,
                "rri": p.rri,
                "reason": p.reason,
                "delta_ir": p.delta_ir,
                "target_fvc": p.target_fvc,
                "target_source": p.target_source,
                "start_fvc": p.start_fvc,
                "observed_years": len(years),
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _disturbance(
    rasters: list[tuple[date, UntrustedRaster, Scene]],
    mine_ids: list[str],
    mine_geoms: np.ndarray,
    taken: np.ndarray,
    s: RestorationSettings,
) -> gpd.GeoDataFrame:
    """New bare ground in a band around each mine (EQUAL_AREA), on the finest image's grid."""
    finest = min(rasters, key=lambda r: abs(r[1].dataset.transform.a * r[1].dataset.transform.e))
    grid_crs, grid_tr = finest[2].crs, finest[1].dataset.transform
    bands = shapely.difference(shapely.buffer(mine_geoms, s.band_m), shapely.union_all(taken))
    in_grid = _to_crs(bands, grid_crs)
    per_image = {id(r): _to_crs(bands, scene.crs) for _, r, scene in rasters}
    frames = []
    for i, mid in enumerate(mine_ids):
        grid = common_grid(shapely.bounds(in_grid[i]), grid_crs, grid_tr)
        covers = []
        for _, raster, scene in rasters:
            g = fvc_grid(raster, scene, [per_image[id(raster)][i]], s)
            covers.append(onto(g.cover, g.transform, scene.crs, grid))
        found = new_bare_ground(
            [d for d, _, _ in rasters],
            covers,
            in_grid[i],
            float(shapely.area(bands[i])),
            grid,
            bare_fvc=s.bare_fvc,
            min_area_m2=s.min_patch_m2,
        )
        if not len(found.area_m2):
            continue
        geoms = _to_crs_from(found.geometry, grid_crs)
        frames.append(
            gpd.GeoDataFrame(
                {
                    "mine_id": mid,
                    "patch_no": np.arange(1, len(geoms) + 1),
                    "area_m2": found.area_m2,
                    "first_seen": [d.isoformat() for d in found.first_seen],
                    "distance_m": _distance_m(geoms, mine_geoms[i]),
                    "finding": FINDING,
                },
                geometry=geoms,
                crs=EQUAL_AREA,
            )
        )
    if not frames:
        return gpd.GeoDataFrame(
            columns=[*DISTURBANCE_COLUMNS, "geometry"], geometry="geometry", crs=EQUAL_AREA
        )
    return gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs=EQUAL_AREA
    )


def _distance_m(geoms: np.ndarray, mine: shapely.Geometry) -> np.ndarray:
    """Geodesic distance (m) from each EQUAL_AREA polygon to the mine, between their nearest points.

    Albers distorts distances by up to ~0.5 % here, so only the nearest pair comes from it.
    """
    ends = shapely.get_coordinates(shapely.shortest_line(geoms, mine)).reshape(-1, 2, 2)
    return geodesic_distance_m(
        ends[:, 0, 0], ends[:, 0, 1], ends[:, 1, 0], ends[:, 1, 1], EQUAL_AREA
    )


def _to_crs_from(geoms: np.ndarray, crs: object) -> np.ndarray:
    return reproject_geoms(geoms, crs, EQUAL_AREA)


def run_restoration(
    zones: str,
    id_field: str,
    images: list[tuple[date, str | Path]],
    out_dir: str | Path,
    *,
    mines: str | None = None,
    mine_id_field: str | None = None,
    non_greenable: str | None = None,
    plan_table: str | None = None,
    fields: ZoneFields | None = None,
    settings: RestorationSettings | None = None,
    charts: bool = True,
) -> StepOutcome:
    """Restoration time series, metrics and plan status per zone; disturbance around mines.

    ``images``: (acquisition date, path) pairs, any order, CRS and resolution.
    The outcome's ``result`` is the summary table.
    """
    s = settings or RestorationSettings()
    f = fields or ZoneFields()
    out_dir = Path(out_dir)
    if len(images) < 2:
        raise InputError("give at least two dated images (--image YYYY-MM-DD=PATH, repeated)")
    images = sorted(images, key=lambda x: x[0])
    days = [d for d, _ in images]
    if len(set(days)) < len(days):
        raise InputError("two images carry the same date; give each image its own acquisition date")
    paths = [Path(p) for _, p in images]
    for p in paths:
        if not p.exists():
            raise InputError(f"{p} does not exist; check the path")
    z, zone_source = _read_zones(zones, id_field, f, plan_table)
    sources = [zone_source]
    taken = [z.geoms]
    mine_ids: list[str] = []
    mine_geoms = np.empty(0, object)
    if mines:
        if not mine_id_field:
            raise InputError("--mines needs --mine-id-field, the field that identifies a mine")
        gdf, src = read_mines(mines, what="mines layer")
        sources.append({"role": "mines", **src.as_dict()})
        mine_set = prepare_mines([(gdf, src.path)], mine_id_field)
        mine_ids = [str(i) for i in mine_set.ids]
        mine_geoms = np.asarray(mine_set.geoms, dtype=object)
        taken.append(mine_geoms)
    if non_greenable:
        gdf, src = read_layer(non_greenable, what="non-greenable layer")
        sources.append({"role": "non_greenable", **src.as_dict()})
        taken.append(np.asarray(to_measurable(gdf.geometry).geoms, dtype=object))
    if plan_table:
        sources.append(
            {"role": "plan_table", "path": plan_table, "sha256": manifest.file_sha256(plan_table)}
        )
    taken_all = np.concatenate(taken)
    rings = rings_around(z.geoms, s.reference_ring_m, taken_all)
    rows: list[dict[str, object]] = []
    scenes: dict[str, object] = {}
    disturbance = None
    path = paths[0]  # the image being read, for the message if it is refused
    try:
        with ExitStack() as stack:
            opened = []
            for day, path in zip(days, paths, strict=True):
                raster = stack.enter_context(open_untrusted(path))
                scene = _calibrate(raster, path, s)
                scenes[day.isoformat()] = {
                    "image": str(path),
                    "end_members": asdict(scene.end_members),
                    "scaling": scene.scaling,
                    "cloud_test": scene.cloud_floor is not None,
                }
                rows.extend(_zone_rows(raster, scene, day, z, rings, s))
                opened.append((day, raster, scene))
            if mines:
                disturbance = _disturbance(opened, mine_ids, mine_geoms, taken_all, s)
    except UntrustedRasterError as exc:
        raise InputError(
            f"{path} is refused: {exc}; check it with greenmine review-imagery"
        ) from None
    series = pd.DataFrame(rows, columns=TIMESERIES_COLUMNS)
    summary = _summaries(series, z, s)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = [
        results.write_csv(series, out_dir / "restoration_timeseries.csv"),
        results.write_csv(summary, out_dir / "restoration_summary.csv"),
    ]
    if charts:
        outputs += _charts(series, summary, z, out_dir)
    if disturbance is not None:
        outputs.append(
            results.write_gpkg(
                {"outside_disturbance": disturbance}, out_dir / "outside_disturbance.gpkg"
            )
        )
    for day, path in zip(days, paths, strict=True):
        sources.append(
            {
                "role": "image",
                "date": day.isoformat(),
                "path": str(path),
                "sha256": manifest.file_sha256(path),
            }
        )
    notes = list(z.notes)
    if "blue" not in s.bands:
        notes.append(
            "no blue band given: only clouds masked in the images (nodata or mask) are left out"
        )
    outputs.append(
        manifest.write_manifest(
            out_dir,
            command="restoration",
            inputs=sources,
            parameters={**asdict(s), **asdict(f), "images": scenes},
            outputs=outputs,
        )
    )
    counts = summary["status"].value_counts()
    out_summary = {status: int(counts.get(status, 0)) for status in STATUSES}
    out_summary["dates_left_out"] = int((~series["included"]).sum())
    if disturbance is not None:
        out_summary["suspected_outside_patches"] = len(disturbance)
    return StepOutcome(out_dir, outputs, out_summary, notes, summary)


def _charts(series: pd.DataFrame, summary: pd.DataFrame, z: _Zones, out_dir: Path) -> list[Path]:
    written = []
    by_zone = dict(zip(z.ids, zip(z.start, z.plans, strict=True), strict=True))
    for zid, rows in series.groupby("zone_id", sort=False):
        start, plan = by_zone[str(zid)]
        status = summary.loc[summary["zone_id"] == zid].iloc[0]
        fig = restoration_chart(rows, str(zid), status, start, plan)
        path = out_dir / f"restoration_{results.safe_name(str(zid))}.png"
        written.append(results.write_figure(fig, path))
    return written


def run_restoration_step(params: RestorationParams, out_dir: Path, **_: object) -> StepOutcome:
    """The pipeline's ``restoration`` step (takes no cache or progress)."""
    settings = RestorationSettings(
        bands={str(k): v for k, v in params.bands.items()},
        index=params.index,
        reference_ring_m=params.reference_ring_m,
        min_valid_pct=params.min_valid_pct,
        hold=params.hold,
        band_m=params.band_m,
        min_patch_m2=params.min_patch_m2,
    )
    fields = ZoneFields(
        params.zone_type_field,
        params.start_year_field,
        params.target_fvc_field,
        params.target_year_field,
    )
    return run_restoration(
        params.zones,
        params.id_field,
        list(params.images.items()),
        out_dir,
        mines=params.mines,
        mine_id_field=params.mine_id_field,
        non_greenable=params.non_greenable,
        plan_table=params.plan_table,
        fields=fields,
        settings=settings,
    )
