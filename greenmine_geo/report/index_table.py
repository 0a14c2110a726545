"""The index's table of all mines, and its sorted copies: sortable without script.

The pages run under a policy that allows no script (:mod:`.html_safety`), so the table
is sorted before it is written: the index lists the mines by verdict (FAIL first), and
each column header links to a copy of the page sorted by that column
(``index_by_name.html`` …, :data:`SORTS`). The same table goes out as CSV and XLSX
(:func:`table_for_people`) for Excel and WPS.

One row per mine of the prerequisite steps: 名称, 许可证号 (the layer's licence field; the
mine id where the layer has none), 盟市/旗县 (a mine in no admin unit is listed and flagged
未落入行政区, never dropped), 审查结论, 压占面积 in 公顷 (the ground of the mine under
any piece that fails it: red line, permanent basic farmland, nature reserves …, counted
once where they overlap), the indicator-6
score (the first greening step that scored the mine), the restoration status of its zones (how many zones in each status) and links to
its documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..crs import EQUAL_AREA
from ..run_results import RunResults
from ..terms import M2_PER_HA, Lang, value_word
from .mine_dossier import mine_ids

__all__ = [
    "COLUMNS",
    "SORTS",
    "VERDICT_ORDER",
    "Documents",
    "IndexRow",
    "index_rows",
    "mine_table",
    "sorted_table",
    "table_for_people",
    "verdict_counts",
]

#: The documents of each mine: mine id → [(label, file)], shown in the table's last cell.
Documents = Mapping[str, list[tuple[str, Path]]]
#: Verdicts from the most to the least severe: the index's default order.
VERDICT_ORDER = ("FAIL", "REVIEW", "PASS", "EXEMPT")
#: The table's columns: machine name → (Chinese header, English header).
COLUMNS: dict[str, tuple[str, str]] = {
    "name": ("名称", "name"),
    "licence": ("许可证号", "licence"),
    "admin": ("盟市/旗县", "league/county"),
    "verdict": ("审查结论", "verdict"),
    "overlap_ha": ("压占面积 (公顷)", "overlap (ha)"),
    "indicator6_score": ("指标6得分", "indicator 6 score"),
    "restoration": ("修复状态", "restoration status"),
}
#: The sorted copies: key → (file name, column, ascending). ``verdict`` is the index itself.
SORTS: dict[str, tuple[str, str, bool]] = {
    "verdict": ("index.html", "verdict", True),
    "name": ("index_by_name.html", "name", True),
    "licence": ("index_by_licence.html", "licence", True),
    "admin": ("index_by_admin.html", "admin", True),
    "overlap_ha": ("index_by_overlap.html", "overlap_ha", False),
    "indicator6_score": ("index_by_score.html", "indicator6_score", True),
    "restoration": ("index_by_restoration.html", "restoration", True),
}
#: Restoration statuses from the most to the least worrying (the order of the counts).
_STATUS_RANK = {
    s: k for k, s in enumerate(("lagging", "not_started", "insufficient_data", "on_track", "done"))
}
_NO_ADMIN = {"zh": "未落入行政区", "en": "in no admin unit"}


def _admin(league: object, county: object, lang: Lang) -> tuple[str, bool]:
    """``盟市 / 旗县`` and whether the mine lies in an admin unit."""
    parts = [str(v).strip() for v in (league, county) if isinstance(v, str) and v.strip()]
    return (" / ".join(parts), True) if parts else (_NO_ADMIN[lang], False)


def _overlap_m2(res: RunResults) -> dict[str, float]:
    """Each mine's area (m², equal-area) under the union of its conflict pieces that fail it."""
    if res.conflicts is None or res.conflicts.empty:
        return {}
    failing = res.conflicts[res.conflicts["effect"].astype(str) == "FAIL"]
    merged = failing.to_crs(EQUAL_AREA).dissolve(by=failing["mine_id"].astype(str))
    return {str(k): float(v) for k, v in merged.geometry.area.items()}


def _restoration(res: RunResults, lang: Lang) -> dict[str, str]:
    """Each mine's zones by status, the most worrying first: ``滞后 1、按计划推进 2``
    (mine id → text)."""
    if res.restoration is None or res.zones is None or "mine_id" not in res.zones.columns:
        return {}
    zones = res.zones[["zone_id", "mine_id"]].astype(str).drop_duplicates("zone_id")
    summary = res.restoration.drop_duplicates("zone_id").astype({"zone_id": str})
    joined = summary.merge(zones, on="zone_id")
    out = {}
    for mine_id, group in joined.groupby("mine_id", sort=False):
        counts = group["status"].astype(str).value_counts()
        counts = counts.sort_index(key=lambda i: i.map(_STATUS_RANK).fillna(len(_STATUS_RANK)))
        sep = "、" if lang == "zh" else ", "
        out[str(mine_id)] = sep.join(f"{value_word(s, lang)} {n}" for s, n in counts.items())
    return out


