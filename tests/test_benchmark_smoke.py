"""The benchmark's own code on a tiny workload: it runs and our numbers match the baseline's.

No timing here (timings live in benchmarks/ and are read as ratios, never asserted in tests).
"""

from __future__ import annotations

import pytest

from prerequisite_bench import baseline, ours
from workload import write_workload


def test_benchmark_runs_and_agrees_with_the_baseline(tmp_path):
    paths = write_workload(tmp_path / "work", scale=0.004)
    base = baseline(paths)
    mine = ours(paths, tmp_path / "out", tmp_path / "cache")
    assert len(mine) == len(base) > 0
    got = mine["redline_overlap_m2"]
    want = base["redline_overlap_m2"].reindex(got.index)
    assert (got > 0).any()
    assert ((got - want).abs() / mine["mine_area_m2"]).max() < 1e-4
    # our grassland is every grassland spelling: 草地 and 其他草地 in this workload
    grass = mine["landuse_grassland_overlap_m2"]
    want = (base["草地"] + base.get("其他草地", 0.0)).reindex(grass.index).to_numpy()
    assert grass.to_numpy() == pytest.approx(want, rel=1e-4, abs=1.0)
