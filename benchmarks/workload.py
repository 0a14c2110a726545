"""Generator of a province-scale workload for the prerequisite check (fixed seed).

* 2 900 mines (rectangles of 0.2-3 km², rotated), EPSG:4490;
* 30 red-line multipolygons of ~200 000 vertices each (6 million in the layer): like the real
  red line, which is organised by function (水源涵养, 防风固沙 ...) or by league, each feature
  scatters many parts (here 100 of 2 000 vertices, 2-8 km across) over the whole region, and
  features overlap each other;
* a land-use layer of 102 400 parcels (a jittered 1 km grid), classes by 地类名称.

All inside a 320 km × 320 km square around 41.5°N, 111°E (central Inner Mongolia).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely

LON0, LAT0 = 111.0, 41.5
SIDE_M = 320_000.0
N_MINES, N_REDLINES, PARTS, PART_VERTICES, PARCEL_M = 2900, 30, 100, 2_000, 1000.0
CLASSES = np.array(["草地", "永久基本农田", "林地", "自然保护地", "其他草地"])


def _to_lonlat() -> pyproj.Transformer:
    aeqd = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={LAT0} +lon_0={LON0} +ellps=GRS80 +units=m")
    return pyproj.Transformer.from_crs(aeqd, "EPSG:4490", always_xy=True)


def _lonlat(geoms: np.ndarray) -> np.ndarray:
    tr = _to_lonlat()
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def mines(rng: np.random.Generator, scale: float = 1.0) -> gpd.GeoDataFrame:
    n = max(int(N_MINES * scale), 2)
    side = SIDE_M * np.sqrt(scale)
    c = rng.uniform(-side / 2 * 0.95, side / 2 * 0.95, (n, 2))
    w, h = rng.uniform(400, 2000, n), rng.uniform(400, 1500, n)
    a = rng.uniform(0, np.pi, n)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]]) / 2
    x = (
        c[:, :1]
        + corners[:, 0] * w[:, None] * np.cos(a)[:, None]
        - corners[:, 1] * h[:, None] * np.sin(a)[:, None]
    )
    y = (
        c[:, 1:]
        + corners[:, 0] * w[:, None] * np.sin(a)[:, None]
        + corners[:, 1] * h[:, None] * np.cos(a)[:, None]
    )
    geoms = shapely.polygons(np.stack([x, y], axis=-1))
    return gpd.GeoDataFrame(
        {"mine_id": [f"M{i:05d}" for i in range(n)]}, geometry=_lonlat(geoms), crs="EPSG:4490"
    )


def redlines(rng: np.random.Generator, scale: float = 1.0) -> gpd.GeoDataFrame:
    rows = []
    side = SIDE_M * np.sqrt(scale)
    for _feature in range(N_REDLINES):
        parts = []
        for _part in range(max(int(PARTS * scale), 1)):
            cx, cy = rng.uniform(-side / 2, side / 2, 2)
            theta = np.linspace(0, 2 * np.pi, PART_VERTICES, endpoint=False)
            r = np.ones_like(theta)
            for f in range(1, 60):
                r += rng.normal(0, 0.2 / f) * np.sin(f * theta + rng.uniform(0, 6.3))
            r = rng.uniform(1000, 4000) * np.clip(r, 0.3, None)
            parts.append(
                shapely.Polygon(np.column_stack([cx + r * np.cos(theta), cy + r * np.sin(theta)]))
            )
        rows.append(shapely.union_all(parts))
    return gpd.GeoDataFrame(
        {"name": [f"红线{k:02d}" for k in range(N_REDLINES)]},
        geometry=_lonlat(np.array(rows, dtype=object)),
        crs="EPSG:4490",
    )


def landuse(rng: np.random.Generator, scale: float = 1.0) -> gpd.GeoDataFrame:
    side = SIDE_M * np.sqrt(scale)
    n = int(side / PARCEL_M)
    g = np.mgrid[0 : n + 1, 0 : n + 1].astype(float) * PARCEL_M - side / 2
    g[:, 1:-1, 1:-1] += rng.normal(0, PARCEL_M * 0.12, (2, n - 1, n - 1))
    x, y = g[1], g[0]
    ring = np.stack(
        [
            np.stack([x[:-1, :-1], y[:-1, :-1]], -1),
            np.stack([x[:-1, 1:], y[:-1, 1:]], -1),
            np.stack([x[1:, 1:], y[1:, 1:]], -1),
            np.stack([x[1:, :-1], y[1:, :-1]], -1),
            np.stack([x[:-1, :-1], y[:-1, :-1]], -1),
        ],
        axis=2,
    ).reshape(-1, 5, 2)
    cls = CLASSES[rng.choice(len(CLASSES), len(ring), p=[0.6, 0.1, 0.15, 0.03, 0.12])]
    return gpd.GeoDataFrame(
        {"parcel": np.arange(len(ring)), "地类名称": cls},
        geometry=_lonlat(shapely.polygons(ring)),
        crs="EPSG:4490",
    )


def write_workload(out: Path, scale: float = 1.0) -> dict[str, Path]:
    """Write the workload into ``out`` once; later calls reuse it.

    ``scale`` shrinks the region's area (and the counts with it), for smoke tests.
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / f"{k}.gpkg" for k in ("mines", "redline", "landuse")}
    if all(p.exists() for p in paths.values()):
        return paths
    rng = np.random.default_rng(2900)
    for key, make in (("mines", mines), ("redline", redlines), ("landuse", landuse)):
        make(rng, scale).to_file(paths[key], engine="pyogrio")
    return paths


if __name__ == "__main__":
    for p in write_workload(
        Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/.work")
    ).values():
        print(p)
