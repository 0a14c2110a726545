"""CRS handling of Chinese data: zones, prefixes, refusals, geodesic measures."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import CRS

from greenmine_geo.crs import (
    EQUAL_AREA,
    check_coordinates_fit,
    geodesic_distance_m,
    geodesic_length_m,
    gk_crs,
    norm_crs,
    zone_from_easting,
)
from greenmine_geo.errors import CRSError


@pytest.mark.parametrize(
    ("zone", "width", "prefixed", "epsg"),
    [
        (37, 3, True, 4525),
        (32, 3, True, 4520),
        (42, 3, True, 4530),
        (37, 3, False, 4546),
        (32, 3, False, 4541),
        (42, 3, False, 4551),
        (17, 6, True, 4495),
        (22, 6, True, 4500),
        (17, 6, False, 4506),
        (22, 6, False, 4511),
    ],
)
def test_inner_mongolia_gk_systems(zone, width, prefixed, epsg):
    assert gk_crs(zone, width=width, prefixed=prefixed).to_epsg() == epsg


def test_zone_prefix():
    assert zone_from_easting(37_512_345.67) == 37
    assert zone_from_easting(18_400_000.0) == 18
    assert zone_from_easting(512_345.67) is None
    assert zone_from_easting(50_000_000.0) is None  # not a zone number


def test_missing_crs_is_refused_with_the_fix():
    with pytest.raises(CRSError, match="--assign-crs EPSG:NNNN"):
        norm_crs(None, what="red-line layer x.shp")


@pytest.mark.parametrize("epsg", [2361, 2383, 2414, 4214, 4610])
def test_xian80_and_beijing54_are_refused(epsg):
    with pytest.raises(CRSError, match="ballpark"):
        norm_crs(f"EPSG:{epsg}", what="x")


def test_prefixed_coordinates_in_unprefixed_crs_suggest_the_right_epsg():
    with pytest.raises(CRSError, match="EPSG:4525"):
        check_coordinates_fit(
            CRS.from_epsg(4546), (37_500_000, 4_500_000, 37_501_000, 4_501_000), what="x"
        )


def test_metres_declared_as_degrees_are_refused():
    with pytest.raises(CRSError, match="not degrees"):
        check_coordinates_fit(
            CRS.from_epsg(4490), (500_000, 4_500_000, 501_000, 4_501_000), what="x"
        )


def test_unprefixed_coordinates_in_prefixed_crs_are_refused():
    with pytest.raises(CRSError, match="no zone prefix"):
        check_coordinates_fit(
            CRS.from_epsg(4525), (500_000, 4_500_000, 501_000, 4_501_000), what="x"
        )


def test_geodesic_distance_and_length():
    # one degree of latitude around 41°N on GRS80: meridian radius a(1−e²)/(1−e²sin²φ)^1.5
    # = 6 362 915 m, times π/180 = 111 054.0 m
    from pyproj import Transformer

    tr = Transformer.from_crs(4490, EQUAL_AREA, always_xy=True)
    x1, y1 = tr.transform(111.0, 40.5)
    x2, y2 = tr.transform(111.0, 41.5)
    d = geodesic_distance_m(
        np.array([x1]), np.array([y1]), np.array([x2]), np.array([y2]), EQUAL_AREA
    )
    a, e2, s2 = 6_378_137.0, 0.00669438002290, np.sin(np.radians(41.0)) ** 2
    assert d[0] == pytest.approx(np.pi / 180 * a * (1 - e2) / (1 - e2 * s2) ** 1.5, abs=1)
    import shapely

    line = shapely.LineString([(x1, y1), (x2, y2)])
    assert geodesic_length_m(np.array([line]), EQUAL_AREA)[0] == pytest.approx(d[0], rel=1e-6)
