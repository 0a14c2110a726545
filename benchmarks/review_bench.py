"""Speed and memory of reviewing one 10 000 × 10 000 4-band image.

The image (uint16 blue, green, red, NIR; tiled, DEFLATE, with overviews; 800 MB
of pixels) is generated once into ``benchmarks/.work``. Ours: the full
``greenmine review-imagery`` step (every check, one streaming pass). Baseline,
in the same process: what a plain script does, ``rasterio`` reading the whole
image into memory and computing band percentiles. The review must take seconds
and its peak memory must stay bounded by the window size, not grow with the
image: printed as ratios to the baseline.

Run: ``python benchmarks/review_bench.py``.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from greenmine_geo.config import ReviewParams
from greenmine_geo.io import gdal  # hardens GDAL before rasterio is imported
from greenmine_geo.steps import review
from greenmine_geo.steps.skeleton import StepContext

from prerequisite_bench import measure

SIDE, E0, N0 = 10_000, 37_500_000.0, 4_500_000.0


def write_image(path: Path, side: int = SIDE) -> Path:
    import rasterio
    from rasterio.transform import from_origin

    if path.exists():
        return path
    rng = np.random.default_rng(10_000)
    profile = {
        "driver": "GTiff",
        "width": side,
        "height": side,
        "count": 4,
        "dtype": "uint16",
        "crs": "EPSG:4525",
        "transform": from_origin(E0, N0 + side, 1.0, 1.0),
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
    }
    base = np.array([300, 500, 400, 1600], dtype=float)[:, None, None]
    with rasterio.open(path, "w", **profile) as ds:
        for top in range(0, side, 1024):
            h = min(1024, side - top)
            noise = 1 + 0.1 * rng.standard_normal((4, h, side))
            ds.write(
                (base * noise).clip(1, 4000).astype("uint16"),
                window=rasterio.windows.Window(0, top, side, h),
            )
        ds.build_overviews([2, 4, 8, 16, 32], rasterio.enums.Resampling.average)
    return path


def write_bomb(path: Path) -> Path:
    """A sparse GeoTIFF: under 1 MB on disk, declaring 40 000 × 40 000 pixels."""
    import rasterio
    from rasterio.transform import from_origin

    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=40_000,
        height=40_000,
        count=1,
        dtype="uint8",
        tiled=True,
        blockxsize=512,
        blockysize=512,
        sparse_ok=True,
        crs="EPSG:4525",
        transform=from_origin(E0, N0, 1.0, 1.0),
    ):
        pass
    return path


def baseline(path: Path) -> np.ndarray:
    import rasterio

    with rasterio.open(path) as ds:
        data = ds.read()
    return np.percentile(data.reshape(4, -1)[:, ::97], (2, 50, 98), axis=1)


def review_params(image: Path, mines: Path, **extra: object) -> ReviewParams:
    """The review of ``image`` for mine M1 of ``mines``, in a 2026 review window."""
    return ReviewParams(
        image=str(image),
        mines=str(mines),
        id_field="mine_id",
        mine_id="M1",
        review_from=date(2026, 1, 1),
        review_to=date(2026, 12, 31),
        **extra,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / ".work")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    image = write_image(args.work / "review_10k.tif")
    with tempfile.TemporaryDirectory() as tmp:
        mines = Path(tmp) / "mines.gpkg"
        gpd.GeoDataFrame(
            {"mine_id": ["M1"]},
            geometry=[box(E0 + 4000, N0 + 4000, E0 + 6000, N0 + 6000)],
            crs="EPSG:4525",
        ).to_file(mines)
        params = review_params(image, mines, bands={"red": 3, "nir": 4}, acquired=date(2026, 7, 1))
        usage: dict[str, float] = {}
        t_ours, m_ours, outcome = measure(
            lambda: review.run(params, StepContext(Path(tmp) / "out"), usage=usage)
        )
        t_base, m_base, _ = measure(lambda: baseline(image))
        bomb = write_bomb(Path(tmp) / "bomb.tif")
        bomb_kib = bomb.stat().st_size / 2**10
        bomb_params = review_params(bomb, mines)
        t_bomb, _, bombed = measure(
            lambda: review.run(bomb_params, StepContext(Path(tmp) / "bomb"))
        )
    print(
        f"image: {SIDE} × {SIDE} × 4 uint16 ({image.stat().st_size / 2**20:.0f} MiB on disk); "
        f"hardened before rasterio import: {gdal.HARDENED_AT_IMPORT}"
    )
    print(f"{'phase':<22}{'seconds':>9}{'peak MiB':>10}")
    child = usage["peak_mib"]  # the decoding child reports its own peak
    print(f"{'review (all checks)':<22}{t_ours:>9.2f}{max(m_ours, child):>10.0f}")
    print(f"{'baseline (read all)':<22}{t_base:>9.2f}{m_base:>10.0f}")
    print(
        f"review time / baseline read time: {t_ours / t_base:.2f}; peak memory ratio: "
        f"{max(m_ours, child) / m_base:.2f} (parent {m_ours:.0f} MiB, decoding child {child:.0f} MiB)"
    )
    print("statuses:", {c.id: c.status for c in outcome.checks})
    dims = next(c for c in bombed.checks if c.id == "dimensions")
    print(
        f"decompression bomb ({bomb_kib:.0f} KiB declaring 40 000²): "
        f"{dims.status} in {t_bomb:.2f} s"
    )


if __name__ == "__main__":
    main()
