"""Areas in the units of Chinese land administration: m², 公顷 and 亩 (15 亩 = 1 公顷)."""

from __future__ import annotations

import math

import pytest

from greenmine_geo.terms import M2_PER_MU, area_text, area_units


def test_one_hectare_is_fifteen_mu() -> None:
    m2, ha, mu = area_units(10_000.0)
    assert (m2, ha) == (10_000.0, 1.0)
    assert mu == pytest.approx(15.0, abs=1e-12)
    assert round(M2_PER_MU, 2) == 666.67


def test_area_text_in_both_languages() -> None:
    assert area_text(12_345.678) == "12,345.68 m²（1.23 公顷，18.52 亩）"
    assert area_text(666.67, "en") == "666.67 m² (0.07 ha, 1.00 mu)"


@pytest.mark.parametrize("missing", [None, math.nan])
def test_unknown_area_is_a_dash(missing: float | None) -> None:
    assert area_text(missing) == "—"
