"""Restoration progress of a zone from its yearly FVC (indicators 38, 40, 41; RULES.md §2).

Input per zone: yearly values ``I`` (the median FVC of that year's usable
observations) and the same years' reference-ring FVC, the restoration start
year ``tr``, and optionally a plan (a target FVC by a target year, or a
year-by-year curve). Definitions (ARCHITECTURE.md, higher is better):

* trend: Theil-Sen slope of ``I`` over the years from ``tr`` (FVC per year),
  with a Mann-Kendall test (Kendall's τ of ``I`` against time, two-sided p);
  ``Î(y)`` is the fitted line, so single noisy years do not drive the metrics;
* ``T``: the plan's target FVC, else the reference level (median reference FVC
  from ``tr`` on: the surroundings the zone should blend into);
* horizon ``k`` = min(5, last year − ``tr``);
  ΔIR = Î(tr+k) − Î(tr); YrYr = ΔIR / k; R80P = Î(tr+k) / (0.8 T);
  RRI = (max(Î(tr+k−1), Î(tr+k)) − Î(tr)) / (T − Î(tr)), the share of the gap
  to the target closed (the reference stands in for the pre-disturbance level);
* Y2R: years from ``tr`` to the first year with I ≥ 0.8 T held for ``hold``
  consecutive observed years (NaN if not reached).

Plan status, in this order: ``not_started`` (no start year, or it is after the
last observation), ``insufficient_data`` (fewer than 3 observed years from
``tr``), ``done`` (the last ``hold`` years at or above the goal: the plan's
target, else 0.8 × the reference), ``on_track`` (the fitted FVC of the last
year is at least the planned FVC for that year, or without a plan a
significant rise), ``lagging`` otherwise. Each status comes with its reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..types import ZoneStatus

__all__ = ["Plan", "ZoneProgress", "progress"]

#: Horizon of ΔIR, R80P and RRI (years after the start).
HORIZON_YEARS = 5
#: Mann-Kendall p below which a rise counts as real.
ALPHA = 0.05
#: FVC by which the fitted value may fall short of the plan and still be on track.
PLAN_TOLERANCE = 0.02


@dataclass(frozen=True)
class Plan:
    """A zone's restoration plan: FVC to reach by year, as (year, FVC) points.

    One point (target_year, target_fvc) means a straight line from the fitted
    FVC at the start year; several points are a year-by-year curve, linearly
    interpolated (flat before the first and after the last).
    """

    points: tuple[tuple[int, float], ...]

    @property
    def target(self) -> float:
        return self.points[-1][1]

    @property
    def target_year(self) -> int:
        return self.points[-1][0]

    def planned(self, year: int, start_year: int, start_fvc: float) -> float:
        """Planned FVC in ``year``."""
        pts = self.points
        if len(pts) == 1:
            target_year, target = pts[0]
            span = max(target_year - start_year, 1)
            return start_fvc + (target - start_fvc) * min(max(year - start_year, 0) / span, 1.0)
        years, values = zip(*pts, strict=True)
        return float(np.interp(year, years, values))


@dataclass
class ZoneProgress:
    """Metrics and plan status of one zone (FVC units; years)."""

    status: ZoneStatus
    reason: str
    trend_per_year: float = math.nan
    trend_p: float = math.nan
    delta_ir: float = math.nan
    r80p: float = math.nan
    rri: float = math.nan
    y2r_years: float = math.nan
    target_fvc: float = math.nan
    target_source: str = ""
    start_fvc: float = math.nan  # fitted FVC in the start year: where a one-point plan starts


def _target(ref: np.ndarray, plan: Plan | None) -> tuple[float, str]:
    if plan is not None:
        return plan.target, f"plan ({plan.target:.2f} by {plan.target_year})"
    finite = ref[np.isfinite(ref)]
    if finite.size == 0:
        return math.nan, "no reference"
    level = float(np.median(finite))
    return level, f"reference ring ({level:.2f})"


def _y2r(years: np.ndarray, values: np.ndarray, threshold: float, start: int, hold: int) -> float:
    """Years from ``start`` to the first of ``hold`` consecutive observed years ≥ ``threshold``."""
    above = values >= threshold
    for i in range(len(years) - hold + 1):
        if above[i : i + hold].all():
            return float(years[i] - start)
    return math.nan


def progress(
    years: np.ndarray,
    fvc: np.ndarray,
    reference: np.ndarray,
    start_year: int | None,
    plan: Plan | None = None,
    *,
    hold: int = 2,
) -> ZoneProgress:
    """Restoration metrics and plan status of a zone from yearly FVC (see the module docstring).

    ``years`` ascending, one value per observed year (NaN for a year with no usable
    observation); ``reference`` the same years' reference-ring FVC.
    """
    years = np.asarray(years, dtype=int)
    fvc = np.asarray(fvc, dtype=float)
    reference = np.asarray(reference, dtype=float)
    observed = np.isfinite(fvc)
    if start_year is None:
        return ZoneProgress(ZoneStatus.NOT_STARTED, "no restoration start year is recorded")
    last = int(years[observed].max()) if observed.any() else None
    if last is None:
        return ZoneProgress(ZoneStatus.INSUFFICIENT_DATA, "no usable observation")
    if start_year > last:
        return ZoneProgress(
            ZoneStatus.NOT_STARTED,
            f"restoration starts in {start_year}; the last observation is {last}",
        )
    use = observed & (years >= start_year)
    y, v = years[use], fvc[use]
    target, source = _target(reference[use], plan)
    out = ZoneProgress(ZoneStatus.INSUFFICIENT_DATA, "", target_fvc=target, target_source=source)
    if len(y) < 3:
        out.reason = f"{len(y)} observed year(s) since the start in {start_year}; a trend needs 3"
        return out
    slope, intercept = stats.theilslopes(v, y)[:2]
    out.trend_per_year = float(slope)
    out.trend_p = float(stats.kendalltau(y, v).pvalue)

    def fitted(year: float) -> float:
        return float(intercept + slope * year)

    k = min(HORIZON_YEARS, last - start_year)
    start_fvc = out.start_fvc = fitted(start_year)
    if k >= 1:
        out.delta_ir = fitted(start_year + k) - start_fvc
        if target > 0:
            out.r80p = fitted(start_year + k) / (0.8 * target)
        if target > start_fvc:
            best = max(fitted(start_year + k - 1), fitted(start_year + k))
            out.rri = (best - start_fvc) / (target - start_fvc)
    if math.isfinite(target):
        out.y2r_years = _y2r(y, v, 0.8 * target, start_year, hold)
    goal = target if plan is not None else 0.8 * target
    now = fitted(last)
    rising = slope > 0 and out.trend_p < ALPHA
    trend_text = f"Theil-Sen {slope:+.3f}/yr, Mann-Kendall p = {out.trend_p:.2g}"
    if math.isfinite(goal) and len(v) >= hold and (v[-hold:] >= goal).all():
        out.status = ZoneStatus.DONE
        out.reason = f"FVC ≥ {goal:.2f} ({source if plan else '0.8 × ' + source}) in the last {hold} observed years"
    elif plan is not None:
        planned = plan.planned(last, start_year, start_fvc)
        on_plan = now >= planned - PLAN_TOLERANCE
        out.status = ZoneStatus.ON_TRACK if on_plan else ZoneStatus.LAGGING
        out.reason = (
            f"fitted FVC {now:.2f} in {last} against {planned:.2f} planned "
            f"(target {plan.target:.2f} by {plan.target_year}); {trend_text}"
        )
    else:
        out.status = ZoneStatus.ON_TRACK if rising else ZoneStatus.LAGGING
        out.reason = (
            f"{'significant rise' if rising else 'no significant rise'} since {start_year} "
            f"({trend_text}); no plan target, goal 0.8 × {source}"
        )
    return out
