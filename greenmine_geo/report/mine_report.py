"""The per-mine report: everything a run knows about one mine, on one printable page.

Prerequisite verdict and conflicts, imagery review checklist, greening (indicator 6),
restoration zones and suspected 越界 disturbance; each figure with its unit, each
section with its sources (input file and content hash from the step's manifest).
HTML with print CSS (A4), so a browser prints it to PDF.
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path

import pandas as pd

from ..io.run_results import RunResults, StepRun
from ..maps.styles import VERDICT_STYLE

__all__ = ["mine_ids", "mine_report_html"]

_CSS = """
body { font: 13px/1.55 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; margin: 1.5em auto; max-width: 56em; color: #212121; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; border-bottom: 2px solid #90a4ae; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.4em 0; } td, th { border: 1px solid #cfd8dc; padding: 2px 8px; vertical-align: top; }
th { background: #eceff1; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { font-weight: bold; padding: 1px 8px; border-radius: 3px; color: white; }
.src { font-size: 0.85em; color: #616161; } img { max-width: 100%; border: 1px solid #cfd8dc; }
.PASS { color: #2e7d32; } .WARN { color: #ef6c00; } .FAIL { color: #c62828; }
@media print { @page { size: A4; margin: 14mm; } body { margin: 0; max-width: none; } h2 { break-after: avoid; } img, table { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
"""


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
    return html.escape(str(value))


def _table(rows: list[tuple[str, str]]) -> str:
    return (
        "<table>"
        + "".join(f"<tr><th>{html.escape(k)}</th><td class='num'>{v}</td></tr>" for k, v in rows)
        + "</table>"
    )


def _frame(df: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> str:
    """An HTML table of ``df``: column → (heading, unit)."""
    head = "".join(
        f"<th>{html.escape(h)}{' (' + u + ')' if u else ''}</th>" for h, u in columns.values()
    )
    body = "".join(
        "<tr>" + "".join(f"<td class='num'>{_num(r[c])}</td>" for c in columns) + "</tr>"
        for _, r in df.iterrows()
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _rel(target: Path, here: Path) -> str:
    """``target`` as an HTML-escaped link relative to the directory ``here``."""
    return html.escape(os.path.relpath(target, here).replace(os.sep, "/"))


def _sources(step: StepRun, here: Path) -> str:
    items = [
        f"{html.escape(str(i.get('role')))}: {html.escape(Path(str(i.get('path', ''))).name)} "
        f"<code>{html.escape(str(i.get('sha256', ''))[:16])}</code>"
        for i in step.manifest.get("inputs", [])
    ]
    return (
        f"<p class='src'>来源 sources ({html.escape(step.name)}, "
        f"<a href='{_rel(step.path / 'manifest.json', here)}'>manifest.json</a>): {'; '.join(items)}</p>"
    )


def _prerequisite(res: RunResults, mine_id: str, here: Path) -> str:
    if res.mines is None or mine_id not in set(res.mines["mine_id"].astype(str)):
        return "<h2>先决条件 Prerequisite</h2><p>Not checked in this run.</p>"
    row = res.mines[res.mines["mine_id"].astype(str) == mine_id].iloc[0]
    colour, zh, en = VERDICT_STYLE.get(str(row["verdict"]), ("#000", str(row["verdict"]), ""))
    facts = [
        ("结论 verdict", f"<span class='verdict' style='background:{colour}'>{zh} {en}</span>"),
        ("与红线关系 contact with the red line", _num(row.get("contact"))),
        (
            "矿区面积 mining area",
            _num(row["mine_area_m2"], "m²") + f" ({_num(row['mine_area_m2'] / 1e4, 'ha')})",
        ),
        (
            "压占红线 red-line overlap",
            _num(row["redline_overlap_m2"], "m²") + f" ({_num(row['redline_overlap_pct'], '%')})",
        ),
        ("距红线 distance to the red line", _num(row["redline_distance_m"], "m")),
        ("压占永久基本农田 farmland overlap", _num(row.get("landuse_farmland_overlap_m2"), "m²")),
        (
            "压占自然保护地 nature-reserve overlap",
            _num(row.get("landuse_nature_reserve_overlap_m2"), "m²"),
        ),
        ("重点勘查开采区 key zones", _num(row.get("key_zones"))),
        ("开采规划区块 mining blocks", _num(row.get("mining_blocks"))),
        ("所在 location", _num(f"{row.get('league_city') or ''} {row.get('banner_county') or ''}")),
        ("理由 reasons", html.escape(str(row.get("reasons") or ""))),
    ]
    out = ["<h2>先决条件 Prerequisite (矿区范围)</h2>", _table(facts)]
    if res.conflicts is not None:
        mine_conf = res.conflicts[res.conflicts["mine_id"].astype(str) == mine_id]
        mine_conf = mine_conf[~mine_conf["sliver"].astype(bool)].drop(columns="geometry")
        binding = mine_conf[mine_conf["effect"].isin(["FAIL", "REVIEW"])]
        if len(binding):
            out.append("<h3>冲突部分 conflict pieces (each feature)</h3>")
            out.append(
                _frame(
                    binding,
                    {
                        "layer": ("图层 layer", ""),
                        "class": ("类别 class", ""),
                        "feature_name": ("要素 feature", ""),
                        "area_m2": ("面积 area", "m²"),
                        "mine_pct": ("占矿区 of mine", "%"),
                        "effect": ("影响 effect", ""),
                    },
                )
            )
        other = mine_conf[~mine_conf["effect"].isin(["FAIL", "REVIEW"])]
        if len(other):
            grouped = (
                other.fillna({"class": ""})
                .groupby(["layer", "class", "effect"], as_index=False)
                .agg(features=("area_m2", "size"), area_m2=("area_m2", "sum"))
            )
            out.append("<h3>其他叠加 other overlaps, by layer and class</h3>")
            out.append(
                _frame(
                    grouped,
                    {
                        "layer": ("图层 layer", ""),
                        "class": ("类别 class", ""),
                        "effect": ("影响 effect", ""),
                        "features": ("要素数 features", ""),
                        "area_m2": ("面积合计 Σ area", "m²"),
                    },
                )
            )
            out.append(
                "<p class='src'>Σ area adds each feature's overlap; where features of one layer overlap "
                "each other, the mine's own totals above count the shared part once.</p>"
            )
    step = res.step("prerequisite")
    if step:
        out.append(_sources(step[0], here))
    return "\n".join(out)


def _review(res: RunResults, mine_id: str) -> str:
    reviews = [r for r in res.reviews if str(r.get("mine_id")) == mine_id]
    out = ["<h2>影像审查 Imagery review</h2>"]
    if not reviews:
        out.append("<p>No imagery review of this mine in this run (greenmine review-imagery).</p>")
    for r in reviews:
        out.append(
            f"<p>{html.escape(str(r.get('image')))} <code>{html.escape(str(r.get('image_sha256', ''))[:16])}</code>: "
            f"<b class='{html.escape(str(r.get('overall')))}'>{html.escape(str(r.get('overall')))}</b></p>"
        )
        rows = "".join(
            f"<tr><td>{html.escape(str(c.get('id')))}</td><td class='{html.escape(str(c.get('status')))}'>"
            f"<b>{html.escape(str(c.get('status')))}</b></td><td>{html.escape(str(c.get('message', '')))}</td></tr>"
            for c in r.get("checks", [])
        )
        out.append(
            f"<table><tr><th>检查 check</th><th>结果</th><th>原因 why</th></tr>{rows}</table>"
        )
    return "\n".join(out)


def _greening(res: RunResults, mine_id: str, here: Path) -> str:
    out = ["<h2>矿区绿化 Greening (indicator 6)</h2>"]
    rows = (
        res.greening[res.greening["mine_id"] == mine_id]
        if res.greening is not None
        else pd.DataFrame()
    )
    rows = rows[rows["indicator6_score"].notna()] if len(rows) else rows
    if not len(rows):
        out.append("<p>No image of this mine was measured in this run.</p>")
        return "\n".join(out)
    for g in rows.itertuples():
        out.append(f"<h3>{html.escape(g.step)}</h3>")
        out.append(
            _table(
                [
                    ("可绿化面积 greenable area", _num(g.greenable_area_m2, "m²")),
                    ("植被覆盖面积 vegetated area", _num(g.vegetated_area_m2, "m²")),
                    ("覆盖率 coverage", _num(g.coverage_pct, "%")),
                    ("平均植被覆盖度 mean FVC", _num(g.fvc_mean, "", 3)),
                    ("周边参照 reference FVC", _num(g.reference_fvc_mean, "", 3)),
                    ("相对覆盖 relative cover", _num(g.relative_cover_pct, "%")),
                    ("裸露斑块 bare patches", _num(int(g.bare_patches), "", 0)),
                    ("得分 indicator 6 score (of 2)", _num(g.indicator6_score, "", 1)),
                    ("备注 notes", html.escape(str(g.notes or ""))),
                ]
            )
        )
        if res.bare_patches is not None:
            patches = res.bare_patches[
                (res.bare_patches["mine_id"].astype(str) == mine_id)
                & (res.bare_patches["step"] == g.step)
            ]
            if len(patches):
                out.append(
                    _frame(
                        patches.drop(columns="geometry"),
                        {
                            "patch_no": ("斑块 patch", ""),
                            "area_m2": ("面积 area", "m²"),
                            "fvc_mean": ("平均FVC mean FVC", ""),
                            "centroid_lon": ("经度 lon", "°"),
                            "centroid_lat": ("纬度 lat", "°"),
                        },
                    )
                )
        step = next(s for s in res.steps if s.name == g.step)
        figure = next(step.path.glob(f"greening_*{mine_id}*.png"), None)
        if figure is not None:
            out.append(f"<img src='{_rel(figure, here)}' alt='greening map'>")
        out.append(_sources(step, here))
    return "\n".join(out)


def _restoration(res: RunResults, mine_id: str, here: Path) -> str:
    out = ["<h2>生态修复 Restoration (indicators 38-41)</h2>"]
    zones = res.zones
    if zones is None or "mine_id" not in zones.columns or res.restoration is None:
        out.append("<p>No restoration monitoring of this mine in this run.</p>")
        return "\n".join(out)
    mine_zones = zones[zones["mine_id"].astype(str) == mine_id]
    if not len(mine_zones):
        out.append("<p>No restoration zones of this mine in this run.</p>")
    else:
        summary = res.restoration[
            res.restoration["zone_id"].isin(mine_zones["zone_id"].astype(str))
        ]
        out.append(
            _frame(
                summary,
                {
                    "zone_id": ("分区 zone", ""),
                    "zone_type": ("类型 type", ""),
                    "status": ("状态 status", ""),
                    "trend_per_year": ("趋势 trend", "FVC/yr"),
                    "trend_p": ("p", ""),
                    "y2r_years": ("Y2R", "yr"),
                    "r80p": ("R80P", ""),
                    "rri": ("RRI", ""),
                    "reason": ("原因 reason", ""),
                },
            )
        )
        folder = res.step("restoration")[0].path
        for zid in summary["zone_id"]:
            chart = folder / f"restoration_{zid}.png"
            if chart.exists():
                out.append(f"<img src='{_rel(chart, here)}' alt='{html.escape(zid)}'>")
    if res.disturbance is not None:
        dist = res.disturbance[res.disturbance["mine_id"].astype(str) == mine_id]
        if len(dist):
            out.append(
                "<h3>疑似越界开采 suspected mining beyond the boundary — verify in the field</h3>"
            )
            out.append(
                _frame(
                    dist.drop(columns="geometry"),
                    {
                        "patch_no": ("斑块 patch", ""),
                        "area_m2": ("面积 area", "m²"),
                        "first_seen": ("首次发现 first seen", ""),
                        "distance_m": ("距边界 from boundary", "m"),
                    },
                )
            )
    for run in res.step("restoration")[:1]:
        out.append(_sources(run, here))
    return "\n".join(out)


def mine_report_html(
    res: RunResults, mine_id: str, here: Path, index: Path, print_map: Path | None = None
) -> str:
    """The report page of one mine, to be written into the directory ``here`` (links are
    relative to it); ``index`` is the atlas page it links back to."""
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
        f"{label} {html.escape(str(info.get(key)))}"
        for key, label in (("mineral", "矿种"), ("scale", "规模"), ("green_mine", "绿色矿山名录"))
        if info is not None and key in info and str(info.get(key)) not in ("", "nan", "None")
    )
    parts = [
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(name)} 报告</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(name)} 矿山核查报告</h1><p><code>{html.escape(mine_id)}</code> {meta}</p>",
        f"<p class='src'><a href='{_rel(index, here)}'>← 图集 atlas</a></p>",
    ]
    if print_map is not None:
        parts.append(f"<img src='{_rel(print_map, here)}' alt='mine map'>")
    parts += [
        _prerequisite(res, mine_id, here),
        _review(res, mine_id),
        _greening(res, mine_id, here),
        _restoration(res, mine_id, here),
        "</body></html>",
    ]
    return "\n".join(parts)
