"""The province dashboard: per league/city, mines against the 2025 quota and the 2028 targets.

Targets from the Master Plan (RULES.md §4): 专栏6 caps the mines in force per league or
city by 2025 (geothermal excluded); by the end of 2028, 90 % of large and 80 % of medium
mines are to meet the green-mine standard (on the green-mine list). Shown with the
prerequisite verdict counts, as a table and a choropleth.
"""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..checks.targets import QUOTA_2025, TARGET_2028, on_green_list
from ..run_results import RunResults
from .atlas import leagues
from .print_maps import A4_LANDSCAPE, cjk_font
from .styles import VERDICT_STYLE

__all__ = ["DASHBOARD_COLUMNS", "dashboard_figure", "league_table"]

#: Dashboard table columns shown on the page: column → heading.
DASHBOARD_COLUMNS = {
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
    **{str(verdict): f"{zh} {en}" for verdict, (_, zh, en) in VERDICT_STYLE.items()},
}


def league_table(res: RunResults) -> pd.DataFrame:
    """One row per league/city (all twelve, in 专栏6 order) with counts, shares and targets.

    Columns: ``league_city``, ``mines`` (excl. geothermal), ``quota_2025``,
    ``quota_used_pct``; per scale (``large``, ``medium``): count, count on the green-mine
    list, share (%), target (%), and ``*_gap`` (mines still to add to meet the target);
    the prerequisite verdict counts. Shares are NaN where there is no such mine or the
    mines layer has no green-mine field.
    """
    mines = (
        res.mines.copy()
        if res.mines is not None
        else pd.DataFrame(columns=["mine_id", "league_city", "verdict"])
    )
    mines["mine_id"] = mines["mine_id"].astype(str)
    info = res.mine_info
    if info is not None:
        # the mines table carries the mine's own fields already when the step kept them
        wanted = [c for c in ("mineral", "scale") if c in info.columns and c not in mines]
        mines = mines.join(info[wanted], on="mine_id")
        green = on_green_list(info)
        if green is not None:
            mines = mines.join(green.rename("on_list"), on="mine_id")
    if "mineral" in mines.columns:
        mines = mines[~mines["mineral"].astype(str).str.contains("地热")]
    rows = []
    if "league_city" not in mines.columns:  # checked without an admin layer: no league known
        mines = mines.assign(league_city="")
    for league, quota in QUOTA_2025.items():
        here = mines[mines["league_city"] == league]
        row: dict[str, object] = {
            "league_city": league,
            "mines": len(here),
            "quota_2025": quota,
            "quota_used_pct": 100 * len(here) / quota,
        }
        for key, scale in (("large", "大型"), ("medium", "中型")):
            of_scale = here[here["scale"] == scale] if "scale" in here.columns else here.iloc[0:0]
            listed = int(of_scale["on_list"].sum()) if "on_list" in of_scale.columns else None
            n = len(of_scale)
            target = TARGET_2028[scale]
            row[key] = n
            row[f"{key}_green"] = listed if listed is not None else math.nan
            row[f"{key}_green_pct"] = 100 * listed / n if n and listed is not None else math.nan
            row[f"{key}_target_pct"] = 100 * target
            row[f"{key}_gap"] = (
                max(0, math.ceil(target * n - 1e-9) - listed) if listed is not None else math.nan
            )
        for verdict in VERDICT_STYLE:
            row[str(verdict)] = (
                int((here["verdict"] == verdict).sum()) if "verdict" in here.columns else 0
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _pct(value: float, n: int) -> str:
    return "—" if not n or math.isnan(value) else f"{value:.0f} % of {n}"


def _choropleth(ax: Axes, admin: gpd.GeoDataFrame | None, table: pd.DataFrame) -> None:
    """Each league's share of its 2025 quota, coloured, labelled with its counts."""
    # only the twelve leagues of the table: a name outside it (a typo, or anything an input
    # file holds) has no quota, would not be drawn, and its label would land off the axes
    if admin is None or "league_city" not in admin.columns:
        return
    polys = leagues(admin).merge(table, on="league_city", how="inner")
    if polys.empty:
        return
    crs = "+proj=aea +lat_1=38 +lat_2=50 +lat_0=0 +lon_0=112 +ellps=GRS80 +units=m"
    polys = polys.to_crs(crs)
    bins = [0, 25, 50, 75, 100, 1e9]
    cmap = ListedColormap(["#e8f5e9", "#a5d6a7", "#66bb6a", "#2e7d32", "#c62828"])
    polys.plot(
        ax=ax,
        column="quota_used_pct",
        cmap=cmap,
        norm=BoundaryNorm(bins, cmap.N),
        edgecolor="#424242",
        linewidth=0.6,
    )
    for row in polys.itertuples():
        p = row.geometry.representative_point()
        ax.text(
            p.x,
            p.y,
            f"{row.league_city}\n{row.mines}/{row.quota_2025}",
            ha="center",
            va="center",
            fontsize=7.5,
        )
    labels = ["< 25 %", "25-50 %", "50-75 %", "75-100 %", "> 100 % 超出指标"]
    ax.legend(
        handles=[
            Patch(facecolor=cmap(i), edgecolor="#424242", label=lab) for i, lab in enumerate(labels)
        ],
        title="在期矿山占2025年指标 mines / 2025 quota",
        loc="upper left",
        fontsize=8,
        title_fontsize=8.5,
    )


def dashboard_figure(res: RunResults, table: pd.DataFrame) -> Figure:
    """A4 choropleth of each league's share of its 2025 quota, with counts and 2028 shares."""
    cjk_font()
    fig = Figure(figsize=A4_LANDSCAPE, dpi=200)
    ax = fig.add_axes((0.02, 0.1, 0.62, 0.8))
    ax.set_axis_off()
    _choropleth(ax, res.context.get("admin"), table)
    fig.suptitle(
        "内蒙古自治区 矿山数量与绿色矿山目标 Mines, quotas and green-mine targets",
        fontsize=15,
        weight="bold",
    )
    cells = []
    for r in table.itertuples():
        cells.append(
            [
                r.league_city,
                f"{r.mines}/{r.quota_2025}",
                _pct(r.large_green_pct, r.large),
                _pct(r.medium_green_pct, r.medium),
            ]
        )
    cells.append(
        ["全区 total", f"{int(table['mines'].sum())}/{int(table['quota_2025'].sum())}", "", ""]
    )
    tab_ax = fig.add_axes((0.66, 0.33, 0.32, 0.55))
    tab_ax.set_axis_off()
    shown = tab_ax.table(
        cellText=cells,
        colLabels=["盟市", "矿山/指标", "大型达标", "中型达标"],
        loc="upper center",
        cellLoc="center",
    )
    shown.auto_set_font_size(False)
    shown.set_fontsize(7.5)
    shown.scale(1, 1.25)
    fig.text(
        0.66,
        0.28,
        "2028年目标 targets: 大型 large ≥ 90 %, 中型 medium ≥ 80 % 达到绿色矿山标准\n"
        "指标 quota: 专栏6 (在期矿山, 不含地热); 达标 = 绿色矿山名录 (green-mine list field)",
        fontsize=7.5,
        va="top",
        color="#424242",
    )
    return fig
