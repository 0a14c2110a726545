"""Deterministic generator of the synthetic demo layers in ``data/demo/``: :func:`write_demo_data`.

Everything here is invented (fixed seed) but shaped like the real thing, and
placed near the real regions it is named after; only ``admin.gpkg`` is real
(approximate) geography, derived by ``scripts/derive_admin_boundaries.py``.

What the demo contains, and why:

* ``redline.gpkg`` (EPSG:4490): seven red-line features, multipolygons with tens
  of thousands of vertices; two of them overlap (the overlap must count once).
* ``key_zones.gpkg`` (EPSG:4490): the 18 key exploration and mining zones of
  Master Plan 专栏3, as blobs near their real regions.
* ``mining_blocks.gpkg`` / ``exploration_blocks.gpkg`` (EPSG:4490): planning
  blocks, ``drawn_by`` 自治区 or 盟市; one city block overlaps a region block.
* ``landuse.gpkg`` (EPSG:4490): parcels of 永久基本农田, 草地, 林地 and 自然保护地
  around the mines (field ``地类名称``).
* mines, ~60, in four files and four CRSs: ``mines_cgcs2000.gpkg`` (EPSG:4490),
  ``mines_gk3_zone37.gpkg`` (3° GK zone 37 with prefix, EPSG:4525),
  ``mines_gk3_cm117.shp`` (3° GK CM 117°E without prefix, EPSG:4548, GBK
  attributes and no .cpg, as shapefiles often arrive), ``mines_gk6_zone18.gpkg``
  (6° GK zone 18, EPSG:4496). Among them: bow-tie (self-intersecting) rings, a
  mine with a hole around a red-line island, a mine that only touches the red
  line, two mines in one mining planning block, mines over farmland and a
  nature reserve, and one red-line conflict with a documented exemption
  (``exemptions.csv``).
* ``imagery/greening_*.tif``: greening images of three mines; ``restoration/`` and
  ``imagery/restoration_*.tif``: the restoration demo; ``boundaries/``: corner-point
  boundary files.

One module per thing made: :mod:`.shapes` (geometry helpers), :mod:`.planning`
(red lines, key zones), :mod:`.mines`, :mod:`.blocks`, :mod:`.landuse`,
:mod:`.imagery` (greening images), :mod:`.restoration`, :mod:`.boundaries`, and
:mod:`.write`, which draws them in order and writes the files.
"""

from __future__ import annotations

from .boundaries import BOUNDARY_FILES
from .imagery import GREENING_KINDS
from .mines import EXEMPTED_MINE, GREENING_MINES
from .planning import KEY_ZONES
from .restoration import RESTORATION_IMAGES, RESTORATION_MINE, RESTORATION_ZONES
from .write import SEED, write_demo_data

__all__ = [
    "BOUNDARY_FILES",
    "EXEMPTED_MINE",
    "GREENING_KINDS",
    "GREENING_MINES",
    "KEY_ZONES",
    "RESTORATION_IMAGES",
    "RESTORATION_MINE",
    "RESTORATION_ZONES",
    "SEED",
    "write_demo_data",
]
