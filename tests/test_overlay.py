"""The prepared-layer overlay engine on layers whose classes overlap each other.

Land use in GK zone 37 (EPSG:4525), metres from (E0, N0): farmland [0, 100] × [0, 100] and
forest [50, 200] × [0, 100] overlap in [50, 100] × [0, 100]. Per class the layer's pieces are
the two features; across classes they merge into one polygon, [0, 200] × [0, 100].
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from greenmine_geo import overlay
from greenmine_geo.layers import normalise_landuse
from greenmine_geo.overlay import contact_with, prepare_layer, to_measurable

from conftest import gk_box, layer


def _landuse():
    gdf = layer(
        [gk_box(0, 0, 100, 100), gk_box(50, 0, 200, 100)], **{"class": ["永久基本农田", "林地"]}
    )
    return prepare_layer(gdf, name="landuse", classes=normalise_landuse(gdf["class"]))


def test_classed_layer_keeps_classes_apart_and_merges_them_for_the_whole_layer():
    prep = _landuse()
    assert len(prep.flat) == 2 and len(prep.flat_all) == 1
    assert prep.flat_all[0].area == pytest.approx(200 * 100, rel=1e-6)


def test_contact_with_a_classed_layer_measures_the_touching_edge():
    # a mine east of the forest, sharing its 100 m edge x = 200: touching; the mine's boundary
    # within the 0.05 m tolerance of the layer is that edge and 0.05 m of each edge meeting it
    prep = _landuse()
    mine = to_measurable(layer([gk_box(200, 0, 300, 100)]).geometry).geoms
    contact = contact_with(np.asarray(mine, dtype=object), prep, 0.05)
    assert contact.state.tolist() == ["touching"]
    assert contact.contact_length_m[0] == pytest.approx(100 + 2 * 0.05, abs=0.005)


def test_hits_in_chunks_equal_one_pass(monkeypatch):
    rng = np.random.default_rng(7)
    x, y = rng.uniform(0, 1000, 50), rng.uniform(0, 1000, 50)
    geoms = shapely.box(x, y, x + 80, y + 60)
    pieces = shapely.box(y, x, y + 120, x + 40)
    tree = shapely.STRtree(pieces)
    whole = overlay.hits(geoms, pieces, tree)
    monkeypatch.setattr(overlay, "HITS_CHUNK", 7)
    done: list[int] = []
    chunked = overlay.hits(geoms, pieces, tree, done.append)
    assert done == [7, 14, 21, 28, 35, 42, 49, 50]
    order = np.lexsort((whole.piece, whole.index))
    again = np.lexsort((chunked.piece, chunked.index))
    assert len(whole.index) > 20
    np.testing.assert_array_equal(whole.index[order], chunked.index[again])
    np.testing.assert_array_equal(whole.piece[order], chunked.piece[again])
    np.testing.assert_allclose(whole.area[order], chunked.area[again])
