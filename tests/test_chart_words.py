"""Chart words (maps/chart_words.py): the restoration chart's title, axes and legend in
Chinese first, English on request; zone types and statuses as words."""

from __future__ import annotations

import pandas as pd
import pytest

from greenmine_geo.layers import ZONE_TYPES
from greenmine_geo.maps.chart_words import chart_lang, zone_type_word
from greenmine_geo.maps.restoration_chart import restoration_chart


def _chart(lang):
    rows = pd.DataFrame(
        {
            "date": ["2022-07-01", "2023-07-01", "2024-07-01"],
            "fvc_mean": [0.1, 0.2, 0.3],
            "reference_fvc_mean": [0.5, 0.5, 0.6],
            "included": [True, False, True],
        }
    )
    summary = pd.Series({"zone_type": "waste_dump", "status": "lagging", "trend_per_year": 0.1})
    return restoration_chart(rows, "DZ-$1$", summary, 2021, None, lang)


@pytest.mark.skipif(chart_lang("zh") != "zh", reason="the CJK font is not installed")
def test_restoration_chart_in_chinese():
    ax = _chart("zh").axes[0]
    assert ax.get_title() == "DZ-$1$（排土场）：滞后，年变化趋势 +0.100/年"
    assert ax.get_ylabel() == "植被覆盖度 FVC" and ax.get_xlabel() == "日期"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["周边参照环", "修复单元", "未纳入（有效像元过少）"]


def test_restoration_chart_in_english():
    ax = _chart("en").axes[0]
    assert ax.get_title() == "DZ-$1$ (waste_dump): lagging, trend +0.100/yr"
    assert ax.get_ylabel() == "FVC (fractional vegetation cover)"


def test_zone_types_in_words():
    assert {zone_type_word(k, "zh") for k in ZONE_TYPES} == {v[0] for v in ZONE_TYPES.values()}
    assert zone_type_word("quarry_lake", "zh") == "quarry_lake"
