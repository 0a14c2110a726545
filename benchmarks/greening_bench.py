"""Speed and memory of the greening step on a Sentinel-2-sized tile with 300 mines.

A 10 980 × 10 980 two-band (red, NIR; uint16) tile at 10 m is generated once into
``benchmarks/.work``, with 300 mines of 0.2-2 km². Three ways to the same numbers, in
the same process, each mine's window being the mine and its 500 m reference ring:

* **ours**: the full greening step (scene calibration and end-members, cloud test,
  exact coverage weights, FVC, vegetated share, reference ring, bare patches as
  polygons, CSV/GPKG/manifest), without the per-mine PNGs, which are timed apart;
* **baseline**, the floor: a bare loop that reads the same windows and computes the
  same coverage-weighted mean FVC of mine and ring with the same exact weights
  (:func:`greenmine_geo.imagery.zonal.coverage_fraction`) and end-members, nothing
  else. Target: ours ≤ 1.5 × the baseline;
* **peer**, what a user would otherwise write: per mine the same window's FVC,
  ``exactextract`` for the coverage-weighted means of mine and ring, and
  ``rasterio.features.shapes`` for the bare patches. Target: ours faster (< 1).

Also: the PNG figure per mine (target ≤ 20 ms) and peak resident memory of each.
Exits non-zero when any target is missed (``make bench``).

Status (2026-12-03, second session, 2 cores): baseline 0.9 s, peer 2.1-2.4 s, ours
2.1-2.4 s with two threads (2.3 s in one), figures 8 ms per mine, numbers agree to 2e-7.
Ours / baseline ≈ 2.5 and ours / peer ≈ 1.0-1.1: both MISSED. Ours does what the
baseline does (read 0.6 s, exact weights 0.4 s) plus bare patches (labelling, GDAL's
polygonizer and its Python shapes 0.35 s, repair of corner-touching rings 0.1 s, union,
clip and ordering 0.2 s), the scene's calibration and end-members (0.3 s) and the outputs
(0.1 s). Threads overlap the decoding only (1.94 → 1.70 s for the per-mine loop); the
rest holds the GIL. GDAL_NUM_THREADS does not help (windows span 1-4 blocks). Meeting
1.5× needs the per-mine loop in worker processes, which is what issue 17 brings (dask
LocalCluster, not a pool of our own).

Run: ``python benchmarks/greening_bench.py``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import shapely.geometry
from shapely.geometry import box

from greenmine_geo.config import GreeningParams
from greenmine_geo.io.gdal import rasterio  # GDAL hardened before rasterio loads
from greenmine_geo.steps import greening
from greenmine_geo.steps.skeleton import StepContext

from prerequisite_bench import measure

SIDE, PIXEL, N_MINES, E0, N0 = 10_980, 10.0, 300, 37_450_000.0, 4_450_000.0


def _smooth(rng: np.random.Generator, shape: tuple[int, int], scale: int = 16) -> np.ndarray:
    """Cover in [0, 1] varying over about ``scale`` pixels (160 m), like fields and bare ground."""
    from scipy import ndimage

    coarse = rng.random((shape[0] // scale + 2, shape[1] // scale + 2))
    fine = np.kron(coarse, np.ones((scale, scale)))[: shape[0], : shape[1]]
    return ndimage.uniform_filter(fine, size=scale).astype(np.float32)


def write_tile(path: Path, side: int = SIDE) -> Path:
    from rasterio.transform import from_origin

    if path.exists():
        return path
    rng = np.random.default_rng(10_980)
    profile = {
        "driver": "GTiff",
        "width": side,
        "height": side,
        "count": 2,
        "dtype": "uint16",
        "crs": "EPSG:4525",
        "transform": from_origin(E0, N0 + side * PIXEL, PIXEL, PIXEL),
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
        "predictor": 2,
    }
    with rasterio.open(path, "w", **profile) as ds:
        for top in range(0, side, 1024):
            h = min(1024, side - top)
            cover = _smooth(rng, (h, side))  # land cover is spatially correlated
            red = 1200 - 800 * cover + rng.normal(0, 30, (h, side))
            nir = 2000 + 1800 * cover + rng.normal(0, 30, (h, side))
            ds.write(
                np.stack([red, nir]).clip(1, 10000).astype("uint16"),
                window=rasterio.windows.Window(0, top, side, h),
            )
    return path


def write_mines(path: Path, n: int = N_MINES, side_px: int = SIDE) -> Path:
    rng = np.random.default_rng(300)
    side = side_px * PIXEL
    c = rng.uniform(side * 0.25, side * 0.75, (n, 2))
    w, h = rng.uniform(400, 1500, n), rng.uniform(400, 1400, n)
    geoms = [
        box(E0 + x - a / 2, N0 + y - b / 2, E0 + x + a / 2, N0 + y + b / 2)
        for (x, y), a, b in zip(c, w, h, strict=True)
    ]
    gpd.GeoDataFrame(
        {"mine_id": [f"M{i:03d}" for i in range(n)]}, geometry=geoms, crs="EPSG:4525"
    ).to_file(path)
    return path


def _rings(mines: gpd.GeoDataFrame, ring_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Reference rings as a user would draw them (the buffer minus every mine), and the
    buffers, whose bounds are each mine's window."""
    geoms = mines.geometry.to_numpy()
    buffers = shapely.buffer(geoms, ring_m)
    return shapely.difference(buffers, shapely.union_all(geoms)), buffers


