"""Hostile tables: workbook bombs, mixed encodings and absurd numbers get one line each.

Every file is made here. The workbooks start as a real one written by openpyxl and have
one part replaced, as an attacker would: a cell at XFD1048576, an 800 MB sheet deflated to
about 2 MB, an entity declaration; plus the OLE files Excel writes for ``.xls`` and
password-protected workbooks. Text files mix UTF-8 and GBK lines, hold NUL bytes, or
write ``nan``/``inf``/``1e300`` for coordinates. Each is given to the corner-point reader
and, where it applies, to ``greenmine convert-boundary``, which must exit 2 with one line.
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from greenmine_geo.errors import InputError
from greenmine_geo.io.corner_points import read_corner_file
from greenmine_geo.io.limits import InputLimits
from greenmine_geo.io.portable import peak_rss_mib
from greenmine_geo.io.tables import read_exemptions, read_plan_table
from greenmine_geo.io.text import decode_text
from greenmine_geo.io.xlsx import read_sheet

from conftest import greenmine

N0, E0 = 4_500_000.0, 37_500_000.0
SQUARE = [(N0, E0), (N0 + 500, E0), (N0 + 500, E0 + 500), (N0, E0 + 500)]


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def corner_rows() -> list[list[object]]:
    return [["点号", "X", "Y"], *([f"J{k + 1}", x, y] for k, (x, y) in enumerate(SQUARE))]


def replace_part(path: Path, name: str, write) -> Path:
    """``path`` with its part ``name`` replaced by what ``write(file)`` streams into it."""
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist() if i.filename != name}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for part, data in parts.items():
            out.writestr(part, data)
        with out.open(name, "w", force_zip64=True) as f:
            write(f)
    return path


def sheet_xml(rows: bytes, dimension: str = "A1:C5") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + f'<dimension ref="{dimension}"/>'.encode()
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def refused(path: Path, match: str) -> str:
    """The error of ``convert-boundary`` on ``path``: exit 2, one line matching ``match``."""
    r = greenmine(
        "convert-boundary", str(path), "--datum", "cgcs2000", "--out", str(path.parent / "out.gpkg")
    )
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert not (path.parent / "out.gpkg").exists() and re.search(match, lines[0]), lines
    return lines[0]


def test_a_genuine_corner_workbook_reads_exactly(tmp_path):
    path = workbook(tmp_path / "角点.xlsx", corner_rows())
    parcel = read_corner_file(path).parcels[0]
    assert [p[1:] for p in parcel.rings[0].points] == SQUARE
    r = greenmine(
        "convert-boundary", str(path), "--datum", "cgcs2000", "--out", str(tmp_path / "b.gpkg")
    )
    assert r.returncode == 0, r.stderr


def test_a_stray_cell_at_xfd1048576_is_refused_in_one_line(tmp_path):
    rows = [*corner_rows(), *[[None]] * 3]
    path = workbook(tmp_path / "stray.xlsx", rows)
    book = openpyxl.load_workbook(path)
    book.active["XFD1048576"] = "x"
    book.save(path)
    started = time.monotonic()
    message = refused(path, "max_table_cells|table cells")
    assert "1,048,576 rows × 16,384 columns" in message and "GREENMINE_MAX_TABLE_CELLS" in message
    assert time.monotonic() - started < 30


def test_a_sheet_whose_dimension_lies_is_bounded_while_reading(tmp_path):
    # the <dimension> claims A1:C5 but the cells run to row 400 000
    row = b'<row><c t="inlineStr"><is><t>1</t></is></c><c><v>1</v></c><c><v>2</v></c></row>'
    path = replace_part(
        workbook(tmp_path / "liar.xlsx", corner_rows()),
        "xl/worksheets/sheet1.xml",
        lambda f: f.write(sheet_xml(row * 400_000)),
    )
    limits = InputLimits(max_table_cells=1_000_000)
    with pytest.raises(InputError, match="1,000,00[0-9] table cells, above the bound"):
        read_sheet(path, limits)


@pytest.mark.skipif(peak_rss_mib() is None, reason="peak memory comes from POSIX getrusage")
def test_an_800_mb_sheet_packed_into_2_mb_is_refused_before_it_is_unzipped(tmp_path):
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 1000

    def bomb(f):
        for _ in range(800 * 2**20 // len(row)):
            f.write(row)

    path = replace_part(
        workbook(tmp_path / "bomb.xlsx", corner_rows()), "xl/worksheets/sheet1.xml", bomb
    )
    assert path.stat().st_size < 3 * 2**20
    before = peak_rss_mib()
    started = time.monotonic()
    message = refused(path, "unzipped has")
    assert "GREENMINE_MAX_TABLE_BYTES" in message and time.monotonic() - started < 20
    assert peak_rss_mib() - before < 100  # MiB


def test_entities_old_xls_and_encrypted_workbooks_are_refused(tmp_path):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>&lol2;</t></si></sst>"
    )
    path = replace_part(
        workbook(tmp_path / "laughs.xlsx", corner_rows()),
        "xl/sharedStrings.xml",
        lambda f: f.write(laughs),
    )
    assert "DOCTYPE" in refused(path, "DOCTYPE")
    ole = tmp_path / "old.xls"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    assert "save it as .xlsx" in refused(ole, "old .xls or password-protected")
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"<html><table><tr><td>X</td></tr></table></html>")
    refused(fake, "not a ZIP archive")


def test_duplicate_and_blank_headers_in_a_workbook(tmp_path):
    path = workbook(tmp_path / "twice.xlsx", [["X", "X", "Y"], [1, 2, 3]])
    with pytest.raises(InputError, match="X named twice"):
        read_sheet(path)
    frame = read_sheet(workbook(tmp_path / "blank.xlsx", [["X", None, "Y"], [1.5, None, 2]]))
    assert list(frame.columns) == ["X", "column 2", "Y"]
    assert frame.iloc[0].tolist() == ["1.5", "", "2"]


def test_a_corner_file_with_utf8_and_gbk_lines_is_refused_not_garbled(tmp_path):
    body = "[属性描述]\n坐标系=2000国家大地坐标系\n带号=37\n[地块坐标]\n"
    lines = [f"J{k + 1},1,{x:.3f},{y:.3f}" for k, (x, y) in enumerate(SQUARE)]
    parcel = "4,,1,东区,面,,,@\n" + "\n".join(lines) + "\n"
    path = tmp_path / "mixed.txt"
    path.write_bytes(body.encode("gbk") + parcel.encode("utf-8"))
    message = refused(path, "mixes encodings")
    assert "line 5 is UTF-8 but line 1 is not" in message
    for encoding in ("gbk", "utf-8", "utf-8-sig", "utf-16"):  # each alone reads right
        path.write_bytes((body + parcel).encode(encoding))
        assert read_corner_file(path).parcels[0].name == "东区"


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("nan", "not a finite number"),
        ("inf", "not a finite number"),
        ("-Infinity", "not a finite number"),
        ("1e300", "outside Inner Mongolia|neither a 3° zone"),
        ("1_000", "is not a number"),
    ],
)
def test_coordinates_that_are_not_finite_or_absurd(tmp_path, value, match):
    rows = ["点号,X,Y", *(f"J{k + 1},{x},{y}" for k, (x, y) in enumerate(SQUARE))]
    rows[2] = f"J2,{value},{E0}"
    path = tmp_path / "corners.csv"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    refused(path, match)


def test_text_that_is_binary_or_too_large(tmp_path):
    with pytest.raises(InputError, match="NUL bytes"):
        decode_text(b"X,Y\n1,2\x00\n", "f")
    with pytest.raises(InputError, match="SQLite database"):
        decode_text(b"SQLite format 3\x00" + bytes(100), "f")
    with pytest.raises(InputError, match="neither UTF-8, GBK nor GB18030"):
        decode_text(b"X\n\x80\xff\n", "f")
    big = tmp_path / "big.csv"
    big.write_bytes(b"zone_id,year,target_fvc\n" + b"A,2020,0.5\n" * 200_000)
    with pytest.raises(InputError, match="GREENMINE_MAX_TABLE_BYTES"):
        read_plan_table_bounded(big, InputLimits(max_table_bytes=2**20))


def read_plan_table_bounded(path: Path, limits: InputLimits):
    """read_plan_table under ``limits`` given as the environment would give them."""
    import os

    os.environ["GREENMINE_MAX_TABLE_BYTES"] = str(limits.max_table_bytes)
    try:
        return read_plan_table(path)
    finally:
        del os.environ["GREENMINE_MAX_TABLE_BYTES"]


def test_plan_and_exemption_tables_refuse_absurd_values(tmp_path):
    plan = tmp_path / "plan.csv"
    for bad in ("1e300", "inf", "nan", "2020.5", "-3"):
        plan.write_text(f"zone_id,year,target_fvc\nA,{bad},0.5\n", "utf-8")
        with pytest.raises(InputError, match="no valid year"):
            read_plan_table(plan)
    plan.write_text("zone_id,year,target_fvc\nA,2021,1e300\n", "utf-8")
    with pytest.raises(InputError, match="no valid target_fvc"):
        read_plan_table(plan)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="not a readable CSV"):
        read_exemptions(empty)
