"""Corner-point boundaries → checked polygons: CRS inference and the ministry's geometry checks.

From a :class:`~greenmine_geo.io.corner_points.BoundaryFile`:

* **Datum**: the file's 坐标系 or ``--datum``; CGCS2000 is accepted; Xi'an 1980 and
  Beijing 1954 are refused unless explicit 7-parameter conversion values are given
  (PROJ has only a 2-3 m ballpark shift for them). A file that declares no datum is
  refused: the datum is never guessed.
* **X/Y swap**: Chinese surveying writes X = northing (7 integer digits at these
  latitudes) and Y = easting (8 with the zone prefix, 6 without); columns the other
  way round are swapped back, and a result outside Inner Mongolia that falls inside
  when swapped is swapped too. Each swap is a finding.
* **Zone**: from the easting's prefix and the 带号 header (a disagreement is a
  finding; the prefix, which the coordinates carry, is used); 3° or 6° from 几度分带
  and from the zone number (3° zones 25-45, 6° zones 13-23).
* **Geometry**: ring closure, repeated points, too few points, self-intersection
  (repaired with ``make_valid`` and reported with both areas), rings that are holes
  or separate parts decided by containment (a mining right's −1 ring is deducted),
  and the declared area against the computed one, both reported: computed on the
  ellipsoid (EQUAL_AREA) to 4 decimals in km² and hectares.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..crs import CGCS2000, EQUAL_AREA, gk_crs, infer_gk_frame, transformer, within_inner_mongolia
from ..errors import InputError
from ..geometry import densify, polygon_parts
from ..io import results
from ..io.corner_points import BoundaryFile, RawParcel, RawRing
from ..types import Severity, StepResult

__all__ = [
    "BOUNDARY_COLUMNS",
    "FINDING_COLUMNS",
    "ConversionOptions",
    "ConversionResult",
    "Finding",
    "to_polygons",
]

#: Relative difference between declared and computed area that is reported as a warning.
AREA_TOLERANCE = 0.005
_ELLIPSOIDS = {"xian80": "+a=6378140 +rf=298.257", "beijing54": "+ellps=krass"}
_DATUM_NAMES = {"cgcs2000": "CGCS2000", "xian80": "Xi'an 1980", "beijing54": "Beijing 1954"}

#: Attribute columns of the converted boundaries, in order (geometry in EPSG:4490).
BOUNDARY_COLUMNS = [
    "mine_id",
    "parcel",
    "name",
    "source_file",
    "format",
    "encoding",
    "datum",
    "zone",
    "zone_width",
    "epsg",
    "declared_area",
    "area_km2",
    "area_ha",
    "rings",
    "holes",
    "points",
    "top_elevation_m",
    "bottom_elevation_m",
]


#: Columns of the findings table (layer ``findings`` and ``<out>_findings.csv``).
FINDING_COLUMNS = ["file", "parcel", "severity", "check", "message"]


@dataclass(frozen=True)
class Finding:
    """One finding about a file or parcel."""

    file: str
    parcel: str
    severity: Severity
    check: str
    message: str


@dataclass(frozen=True)
class ConversionOptions:
    """What the file may not say: its datum, zone, zone width, and Xi'an/Beijing conversion.

    ``towgs84``: the survey's 7 parameters (dx, dy, dz in m; rx, ry, rz in arc-seconds;
    scale in ppm) from the file's datum to CGCS2000.
    """

    datum: str | None = None
    zone: int | None = None
    width: int | None = None
    towgs84: tuple[float, ...] | None = None


@dataclass
class _Context:
    file: BoundaryFile
    findings: list[Finding] = field(default_factory=list)

    def add(self, parcel: str, severity: Severity, check: str, message: str) -> None:
        self.findings.append(Finding(self.file.path.name, parcel, severity, check, message))


def _datum(bf: BoundaryFile, opts: ConversionOptions) -> str:
    declared = bf.header.get("坐标系", "")
    if declared:
        if "2000" in declared or "CGCS" in declared.upper():
            return "cgcs2000"
        if "西安" in declared or "80" in declared:
            return "xian80"
        if "北京" in declared or "54" in declared:
            return "beijing54"
        raise InputError(
            f"{bf.path}: 坐标系={declared!r} is not CGCS2000, Xi'an 1980 or Beijing 1954"
        )
    if opts.datum:
        return opts.datum
    raise InputError(
        f"{bf.path} does not declare its datum; give it (--datum cgcs2000, or xian80/beijing54 with "
        "--towgs84): the datum is never guessed"
    )


def _crs(
    ctx: _Context, datum: str, zone: int, width: int, prefixed: bool, opts: ConversionOptions
) -> pyproj.CRS:
    if datum == "cgcs2000":
        return gk_crs(zone, width=width, prefixed=prefixed)
    if not opts.towgs84:
        raise InputError(
            f"{ctx.file.path} is in {_DATUM_NAMES[datum]}: PROJ has only a 2-3 m ballpark shift to CGCS2000; "
            "give your survey's 7 conversion parameters (--towgs84 dx,dy,dz,rx,ry,rz,ppm) or convert the file first"
        )
    cm = zone * width - (0 if width == 3 else 3)
    x0 = (zone * 1_000_000 if prefixed else 0) + 500_000
    params = ",".join(f"{v:g}" for v in opts.towgs84)
    ctx.add(
        "",
        Severity.INFO,
        "datum",
        f"{_DATUM_NAMES[datum]} converted to CGCS2000 with the given parameters {params}",
    )
    return pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={cm} +k=1 +x_0={x0} +y_0=0 {_ELLIPSOIDS[datum]} +towgs84={params} +units=m +no_defs"
    )


def _frame(ctx: _Context, opts: ConversionOptions) -> tuple[pyproj.CRS, bool, dict[str, object]]:
    """The file's CRS and whether X and Y must be swapped, from its numbers and declarations."""
    bf = ctx.file
    xs = np.array([p[1] for parcel in bf.parcels for r in parcel.rings for p in r.points])
    ys = np.array([p[2] for parcel in bf.parcels for r in parcel.rings for p in r.points])
    if xs.size == 0:
        raise InputError(f"{bf.path} holds no coordinates")
    datum = _datum(bf, opts)
    header = {
        k: int(bf.header[k]) for k in ("带号", "几度分带") if bf.header.get(k, "").strip().isdigit()
    }
    frame = infer_gk_frame(
        xs,
        ys,
        declared_zone=header.get("带号"),
        declared_width=header.get("几度分带"),
        given_zone=opts.zone,
        given_width=opts.width,
        what=str(bf.path),
    )
    for check, message in frame.notes:
        ctx.add("", Severity.WARNING, check, message)
    east, north = (xs, ys) if frame.swapped else (ys, xs)
    crs = _crs(ctx, datum, frame.zone, frame.width, frame.prefixed, opts)
    to_ll = transformer(crs, CGCS2000)
    swap = frame.swapped
    if not within_inner_mongolia(*to_ll.transform(east, north)):
        if within_inner_mongolia(*to_ll.transform(north, east)):
            swap = not swap
            ctx.add(
                "",
                Severity.WARNING,
                "xy_swap",
                "the points fall outside Inner Mongolia unless X and Y are swapped; swapped",
            )
        else:
            raise InputError(
                f"{bf.path}: the points fall outside Inner Mongolia in {crs.name} (either way round); check the zone and datum"
            )
    meta = {
        "datum": _DATUM_NAMES[datum],
        "zone": frame.zone,
        "zone_width": frame.width,
        "epsg": crs.to_epsg() or 0,
    }
    return crs, swap, meta


