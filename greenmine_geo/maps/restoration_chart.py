"""The per-zone restoration chart: zone FVC against the reference ring and the plan, over time."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from ..imagery.restoration import Plan

__all__ = ["restoration_chart"]

_ZONE, _REFERENCE, _PLAN = "#2e7d32", "#757575", "#1565c0"


def restoration_chart(
    rows: pd.DataFrame, zone_id: str, summary: pd.Series, start_year: int | None, plan: Plan | None
) -> Figure:
    """FVC of the zone (dots; hollow = date left out) and its reference ring, and the plan.

    ``rows``: the zone's rows of the time series (``date``, ``fvc_mean``,
    ``reference_fvc_mean``, ``included``); ``summary``: its summary row (the plan
    line starts from its ``start_fvc``, the fitted FVC of the start year).
    """
    fig = Figure(figsize=(7, 4), dpi=110)
    ax = fig.add_subplot()
    t = pd.to_datetime(rows["date"])
    used = rows["included"].to_numpy(bool)
    ax.plot(
        t,
        rows["reference_fvc_mean"],
        color=_REFERENCE,
        marker="s",
        ms=4,
        lw=1,
        label="reference ring",
    )
    ax.plot(t[used], rows["fvc_mean"][used], color=_ZONE, marker="o", lw=1.5, label="zone")
    if (~used).any():
        ax.scatter(
            t[~used],
            rows["fvc_mean"][~used],
            facecolors="none",
            edgecolors=_ZONE,
            label="left out (too little valid data)",
        )
    if start_year is not None:
        ax.axvline(date2num(date(start_year, 1, 1)), color="#9e9e9e", ls=":", lw=1)
        ax.annotate(
            " restoration start",
            (date2num(date(start_year, 1, 1)), 0.02),
            fontsize=8,
            color="#616161",
        )
    if plan is not None and start_year is not None:
        start_fvc = float(summary["start_fvc"])
        years = range(start_year, max(plan.target_year, int(t.dt.year.max())) + 1)
        ax.plot(
            date2num([date(y, 7, 1) for y in years]),
            [plan.planned(y, start_year, start_fvc) for y in years],
            color=_PLAN,
            ls="--",
            lw=1.2,
            label=f"plan (target {plan.target:.2f} by {plan.target_year})",
        )
    ax.set_ylim(0, 1)
    ax.set_ylabel("FVC (fractional vegetation cover)")
    trend = summary["trend_per_year"]
    trend_text = (
        f", trend {trend:+.3f}/yr" if isinstance(trend, float) and math.isfinite(trend) else ""
    )
    ax.set_title(  # a zone id is input data: plain text, never mathtext ($…$)
        f"{zone_id} ({summary['zone_type']}): {summary['status']}{trend_text}",
        fontsize=10,
        parse_math=False,
    )
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
