"""The maps step: a results directory → the interactive atlas and an index page.

Reads what a run wrote (``greenmine run`` or single commands into one directory)
and writes ``maps/province.html``, ``maps/league_<盟市>.html`` for each league or
city with mines, and ``index.html`` linking every map and output.
"""

from __future__ import annotations

import html
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..config import MapsStep
from ..io import results
from ..io.run_results import RunResults, load_results
from ..maps.atlas import atlas_map, leagues
from ..maps.dashboard import dashboard_figure, league_table
from ..maps.print_maps import league_print_map, mine_print_map
from ..report.mine_report import mine_ids, mine_report_html
from .outcome import StepOutcome

__all__ = ["run_maps", "run_maps_step"]

#: Step outputs linked from the index page.
_LISTED = {".csv", ".gpkg", ".json", ".html", ".png", ".pdf"}


def _index(res: RunResults, sections: dict[str, list[tuple[str, Path]]], out_dir: Path) -> str:
    """The landing page: every map, dashboard, print map and report, and each step's files."""

    def link(path: Path, label: str | None = None) -> str:
        rel = os.path.relpath(path, out_dir).replace(os.sep, "/")
        return f"<a href='{html.escape(rel)}'>{html.escape(label or path.name)}</a>"

    blocks = "\n".join(
        f"<h2>{html.escape(title)}</h2><ul class='cols'>"
        + "".join(f"<li>{link(p, label)}</li>" for label, p in items)
        + "</ul>"
        for title, items in sections.items()
        if items
    )
    steps = "\n".join(
        f"<li><b>{html.escape(s.name)}</b> ({html.escape(str(s.manifest.get('command', '')))}): "
        + ", ".join(link(f) for f in sorted(s.path.iterdir()) if f.suffix in _LISTED)
        + "</li>"
        for s in res.steps
    )
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in res.warnings)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>绿色矿山 监管图集 green-mine atlas</title>
<style>body {{ font: 15px/1.6 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; margin: 2em auto; max-width: 64em; }}
h1 {{ font-size: 1.5em; }} h2 {{ font-size: 1.15em; border-bottom: 1px solid #b0bec5; }} code {{ background: #eee; }}
ul.cols {{ columns: 3; }}</style></head>
<body><h1>绿色矿山监管图集 Green-mine supervision atlas</h1>
<p>Results in <code>{html.escape(str(res.root))}</code>. The maps work offline; the reports print to A4.</p>
{blocks}
<h2>各步骤结果 Step outputs</h2><ul>{steps}</ul>
{"<h2>注意 Warnings</h2><ul>" + warnings + "</ul>" if warnings else ""}
</body></html>
"""


def _reports(res: RunResults, out_dir: Path, folder: Path) -> dict[str, Path]:
    """A report page per mine the run knows, with its print map when there is one."""
    written = {}
    for mine_id in mine_ids(res):
        print_map = out_dir / "maps" / "print" / f"mine_{results.safe_name(mine_id)}.png"
        page = mine_report_html(
            res, mine_id, folder, out_dir / "index.html", print_map if print_map.exists() else None
        )
        written[mine_id] = results.write_text(page, folder / f"{results.safe_name(mine_id)}.html")
    return written


def _dashboard(res: RunResults, folder: Path) -> list[Path]:
    """dashboard.png/.pdf (choropleth and table), dashboard.csv and dashboard.html."""
    table = league_table(res)
    fig = dashboard_figure(res, table)
    png = results.write_figure(fig, folder / "dashboard.png", dpi=150)
    pdf = results.write_figure(fig, folder / "dashboard.pdf")
    csv = results.write_csv(table, folder / "dashboard.csv")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in _DASHBOARD_COLUMNS.values())
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(r[c])}</td>" for c in _DASHBOARD_COLUMNS) + "</tr>"
        for _, r in table.iterrows()
    )
    note = (
        ""
        if table["large_green"].notna().any()
        else (
            "<p><b>注意 note:</b> the mines layer has no green-mine field (green_mine / 绿色矿山): shares not computed.</p>"
        )
    )
    page = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>全区看板 province dashboard</title>
<style>body {{ font: 14px/1.5 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #bdbdbd; padding: 3px 8px; text-align: right; }}
td:first-child {{ text-align: left; }} img {{ max-width: 100%; }}</style></head><body>
<h1>矿山数量与绿色矿山目标 Mines, quotas and green-mine targets</h1>
<p>2025 quotas: Master Plan 专栏6 (mines in force, geothermal excluded); 2028 targets: 90 % of large and
80 % of medium mines on the green-mine list. <a href="dashboard.pdf">PDF</a> · <a href="dashboard.csv">CSV</a></p>
{note}<img src="dashboard.png" alt="choropleth"><table><tr>{head}</tr>{body}</table></body></html>"""
    return [png, pdf, csv, results.write_text(page, folder / "dashboard.html")]


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "—" if value != value else f"{value:,.0f}"
    return html.escape(str(value))


#: Dashboard table columns shown on the page: column → heading.
_DASHBOARD_COLUMNS = {
    "league_city": "盟市 league/city",
    "mines": "在期矿山 mines",
    "quota_2025": "2025指标 quota",
    "quota_used_pct": "占指标 % of quota",
    "large": "大型 large",
    "large_green_pct": "大型达标 % on list",
    "large_gap": "距90%差 to add",
    "medium": "中型 medium",
    "medium_green_pct": "中型达标 % on list",
    "medium_gap": "距80%差 to add",
    "PASS": "通过 pass",
    "REVIEW": "需复核 review",
    "EXEMPT": "豁免 exempt",
    "FAIL": "不通过 fail",
}


def _leagues_with_mines(res: RunResults) -> list[str]:
    """Leagues/cities that hold at least one mine (mines outside every league have none)."""
    assert res.mines is not None
    return sorted({str(v) for v in res.mines["league_city"].dropna() if str(v).strip()})


def _print_jobs(res: RunResults, folder: Path, jobs: list[tuple[str, str]]) -> list[Path]:
    """Draw ``jobs`` ((kind, key): ("league", name) or ("mine", id)) as PNG (150 dpi) and PDF."""
    written = []
    for kind, key in jobs:
        fig = league_print_map(res, key) if kind == "league" else mine_print_map(res, key)
        for suffix in (".png", ".pdf"):
            path = folder / f"{kind}_{results.safe_name(key)}{suffix}"
            written.append(results.write_figure(fig, path, dpi=150))
    return written


def _print_maps(res: RunResults, folder: Path) -> list[Path]:
    """PNG and PDF of each league/city with mines and of each mine, drawn by one worker per core.

    Workers come from the fork server (never a plain fork of this process, see
    io/isolation.py); each gets an interleaved share of the maps.
    """
    if res.mines is None:
        return []
    jobs = (
        [("league", league) for league in _leagues_with_mines(res)]
        if "admin" in res.context
        else []
    )
    jobs += [("mine", mine_id) for mine_id in mine_ids(res)]
    workers = min(os.cpu_count() or 1, 4, max(len(jobs) // 8, 1))
    if workers == 1:
        return _print_jobs(res, folder, jobs)
    shares = [jobs[k::workers] for k in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        done = pool.map(_print_jobs, [res] * workers, [folder] * workers, shares)
        return sorted(p for part in done for p in part)


def run_maps(results_dir: str | Path, out_dir: str | Path) -> StepOutcome:
    """Write the atlas of a results directory into ``out_dir`` (see the module docstring)."""
    out_dir = Path(out_dir)
    res = load_results(results_dir)
    prints = _print_maps(res, out_dir / "maps" / "print")
    reports = _reports(res, out_dir, out_dir / "reports")
    href = {mid: os.path.relpath(p, out_dir / "maps") for mid, p in reports.items()}
    interactive = [
        (
            "全区总览 province overview",
            atlas_map(
                res, title="内蒙古自治区 绿色矿山 总览 Inner Mongolia overview", report_href=href
            ),
            out_dir / "maps" / "province.html",
        )
    ]
    admin = res.context.get("admin")
    if admin is not None and res.mines is not None:
        polys = leagues(admin).to_crs("EPSG:4490")
        for row in polys[polys["league_city"].isin(_leagues_with_mines(res))].itertuples():
            league = str(row.league_city)
            fmap = atlas_map(
                res, area=row.geometry, title=f"{league} 绿色矿山 green mines", report_href=href
            )
            interactive.append(
                (league, fmap, out_dir / "maps" / f"league_{results.safe_name(league)}.html")
            )
    written = [results.write_text(fmap.get_root().render(), path) for _, fmap, path in interactive]
    dashboard = _dashboard(res, out_dir / "maps") if res.mines is not None else []
    sections = {
        "交互地图 Interactive maps": [(label, path) for label, _, path in interactive],
        "全区看板 Province dashboard": [
            ("看板 dashboard", p) for p in dashboard if p.suffix == ".html"
        ],
        "印刷图 Print maps (PDF)": [(p.stem, p) for p in prints if p.suffix == ".pdf"],
        "矿山报告 Mine reports": [(mid, p) for mid, p in reports.items()],
    }
    written += [*prints, *reports.values(), *dashboard]
    written.append(results.write_text(_index(res, sections, out_dir), out_dir / "index.html"))
    summary = {
        "interactive_maps": len(interactive),
        "print_maps": len(prints) // 2,
        "reports": len(reports),
    }
    return StepOutcome(out_dir, written, summary, res.warnings, res)


def run_maps_step(params: MapsStep, out_dir: Path, **_: object) -> StepOutcome:
    """The pipeline's ``maps`` step: the atlas of the run's directory (``out_dir``'s parent)."""
    return run_maps(out_dir.parent, out_dir.parent)