def _ring_polygon(ctx: _Context, parcel: str, ring: RawRing, swap: bool) -> shapely.Polygon | None:
    """A ring's polygon in the projected CRS (x = easting), after the closure, duplicate and
    self-intersection checks; None when it has too few points."""
    pts = [(y, x) if not swap else (x, y) for _, x, y in ring.points]
    label = f"ring {ring.number}"
    if len(pts) > 1 and pts[0] != pts[-1]:
        # the exchange format repeats the first point to close a ring; corner lists and
        # mining-right strings usually list each corner once
        if ctx.file.format == "txt":
            ctx.add(
                parcel,
                Severity.WARNING,
                "closure",
                f"{label} is not closed (first and last point differ); closed",
            )
        else:
            ctx.add(parcel, Severity.INFO, "closure", f"{label} lists each corner once; closed")
        pts.append(pts[0])
    kept = [pts[0]] + [b for a, b in zip(pts, pts[1:], strict=False) if b != a]
    if len(kept) < len(pts):
        ctx.add(
            parcel,
            Severity.WARNING,
            "duplicate_points",
            f"{label}: {len(pts) - len(kept)} repeated consecutive point(s) dropped",
        )
    distinct = set(kept[:-1])
    if len(distinct) < len(kept) - 1:
        ctx.add(
            parcel,
            Severity.WARNING,
            "duplicate_points",
            f"{label}: a point occurs twice (not consecutively); the ring touches itself",
        )
    if len(distinct) < 3:
        ctx.add(
            parcel,
            Severity.ERROR,
            "too_few_points",
            f"{label} has {len(distinct)} distinct points; a polygon needs at least 3",
        )
        return None
    poly = shapely.Polygon(kept)
    if not poly.is_valid:
        reason = shapely.is_valid_reason(poly)
        fixed = shapely.union_all(
            [g for g in shapely.get_parts(shapely.make_valid(poly)) if g.geom_type == "Polygon"]
        )
        ctx.add(
            parcel,
            Severity.ERROR,
            "self_intersection",
            f"{label}: {reason}; repaired with make_valid (area {abs(_signed_area(kept)):,.1f} m² as drawn → {fixed.area:,.1f} m²)",
        )
        return fixed
    return poly


