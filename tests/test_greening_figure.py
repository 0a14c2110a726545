"""The composed greening figure shows what it claims: FVC where it is, outlines, numbers, histogram."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from affine import Affine

from greenmine_geo.imagery.indices import EndMembers, calibration
from greenmine_geo.imagery.zone_fvc import HISTOGRAM_EDGES, Scene
from greenmine_geo.maps.greening_figure import _LUT, GreeningFigures, _font
from greenmine_geo.maps.paper import cjk_font_file

# a 100 × 80 grid of 10 m pixels: top 20 rows no data, then FVC 1 west of column 40, 0 east
TRANSFORM = Affine(10, 0, 37_450_000, 0, -10, 4_460_000)
FVC = np.full((100, 80), np.nan, np.float32)
FVC[20:, :40], FVC[20:, 40:] = 1.0, 0.0
GREENABLE = shapely.box(37_450_100, 4_459_100, 37_450_700, 4_459_700)
PATCH = shapely.box(37_450_450, 4_459_200, 37_450_650, 4_459_400)


def scene(crs: str = "EPSG:4525") -> Scene:
    counts = np.zeros(HISTOGRAM_EDGES.size - 1, int)
    counts[[100, 180]] = 5000
    return Scene(
        pyproj.CRS(crs),
        False,
        calibration(np.dtype("float32"), sentinel2_offset=False, nir=np.array([0.3])),
        EndMembers(0.05, 0.8, "scene percentiles", False),
        "bright and flat",
        histogram={"clear": counts.tolist(), "candidates": counts.tolist()},
    )


def near(rgb: np.ndarray, colour, tol: int = 14) -> np.ndarray:
    return (np.abs(rgb.astype(int) - np.asarray(colour, int)) <= tol).all(axis=-1)


def box_of(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return rows[0], rows[-1], cols[0], cols[-1]


@pytest.fixture(scope="module")
def picture() -> np.ndarray:
    figures = GreeningFigures(scene(), "ndvi")
    image = figures.draw(FVC, TRANSFORM, GREENABLE, np.array([PATCH]), "矿区 M1: cover 50 %")
    assert image.size == (660, 814)
    return np.asarray(image.convert("RGB"))[:600, :520]  # the map panel


def test_fvc_is_drawn_where_it_is(picture):
    green, bare = near(picture, _LUT[255]), near(picture, _LUT[0])
    g_top, g_bottom, g_left, g_right = box_of(green)
    b_top, b_bottom, b_left, b_right = box_of(bare)
    assert abs(g_top - b_top) <= 2 and abs(g_bottom - b_bottom) <= 2  # the same rows
    assert abs((g_right - g_left) - (b_right - b_left)) <= 3  # 40 columns each
    assert b_left > g_right - 3
    height, width = g_bottom - g_top, 2 * (g_right - g_left)
    assert height / width == pytest.approx(80 / 80, rel=0.05)  # square pixels, equal aspect
    above = picture[g_top - height // 8, g_left + 5 : b_right - 5]  # the no-data rows: white
    assert near(above, (255, 255, 255), 3).all()


def test_outline_and_number(picture):
    blue, red = near(picture, (13, 71, 161), 30), near(picture, (213, 0, 0), 30)
    assert blue.sum() > 200  # the greenable area's outline
    top, bottom, left, right = box_of(red)
    g_top, g_bottom, g_left, g_right = box_of(near(picture, _LUT[255]))
    scale = (g_right - g_left) / 400  # pixels a metre
    # the patch (x 450-650 m east of the grid, 400-600 m below the data's top edge), its
    # number inside it
    assert left == pytest.approx(g_left + 450 * scale, abs=4)
    assert right == pytest.approx(g_left + 650 * scale, abs=4)
    assert top == pytest.approx(g_top + 400 * scale, abs=4)
    assert bottom == pytest.approx(g_top + 600 * scale, abs=4)
    assert red[top + 10 : bottom - 10, left + 10 : right - 10].any()  # the number's disc


def _draw(fvc, transform, crs="EPSG:4525", greenable=GREENABLE, patches=(PATCH,)):
    figures = GreeningFigures(scene(crs), "ndvi")
    image = figures.draw(fvc, transform, greenable, np.array(patches, dtype=object), "M1")
    return np.asarray(image.convert("RGB"))[:600, :520]


_X0, _Y0 = TRANSFORM.c, TRANSFORM.f


@pytest.mark.parametrize(
    ("fvc", "transform"),
    [
        (FVC[::-1], Affine(10, 0, _X0, 0, 10, _Y0 - 1000)),  # south-up
        (FVC[:, ::-1], Affine(-10, 0, _X0 + 800, 0, -10, _Y0)),  # east-to-west
        (FVC[::-1].T, Affine(0, 10, _X0, 10, 0, _Y0 - 1000)),  # rotated 90°: a = e = 0
    ],
    ids=["south-up", "east-to-west", "rotated-90"],
)
def test_a_grid_stored_another_way_round_draws_the_same_map(fvc, transform):
    want, got = _draw(FVC, TRANSFORM), _draw(fvc, transform)
    differs = (np.abs(want.astype(int) - got.astype(int)) > 40).any(axis=-1)
    assert differs.mean() < 0.002  # the same picture but for a pixel's rounding here and there


def test_a_rotated_grid_is_drawn_registered_with_the_outlines():
    # a grid rotated 30°, FVC 1 on pixels whose centre is inside the greenable area and 0
    # outside: inside the drawn outline is green, just outside it bare
    centre = Affine.translation(_X0 + 400, _Y0 - 600)
    t = centre @ Affine.rotation(30) @ Affine.scale(5, -5) @ Affine.translation(-110, -110)
    rows, cols = np.mgrid[0:220, 0:220]
    x, y = t @ (cols + 0.5, rows + 0.5)
    inside = shapely.contains_xy(GREENABLE, x, y)
    picture = _draw(inside.astype(np.float32), t, patches=())
    blue = near(picture, (13, 71, 161), 30)
    top, bottom, left, right = box_of(blue)
    middle = (top + bottom) // 2, (left + right) // 2
    assert near(picture[middle[0] - 5 : middle[0] + 5, left + 4 : right - 3], _LUT[255]).all()
    assert near(picture[middle[0] - 5 : middle[0] + 5, left - 6 : left - 3], _LUT[0]).all()
    assert near(picture[middle[0] - 5 : middle[0] + 5, right + 3 : right + 6], _LUT[0]).all()
    assert near(picture[top - 6 : top - 3, middle[1] - 5 : middle[1] + 5], _LUT[0]).all()
    assert near(picture[bottom + 3 : bottom + 6, middle[1] - 5 : middle[1] + 5], _LUT[0]).all()


def test_a_geographic_grid_is_drawn_at_its_ground_shape():
    # 80 × 80 pixels of 0.0001° at 41.3° N: 6.7 km east-west for every 9 km north-south
    fvc = np.ones((80, 80), np.float32)
    t = Affine(0.0001, 0, 110.0, 0, -0.0001, 41.304)
    box = shapely.box(110.001, 41.298, 110.007, 41.303)
    picture = _draw(fvc, t, crs="EPSG:4490", greenable=box, patches=())
    top, bottom, left, right = box_of(near(picture, _LUT[255]))
    assert (right - left) / (bottom - top) == pytest.approx(np.cos(np.radians(41.3)), rel=0.02)


def test_histogram_marks_the_end_members():
    figures = GreeningFigures(scene(), "ndvi")
    image = figures.draw(FVC, TRANSFORM, GREENABLE, np.array([PATCH]), "M1")
    hist = np.asarray(image.convert("RGB"))[620:780]
    soil, veg = near(hist, (109, 76, 65), 20), near(hist, (46, 125, 50), 20)
    soil_col, veg_col = np.flatnonzero(soil.sum(axis=0) > 50), np.flatnonzero(veg.sum(axis=0) > 50)
    assert soil_col.size and veg_col.size  # vertical lines
    # x axis from NDVI ≈ 0 to 0.81: the lines at 0.05 and 0.8 of that span
    span = veg_col.mean() - soil_col.mean()
    assert span / (660 * 0.9) == pytest.approx(0.75 / 0.81, rel=0.1)


@pytest.mark.skipif(cjk_font_file() is None, reason="Noto Sans CJK not installed")
def test_chinese_titles_are_set_in_a_cjk_font():
    font = _font(14)
    assert font.getname()[0] == "Noto Sans CJK SC"
    assert font.getmask("矿区").getbbox() is not None
