"""Settings of the measurements: every threshold a result depends on, with its one default.

These models are the only place a default is written. Step parameters
(:mod:`.params`) extend them with their inputs; the command line reads its option
defaults and ranges from their fields; imagery code receives them as they are.
Every field is reported in the manifest of the run that used it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Band",
    "FvcSettings",
    "GreeningSettings",
    "Index",
    "RestorationSettings",
    "ReviewSettings",
    "Strict",
]

#: A 1-based band number.
Band = Annotated[int, Field(ge=1)]
#: The vegetation index behind FVC.
Index = Literal["ndvi", "savi", "msavi2"]


class Strict(BaseModel):
    """Unknown keys are errors and values cannot change after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _soil_below_vegetation(pair: tuple[float, float] | None, what: str) -> None:
    if pair is not None and not pair[0] < pair[1]:
        raise ValueError(f"the soil {what} must be below the vegetation {what}")


class FvcSettings(Strict):
    """How fractional vegetation cover (FVC, 0-1) is measured on an image.

    FVC = (VI − VI_soil) / (VI_veg − VI_soil), clipped to [0, 1], with the
    end-members from scene percentiles unless given.
    """

    bands: dict[Literal["red", "nir", "blue", "green", "scl", "cloud_mask"], Band] = Field(
        default_factory=lambda: {"red": 3, "nir": 4},  # type: ignore[arg-type, dict-item]
        description="1-based band numbers of red and near-infrared; blue sharpens the cloud "
        "test, green finds open water, scl (a Sentinel-2 scene classification) or cloud_mask "
        "(non-zero = cloud) mark clouds the image does not mask",
    )
    index: Index = Field("ndvi", description="vegetation index behind FVC")
    vegetated_fvc: float = Field(
        0.3, ge=0, le=1, description="FVC at or above which a pixel counts as vegetated"
    )
    bare_fvc: float = Field(0.1, ge=0, le=1, description="FVC below which a pixel counts as bare")
    reference_ring_m: float = Field(
        500.0, gt=0, description="width of the ring of undisturbed land compared with (m)"
    )
    percentiles: tuple[float, float] = Field(
        (5.0, 95.0), description="scene percentiles of the soil and vegetation end-members"
    )
    end_members: tuple[float, float] | None = Field(
        None,
        description="FVC end-members [soil, vegetation] in index units, instead of scene percentiles",
    )

    @field_validator("bands")
    @classmethod
    def _red_and_nir(cls, v: dict[str, int]) -> dict[str, int]:
        if not {"red", "nir"} <= v.keys():
            raise ValueError("give the red and the near-infrared band, e.g. red=3,nir=4")
        return v

    @field_validator("end_members")
    @classmethod
    def _end_members_ordered(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        _soil_below_vegetation(v, "end-member")
        return v

    @field_validator("percentiles")
    @classmethod
    def _percentiles_ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= v[0] < v[1] <= 100:
            raise ValueError("give two percentiles 0 ≤ soil < vegetation ≤ 100")
        return v


class GreeningSettings(FvcSettings):
    """Indicator 6: FVC settings plus the smallest bare patch that counts."""

    min_patch_m2: float = Field(
        400.0, ge=0, description="smallest bare patch that counts (m²; the rule does not say)"
    )
    spot_m2: float = Field(
        10_000.0,
        gt=0,
        description="bare area of one non-conforming spot (m²): a bare patch counts one spot "
        "per started spot_m2, so a large patch counts as several",
    )
    min_cover_pct: float = Field(
        50.0,
        ge=0,
        le=100,
        description="vegetated share of the greenable area (%) below which it is largely "
        "uncovered and scores 0, whatever its patches",
    )


class RestorationSettings(FvcSettings):
    """Indicators 38-41 and the 越界 search: FVC settings plus the time-series rules."""

    min_valid_pct: float = Field(
        80.0, ge=0, le=100, description="dates with less of a zone valid are left out (%)"
    )
    hold: int = Field(2, ge=1, description="consecutive years that make Y2R and 'done'")
    band_m: float = Field(
        500.0, gt=0, description="width of the band searched around each mine (m)"
    )
    min_patch_m2: float = Field(400.0, ge=0, description="smallest new bare patch reported (m²)")


Season = tuple[tuple[int, int], tuple[int, int]]


class ReviewSettings(Strict):
    """Thresholds of the imagery review checklist; every one is reported with the result."""

    review_from: date | None = Field(
        None, description="start of the review window (default: 1 January of the previous year)"
    )
    review_to: date | None = Field(None, description="end of the review window (default: today)")
    buffer_m: float = Field(100.0, ge=0, description="the image must cover the mine plus this (m)")
    max_resolution_m: float = Field(2.0, gt=0, description="coarsest acceptable pixel size (m)")
    season: Season = Field(
        ((4, 20), (9, 30)),
        description="growing season (month, day) to (month, day): Inner Mongolia's green-up to September",
    )
    max_uncovered_pct: float = Field(
        0.5, ge=0, le=100, description="share of mine and buffer that may lack valid pixels (%)"
    )
    max_nodata_cloud_pct: float = Field(
        10.0, ge=0, le=100, description="share of the mine that may be nodata or cloud (%)"
    )
    warn_nodata_cloud_pct: float = Field(
        2.0, ge=0, le=100, description="share of the mine above which nodata or cloud warns (%)"
    )
    vegetation_ndvi: float = Field(
        0.2, description="95th-percentile NDVI at or above which NIR is confirmed"
    )
    swapped_ndvi: tuple[float, float] = Field(
        (-0.2, 0.1),
        description="5th and 95th percentile NDVI at or below/under which red and NIR look swapped",
    )
    max_overview_mismatch_pct: float = Field(
        1.0, ge=0, le=100, description="share of coarse cells where overviews may disagree (%)"
    )
    overview_tolerance: float = Field(
        0.15, gt=0, description="difference, as a share of a band's 2-98 % range, that disagrees"
    )
    green_low_ndvi: float = Field(
        0.2, description="NDVI under which a green-looking pixel is not vegetation"
    )
    max_green_low_ndvi_pct: float = Field(
        5.0, ge=0, le=100, description="share of green-looking pixels with low NDVI that warns (%)"
    )
    date_tolerance_days: int = Field(
        3, ge=0, description="days by which declared and recorded dates may differ"
    )
    duplicate_max_distance: int = Field(
        6, ge=0, le=64, description="perceptual-hash bits within which two images are the same"
    )
    duplicate_band_rtol: float = Field(
        0.03, ge=0, description="relative tolerance of band statistics of the same image"
    )

    @model_validator(mode="after")
    def _window_ordered(self) -> ReviewSettings:
        if self.review_from and self.review_to and self.review_from > self.review_to:
            raise ValueError("review_from must not be after review_to")
        return self

    def window(self, today: date) -> tuple[date, date]:
        """The review window: as given, else 1 January of the previous year to ``today``.

        The default holds the last two growing seasons, so a review early in a year
        can use last summer's imagery.
        """
        return self.review_from or date(today.year - 1, 1, 1), self.review_to or today

    def dated(self, today: date) -> ReviewSettings:
        """These settings with the review window filled in for ``today``."""
        start, end = self.window(today)
        return self.model_copy(update={"review_from": start, "review_to": end})
