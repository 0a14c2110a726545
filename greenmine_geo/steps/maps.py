"""The maps step: a results directory → the interactive atlas and an index page.

Reads what a run wrote (``greenmine run`` or single commands into one directory)
and writes ``maps/province.html``, ``maps/league_<盟市>.html`` for each league or
city with mines, and ``index.html`` linking every map and output.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from ..config import MapsStep
from ..io import results
from ..io.run_results import RunResults, load_results
from ..maps.atlas import atlas_map, leagues
from ..maps.dashboard import dashboard_figure, league_table
from ..maps.print_maps import league_print_map, mine_print_map
from .outcome import StepOutcome

__all__ = ["run_maps", "run_maps_step"]

#: Step outputs linked from the index page.
_LISTED = {".csv", ".gpkg", ".json", ".html", ".png", ".pdf"}


def _index(res: RunResults, pages: list[tuple[str, Path]], out_dir: Path) -> str:
    items = "\n".join(
        f"<li><a href='{html.escape(str(p.relative_to(out_dir)))}'>{html.escape(label)}</a></li>"
        for label, p in pages
    )

    def link(path: Path) -> str:
        rel = os.path.relpath(path, out_dir)
        return f"<a href='{html.escape(rel)}'>{html.escape(path.name)}</a>"

    steps = "\n".join(
        f"<li><b>{html.escape(s.name)}</b> ({html.escape(str(s.manifest.get('command', '')))}): "
        + ", ".join(link(f) for f in sorted(s.path.iterdir()) if f.suffix in _LISTED)
        + "</li>"
        for s in res.steps
    )
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in res.warnings)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>绿色矿山 监管图集 green-mine atlas</title>
<style>body {{ font: 15px/1.6 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; margin: 2em auto; max-width: 60em; }}
h1 {{ font-size: 1.5em; }} code {{ background: #eee; }}</style></head>
<body><h1>绿色矿山监管图集 Green-mine supervision atlas</h1>
<p>Results in <code>{html.escape(str(res.root))}</code>. Every map works offline.</p>
<h2>地图 Maps</h2><ul>{items}</ul>
<h2>各步骤结果 Step outputs</h2><ul>{steps}</ul>
{"<h2>注意 Warnings</h2><ul>" + warnings + "</ul>" if warnings else ""}
</body></html>
"""


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


def _print_maps(res: RunResults, folder: Path) -> list[Path]:
    """PNG (150 dpi) and PDF of each league/city with mines and of each mine."""
    written: list[Path] = []
    if res.mines is None:
        return written
    if "admin" in res.context:
        for league in _leagues_with_mines(res):
            fig = league_print_map(res, league)
            for suffix in (".png", ".pdf"):
                path = folder / f"league_{results.safe_name(league)}{suffix}"
                written.append(results.write_figure(fig, path, dpi=150))
    for mine_id in res.mines["mine_id"].astype(str):
        fig = mine_print_map(res, mine_id)
        for suffix in (".png", ".pdf"):
            path = folder / f"mine_{results.safe_name(mine_id)}{suffix}"
            written.append(results.write_figure(fig, path, dpi=150))
    return written


def run_maps(results_dir: str | Path, out_dir: str | Path) -> StepOutcome:
    """Write the atlas of a results directory into ``out_dir`` (see the module docstring)."""
    out_dir = Path(out_dir)
    res = load_results(results_dir)
    pages: list[tuple[str, Path]] = []
    written: list[Path] = []
    province = atlas_map(res, title="内蒙古自治区 绿色矿山 总览 Inner Mongolia overview")
    path = out_dir / "maps" / "province.html"
    written.append(results.write_text(province.get_root().render(), path))
    pages.append(("全区总览 province overview", path))
    admin = res.context.get("admin")
    if admin is not None and res.mines is not None:
        polys = leagues(admin).to_crs("EPSG:4490")
        present = set(_leagues_with_mines(res))
        for row in polys.itertuples():
            if str(row.league_city) not in present:
                continue
            fmap = atlas_map(
                res, area=row.geometry, title=f"{row.league_city} 绿色矿山 green mines"
            )
            path = out_dir / "maps" / f"league_{results.safe_name(str(row.league_city))}.html"
            written.append(results.write_text(fmap.get_root().render(), path))
            pages.append((f"{row.league_city}", path))
    if res.mines is not None:
        dash = _dashboard(res, out_dir / "maps")
        written += dash
        pages.append(("全区看板 province dashboard", dash[-1]))
    prints = _print_maps(res, out_dir / "maps" / "print")
    written += prints
    pages += [(f"印刷图 print map: {p.stem}", p) for p in prints if p.suffix == ".pdf"]
    written.append(results.write_text(_index(res, pages, out_dir), out_dir / "index.html"))
    summary = {
        "interactive_maps": sum(
            1
            for p in written
            if p.parent.name == "maps" and p.name != "dashboard.html" and p.suffix == ".html"
        ),
        "print_maps": len(prints) // 2,
    }
    return StepOutcome(out_dir, written, summary, res.warnings, res)


def run_maps_step(params: MapsStep, out_dir: Path, **_: object) -> StepOutcome:
    """The pipeline's ``maps`` step: the atlas of the run's directory (``out_dir``'s parent)."""
    return run_maps(out_dir.parent, out_dir.parent)
