"""The demo data and pipeline: deterministic, and the demo run shows every special case."""

from __future__ import annotations

import fnmatch
import hashlib
import io
import json
import math
import os
import re
import subprocess
import sys
import warnings
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import openpyxl
import pandas as pd
import pytest

from greenmine_geo.checks.targets import QUOTA_2025
from greenmine_geo.demo import EXEMPTED_MINE, KEY_ZONES, write_demo_data
from greenmine_geo.io import read_layer
from greenmine_geo.maps.dashboard import OUTSIDE_ADMIN
from greenmine_geo.report.checklist import CHECK_NAMES

import browser
from conftest import REPO, greenmine


def test_generator_reproduces_the_committed_demo_data(tmp_path):
    write_demo_data(tmp_path)
    for name in (
        "redline.gpkg",
        "mines_cgcs2000.gpkg",
        "mines_gk3_cm117.shp",
        "landuse.gpkg",
        "mining_blocks.gpkg",
        "exploration_blocks.gpkg",
        "key_zones.gpkg",
        "restoration/zones.gpkg",
        "restoration/mine.gpkg",
    ):
        new, old = (
            read_layer(d / name, what="demo")[0] for d in (tmp_path, REPO / "data" / "demo")
        )
        pd.testing.assert_frame_equal(
            pd.DataFrame(new.drop(columns="geometry")), pd.DataFrame(old.drop(columns="geometry"))
        )
        assert new.geometry.geom_equals_exact(old.geometry, tolerance=1e-9).all(), name
    assert (tmp_path / "exemptions.csv").read_text("utf-8") == (
        REPO / "data/demo/exemptions.csv"
    ).read_text("utf-8")


def demo_mines() -> pd.DataFrame:
    """The attributes of the prerequisite demo's mines, from its four files.

    read_layer, not gpd.read_file: the shapefile is GBK without .cpg, which GDAL would garble.
    """
    files = (
        "mines_cgcs2000.gpkg",
        "mines_gk3_zone37.gpkg",
        "mines_gk3_cm117.shp",
        "mines_gk6_zone18.gpkg",
    )
    return pd.concat(
        read_layer(REPO / "data/demo" / f, what="m")[0].drop(columns="geometry") for f in files
    )


