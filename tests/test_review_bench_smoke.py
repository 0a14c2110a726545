"""The review benchmark's own code on a small image: it runs, and the honest image passes.

No timing here (timings are printed by benchmarks/review_bench.py, never asserted).
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
from shapely.geometry import box

from greenmine_geo.steps import review
from greenmine_geo.steps.skeleton import StepContext

from review_bench import E0, N0, baseline, review_params, write_bomb, write_image


def test_review_benchmark_code_runs(tmp_path):
    image = write_image(tmp_path / "small.tif", side=1024)
    assert baseline(image).shape == (3, 4)
    mines = tmp_path / "m.gpkg"
    gpd.GeoDataFrame(
        {"mine_id": ["M1"]}, geometry=[box(E0 + 400, N0 + 400, E0 + 600, N0 + 600)], crs="EPSG:4525"
    ).to_file(mines)
    params = review_params(image, mines, bands={"red": 3, "nir": 4}, acquired=date(2026, 7, 1))
    out = review.run(params, StepContext(tmp_path / "o"))
    statuses = {c.id: c.status for c in out.checks}
    assert {k for k, v in statuses.items() if v != "PASS"} == {"duplicate", "spectral_consistency"}
    params = review_params(write_bomb(tmp_path / "bomb.tif"), mines)
    bomb = review.run(params, StepContext(tmp_path / "b"))
    assert {c.id: c.status for c in bomb.checks}["dimensions"] == "FAIL"
