"""Coordinate reference systems of Chinese data, and where areas are measured.

All areas are measured in :data:`EQUAL_AREA`, an Albers equal-area projection on
the GRS80 ellipsoid (the CGCS2000 ellipsoid), so a square metre there is a square
metre on the ellipsoid. Distances are measured geodesically (:func:`geodesic_distance_m`).

Gauss-Krüger (GK) systems on CGCS2000 used in Inner Mongolia:

========================  =========  ==============  ======================
system                    zones      prefixed EPSG   unprefixed EPSG
========================  =========  ==============  ======================
3° GK (CM = 3 × zone)     25 – 45    4513 – 4533     4534 – 4554
6° GK (CM = 6 × zone − 3) 13 – 23    4491 – 4501     4502 – 4512
========================  =========  ==============  ======================

"Prefixed" systems write the zone number in front of the easting
(Y = 38 512 345.67 m is 12 345.67 m east of the false easting in zone 38).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
from pyproj import CRS

from .errors import CRSError

__all__ = [
    "CGCS2000",
    "CGCS2000_INNER_MONGOLIA",
    "EQUAL_AREA",
    "GEOD",
    "INNER_MONGOLIA",
    "GkFrame",
    "geodesic_distance_m",
    "geodesic_length_m",
    "gk_crs",
    "infer_gk_frame",
    "integer_digits",
    "norm_crs",
    "transformer",
    "within_inner_mongolia",
    "gk3_zone",
    "zone_from_easting",
    "zone_width",
]

#: CGCS2000 geographic coordinates (longitude, latitude in degrees).
CGCS2000 = CRS.from_epsg(4490)

#: Albers equal-area conic on GRS80 for Inner Mongolia (37.4°N – 53.3°N). Units: metres.
EQUAL_AREA = CRS.from_proj4(
    "+proj=aea +lat_1=38 +lat_2=50 +lat_0=0 +lon_0=112 +x_0=0 +y_0=0 "
    "+ellps=GRS80 +units=m +no_defs +type=crs"
)

#: EPSG codes of CGCS2000 geographic and the GK systems over Inner Mongolia: 3° zones 32-42
#: with and without the zone prefix, 6° zones 17-22 with and without it.
CGCS2000_INNER_MONGOLIA = frozenset(
    {4490, *range(4520, 4531), *range(4541, 4552), *range(4495, 4501), *range(4506, 4512)}
)

#: The GRS80 ellipsoid, for geodesic distances and areas.
GEOD = pyproj.Geod(ellps="GRS80")

#: Inner Mongolia's extent (lon/lat, degrees), a little padded: where its boundaries fall.
INNER_MONGOLIA = (97.0, 37.2, 126.3, 53.5)

_GK3_PREFIXED = range(4513, 4534)  # zones 25..45
_GK6_PREFIXED = range(4491, 4502)  # zones 13..23
_XIAN80_BEIJING54 = [*range(2327, 2443)]  # Xi'an 1980 and Beijing 1954 GK systems


@lru_cache(maxsize=128)
def _cached_transformer(source: CRS, target: CRS) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def transformer(source: object, target: object) -> pyproj.Transformer:
    """The (x, y)-ordered transformation from ``source`` to ``target``, built once per pair.

    Building a transformer costs milliseconds (PROJ searches its database); transforming
    costs microseconds. pyproj transformers are safe to share between threads.
    """
    return _cached_transformer(CRS.from_user_input(source), CRS.from_user_input(target))


def gk_crs(zone: int, *, width: int = 3, prefixed: bool = True) -> CRS:
    """Return the CGCS2000 Gauss-Krüger CRS for a zone.

    Parameters
    ----------
    zone : int
        Zone number: 25–45 for 3° zones, 13–23 for 6° zones.
    width : {3, 6}
        Zone width in degrees of longitude.
    prefixed : bool
        Whether eastings carry the zone number (false easting ``zone × 10⁶ + 500 000`` m).
    """
    if zone_width(zone) == width == 3:
        base = 4513 if prefixed else 4534
        return CRS.from_epsg(base + zone - 25)
    if zone_width(zone) == width == 6:
        base = 4491 if prefixed else 4502
        return CRS.from_epsg(base + zone - 13)
    raise CRSError(
        f"zone {zone} is not a CGCS2000 {width}° Gauss-Krüger zone "
        "(3° zones run 25-45, 6° zones 13-23); check the zone number"
    )


def gk3_zone(lon: float) -> int:
    """The CGCS2000 3° Gauss-Krüger zone holding longitude ``lon`` (degrees east): zone n
    has its central meridian at 3n° and spans 3n ± 1.5° (Inner Mongolia: zones 32–42)."""
    return int(math.floor(lon / 3 + 0.5))


def zone_from_easting(easting: float) -> int | None:
    """Return the zone number written in front of a prefixed GK easting, or None.

    A prefixed easting has 8 integer digits: the first two are the zone
    (``38 512 345.67`` → 38). Zone numbers 25–45 are 3° zones, 13–23 are 6° zones.
    """
    if not np.isfinite(easting) or easting < 10_000_000:
        return None
    zone = int(easting // 1_000_000)
    return zone if zone_width(zone) else None


def zone_width(zone: int) -> int | None:
    """3 for a 3° zone number (25–45), 6 for a 6° one (13–23), else None: the ranges do not meet."""
    return 3 if 25 <= zone <= 45 else 6 if 13 <= zone <= 23 else None


def norm_crs(crs: object, *, what: str) -> CRS:
    """Normalise a CRS-like value once, at the boundary, and refuse what cannot be trusted.

    Parameters
    ----------
    crs : CRS-like or None
        Anything :meth:`pyproj.CRS.from_user_input` accepts.
    what : str
        How to name the data in an error message (e.g. a file path).

    Raises
    ------
    CRSError
        When the CRS is missing, or is a Xi'an 1980 / Beijing 1954 system, for which
        PROJ only has a 2–3 m "ballpark" shift to CGCS2000.
    """
    if crs is None:
        raise CRSError(
            f"{what} has no coordinate reference system; give the one its coordinates are in "
            "with --assign-crs EPSG:NNNN (or add a .prj to a shapefile); the CRS is never guessed"
        )
    try:
        out = CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"{what} has an unreadable CRS ({exc}); rewrite it as an EPSG code") from exc
    code = out.to_epsg()
    datum = out.datum.name if out.datum else ""
    if code in _XIAN80_BEIJING54 or any(k in datum for k in ("Xian 1980", "Beijing 1954")):
        raise CRSError(
            f"{what} is in {out.name}; PROJ has only a 2-3 m ballpark shift from it to "
            "CGCS2000, so convert it with your survey's official parameters first"
        )
    return out


def check_coordinates_fit(crs: CRS, bounds: Iterable[float] | None, *, what: str) -> None:
    """Refuse a layer whose coordinates contradict its declared CRS.

    The commonest mistake is a GK layer whose eastings carry the zone prefix
    declared in the matching unprefixed system (or the reverse), or projected
    metres declared as EPSG:4490. Both land the layer hundreds of kilometres
    away, so they are errors, not warnings.

    Parameters
    ----------
    crs : CRS
        The declared CRS.
    bounds : (minx, miny, maxx, maxy) or None
        Layer bounds in that CRS; None (or NaN) for an empty layer.
    """
    if bounds is None:
        return  # empty layer: nothing to contradict
    minx, miny, maxx, maxy = bounds
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return
    aou = crs.area_of_use
    if crs.is_geographic:
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise CRSError(
                f"{what} declares geographic {crs.name} but its coordinates "
                f"({minx:.0f}, {miny:.0f}) are not degrees; declare its projected CRS"
            )
        return
    xs, ys = transformer(crs, CGCS2000).transform(
        [minx, maxx, minx, maxx], [miny, miny, maxy, maxy]
    )
    ok = np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))
    if ok and aou is not None:
        margin = 3.0  # degrees: GK zones are used a little past their nominal edges
        ok = (
            aou.west - margin <= min(xs)
            and max(xs) <= aou.east + margin
            and aou.south - margin <= min(ys)
            and max(ys) <= aou.north + margin
        )
    if ok:
        return
    hint = ""
    zone = zone_from_easting(minx)
    if zone is not None:
        epsg = gk_crs(zone, width=zone_width(zone) or 3).to_epsg()
        hint = f"; the eastings carry zone prefix {zone}: did you mean EPSG:{epsg}?"
    elif minx < 10_000_000 and crs.to_epsg() in (*_GK3_PREFIXED, *_GK6_PREFIXED):
        hint = "; the eastings carry no zone prefix: declare the matching unprefixed GK system"
    raise CRSError(
        f"{what} declares {crs.name} but its coordinates fall outside that system's "
        f"area of use{hint}"
    )


def geodesic_distance_m(
    x1: np.ndarray, y1: np.ndarray, x2: np.ndarray, y2: np.ndarray, crs: CRS
) -> np.ndarray:
    """Geodesic distance in metres on GRS80 between point pairs given in ``crs``.

    Vectorised over arrays of equal length.
    """
    tr = transformer(crs, CGCS2000)
    lon1, lat1 = tr.transform(np.asarray(x1, float), np.asarray(y1, float))
    lon2, lat2 = tr.transform(np.asarray(x2, float), np.asarray(y2, float))
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist, dtype=float)


def geodesic_length_m(lines: np.ndarray, crs: CRS) -> np.ndarray:
    """Geodesic length in metres on GRS80 of each (multi)line geometry given in ``crs``.

    Vectorised: every segment of every line is measured in one call.
    """
    import shapely

    lines = np.asarray(lines, dtype=object)
    out = np.zeros(len(lines))
    parts, owner = shapely.get_parts(shapely.line_merge(lines), return_index=True)
    parts_are_lines = shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING
    parts, owner = parts[parts_are_lines], owner[parts_are_lines]
    if len(parts) == 0:
        return out
    coords, part = shapely.get_coordinates(parts, return_index=True)
    lon, lat = transformer(crs, CGCS2000).transform(coords[:, 0], coords[:, 1])
    same = part[1:] == part[:-1]
    _, _, seg = GEOD.inv(lon[:-1][same], lat[:-1][same], lon[1:][same], lat[1:][same])
    np.add.at(out, owner[part[1:][same]], seg)
    return out


def integer_digits(values: np.ndarray) -> int:
    """The commonest number of integer digits among ``values`` (finite coordinates in
    metres; 16 stands for 16 or more)."""
    whole = np.minimum(np.abs(np.asarray(values, dtype=float)), 1e15).astype(np.int64)
    counts = np.char.str_len(whole.astype(str))
    return int(np.bincount(counts).argmax())


def within_inner_mongolia(lon: np.ndarray, lat: np.ndarray) -> bool:
    """Whether every point (degrees, CGCS2000) lies in Inner Mongolia's padded extent."""
    x0, y0, x1, y1 = INNER_MONGOLIA
    lon, lat = np.asarray(lon), np.asarray(lat)
    return bool(((lon > x0) & (lon < x1) & (lat > y0) & (lat < y1)).all())


