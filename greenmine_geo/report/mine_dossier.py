"""The review report of one mine (初审报告) as a :class:`~.document.Document`.

What a city-level bureau files for a green-mine application, from everything a run
knows about the mine: the header block (name, licence, holder, mineral, scale,
league/city and banner/county, batch, date, software version, manifest hash), the
先决条件 conclusion against Annex 1 (矿区范围), the 压占分析表 (each layer and class,
overlap in m², 公顷 and 亩, share of the mine, the features), the 拐点坐标表 in CGCS2000
3° Gauss-Krüger, the 叠加分析图, the imagery checklist, indicator 6 with its patches and
end-member histogram, restoration per zone with its charts, suspected 越界 patches with
their coordinates, the data sources with their content hashes, and the sign-off block.
Chinese first (``lang="zh"``), English with ``lang="en"``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from .._version import __version__
from ..io.clock import today
from ..layers import LANDUSE_CLASSES, layer_names_zh
from ..maps.styles import VERDICT_STYLE
from ..run_results import RunResults
from ..terms import Lang, area_units, value_word
from .corner_table import corner_table
from .document import Document, Figure, Section, Table, fmt, pick, word
from .mine_sections import greening_sections, restoration_section, review_sections, steps_of

__all__ = ["PREREQUISITE_RULE", "mine_dossier", "mine_ids"]

#: Annex 1's prerequisite on the mining area, as the notice words it (RULES.md §1).
PREREQUISITE_RULE = (
    "附件1 先决条件（矿区范围）：矿区范围未涉及生态保护红线（国家有规定的除外），"
    "符合国土空间规划及规划环评要求。"
)
#: Layers of the 压占分析表, in the order reviewers read them: (column stem, role, class).
_OVERLAY_ROWS = (
    ("redline", "redline", ""),
    *((f"landuse_{c}", "landuse", c) for c in LANDUSE_CLASSES),
    ("key_zones", "key_zones", ""),
    ("exploration_blocks", "exploration_blocks", ""),
    ("mining_blocks", "mining_blocks", ""),
)
#: At most this many feature names in a cell of the 压占分析表 (then "等 N 个").
_NAMES_SHOWN = 8


def mine_ids(res: RunResults) -> list[str]:
    """Every mine the run knows: prerequisite mines, then restoration mines not among them."""
    ids = [str(i) for i in res.mines["mine_id"]] if res.mines is not None else []
    extra = res.context.get("restoration_mines")
    if extra is not None and "mine_id" in extra.columns:
        ids += [str(i) for i in extra["mine_id"] if str(i) not in ids]
    return ids


def _info(res: RunResults, mine_id: str) -> dict[str, object]:
    """The mine's own fields (name, licence, holder, mineral, scale, batch …), from the
    prerequisite inputs or else the restoration ones."""
    if res.mine_info is not None and mine_id in res.mine_info.index:
        return dict(res.mine_info.loc[mine_id])
    extra = res.context.get("restoration_mines")
    if extra is not None and mine_id in set(extra["mine_id"].astype(str)):
        return dict(extra[extra["mine_id"].astype(str) == mine_id].drop(columns="geometry").iloc[0])
    return {}


def _verdict_row(res: RunResults, mine_id: str) -> pd.Series | None:
    if res.mines is None:
        return None
    rows = res.mines[res.mines["mine_id"].astype(str) == mine_id]
    return None if rows.empty else rows.iloc[0]


#: What identifies a run in its steps' manifests: the same inputs, parameters, rules and
#: software give the same run id, whenever the run was made (times and output hashes left out).
_RUN_IDENTITY = ("command", "inputs", "parameters", "rules", "software")


def run_hash(res: RunResults) -> str:
    """The run id: SHA-256 of the identity (:data:`_RUN_IDENTITY`) of every step's manifest,
    in directory order, as canonical JSON."""
    identity = [
        {k: s.manifest.get(k) for k in _RUN_IDENTITY}
        for s in sorted(res.steps, key=lambda s: s.name)
    ]
    text = json.dumps(identity, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _header(
    res: RunResults, mine_id: str, info: dict[str, object], lang: Lang
) -> list[tuple[str, str]]:
    row = _verdict_row(res, mine_id)
    place = {} if row is None else row
    return [
        (pick(lang, "矿山名称", "Mine"), fmt(info.get("name", mine_id))),
        (pick(lang, "采矿许可证号", "Licence"), fmt(info.get("licence", mine_id))),
        (pick(lang, "采矿权人", "Holder"), fmt(info.get("holder"))),
        (pick(lang, "开采矿种", "Mineral"), fmt(info.get("mineral"))),
        (pick(lang, "生产规模", "Scale"), fmt(info.get("scale"))),
        (pick(lang, "所在盟市", "League/city"), fmt(place.get("league_city"))),
        (pick(lang, "所在旗县（区）", "Banner/county"), fmt(place.get("banner_county"))),
        (pick(lang, "申报批次", "Application batch"), fmt(info.get("batch"))),
        (pick(lang, "报告日期", "Report date"), today().isoformat()),
        (pick(lang, "软件版本", "Software"), f"greenmine-geo {__version__}"),
        (pick(lang, "运行标识（清单SHA-256）", "Run id (manifests' SHA-256)"), run_hash(res)),
    ]


def _conclusion(row: pd.Series | None, lang: Lang) -> Section:
    title = pick(lang, "一、先决条件审查结论（矿区范围）", "1. Prerequisite (mining area)")
    if row is None:
        return Section(
            title, empty=pick(lang, "本次运行未作先决条件叠加检查。", "Not checked in this run.")
        )
    verdict = str(row["verdict"])
    colour, zh, en = VERDICT_STYLE.get(verdict, ("#000", verdict, verdict))
    section = Section(title, verdict=(verdict, pick(lang, zh, en), colour))
    m2, ha, mu = area_units(float(row["mine_area_m2"]))
    section.facts = [
        (pick(lang, "审查依据", "Rule"), PREREQUISITE_RULE),
        (
            pick(lang, "与生态保护红线关系", "Contact with the red line"),
            value_word(str(row["contact"]), lang),
        ),
        (pick(lang, "矿区面积", "Mining area"), f"{m2:,.2f} m² / {ha:,.2f} 公顷 / {mu:,.2f} 亩"),
        (
            pick(lang, "距生态保护红线", "Distance to the red line"),
            fmt(row.get("redline_distance_m"), 2, "m"),
        ),
    ]
    section.notes = [r.strip() for r in str(row.get("reasons") or "").split(";") if r.strip()]
    return section


def _feature_names(pieces: pd.DataFrame) -> str:
    names = list(dict.fromkeys(str(n) for n in pieces["feature_name"] if str(n).strip()))
    shown = "、".join(names[:_NAMES_SHOWN])
    return shown + (f" 等 {len(names)} 个" if len(names) > _NAMES_SHOWN else "")


def _overlay_table(res: RunResults, row: pd.Series, mine_id: str, lang: Lang) -> Table:
    """压占分析表: each layer (and land-use class) the check measured, its overlap with the
    mine counted once where the layer's features overlap (the check's merged totals)."""
    zh = layer_names_zh()
    names = {
        stem: pick(lang, zh.get(stem, stem), stem.replace("_", " ")) for stem, _, _ in _OVERLAY_ROWS
    }
    pieces = pd.DataFrame(columns=["layer", "class", "feature_name", "sliver"])
    if res.conflicts is not None:
        pieces = res.conflicts[(res.conflicts["mine_id"].astype(str) == mine_id)]
        pieces = pieces[~pieces["sliver"].astype(bool)]
    rows = []
    for stem, layer, cls in _OVERLAY_ROWS:
        if f"{stem}_overlap_m2" not in row.index:
            continue  # the check did not have this layer
        m2, ha, mu = area_units(float(row[f"{stem}_overlap_m2"]))
        mine = pieces[(pieces["layer"] == layer) & (pieces["class"].fillna("") == cls)]
        rows.append(
            [
                names.get(stem, stem),
                f"{m2:,.2f}",
                f"{ha:,.2f}",
                f"{mu:,.2f}",
                fmt(row.get(f"{stem}_overlap_pct")),
                _feature_names(mine) or word("none", lang),
            ]
        )
    head = [
        pick(lang, "图层（地类）", "Layer (class)"),
        "面积 (m²)",
        pick(lang, "面积（公顷）", "ha"),
        pick(lang, "面积（亩）", "mu"),
        pick(lang, "占矿区比例 (%)", "of mine (%)"),
        pick(lang, "涉及要素", "Features"),
    ]
    note = pick(
        lang,
        "同一图层内相互重叠的要素只计一次；1 公顷 = 15 亩，1 亩 ≈ 666.67 m²；面积为 CGCS2000 椭球面积。",
        "Overlapping features of a layer are counted once; 1 ha = 15 mu; ellipsoidal areas (CGCS2000).",
    )
    return Table(
        pick(lang, "压占分析表", "Overlay analysis"), head, rows, frozenset({1, 2, 3, 4}), note
    )


def _declared(info: dict[str, object], area_m2: float, lang: Lang) -> tuple[str, str] | None:
    """The area the licence or corner file declares (hectares, the exchange format's unit),
    beside the computed one, with the difference."""
    declared = pd.to_numeric(pd.Series([info.get("declared_area")]), errors="coerce").iloc[0]
    if pd.isna(declared) or declared <= 0:
        return None
    off = 100 * (declared * 10_000 - area_m2) / area_m2
    return (
        pick(lang, "申报面积", "Declared area"),
        pick(
            lang,
            f"{declared:,.4f} 公顷（与计算面积相差 {off:+.2f} %）",
            f"{declared:,.4f} ha ({off:+.2f} % against the computed area)",
        ),
    )


def _corners(row: pd.Series, crs: object, info: dict[str, object], lang: Lang) -> Section:
    """拐点坐标表: the boundary the check used (in ``crs``), as corner points in its 3° GK zone."""
    table = corner_table(row.geometry, crs)
    m2, ha, mu = area_units(table.area_m2)
    section = Section(pick(lang, "三、矿区范围拐点坐标", "3. Corner points of the mining area"))
    section.facts = [
        (pick(lang, "坐标系", "Coordinate system"), table.crs_name),
        (pick(lang, "拐点数", "Corner points"), f"{len(table.points):d}"),
        (
            pick(lang, "椭球面积（计算）", "Ellipsoidal area"),
            f"{m2:,.2f} m² / {ha:,.4f} 公顷 / {mu:,.2f} 亩",
        ),
    ]
    declared = _declared(info, table.area_m2, lang)
    if declared:
        section.facts.append(declared)
    rows = [
        [
            f"{p.parcel:d}",
            pick(
                lang,
                "外环" if p.ring == 1 else f"内环{p.ring - 1}（扣除）",
                "outer" if p.ring == 1 else f"hole {p.ring - 1}",
            ),
            f"{p.point:d}",
            f"{p.x:,.3f}".replace(",", ""),
            f"{p.y:,.3f}".replace(",", ""),
        ]
        for p in table.points
    ]
    head = [
        pick(lang, "地块", "Parcel"),
        pick(lang, "环", "Ring"),
        pick(lang, "点号", "Point"),
        "X (m)",
        "Y (m)",
    ]
    note = pick(
        lang,
        "X 为纵坐标（北），Y 为横坐标（含带号）；外环顺时针，内环逆时针，自西北角起编号。",
        "X is the northing, Y the easting with the zone number in front; outer rings clockwise from the north-west corner.",
    )
    section.tables = [
        Table(pick(lang, "拐点坐标表", "Corner points"), head, rows, frozenset({3, 4}), note)
    ]
    return section


def _sources(res: RunResults, mine_id: str, lang: Lang) -> Section:
    """Every input of every step that measured the mine, with its SHA-256."""
    rows = []
    for step in steps_of(res, mine_id):
        for entry in step.manifest.get("inputs", []):
            rows.append(
                [
                    step.name,
                    str(entry.get("role", "")),
                    Path(str(entry.get("path", ""))).name,
                    str(entry.get("sha256", "")),
                ]
            )
    head = [
        pick(lang, "步骤", "Step"),
        pick(lang, "用途", "Role"),
        pick(lang, "文件", "File"),
        "SHA-256",
    ]
    section = Section(pick(lang, "八、数据来源", "8. Data sources"))
    section.tables = [
        Table(pick(lang, "输入数据及内容哈希", "Inputs and their content hashes"), head, rows)
    ]
    return section


def mine_dossier(
    res: RunResults, mine_id: str, overlay_map: Path | None = None, lang: Lang = "zh"
) -> Document:
    """The review report of ``mine_id``; ``overlay_map`` is the mine's print map (PNG)."""
    info = _info(res, mine_id)
    row = _verdict_row(res, mine_id)
    name = fmt(info.get("name", mine_id))
    sections = [_conclusion(row, lang)]
    if row is not None:
        overlay = Section(pick(lang, "二、压占分析", "2. Overlay analysis"))
        overlay.tables = [_overlay_table(res, row, mine_id, lang)]
        crs = res.mines.crs if res.mines is not None else "EPSG:4490"
        sections += [overlay, _corners(row, crs, info, lang)]
    figure = Section(
        pick(lang, "四、叠加分析图", "4. Overlay map"),
        empty=pick(lang, "无叠加分析图。", "No map."),
    )
    if overlay_map is not None:
        figure.figures = [
            Figure(pick(lang, f"{name} 叠加分析图", f"{name}: overlay map"), overlay_map)
        ]
    sections += [
        figure,
        *review_sections(res, mine_id, lang),
        *greening_sections(res, mine_id, lang),
    ]
    sections += [restoration_section(res, mine_id, lang), _sources(res, mine_id, lang)]
    return Document(
        title=pick(lang, f"{name} 绿色矿山遴选初审报告", f"{name}: green-mine preliminary review"),
        subtitle=mine_id,
        header=_header(res, mine_id, info, lang),
        sections=sections,
        sign_off=[word("opinion", lang), word("reviewer", lang), word("date", lang)],
        lang=lang,
    )
