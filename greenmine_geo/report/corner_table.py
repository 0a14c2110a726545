"""The 拐点坐标表 of a mining area: its corner points as Chinese surveying writes them.

Licences and registration files give a mining area (矿区范围) as corner points in
CGCS2000 3° Gauss-Krüger coordinates, X the northing and Y the easting with the zone
number in front (Y = 38 512 345.67 m is zone 38). The review report lists the boundary
the check used the same way, so a reviewer can hold it against the licence line by line.

The boundary is stored in EPSG:4490 with the vertices a reprojection adds on long
edges (:func:`~greenmine_geo.geometry.densify`); in the zone's plane those lie on the
straight edge between two corners, so they are dropped (deviation below
:data:`CORNER_TOLERANCE_M`) and the corners remain.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from ..crs import CGCS2000, EQUAL_AREA, gk3_zone, gk_crs
from ..geometry import polygon_parts

__all__ = ["CORNER_TOLERANCE_M", "CornerPoint", "CornerTable", "corner_table"]

#: A vertex within this distance (m) of the straight line through its neighbours is
#: not a corner: the points densification added, and coordinates' rounding.
CORNER_TOLERANCE_M = 0.005


@dataclass(frozen=True)
class CornerPoint:
    """One corner: its parcel (1…), ring (1 = outer, 2… = holes), number in the ring (1…),
    X (northing, m) and Y (easting with the zone prefix, m)."""

    parcel: int
    ring: int
    point: int
    x: float
    y: float


@dataclass(frozen=True)
class CornerTable:
    """The corners of a boundary in its CGCS2000 3° GK zone, and its ellipsoidal area (m²)."""

    zone: int
    epsg: int
    points: list[CornerPoint]
    area_m2: float

    @property
    def crs_name(self) -> str:
        """The coordinate system as a Chinese table caption names it."""
        return f"2000国家大地坐标系 3°带高斯-克吕格投影 第{self.zone}带（EPSG:{self.epsg}）"


def corner_table(boundary: shapely.Geometry, crs: object = CGCS2000) -> CornerTable:
    """The corner points of ``boundary`` (a polygon or multipolygon in ``crs``) in the 3° GK
    zone of its centroid, zone-prefixed. Outer rings run clockwise and holes anticlockwise,
    each from its north-west corner, as Chinese corner lists are written."""
    lonlat = gpd.GeoSeries([boundary], crs=crs).to_crs(CGCS2000)
    zone = gk3_zone(float(lonlat.iloc[0].centroid.x))
    gk = gk_crs(zone, width=3, prefixed=True)
    plane = shapely.simplify(lonlat.to_crs(gk).iloc[0], CORNER_TOLERANCE_M, preserve_topology=True)
    parts, _ = polygon_parts(np.array([shapely.orient_polygons(plane, exterior_cw=True)]))
    points = []
    for p, part in enumerate(parts, start=1):
        for r, ring in enumerate([part.exterior, *part.interiors], start=1):
            points += [
                CornerPoint(p, r, k, float(north), float(east))
                for k, (east, north) in enumerate(_from_north_west(ring), start=1)
            ]
    area = float(lonlat.to_crs(EQUAL_AREA).area.iloc[0])
    return CornerTable(zone, int(gk.to_epsg() or 0), points, area)


def _from_north_west(ring: shapely.LinearRing) -> np.ndarray:
    """A ring's corners (easting, northing) without the closing repeat, starting from the
    northernmost (then westernmost) corner, as corner lists are numbered."""
    coords = shapely.get_coordinates(ring)[:-1]
    key = np.round(coords, 3)  # to the millimetre: reprojection noise decides no order
    first = int(np.lexsort((key[:, 0], -key[:, 1]))[0])
    return np.roll(coords, -first, axis=0)
