"""Deterministic generator of the synthetic demo layers in ``data/demo/``.

Everything here is invented (fixed seed) but shaped like the real thing, and
placed near the real regions it is named after; only ``admin.gpkg`` is real
(approximate) geography, derived by ``scripts/derive_admin_boundaries.py``.

What the demo contains, and why:

* ``redline.gpkg`` (EPSG:4490): seven red-line features, multipolygons with tens
  of thousands of vertices; two of them overlap (the overlap must count once).
* ``key_zones.gpkg`` (EPSG:4490): the 18 key exploration and mining zones of
  Master Plan 专栏3, as blobs near their real regions.
* ``mining_blocks.gpkg`` / ``exploration_blocks.gpkg`` (EPSG:4490): planning
  blocks, ``drawn_by`` 自治区 or 盟市; one city block overlaps a region block.
* ``landuse.gpkg`` (EPSG:4490): parcels of 永久基本农田, 草地, 林地 and 自然保护地
  around the mines (field ``地类名称``).
* mines, ~60, in four files and four CRSs: ``mines_cgcs2000.gpkg`` (EPSG:4490),
  ``mines_gk3_zone37.gpkg`` (3° GK zone 37 with prefix, EPSG:4525),
  ``mines_gk3_cm117.shp`` (3° GK CM 117°E without prefix, EPSG:4548, GBK
  attributes and no .cpg, as shapefiles often arrive), ``mines_gk6_zone18.gpkg``
  (6° GK zone 18, EPSG:4496). Among them: bow-tie (self-intersecting) rings, a
  mine with a hole around a red-line island, a mine that only touches the red
  line, two mines in one mining planning block, mines over farmland and a
  nature reserve, and one red-line conflict with a documented exemption
  (``exemptions.csv``).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from affine import Affine
from scipy import ndimage
from shapely.geometry import Polygon, box

from .crs import CGCS2000, gk_crs
from .io.atomic import atomic_output
from .io.geotiff import write_geotiff
from .io.untrusted import geometry_mask

__all__ = ["KEY_ZONES", "write_demo_data"]

SEED = 20251106

#: 专栏3 重点勘查开采区: name and an approximate centre (lon, lat) in its real region.
KEY_ZONES: list[tuple[str, float, float]] = [
    ("内蒙古额济纳旗北山北带多金属矿重点勘查开采区", 98.6, 42.3),
    ("内蒙古额济纳旗北山南带多金属矿重点勘查开采区", 99.2, 41.5),
    ("内蒙古额济纳旗望湖山地区金多金属矿重点勘查开采区", 100.4, 42.2),
    ("内蒙古额济纳旗雅干－珠斯楞金铜矿重点勘查开采区", 101.8, 42.1),
    ("内蒙古乌拉特后旗霍各乞铜矿重点勘查开采区", 106.9, 41.2),
    ("内蒙古白云鄂博铁铌稀土多金属重点勘查开采区", 109.97, 41.78),
    ("内蒙古白乃庙—别鲁乌图铜多金属重点勘查开采区", 112.6, 42.1),
    ("内蒙古武川县赵井沟铌钽矿重点勘查开采区", 111.4, 41.15),
    ("内蒙古赤峰市南部金矿重点勘查开采区", 119.0, 42.1),
    ("内蒙古扎鲁特旗巴尔哲锆矿重点勘查开采区", 120.6, 44.95),
    ("内蒙古阿拉善右旗扎木敖包—特拜金铁铌多金属矿重点勘查开采区", 103.0, 40.6),
    ("内蒙古阿拉善右旗塔木素—阿左旗温都尔毛道金铜多金属矿重点勘查开采区", 104.4, 40.9),
    ("内蒙古克什克腾旗拜仁达坝—哈尔楚鲁图多金属矿重点勘查开采区", 117.6, 43.6),
    ("内蒙古林西县哈达吐—台莱花多金属矿重点勘查开采区", 118.3, 43.5),
    ("内蒙古四子王旗萤石矿重点勘查开采区", 111.8, 41.9),
    ("内蒙古巴彦淖尔市一带地热重点勘查开采区", 107.4, 40.8),
    ("鄂尔多斯市地区地热重点勘查开采区", 109.8, 39.6),
    ("包头—呼和浩特一带地热重点勘查开采区", 111.0, 40.7),
]

#: Red-line features: name, centre (lon, lat), radius (km), parts.
REDLINES: list[tuple[str, float, float, float, int]] = [
    ("大兴安岭水源涵养生态保护红线", 121.6, 49.6, 90, 3),
    ("呼伦贝尔草原防风固沙生态保护红线", 118.6, 48.6, 60, 2),
    ("科尔沁沙地防风固沙生态保护红线", 121.2, 43.6, 45, 3),
    ("浑善达克沙地防风固沙生态保护红线", 115.6, 42.8, 60, 3),
    ("阴山北麓防风固沙生态保护红线", 110.6, 41.7, 35, 4),
    ("乌拉山水土保持生态保护红线", 109.4, 41.5, 30, 2),
    ("贺兰山生物多样性维护生态保护红线", 105.9, 39.0, 30, 2),
]

#: Mines with a demo image each: greened well, greened with bare patches, mostly bare.
GREENING_MINES = ("示例铁矿（复绿良好）", "示例铜矿（局部裸露）", "示例煤矿（大面积裸露）")
GREENING_KINDS = ("vegetated", "patchy", "bare")

#: The mine over the 阴山北麓 red line that carries a documented exemption.
EXEMPTED_MINE = "示例铁矿（跨红线，国家重大项目豁免）"
_MINERALS = ["铁矿", "铜矿", "金矿", "萤石矿", "稀土矿", "煤矿", "铅锌矿", "石灰岩矿", "铌钽矿"]
_SCALES = ["大型", "中型", "小型"]


def _local(lon: float, lat: float) -> pyproj.Transformer:
    """Transformer from a local azimuthal equidistant plane (metres) to lon/lat."""
    aeqd = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=GRS80 +units=m")
    return pyproj.Transformer.from_crs(aeqd, CGCS2000, always_xy=True)


def _blob(
    rng: np.random.Generator, lon: float, lat: float, radius_m: float, vertices: int
) -> Polygon:
    """A star-shaped polygon with a wiggly edge, in lon/lat (always simple)."""
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    r = np.ones_like(theta)
    for k in range(1, 60):
        r += rng.normal(0, 0.25 / k**1.1) * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    r = radius_m * np.clip(r, 0.35, None)
    x, y = _local(lon, lat).transform(r * np.cos(theta), r * np.sin(theta))
    return Polygon(np.column_stack([x, y]))


def _rect(lon: float, lat: float, w_m: float, h_m: float, rot_deg: float = 0.0) -> Polygon:
    """A rectangle of w × h metres centred on (lon, lat), rotated, in lon/lat."""
    corners = np.array([[-w_m, -h_m], [w_m, -h_m], [w_m, h_m], [-w_m, h_m]]) / 2
    a = np.radians(rot_deg)
    rot = corners @ np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    x, y = _local(lon, lat).transform(rot[:, 0], rot[:, 1])
    return Polygon(np.column_stack([x, y]))


def _offset(lon: float, lat: float, dx_m: float, dy_m: float) -> tuple[float, float]:
    x, y = _local(lon, lat).transform(dx_m, dy_m)
    return float(x), float(y)


@dataclass
class _Mine:
    mine_id: str
    name: str
    mineral: str
    scale: str
    geometry: Polygon
    crs_file: str


def _redlines(rng: np.random.Generator) -> gpd.GeoDataFrame:
    rows = []
    for code, (name, lon, lat, radius_km, parts) in enumerate(REDLINES, start=1):
        polys = []
        for p in range(parts):
            plon, plat = (
                (lon, lat) if p == 0 else _offset(lon, lat, *rng.normal(0, radius_km * 900, 2))
            )
            polys.append(_blob(rng, plon, plat, radius_km * 1000 * rng.uniform(0.5, 0.9), 12000))
        geom = shapely.union_all(polys)
        rows.append({"code": f"HX15{code:04d}", "name": name, "geometry": geom})
    # a later batch that overlaps 阴山北麓 (red-line data often carries such overlaps)
    rows.append(
        {
            "code": "HX150008",
            "name": "大青山水土保持生态保护红线（2023年批次）",
            "geometry": _blob(rng, *_offset(110.6, 41.7, 25_000, -12_000), 22_000, 4000),
        }
    )
    # an island of red line (a small wetland) for the mine with a hole
    rows.append(
        {
            "code": "HX150099",
            "name": "达里诺尔湿地生态保护红线（岛状）",
            "geometry": _blob(rng, 116.62, 43.30, 180, 400),
        }
    )
    return gpd.GeoDataFrame(rows, crs=CGCS2000)


def _key_zones(rng: np.random.Generator) -> gpd.GeoDataFrame:
    rows = [
        {
            "code": f"ZQ{i:02d}",
            "name": name,
            "kind": "地热" if "地热" in name else "矿产",
            "geometry": _blob(rng, lon, lat, rng.uniform(25_000, 45_000), 720),
        }
        for i, (name, lon, lat) in enumerate(KEY_ZONES, start=1)
    ]
    return gpd.GeoDataFrame(rows, crs=CGCS2000)


def _mines(rng: np.random.Generator, redline: gpd.GeoDataFrame) -> list[_Mine]:
    """About 60 mines: most in key zones, plus the hand-placed special cases."""
    mines: list[_Mine] = []

    def add(
        lon: float,
        lat: float,
        geom: Polygon | None = None,
        crs_file: str = "cgcs2000",
        name: str | None = None,
    ) -> _Mine:
        n = len(mines) + 1
        mineral = _MINERALS[int(rng.integers(len(_MINERALS)))]
        geom = (
            geom
            if geom is not None
            else _rect(
                lon, lat, rng.uniform(500, 2200), rng.uniform(400, 1800), rng.uniform(-40, 40)
            )
        )
        m = _Mine(
            f"C15000020{n:02d}0{int(rng.integers(10**6, 10**7))}",
            name or f"示例{mineral}{n:02d}号",
            mineral,
            _SCALES[int(rng.choice(3, p=[0.15, 0.25, 0.6]))],
            geom,
            crs_file,
        )
        mines.append(m)
        return m

    for name, lon, lat in KEY_ZONES:
        for _ in range(2 if "地热" not in name else 1):
            dlon, dlat = _offset(lon, lat, *rng.normal(0, 12_000, 2))
            crs_file = (
                "gk3_zone37"
                if 109.5 <= dlon < 112.5
                else "gk3_cm117"
                if 115.5 <= dlon < 118.5
                else "gk6_zone18"
                if 102 <= dlon < 108
                else "cgcs2000"
            )
            add(dlon, dlat, crs_file=crs_file)
    # straddling the 阴山北麓 red line (FAIL), and one of them exempted
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
        add(pt.x, pt.y, crs_file=crs_file, name=label)
    # touching: a rectangle cut by the red line keeps the red line's own vertices
    pt = shapely.line_interpolate_point(edge, 0.8, normalized=True)
    cut = shapely.difference(_rect(pt.x, pt.y, 1500, 1500), every_redline)
    cut = max(shapely.get_parts(cut), key=lambda g: g.area)
    add(pt.x, pt.y, geom=cut, crs_file="cgcs2000", name="示例萤石矿（与红线相接）")
    # a near miss: 10 m outside the red line, in GK zone 37
    pt = shapely.line_interpolate_point(edge, 0.9, normalized=True)
    near = shapely.difference(_rect(pt.x, pt.y, 1200, 1200), every_redline)
    near = max(shapely.get_parts(near), key=lambda g: g.area)
    gk = gpd.GeoSeries([near], crs=CGCS2000).to_crs(gk_crs(37))
    gk = gpd.GeoSeries([shapely.buffer(gk.iloc[0], -10, join_style="mitre")], crs=gk_crs(37))
    add(
        pt.x,
        pt.y,
        geom=gk.to_crs(CGCS2000).iloc[0],
        crs_file="gk3_zone37",
        name="示例铁矿（距红线10米）",
    )
    # a mine with a hole around the red-line island (达里诺尔)
    island = redline.geometry[redline["code"] == "HX150099"].iloc[0]
    c = island.centroid
    shell = _rect(c.x, c.y, 2400, 2000)
    add(
        c.x,
        c.y,
        geom=Polygon(shell.exterior.coords, [island.buffer(0.002).exterior.coords]),
        crs_file="gk3_cm117",
        name="示例石灰岩矿（避让湿地）",
    )
    # bow-ties: self-intersecting rings as often digitised from corner-point lists
    for lon, lat, crs_file in (
        (111.1, 41.0, "gk3_zone37"),
        (118.9, 42.3, "cgcs2000"),
        (106.7, 41.1, "gk6_zone18"),
    ):
        r = _rect(lon, lat, 1600, 1000)
        xy = np.asarray(r.exterior.coords)[:4]
        add(lon, lat, geom=Polygon(xy[[0, 2, 1, 3]]), crs_file=crs_file)
    # two mines in one mining planning block (one block, one holder)
    for dx in (-900, 900):
        lon, lat = _offset(114.2, 44.1, dx, 0)
        add(lon, lat, geom=_rect(lon, lat, 1000, 800), crs_file="cgcs2000")
    # mines on farmland and in a nature reserve (land-use conflicts)
    add(121.9, 46.1, crs_file="cgcs2000", name="示例煤矿（压占基本农田）")
    add(120.6, 47.1, crs_file="cgcs2000", name="示例金矿（位于自然保护地）")
    # three mines with demo imagery for the greening indicator (vegetated, patchy, bare)
    for (lon, lat), name in zip(
        ((117.0, 45.6), (119.8, 47.6), (108.9, 39.3)), GREENING_MINES, strict=True
    ):
        add(lon, lat, crs_file="cgcs2000", name=name)
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
        add(lon, lat, crs_file="cgcs2000")
    return mines


def _blocks(
    rng: np.random.Generator, mines: list[_Mine], key_zones: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Mining blocks around most mines (lon/lat rectangles), exploration blocks in key zones."""
    rows = []
    for i, m in enumerate(mines):
        if i % 4 == 3:
            continue
        x0, y0, x1, y1 = m.geometry.bounds
        pad = rng.uniform(0.004, 0.012)
        rows.append(
            {
                "block_id": f"CK{i + 1:03d}",
                "name": f"{m.mineral}开采规划区块{i + 1}",
                "drawn_by": "自治区" if i % 3 else "盟市",
                "geometry": box(x0 - pad, y0 - pad, x1 + pad, y1 + pad),
            }
        )
    mining = gpd.GeoDataFrame(rows, crs=CGCS2000)
    # the two mines sharing one block (placed by _mines at 114.2E, 44.1N)
    shared = box(114.17, 44.09, 114.23, 44.11)
    mining = pd.concat(
        [
            mining[~mining.intersects(shared)],
            gpd.GeoDataFrame(
                [
                    {
                        "block_id": "CK900",
                        "name": "萤石矿开采规划区块（两矿共用）",
                        "drawn_by": "自治区",
                        "geometry": shared,
                    }
                ],
                crs=CGCS2000,
            ),
        ],
        ignore_index=True,
    )
    rows = []
    for i, zone in enumerate(key_zones.itertuples()):
        c = zone.geometry.representative_point()
        for j in range(2):
            lon, lat = _offset(c.x, c.y, *rng.normal(0, 8000, 2))
            rows.append(
                {
                    "block_id": f"KC{i + 1:02d}{j + 1}",
                    "name": f"{zone.name[:12]}…勘查区块{j + 1}",
                    "drawn_by": "自治区",
                    "geometry": box(lon - 0.06, lat - 0.04, lon + 0.06, lat + 0.04),
                }
            )
    # a league/city block drawn over a region block (不得重叠)
    first = rows[0]["geometry"]
    rows.append(
        {
            "block_id": "KC991",
            "name": "盟市划定勘查区块（与自治区区块重叠）",
            "drawn_by": "盟市",
            "geometry": shapely.affinity.translate(first, 0.05, 0.02),
        }
    )
    return mining, gpd.GeoDataFrame(rows, crs=CGCS2000)


