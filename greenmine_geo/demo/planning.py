"""The demo's planning zones, in EPSG:4490: ecological red lines and the key zones of 专栏3.

Both are drawn first, from the shared random generator: the mines are placed
against them (:mod:`.mines`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ..crs import CGCS2000
from .shapes import blob, offset

__all__ = ["KEY_ZONES", "REDLINES", "key_zones", "redlines"]

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


def redlines(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The :data:`REDLINES` as multipolygons of tens of thousands of vertices, plus a later
    batch overlapping 阴山北麓 and a small red-line island (fields ``code``, ``name``)."""
    rows = []
    for code, (name, lon, lat, radius_km, parts) in enumerate(REDLINES, start=1):
        polys = []
        for p in range(parts):
            plon, plat = (
                (lon, lat) if p == 0 else offset(lon, lat, *rng.normal(0, radius_km * 900, 2))
            )
            polys.append(blob(rng, plon, plat, radius_km * 1000 * rng.uniform(0.5, 0.9), 12000))
        geom = shapely.union_all(polys)
        rows.append({"code": f"HX15{code:04d}", "name": name, "geometry": geom})
    # a later batch that overlaps 阴山北麓 (red-line data often carries such overlaps)
    rows.append(
        {
            "code": "HX150008",
            "name": "大青山水土保持生态保护红线（2023年批次）",
            "geometry": blob(rng, *offset(110.6, 41.7, 25_000, -12_000), 22_000, 4000),
        }
    )
    # an island of red line (a small wetland) for the mine with a hole
    rows.append(
        {
            "code": "HX150099",
            "name": "达里诺尔湿地生态保护红线（岛状）",
            "geometry": blob(rng, 116.62, 43.30, 180, 400),
        }
    )
    return gpd.GeoDataFrame(rows, crs=CGCS2000)


def key_zones(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The :data:`KEY_ZONES` as blobs of 25-45 km radius (fields ``code``, ``name``, ``kind``)."""
    rows = [
        {
            "code": f"ZQ{i:02d}",
            "name": name,
            "kind": "地热" if "地热" in name else "矿产",
            "geometry": blob(rng, lon, lat, rng.uniform(25_000, 45_000), 720),
        }
        for i, (name, lon, lat) in enumerate(KEY_ZONES, start=1)
    ]
    return gpd.GeoDataFrame(rows, crs=CGCS2000)
