"""The greening benchmark's own code on a small tile: it runs and agrees with the plain loop.

No timing here (benchmarks/greening_bench.py prints the ratio; tests never assert speed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from greenmine_geo.config import GreeningParams
from greenmine_geo.steps import greening
from greenmine_geo.steps.skeleton import StepContext

from greening_bench import baseline, write_mines, write_tile


def test_greening_benchmark_code_runs(tmp_path):
    tile = write_tile(tmp_path / "tile.tif", side=1024)
    mines = write_mines(tmp_path / "mines.gpkg", n=5, side_px=1024)
    plain = baseline(tile, mines)
    params = GreeningParams(
        mines=[str(mines)],
        id_field="mine_id",
        image=str(tile),
        bands={"red": 1, "nir": 2},
        figures=False,
    )
    table: pd.DataFrame = greening.run(params, StepContext(tmp_path / "o")).table
    assert len(plain) == len(table) == 5 and table["indicator6_score"].notna().all()
    # more vegetation (higher NDVI) must mean more cover, mine by mine
    assert np.corrcoef(plain, table["fvc_mean"])[0, 1] > 0.9
