"""Property-based fuzzing of the readers applicants' files reach: any bytes give a result or
the package's own error (a :class:`GreenmineError`, which the CLI prints as one line),
never another exception, and each case ends within its deadline.

Covered: the corner-point reader and the polygon builder behind ``convert-boundary`` (raw
bytes, and near-valid files of each of the three formats with hostile numbers, counts and
encodings), the CSV tables (plans, exemptions), the XLSX reader (genuine workbooks with
bytes flipped, and random cells read back exactly) and the Gauss-Krüger frame inference
(any floats, any declared zone and width).

The examples are derandomised so CI is repeatable; ``HYPOTHESIS_PROFILE=explore`` runs
many more, freshly drawn, when hunting.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenmine_geo.checks.boundary import ConversionOptions, to_polygons
from greenmine_geo.crs import GkFrame, infer_gk_frame
from greenmine_geo.errors import CRSError, GreenmineError, InputError
from greenmine_geo.io.corner_points import read_corner_file
from greenmine_geo.io.tables import read_exemptions, read_plan_table
from greenmine_geo.io.xlsx import read_sheet

_COMMON = {"deadline": timedelta(seconds=5), "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("fuzz-ci", max_examples=120, derandomize=True, **_COMMON)
settings.register_profile("explore", max_examples=3000, **_COMMON)
FUZZ = settings(settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz-ci")))

_DIR = tempfile.TemporaryDirectory(prefix="greenmine-fuzz-")
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"]


def _file(name: str, data: bytes) -> Path:
    path = Path(_DIR.name) / name
    path.write_bytes(data)
    return path


def _convert_or_refuse(path: Path) -> None:
    """Read and convert ``path`` as ``convert-boundary`` does; only our errors may escape."""
    with contextlib.suppress(GreenmineError):
        to_polygons(read_corner_file(path), ConversionOptions(datum="cgcs2000"))


hostile_number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["", " ", "1e300", "-1e-300", "nan", "inf", "0x10", "1_000", "١٢٣", "1,5"]),
    st.text(max_size=6),
)
northing = st.one_of(st.floats(4.40e6, 4.42e6).map(lambda v: f"{v:.3f}"), hostile_number)
easting = st.one_of(st.floats(37.45e6, 37.55e6).map(lambda v: f"{v:.3f}"), hostile_number)
count = st.one_of(st.integers(-3, 12).map(str), hostile_number)
name = st.text(st.characters(codec="gb18030", exclude_categories=["Cs"]), max_size=8)


@st.composite
def sectioned_txt(draw) -> str:
    header = "[属性描述]\n" + "".join(
        f"{key}={draw(st.one_of(count, name))}\n"
        for key in draw(st.lists(st.sampled_from(["坐标系", "带号", "几度分带", "计量单位"])))
    )
    parcels = []
    for _ in range(draw(st.integers(0, 3))):
        head = ",".join([draw(count), draw(hostile_number), draw(count), draw(name), "面"])
        points = [
            f"{draw(name)},{draw(count)},{draw(northing)},{draw(easting)}"
            for _ in range(draw(st.integers(0, 7)))
        ]
        parcels.append("\n".join([f"{head},,,@", *points]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join([header + "[地块坐标]", *parcels]) + newline


@st.composite
def mining_right_string(draw) -> str:
    tokens = [draw(count)]
    for _ in range(draw(st.integers(0, 3))):
        n = draw(st.integers(0, 6))
        tokens.append(draw(st.one_of(st.just(str(n)), count)))
        for k in range(n):
            tokens += [str(k + 1), draw(northing), draw(easting)]
        tokens += [draw(count), draw(count), "", draw(st.sampled_from(["1", "-1", "0", "2"]))]
    return draw(st.sampled_from([",", "，"])).join(tokens)


@st.composite
def corner_list_csv(draw) -> str:
    columns = draw(
        st.lists(
            st.sampled_from(["点号", "X", "Y", "圈号", "地块", "北坐标", "东坐标", "x"]), max_size=5
        )
    )
    rows = [
        ",".join(draw(st.one_of(northing, easting, count)) for _ in columns)
        for _ in range(draw(st.integers(0, 8)))
    ]
    return "\n".join([",".join(columns), *rows])


@FUZZ
@given(data=st.binary(max_size=2048), suffix=st.sampled_from([".txt", ".csv", ".xlsx", ".xls"]))
def test_corner_reader_survives_any_bytes(data, suffix):
    _convert_or_refuse(_file(f"any{suffix}", data))


@FUZZ
@given(
    text=st.one_of(sectioned_txt(), mining_right_string(), corner_list_csv()),
    encoding=st.sampled_from(ENCODINGS),
)
def test_corner_reader_and_builder_survive_near_valid_files(text, encoding):
    suffix = ".csv" if text.split("\n", 1)[0].isascii() and "[" not in text else ".txt"
    _convert_or_refuse(_file(f"near{suffix}", text.encode(encoding, errors="replace")))


@FUZZ
@given(
    header=st.sampled_from(
        ["zone_id,year,target_fvc", "mine_id,reason,document,layer", "矿山编号,理由,文号", "a"]
    ),
    rows=st.lists(st.lists(st.one_of(hostile_number, name), max_size=5), max_size=6),
    encoding=st.sampled_from(ENCODINGS),
    noise=st.binary(max_size=16),
)
def test_table_readers_survive_any_table(header, rows, encoding, noise):
    text = "\n".join([header, *(",".join(r) for r in rows)])
    for data in (text.encode(encoding, errors="replace"), noise + text.encode("utf-8")):
        path = _file("table.csv", data)
        for reader in (read_plan_table, read_exemptions):
            with contextlib.suppress(InputError):
                reader(path)


def _workbook(cells: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in cells:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_GENUINE = _workbook([["点号", "X", "Y"], ["J1", 4410000.5, 37500000], ["J2", 4410100, 37500100]])
cell = st.one_of(
    st.none(),
    st.integers(-(2**53), 2**53),
    st.floats(
        -1e300, 1e300
    ),  # openpyxl writes 15 digits: near the float maximum it rounds up to inf
    # openpyxl writes "=…" as a formula, whose value only a spreadsheet program computes
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=10).filter(
        lambda t: not t.startswith("=")
    ),
)


@FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(0, len(_GENUINE) - 1), st.integers(0, 255)), max_size=8)
)
def test_xlsx_reader_survives_corrupted_workbooks(flips):
    data = bytearray(_GENUINE)
    for at, value in flips:
        data[at] = value
    path = _file("flipped.xlsx", bytes(data))
    with contextlib.suppress(InputError):
        read_sheet(path)
    _convert_or_refuse(path)


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=2, max_size=4), min_size=2, max_size=6))
def test_xlsx_reader_reads_back_what_was_written(rows):
    header = [f"h{k}" for k in range(max(len(r) for r in rows))]
    path = _file("cells.xlsx", _workbook([header, *rows]))
    frame = read_sheet(path)
    for got, row in zip(frame.itertuples(index=False), rows, strict=False):
        for text, value in zip(got, row, strict=False):
            if value is None or value == "":
                assert text == ""
            elif isinstance(value, float):
                assert math.isclose(float(text), value, rel_tol=1e-14)  # Excel keeps 15 digits
            elif isinstance(value, str):
                assert text == value.strip() or text == value
            else:
                assert text == str(value)


coordinate = st.floats(allow_nan=True, allow_infinity=True, width=64)


@FUZZ
@given(
    xs=st.lists(coordinate, max_size=12),
    ys=st.lists(coordinate, max_size=12),
    zones=st.tuples(*[st.one_of(st.none(), st.integers(-(10**12), 10**12))] * 4),
)
def test_gk_frame_inference_survives_any_numbers(xs, ys, zones):
    declared_zone, declared_width, given_zone, given_width = zones
    try:
        frame = infer_gk_frame(
            np.array(xs, dtype=float),
            np.array(ys, dtype=float),
            declared_zone=declared_zone,
            declared_width=declared_width,
            given_zone=given_zone,
            given_width=given_width,
        )
    except CRSError:
        return
    assert isinstance(frame, GkFrame) and frame.width in (3, 6)
    assert (frame.width == 3 and 25 <= frame.zone <= 45) or (
        frame.width == 6 and 13 <= frame.zone <= 23
    )


@pytest.fixture(scope="module", autouse=True)
def _clean_up():
    yield
    _DIR.cleanup()
