"""The Master Plan's targets per league/city (RULES.md §4): 2025 mine quotas, 2028 green-mine shares.

* 专栏6 caps the mines in force (在期矿山, geothermal excluded) per league or city by 2025;
  the region's total stays under 2 900.
* By the end of 2028, 90 % of licensed producing large mines and 80 % of medium mines
  meet the green-mine standard (002 §一): counted here as being on the green-mine list.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["GREEN_LIST_FIELDS", "QUOTA_2025", "TARGET_2028", "on_green_list"]

#: 专栏6: mines in force by 2025 per league/city (geothermal excluded), in the plan's order.
QUOTA_2025: dict[str, int] = {
    "呼和浩特市": 60,
    "包头市": 90,
    "乌海市": 50,
    "赤峰市": 680,
    "通辽市": 220,
    "鄂尔多斯市": 600,
    "呼伦贝尔市": 170,
    "巴彦淖尔市": 200,
    "乌兰察布市": 160,
    "兴安盟": 130,
    "锡林郭勒盟": 310,
    "阿拉善盟": 210,
}
#: 002 §一: share of large / medium mines on the green-mine list by the end of 2028.
TARGET_2028: dict[str, float] = {"大型": 0.90, "中型": 0.80}
#: Fields of a mines layer that say whether a mine is on the green-mine list (名录库).
GREEN_LIST_FIELDS = ("green_mine", "绿色矿山", "in_green_list")
_YES = {"是", "yes", "y", "true", "1", "已入库", "国家级", "自治区级"}


def on_green_list(info: pd.DataFrame | None) -> pd.Series | None:
    """Whether each mine is on the green-mine list, from the first list field the layer has;
    None when it has none."""
    if info is None:
        return None
    field = next((f for f in GREEN_LIST_FIELDS if f in info.columns), None)
    if field is None:
        return None
    return info[field].astype(str).str.strip().str.lower().isin(_YES)
