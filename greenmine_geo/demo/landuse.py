"""The demo's land-use layer in EPSG:4490: parcels around the mines and two nature reserves.

Field ``地类名称``: 草地, 其他草地, 林地, 永久基本农田 or 自然保护地; parcel ids in ``parcel``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import Polygon

from ..crs import CGCS2000
from .mines import Mine
from .shapes import blob, local_transformer

__all__ = ["landuse"]


def landuse(rng: np.random.Generator, mines: list[Mine]) -> gpd.GeoDataFrame:
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
        lon, lat = local_transformer(c.x, c.y).transform(g[1], g[0])
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
                "geometry": blob(rng, lon, lat, r, 500),
            }
        )
    return gpd.GeoDataFrame(rows, crs=CGCS2000)
