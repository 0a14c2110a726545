"""The atlas step: a results directory → maps, print maps, dashboard, reports and an index page.

Reads what a run wrote (``greenmine run`` or single commands into one directory,
:func:`~greenmine_geo.run_results.load_results`) and writes into the output directory
``maps/province.html`` and ``maps/league_<盟市>.html`` for each league or city with mines
(offline), ``maps/print/`` (A4 PNG and PDF of each league/city and each mine),
``maps/dashboard.*``, each mine's review report and each league's batch summary as HTML,
PDF and Word (``reports/``, :mod:`.documents`) and, last, ``index.html`` linking them all.
The atlas keeps no manifest of its own: it is a view of steps that have theirs, and
``index.html``, written last, marks it complete. File names come from ids through
:func:`~greenmine_geo.io.naming.file_names`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pandas as pd

from ..config import MapsParams
from ..io import results
from ..io.naming import file_names
from ..io.workbook import write_workbook
from ..maps.atlas import atlas_map, leagues
from ..maps.dashboard import DASHBOARD_COLUMNS, dashboard_figure, league_table
from ..maps.print_maps import league_print_map, mine_print_map
from ..progress import Progress
from ..report.index_table import (
    COLUMNS,
    SORTS,
    Documents,
    index_rows,
    mine_table,
    sorted_table,
    table_for_people,
    verdict_counts,
)
from ..report.mine_dossier import mine_ids
from ..report.render import relative_href, render
from ..run_results import RunResults, load_results
from ..types import StepResult
from .atlas_workers import in_workers
from .documents import write_documents
from .skeleton import StepContext

__all__ = ["AtlasResult", "run"]

#: How the index names each format of a document.
_KIND = {".html": "HTML", ".pdf": "PDF", ".docx": "Word"}


@dataclass
class AtlasResult(StepResult):
    """The pages of the atlas (paths inside the output directory): ``reports`` each mine's
    review report (HTML, PDF, Word), ``batches`` each league/city's 汇总表."""

    command: ClassVar[str] = "maps"
    interactive: list[Path]
    prints: list[Path]
    reports: dict[str, list[Path]]
    batches: dict[str, list[Path]]
    dashboard: list[Path]
    index: Path
    warnings: list[str] = field(default_factory=list)

    def write(self, out_dir: Path) -> list[Path]:
        """Nothing more: the atlas's pages are written as they are drawn."""
        return []

    def summary(self) -> dict[str, int]:
        return {
            "interactive_maps": len(self.interactive),
            "print_maps": len(self.prints) // 2,
            "reports": len(self.reports),
            "batch_summaries": len(self.batches),
        }


def _leagues_with_mines(res: RunResults) -> list[str]:
    """Leagues/cities that hold at least one mine (mines outside every league have none)."""
    if res.mines is None or "league_city" not in res.mines.columns:
        return []
    return sorted({str(v) for v in res.mines["league_city"].dropna() if str(v).strip()})


def _print_jobs(res: RunResults, folder: Path, jobs: list[tuple[str, str, str]]) -> list[Path]:
    """Draw ``jobs`` ((kind, key, file stem): ("league", name, …) or ("mine", id, …)) as PNG
    (150 dpi) and PDF."""
    written = []
    for kind, key, stem in jobs:
        fig = league_print_map(res, key) if kind == "league" else mine_print_map(res, key)
        for suffix in (".png", ".pdf"):
            written.append(results.write_figure(fig, folder / f"{stem}{suffix}", dpi=150))
    return written


def _print_maps(
    res: RunResults, folder: Path, progress: Progress
) -> tuple[list[Path], dict[str, Path]]:
    """PNG and PDF of each league/city with mines and of each mine (in worker processes);
    returns every file and each mine's PNG."""
    if res.mines is None:
        return [], {}
    league_names = file_names(_leagues_with_mines(res) if "admin" in res.context else [], "league_")
    mine_names = file_names(mine_ids(res), "mine_")
    jobs = [("league", k, stem) for k, stem in league_names.items()]
    jobs += [("mine", k, stem) for k, stem in mine_names.items()]
    written = in_workers(
        _print_jobs, (res, folder), jobs, progress, "print maps", "print-map files"
    )
    return written, {k: folder / f"{stem}.png" for k, stem in mine_names.items()}


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:,.0f}"
    return str(value)


def _dashboard(res: RunResults, ctx: StepContext) -> list[Path]:
    """maps/dashboard.png/.pdf (choropleth and table), .csv and .html."""
    table = league_table(res)
    fig = dashboard_figure(res, table)
    page = render(
        "dashboard.html",
        head=list(DASHBOARD_COLUMNS.values()),
        rows=[[_cell(r[c]) for c in DASHBOARD_COLUMNS] for _, r in table.iterrows()],
        has_list_field=bool(table["large_green"].notna().any()),
    )
    ctx.write_figure(fig, "maps/dashboard.png", dpi=150)
    ctx.write_figure(fig, "maps/dashboard.pdf")
    ctx.wrote([results.write_csv(table, ctx.out_dir / "maps" / "dashboard.csv")])
    ctx.write_text(page, "maps/dashboard.html")
    return [ctx.out_dir / "maps" / f"dashboard{s}" for s in (".png", ".pdf", ".csv", ".html")]


