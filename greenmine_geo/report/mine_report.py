"""The per-mine report: everything a run knows about one mine, on one printable page.

Prerequisite verdicts and conflicts (of every step that checked the mine), imagery
review checklists, greening (indicator 6), restoration zones and suspected 越界
disturbance; each figure with its unit, each section with its sources (input file and
content hash from the step's manifest). HTML with print CSS (A4), so a browser prints it
to PDF. Figures and charts are the files the steps recorded (:class:`RunResults`).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..checks.prerequisite import PrerequisiteResult
from ..imagery.review import ReviewResult
from ..maps.styles import VERDICT_STYLE
from ..run_results import RunResults, StepRun
from ..types import BINDING_EFFECTS
from .render import render

__all__ = ["mine_ids", "mine_report_html"]

#: Columns of a mine's conflict pieces: column → (heading, unit).
_CONFLICTS = {
    "layer": ("图层 layer", ""),
    "class": ("类别 class", ""),
    "feature_name": ("要素 feature", ""),
    "area_m2": ("面积 area", "m²"),
    "mine_pct": ("占矿区 of mine", "%"),
    "effect": ("影响 effect", ""),
}
_OTHER = {
    "layer": ("图层 layer", ""),
    "class": ("类别 class", ""),
    "effect": ("影响 effect", ""),
    "features": ("要素数 features", ""),
    "area_m2": ("面积合计 Σ area", "m²"),
}
_PATCHES = {
    "patch_no": ("斑块 patch", ""),
    "area_m2": ("面积 area", "m²"),
    "fvc_mean": ("平均FVC mean FVC", ""),
    "centroid_lon": ("经度 lon", "°"),
    "centroid_lat": ("纬度 lat", "°"),
}
_ZONES = {
    "zone_id": ("分区 zone", ""),
    "zone_type": ("类型 type", ""),
    "status": ("状态 status", ""),
    "trend_per_year": ("趋势 trend", "FVC/yr"),
    "trend_p": ("p", ""),
    "y2r_years": ("Y2R", "yr"),
    "r80p": ("R80P", ""),
    "rri": ("RRI", ""),
    "reason": ("原因 reason", ""),
}
_DISTURBANCE = {
    "patch_no": ("斑块 patch", ""),
    "area_m2": ("面积 area", "m²"),
    "first_seen": ("首次发现 first seen", ""),
    "distance_m": ("距边界 from boundary", "m"),
}


def mine_ids(res: RunResults) -> list[str]:
    """Every mine the run knows: prerequisite mines, then restoration mines not among them."""
    ids = [str(i) for i in res.mines["mine_id"]] if res.mines is not None else []
    extra = res.context.get("restoration_mines")
    if extra is not None and "mine_id" in extra.columns:
        ids += [str(i) for i in extra["mine_id"] if str(i) not in ids]
    return ids


def _num(value: object, unit: str = "", digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, int | float):
        return f"{value:,.{digits}f} {unit}".strip()
    return str(value)


def _grid(df: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """A table of ``df``: column → (heading, unit), every cell formatted."""
    head = [f"{h} ({u})" if u else h for h, u in columns.values()]
    rows = [[_num(r[c]) for c in columns] for _, r in df.iterrows()]
    return {"head": head, "rows": rows}


def _rel(target: Path, here: Path) -> str:
    """``target`` as a link relative to the directory ``here``."""
    return os.path.relpath(target, here).replace(os.sep, "/")


def _sources(step: StepRun, here: Path) -> dict[str, Any]:
    return {
        "step": step.name,
        "manifest": _rel(step.path / "manifest.json", here),
        "inputs": [
            (str(i.get("role")), Path(str(i.get("path", ""))).name, str(i.get("sha256", ""))[:16])
            for i in step.manifest.get("inputs", [])
        ],
    }


def _step(res: RunResults, name: str) -> StepRun:
    return next(s for s in res.steps if s.name == name)


def _verdict_facts(row: pd.Series) -> list[tuple[str, str]]:
    location = f"{row.get('league_city') or ''} {row.get('banner_county') or ''}"
    return [
        ("与红线关系 contact with the red line", _num(row.get("contact"))),
        (
            "矿区面积 mining area",
            f"{_num(row['mine_area_m2'], 'm²')} ({_num(row['mine_area_m2'] / 1e4, 'ha')})",
        ),
        (
            "压占红线 red-line overlap",
            f"{_num(row['redline_overlap_m2'], 'm²')} ({_num(row['redline_overlap_pct'], '%')})",
        ),
        ("距红线 distance to the red line", _num(row["redline_distance_m"], "m")),
        ("压占永久基本农田 farmland overlap", _num(row.get("landuse_farmland_overlap_m2"), "m²")),
        (
            "压占自然保护地 nature-reserve overlap",
            _num(row.get("landuse_nature_reserve_overlap_m2"), "m²"),
        ),
        ("重点勘查开采区 key zones", _num(row.get("key_zones"))),
        ("开采规划区块 mining blocks", _num(row.get("mining_blocks"))),
        ("所在 location", location),
        ("理由 reasons", str(row.get("reasons") or "")),
    ]


def _prerequisite(res: RunResults, mine_id: str, here: Path) -> list[dict[str, Any]]:
    """One section per prerequisite step that checked the mine."""
    out = []
    for step, result in res.of(PrerequisiteResult):
        rows = result.mines[result.mines["mine_id"] == mine_id]
        if rows.empty:
            continue
        row = rows.iloc[0]
        colour, zh, en = VERDICT_STYLE.get(str(row["verdict"]), ("#000", str(row["verdict"]), ""))
        section: dict[str, Any] = {
            "colour": colour,
            "verdict": f"{zh} {en}",
            "facts": _verdict_facts(row),
            "conflicts": None,
            "other": None,
            "sources": _sources(step, here),
        }
        pieces = result.conflicts[result.conflicts["mine_id"] == mine_id]
        pieces = pieces[~pieces["sliver"].astype(bool)].drop(columns="geometry")
        binding = pieces[pieces["effect"].isin(BINDING_EFFECTS)]
        if len(binding):
            section["conflicts"] = _grid(binding, _CONFLICTS)
        other = pieces[~pieces["effect"].isin(BINDING_EFFECTS)]
        if len(other):
            grouped = (
                other.fillna({"class": ""})
                .groupby(["layer", "class", "effect"], as_index=False)
                .agg(features=("area_m2", "size"), area_m2=("area_m2", "sum"))
            )
            section["other"] = _grid(grouped, _OTHER)
        out.append(section)
    return out


def _reviews(res: RunResults, mine_id: str) -> list[dict[str, Any]]:
    return [
        {
            "image": r.image,
            "sha": r.image_sha256[:16],
            "overall": str(r.overall),
            "checks": [(c.id, str(c.status), c.message) for c in r.checks],
        }
        for _, r in res.of(ReviewResult)
        if r.mine_id == mine_id
    ]


def _greening(res: RunResults, mine_id: str, here: Path) -> list[dict[str, Any]]:
    if res.greening is None:
        return []
    rows = res.greening[res.greening["mine_id"].astype(str) == mine_id]
    out = []
    for g in rows[rows["indicator6_score"].notna()].itertuples():
        section: dict[str, Any] = {
            "step": g.step,
            "facts": [
                ("可绿化面积 greenable area", _num(g.greenable_area_m2, "m²")),
                ("植被覆盖面积 vegetated area", _num(g.vegetated_area_m2, "m²")),
                ("覆盖率 coverage", _num(g.coverage_pct, "%")),
                ("平均植被覆盖度 mean FVC", _num(g.fvc_mean, "", 3)),
                ("周边参照 reference FVC", _num(g.reference_fvc_mean, "", 3)),
                ("相对覆盖 relative cover", _num(g.relative_cover_pct, "%")),
                ("裸露斑块 bare patches", _num(int(g.bare_patches), "", 0)),
                ("得分 indicator 6 score (of 2)", _num(g.indicator6_score, "", 1)),
                ("得分依据 why", str(getattr(g, "indicator6_reason", "") or "")),
                ("备注 notes", str(g.notes or "")),
            ],
            "patches": None,
            "figure": None,
            "sources": _sources(_step(res, g.step), here),
        }
        if res.bare_patches is not None:
            patches = res.bare_patches[
                (res.bare_patches["mine_id"].astype(str) == mine_id)
                & (res.bare_patches["step"] == g.step)
            ]
            if len(patches):
                section["patches"] = _grid(patches.drop(columns="geometry"), _PATCHES)
        figure = res.figure(g.step, mine_id)
        if figure is not None:
            section["figure"] = _rel(figure, here)
        out.append(section)
    return out


def _restoration(res: RunResults, mine_id: str, here: Path) -> dict[str, Any] | None:
    zones = res.zones
    if zones is None or "mine_id" not in zones.columns or res.restoration is None:
        return None
    mine_zones = zones[zones["mine_id"].astype(str) == mine_id]
    summary = res.restoration[res.restoration["zone_id"].isin(mine_zones["zone_id"].astype(str))]
    charts = [(z, res.chart(z)) for z in summary["zone_id"]]
    section: dict[str, Any] = {
        "zones": _grid(summary, _ZONES) if len(mine_zones) else None,
        "charts": [(z, _rel(c, here)) for z, c in charts if c is not None and c.exists()],
        "disturbance": None,
        "sources": [_sources(s, here) for s in res.step("restoration")],
    }
    if res.disturbance is not None:
        dist = res.disturbance[res.disturbance["mine_id"].astype(str) == mine_id]
        if len(dist):
            section["disturbance"] = _grid(dist.drop(columns="geometry"), _DISTURBANCE)
    return section


def _identity(res: RunResults, mine_id: str) -> tuple[str, str]:
    """The mine's name and a line of its attributes (mineral, scale, green-mine list)."""
    info = (
        res.mine_info.loc[mine_id]
        if res.mine_info is not None and mine_id in res.mine_info.index
        else None
    )
    extra = res.context.get("restoration_mines")
    if info is None and extra is not None and mine_id in set(extra["mine_id"].astype(str)):
        info = extra[extra["mine_id"].astype(str) == mine_id].iloc[0]
    name = str(info.get("name", mine_id)) if info is not None else mine_id
    meta = ", ".join(
        f"{label} {info.get(key)}"
        for key, label in (("mineral", "矿种"), ("scale", "规模"), ("green_mine", "绿色矿山名录"))
        if info is not None and key in info and str(info.get(key)) not in ("", "nan", "None")
    )
    return name, meta


def mine_report_html(
    res: RunResults, mine_id: str, here: Path, index: Path, print_map: Path | None = None
) -> str:
    """The report page of one mine, to be written into the directory ``here`` (links are
    relative to it); ``index`` is the atlas page it links back to."""
    name, meta = _identity(res, mine_id)
    return render(
        "mine_report.html",
        name=name,
        meta=meta,
        mine_id=mine_id,
        index=_rel(index, here),
        print_map=_rel(print_map, here) if print_map is not None else None,
        prerequisite=_prerequisite(res, mine_id, here),
        reviews=_reviews(res, mine_id),
        greening=_greening(res, mine_id, here),
        restoration=_restoration(res, mine_id, here),
    )