@dataclass(frozen=True)
class GkFrame:
    """The Gauss-Krüger zone a list of corner points is written in.

    ``swapped``: the columns hold (easting, northing) rather than Chinese surveying's
    (X = northing, Y = easting); ``notes``: (check, message) for every decision a
    reader must know of (a swap, a declared zone the coordinates contradict).
    """

    zone: int
    width: int
    prefixed: bool
    swapped: bool
    notes: tuple[tuple[str, str], ...] = ()


def infer_gk_frame(
    xs: np.ndarray,
    ys: np.ndarray,
    *,
    declared_zone: int | None = None,
    declared_width: int | None = None,
    given_zone: int | None = None,
    given_width: int | None = None,
    what: str = "the points",
) -> GkFrame:
    """Zone, zone width and column order of Chinese corner points (X north, Y east).

    * Column order: X has 7 integer digits at these latitudes, Y 8 with the zone
      prefix or 6 without; (8, 7) or (6, 7) digits mean the columns are swapped.
    * Zone: the easting's prefix when there is one (a declared 带号 or a given zone that
      disagrees is noted, the prefix wins: the coordinates carry it), else the declared
      zone, else the given one.
    * Width: declared (几度分带), else given, else from the zone number (3° zones run
      25-45, 6° zones 13-23); a width the zone number contradicts is noted and corrected.

    Raises
    ------
    CRSError
        No coordinates or non-finite ones; no zone can be told, or the zone is neither a
        3° nor a 6° zone number.
    """
    notes: list[tuple[str, str]] = []
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if xs.size == 0 or xs.shape != ys.shape:
        raise CRSError(f"{what}: no coordinates, or not as many X as Y values")
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise CRSError(f"{what}: coordinates that are not finite numbers (NaN, infinity)")
    dx, dy = integer_digits(xs), integer_digits(ys)
    swapped = (dx, dy) in ((8, 7), (6, 7))
    if swapped:
        notes.append(
            (
                "xy_swap",
                f"X has {dx} integer digits and Y {dy}: the columns are swapped (X is the northing); swapped back",
            )
        )
        xs, ys = ys, xs
    prefixed = integer_digits(ys) == 8
    if prefixed:
        zone = int(np.median(ys) // 1_000_000)  # as written; checked against the ranges below
        for label, other in (("带号", declared_zone), ("--zone", given_zone)):
            if other is not None and other != zone:
                notes.append(
                    (
                        "zone",
                        f"{label} {other} disagrees with the eastings' prefix {zone}; the prefix is used",
                    )
                )
    else:
        zone = declared_zone or given_zone or 0
        if not zone:
            raise CRSError(
                f"{what}: the eastings carry no zone prefix and no 带号 is declared; give the zone (--zone N)"
            )
    by_range = zone_width(zone)
    width = declared_width or given_width or by_range
    if by_range is None or width not in (3, 6):
        raise CRSError(f"{what}: zone {zone} is neither a 3° zone (25-45) nor a 6° zone (13-23)")
    if width != by_range:
        notes.append(
            (
                "zone_width",
                f"几度分带 {width} but zone {zone} is a {by_range}° zone number; {by_range}° used",
            )
        )
        width = by_range
    return GkFrame(zone, width, prefixed, swapped, tuple(notes))
