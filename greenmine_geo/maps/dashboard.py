"""The province dashboard: per league/city, mines against the 2025 quota and the 2028 targets.

Targets from the Master Plan (RULES.md §4): 专栏6 caps the mines in force per league or
city by 2025 (geothermal excluded); by the end of 2028, 90 % of large and 80 % of medium
mines are to meet the green-mine standard (on the green-mine list). Shown with the
prerequisite verdict counts, as a table and a choropleth of the FAIL counts. A mine that
falls in no admin unit is counted in a row of its own (:data:`OUTSIDE_ADMIN`), flagged on
the sheet, never dropped.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..checks.targets import QUOTA_2025, TARGET_2028, on_green_list
from ..run_results import RunResults
from ..types import Verdict
from .atlas import leagues
from .labels import ON_POINT, legend_box, place_labels
from .paper import A4_LANDSCAPE, cjk_font
from .styles import VERDICT_STYLE

__all__ = ["DASHBOARD_COLUMNS", "FAIL_CLASSES", "OUTSIDE_ADMIN", "dashboard_figure", "league_table"]

#: The row of the mines that fall in no admin unit (league_city blank after the check).
OUTSIDE_ADMIN = "未落入行政区 outside every admin unit"
#: Classes of the choropleth: (lowest FAIL count, highest or None, colour, label); a league
#: with no mine is drawn in :data:`_NO_MINES`.
FAIL_CLASSES: tuple[tuple[int, int | None, str, str], ...] = (
    (0, 0, "#e8f5e9", "0 不通过 no FAIL"),
    (1, 1, "#ffcdd2", "1"),
    (2, 2, "#ef9a9a", "2"),
    (3, 4, "#e53935", "3-4"),
    (5, None, "#b71c1c", "≥ 5"),
)
_NO_MINES = ("#eeeeee", "无矿山 no mines")

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


def _row(name: str, here: pd.DataFrame, quota: float) -> dict[str, object]:
    """The dashboard's row of the mines ``here`` (a league's, or those outside every admin
    unit) against ``quota`` (NaN: none)."""
    row: dict[str, object] = {
        "league_city": name,
        "mines": len(here),
        "quota_2025": quota,
        "quota_used_pct": 100 * len(here) / quota if quota == quota else math.nan,
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
    return row


def league_table(res: RunResults) -> pd.DataFrame:
    """One row per league/city (all twelve, in 专栏6 order) with counts, shares and targets,
    and a last row :data:`OUTSIDE_ADMIN` when some mines fall in no admin unit.

    Columns: ``league_city``, ``mines`` (excl. geothermal), ``quota_2025``,
    ``quota_used_pct`` (NaN for the row outside every unit: it has no quota); per scale
    (``large``, ``medium``): count, count on the green-mine list, share (%), target (%),
    and ``*_gap`` (mines still to add to meet the target); the prerequisite verdict counts.
    Shares are NaN where there is no such mine or the mines layer has no green-mine field.
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
    if "league_city" not in mines.columns:  # checked without an admin layer: no league known
        rows = [_row(league, mines.iloc[0:0], quota) for league, quota in QUOTA_2025.items()]
        return pd.DataFrame(rows)
    rows = [
        _row(league, mines[mines["league_city"] == league], quota)
        for league, quota in QUOTA_2025.items()
    ]
    outside = mines[mines["league_city"].fillna("").astype(str).str.strip() == ""]
    if len(outside):
        rows.append(_row(OUTSIDE_ADMIN, outside, math.nan))
    return pd.DataFrame(rows)


def _pct(value: float, n: int) -> str:
    return "—" if not n or math.isnan(value) else f"{value:.0f} % of {n}"


def fail_class(fails: int, mines: int) -> tuple[str, str]:
    """The (colour, label) of a league with ``fails`` FAIL mines among ``mines``."""
    if not mines:
        return _NO_MINES
    for low, high, colour, label in FAIL_CLASSES:
        if fails >= low and (high is None or fails <= high):
            return colour, label
    raise AssertionError("unreachable: the classes cover every count")


