"""The Python API as a notebook uses it: GeoDataFrames in, typed results in EPSG:4490 out."""

from __future__ import annotations

import re
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest

import greenmine_geo as gm

from conftest import REPO, gk_box, layer

DEMO = REPO / "data" / "demo"


def test_the_readme_example_runs(tmp_path):
    text = (REPO / "README.md").read_text("utf-8")
    section = text.split("## Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    (tmp_path / "data").symlink_to(REPO / "data")
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stderr
    assert "{'PASS': 28, 'REVIEW': 2, 'EXEMPT': 0, 'FAIL': 1}" in r.stdout  # as printed there
    assert "EPSG:4490" in r.stdout
    assert (tmp_path / "out" / "api" / "prerequisite" / "prerequisite.xlsx").is_file()
    assert (tmp_path / "out" / "api" / "prerequisite" / "inputs" / "mines.gpkg").is_file()


def test_geodataframes_give_the_verdicts_of_the_files(tmp_path):
    mines = gpd.read_file(DEMO / "mines_gk3_zone37.gpkg")  # EPSG:4525, as an analyst has it
    redline = gpd.read_file(DEMO / "redline.gpkg")
    in_memory = gm.check_prerequisite(mines, redline, id_field="mine_id")
    from_files = gm.check_prerequisite(
        str(DEMO / "mines_gk3_zone37.gpkg"), str(DEMO / "redline.gpkg"), id_field="mine_id"
    )
    assert isinstance(in_memory, gm.PrerequisiteResult)
    for frame in (in_memory.mines, in_memory.conflicts, in_memory.block_overlaps):
        assert frame.crs.to_epsg() == 4490
    columns = ["mine_id", "verdict", "contact", "mine_area_m2", "redline_overlap_m2"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(in_memory.mines[columns]), pd.DataFrame(from_files.mines[columns])
    )
    assert set(in_memory.mines["name"]) == set(mines["name"])  # the mine's own fields


def test_a_geodataframe_without_crs_is_refused():
    mines = layer([gk_box(0, 0, 100, 100)], crs=None, mine_id=["M1"])
    with pytest.raises(gm.CRSError, match="never guessed"):
        gm.check_prerequisite(mines, str(DEMO / "redline.gpkg"))


def test_review_and_restoration_from_python(tmp_path):
    review = gm.review_imagery(
        DEMO / "imagery" / "greening_patchy.tif",
        DEMO / "mines_cgcs2000.gpkg",
        mine_id="C150000204808169728",
        bands={"blue": 1, "green": 2, "red": 3, "nir": 4},
        acquired="2026-07-18",
    )
    assert isinstance(review, gm.ReviewResult) and review.checks
    assert {c.status.value for c in review.checks} <= {"PASS", "WARN", "FAIL"}
    zones = gpd.read_file(DEMO / "restoration" / "zones.gpkg")
    images = {
        day: DEMO / "imagery" / f"restoration_{day}.tif"
        for day in ("2021-07-16", "2023-07-11", "2025-08-20")
    }
    result = gm.restoration(zones, images, id_field="zone_id", bands={"red": 3, "nir": 4})
    assert isinstance(result, gm.RestorationResult)
    assert set(result.zone_summary["zone_id"]) == set(zones["zone_id"])