def _landuse(rng: np.random.Generator, mines: list[_Mine]) -> gpd.GeoDataFrame:
    """Parcels of ~400 m on a jittered grid around each mine (field ``地类名称``).

    Grassland and forest near the mine; permanent basic farmland only in the
    outer ring (more than 1.8 km from the mine's centre), except under the mine
    deliberately placed on farmland.
    """
    rows = []
    near = np.array(["草地", "林地", "其他草地"])
    far = np.array(["草地", "永久基本农田", "林地"])
    n, size = 10, 400.0
    centres: list[tuple[float, float]] = []
    for k, m in enumerate(mines):
        c = m.geometry.centroid
        if any(abs(c.x - x) < 0.04 and abs(c.y - y) < 0.03 for x, y in centres):
            continue  # a neighbour's grid already covers this mine: parcels must not overlap
        centres.append((c.x, c.y))
        g = np.mgrid[0 : n + 1, 0 : n + 1].astype(float) * size - n * size / 2
        g[:, 1:-1, 1:-1] += rng.normal(0, 60, (2, n - 1, n - 1))  # jitter inner corners only
        lon, lat = _local(c.x, c.y).transform(g[1], g[0])
        on_farmland = "基本农田" in m.name
        for i in range(n):
            for j in range(n):
                ring = [
                    (lon[i, j], lat[i, j]),
                    (lon[i, j + 1], lat[i, j + 1]),
                    (lon[i + 1, j + 1], lat[i + 1, j + 1]),
                    (lon[i + 1, j], lat[i + 1, j]),
                ]
                dist = np.hypot(i - n / 2 + 0.5, j - n / 2 + 0.5) * size
                if on_farmland and dist < 1200:
                    cls = "永久基本农田"
                elif dist > 1800:
                    cls = far[int(rng.choice(3, p=[0.5, 0.35, 0.15]))]
                else:
                    cls = near[int(rng.choice(3, p=[0.7, 0.2, 0.1]))]
                rows.append(
                    {"parcel": f"TB{k:02d}{i}{j}", "地类名称": cls, "geometry": Polygon(ring)}
                )
    # nature reserves (one over the "位于自然保护地" mine), overlapping grassland parcels
    for name, lon, lat, r in (
        ("示例自然保护区（大兴安岭南麓）", 120.6, 47.1, 6000),
        ("示例湿地自然公园", 117.3, 49.1, 9000),
    ):
        rows.append(
            {
                "parcel": name,
                "地类名称": "自然保护地",
                "geometry": _blob(rng, lon, lat, r, 500),
            }
        )
    return gpd.GeoDataFrame(rows, crs=CGCS2000)


