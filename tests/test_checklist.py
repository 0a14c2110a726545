"""The review checklist in words (report/checklist.py): every check has a name, Chinese
findings and evidence in words, from checks made by the review's own check functions."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyproj
import pytest

from greenmine_geo.config.settings import ReviewSettings
from greenmine_geo.imagery import review as rv
from greenmine_geo.imagery.scan import AoiScan
from greenmine_geo.io.untrusted import UntrustedRasterError
from greenmine_geo.report.checklist import (
    CHECK_NAMES,
    EVIDENCE_WORDS,
    checklist_rows,
    evidence_text,
)
from greenmine_geo.types import CheckStatus

S = ReviewSettings(review_from=date(2025, 1, 1), review_to=date(2026, 12, 31))


def _aoi(**counts: int) -> AoiScan:
    hist = np.zeros(200)
    hist[150] = 100  # NDVI 0.5: vegetation
    base = dict(
        aoi_pixels=100,
        aoi_valid=100,
        outside_extent_fraction=0.0,
        mine_pixels=100,
        mine_nodata=0,
        mine_saturated=0,
        mine_cloudlike=0,
        mine_qa_cloud=0,
        looks_green=10,
        looks_green_low_ndvi=0,
        ndvi_hist=hist,
    )
    return AoiScan(**(base | counts))  # type: ignore[arg-type]


def _checks() -> list[rv.Check]:
    """Checks of every id, in each status they can take, made by the review's functions."""
    gk = pyproj.CRS.from_epsg(4528)
    rgbn = {"blue": 1, "green": 2, "red": 3, "nir": 4}
    entry = {"submission": "s1", "image": "a.tif", "mine_id": "M1", "claimed_date": None}
    current = {"pixel_sha256": "ab", "phash": "0" * 16, "band_percentiles": [[1, 2, 3]]}
    summer, early = date(2026, 7, 1), date(2026, 2, 1)
    tags = {"ACQUISITIONDATETIME": "2024-07-01"}
    return [
        *rv.not_decoded("the decoder crashed"),
        *rv.refused(UntrustedRasterError("dimensions", "too big", {"width": 9, "height": 9}), []),
        rv.check_crs(gk),
        rv.check_crs(pyproj.CRS.from_epsg(4326)),
        rv.check_crs(None),
        rv.check_coverage(_aoi(), S),
        rv.check_coverage(_aoi(aoi_valid=10), S),
        rv.check_resolution((0.8, 0.8), S),
        rv.check_resolution((5.0, 5.0), S),
        rv.check_bands(rgbn, 4, False, _aoi(), S),
        rv.check_bands({"red": 1}, 3, True, None, S),
        rv.check_bands({"red": 1, "nir": 9}, 4, False, None, S),
        rv.check_bands(rgbn, 4, False, None, S),
        rv.check_date({}, summer, S),
        rv.check_date({}, None, S),
        rv.check_date(tags, summer, S),
        rv.check_date({}, date(2020, 7, 1), S),
        rv.check_date({}, early, S),
        rv.check_nodata_cloud(_aoi(), S),
        rv.check_nodata_cloud(_aoi(mine_cloudlike=7), S),
        rv.check_nodata_cloud(_aoi(mine_nodata=50), S),
        rv.check_duplicate(current, [], "M1", summer, S),
        rv.check_duplicate(current, [{**entry, **current}], "M2", summer, S),
        rv.check_spectral(_aoi(), rgbn, S),
        rv.check_spectral(_aoi(looks_green_low_ndvi=9), rgbn, S),
        rv.check_spectral(_aoi(), {"red": 1, "nir": 2}, S),
    ]


def _result(checks: list[rv.Check]) -> rv.ReviewResult:
    return rv.ReviewResult(rv.overall(checks), "M1", "a.tif", "0", checks, {}, "", "")


def test_every_check_has_a_name_and_chinese_findings() -> None:
    checks = _checks()
    assert set(CHECK_NAMES) == set(rv.CHECK_IDS)
    assert {c.id for c in checks} == set(rv.CHECK_IDS)
    assert {c.status for c in checks} == set(CheckStatus)
    for check, row in zip(checks, checklist_rows(_result(checks)), strict=True):
        assert row.check_id == check.id and row.code == check.status.value
        assert row.finding != check.message, check.message  # a Chinese finding, not the message
        assert any("\u4e00" <= ch <= "\u9fff" for ch in row.finding + row.name + row.status)


def test_every_evidence_key_has_words() -> None:
    keys = {k for c in _checks() for k in c.evidence}
    assert keys - set(EVIDENCE_WORDS) == set()


@pytest.mark.parametrize(
    ("lang", "name", "status", "evidence"),
    [
        ("zh", "分辨率", "不通过", "分辨率（东西） 5.00 m；分辨率（南北） 5.00 m；要求 ≤ 2.00 m"),
        (
            "en",
            "resolution",
            "FAIL",
            "pixel size (x): 5.00 m; pixel size (y): 5.00 m; limit ≤: 2.00 m",
        ),
    ],
)
def test_a_row_in_words(lang, name, status, evidence) -> None:
    check = rv.check_resolution((5.0, 5.0), S)
    (row,) = checklist_rows(_result([check]), lang)
    assert (row.name, row.status, row.code, row.evidence) == (name, status, "FAIL", evidence)
    assert row.finding == ("分辨率低于要求（像元过大）" if lang == "zh" else check.message)


def test_not_checked_says_why_and_unknown_evidence_keeps_its_name() -> None:
    rows = checklist_rows(_result(rv.not_decoded("boom")))
    assert rows[1].finding == "未检查：影像无法安全解码"
    refused = rv.refused(UntrustedRasterError("dimensions", "too big"), [])
    assert checklist_rows(_result(refused))[2].finding == "未检查：影像未通过“影像尺寸”检查"
    odd = rv.Check("crs", CheckStatus.WARN, "x", {"odd_key": [1, 2]})
    assert evidence_text(odd, "zh") == "odd_key 1 – 2"
