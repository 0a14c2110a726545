"""Planning-block rules (Master Plan 2021-2025, RULES.md §4).

* One block, one holder: a mining planning block normally has one mining right.
* Blocks drawn by a league/city must not overlap blocks drawn by the autonomous region.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import EQUAL_AREA
from ..layers import PlanningLayer
from ..overlay import hits, pieces_by_key

__all__ = [
    "BLOCK_OVERLAP_COLUMNS",
    "city_region_overlaps",
    "drawn_by_level",
    "empty_blocks",
    "shared_blocks",
]

BLOCK_OVERLAP_COLUMNS = ["layer", "city_block", "region_block", "overlap_m2", "geometry"]
_REGION = ("自治区", "region", "autonomous region", "autonomous_region", "省级")
_CITY = ("盟", "市", "city", "league", "旗", "县")


def drawn_by_level(values: pd.Series) -> pd.Series:
    """Classify who drew each block: ``region``, ``city`` or ``unknown``."""
    text = values.astype("string").fillna("").str.lower()
    region = text.str.contains("|".join(map(re.escape, _REGION)), regex=True)
    city = ~region & text.str.contains("|".join(map(re.escape, _CITY)), regex=True)
    return pd.Series(np.select([region, city], ["region", "city"], "unknown"), index=values.index)


def empty_blocks() -> gpd.GeoDataFrame:
    """A block-overlap table with no rows."""
    return gpd.GeoDataFrame(columns=BLOCK_OVERLAP_COLUMNS, geometry="geometry", crs=EQUAL_AREA)


def city_region_overlaps(layer: PlanningLayer, tolerance_m: float) -> gpd.GeoDataFrame:
    """Blocks drawn by a league/city that overlap blocks drawn by the region (slivers ignored).

    Returns a GeoDataFrame in EQUAL_AREA with :data:`BLOCK_OVERLAP_COLUMNS`;
    ``overlap_m2`` is ellipsoidal.
    """
    drawn = layer.column("drawn_by")
    empty = empty_blocks()
    if drawn is None:
        return empty
    level = drawn_by_level(drawn).to_numpy()
    prep = layer.prepared
    piece_level = level[prep.piece_feature]
    city = np.flatnonzero(piece_level == "city")
    region = np.flatnonzero(piece_level == "region")
    if city.size == 0 or region.size == 0:
        return empty
    region_pieces = prep.pieces[region]
    found = hits(prep.pieces[city], region_pieces, shapely.STRtree(region_pieces))
    # group by (city block, region block): re-index the hits from city pieces to city blocks
    found.index = prep.piece_feature[city][found.index]
    pairs = pieces_by_key(found, prep.piece_feature[region], tolerance_m)
    pairs = pairs[~pairs["sliver"].astype(bool)]
    if pairs.empty:
        return empty
    city_block, region_block = pairs["index"].to_numpy(int), pairs["key"].to_numpy(int)
    unions = pairs["geometry"].to_numpy()
    ids = layer.require("block_id").astype("string").to_numpy()
    return gpd.GeoDataFrame(
        {
            "layer": layer.name,
            "city_block": ids[city_block],
            "region_block": ids[region_block],
            "overlap_m2": shapely.area(unions),
            "geometry": unions,
        },
        geometry="geometry",
        crs=EQUAL_AREA,
    )


def shared_blocks(mine_ids: np.ndarray, index: np.ndarray, block: np.ndarray) -> pd.Series:
    """For each mine, the other mines that share one of its blocks.

    Parameters
    ----------
    mine_ids : ndarray
        Id of every mine (position = mine index).
    index, block : ndarray of int
        Pairs (mine index, block feature row) of non-sliver overlaps.

    Returns
    -------
    Series indexed by mine index: sorted ids of the other holders, joined by ``;``.
    """
    pairs = pd.DataFrame({"mine": index, "block": block}).drop_duplicates()
    both = pairs.merge(pairs, on="block", suffixes=("", "_other"))
    both = both[both["mine"] != both["mine_other"]]
    if both.empty:
        return pd.Series(dtype="string")
    both["other"] = (
        pd.Series(mine_ids).astype("string").to_numpy()[both["mine_other"].to_numpy(int)]
    )
    return both.groupby("mine")["other"].agg(lambda s: ";".join(sorted(set(s))))