def _scores(res: RunResults) -> dict[str, float]:
    """Each mine's indicator-6 score, from the first greening step that scored it."""
    if res.greening is None or "indicator6_score" not in res.greening.columns:
        return {}
    first = res.greening.dropna(subset=["indicator6_score"]).drop_duplicates("mine_id")
    return dict(zip(first["mine_id"].astype(str), first["indicator6_score"], strict=True))


def _own(frame: pd.DataFrame | None, mine_id: str) -> pd.Series:
    """A mine's row of ``frame`` (indexed by mine id), or an empty row."""
    if frame is None or mine_id not in frame.index:
        return pd.Series(dtype=object)
    return frame.loc[mine_id]


def _text_of(row: pd.Series, key: str) -> str:
    value = row.get(key)
    return str(value) if value is not None and pd.notna(value) else ""


def mine_table(res: RunResults, lang: Lang = "zh") -> pd.DataFrame:
    """One row per mine the run knows (:func:`~.mine_dossier.mine_ids`; columns ``mine_id``,
    ``in_admin`` and those of :data:`COLUMNS`, ``verdict`` as its code, blank for a mine
    no prerequisite step checked), in verdict order, then by licence. Areas in 公顷 (ha)."""
    checked = (
        res.mines.astype({"mine_id": str}).set_index("mine_id") if res.mines is not None else None
    )
    scores, status, overlap = _scores(res), _restoration(res, lang), _overlap_m2(res)
    rows = []
    for mine_id in mine_ids(res):
        mine, own = _own(checked, mine_id), _own(res.mine_info, mine_id)
        admin, inside = _admin(mine.get("league_city"), mine.get("banner_county"), lang)
        rows.append(
            {
                "mine_id": mine_id,
                "in_admin": inside or mine.empty,
                "name": _text_of(own, "name"),
                "licence": _text_of(own, "licence") or mine_id,
                "admin": admin if not mine.empty else "",
                "verdict": _text_of(mine, "verdict"),
                "overlap_ha": round(overlap.get(mine_id, 0.0) / M2_PER_HA, 2),
                "indicator6_score": scores.get(mine_id, float("nan")),
                "restoration": status.get(mine_id, ""),
            }
        )
    return sorted_table(pd.DataFrame(rows, columns=["mine_id", "in_admin", *COLUMNS]), "verdict")


def sorted_table(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """``table`` sorted as the copy :data:`SORTS` ``[key]`` shows it: blanks last, ties by
    licence; by verdict from the most severe."""
    _, column, ascending = SORTS[key]
    values = table[column]
    if column == "verdict":
        values = values.map({v: k for k, v in enumerate(VERDICT_ORDER)}).fillna(len(VERDICT_ORDER))
    blank = values.isna() | (values.astype(str) == "")
    order = pd.DataFrame({"blank": blank, "value": values, "licence": table["licence"]})
    order = order.sort_values(
        ["blank", "value", "licence"], ascending=[True, ascending, True], kind="stable"
    )
    return table.loc[order.index].reset_index(drop=True)


def verdict_counts(table: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(code, Chinese word, number of mines) for each verdict of :data:`VERDICT_ORDER`."""
    found = table["verdict"].value_counts()
    return [(v, value_word(v, "zh"), int(found.get(v, 0))) for v in VERDICT_ORDER]


@dataclass(frozen=True)
class IndexRow:
    """A row of the index's table as the page shows it: ``cells`` in :data:`COLUMNS` order,
    ``links`` (label, href) of the mine's documents, ``verdict`` its code (for styles)."""

    mine_id: str
    verdict: str
    in_admin: bool
    cells: list[str]
    links: list[tuple[str, str]]


def _cell(column: str, value: object, lang: Lang) -> str:
    if column == "verdict":
        return value_word(str(value), lang) if value else "—"
    if isinstance(value, float):
        return "—" if value != value else f"{value:,.2f}"  # NaN: no value
    return str(value) or "—"


def index_rows(
    table: pd.DataFrame, documents: Mapping[str, list[tuple[str, str]]], lang: Lang = "zh"
) -> list[IndexRow]:
    """The rows of ``table`` for the page, with each mine's documents (label, href)."""
    return [
        IndexRow(
            str(r["mine_id"]),
            str(r["verdict"]),
            bool(r["in_admin"]),
            [_cell(c, r[c], lang) for c in COLUMNS],
            documents.get(str(r["mine_id"]), []),
        )
        for _, r in table.iterrows()
    ]


def table_for_people(table: pd.DataFrame, lang: Lang = "zh") -> pd.DataFrame:
    """``table`` for the CSV and the workbook: the mine id, the columns of :data:`COLUMNS`
    under their headers in ``lang``, verdicts as words."""
    out = table[["mine_id", *COLUMNS]].copy()
    out["verdict"] = out["verdict"].map(lambda v: value_word(str(v), lang))
    names = {c: (zh if lang == "zh" else en) for c, (zh, en) in COLUMNS.items()}
    return out.rename(columns={"mine_id": "矿山编号" if lang == "zh" else "mine id", **names})
