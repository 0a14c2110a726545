"""The greening benchmark's own code on a small tile: baseline, peer and ours agree.

No timing here (benchmarks/greening_bench.py prints the ratio; tests never assert speed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmine_geo.config import GreeningParams
from greenmine_geo.steps import greening
from greenmine_geo.steps.skeleton import StepContext

from greening_bench import baseline, peer, write_mines, write_tile


def test_greening_benchmark_code_runs(tmp_path):
    tile = write_tile(tmp_path / "tile.tif", side=1024)
    mines = write_mines(tmp_path / "mines.gpkg", n=5, side_px=1024)
    params = GreeningParams(
        mines=[str(mines)],
        id_field="mine_id",
        image=str(tile),
        bands={"red": 1, "nir": 2},
        figures=False,
    )
    table: pd.DataFrame = greening.run(params, StepContext(tmp_path / "o")).table
    em = (float(table["vi_soil"].iloc[0]), float(table["vi_veg"].iloc[0]))
    plain = baseline(tile, mines, em)
    exact, patches = peer(tile, mines, em)
    assert len(plain) == len(exact) == len(table) == 5 and table["indicator6_score"].notna().all()
    # the same coverage-weighted mean FVC three ways (same windows, weights, end-members)
    assert np.asarray(plain) == pytest.approx(table["fvc_mean"].to_numpy(), abs=1e-5)
    assert np.asarray(exact) == pytest.approx(table["fvc_mean"].to_numpy(), abs=1e-5)
    assert patches > 0