def _interactive(
    res: RunResults, ctx: StepContext, reports: dict[str, Path]
) -> list[tuple[str, Path]]:
    """The province map and one map per league/city with mines: (label, file) each."""
    href = {mid: relative_href(p, ctx.out_dir / "maps") for mid, p in reports.items()}
    title = "内蒙古自治区 绿色矿山 总览 Inner Mongolia overview"
    maps = [
        ("全区总览 province overview", atlas_map(res, title=title, report_href=href), "province")
    ]
    admin = res.context.get("admin")
    if admin is not None and res.mines is not None and "league_city" in admin.columns:
        shown = _leagues_with_mines(res)
        polys = leagues(admin).to_crs("EPSG:4490")
        names = file_names(shown, "league_")
        for row in polys[polys["league_city"].isin(shown)].itertuples():
            league = str(row.league_city)
            fmap = atlas_map(
                res, area=row.geometry, title=f"{league} 绿色矿山 green mines", report_href=href
            )
            maps.append((league, fmap, names[league]))
    return [
        (label, ctx.write_text(fmap.get_root().render(), f"maps/{stem}.html"))
        for label, fmap, stem in maps
    ]


def _table_files(ctx: StepContext, table: pd.DataFrame) -> list[tuple[str, Path]]:
    """The index's table as ``index_table.csv`` and ``index_table.xlsx`` (headers and
    verdicts in the run's language), for sorting in Excel or WPS: (label, file) each."""
    people = table_for_people(table, ctx.lang)
    csv = results.write_csv(people, ctx.out_dir / "index_table.csv")
    xlsx = write_workbook(
        {"矿山" if ctx.lang == "zh" else "mines": people}, ctx.out_dir / "index_table.xlsx"
    )
    ctx.wrote([csv, xlsx])
    return [("CSV", csv), ("XLSX", xlsx)]


def _index(
    res: RunResults,
    ctx: StepContext,
    sections: dict[str, list[tuple[str, Path]]],
    documents: Documents,
) -> Path:
    """The landing page: the table of all mines with their ``documents`` (mine id →
    [(label, file)]), every map, dashboard and print map, and each step's files; and a copy
    sorted by each column (:data:`~greenmine_geo.report.index_table.SORTS`), ``index.html``
    (by verdict) last."""

    def href(path: Path) -> str:
        return relative_href(path, ctx.out_dir)

    steps = [
        (
            s.name,
            str(s.manifest.get("command", "")),
            [
                (p.name, href(p))
                for p in sorted(
                    {s.path / o["path"] for o in s.manifest.get("outputs", [])}
                    | {s.path / "manifest.json"}
                )
            ],
        )
        for s in res.steps
    ]
    table = mine_table(res, ctx.lang)
    zh = ctx.lang == "zh"
    common = {
        "root": res.root.resolve().name,
        "sections": [
            (t, [(label, href(p)) for label, p in items]) for t, items in sections.items() if items
        ],
        "steps": steps,
        "warnings": res.warnings,
        "counts": verdict_counts(table),
        "heads": [(COLUMNS[k][0 if zh else 1], SORTS[k][0], k) for k in COLUMNS],
        "downloads": [(label, href(p)) for label, p in _table_files(ctx, table)],
        "zh": zh,
    }
    docs = {m: [(label, href(p)) for label, p in items] for m, items in documents.items()}
    for key, (name, _, _) in reversed(SORTS.items()):  # index.html, the first, last
        rows = index_rows(sorted_table(table, key), docs, ctx.lang)
        page = ctx.write_text(render("index.html", rows=rows, sorted_by=key, **common), name)
    return page


def run(params: MapsParams, ctx: StepContext) -> AtlasResult:
    """Write the atlas of the results directory ``params.results`` into ``ctx.out_dir``
    (a context made with ``manifest=False``: the atlas keeps no manifest of its own)."""
    res = load_results(params.results)
    ctx.begin()
    prints, mine_prints = _print_maps(res, ctx.out_dir / "maps" / "print", ctx.progress)
    ctx.wrote(prints)
    shown = {k: p for k, p in mine_prints.items() if p.exists()}
    reports, batches, written = write_documents(res, ctx.out_dir, ctx.lang, shown, ctx.progress)
    ctx.wrote(written)
    interactive = _interactive(res, ctx, {k: files[0] for k, files in reports.items()})
    mine_pdfs = {m: p.with_suffix(".pdf") for m, p in shown.items()}
    dashboard = _dashboard(res, ctx) if res.mines is not None else []
    sections = {
        "交互地图 Interactive maps": interactive,
        "全区看板 Province dashboard": [
            ("看板 dashboard", p) for p in dashboard if p.suffix == ".html"
        ],
        "印刷图 Print maps (PDF)": [
            (p.stem, p) for p in prints if p.suffix == ".pdf" and p not in mine_pdfs.values()
        ],
        "盟市汇总表 League/city summaries (汇总表)": [
            (f"{league} {_KIND[p.suffix]}", p) for league, files in batches.items() for p in files
        ],
    }
    documents: dict[str, list[tuple[str, Path]]] = {
        m: [(f"报告 {_KIND[p.suffix]}", p) for p in files] for m, files in reports.items()
    }
    for mine_id, pdf in mine_pdfs.items():
        documents.setdefault(mine_id, []).append(("印刷图 PDF", pdf))
    index = _index(res, ctx, sections, documents)  # last: it marks the atlas complete
    result = AtlasResult([p for _, p in interactive], prints, reports, batches, dashboard, index)
    result.warnings = res.warnings
    return ctx.finish(result, params)