def all_verdicts(demo_run) -> pd.DataFrame:
    """The verdicts of both prerequisite steps: the demo layers' mines and the corner-point files'."""
    return pd.concat(
        pd.read_csv(demo_run / step / "prerequisite.csv", keep_default_na=False)
        for step in ("prerequisite", "prerequisite_boundaries")
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    cache = tmp_path_factory.mktemp("demo_cache")  # cold, as on a fresh machine
    r = greenmine(
        "run", str(REPO / "pipelines" / "demo.yaml"), "--out", str(out), "--no-progress",
        "--cache-dir", str(cache),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return out


def test_the_demo_tables_open_right_in_a_spreadsheet(demo_run):
    step = demo_run / "prerequisite"
    assert (step / "prerequisite.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(step / "prerequisite.csv", encoding="utf-8-sig", keep_default_na=False)
    mines = demo_mines()
    assert {"name", "mineral", "scale"} <= set(table.columns)  # the mines' own fields
    names = dict(zip(mines.mine_id, mines.name, strict=True))
    assert (table["name"] == table["mine_id"].map(names)).all()
    book = openpyxl.load_workbook(step / "prerequisite.xlsx", read_only=True)
    assert book.sheetnames == ["矿山", "冲突图斑", "规划区块重叠"]
    rows = list(book["矿山"].iter_rows(values_only=True))
    assert rows[0][:4] == ("矿山编号", "审查结论", "与红线关系", "矿区面积 (m²)")
    assert "盟市" in rows[0] and "name" in rows[0]
    assert [r[0] for r in rows[1:]] == table["mine_id"].tolist()
    words = {"PASS": "通过", "REVIEW": "需复核", "EXEMPT": "豁免", "FAIL": "不通过"}
    assert [r[1] for r in rows[1:]] == table["verdict"].map(words).tolist()
    for sheet in ("greening_patchy/greening.xlsx", "restoration/restoration.xlsx"):
        assert openpyxl.load_workbook(demo_run / sheet, read_only=True).sheetnames


def test_demo_pipeline_covers_the_special_cases(demo_run):
    t = pd.read_csv(demo_run / "prerequisite" / "prerequisite.csv", keep_default_na=False)
    mines = demo_mines()
    assert len(t) == len(mines) == mines.mine_id.nunique()
    names = dict(zip(mines.mine_id, mines.name, strict=True))
    t["name"] = t.mine_id.map(names)
    by_name = t.set_index("name")
    assert by_name.loc[EXEMPTED_MINE, "verdict"] == "EXEMPT"
    assert by_name.loc["示例萤石矿（与红线相接）", "contact"] == "touching"
    assert by_name.loc["示例铁矿（距红线10米）", "redline_distance_m"] == pytest.approx(
        10, abs=0.01
    )
    assert by_name.loc["示例石灰岩矿（避让湿地）", "verdict"] == "PASS"
    assert by_name.loc["示例煤矿（压占基本农田）", "verdict"] == "FAIL"
    assert by_name.loc["示例金矿（位于自然保护地）", "landuse_nature_reserve_overlap_pct"] > 99
    assert (t.reasons.str.contains("Self-intersection")).sum() == 3
    assert (t.shares_mining_block_with != "").sum() == 2
    assert set(t.league_city) - {""} <= {
        "呼和浩特市",
        "包头市",
        "乌海市",
        "赤峰市",
        "通辽市",
        "鄂尔多斯市",
        "呼伦贝尔市",
        "巴彦淖尔市",
        "乌兰察布市",
        "兴安盟",
        "锡林郭勒盟",
        "阿拉善盟",
    }
    assert t.key_zones.str.len().gt(0).sum() >= 18
    assert (
        json.loads((demo_run / "manifest.json").read_text("utf-8"))["steps"][0]["step"]
        == "prerequisite"
    )


def test_demo_key_zones_are_the_18_of_the_plan():
    zones = gpd.read_file(REPO / "data/demo/key_zones.gpkg")
    assert len(KEY_ZONES) == 18 and sorted(zones.name) == sorted(n for n, _, _ in KEY_ZONES)
    assert (zones.kind == "地热").sum() == 3


def test_demo_pipeline_measures_greening_of_the_three_imaged_mines(demo_run):
    from greenmine_geo.demo import GREENING_KINDS, GREENING_MINES

    mines = read_layer(REPO / "data/demo/mines_cgcs2000.gpkg", what="m")[0]
    ids = dict(zip(mines.name, mines.mine_id, strict=True))
    scores = []
    for name, kind in zip(GREENING_MINES, GREENING_KINDS, strict=True):
        table = pd.read_csv(demo_run / f"greening_{kind}" / "greening.csv").set_index("mine_id")
        row = table.loc[ids[name]]
        assert (demo_run / f"greening_{kind}" / f"greening_{ids[name]}.png").exists()
        scores.append(row.indicator6_score)
        if kind == "vegetated":
            assert row.indicator6_score == 2.0 and row.coverage_pct > 95
        elif kind == "patchy":
            # five square patches were drawn: 8 000, 3 920, 2 464, 432 and 192 m² (the last too small)
            assert row.bare_patches == 4 and row.indicator6_score == 0.0
            assert row.indicator6_reason.startswith("4 bare patches (14,816 m²) count 4 spots")
        else:  # almost bare: one patch, but the greenable area as a whole does not conform
            assert row.coverage_pct < 5 and row.indicator6_score == 0.0
            assert row.indicator6_reason.startswith("greenable area largely uncovered")
    assert GREENING_KINDS == ("vegetated", "patchy", "bare") and scores == sorted(scores)[::-1]


def test_demo_restoration_shows_each_status_and_the_outside_disturbance(demo_run):
    summary = pd.read_csv(demo_run / "restoration" / "restoration_summary.csv").set_index("zone_id")
    assert summary.status.to_dict() == {
        "DZ-1": "on_track",
        "WK-1": "lagging",
        "CC-1": "not_started",
    }
    series = pd.read_csv(demo_run / "restoration" / "restoration_timeseries.csv")
    left_out = series[~series.included]
    assert list(zip(left_out.zone_id, left_out.date, strict=True)) == [("WK-1", "2025-06-12")]
    wet = series[series.date.str.startswith("2023")].set_index("zone_id").reference_fvc_mean
    assert (wet > series.groupby("zone_id").reference_fvc_mean.median()[wet.index]).all()
    found = gpd.read_file(demo_run / "restoration" / "outside_disturbance.gpkg")
    assert len(found) == 1 and found.first_seen.iloc[0] == "2023-07-11"
    assert found.distance_m.iloc[0] == pytest.approx(100, abs=1)


def test_demo_index_reaches_every_map_and_output(demo_run):
    index = (demo_run / "index.html").read_text("utf-8")
    links = re.findall(r"href='([^']+)'", index)
    assert "maps/province.html" in links and any(link.startswith("maps/league_") for link in links)
    assert (
        "restoration/restoration_summary.csv" in links and "prerequisite/prerequisite.gpkg" in links
    )
    assert all((demo_run / link).exists() for link in links)


def test_maps_load_offline_in_a_real_browser_without_errors(demo_run):
    maps = [demo_run / "maps" / "province.html", *sorted((demo_run / "maps").glob("league_*.html"))]
    verdicts = all_verdicts(demo_run)
    assert len(maps) == 1 + verdicts.league_city.replace("", None).dropna().nunique()
    for page_file in maps:
        text = page_file.read_text("utf-8")
        # nothing fetched from a network: no script or stylesheet from elsewhere
        assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?:", text), page_file.name
        assert page_file.stat().st_size < 5 * 2**20, "simplified for display: a few MB at most"
        shot = demo_run / "screenshots" / f"{page_file.stem}.png"  # kept with the run, to look at
        shot.parent.mkdir(exist_ok=True)
        page = browser.load(page_file, shot)
        assert page.errors == [], (page_file.name, page.errors)
        expected = ["离线底图", "OpenStreetMap", "旗县区界", "矿山 mines"]
        if page_file.stem == "province":  # a league's map has the layers that reach it
            expected += [
                "生态保护红线",
                "重点勘查开采区",
                "开采规划区块",
                "勘查规划区块",
                "土地利用",
            ]
        for layer in expected:
            assert layer in page.dom, (page_file.name, layer)
        markers = len(re.findall(r'<path[^>]*class="greenmine-mine', page.dom))
        if page_file.stem == "province":
            assert markers == len(verdicts)
            assert "修复分区 restoration zones" in page.dom and "疑似越界" in page.dom
        else:
            league = page_file.stem.removeprefix("league_")
            assert markers >= (verdicts.league_city == league).sum() > 0
        image = plt.imread(shot)  # every map has its screenshot, and none is a blank box
        assert image.shape[:2] == (900, 1280) and image[..., :3].std() > 0.05


def test_print_maps_use_the_cjk_font_and_are_not_blank(demo_run):
    prints = demo_run / "maps" / "print"
    verdicts = all_verdicts(demo_run)
    leagues = {league for league in verdicts.league_city.dropna() if league}
    assert {p.stem for p in prints.glob("league_*.pdf")} == {f"league_{x}" for x in leagues}
    assert len(list(prints.glob("mine_*.png"))) == len(verdicts) + 1  # + the restoration mine
    for pdf in (prints / "league_包头市.pdf", next(prints.glob("mine_*.pdf"))):
        fonts = set(re.findall(rb"/BaseFont /(?:[A-Z]{6}\+)?([\w-]+)", pdf.read_bytes()))
        assert any(f.startswith(b"NotoSansCJKsc") for f in fonts), fonts  # the real font, embedded
        assert not any(b"DejaVu" in f for f in fonts - {b"DejaVuSans"}), fonts
    for png in (prints / "league_包头市.png", next(prints.glob("mine_*.png"))):
        image = plt.imread(png)
        assert image.shape[0] > 1000 and image[..., :3].std() > 0.05


def test_print_map_labels_have_no_missing_glyphs(demo_run):
    from greenmine_geo.maps.print_maps import league_print_map
    from greenmine_geo.run_results import load_results

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        fig = league_print_map(load_results(demo_run), "赤峰市")
        fig.savefig(io.BytesIO(), format="png")  # a tofu box: "Glyph … missing from font(s)"


def test_dashboard_counts_mines_against_quota_and_targets(demo_run):
    table = pd.read_csv(demo_run / "maps" / "dashboard.csv").set_index("league_city")
    assert table.loc["赤峰市", "quota_2025"] == 680
    verdicts = all_verdicts(demo_run)
    # the twelve leagues, then the demo's mine outside every admin unit: listed, not dropped
    outside = (verdicts.league_city == "").sum()
    assert list(table.index[:12]) == list(QUOTA_2025) and outside == 1
    assert table.index[12] == OUTSIDE_ADMIN and table.loc[OUTSIDE_ADMIN, "mines"] == outside
    mines = demo_mines().merge(
        verdicts[["mine_id", "league_city", "verdict"]], on="mine_id", how="right"
    )  # the corner-point files' mines carry no mineral or scale: counted, not geothermal
    mines = mines[~mines.mineral.fillna("").str.contains("地热")]
    for league, here in mines.groupby("league_city"):
        if not league:
            continue
        row = table.loc[league]
        assert row.mines == len(here) and (here.verdict == "FAIL").sum() == row.FAIL
        large = here[here.scale == "大型"]
        if len(large):
            on_list = (large.green_mine == "是").sum()
            assert row.large_green_pct == pytest.approx(100 * on_list / len(large), abs=0.01)
            assert row.large_gap == max(0, math.ceil(0.9 * len(large) - 1e-9) - on_list)
    page = (demo_run / "maps" / "dashboard.html").read_text("utf-8")
    assert "dashboard.png" in page and "2025" in page


def test_every_mine_has_a_report_reachable_from_the_index_and_the_maps(demo_run):
    index = (demo_run / "index.html").read_text("utf-8")
    verdicts = all_verdicts(demo_run)
    reports = sorted((demo_run / "reports").glob("*.html"))
    assert len(reports) == len(verdicts) + 1  # and the restoration demo's mine
    for page in reports:  # each as a page, a PDF and a Word file, all linked from the index
        for suffix in (".html", ".pdf", ".docx"):
            assert f"reports/{page.stem}{suffix}" in index, (page.stem, suffix)
    province = (demo_run / "maps" / "province.html").read_text("utf-8")
    assert province.count("../reports/") >= len(verdicts)  # a link in each mine's popup
    for page in reports:  # every link and image on every report resolves
        text = page.read_text("utf-8")
        for target in re.findall(r"(?:href|src)='([^']+)'", text):
            assert (page.parent / target).exists(), (page.name, target)


def test_report_gathers_verdict_greening_and_restoration_with_units_and_sources(demo_run):
    greening = pd.read_csv(demo_run / "greening_patchy" / "greening.csv")
    measured = greening[greening.indicator6_score.notna()].iloc[0]
    text = (demo_run / "reports" / f"{measured.mine_id}.html").read_text("utf-8")
    assert "通过" in text and "m²" in text and "公顷" in text and "亩" in text
    assert f"{measured.indicator6_score:.1f}" in text and f"{int(measured.bare_patches)}" in text
    sha = json.loads((demo_run / "greening_patchy" / "manifest.json").read_text("utf-8"))["inputs"]
    image_sha = next(i["sha256"] for i in sha if i["role"] == "image")
    assert image_sha[:16] in text  # the source of the figures, by content hash
    restoration_mine = gpd.read_file(REPO / "data/demo/restoration/mine.gpkg").mine_id.iloc[0]
    text = (demo_run / "reports" / f"{restoration_mine}.html").read_text("utf-8")
    for expected in (
        "DZ-1",
        "按计划推进",
        "滞后",
        "未开始",
        "疑似越界",
        "2023-07-11",
        "FVC/年",
    ):
        assert expected in text, expected


def test_the_demo_review_checklist_reaches_the_mine_report(demo_run):
    review = json.loads((demo_run / "review_patchy" / "review.json").read_text("utf-8"))
    assert review["overall"] in ("PASS", "WARN") and len(review["checks"]) == 11
    text = (demo_run / "reports" / f"{review['mine_id']}.html").read_text("utf-8")
    assert "greening_patchy.tif" in text and review["image_sha256"][:16] in text
    assert all(CHECK_NAMES[c["id"]][0] in text for c in review["checks"])  # in words


def test_every_prerequisite_step_reaches_the_maps_and_reports(demo_run):
    # the corner-point step's TXT boundary lies wholly inside the red line: a FAIL that the
    # maps, the reports, the index and the dashboard must all show
    second = pd.read_csv(demo_run / "prerequisite_boundaries" / "prerequisite.csv")
    failed = second[second.verdict == "FAIL"].iloc[0]
    assert failed.mine_id == "C1500002021081130045678" and failed.redline_overlap_pct == 100
    index = (demo_run / "index.html").read_text("utf-8")
    row = re.search(rf"<tr class=\"FAIL\">(?:(?!</tr>).)*{failed.mine_id}.*?</tr>", index, re.S)
    href = row and re.search(r"<a href='(reports/[^']+)'>报告 HTML</a>", row.group(0))
    assert href, "the index's row of the mine links its report"
    report = (demo_run / href.group(1)).read_text("utf-8")
    assert "不通过" in report and "阴山北麓防风固沙生态保护红线" in report
    assert failed.mine_id in (demo_run / "maps" / "province.html").read_text("utf-8")
    league = (demo_run / "maps" / f"league_{failed.league_city}.html").read_text("utf-8")
    assert failed.mine_id in league
    dashboard = pd.read_csv(demo_run / "maps" / "dashboard.csv").set_index("league_city")
    fails = all_verdicts(demo_run).query("league_city == @failed.league_city").verdict == "FAIL"
    assert dashboard.loc[failed.league_city, "FAIL"] == fails.sum() >= 1


def test_demo_reads_corner_point_boundary_files(demo_run):
    t = pd.read_csv(demo_run / "prerequisite_boundaries" / "prerequisite.csv")
    assert sorted(t.mine_id) == sorted(
        ["C1500002021081130045678", "C1500002019061230056789", "拐点坐标_C1500002020091530067890"]
    )
    by_id = t.set_index("mine_id")
    # TXT: 1.2 km square − 0.3 km hole + 0.6 km parcel = 1.71 km²; string: 1.5² − 0.4² = 2.09 km²
    assert by_id.loc["C1500002021081130045678", "mine_area_m2"] == pytest.approx(1.71e6, rel=2e-4)
    assert by_id.loc["C1500002019061230056789", "mine_area_m2"] == pytest.approx(2.09e6, rel=2e-4)
    manifest = json.loads(
        (demo_run / "prerequisite_boundaries" / "manifest.json").read_text("utf-8")
    )
    findings = [f for i in manifest["inputs"] if i["role"] == "mines" for f in i["findings"]]
    assert any("closed" in f for f in findings)  # the XLSX lists each corner once


_TIME = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)"


def _normalised(path) -> bytes:
    """A file's bytes with the recorded times of :data:`RECORDED_TIMES` blanked, and the
    hashes a manifest keeps of files that hold such times."""
    from greenmine_geo.io.clock import RECORDED_TIMES

    def timed(name: str) -> bool:
        return any(fnmatch.fnmatch(name, p) for p in RECORDED_TIMES if "/" not in p)

    data = path.read_bytes()
    if path.name == "manifest.json":
        record = json.loads(data)
        for key in RECORDED_TIMES[path.name]:
            record.pop(key, None)
        for output in record.get("outputs", []):
            if timed(Path(output["path"]).name):
                output.pop("sha256")
        return json.dumps(record, sort_keys=True).encode()
    if path.suffix == ".pdf":
        return re.sub(rb"/CreationDate \(D:[^)]*\)", b"", data)
    if path.suffix in (".xlsx", ".docx"):  # a ZIP: its members' contents, core.xml's times blanked
        with zipfile.ZipFile(path) as book:
            return b"".join(
                name.encode() + re.sub(_TIME, b"TIME", book.read(name))
                for name in sorted(book.namelist())
            )
    if timed(path.name):  # a GeoPackage's last_change, a review's time
        return re.sub(_TIME, b"TIME", data)
    return data


@pytest.mark.slow
def test_the_demo_run_twice_writes_the_same_bytes_apart_from_recorded_times(demo_run, tmp_path):
    # another day's clock and a cold cache of its own: only RECORDED_TIMES may differ
    noon = datetime.combine(date.today(), datetime.min.time()) + timedelta(hours=12)
    env = {
        **os.environ,
        "SOURCE_DATE_EPOCH": str(int(noon.timestamp())),
        "GREENMINE_CACHE_DIR": str(tmp_path / "cache"),
    }
    again = tmp_path / demo_run.name
    r = subprocess.run(
        [sys.executable, "-m", "greenmine_geo", "run", str(REPO / "pipelines" / "demo.yaml")]
        + ["--out", str(again), "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr

    def files(root):
        return {
            p.relative_to(root).as_posix(): p
            for p in root.rglob("*")
            if p.is_file() and not p.name.startswith(".") and "screenshots" not in p.parts
        }

    first, second = files(demo_run), files(again)
    assert sorted(first) == sorted(second)
    differ = [k for k in first if _normalised(first[k]) != _normalised(second[k])]
    assert differ == []
    for manifest in demo_run.glob("*/manifest.json"):  # the recorded hashes are sha256sum's
        for output in json.loads(manifest.read_text("utf-8"))["outputs"]:
            data = (manifest.parent / output["path"]).read_bytes()
            assert output["sha256"] == hashlib.sha256(data).hexdigest(), output["path"]
