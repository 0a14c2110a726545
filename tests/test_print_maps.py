"""The print maps pass a map check: standard projection, grid, scale, legend and labels clear of the data.

Everything is read back from the rendered sheet (display coordinates, pixels) and
compared with answers computed another way: GK coordinates by pyproj from lon/lat in an
EPSG code chosen by hand (3° zone k has its central meridian at 3k °E; zone 37 with
the zone prefix is EPSG:4525, zone 38 EPSG:4526), the scale from the frame's size on
paper, colours from the style sheet's hex values.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from shapely.geometry import box

from greenmine_geo import api
from greenmine_geo.checks.targets import QUOTA_2025
from greenmine_geo.io import read_layer
from greenmine_geo.maps.dashboard import OUTSIDE_ADMIN, dashboard_figure, league_table
from greenmine_geo.maps.paper import gk_projection, nice_scale
from greenmine_geo.maps.print_maps import league_print_map, mine_print_map
from greenmine_geo.maps.styles import CONTEXT_STYLE
from greenmine_geo.maps.web import offline_map
from greenmine_geo.run_results import RunResults

from conftest import REPO, layer

DEMO = REPO / "data" / "demo"
LEAGUE = "测试市"


# --- reading the rendered sheet ---------------------------------------------------------


def _boxes(extents) -> np.ndarray:
    return np.array([[e.x0, e.y0, e.x1, e.y1] for e in extents]).reshape(-1, 4)


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def _mine_dots(fig) -> np.ndarray:
    """The display boxes of the mine dots as drawn (centre ± marker radius + edge)."""
    ax = fig.axes[0]
    out = []
    for coll in ax.collections:
        if coll.get_gid() == "mine_symbols":
            centre = ax.transData.transform(coll.get_offsets())
            r = (np.sqrt(coll.get_sizes()[0]) / 2 + coll.get_linewidths()[0] / 2) * fig.dpi / 72
            out.append(np.column_stack([centre - r, centre + r]))
    return np.vstack(out) if out else np.empty((0, 4))


def _label_boxes(fig, gid: str = "mine_label") -> tuple[list[str], np.ndarray]:
    """The texts with ``gid`` and their rendered boxes (letters only, no leader line)."""
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.axes[0].texts if t.get_gid() == gid]
    return [t.get_text() for t in texts], _boxes(Text.get_window_extent(t, renderer) for t in texts)


def _sheet_text(fig) -> str:
    return "\n".join(t.get_text() for t in fig.texts)


def _scale(fig) -> int:
    return int(re.search(r"1:([\d,]+)", _sheet_text(fig)).group(1).replace(",", ""))


def _check_legend_and_labels(fig, named: int) -> None:
    """The legend meets no mine dot; no two name labels meet; none sits on a dot; every
    named mine is labelled on the map or keyed by number below it."""
    fig.canvas.draw()
    dots = _mine_dots(fig)
    legend = _boxes([fig.axes[0].get_legend().get_window_extent()])[0]
    assert not any(_overlap(legend, d) for d in dots)
    texts, labels = _label_boxes(fig)
    for a, b in itertools.combinations(labels, 2):
        assert not _overlap(a, b), texts
    assert not any(_overlap(lab, d) for lab in labels for d in dots)
    assert not any(_overlap(lab, legend) for lab in labels)
    assert len(texts) == named


# --- data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_res() -> RunResults:
    """The demo's prerequisite check (mines, red line, admin and planning layers), in memory."""
    mines = [
        str(DEMO / f)
        for f in (
            "mines_cgcs2000.gpkg",
            "mines_gk3_zone37.gpkg",
            "mines_gk3_cm117.shp",
            "mines_gk6_zone18.gpkg",
        )
    ]
    roles = {
        "admin": str(DEMO / "admin.gpkg:counties"),
        "key_zones": str(DEMO / "key_zones.gpkg"),
        "mining_blocks": str(DEMO / "mining_blocks.gpkg"),
        "exploration_blocks": str(DEMO / "exploration_blocks.gpkg"),
    }
    r = api.check_prerequisite(
        mines, str(DEMO / "redline.gpkg"), layers=roles, exemptions=DEMO / "exemptions.csv"
    )
    context = {k: read_layer(v, what=k)[0] for k, v in roles.items()}
    context["redline"] = read_layer(DEMO / "redline.gpkg", what="redline")[0]
    info = pd.DataFrame(r.mines.drop(columns="geometry")).set_index("mine_id")[["name"]]
    return RunResults(
        Path("."), [], mines=r.mines, conflicts=r.conflicts, mine_info=info, context=context
    )