def _signed_area(pts: list[tuple[float, float]]) -> float:
    a = np.asarray(pts)
    return 0.5 * float(np.sum(a[:-1, 0] * a[1:, 1] - a[1:, 0] * a[:-1, 1]))


def _parcel_polygon(
    ctx: _Context, parcel: RawParcel, swap: bool
) -> tuple[shapely.Geometry | None, int]:
    """The parcel's (multi)polygon in the projected CRS, and how many rings are holes."""
    rings: list[tuple[RawRing, shapely.Geometry]] = []
    for r in parcel.rings:
        poly = _ring_polygon(ctx, parcel.number, r, swap)
        if poly is not None and not poly.is_empty:
            rings.append((r, poly))
    if not rings:
        return None, 0
    deducted = [p for r, p in rings if r.flag == -1]
    candidates = sorted((p for r, p in rings if r.flag == 1), key=lambda p: -p.area)
    parts: list[shapely.Geometry] = []
    holes = list(deducted)
    for poly in candidates:  # largest first: a ring inside an earlier part is its hole
        if any(part.contains(poly) for part in parts):
            holes.append(poly)
        else:
            parts.append(poly)
    if ctx.file.format != "mining_right" and len(parts) > 1:
        ctx.add(
            parcel.number,
            Severity.INFO,
            "parts",
            f"{len(parts)} rings are separate parts (none inside another)",
        )
    geom = shapely.union_all(parts)
    if holes:
        geom = shapely.difference(geom, shapely.union_all(holes))
    return geom, len(holes)


