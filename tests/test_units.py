"""Areas in the units of Chinese land administration: m², 公顷 and 亩 (15 亩 = 1 公顷)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from greenmine_geo.terms import M2_PER_MU, area_text, area_units, sheet_table


def test_one_hectare_is_fifteen_mu() -> None:
    m2, ha, mu = area_units(10_000.0)
    assert (m2, ha) == (10_000.0, 1.0)
    assert mu == pytest.approx(15.0, abs=1e-12)
    assert round(M2_PER_MU, 2) == 666.67


def test_area_text_in_both_languages() -> None:
    assert area_text(12_345.678) == "12,345.68 m²（1.23 公顷，18.52 亩）"
    assert area_text(666.67, "en") == "666.67 m² (0.07 ha, 1.00 mu)"


@pytest.mark.parametrize("missing", [None, math.nan])
def test_unknown_area_is_a_dash(missing: float | None) -> None:
    assert area_text(missing) == "—"


def test_workbook_tables_give_each_area_in_hectares_and_mu_beside_m2() -> None:
    frame = pd.DataFrame(
        {
            "mine_id": ["M1"],
            "mine_area_m2": [1_500_000.0],
            "redline_overlap_m2": [666.67],
            "地块面积_m2": ["not a number"],  # the mine's own text field: left as it is
        }
    )
    zh = sheet_table(frame, "zh", {"redline": "生态保护红线"})
    assert list(zh.columns) == [
        "矿山编号",
        "矿区面积 (m²)",
        "矿区面积 (公顷)",
        "矿区面积 (亩)",
        "生态保护红线重叠面积 (m²)",
        "生态保护红线重叠面积 (公顷)",
        "生态保护红线重叠面积 (亩)",
        "地块面积_m2",
    ]
    # 1,500,000 m² = 150 公顷 = 2,250 亩; 666.67 m² ≈ 1 亩
    assert zh.iloc[0, 1:7].tolist() == [1_500_000.0, 150.0, 2250.0, 666.67, 0.0667, 1.0]
    assert list(sheet_table(frame, "en").columns)[1:4] == [
        "mine area (m²)",
        "mine area (ha)",
        "mine area (mu)",
    ]
