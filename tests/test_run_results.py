"""What the steps of one run wrote reaches its maps and reports: every step, every file.

One results directory filled by single commands, as an analyst would (prerequisite, greening,
restoration into sub-directories, then ``greenmine maps``), with ids that a file-name
sanitiser changes (a space) or that contain one another (C1 in C10 … C19).
"""

from __future__ import annotations

import re

import pytest

from conftest import gk_box, greenmine, layer, write
from rasters import vegetated, write_image

#: C1 and ten mines whose ids contain "C1", and one whose id has a space.
MINE_IDS = ["C1", *(f"C1{k}" for k in range(10)), "C 2"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    boxes = [gk_box(300 * k, 0, 300 * k + 200, 200) for k in range(len(MINE_IDS))]
    mines = write(layer(boxes, mine_id=MINE_IDS), tmp / "mines.gpkg")
    redline = write(layer([gk_box(20_000, 20_000, 20_100, 20_100)]), tmp / "redline.gpkg")
    admin = write(
        layer(
            [gk_box(-5_000, -5_000, 10_000, 5_000)],
            league_city=["呼和浩特市"],
            banner_county=["武川县"],
        ),
        tmp / "admin.gpkg",
    )
    image = write_image(tmp / "img.tif", vegetated(1_400, 1_300), x0=-600, y0=800, pixel=4.0)
    zones = write(
        layer(
            [gk_box(20, 20, 120, 120)],
            zone_id=["Z 1"],
            mine_id=["C1"],
            zone_type=["排土场"],
            start_year=[2020],
        ),
        tmp / "zones.gpkg",
    )
    out = tmp / "results"
    for args in (
        ["check", "prerequisite", "--mines", mines, "--id-field", "mine_id"]
        + ["--redline", redline, "--layer", f"admin={admin}", "--out", str(out / "prerequisite")],
        ["greening", "--mines", mines, "--id-field", "mine_id", "--image", str(image)]
        + ["--out", str(out / "greening")],
        ["restoration", "--zones", zones, "--id-field", "zone_id"]
        + ["--image", f"2020-07-01={image}", "--image", f"2021-07-01={image}"]
        + ["--out", str(out / "restoration")],
        ["maps", "--results", str(out), "--out", str(out)],
    ):
        r = greenmine(*args, "--no-progress") if args[0] == "check" else greenmine(*args)
        assert r.returncode == 0, r.stderr
    return out


def _images(page: str) -> list[str]:
    return re.findall(r"<img src='([^']+)'", page)


def _report(run_dir, mine_id: str) -> str:
    """The report linked from the index's row of ``mine_id`` (the row showing it as licence)."""
    index = (run_dir / "index.html").read_text("utf-8")
    (row,) = [r for r in index.split("<tr")[1:] if f'<td class="licence">{mine_id}</td>' in r]
    (href,) = re.findall(r"<a href='(reports/[^']+)'>报告 HTML</a>", row)
    return (run_dir / href).read_text("utf-8")


@pytest.mark.slow
def test_each_report_shows_its_own_greening_figure(run_dir):
    written = {p.resolve() for p in (run_dir / "greening").glob("greening_*.png")}
    shown = {}
    for mine_id in MINE_IDS:
        figures = [p for p in _images(_report(run_dir, mine_id)) if "/greening/" in p]
        assert len(figures) == 1, (mine_id, figures)
        shown[mine_id] = (run_dir / "reports" / figures[0]).resolve()
    assert set(shown.values()) == written and len(written) == len(MINE_IDS)
    for mine_id in MINE_IDS[:-1]:  # ids the file-name sanitiser leaves alone
        assert shown[mine_id].name == f"greening_{mine_id}.png"


@pytest.mark.slow
def test_a_zone_chart_is_shown_when_its_id_has_a_space(run_dir):
    charts = [p for p in _images(_report(run_dir, "C1")) if "/restoration/" in p]
    assert len(charts) == 1 and (run_dir / "reports" / charts[0]).resolve().exists()
