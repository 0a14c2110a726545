"""A league's or city's batch summary (汇总表) as a :class:`~.document.Document`.

What a bureau sends up with its opinions: every mine of the league/city the run
checked, with its verdict and key figures — red-line and farmland overlap in 公顷,
indicator 6, restoration status, the main reason — one table per application batch
(申报批次) when the mines carry one. Mines that fall in no league/city get a summary
of their own (:data:`NO_LEAGUE`), so none is left out of what is filed.
"""

from __future__ import annotations

import pandas as pd

from .._version import __version__
from ..io.clock import today
from ..run_results import RunResults
from ..terms import M2_PER_HA, Lang, value_word
from ..types import Verdict
from .document import Document, Section, Table, fmt, pick, word
from .mine_dossier import run_hash

__all__ = ["NO_LEAGUE", "batch_dossier", "league_of_mines", "mine_summary"]

#: The league/city name of mines that fall in no admin unit.
NO_LEAGUE = "未落入盟市"


def league_of_mines(res: RunResults) -> pd.Series:
    """Each prerequisite mine's league/city (mine id → name), :data:`NO_LEAGUE` for none."""
    if res.mines is None:
        return pd.Series(dtype=str)
    league = res.mines.get("league_city", pd.Series(None, index=res.mines.index))
    named = league.where(league.notna() & (league.astype(str).str.strip() != ""), NO_LEAGUE)
    return pd.Series(named.astype(str).to_numpy(), index=res.mines["mine_id"].astype(str))


def _scores(res: RunResults) -> dict[str, str]:
    """Indicator 6 per mine: every image's score (one image: the score)."""
    if res.greening is None:
        return {}
    scored = res.greening[res.greening["indicator6_score"].notna()]
    return {
        str(mine): " / ".join(f"{s:.1f}" for s in group["indicator6_score"])
        for mine, group in scored.groupby(scored["mine_id"].astype(str))
    }


def _restoration(res: RunResults, lang: Lang) -> dict[str, str]:
    """Restoration per mine: how many of its zones are in each status (滞后 1、按计划推进 2)."""
    if res.zones is None or res.restoration is None or "mine_id" not in res.zones.columns:
        return {}
    mine_of = dict(
        zip(res.zones["zone_id"].astype(str), res.zones["mine_id"].astype(str), strict=True)
    )
    zones = res.restoration.assign(mine=res.restoration["zone_id"].astype(str).map(mine_of))
    return {
        mine: "、".join(
            f"{value_word(str(k), lang)} {n}"
            for k, n in g["status"].value_counts().sort_index().items()
        )
        for mine, g in zones.dropna(subset=["mine"]).groupby("mine")
    }


def mine_summary(res: RunResults, lang: Lang = "zh") -> pd.DataFrame:
    """One row per prerequisite mine: mine_id, name, licence, league, county, batch, verdict,
    redline_overlap_ha, farmland_overlap_ha, indicator6, restoration, reason (text cells)."""
    mines = res.mines if res.mines is not None else pd.DataFrame(columns=["mine_id"])
    info = res.mine_info if res.mine_info is not None else pd.DataFrame()
    scores, restoration = _scores(res), _restoration(res, lang)
    leagues = league_of_mines(res)
    rows = []
    for m in mines.itertuples():
        mid = str(m.mine_id)
        own = info.loc[mid] if mid in info.index else pd.Series(dtype=object)
        farmland = getattr(m, "landuse_farmland_overlap_m2", float("nan"))
        rows.append(
            {
                "mine_id": mid,
                "name": fmt(own.get("name", mid)),
                "licence": fmt(own.get("licence", mid)),
                "league": leagues.get(mid, NO_LEAGUE),
                "county": fmt(getattr(m, "banner_county", None)),
                "batch": fmt(own.get("batch")),
                "verdict": str(m.verdict),
                "redline_overlap_ha": fmt(m.redline_overlap_m2 / M2_PER_HA),
                "farmland_overlap_ha": fmt(farmland / M2_PER_HA),
                "indicator6": scores.get(mid, "—"),
                "restoration": restoration.get(mid, "—"),
                "reason": str(m.reasons or "").split(";")[0].strip() or "—",
            }
        )
    return pd.DataFrame(rows, columns=list(rows[0]) if rows else ["mine_id", "league", "verdict"])


def _table(mines: pd.DataFrame, caption: str, lang: Lang) -> Table:
    head = [
        pick(lang, "序号", "No."),
        pick(lang, "矿山名称", "Mine"),
        pick(lang, "采矿许可证号", "Licence"),
        pick(lang, "旗县（区）", "Banner/county"),
        pick(lang, "审查结论", "Verdict"),
        pick(lang, "压占红线（公顷）", "Red line (ha)"),
        pick(lang, "压占永久基本农田（公顷）", "Farmland (ha)"),
        pick(lang, "指标6得分", "Indicator 6"),
        pick(lang, "修复状态", "Restoration"),
        pick(lang, "主要理由", "Main reason"),
    ]
    rows = [
        [
            f"{k:d}",
            r.name,
            r.licence,
            r.county,
            value_word(r.verdict, lang),
            r.redline_overlap_ha,
            r.farmland_overlap_ha,
            r.indicator6,
            r.restoration,
            r.reason,
        ]
        for k, r in enumerate(mines.itertuples(), start=1)
    ]
    return Table(caption, head, rows, frozenset({0, 5, 6, 7}))


def batch_dossier(res: RunResults, league: str, lang: Lang = "zh") -> Document:
    """The 汇总表 of ``league`` (a league/city name, or :data:`NO_LEAGUE`)."""
    summary = mine_summary(res, lang)
    mines = summary[summary["league"] == league]
    counts = mines["verdict"].value_counts()
    header = [
        (pick(lang, "盟市", "League/city"), league),
        (pick(lang, "矿山数", "Mines"), f"{len(mines):d}"),
        *((value_word(v.value, lang), f"{int(counts.get(v.value, 0)):d}") for v in Verdict),
        (pick(lang, "报告日期", "Report date"), today().isoformat()),
        (pick(lang, "软件版本", "Software"), f"greenmine-geo {__version__}"),
        (pick(lang, "运行标识（清单SHA-256）", "Run id (manifests' SHA-256)"), run_hash(res)),
    ]
    section = Section(pick(lang, "一、先决条件初审汇总", "1. Prerequisite review, all mines"))
    batches = sorted(mines["batch"].unique()) if len(mines) else []
    for batch in batches:
        caption = pick(lang, "汇总表", "Summary") + (
            "" if batch == "—" else f"（{pick(lang, '申报批次', 'batch')} {batch}）"
        )
        section.tables.append(_table(mines[mines["batch"] == batch], caption, lang))
    if not batches:
        section.empty = pick(
            lang, "本次运行无该盟市的矿山。", "No mine of this league/city in this run."
        )
    if league == NO_LEAGUE:
        section.notes = [
            pick(
                lang,
                "以下矿山未落入任何行政区，请核实其矿区范围坐标。",
                "These mines fall in no admin unit: check their boundaries' coordinates.",
            )
        ]
    return Document(
        title=pick(
            lang,
            f"{league} 绿色矿山遴选初审汇总表",
            f"{league}: green-mine preliminary review summary",
        ),
        subtitle=pick(
            lang, "先决条件（矿区范围）叠加检查结果", "Prerequisite overlay results (mining area)"
        ),
        header=header,
        sections=[section],
        sign_off=[word("opinion", lang), word("reviewer", lang), word("date", lang)],
        lang=lang,
    )
