"""Restoration metrics and plan status from yearly values, computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from greenmine_geo.imagery.restoration import Plan, progress

YEARS = np.arange(2020, 2026)


def test_a_year_by_year_plan_is_interpolated():
    plan = Plan(((2020, 0.1), (2022, 0.3), (2026, 0.5)))
    assert plan.planned(2021, 2020, 0.0) == pytest.approx(0.2)
    assert plan.planned(2024, 2020, 0.0) == pytest.approx(0.4)
    assert plan.planned(2030, 2020, 0.0) == pytest.approx(0.5)
    # FVC 0.1 … 0.35 by 0.05: fitted 2025 = 0.35 against 0.45 planned → lagging
    p = progress(YEARS, 0.1 + 0.05 * np.arange(6), np.full(6, 0.6), 2020, plan)
    assert p.status == "lagging" and "0.45 planned" in p.reason


def test_without_a_plan_the_reference_is_the_target():
    ref = np.full(6, 0.5)
    rising = progress(YEARS, 0.05 + 0.05 * np.arange(6), ref, 2020)
    # T = 0.5: R80P = 0.3 / 0.4 = 0.75; RRI = (0.3 − 0.05) / (0.5 − 0.05)
    assert rising.status == "on_track" and rising.target_source.startswith("reference ring")
    assert rising.r80p == pytest.approx(0.75) and rising.rri == pytest.approx(0.25 / 0.45)
    flat = progress(YEARS, np.array([0.1, 0.12, 0.09, 0.11, 0.1, 0.12]), ref, 2020)
    assert flat.status == "lagging" and "no significant rise" in flat.reason
    done = progress(YEARS, np.array([0.1, 0.2, 0.3, 0.38, 0.41, 0.45]), ref, 2020)
    assert done.status == "done"  # 0.41 and 0.45 ≥ 0.8 × 0.5 in the last 2 years
    assert done.y2r_years == 4  # 2024 and 2025 ≥ 0.4 (2023's 0.38 is not)


def test_missing_years_and_statuses_before_the_data_allow_a_trend():
    ref = np.full(6, 0.5)
    gaps = np.array([0.1, np.nan, np.nan, np.nan, 0.3, np.nan])
    few = progress(YEARS, gaps, ref, 2020)
    assert few.status == "insufficient_data" and "2 observed year" in few.reason
    assert progress(YEARS, np.full(6, np.nan), ref, 2020).status == "insufficient_data"
    assert progress(YEARS, np.full(6, 0.1), ref, None).status == "not_started"
    later = progress(YEARS, np.full(6, 0.1), ref, 2027)
    assert (
        later.status == "not_started"
        and "2027" in later.reason
        and math.isnan(later.trend_per_year)
    )
