"""The imagery sections of a mine's review report: the checklist of each submitted image,
indicator 6 of each measured image, and restoration per zone with suspected 越界 patches.

Areas in m² with 公顷 and 亩, coordinates in degrees to 6 decimals (EPSG:4490), FVC to
3 decimals, counts as integers (:func:`~.document.fmt`).
"""

from __future__ import annotations

import pandas as pd

from ..checks.prerequisite import PrerequisiteResult
from ..imagery.greening import GreeningResult
from ..imagery.review import ReviewResult
from ..imagery.timeseries import RestorationResult
from ..layers import ZONE_TYPES
from ..run_results import RunResults, StepRun
from ..terms import Lang, area_text, area_units, value_word
from .checklist import checklist_rows
from .document import Figure, Section, Table, fmt, pick

__all__ = ["greening_sections", "restoration_section", "review_sections", "steps_of"]


def _of(frame: pd.DataFrame | None, mine_id: str) -> pd.DataFrame:
    """The rows of ``frame`` about ``mine_id`` (none when there is no such table)."""
    if frame is None or "mine_id" not in frame.columns:
        return pd.DataFrame()
    return frame[frame["mine_id"].astype(str) == mine_id]


def steps_of(res: RunResults, mine_id: str) -> list[StepRun]:
    """The steps whose results hold ``mine_id``."""
    zones = set(_of(res.zones, mine_id).get("zone_id", pd.Series(dtype=str)).astype(str))
    out = []
    for step, result in res.results:
        if isinstance(result, PrerequisiteResult):
            held = not _of(result.mines, mine_id).empty
        elif isinstance(result, GreeningResult):
            held = bool(_of(result.table, mine_id)["indicator6_score"].notna().any())
        elif isinstance(result, RestorationResult):
            held = bool(zones & set(result.zone_summary["zone_id"].astype(str)))
        else:
            held = isinstance(result, ReviewResult) and result.mine_id == mine_id
        if held:
            out.append(step)
    return out


def _area_cells(m2: float) -> list[str]:
    return [f"{v:,.2f}" for v in area_units(float(m2))]


_AREA_HEAD = ["面积 (m²)", "公顷", "亩"]


def review_sections(res: RunResults, mine_id: str, lang: Lang) -> list[Section]:
    """五、影像审查: one checklist per image submitted for the mine."""
    title = pick(lang, "五、遥感影像审查", "5. Imagery review")
    reviews = [r for _, r in res.of(ReviewResult) if r.mine_id == mine_id]
    if not reviews:
        return [
            Section(
                title,
                empty=pick(
                    lang, "本次运行未审查该矿山的影像。", "No image of this mine was reviewed."
                ),
            )
        ]
    sections = []
    for r in reviews:
        section = Section(title, verdict=(str(r.overall), value_word(str(r.overall), lang), ""))
        section.facts = [(pick(lang, "影像", "Image"), r.image), ("SHA-256", r.image_sha256)]
        head = [
            pick(lang, "检查项", "Check"),
            pick(lang, "结果", "Result"),
            pick(lang, "发现", "Finding"),
            pick(lang, "依据", "Evidence"),
        ]
        rows = [[c.name, c.status, c.finding, c.evidence] for c in checklist_rows(r, lang)]
        section.tables = [Table(pick(lang, "审查清单", "Checklist"), head, rows)]
        sections.append(section)
    return sections


def _greening_facts(g: pd.Series, lang: Lang) -> list[tuple[str, str]]:
    return [
        (pick(lang, "可绿化面积", "Greenable area"), area_text(g["greenable_area_m2"], lang)),
        (pick(lang, "植被覆盖面积", "Vegetated area"), area_text(g["vegetated_area_m2"], lang)),
        (pick(lang, "绿化覆盖率", "Coverage"), fmt(g["coverage_pct"], 2, "%")),
        (pick(lang, "平均植被覆盖度", "Mean FVC"), fmt(g["fvc_mean"], 3)),
        (pick(lang, "周边参照植被覆盖度", "Reference FVC"), fmt(g["reference_fvc_mean"], 3)),
        (pick(lang, "相对覆盖率", "Relative cover"), fmt(g["relative_cover_pct"], 2, "%")),
        (
            pick(lang, "端元（裸土 / 植被）", "End-members (soil / vegetation)"),
            f"{fmt(g.get('vi_soil'), 3)} / {fmt(g.get('vi_veg'), 3)}",
        ),
        (pick(lang, "裸露图斑数", "Bare patches"), fmt(int(g["bare_patches"]), 0)),
        (
            pick(lang, "指标6得分（满分2分）", "Indicator 6 score (of 2)"),
            fmt(g["indicator6_score"], 1),
        ),
        (pick(lang, "得分说明", "Why"), fmt(g.get("indicator6_reason"))),
    ]


