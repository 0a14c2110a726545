"""The restoration benchmark's own code on a small series: it runs and finds what it planted.

No timing here (benchmarks/restoration_bench.py prints the time; tests never assert speed).
"""

from __future__ import annotations

from greenmine_geo.steps import restoration
from greenmine_geo.steps.skeleton import StepContext

from restoration_bench import restoration_params, write_layers, write_series


def test_restoration_benchmark_code_runs(tmp_path):
    images = write_series(tmp_path, side=500, n_mines=2)
    zones, mines = write_layers(tmp_path, n_mines=2, side=500)
    params = restoration_params(images, zones, mines, charts=False)
    outcome = restoration.run(params, StepContext(tmp_path / "o"))
    summary = outcome.zone_summary.set_index("zone_id")
    assert len(summary) == 20 and summary.status.isin(["on_track", "lagging", "done"]).all()
    # zone k of each mine recovers at k/10 of full speed: the trend rises with k
    assert summary.trend_per_year.iloc[9] > summary.trend_per_year.iloc[5] > 0
    assert outcome.summary()["suspected_outside_patches"] == 2
