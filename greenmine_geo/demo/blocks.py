"""The demo's planning blocks, lon/lat rectangles in EPSG:4490 (fields ``block_id``, ``name``,
``drawn_by`` 自治区 or 盟市).

Mining blocks are drawn around most mines (:mod:`.mines`), two mines share one;
exploration blocks lie in the key zones, and one league/city block overlaps a
region block.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity
from shapely.geometry import box

from ..crs import CGCS2000
from .mines import Mine
from .shapes import offset

__all__ = ["blocks"]


def blocks(
    rng: np.random.Generator, mines: list[Mine], key_zones: gpd.GeoDataFrame
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
    # the two mines sharing one block (placed by mines._sharing_a_block at 114.2E, 44.1N)
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
            lon, lat = offset(c.x, c.y, *rng.normal(0, 8000, 2))
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