def _mines(points, verdict="FAIL", league=LEAGUE, half=0.002):
    """Small square mines (lon/lat) around ``points``."""
    return layer(
        [box(x - half, y - half, x + half, y + half) for x, y in points],
        crs="EPSG:4490",
        mine_id=[f"M{k:02d}" for k in range(len(points))],
        verdict=[verdict] * len(points),
        league_city=[league] * len(points),
        banner_county=["甲旗"] * len(points),
    )


def _league(points, extent=(110.5, 40.5, 112.3, 41.5), **context) -> RunResults:
    """A league of two counties splitting ``extent`` (lon/lat), its mines at ``points``."""
    x0, y0, x1, y1 = extent
    xm = (x0 + x1) / 2
    admin = layer(
        [box(x0, y0, xm, y1), box(xm, y0, x1, y1)],
        crs="EPSG:4490",
        league_city=[LEAGUE, LEAGUE],
        banner_county=["甲旗", "乙旗"],
    )
    return RunResults(Path("."), [], mines=_mines(points), context={"admin": admin, **context})


def _lonlat(points) -> list[tuple[float, float]]:
    """Points of GK zone 37 (EPSG:4525, metres) in lon/lat."""
    xy = np.array(list(points), dtype=float)
    lon, lat = pyproj.Transformer.from_crs(4525, 4490, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return list(zip(lon.tolist(), lat.tolist(), strict=True))


# --- legend and labels ------------------------------------------------------------------


@pytest.mark.parametrize("league", list(QUOTA_2025))
def test_legend_and_labels_cover_no_mine_on_the_demo_leagues(demo_res, league):
    fig = league_print_map(demo_res, league)
    mines = demo_res.mines[demo_res.mines["league_city"] == league]
    fig.canvas.draw()
    assert len(_mine_dots(fig)) == len(mines)  # every mine drawn, so the check is not empty
    named = mines["verdict"].isin(["FAIL", "REVIEW", "EXEMPT"]).sum()
    _check_legend_and_labels(fig, named)
    if league == "锡林郭勒盟":  # two named mines 1 km apart: both names, apart, on the map
        texts, _ = _label_boxes(fig)
        assert {"示例金矿44号", "示例萤石矿43号"} <= set(texts)


def test_the_legend_leaves_the_corner_whose_mines_it_used_to_cover():
    lone = [(110.6, 41.45)]
    before = league_print_map(_league(lone), LEAGUE)
    before.canvas.draw()
    ax = before.axes[0]
    old = ax.get_legend().get_window_extent()
    assert old.x1 > ax.get_window_extent().x1 - 40  # the lower right, as the legend always was
    # mines where that legend was (a grid over its box, from GK zone 37 back to lon/lat)
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([[old.x0, old.y0], [old.x1, old.y1]])
    points = [*_lonlat(itertools.product(np.linspace(x0, x1, 5), np.linspace(y0, y1, 3))), *lone]
    fig = league_print_map(_league(points), LEAGUE)
    _check_legend_and_labels(fig, len(points))
    assert len(_mine_dots(fig)) == 16
    new = fig.axes[0].get_legend().get_window_extent()
    assert not _overlap(_boxes([new])[0], _boxes([old])[0])  # moved to another corner


def test_with_a_mine_in_every_corner_the_map_zooms_out_until_one_is_free():
    lone = league_print_map(_league([(111.4, 41.0)]), LEAGUE)
    (x0, x1), (y0, y1) = lone.axes[0].get_xlim(), lone.axes[0].get_ylim()
    dx, dy = 0.01 * (x1 - x0), 0.01 * (y1 - y0)  # just inside each corner of that frame
    corners = _lonlat(itertools.product((x0 + dx, x1 - dx), (y0 + dy, y1 - dy)))
    fig = league_print_map(_league(corners), LEAGUE)
    _check_legend_and_labels(fig, 4)
    assert _scale(fig) > _scale(lone)


def test_labels_of_a_dense_cluster_never_overlap():
    rng = np.random.default_rng(7)
    points = [(111.4 + dx, 41.0 + dy) for dx, dy in rng.uniform(-0.03, 0.03, (25, 2))]
    fig = league_print_map(_league(points), LEAGUE)
    fig.canvas.draw()
    texts, labels = _label_boxes(fig)
    for a, b in itertools.combinations(labels, 2):
        assert not _overlap(a, b)
    names = {f"M{k:02d}" for k in range(25)}
    on_map = set(texts) & names
    key = re.search(r"numbered on the map: (.*)", _sheet_text(fig).replace("\n", " "))
    keyed = set(re.findall(r"\d+ (M\d\d)", key.group(1))) if key else set()
    assert on_map | keyed == names and not on_map & keyed  # every name, once
    numbers = set(texts) - names
    assert numbers == {str(k + 1) for k in range(len(keyed))}  # each keyed mine numbered


# --- projection, grid and scale ---------------------------------------------------------


def _interpolate(ticks: list, position: float, axis: int) -> float:
    """The km value at display ``position`` from the labels' texts and centres (x: axis 0)."""
    renderer = ticks[0].get_figure(root=True).canvas.get_renderer()
    at = [np.mean(_boxes([t.get_window_extent(renderer)])[0][[axis, axis + 2]]) for t in ticks]
    values = [float(t.get_text()) for t in ticks]
    return float(np.interp(position, at, values))


def test_grid_labels_are_the_gk_coordinates_of_the_lines():
    lon, lat = 111.2, 41.0
    fig = league_print_map(_league([(lon, lat)]), LEAGUE)  # centroid 111.4 °E: zone 37
    assert "第37带 (EPSG:4525)" in _sheet_text(fig)
    fig.canvas.draw()
    ax = fig.axes[0]
    dot = _mine_dots(fig)[0]
    east, north = pyproj.Transformer.from_crs(4490, 4525, always_xy=True).transform(lon, lat)
    xs = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
    ys = [t for t in ax.get_yticklabels() if t.get_text() and t.get_visible()]
    assert len(xs) >= 4 and len(ys) >= 4
    px_m = _scale(fig) * 0.0254 / fig.dpi  # one pixel on the ground
    # Y (easting, with the zone prefix 37) along the bottom, X (northing) up the side, km
    assert _interpolate(xs, (dot[0] + dot[2]) / 2, 0) * 1000 == pytest.approx(east, abs=2 * px_m)
    assert _interpolate(ys, (dot[1] + dot[3]) / 2, 1) * 1000 == pytest.approx(north, abs=2 * px_m)
    assert 37_000 < float(xs[0].get_text()) < 38_000


def test_a_league_spanning_two_zones_is_drawn_in_its_centroids_and_says_so():
    zone = gk_projection(box(112.0, 41.0, 114.6, 42.0))  # centroid 113.3 °E: zone 38 (CM 114)
    assert (zone.zone, zone.epsg, zone.spans) == (38, 4526, (37, 38))
    fig = league_print_map(_league([(113.0, 41.5)], extent=(112.0, 41.0, 114.6, 42.0)), LEAGUE)
    text = _sheet_text(fig).replace("\n", "")
    assert "第38带 (EPSG:4526)" in text and "跨第37–38带" in text


def test_tall_leagues_print_portrait_and_wide_ones_landscape():
    tall = league_print_map(_league([(111.2, 41.0)], extent=(111.0, 40.0, 111.8, 43.0)), LEAGUE)
    wide = league_print_map(_league([(111.2, 41.0)]), LEAGUE)
    assert tuple(tall.get_size_inches()) == (8.27, 11.69)
    assert tuple(wide.get_size_inches()) == (11.69, 8.27)


def test_the_numeric_scale_is_the_frames_extent_over_its_size_on_paper():
    assert [nice_scale(n) for n in (4.8e6, 1.01e4, 1e6, 2.6e5, 7.2e3)] == [
        5_000_000,
        12_500,
        1_000_000,
        300_000,
        7_500,
    ]
    fig = league_print_map(_league([(111.2, 41.0)]), LEAGUE)
    fig.canvas.draw()
    ax, n = fig.axes[0], _scale(fig)
    frame = ax.get_window_extent()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert (x1 - x0) / (frame.width / fig.dpi * 0.0254) == pytest.approx(n, rel=1e-6)
    assert (y1 - y0) / (frame.height / fig.dpi * 0.0254) == pytest.approx(n, rel=1e-6)
    bar = [a for a in fig.artists if isinstance(a, Rectangle)]
    width_m = sum(r.get_width() for r in bar) * fig.get_size_inches()[0] * 0.0254  # on paper
    label = next(t.get_text() for t in fig.texts if re.fullmatch(r"[\d.]+ k?m", t.get_text()))
    ground = float(label.split()[0]) * (1000 if label.endswith("km") else 1)
    assert width_m * n == pytest.approx(ground, rel=1e-9)


# --- styles -----------------------------------------------------------------------------


def _drawn(fig, gid: str):
    return next(c for c in fig.axes[0].collections if c.get_gid() == gid)


def test_legend_patches_are_the_colours_drawn():
    blocks = layer([box(111.0, 40.8, 111.2, 41.0)], crs="EPSG:4490", name=["CK1"])
    zones = layer([box(111.6, 40.8, 111.9, 41.1)], crs="EPSG:4490", name=["Z1"])
    res = _league([(111.4, 41.0)], mining_blocks=blocks, exploration_blocks=blocks, key_zones=zones)
    fig = league_print_map(res, LEAGUE)
    handles = {h.get_label(): h for h in fig.axes[0].get_legend().legend_handles}
    # by hand from styles.py: fill colours, opacities raised to at least 0.25 on paper
    for role, expected in (
        ("mining_blocks", to_rgba("#ce93d8", 0.25)),
        ("exploration_blocks", to_rgba("#9fa8da", 0.25)),
        ("key_zones", to_rgba("#ffcc80", 0.25)),
    ):
        drawn = tuple(_drawn(fig, f"layer:{role}").get_facecolor()[0])
        legend = handles[CONTEXT_STYLE[role].label].get_facecolor()
        assert drawn == pytest.approx(expected) and legend == pytest.approx(expected), role


def test_red_line_conflicts_and_a_fail_outline_read_apart_and_the_red_line_is_dissolved():
    redline = layer(
        [box(111.0, 40.99, 111.02, 41.01), box(111.01, 40.99, 111.03, 41.01)],
        crs="EPSG:4490",
        name=["甲", "乙"],
    )  # overlapping features
    mine = _mines([(111.03, 41.0)], half=0.004)
    piece = layer(
        [box(111.026, 40.996, 111.03, 41.004)],
        crs="EPSG:4490",
        mine_id=["M00"],
        effect=["FAIL"],
        layer=["redline"],
        **{"class": [None]},
        area_m2=[113_000.0],
    )
    res = RunResults(Path("."), [], mines=mine, conflicts=piece, context={"redline": redline})
    fig = mine_print_map(res, "M00")
    red, conflict, outline = (
        _drawn(fig, g) for g in ("layer:redline", "conflicts", "mine_boundary")
    )
    assert len(red.get_paths()) == 1  # one area drawn where two features overlap
    assert len(res.context["redline"]) == 2  # and the layer itself is untouched
    hatches = {red.get_hatch(), conflict.get_hatch()}
    assert len(hatches) == 2 and None not in hatches  # both hatched, differently
    styles = [c.get_linestyle()[0] for c in (red, outline)]
    assert styles[0] != styles[1] and styles[1][1] is not None  # the FAIL outline is dashed
    colours = {tuple(c.get_edgecolor()[0][:3]) for c in (red, conflict, outline)}
    assert len(colours) == 3
    labels = [h.get_label() for h in fig.axes[0].get_legend().legend_handles]
    assert any("113,000.00 m²（11.30 公顷，169.50 亩）" in label for label in labels)


# --- web maps and dashboard -------------------------------------------------------------


def test_the_web_maps_scale_is_metric_only():
    page = offline_map((110.0, 40.0, 112.0, 42.0)).get_root().render()
    scales = re.findall(r"L\.control\.scale\(([^)]*)\)", page)
    assert scales == ["{metric: true, imperial: false, maxWidth: 150}"]


def test_the_dashboard_counts_verdicts_flags_mines_outside_and_has_classes():
    admin = layer(
        [box(110.5, 40.5, 111.5, 41.5), box(109.5, 40.5, 110.5, 41.5)],
        crs="EPSG:4490",
        league_city=["呼和浩特市", "包头市"],
        banner_county=["甲", "乙"],
    )
    mines = pd.concat(
        [
            _mines([(111.0, 41.0), (111.1, 41.0), (111.2, 41.1)], league="呼和浩特市"),
            _mines([(110.0, 41.0)], verdict="PASS", league="包头市"),
            _mines([(100.0, 45.0)], verdict="REVIEW", league=""),
        ],
        ignore_index=True,
    )
    res = RunResults(Path("."), [], mines=mines, context={"admin": admin})
    table = league_table(res).set_index("league_city")
    assert list(table.index) == [*QUOTA_2025, OUTSIDE_ADMIN]
    assert table.loc["呼和浩特市", ["mines", "FAIL", "PASS"]].tolist() == [3, 3, 0]
    assert table.loc[OUTSIDE_ADMIN, ["mines", "REVIEW"]].tolist() == [1, 1]
    fig = dashboard_figure(res, table.reset_index())
    fig.canvas.draw()
    drawn = {tuple(c) for c in _drawn(fig, "choropleth").get_facecolor()}
    legend = {tuple(h.get_facecolor()) for h in fig.axes[0].get_legend().legend_handles}
    # 3 FAIL (class 3-4) and 0 FAIL, by hand from FAIL_CLASSES
    assert drawn == {to_rgba("#e53935"), to_rgba("#e8f5e9")} and drawn <= legend
    texts, boxes = _label_boxes(fig, "dashboard_label")
    assert len(texts) == 2 and not _overlap(*boxes)
    cells = [c.get_text().get_text() for c in fig.axes[1].tables[0].get_celld().values()]
    assert "⚠ 未落入行政区" in cells and "3" in cells
    assert "mines outside every admin unit" in _sheet_text(fig)


def test_the_demo_dashboard_has_several_classes_and_no_colliding_labels(demo_res):
    table = league_table(demo_res)
    fig = dashboard_figure(demo_res, table)
    fig.canvas.draw()
    drawn = {tuple(c) for c in _drawn(fig, "choropleth").get_facecolor()}
    assert len(drawn) > 1
    texts, boxes = _label_boxes(fig, "dashboard_label")
    assert len(texts) >= 10  # nearly every league labelled (the rest say so under the map)
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b)
    legend = _boxes([fig.axes[0].get_legend().get_window_extent()])[0]
    assert not any(_overlap(legend, b) for b in boxes)