def _window_fvc(ds, geom, soil: float, veg: float):  # noqa: ANN001, ANN202 - rasterio dataset
    """FVC on the pixels over ``geom``'s bounds, one pixel wider (so no edge is cut), and
    the window's transform."""
    from rasterio.windows import Window, from_bounds
    from rasterio.windows import transform as window_transform

    win = from_bounds(*geom.bounds, transform=ds.transform).round_offsets(op="floor")
    win = win.round_lengths(op="ceil")
    win = Window(win.col_off, win.row_off, win.width + 1, win.height + 1)
    red, nir = ds.read([1, 2], window=win).astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        fvc = np.clip(((nir - red) / (nir + red) - soil) / (veg - soil), 0, 1)
    return fvc, window_transform(win, ds.transform)


def baseline(
    tile: Path, mines_path: Path, end_members: tuple[float, float], ring_m: float = 500.0
) -> list[float]:
    """Coverage-weighted mean FVC of each mine (and of its ring), on the mine-and-ring window."""
    from greenmine_geo.imagery.zonal import coverage_fraction

    mines = gpd.read_file(mines_path)
    rings, windows = _rings(mines, ring_m)
    means = []
    with rasterio.open(tile) as ds:
        for geom, ring, window in zip(mines.geometry, rings, windows, strict=True):
            fvc, tr = _window_fvc(ds, window, *end_members)
            w_mine = coverage_fraction(geom, tr, fvc.shape)
            w_ring = coverage_fraction(ring, tr, fvc.shape)
            means.append(float((w_mine * fvc).sum() / w_mine.sum()))
            means.append(float((w_ring * fvc).sum() / w_ring.sum()))
    return means[::2]


