"""The documents a bureau files: each mine's review report and each league's batch summary,
as HTML, PDF and Word, checked by opening them as a reviewer's software does (python-docx,
a PDF's text layer and fonts), on a run whose answers are computed by hand here."""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import docx
import geopandas as gpd
import pypdf
import pytest
import shapely
from shapely.geometry import Polygon

import greenmine_geo as gm
from greenmine_geo.io.corner_points import read_corner_file
from greenmine_geo.report.corner_table import corner_table
from greenmine_geo.report.pdf import document_pdf, picture_url

from conftest import E0, N0, REPO, gk_box, layer, write

#: The mine that overlaps the red line: 1000 m × 1000 m, 400 m of it over the red line,
#: with a 100 m × 100 m hole (outside the red line).
HOLE = [(E0 + 1300, N0 + 300), (E0 + 1300, N0 + 400), (E0 + 1400, N0 + 400), (E0 + 1400, N0 + 300)]
FAILING = Polygon(gk_box(600, 0, 1600, 1000).exterior.coords, [HOLE])
NAME = "测试萤石矿\x07一号"  # a control character, as pasted from another program


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """Three mines in GK zone 37 (EPSG:4525): one over the red line, one clear of it, one
    outside every admin unit; the atlas of the run."""
    root = tmp_path_factory.mktemp("documents")
    mines = layer(
        [FAILING, gk_box(3000, 0, 4000, 500), gk_box(40_000, 0, 40_500, 500)],
        mine_id=["C1", "C2", "C3"],
        矿山名称=[NAME, "测试二号", "测试三号"],
        采矿许可证号=["C150000000000000001", "C150000000000000002", "C150000000000000003"],
        采矿权人=["某某矿业有限公司", "乙公司", "丙公司"],
        申报批次=["2026年第一批", "2026年第一批", "2026年第二批"],
    )
    redline = layer([gk_box(0, 0, 1000, 1000)], name=["测试生态保护红线"])
    admin = layer(
        [gk_box(-5000, -5000, 10_000, 5000)], league_city=["测试盟"], banner_county=["测试旗"]
    )
    paths = {n: write(g, root / f"{n}.gpkg") for n, g in (("mines", mines), ("admin", admin))}
    results = root / "results"
    gm.check_prerequisite(
        paths["mines"],
        write(redline, root / "redline.gpkg"),
        layers={"admin": paths["admin"]},
        out=results / "prerequisite",
    )
    gm.maps(results, out=results)
    return results


def _tables(path: Path) -> dict[str, list[list[str]]]:
    """A Word file's tables by their first header cell, as text."""
    book = docx.Document(str(path))
    return {
        t.rows[0].cells[0].text: [[c.text for c in r.cells] for r in t.rows] for t in book.tables
    }


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_word_report_holds_the_overlay_table_in_m2_hectares_and_mu(run):
    tables = _tables(run / "reports" / "C1.docx")
    overlay = tables["图层（地类）"]
    assert overlay[0] == [
        "图层（地类）",
        "面积 (m²)",
        "面积（公顷）",
        "面积（亩）",
        "占矿区比例 (%)",
        "涉及要素",
    ]
    red = next(r for r in overlay if r[0] == "生态保护红线")
    # 400 m × 1000 m of the mine lie over the red line: 400,000 m² = 40 公顷 = 600 亩; the mine
    # is 1000 m × 1000 m less its 100 m × 100 m hole: 990,000 m²
    assert _number(red[1]) == pytest.approx(400_000, rel=1e-5)
    assert _number(red[2]) == pytest.approx(40.0, abs=0.01)
    assert _number(red[3]) == pytest.approx(600.0, abs=0.01)
    assert _number(red[4]) == pytest.approx(100 * 400_000 / 990_000, abs=0.01)
    assert red[5] == "测试生态保护红线"


def test_the_word_report_has_the_header_block_conclusion_and_sign_off(run):
    book = docx.Document(str(run / "reports" / "C1.docx"))
    header = {r.cells[0].text: r.cells[1].text for r in book.tables[0].rows}
    assert header["矿山名称"] == "测试萤石矿\ufffd一号"  # the control character made safe
    assert header["采矿许可证号"] == "C150000000000000001"
    assert header["采矿权人"] == "某某矿业有限公司"
    assert header["所在盟市"] == "测试盟" and header["所在旗县（区）"] == "测试旗"
    assert header["申报批次"] == "2026年第一批"
    assert re.fullmatch(r"[0-9a-f]{64}", header["运行标识（清单SHA-256）"])
    text = "\n".join(p.text for p in book.paragraphs)
    assert "不通过" in text  # the verdict under 先决条件
    headings = [p.text for p in book.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0].startswith("一、先决条件") and headings[-1] == "审查意见"
    assert "审查人（签字）" in _tables(run / "reports" / "C1.docx")
    assert book.inline_shapes, "the overlay map is in the document"
    assert book.inline_shapes[0].width.mm == pytest.approx(170, abs=0.5)  # the text width


