"""FVC end-members and zone cover on the scenes reviewers actually get (see scenes.py).

Each case is a scene whose zone has a known vegetated share (its true FVC: pure pixels
of full grass among pure bare pixels) and whose end-members are known surfaces: the
greening step must find that share within 0.05, its vegetated share within 5 points,
and end-members that are the bare ground's and the grass's NDVI (or, where the scene has
none, the typical value, said in the notes). The answers are the surfaces' NDVI,
computed by hand from their spectra.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmine_geo.config import GreeningParams
from greenmine_geo.imagery.indices import mixture_vi
from greenmine_geo.steps import greening
from greenmine_geo.steps.skeleton import StepContext

from conftest import write
from scenes import SIZE, ZONE, Scene, ndvi, write_scene, zone_layer

STEPPE = {"grass": 0.5, "loess": 0.2}
ALL_BANDS = {"blue": 1, "green": 2, "red": 3, "nir": 4}
#: NDVI tolerance of an end-member against its surface: the 2 % band noise moves a
#: percentile by about 0.01-0.03.
EM_TOL = 0.04

#: name: (scene, product, haze, bands, expected soil surface, expected veg surface)
#: "typical" = the stand-in of a scene without that end-member; None = not checked
#: (digital numbers: their NDVI is not the surface's).
CASES = {
    "bright sand and saline crust (Alxa)": (
        Scene("alxa", {"sand": 0.55, "crust": 0.15, "grass": 0.3}, "crust", 0.3),
        "reflectance",
        False,
        ALL_BANDS,
        "crust",
        "grass",
    ),
    "dark coal ground in steppe": (
        Scene("coal", {**STEPPE, "coal": 0.3}, "coal", 0.4),
        "reflectance",
        False,
        ALL_BANDS,
        "coal",
        "grass",
    ),
    "coal-dust-covered dump": (
        Scene("dust", {"grass": 0.6, "coal_dust": 0.4}, "coal_dust", 0.25),
        "reflectance",
        False,
        ALL_BANDS,
        "coal_dust",
        "grass",
    ),
    "wet and burned soil": (
        Scene("wet", {"grass": 0.55, "wet_soil": 0.25, "burned": 0.2}, "wet_soil", 0.5),
        "reflectance",
        False,
        ALL_BANDS,
        "burned",
        "grass",
    ),
    "lake and tailings pond with open water": (
        Scene("water", {**STEPPE, "lake": 0.15, "tailings_water": 0.1, "coal": 0.1}, "coal", 0.3),
        "reflectance",
        False,
        ALL_BANDS,
        "coal",
        "grass",
    ),
    "pit-wall shadow": (
        Scene("shadow", {"grass": 0.5, "coal": 0.3, "shadow": 0.2}, "coal", 0.2),
        "reflectance",
        False,
        {"red": 3, "nir": 4},
        "coal",
        "grass",
    ),
    "roofs and hardened ground": (
        Scene(
            "site",
            {"grass": 0.45, "concrete": 0.3, "loess": 0.2, "blue_roof": 0.05},
            "concrete",
            0.3,
        ),
        "reflectance",
        False,
        ALL_BANDS,
        "concrete",
        "grass",
    ),
    "hazy reflectance over coal": (
        Scene("haze", {"grass": 0.5, "coal": 0.5}, "coal", 0.05),
        "reflectance",
        True,
        ALL_BANDS,
        None,
        None,
    ),
    "hazy uint16 DN over coal": (
        Scene("haze_dn", {"grass": 0.5, "coal": 0.5}, "coal", 0.05),
        "uint16_dn",
        True,
        {"red": 3, "nir": 4},
        None,
        None,
    ),
    "uint8 DN": (
        Scene("dn8", {**STEPPE, "coal": 0.3}, "loess", 0.6),
        "uint8_dn",
        False,
        ALL_BANDS,
        None,
        None,
    ),
    "Sentinel-2 L2A with its offset": (
        Scene("s2", {**STEPPE, "coal": 0.3}, "coal", 0.4),
        "s2_l2a",
        False,
        ALL_BANDS,
        "coal",
        "grass",
    ),
    "no bare soil at all": (
        Scene("meadow", {"grass": 1.0}, "grass", 1.0),
        "reflectance",
        False,
        ALL_BANDS,
        "typical",
        "grass",
    ),
    "entirely bare": (
        Scene("desert", {"loess": 0.6, "coal": 0.4}, "loess", 0.0),
        "reflectance",
        False,
        ALL_BANDS,
        "coal",
        "typical",
    ),
    "dark bare ground most of the image": (
        Scene("pit", {"coal": 0.8, "grass": 0.15, "loess": 0.05}, "coal", 0.2),
        "reflectance",
        False,
        {"red": 3, "nir": 4},
        "coal",
        "grass",
    ),
}


def _run(tmp_path, image, bands) -> pd.Series:
    """The greening row of the zone on ``image``."""
    mines = write(zone_layer(), tmp_path / "zone.gpkg")
    params = GreeningParams(
        mines=[mines], id_field="mine_id", image=str(image), bands=bands, reference_ring_m=20
    )
    return greening.run(params, StepContext(tmp_path / "out")).table.set_index("mine_id").loc["Z"]


def _measure(tmp_path, case: str) -> pd.Series:
    scene, product, haze, bands, _, _ = CASES[case]
    image = write_scene(tmp_path / "scene.tif", scene.reflectance(), product, haze=haze)
    return _run(tmp_path, image, bands)


@pytest.mark.parametrize("case", list(CASES))
def test_zone_cover_and_end_members(tmp_path, case):
    scene, product, _, _, soil, veg = CASES[case]
    row = _measure(tmp_path, case)
    assert row.fvc_mean == pytest.approx(scene.zone_cover, abs=0.05), row.notes
    assert row.coverage_pct == pytest.approx(100 * scene.zone_cover, abs=5), row.notes
    for value, surface, end in ((row.vi_soil, soil, 0.0), (row.vi_veg, veg, 1.0)):
        if surface == "typical":
            assert value == pytest.approx(mixture_vi(end, "ndvi"), abs=1e-6)
            assert "typical" in row.notes
        elif surface is not None:
            assert value == pytest.approx(ndvi(surface), abs=EM_TOL), (surface, row.notes)
    if product.endswith("_dn"):
        assert "uncalibrated" in row.notes


def test_the_dark_ground_case_is_darker_than_half_the_median_nir():
    # the scene the old brightness rule broke: bare ground below half the median NIR
    refl = CASES["dark coal ground in steppe"][0].reflectance()
    nir = refl[3]
    assert (nir < 0.5 * float(pd.Series(nir.ravel()).median())).mean() > 0.3


def test_bright_ground_is_never_cloud_and_every_zone_pixel_is_measured(tmp_path):
    for case in ("bright sand and saline crust (Alxa)", "roofs and hardened ground"):
        assert "valid pixels" not in _measure(tmp_path, case).notes, case


#: A cloud over the zone's north 40 % (rows 25-65 of 25-125).
CLOUDED = Scene(
    "cloud",
    {**STEPPE, "coal": 0.3},
    "coal",
    0.4,
    painted={"cloud": (slice(25, 65), slice(0, SIZE))},
)


@pytest.mark.parametrize("bands", [{"red": 3, "nir": 4}, ALL_BANDS], ids=["red+nir", "4 bands"])
def test_cloud_in_calibrated_images_is_left_out_without_a_blue_band(tmp_path, bands):
    image = write_scene(tmp_path / "cloud.tif", CLOUDED.reflectance())
    row = _run(tmp_path, image, bands)
    assert "only 60.0 % of the greenable area has valid pixels" in row.notes
    assert row.greenable_area_m2 == pytest.approx(200 * 200)
    # the rest of the zone: the painted rows held vegetation at the zone's share too
    assert row.fvc_mean == pytest.approx(0.4, abs=0.05)


def test_a_scene_classification_band_marks_cloud_in_digital_numbers(tmp_path):
    refl = CLOUDED.reflectance()
    refl[:, 25:65, :] = np.array([0.2, 0.2, 0.2, 0.25])[:, None, None]  # thin cloud: not flat
    scl = np.full((SIZE, SIZE), 4, np.uint8)  # vegetation / bare soil classes
    scl[25:65, :] = 9  # cloud, high probability
    image = write_scene(tmp_path / "scl.tif", refl, "uint16_dn", scl=scl)
    row = _run(tmp_path, image, {"red": 3, "nir": 4, "scl": 5})
    assert "only 60.0 % of the greenable area has valid pixels" in row.notes
    assert row.fvc_mean == pytest.approx(0.4, abs=0.05)
    a, b = ZONE
    assert (b - a) * 0.6 == 60  # the zone's clear rows: 65-125


def test_an_image_in_geographic_coordinates_gives_the_same_zone_cover(tmp_path):
    scene = CASES["dark coal ground in steppe"][0]
    refl = scene.reflectance()
    image = write_scene(tmp_path / "geo.tif", refl, crs="EPSG:4490")
    row = _run(tmp_path, image, ALL_BANDS)
    assert row.fvc_mean == pytest.approx(scene.zone_cover, abs=0.05)
    assert row.greenable_area_m2 == pytest.approx(200 * 200, rel=1e-6)
