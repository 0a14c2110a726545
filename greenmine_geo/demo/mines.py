"""The prerequisite demo's mines: about 60 polygons in lon/lat (EPSG:4490), most in key zones.

Each mine also names the file (and so the CRS) it is written to (``crs_file``,
see :func:`greenmine_geo.demo.write_demo_data`). Besides the mines scattered in
the key zones there are hand-placed special cases, one helper per family:
mines along the 阴山北麓 red line (straddling it, one of them exempted, touching
it, 10 m outside it), a mine with a hole around a red-line island, bow-ties,
two mines in one planning block, mines on farmland and in a nature reserve, the
three mines with greening imagery, and a few more to fill the leagues.

Every mine draws its attributes from the shared random generator as it is
added, so the families are placed in a fixed order.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Polygon

from ..crs import CGCS2000, gk_crs
from .planning import KEY_ZONES
from .shapes import offset, rect

__all__ = ["EXEMPTED_MINE", "GREENING_MINES", "Mine", "in_green_list", "mines"]

#: Mines with a demo image each: greened well, greened with bare patches, mostly bare
#: (in the order of :data:`greenmine_geo.demo.imagery.GREENING_KINDS`).
GREENING_MINES = ("示例铁矿（复绿良好）", "示例铜矿（局部裸露）", "示例煤矿（大面积裸露）")

#: The mine over the 阴山北麓 red line that carries a documented exemption.
EXEMPTED_MINE = "示例铁矿（跨红线，国家重大项目豁免）"
_MINERALS = ["铁矿", "铜矿", "金矿", "萤石矿", "稀土矿", "煤矿", "铅锌矿", "石灰岩矿", "铌钽矿"]
_SCALES = ["大型", "中型", "小型"]


@dataclass
class Mine:
    """One demo mine; ``geometry`` in lon/lat (EPSG:4490), ``crs_file`` the file it goes to."""

    mine_id: str
    name: str
    mineral: str
    scale: str
    geometry: Polygon
    crs_file: str


@dataclass
class _Placed:
    """The mines placed so far, numbered in order of placement."""

    rng: np.random.Generator
    mines: list[Mine] = field(default_factory=list)

    def add(
        self,
        lon: float,
        lat: float,
        geom: Polygon | None = None,
        crs_file: str = "cgcs2000",
        name: str | None = None,
    ) -> None:
        """Add a mine at (lon, lat) with ``geom``, else a random rectangle there.

        The rectangle is 0.5-2.2 km by 0.4-1.8 km, turned up to 40° either way. Draws, in
        this order: the mineral, the rectangle's size and angle (if no ``geom``), the id, the
        scale.
        """
        n = len(self.mines) + 1
        rng = self.rng
        mineral = _MINERALS[int(rng.integers(len(_MINERALS)))]
        geom = (
            geom
            if geom is not None
            else rect(
                lon, lat, rng.uniform(500, 2200), rng.uniform(400, 1800), rng.uniform(-40, 40)
            )
        )
        self.mines.append(
            Mine(
                f"C15000020{n:02d}0{int(rng.integers(10**6, 10**7))}",
                name or f"示例{mineral}{n:02d}号",
                mineral,
                _SCALES[int(rng.choice(3, p=[0.15, 0.25, 0.6]))],
                geom,
                crs_file,
            )
        )


def mines(rng: np.random.Generator, redline: gpd.GeoDataFrame) -> list[Mine]:
    """About 60 mines: most in key zones, plus the hand-placed special cases."""
    placed = _Placed(rng)
    _in_key_zones(placed)
    _along_yinshan(placed, redline)
    _around_island(placed, redline)
    _bow_ties(placed)
    _sharing_a_block(placed)
    # mines on farmland and in a nature reserve (land-use conflicts)
    placed.add(121.9, 46.1, crs_file="cgcs2000", name="示例煤矿（压占基本农田）")
    placed.add(120.6, 47.1, crs_file="cgcs2000", name="示例金矿（位于自然保护地）")
    # three mines with demo imagery for the greening indicator (vegetated, patchy, bare)
    for (lon, lat), name in zip(
        ((117.0, 45.6), (119.8, 47.6), (108.9, 39.3)), GREENING_MINES, strict=True
    ):
        placed.add(lon, lat, crs_file="cgcs2000", name=name)
    # fill to about 60 with mines scattered across the leagues
    for lon, lat in (
        (110.3, 39.8),
        (113.2, 41.0),
        (122.4, 44.0),
        (107.1, 40.2),
        (115.0, 43.9),
        (113.9, 42.6),
        (120.1, 41.6),
    ):
        placed.add(lon, lat, crs_file="cgcs2000")
    return placed.mines


def _in_key_zones(placed: _Placed) -> None:
    """Two mines about 12 km around each mineral key zone's centre, one in each geothermal one,
    written in the GK file of the zone they fall in."""
    for name, lon, lat in KEY_ZONES:
        for _ in range(2 if "地热" not in name else 1):
            dlon, dlat = offset(lon, lat, *placed.rng.normal(0, 12_000, 2))
            crs_file = (
                "gk3_zone37"
                if 109.5 <= dlon < 112.5
                else "gk3_cm117"
                if 115.5 <= dlon < 118.5
                else "gk6_zone18"
                if 102 <= dlon < 108
                else "cgcs2000"
            )
            placed.add(dlon, dlat, crs_file=crs_file)


def _along_yinshan(placed: _Placed, redline: gpd.GeoDataFrame) -> None:
    """Mines along the outer edge of the 阴山北麓 red line (overlapping batches merged):
    three straddling it (FAIL, one exempted), one touching it, one 10 m outside it."""
    yinshan = redline.geometry[redline["name"].str.startswith("阴山北麓")].iloc[0]
    every_redline = shapely.union_all(redline.geometry.values)
    main = shapely.get_geometry(yinshan, 0)
    around = next(p for p in shapely.get_parts(every_redline) if p.intersects(main))
    edge = shapely.get_exterior_ring(around)  # the red line's outer edge there, overlaps merged
    straddling: list[tuple[float, str, str | None]] = [
        (0.1, "gk3_zone37", None),
        (0.35, "gk3_zone37", EXEMPTED_MINE),
        (0.6, "cgcs2000", None),
    ]
    for frac, crs_file, label in straddling:
        pt = shapely.line_interpolate_point(edge, frac, normalized=True)
        placed.add(pt.x, pt.y, crs_file=crs_file, name=label)
    # touching: a rectangle cut by the red line keeps the red line's own vertices
    pt = shapely.line_interpolate_point(edge, 0.8, normalized=True)
    cut = shapely.difference(rect(pt.x, pt.y, 1500, 1500), every_redline)
    cut = max(shapely.get_parts(cut), key=lambda g: g.area)
    placed.add(pt.x, pt.y, geom=cut, crs_file="cgcs2000", name="示例萤石矿（与红线相接）")
    # a near miss: 10 m outside the red line, in GK zone 37
    pt = shapely.line_interpolate_point(edge, 0.9, normalized=True)
    near = shapely.difference(rect(pt.x, pt.y, 1200, 1200), every_redline)
    near = max(shapely.get_parts(near), key=lambda g: g.area)
    gk = gpd.GeoSeries([near], crs=CGCS2000).to_crs(gk_crs(37))
    gk = gpd.GeoSeries([shapely.buffer(gk.iloc[0], -10, join_style="mitre")], crs=gk_crs(37))
    placed.add(
        pt.x,
        pt.y,
        geom=gk.to_crs(CGCS2000).iloc[0],
        crs_file="gk3_zone37",
        name="示例铁矿（距红线10米）",
    )


def _around_island(placed: _Placed, redline: gpd.GeoDataFrame) -> None:
    """A mine with a hole around the red-line island (达里诺尔)."""
    island = redline.geometry[redline["code"] == "HX150099"].iloc[0]
    c = island.centroid
    shell = rect(c.x, c.y, 2400, 2000)
    placed.add(
        c.x,
        c.y,
        geom=Polygon(shell.exterior.coords, [island.buffer(0.002).exterior.coords]),
        crs_file="gk3_cm117",
        name="示例石灰岩矿（避让湿地）",
    )


def _bow_ties(placed: _Placed) -> None:
    """Self-intersecting rings, as often digitised from corner-point lists, in three CRSs."""
    for lon, lat, crs_file in (
        (111.1, 41.0, "gk3_zone37"),
        (118.9, 42.3, "cgcs2000"),
        (106.7, 41.1, "gk6_zone18"),
    ):
        r = rect(lon, lat, 1600, 1000)
        xy = np.asarray(r.exterior.coords)[:4]
        placed.add(lon, lat, geom=Polygon(xy[[0, 2, 1, 3]]), crs_file=crs_file)


def _sharing_a_block(placed: _Placed) -> None:
    """Two mines in one mining planning block (one block, one holder) at 114.2°E, 44.1°N."""
    for dx in (-900, 900):
        lon, lat = offset(114.2, 44.1, dx, 0)
        placed.add(lon, lat, geom=rect(lon, lat, 1000, 800), crs_file="cgcs2000")


def in_green_list(mine: Mine) -> str:
    """Whether a demo mine is on the green-mine list (绿色矿山名录): 是 or 否, from a hash of its
    id, so that about 70 % of large and medium mines and 30 % of small ones are (no rng draw:
    the other demo layers stay as they were)."""
    share = 0.3 if mine.scale == "小型" else 0.7
    return "是" if zlib.crc32(mine.mine_id.encode()) % 100 < 100 * share else "否"
