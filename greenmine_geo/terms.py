"""The words of the workbooks, in Chinese and English: sheet names, headers with units, verdicts.

CSV and GeoPackage columns keep their machine names (``mine_area_m2``: a contract other
programs read). The workbook an office opens is for people: :func:`sheet_table` gives
each table Chinese (``zh``, the default) or English (``en``) headers with the unit in
them (``矿区面积 (m²)``, ``mine area (m²)``) and, in Chinese, the verdict and status
words (``FAIL`` → ``不通过``). Columns this package does not know (the mine's own
attributes: 矿山名称, 采矿权人 …) keep their names; a layer-named column
(``key_zones_overlap_m2``) is named after its layer's role.

Areas for people are in m² with 公顷 (hectares) and 亩, the units of Chinese land
administration: 1 公顷 = 10,000 m² = 15 亩, so 1 亩 = 10,000/15 ≈ 666.67 m²
(:func:`area_units`, :func:`area_text`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import pandas as pd

__all__ = [
    "LANGS",
    "M2_PER_HA",
    "M2_PER_MU",
    "Lang",
    "area_text",
    "area_units",
    "header",
    "printable",
    "sheet_name",
    "sheet_table",
    "value_word",
]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

#: Square metres in a hectare (公顷) and in a 亩 (15 亩 = 1 公顷, exactly).
M2_PER_HA = 10_000.0
M2_PER_MU = M2_PER_HA / 15

#: Units by the suffix of a column's name (longest first).
_UNITS = (
    ("_per_year", "/a"),
    ("_years", "a"),
    ("_pct", "%"),
    ("_m2", "m²"),
    ("_ha", "ha"),
    ("_mu", "mu"),
    ("_m", "m"),
)
#: Units a Chinese header writes in Chinese.
_UNIT_ZH = {"ha": "公顷", "mu": "亩"}

#: Chinese names of the columns every step writes (without their unit).
_COLUMN_ZH = {
    "mine_id": "矿山编号",
    "verdict": "审查结论",
    "contact": "与红线关系",
    "mine_area": "矿区面积",
    "reasons": "理由",
    "source": "来源文件",
    "league_city": "盟市",
    "banner_county": "旗县区",
    "shares_mining_block_with": "共用开采规划区块的矿山",
    "layer": "图层",
    "class": "地类",
    "feature_row": "要素序号",
    "feature_name": "要素名称",
    "feature_attributes": "要素属性",
    "area": "面积",
    "mine": "占矿区比例",
    "sliver": "舍入碎屑",
    "effect": "影响",
    "greenable_area": "可绿化面积",
    "vegetated_area": "植被覆盖面积",
    "coverage": "绿化覆盖率",
    "fvc_mean": "平均植被覆盖度",
    "reference_fvc_mean": "周边参照植被覆盖度",
    "relative_cover": "相对覆盖率",
    "bare_patches": "裸露图斑数",
    "indicator6_score": "指标6得分",
    "indicator6_reason": "指标6说明",
    "vi_soil": "裸土端元",
    "vi_veg": "植被端元",
    "notes": "备注",
    "patch_no": "图斑号",
    "centroid_lon": "中心经度",
    "centroid_lat": "中心纬度",
    "zone_id": "修复单元编号",
    "zone_type": "修复单元类型",
    "status": "进展状态",
    "trend": "年变化趋势",
    "trend_p": "趋势显著性p值",
    "y2r": "达标年限",
    "r80p": "恢复率R80P",
    "rri": "恢复指数RRI",
    "reason": "说明",
    "delta_ir": "植被指数变化ΔIR",
    "target_fvc": "目标植被覆盖度",
    "target_source": "目标来源",
    "start_fvc": "起始植被覆盖度",
    "observed_years": "观测年数",
    "date": "日期",
    "vegetated": "植被像元比例",
    "bare": "裸地像元比例",
    "valid": "有效像元比例",
    "recovery_ratio": "恢复比",
    "included": "纳入计算",
    "note": "备注",
    "first_seen": "首次出现日期",
    "distance": "距矿界距离",
    "finding": "发现",
    "check": "检查项",
    "message": "说明",
}
#: Chinese names of the per-layer measures (``<layer>_<measure>``).
_MEASURE_ZH = {
    "overlap": "重叠面积",
    "distance": "距离",
    "contact_length": "接触长度",
    "features": "涉及要素数",
}
#: Per-layer measures in percent are shares of the mine, not areas.
_SHARE_ZH = "重叠占矿区比例"
#: Chinese verdict and status words, by the columns that hold them.
_VALUE_ZH = {
    "PASS": "通过",
    "REVIEW": "需复核",
    "EXEMPT": "豁免",
    "FAIL": "不通过",
    "WARN": "警告",
    "clear": "未接触",
    "touching": "相接",
    "overlapping": "压覆",
    "report": "仅报告",
    "sliver": "舍入碎屑",
    "locate": "所在区块",
    "done": "已完成",
    "on_track": "按计划推进",
    "lagging": "滞后",
    "not_started": "未开始",
    "insufficient_data": "数据不足",
}
_WORD_COLUMNS = ("verdict", "contact", "effect", "status")
_SHEET_ZH = {
    "mines": "矿山",
    "conflicts": "冲突图斑",
    "block_overlaps": "规划区块重叠",
    "greening": "绿化覆盖",
    "bare_patches": "裸露图斑",
    "restoration_summary": "修复进展",
    "restoration_timeseries": "修复时序",
    "outside_disturbance": "疑似越界",
    "checks": "影像审查",
}


def _split_unit(column: str) -> tuple[str, str | None]:
    for suffix, unit in _UNITS:
        if column.endswith(suffix) and len(column) > len(suffix):
            return column.removesuffix(suffix), unit
    return column, None


def _zh(stem: str, unit: str | None, layer_zh: Mapping[str, str]) -> str | None:
    if stem in _COLUMN_ZH:
        return _COLUMN_ZH[stem]
    for measure, name in _MEASURE_ZH.items():
        layer = stem.removesuffix(f"_{measure}")
        if layer != stem and layer in layer_zh:
            return layer_zh[layer] + (_SHARE_ZH if measure == "overlap" and unit == "%" else name)
    return layer_zh.get(stem)


def header(column: str, lang: Lang, layer_zh: Mapping[str, str] | None = None) -> str:
    """A column's header for people: ``mine_area_m2`` → ``矿区面积 (m²)`` or ``mine area (m²)``.

    ``layer_zh`` names layers by key (``key_zones`` → 重点勘查开采区; ``landuse_grassland``
    → 草原) for the per-layer columns. Unknown columns keep their names.
    """
    stem, unit = _split_unit(column)
    if lang == "zh":
        name = _zh(stem, unit, layer_zh or {})
        if name is None:
            return column
        unit = _UNIT_ZH.get(unit or "", unit)
    else:
        name = stem.replace("_", " ")
    return f"{name} ({unit})" if unit else name


def value_word(value: str, lang: Lang) -> str:
    """A verdict, contact, effect or status for people: ``FAIL`` → ``不通过`` in Chinese;
    English keeps the code."""
    return _VALUE_ZH.get(value, value) if lang == "zh" else value


def sheet_name(table: str, lang: Lang) -> str:
    """A workbook sheet's name for the table ``table`` (``mines`` → ``矿山``)."""
    return _SHEET_ZH.get(table, table) if lang == "zh" else table