def to_polygons(
    bf: BoundaryFile, opts: ConversionOptions | None = None
) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Polygons (EPSG:4490) with every attribute, one row per parcel, and the findings.

    Raises
    ------
    InputError
        The file's datum is missing or not convertible, or its zone cannot be told.
    """
    opts = opts or ConversionOptions()
    ctx = _Context(bf)
    crs, swap, meta = _frame(ctx, opts)
    rows, geoms = [], []
    for parcel in bf.parcels:
        geom, n_holes = _parcel_polygon(ctx, parcel, swap)
        if geom is None or geom.is_empty:
            ctx.add(
                parcel.number,
                Severity.ERROR,
                "no_polygon",
                "no polygon could be built; the parcel is left out",
            )
            continue
        parts = densify(
            polygon_parts(np.array([geom], dtype=object))[0], 100.0
        )  # curved in lon/lat
        ll = gpd.GeoSeries([shapely.multipolygons(parts)], crs=crs).to_crs(CGCS2000).iloc[0]
        area_m2 = float(gpd.GeoSeries([ll], crs=CGCS2000).to_crs(EQUAL_AREA).area.iloc[0])
        area_km2, area_ha = round(area_m2 / 1e6, 4), round(area_m2 / 1e4, 4)
        _check_area(ctx, parcel, area_km2, area_ha)
        included = [r for r in parcel.rings if r.flag == 1]
        tops = [r.top for r in included if r.top is not None]
        bottoms = [r.bottom for r in included if r.bottom is not None]
        rows.append(
            {
                "mine_id": bf.path.stem,
                "parcel": parcel.number,
                "name": parcel.name or bf.path.stem,
                "source_file": bf.path.name,
                "format": bf.format,
                "encoding": bf.encoding,
                **meta,
                "declared_area": parcel.declared_area
                if parcel.declared_area is not None
                else math.nan,
                "area_km2": area_km2,
                "area_ha": area_ha,
                "rings": len(parcel.rings),
                "holes": n_holes,
                "points": sum(len(r.points) for r in parcel.rings),
                "top_elevation_m": max(tops) if tops else math.nan,
                "bottom_elevation_m": min(bottoms) if bottoms else math.nan,
                **{f"attr_{k}": v for k, v in parcel.attributes.items()},
            }
        )
        geoms.append(ll)
    out = (
        gpd.GeoDataFrame(rows, geometry=geoms, crs=CGCS2000)
        if rows
        else gpd.GeoDataFrame(columns=BOUNDARY_COLUMNS, geometry=[], crs=CGCS2000)
    )
    return out, ctx.findings


def _check_area(ctx: _Context, parcel: RawParcel, area_km2: float, area_ha: float) -> None:
    """Declared area (hectares in the exchange format; km² accepted when it fits) against computed."""
    declared = parcel.declared_area
    if declared is None or declared <= 0:
        return
    off_ha = abs(declared - area_ha) / area_ha
    off_km2 = abs(declared - area_km2) / area_km2
    if off_ha <= AREA_TOLERANCE:
        return
    if off_km2 <= AREA_TOLERANCE:
        ctx.add(
            parcel.number,
            Severity.INFO,
            "area",
            f"declared area {declared:g} is in km² (computed {area_km2:.4f} km²)",
        )
        return
    ctx.add(
        parcel.number,
        Severity.WARNING,
        "area",
        f"declared area {declared:g} ha disagrees with the coordinates: computed {area_ha:.4f} ha "
        f"({area_km2:.4f} km², ellipsoidal), {100 * (declared - area_ha) / area_ha:+.2f} %",
    )


@dataclass
class ConversionResult(StepResult):
    """Corner-point files converted: one polygon per parcel (EPSG:4490) and every finding.

    ``name`` is the output's stem: ``NAME.gpkg`` (layers ``boundaries``, ``findings``)
    and ``NAME_findings.csv``.
    """

    command: ClassVar[str] = "convert-boundary"
    name: str
    boundaries: gpd.GeoDataFrame
    findings: list[Finding]
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.warnings = [
            f"{x.file} {x.parcel}: {x.message}"
            for x in self.findings
            if x.severity != Severity.INFO
        ]

    @property
    def table(self) -> pd.DataFrame:
        """The findings as a table (:data:`FINDING_COLUMNS`)."""
        return pd.DataFrame([asdict(x) for x in self.findings], columns=FINDING_COLUMNS)

    def summary(self) -> dict[str, int]:
        counts = self.table["severity"].value_counts()
        return {"parcels": len(self.boundaries)} | {
            f"{s.value}s": int(counts.get(s, 0)) for s in Severity
        }

    def write(self, out_dir: Path) -> list[Path]:
        table = self.table
        return [
            results.write_gpkg(
                {"boundaries": self.boundaries},
                out_dir / f"{self.name}.gpkg",
                tables={"findings": table},
            ),
            results.write_csv(table, out_dir / f"{self.name}_findings.csv"),
        ]

    def manifest_record(self) -> dict[str, Any]:
        return {"summary": self.summary()}