def peer(
    tile: Path,
    mines_path: Path,
    end_members: tuple[float, float],
    ring_m: float = 500.0,
    bare_fvc: float = 0.1,
    min_patch_m2: float = 400.0,
) -> tuple[list[float], int]:
    """exactextract means of mine and ring, and bare patches traced by rasterio: (means, patches)."""
    # exactextract brings its own GDAL, which reads the GDAL_SKIP list our hardening sets
    # and warns about every driver it was built without: not ours to skip there
    skip = os.environ.pop("GDAL_SKIP", None)
    try:
        from exactextract import exact_extract
        from exactextract.raster import NumPyRasterSource
    finally:
        if skip is not None:
            os.environ["GDAL_SKIP"] = skip
    from rasterio.features import geometry_mask, shapes

    mines = gpd.read_file(mines_path)
    rings, windows = _rings(mines, ring_m)
    wkt = mines.crs.to_wkt()
    means, patches = [], 0
    with rasterio.open(tile) as ds:
        for geom, ring, window in zip(mines.geometry, rings, windows, strict=True):
            fvc, tr = _window_fvc(ds, window, *end_members)
            h, w = fvc.shape
            source = NumPyRasterSource(
                fvc, tr.c, tr.f + h * tr.e, tr.c + w * tr.a, tr.f, srs_wkt=wkt
            )
            pair = gpd.GeoDataFrame(geometry=[geom, ring], crs=mines.crs)
            stats = exact_extract(source, pair, ["mean"], output="pandas")
            means.append(float(stats["mean"].iloc[0]))
            inside = geometry_mask([geom], fvc.shape, tr, invert=True)
            bare = (inside & (fvc < bare_fvc)).astype(np.uint8)
            traced = shapes(bare, mask=bare > 0, connectivity=8, transform=tr)
            polys = [shapely.geometry.shape(s) for s, _ in traced]
            patches += (
                int((shapely.area(np.array(polys, object)) >= min_patch_m2).sum()) if polys else 0
            )
    return means, patches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / ".work")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    tile = write_tile(args.work / "greening_tile.tif")
    mines = write_mines(args.work / "greening_mines.gpkg")
    params = GreeningParams(
        mines=[str(mines)], id_field="mine_id", image=str(tile), bands={"red": 1, "nir": 2}
    )
    without_figures = params.model_copy(update={"figures": False})
    with tempfile.TemporaryDirectory() as tmp:
        t_ours, m_ours, outcome = measure(
            lambda: greening.run(without_figures, StepContext(Path(tmp) / "a"))
        )
        table = outcome.table  # type: ignore[attr-defined]
        em = (float(table["vi_soil"].iloc[0]), float(table["vi_veg"].iloc[0]))
        t_base, m_base, plain = measure(lambda: baseline(tile, mines, em))
        t_peer, m_peer, (peer_means, _) = measure(lambda: peer(tile, mines, em))  # type: ignore[misc]
        t0 = time.perf_counter()
        greening.run(params, StepContext(Path(tmp) / "b"))
        t_png = (time.perf_counter() - t0 - t_ours) / N_MINES * 1000
    # the three agree on the numbers (ours: greenable = the whole mine here)
    ours = table["fvc_mean"].to_numpy()
    agree = max(np.abs(ours - plain).max(), np.abs(ours - np.asarray(peer_means)).max())
    print(f"tile {SIDE} × {SIDE} × 2 uint16 at {PIXEL:g} m; {N_MINES} mines; {outcome.summary()}")
    print(f"mean FVC of ours, baseline and peer agree to {agree:.1e}")
    print(f"{'phase':<40}{'seconds':>9}{'peak MiB':>10}")
    print(f"{'baseline: same windows, weighted means':<40}{t_base:>9.2f}{m_base:>10.0f}")
    print(f"{'peer: exactextract + features.shapes':<40}{t_peer:>9.2f}{m_peer:>10.0f}")
    print(f"{'greening step (no PNGs)':<40}{t_ours:>9.2f}{m_ours:>10.0f}")
    checks = [
        (f"ours / baseline {t_ours / t_base:.2f} (target ≤ 1.5)", t_ours / t_base <= 1.5),
        (f"ours / peer {t_ours / t_peer:.2f} (target < 1)", t_ours / t_peer < 1),
        (f"figure {t_png:.1f} ms per mine (target ≤ 20)", t_png <= 20),
        (f"numbers agree to {agree:.1e} (target ≤ 1e-3)", agree <= 1e-3),
    ]
    for text, ok in checks:
        print(("met     " if ok else "MISSED  ") + text)
    raise SystemExit(0 if all(ok for _, ok in checks) else 1)


if __name__ == "__main__":
    main()