def _choropleth(ax: Axes, admin: gpd.GeoDataFrame | None, table: pd.DataFrame) -> None:
    """Each league coloured by its FAIL count (:data:`FAIL_CLASSES`), labelled with its
    name and counts where the label meets no other label nor the legend."""
    # only the twelve leagues of the table: a name outside it (a typo, or anything an input
    # file holds) has no quota, would not be drawn, and its label would land off the axes
    if admin is None or "league_city" not in admin.columns:
        return
    polys = leagues(admin).merge(table, on="league_city", how="inner")
    if polys.empty:
        return
    crs = "+proj=aea +lat_1=38 +lat_2=50 +lat_0=0 +lon_0=112 +ellps=GRS80 +units=m"
    polys = polys.to_crs(crs)
    fails = polys[str(Verdict.FAIL)].astype(int)
    classes = [fail_class(f, m) for f, m in zip(fails, polys["mines"], strict=True)]
    polys.plot(
        ax=ax, color=[c for c, _ in classes], edgecolor="#424242", linewidth=0.6, gid="choropleth"
    )
    shown = {label: colour for colour, label in classes}
    legend = ax.legend(
        handles=[
            Patch(facecolor=colour, edgecolor="#424242", label=label)
            for colour, label in (*((c, lab) for _, _, c, lab in FAIL_CLASSES), _NO_MINES)
            if label in shown
        ],
        title="不通过矿山数 FAIL mines",
        loc="upper left",
        fontsize=8,
        title_fontsize=8.5,
    )
    ax.set_autoscale_on(False)
    ax.apply_aspect()  # the box as drawn (equal aspect), before labels are measured in it
    points = polys.geometry.representative_point()
    texts = [
        f"{r.league_city}\n{r.mines}/{r.quota_2025:.0f} · 不通过 {r.FAIL}"
        for r in polys.itertuples()
    ]
    _, failed = place_labels(
        ax,
        np.column_stack([points.x, points.y]),
        texts,
        legend_box(legend),
        candidates=ON_POINT,
        fontsize=7,
        gid="dashboard_label",
    )
    if failed:
        names = "、".join(str(polys["league_city"].iloc[i]) for i in failed)
        ax.text(
            0.0,
            -0.02,
            f"未标注 not labelled (see the table): {names}",
            transform=ax.transAxes,
            fontsize=7,
        )


_VERDICTS = (Verdict.FAIL, Verdict.REVIEW, Verdict.PASS, Verdict.EXEMPT)


def _cells(table: pd.DataFrame) -> list[list[str]]:
    """The figure's table: per row mines/quota, the verdict counts, the 2028 shares; a total."""
    cells = []
    for _, r in table.iterrows():
        quota = "—" if math.isnan(r["quota_2025"]) else f"{int(r['quota_2025'])}"
        cells.append(
            [
                "⚠ 未落入行政区" if r["league_city"] == OUTSIDE_ADMIN else str(r["league_city"]),
                f"{r['mines']}/{quota}",
                *(str(int(r[str(v)])) for v in _VERDICTS),
                _pct(r["large_green_pct"], r["large"]),
                _pct(r["medium_green_pct"], r["medium"]),
            ]
        )
    total = f"{int(table['mines'].sum())}/{int(table['quota_2025'].sum())}"
    cells.append(["全区 total", total, *(str(int(table[str(v)].sum())) for v in _VERDICTS), "", ""])
    return cells


def _table(fig: Figure, table: pd.DataFrame) -> None:
    """The table right of the map, the row outside every admin unit flagged in red."""
    tab_ax = fig.add_axes((0.6, 0.3, 0.39, 0.6))
    tab_ax.set_axis_off()
    heads = [VERDICT_STYLE[v][1] + "\n" + str(v) for v in _VERDICTS]
    shown = tab_ax.table(
        cellText=_cells(table),
        colLabels=["盟市", "矿山/指标", *heads, "大型达标", "中型达标"],
        loc="upper center",
        cellLoc="center",
        colWidths=[0.27, 0.12, 0.08, 0.08, 0.08, 0.08, 0.145, 0.145],
    )
    shown.auto_set_font_size(False)
    shown.set_fontsize(6.5)
    shown.scale(1, 1.3)
    for k, name in enumerate(table["league_city"], start=1):
        if name == OUTSIDE_ADMIN:
            for (row, _), cell in shown.get_celld().items():
                if row == k:
                    cell.set_facecolor("#ffcdd2")


def dashboard_figure(res: RunResults, table: pd.DataFrame) -> Figure:
    """A4 choropleth of each league's FAIL count, a table of its mines against the 2025
    quota with the verdict counts and the 2028 shares; mines outside every admin unit
    in a flagged row."""
    cjk_font()
    fig = Figure(figsize=A4_LANDSCAPE, dpi=200)
    FigureCanvasAgg(fig)  # the labels are placed on the rendered sheet
    ax = fig.add_axes((0.01, 0.08, 0.58, 0.82))
    ax.set_axis_off()
    _choropleth(ax, res.context.get("admin"), table)
    fig.suptitle(
        "内蒙古自治区 矿山数量与绿色矿山目标 Mines, quotas and green-mine targets",
        fontsize=15,
        weight="bold",
    )
    _table(fig, table)
    notes = [
        "2028年目标 targets: 大型 large ≥ 90 %, 中型 medium ≥ 80 % 达到绿色矿山标准",
        "指标 quota: 专栏6 (在期矿山, 不含地热); 达标 = 绿色矿山名录 (green-mine list field)",
    ]
    outside = table[table["league_city"] == OUTSIDE_ADMIN]
    if len(outside):
        notes.append(
            f"⚠ {int(outside['mines'].iloc[0])} 座矿山未落入任何行政区 mines outside every admin "
            "unit:\n   核对其坐标或行政区图层 check their coordinates or the admin layer"
        )
    fig.text(0.6, 0.25, "\n".join(notes), fontsize=7.5, va="top", color="#424242")
    return fig