def _smooth_field(rng: np.random.Generator, shape: tuple[int, int], scale: int) -> np.ndarray:
    """A smooth random field in [0, 1] (block noise, box-filtered), for natural-looking texture."""
    coarse = rng.random((shape[0] // scale + 2, shape[1] // scale + 2))
    fine = np.kron(coarse, np.ones((scale, scale)))[: shape[0], : shape[1]]
    fine = ndimage.uniform_filter(fine, size=scale)
    return (fine - fine.min()) / max(fine.max() - fine.min(), 1e-9)


def _greening_image(rng: np.random.Generator, mine: _Mine, kind: str, path: Path) -> Path:
    """A 2 m, 4-band uint8 image (blue, green, red, NIR digital numbers with haze) around a mine.

    The ground is steppe of moderate natural cover; inside the mine the cover is high
    (vegetated), high with bare patches of about 250-10 000 m² (patchy) or low (bare).
    """
    zone = int(round(mine.geometry.centroid.x / 3))
    crs = gk_crs(zone)
    geom = gpd.GeoSeries([mine.geometry], crs=CGCS2000).to_crs(crs).iloc[0]
    x0, y0, x1, y1 = geom.bounds
    pad, px = 560.0, 2.0  # just past the 500 m reference ring
    x0, y0 = np.floor((x0 - pad) / px) * px, np.floor((y0 - pad) / px) * px
    w, h = int(np.ceil((x1 + pad - x0) / px)), int(np.ceil((y1 + pad - y0) / px))
    transform = Affine(px, 0, x0, 0, -px, y0 + h * px)
    inside = geometry_mask([geom], (h, w), transform, invert=True)
    cover = 0.35 + 0.3 * _smooth_field(rng, (h, w), 40)  # natural steppe
    if kind == "vegetated":
        cover[inside] = (0.75 + 0.2 * _smooth_field(rng, (h, w), 20))[inside]
    elif kind == "patchy":
        cover[inside] = (0.7 + 0.2 * _smooth_field(rng, (h, w), 20))[inside]
        rows, cols = np.nonzero(inside)
        for size in (50, 35, 28, 12, 8):  # pixels across: 100 m … 16 m
            k = rng.integers(len(rows))
            patch = np.zeros_like(inside)
            patch[rows[k] : rows[k] + size, cols[k] : cols[k] + int(size * 0.8)] = True
            cover[patch & inside] = 0.02
    else:
        cover[inside] = (0.05 * _smooth_field(rng, (h, w), 10))[inside]
    veg = np.array([38, 62, 42, 160.0])[:, None, None]
    soil = np.array([92, 104, 116, 128.0])[:, None, None]
    haze = np.array([14, 10, 7, 4.0])[:, None, None]
    dn = cover * veg + (1 - cover) * soil + haze  # smooth fields: small files, texture enough
    return write_geotiff(
        path,
        np.clip(dn, 1, 254).astype("uint8"),
        transform=transform,
        crs=crs.to_string(),
        descriptions=["blue", "green", "red", "nir"],
        tags={"ACQUISITIONDATETIME": "2026-07-18T03:12:00Z", "SOURCE": "synthetic demo"},
    )


#: The restoration demo: a coal mine in Ordos, its SW corner, and its size (m) in GK zone 37.
RESTORATION_MINE = (
    "C1500002021071130012345",
    "示例煤矿（排土场复垦监测）",
    110.05,
    39.45,
    2400,
    1400,
)
#: Zones in metres from the mine's SW corner: id, type, box, start year, target FVC by 2026,
#: and the FVC each year 2021-2025 (recovering, stalled, not started).
RESTORATION_ZONES = [
    ("DZ-1", "排土场", (200, 200, 800, 800), 2021, 0.45, (0.08, 0.16, 0.24, 0.32, 0.40)),
    ("WK-1", "尾矿库", (1000, 200, 1500, 700), 2021, 0.45, (0.06, 0.07, 0.08, 0.07, 0.09)),
    ("CC-1", "露天采场", (1700, 300, 2200, 1100), 2027, None, (0.02,) * 5),
]
#: Images of the series: date, sensor kind, CRS; 2023 is a wet year; 2025-06-12 has a white
#: cloud over the tailings pond (found by the blue-band test), 2025-08-20 is clear.
RESTORATION_IMAGES = [
    ("2021-07-16", "s2", "EPSG:32649"),
    ("2022-07-21", "dn", "EPSG:4525"),
    ("2023-07-11", "s2", "EPSG:32649"),
    ("2024-07-25", "dn", "EPSG:4525"),
    ("2025-06-12", "s2", "EPSG:32649"),
    ("2025-08-20", "s2", "EPSG:32649"),
]


def _restoration_cover(x: np.ndarray, y: np.ndarray, year: int, texture: np.ndarray) -> np.ndarray:
    """FVC at GK metres (x, y) from the mine's SW corner in ``year`` (see RESTORATION_ZONES)."""
    *_, width, height = RESTORATION_MINE
    f = 0.35 + 0.2 * texture  # steppe around the mine
    f[(x < -150) & (y >= 700)] = 0.02  # a dry sandy riverbed: the scene's bare soil
    f[(x < -150) & (y < 700)] = 0.92  # irrigated fields: the scene's full vegetation
    in_mine = (x >= 0) & (x < width) & (y >= 0) & (y < height)
    f[in_mine] = 0.25 + 0.1 * texture[in_mine]
    for _, _, (x0, y0, x1, y1), _, _, series in RESTORATION_ZONES:
        f[(x >= x0) & (x < x1) & (y >= y0) & (y < y1)] = series[year - 2021]
    if year >= 2023:  # bare ground spreading east, 100 m past the boundary
        top = 600 if year == 2023 else 700
        f[(x >= width + 100) & (x < width + 250) & (y >= 400) & (y < top)] = 0.03
    if year == 2023:  # a wet year: everything green is greener
        f = np.where(f > 0.05, np.minimum(f * 1.3, 1.0), f)
    return f


def _restoration_image(
    day: str,
    kind: str,
    crs: str,
    corner: tuple[float, float],
    texture_rng: np.random.Generator,
    path: Path,
) -> Path:
    """One image of the series: Sentinel-2-like (10 m, uint16 L2A with the +1000 offset) or an
    uncalibrated 4 m uint8 image with haze; bands blue, green, red, NIR."""
    *_, width, height = RESTORATION_MINE
    pixel = 10.0 if kind == "s2" else 4.0
    gk = gk_crs(37)
    to_img = pyproj.Transformer.from_crs(gk, crs, always_xy=True)
    to_gk = pyproj.Transformer.from_crs(crs, gk, always_xy=True)
    pad = 700.0
    xs, ys = to_img.transform(
        [corner[0] - pad, corner[0] + width + pad], [corner[1] - pad, corner[1] + height + pad]
    )
    x0, y1 = np.floor(min(xs) / pixel) * pixel, np.ceil(max(ys) / pixel) * pixel
    w, h = int(np.ceil((max(xs) - x0) / pixel)), int(np.ceil((y1 - min(ys)) / pixel))
    cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    gx, gy = to_gk.transform(x0 + cols * pixel, y1 - rows * pixel)
    gx, gy = np.asarray(gx) - corner[0], np.asarray(gy) - corner[1]
    texture = ndimage.map_coordinates(
        _smooth_field(texture_rng, (64, 64), 8),
        [(gy + pad) / 80, (gx + pad) / 80],
        order=1,
        mode="nearest",
    )
    f = _restoration_cover(gx, gy, int(day[:4]), texture)[None]
    veg = np.array([0.03, 0.06, 0.04, 0.40])[:, None, None]
    soil = np.array([0.10, 0.14, 0.18, 0.24])[:, None, None]
    rho = f * veg + (1 - f) * soil
    tags = {"ACQUISITIONDATETIME": f"{day}T03:20:00Z", "SOURCE": "synthetic demo"}
    if day == "2025-06-12":
        cloud = (gx - 1250) ** 2 / 500**2 + (gy - 450) ** 2 / 350**2 < 1
        rho[:, cloud] = 0.55
    if kind == "s2":
        data = np.round(rho * 10_000 + 1000).astype("uint16")
        tags |= {"SPACECRAFT_NAME": "Sentinel-2B (synthetic)", "BOA_ADD_OFFSET_B4": "-1000"}
    else:
        haze = np.array([14, 10, 7, 4.0])[:, None, None]
        data = np.clip(np.round(rho * 400 + haze), 1, 254).astype("uint8")
    return write_geotiff(
        path,
        data,
        transform=Affine(pixel, 0, x0, 0, -pixel, y1),
        crs=crs,
        descriptions=["blue", "green", "red", "nir"],
        tags=tags,
    )


def _restoration_demo(out: Path) -> list[Path]:
    """The restoration series: a mine, its zones, a plan table and six images (own seed)."""
    rng = np.random.default_rng(SEED + 5)
    mine_id, name, lon, lat, width, height = RESTORATION_MINE
    gk = gk_crs(37)
    corner = pyproj.Transformer.from_crs(CGCS2000, gk, always_xy=True).transform(lon, lat)
    mine = gpd.GeoDataFrame(
        {"mine_id": [mine_id], "name": [name]},
        geometry=[box(corner[0], corner[1], corner[0] + width, corner[1] + height)],
        crs=gk,
    ).to_crs(CGCS2000)
    zones = gpd.GeoDataFrame(
        {
            "zone_id": [z[0] for z in RESTORATION_ZONES],
            "zone_type": [z[1] for z in RESTORATION_ZONES],
            "start_year": [z[3] for z in RESTORATION_ZONES],
            "target_fvc": [z[4] for z in RESTORATION_ZONES],
            "target_year": [2026 if z[4] else None for z in RESTORATION_ZONES],
            "mine_id": mine_id,
        },
        geometry=[
            box(corner[0] + x0, corner[1] + y0, corner[0] + x1, corner[1] + y1)
            for _, _, (x0, y0, x1, y1), *_ in RESTORATION_ZONES
        ],
        crs=gk,
    )
    folder = out / "restoration"
    folder.mkdir(exist_ok=True)
    written = [
        _write(mine, folder / "mine.gpkg", layer="mine"),
        _write(zones, folder / "zones.gpkg", layer="zones"),
    ]
    land = int(rng.integers(2**32))  # the same land texture under every image
    for day, kind, crs in RESTORATION_IMAGES:
        texture_rng = np.random.default_rng(land)
        written.append(
            _restoration_image(
                day, kind, crs, corner, texture_rng, out / "imagery" / f"restoration_{day}.tif"
            )
        )
    return written


def _in_green_list(mine: _Mine) -> str:
    """Whether a demo mine is on the green-mine list (绿色矿山名录): 是 or 否, from a hash of its
    id, so that about 70 % of large and medium mines and 30 % of small ones are (no rng draw:
    the other demo layers stay as they were)."""
    share = 0.3 if mine.scale == "小型" else 0.7
    return "是" if zlib.crc32(mine.mine_id.encode()) % 100 < 100 * share else "否"


#: Corner-point boundary files of the demo (拐点坐标), as planners receive them.
BOUNDARY_FILES = (
    "C1500002021081130045678.txt",  # sectioned TXT, GBK, zone 37: two parcels, one with a hole
    "C1500002019061230056789.txt",  # mining-right string, zone 38: a deducted ring, depth limits
    "拐点坐标_C1500002020091530067890.xlsx",  # corner list, zone 39: the ring is not closed
)


def _gk_corner(lon: float, lat: float, zone: int) -> tuple[float, float]:
    """(X north, Y prefixed east) of a point in CGCS2000 3° GK zone ``zone``, to the centimetre."""
    east, north = pyproj.Transformer.from_crs(CGCS2000, gk_crs(zone), always_xy=True).transform(
        lon, lat
    )
    return round(north, 2), round(east, 2)


def _square_points(x0: float, y0: float, side: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side), (x0, y0)]


def _boundary_files(out: Path) -> list[Path]:
    """The three corner-point files (fixed coordinates, no rng)."""
    folder = out / "boundaries"
    folder.mkdir(exist_ok=True)
    # 1. sectioned TXT (GBK): parcel 1 a 1.2 km square with a 300 m square hole, parcel 2 0.6 km
    x, y = _gk_corner(110.75, 41.05, 37)
    outer, hole = _square_points(x, y, 1200), _square_points(x + 450, y + 450, 300)
    second = _square_points(x + 2000, y + 200, 600)

    def lines(points: list[tuple[float, float]], ring: int, start: int) -> list[str]:
        return [f"J{start + k},{ring},{px:.2f},{py:.2f}" for k, (px, py) in enumerate(points)]

    text = "\n".join(
        [
            "[属性描述]",
            "格式版本号=1.0",
            "坐标系=2000国家大地坐标系",
            "几度分带=3",
            "投影类型=高斯克吕格",
            "计量单位=米",
            "带号=37",
            "精度=0.01",
            "[地块坐标]",
            f"{len(outer) + len(hole)},135.00,1,示例萤石矿采区一,面,K49E001001,采矿用地,0602,@",
            *lines(outer, 1, 1),
            *lines(hole, 2, 6),
            f"{len(second)},36.00,2,示例萤石矿采区二,面,K49E001001,采矿用地,0602,@",
            *lines(second, 1, 1),
        ]
    )
    first = folder / BOUNDARY_FILES[0]
    first.write_bytes((text + "\n").encode("gbk"))
    # 2. mining-right coordinate string: 1.5 km square, a 400 m square deducted, 1 350-1 100 m depth
    x, y = _gk_corner(114.3, 43.2, 38)
    rings = []
    for points, flag in (
        (_square_points(x, y, 1500), 1),
        (_square_points(x + 500, y + 500, 400), -1),
    ):
        corners = points[:-1]
        coords = ",".join(f"{k + 1},{px:.2f},{py:.2f}" for k, (px, py) in enumerate(corners))
        rings.append(f"{len(corners)},{coords},1350,1100,,{flag}")
    second_file = folder / BOUNDARY_FILES[1]
    second_file.write_text(f"{len(rings)}," + ",".join(rings) + "\n", "utf-8")
    # 3. XLSX corner list: an 800 m square whose closing point is missing
    x, y = _gk_corner(117.4, 44.5, 39)
    corners = _square_points(x, y, 800)[:-1]
    table = pd.DataFrame(
        {
            "点号": [f"J{k + 1}" for k in range(4)],
            "X": [c[0] for c in corners],
            "Y": [c[1] for c in corners],
        }
    )
    third = folder / BOUNDARY_FILES[2]
    with atomic_output(third) as tmp:
        table.to_excel(tmp, index=False, engine="openpyxl")
    return [first, second_file, third]


def _write(gdf: gpd.GeoDataFrame, path: Path, **kwargs: object) -> Path:
    with atomic_output(path) as tmp:
        gdf.to_file(tmp, engine="pyogrio", **kwargs)
    return path


def write_demo_data(out_dir: str | Path) -> list[Path]:
    """Generate every synthetic demo layer into ``out_dir``; returns the paths written.

    Deterministic: the same seed gives the same features.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    redline = _redlines(rng)
    key_zones = _key_zones(rng)
    mines = _mines(rng, redline)
    mining_blocks, exploration_blocks = _blocks(rng, mines, key_zones)
    landuse = _landuse(rng, mines)
    written = [
        _write(redline, out / "redline.gpkg", layer="redline"),
        _write(key_zones, out / "key_zones.gpkg", layer="key_zones"),
        _write(mining_blocks, out / "mining_blocks.gpkg", layer="mining_blocks"),
        _write(exploration_blocks, out / "exploration_blocks.gpkg", layer="exploration_blocks"),
        _write(landuse, out / "landuse.gpkg", layer="landuse"),
    ]
    frame = gpd.GeoDataFrame([m.__dict__ for m in mines], crs=CGCS2000)
    frame.insert(4, "green_mine", [_in_green_list(m) for m in mines])
    targets: dict[str, tuple[pyproj.CRS, Path]] = {
        "cgcs2000": (CGCS2000, out / "mines_cgcs2000.gpkg"),
        "gk3_zone37": (gk_crs(37), out / "mines_gk3_zone37.gpkg"),
        "gk6_zone18": (gk_crs(18, width=6), out / "mines_gk6_zone18.gpkg"),
    }
    for key, (crs, path) in targets.items():
        part = frame[frame["crs_file"] == key].drop(columns="crs_file").to_crs(crs)
        written.append(_write(part, path, layer="mines"))
    shp = out / "mines_gk3_cm117.shp"
    part = (
        frame[frame["crs_file"] == "gk3_cm117"]
        .drop(columns="crs_file")
        .to_crs(gk_crs(39, prefixed=False))
    )
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        shp.with_suffix(suffix).unlink(missing_ok=True)
    part.to_file(shp, engine="pyogrio", encoding="GB18030")
    shp.with_suffix(".cpg").unlink(missing_ok=True)  # as such files usually arrive: no .cpg
    written.append(shp)
    exempt = frame[frame["name"] == EXEMPTED_MINE]
    ex = pd.DataFrame(
        {
            "mine_id": exempt["mine_id"],
            "reason": "国家重大能源保障项目，按规定允许",
            "document": "自然资办函〔2024〕0123号",
            "layer": "redline",
        }
    )
    with atomic_output(out / "exemptions.csv") as tmp:
        ex.to_csv(tmp, index=False, encoding="utf-8")
    written.append(out / "exemptions.csv")
    (out / "imagery").mkdir(exist_ok=True)
    by_name = {m.name: m for m in mines}
    for name, kind in zip(GREENING_MINES, GREENING_KINDS, strict=True):
        written.append(
            _greening_image(rng, by_name[name], kind, out / "imagery" / f"greening_{kind}.tif")
        )
    written += _restoration_demo(out)
    written += _boundary_files(out)
    return written