def test_the_corner_table_equals_the_boundary_in_its_gk_zone(run):
    rows = _tables(run / "reports" / "C1.docx")["地块"][1:]
    got = [(r[1], int(r[2]), _number(r[3]), _number(r[4])) for r in rows]
    # outer ring clockwise from the north-west corner, then the hole anticlockwise from its
    # north-west corner; X = northing, Y = zone-prefixed easting (zone 37)
    x0, x1, y0, y1 = N0, N0 + 1000, E0 + 600, E0 + 1600
    outer = [(x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    hole = [
        (N0 + 400, E0 + 1300),
        (N0 + 300, E0 + 1300),
        (N0 + 300, E0 + 1400),
        (N0 + 400, E0 + 1400),
    ]
    want = [("外环", k, x, y) for k, (x, y) in enumerate(outer, 1)]
    want += [("内环1（扣除）", k, x, y) for k, (x, y) in enumerate(hole, 1)]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert (
            g[:2] == w[:2]
            and g[2] == pytest.approx(w[2], abs=0.001)
            and g[3] == pytest.approx(w[3], abs=0.001)
        )


def test_corner_points_come_back_as_the_licence_file_wrote_them(tmp_path):
    # the demo's GBK corner file, zone 37: its points against the table of the polygon the
    # pipeline made of it (densified for reprojection, stored in EPSG:4490)
    path = REPO / "data/demo/boundaries/C1500002021081130045678.txt"
    mines = gm.convert_boundary([path], tmp_path / "boundary.gpkg").boundaries
    table = corner_table(shapely.union_all(mines.geometry.to_numpy()), mines.crs)
    assert table.zone == 37 and table.epsg == 4525
    written = {
        (round(x, 2), round(y, 2))
        for parcel in read_corner_file(path).parcels
        for ring in parcel.rings
        for _, x, y in ring.points
    }
    assert {(round(p.x, 2), round(p.y, 2)) for p in table.points} == written


def test_the_pdf_has_chinese_text_and_embedded_fonts(run):
    pdf = pypdf.PdfReader(run / "reports" / "C1.pdf")
    text = "".join(page.extract_text() for page in pdf.pages)
    for heading in (
        "先决条件审查结论",
        "压占分析表",
        "拐点坐标表",
        "叠加分析图",
        "数据来源",
        "审查意见",
        "公顷",
        "亩",
    ):
        assert heading in text, heading
    assert any("/XObject" in page["/Resources"] for page in pdf.pages), "the overlay map is printed"
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font[
                "/BaseFont"
            ]


def test_the_batch_summary_lists_each_league_s_mines_and_the_unplaced_one(run):
    league = _tables(run / "reports" / "batch" / "测试盟.docx")
    rows = league["序号"][1:]
    assert [(r[1], r[2], r[4]) for r in rows] == [
        ("测试萤石矿\ufffd一号", "C150000000000000001", "不通过"),
        ("测试二号", "C150000000000000002", "通过"),
    ]
    assert _number(rows[0][5]) == pytest.approx(40.0, abs=0.01)  # 公顷 over the red line
    unplaced = _tables(run / "reports" / "batch" / "未落入盟市.docx")["序号"][1:]
    assert [r[2] for r in unplaced] == ["C150000000000000003"]
    text = pypdf.PdfReader(run / "reports" / "batch" / "测试盟.pdf").pages[0].extract_text()
    assert "汇总表" in text and "测试二号" in text
    index = (run / "index.html").read_text("utf-8")
    for name in (
        "batch/测试盟.pdf",
        "batch/测试盟.docx",
        "C1.pdf",
        "C1.docx",
        "batch/未落入盟市.docx",
    ):
        assert f"reports/{name}" in index, name


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_printing_a_page_fetches_nothing_but_the_run_s_own_pictures(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "outside" / "secret.png"
    secret.parent.mkdir()
    secret.write_bytes(b"\x89PNG not for the report")
    here = tmp_path / "run" / "reports"
    here.mkdir(parents=True)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    html = (
        "<html><head><meta charset='utf-8'>"
        f"<link rel='stylesheet' href='{url}/style.css'></head><body><p>审查意见</p>"
        f"<img src='{url}/x.png'><img src='{secret.as_uri()}'><img src='file:///etc/passwd'>"
        "<img src='../../outside/secret.png'></body></html>"
    )
    html = html.replace(
        "</body>", f"<img src='{picture_url(here / '../../outside/secret.png', [here])}'></body>"
    )
    pdf = document_pdf(html, [tmp_path / "run"])
    server.shutdown()
    assert pdf.startswith(b"%PDF") and _Counting.hits == []
    assert b"not for the report" not in pdf


def test_the_documents_are_english_with_lang_en(tmp_path, run):
    out = tmp_path / "en"
    gm.maps(run, out=out, lang="en")
    book = docx.Document(str(out / "reports" / "C1.docx"))
    headings = [p.text for p in book.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "1. Prerequisite (mining area)" and headings[-1] == "Review opinion"
    assert "Overlay analysis" in [p.text for p in book.paragraphs]


def test_the_word_file_is_the_same_bytes_under_source_date_epoch(run, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764763200")
    first, second = tmp_path / "a", tmp_path / "b"
    gm.maps(run, out=first)
    gm.maps(run, out=second)
    for name in ("C1.docx", "C1.pdf", "batch/测试盟.docx"):
        assert (first / "reports" / name).read_bytes() == (second / "reports" / name).read_bytes()
    assert (
        gpd.read_file(run / "prerequisite" / "prerequisite.gpkg", layer="mines").crs.to_epsg()
        == 4490
    )
