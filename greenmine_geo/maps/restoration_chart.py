"""The per-zone restoration chart: zone FVC against the reference ring and the plan, over time."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from ..imagery.restoration import Plan
from ..terms import Lang
from .chart_words import FAMILY, chart_lang, say, status_word, zone_type_word

__all__ = ["restoration_chart"]

_ZONE, _REFERENCE, _PLAN = "#2e7d32", "#757575", "#1565c0"


def _title(zone_id: str, summary: pd.Series, lang: Lang) -> str:
    """``DZ-1（排土场）：滞后，年变化趋势 +0.012/年`` (the trend in FVC per year, if known)."""
    kind, status = zone_type_word(summary["zone_type"], lang), status_word(summary["status"], lang)
    title = say(f"{zone_id}（{kind}）：{status}", f"{zone_id} ({kind}): {status}", lang)
    trend = summary["trend_per_year"]
    if isinstance(trend, float) and math.isfinite(trend):
        title += say(f"，年变化趋势 {trend:+.3f}/年", f", trend {trend:+.3f}/yr", lang)
    return title


def restoration_chart(
    rows: pd.DataFrame,
    zone_id: str,
    summary: pd.Series,
    start_year: int | None,
    plan: Plan | None,
    lang: Lang = "zh",
) -> Figure:
    """FVC of the zone (dots; hollow = date left out) and its reference ring, and the plan;
    title, axis and legend in ``lang`` (:func:`~.chart_words.chart_lang`).

    ``rows``: the zone's rows of the time series (``date``, ``fvc_mean``,
    ``reference_fvc_mean``, ``included``); ``summary``: its summary row (the plan
    line starts from its ``start_fvc``, the fitted FVC of the start year).
    """
    lang = chart_lang(lang)
    fig = Figure(figsize=(7, 4), dpi=110)
    ax = fig.add_subplot()
    t = pd.to_datetime(rows["date"])
    used = rows["included"].to_numpy(bool)
    reference = say("周边参照环", "reference ring", lang)
    ax.plot(
        t, rows["reference_fvc_mean"], color=_REFERENCE, marker="s", ms=4, lw=1, label=reference
    )
    ax.plot(
        t[used],
        rows["fvc_mean"][used],
        color=_ZONE,
        marker="o",
        lw=1.5,
        label=say("修复单元", "zone", lang),
    )
    if (~used).any():
        ax.scatter(
            t[~used],
            rows["fvc_mean"][~used],
            facecolors="none",
            edgecolors=_ZONE,
            label=say("未纳入（有效像元过少）", "left out (too little valid data)", lang),
        )
    if start_year is not None:
        ax.axvline(date2num(date(start_year, 1, 1)), color="#9e9e9e", ls=":", lw=1)
        ax.annotate(
            say(" 修复开始", " restoration start", lang),
            (date2num(date(start_year, 1, 1)), 0.02),
            fontsize=8,
            color="#616161",
            fontfamily=FAMILY,
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
            label=say(
                f"计划（{plan.target_year}年达到 {plan.target:.2f}）",
                f"plan (target {plan.target:.2f} by {plan.target_year})",
                lang,
            ),
        )
    ax.set_ylim(0, 1)
    ax.set_ylabel(
        say("植被覆盖度 FVC", "FVC (fractional vegetation cover)", lang), fontfamily=FAMILY
    )
    ax.set_xlabel(say("日期", "date", lang), fontfamily=FAMILY)
    ax.set_title(  # a zone id is input data: plain text, never mathtext ($…$)
        _title(zone_id, summary, lang), fontsize=10, parse_math=False, fontfamily=FAMILY
    )
    ax.legend(prop={"family": FAMILY, "size": 8}, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
