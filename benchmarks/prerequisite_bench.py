"""Speed and memory of the prerequisite check at province scale, as ratios to a baseline.

Baseline: what a careful analyst writes by hand with geopandas: read the
layers, project them to the same equal-area CRS, ``geopandas.overlay`` the
mines with the red line and with the land-use layer, and dissolve the pieces
per mine (per mine and class for land use) so overlaps count once.

Ours: the full ``greenmine check prerequisite`` step (reading, checks, writing
CSV/GPKG/manifest), cold (empty prepared-layer cache) and warm (cache filled by
the cold run). All three run in this one process, on the same machine, so the
ratios do not depend on how fast the machine is. Targets: cold ≥ 3×, warm ≥ 20×.
Peak memory is the process's resident set size sampled every 10 ms per phase.

Run: ``make bench`` (or ``python benchmarks/prerequisite_bench.py``).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from greenmine_geo.config import LayerSpec, PrerequisiteParams
from greenmine_geo.crs import EQUAL_AREA
from greenmine_geo.steps import prerequisite
from greenmine_geo.steps.skeleton import StepContext

from workload import write_workload

TARGET_COLD, TARGET_WARM = 3.0, 20.0


def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


def measure(fn: Callable[[], object]) -> tuple[float, float, object]:
    """Wall time (s) and peak resident memory (MiB) of one call."""
    peak = [_rss_mib()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], _rss_mib())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t0
    done.set()
    thread.join()
    return elapsed, max(peak[0], _rss_mib()), result


def baseline(paths: dict[str, Path]) -> pd.DataFrame:
    mines = gpd.read_file(paths["mines"]).to_crs(EQUAL_AREA)
    red = gpd.read_file(paths["redline"]).to_crs(EQUAL_AREA)
    land = gpd.read_file(paths["landuse"]).to_crs(EQUAL_AREA)
    red_pieces = gpd.overlay(mines, red, how="intersection", keep_geom_type=True)
    red_area = red_pieces.dissolve("mine_id").area.rename("redline_overlap_m2")
    land_pieces = gpd.overlay(mines, land, how="intersection", keep_geom_type=True)
    land_area = land_pieces.dissolve(["mine_id", "地类名称"]).area.unstack(fill_value=0.0)
    return mines.set_index("mine_id").join(red_area).join(land_area).fillna(0.0)


def ours(paths: dict[str, Path], out: Path, cache: Path) -> pd.DataFrame:
    params = PrerequisiteParams(
        mines=[str(paths["mines"])],
        id_field="mine_id",
        redline=str(paths["redline"]),
        layers={"landuse": LayerSpec(path=str(paths["landuse"]), fields={"class": "地类名称"})},
    )
    result = prerequisite.run(params, StepContext(out, cache))
    return result.mines.set_index("mine_id")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / ".work")
    args = parser.parse_args()
    paths = write_workload(args.work)
    with tempfile.TemporaryDirectory() as tmp:
        cache, out = Path(tmp) / "cache", Path(tmp) / "out"
        t_base, m_base, base = measure(lambda: baseline(paths))
        t_cold, m_cold, cold = measure(lambda: ours(paths, out, cache))
        t_warm, m_warm, warm = measure(lambda: ours(paths, out, cache))
    assert (
        isinstance(base, pd.DataFrame)
        and isinstance(cold, pd.DataFrame)
        and isinstance(warm, pd.DataFrame)
    )
    # The numbers must agree before the speed means anything. Not to the m²: the mines' 2 km
    # edges are straight in lon/lat, and we densify them before projecting, where they bow by
    # up to ~8 cm; the baseline projects corners only. Hence a relative bound of 10⁻⁴ of the mine.
    diff = (cold["redline_overlap_m2"] - base["redline_overlap_m2"].reindex(cold.index)).abs()
    rel = (diff / cold["mine_area_m2"]).max()
    assert rel < 1e-4, f"red-line overlaps differ from the baseline by up to {rel:.2e} of a mine"
    pd.testing.assert_series_equal(cold["redline_overlap_m2"], warm["redline_overlap_m2"])
    print(f"workload: {len(cold)} mines, red line and land use from {args.work}")
    print(f"{'phase':<10}{'seconds':>10}{'peak MiB':>10}{'speed-up':>10}")
    for name, t, m in (
        ("baseline", t_base, m_base),
        ("cold", t_cold, m_cold),
        ("warm", t_warm, m_warm),
    ):
        print(f"{name:<10}{t:>10.2f}{m:>10.0f}{t_base / t:>9.1f}×")
    print(f"red-line overlap vs baseline: max {diff.max():.1f} m², {rel:.1e} of the mine's area")
    ok = t_base / t_cold >= TARGET_COLD and t_base / t_warm >= TARGET_WARM
    print(f"targets cold ≥ {TARGET_COLD:g}×, warm ≥ {TARGET_WARM:g}×: {'met' if ok else 'NOT MET'}")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