def greening_sections(res: RunResults, mine_id: str, lang: Lang) -> list[Section]:
    """六、指标6: each image measured for the mine, its patches (numbered as on the figure)
    and the figure with the end-member histogram."""
    title = pick(lang, "六、矿区绿化覆盖（指标6）", "6. Greening (indicator 6)")
    rows = _of(res.greening, mine_id)
    rows = rows[rows["indicator6_score"].notna()] if len(rows) else rows
    if rows.empty:
        return [
            Section(
                title,
                empty=pick(
                    lang, "本次运行未测量该矿山的影像。", "No image of this mine was measured."
                ),
            )
        ]
    sections = []
    for _, g in rows.iterrows():
        section = Section(f"{title} — {g['step']}", facts=_greening_facts(g, lang))
        notes = fmt(g.get("notes"))
        section.notes = [] if notes == "—" else [notes]
        patches = _of(res.bare_patches, mine_id)
        patches = patches[patches["step"] == g["step"]] if len(patches) else patches
        if len(patches):
            head = [
                pick(lang, "图斑号", "Patch"),
                *_AREA_HEAD,
                pick(lang, "平均FVC", "Mean FVC"),
                pick(lang, "中心经度 (°)", "Lon (°)"),
                pick(lang, "中心纬度 (°)", "Lat (°)"),
            ]
            cells = [
                [
                    fmt(int(p.patch_no), 0),
                    *_area_cells(p.area_m2),
                    fmt(p.fvc_mean, 3),
                    fmt(p.centroid_lon, 6),
                    fmt(p.centroid_lat, 6),
                ]
                for p in patches.itertuples()
            ]
            section.tables = [
                Table(pick(lang, "裸露图斑", "Bare patches"), head, cells, frozenset(range(7)))
            ]
        figure = res.figure(str(g["step"]), mine_id)
        if figure is not None:
            section.figures = [
                Figure(pick(lang, "植被覆盖度与端元直方图", "FVC and end-member histogram"), figure)
            ]
        sections.append(section)
    return sections


def _zone_type(value: object, lang: Lang) -> str:
    names = ZONE_TYPES.get(str(value))
    return names[0] if names and lang == "zh" else fmt(value)


def _disturbance(dist: pd.DataFrame, lang: Lang) -> Table:
    """疑似越界: each patch with its area and where a field team finds it (centroid, EPSG:4490)."""
    points = dist.geometry.to_crs("EPSG:4490").representative_point()
    head = [
        pick(lang, "图斑号", "Patch"),
        *_AREA_HEAD,
        pick(lang, "首次发现", "First seen"),
        pick(lang, "距矿界 (m)", "From boundary (m)"),
        pick(lang, "经度 (°)", "Lon (°)"),
        pick(lang, "纬度 (°)", "Lat (°)"),
    ]
    rows = [
        [
            fmt(int(d.patch_no), 0),
            *_area_cells(d.area_m2),
            fmt(d.first_seen),
            fmt(d.distance_m, 1),
            f"{pt.x:.6f}",
            f"{pt.y:.6f}",
        ]
        for d, pt in zip(dist.itertuples(), points, strict=True)
    ]
    caption = pick(
        lang,
        "疑似越界开采图斑（需实地核查）",
        "Suspected mining beyond the boundary (verify in the field)",
    )
    return Table(caption, head, rows, frozenset({0, 1, 2, 3, 5, 6, 7}))


def restoration_section(res: RunResults, mine_id: str, lang: Lang) -> Section:
    """七、生态修复: status of each zone against its plan, the charts, suspected 越界."""
    section = Section(
        pick(lang, "七、生态修复进展（指标38–41）", "7. Restoration (indicators 38–41)"),
        empty=pick(lang, "本次运行未监测该矿山的修复。", "No restoration monitoring of this mine."),
    )
    zones = _of(res.zones, mine_id)
    if zones.empty or res.restoration is None:
        return section
    summary = res.restoration[
        res.restoration["zone_id"].astype(str).isin(zones["zone_id"].astype(str))
    ]
    head = [
        pick(lang, "修复单元", "Zone"),
        pick(lang, "类型", "Type"),
        pick(lang, "进展状态", "Status"),
        pick(lang, "年变化趋势 (FVC/年)", "Trend (FVC/yr)"),
        "p",
        pick(lang, "说明", "Reason"),
    ]
    rows = [
        [
            str(z.zone_id),
            _zone_type(z.zone_type, lang),
            value_word(str(z.status), lang),
            fmt(z.trend_per_year, 3),
            fmt(z.trend_p, 3),
            fmt(z.reason),
        ]
        for z in summary.itertuples()
    ]
    section.tables = [Table(pick(lang, "修复单元进展", "Zones"), head, rows, frozenset({3, 4}))]
    charts = [(str(z), res.chart(str(z))) for z in summary["zone_id"]]
    section.figures = [Figure(z, c, half=True) for z, c in charts if c is not None and c.exists()]
    dist = _of(res.disturbance, mine_id)
    if len(dist):
        section.tables.append(_disturbance(dist, lang))
    return section