def _with_land_units(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each numeric area column ``X_m2`` followed by ``X_ha`` (公顷, 4
    decimals) and ``X_mu`` (亩, 2 decimals), as land administration reads areas."""
    columns: dict[str, pd.Series] = {}
    for k, col in enumerate(frame.columns):
        columns[f"{k}"] = frame[col].rename(col)
        values = frame[col]
        if str(col).endswith("_m2") and pd.api.types.is_numeric_dtype(values):
            stem = str(col).removesuffix("_m2")
            columns[f"{k}ha"] = (values / M2_PER_HA).round(4).rename(f"{stem}_ha")
            columns[f"{k}mu"] = (values / M2_PER_MU).round(2).rename(f"{stem}_mu")
    return pd.concat(list(columns.values()), axis=1) if columns else frame


def sheet_table(
    frame: pd.DataFrame, lang: Lang, layer_zh: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """``frame`` with headers for people (:func:`header`), each area also in 公顷 and 亩
    (:func:`_with_land_units`) and, in Chinese, verdict words."""
    out = _with_land_units(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))
    if lang == "zh":
        for col in _WORD_COLUMNS:
            if col in out.columns:
                out[col] = out[col].map(lambda v: value_word(v, lang) if isinstance(v, str) else v)
    headers = [header(str(c), lang, layer_zh) for c in out.columns]
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):  # an attribute named like a translated header stays apart
        seen[h] = seen.get(h, 0) + 1
        headers[i] = h if seen[h] == 1 else f"{h} ({seen[h]})"
    out.columns = headers
    return out


def area_units(area_m2: float) -> tuple[float, float, float]:
    """An area in m² as (m², 公顷, 亩)."""
    return area_m2, area_m2 / M2_PER_HA, area_m2 / M2_PER_MU


def area_text(area_m2: float | None, lang: Lang = "zh") -> str:
    """An area for a sentence, to 2 decimals: ``12,345.67 m²（1.23 公顷，18.52 亩）``
    (``en``: ``12,345.67 m² (1.23 ha, 18.52 mu)``); ``—`` when it is unknown."""
    if area_m2 is None or area_m2 != area_m2:  # None or NaN
        return "—"
    m2, ha, mu = area_units(float(area_m2))
    if lang == "zh":
        return f"{m2:,.2f} m²（{ha:,.2f} 公顷，{mu:,.2f} 亩）"
    return f"{m2:,.2f} m² ({ha:,.2f} ha, {mu:,.2f} mu)"


#: Characters no XML or HTML document may hold (C0 controls but tab and newlines,
#: surrogates, non-characters): input data carries them, pasted from other programs.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """``text`` with characters a document cannot hold replaced by U+FFFD (shown as �)."""
    return _UNPRINTABLE.sub("\ufffd", text)
