"""Greening coverage of the greenable area, indicator 6 (矿区绿化; RULES.md §2).

For each mine: greenable area = mine boundary − non-greenable land; inside it,
with exact pixel-coverage weights, the vegetated share (FVC ≥ a threshold) and
mean FVC; bare patches (connected bare pixels, FVC below a threshold, at least
a minimum area) as polygons; the indicator 6 score (:func:`indicator6`) with its
reason; and a same-image reference ring of undisturbed land around the mine for
comparison.
The FVC machinery (calibration, grids, exact-weighted statistics) is in
:mod:`.zone_fvc`. Areas are m² on the ellipsoid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from affine import Affine

from ..config.settings import GreeningSettings
from ..crs import CGCS2000, EQUAL_AREA
from ..io import results
from ..io.manifest import read_manifest
from ..io.untrusted import UntrustedRaster
from ..io.vector import read_layer
from ..progress import NullProgress, Progress
from ..types import StepResult
from .patches import Patches, PatchTracer
from .zonal import coverage_fraction
from .zone_fvc import FvcGrid, FvcStrips, Scene, ZoneSums, in_threads, reproject_geoms, workers

__all__ = [
    "GREENING_COLUMNS",
    "PATCH_COLUMNS",
    "PREVIEW_PIXELS",
    "GreeningResult",
    "MineGreening",
    "indicator6",
    "measure_mine",
    "measure_mines",
    "patch_table",
]

#: Longest side (pixels) of the FVC grid kept for a mine's figure; larger grids are
#: thinned to every k-th pixel (the figure shows about 600 pixels across).
PREVIEW_PIXELS = 1200

#: Columns of greening.csv, in order (the CLI contract).
GREENING_COLUMNS = [
    "mine_id",
    "greenable_area_m2",
    "vegetated_area_m2",
    "coverage_pct",
    "fvc_mean",
    "reference_fvc_mean",
    "relative_cover_pct",
    "bare_patches",
    "indicator6_score",
    "indicator6_reason",
    "vi_soil",
    "vi_veg",
    "notes",
]

#: Columns of the ``bare_patches`` layer (EQUAL_AREA geometry; centroid in EPSG:4490 degrees).
PATCH_COLUMNS = [
    "mine_id",
    "patch_no",
    "area_m2",
    "fvc_mean",
    "centroid_lon",
    "centroid_lat",
    "geometry",
]


@dataclass
class MineGreening:
    """The measurement of one mine (areas in m² on the ellipsoid)."""

    mine_id: str
    greenable_area_m2: float
    measured_share: float = 0.0
    vegetated_area_m2: float = float("nan")
    coverage_pct: float = float("nan")
    fvc_mean: float = float("nan")
    reference_fvc_mean: float = float("nan")
    patches: Patches | None = None
    indicator6_score: float = float("nan")
    indicator6_reason: str = ""
    notes: list[str] = field(default_factory=list)
    # for the figure, then dropped: FVC around the mine, in the image CRS, at most
    # PREVIEW_PIXELS on a side (every k-th pixel of a larger grid)
    fvc_grid: np.ndarray | None = None
    grid_transform: Affine | None = None

    @property
    def bare_patches(self) -> int:
        return 0 if self.patches is None else len(self.patches)

    @property
    def relative_cover_pct(self) -> float:
        if not (self.reference_fvc_mean > 0):
            return float("nan")
        return 100.0 * self.fvc_mean / self.reference_fvc_mean


def measure_mine(
    raster: UntrustedRaster,
    scene: Scene,
    mine_id: str,
    greenable_area_m2: float,
    greenable: shapely.Geometry,
    ring: shapely.Geometry,
    s: GreeningSettings,
) -> MineGreening:
    """Measure one mine's greenable area and reference ring on the image.

    ``greenable`` and ``ring`` are in the image's CRS; ``greenable_area_m2`` is
    the greenable area's ellipsoidal area. Pixels of the image's nodata and the
    part of the mine outside the image are left out and reported in ``notes``
    with their share. The grid around the mine is read in strips
    (:class:`~.zone_fvc.FvcStrips`), so a 20 km² pit at 1 m is measured in bounded
    memory with the same exact weights as a small mine in one strip.
    """
    result = MineGreening(mine_id, greenable_area_m2)
    if greenable_area_m2 <= 0:
        result.notes.append("no greenable area")
        return result
    strips = FvcStrips(raster, scene, [greenable, ring], s)
    t = strips.transform
    # the greenable area in pixels: Σ of its exact coverage fractions on the grid
    pixel_m2 = greenable_area_m2 / (shapely.area(greenable) / abs(t.determinant))
    tracer = PatchTracer(t, pixel_m2, s.min_patch_m2)
    sums = ZoneSums()
    step = max(1, -(-max(strips.shape) // PREVIEW_PIXELS))
    preview = []
    for top, grid in strips:
        _add_strip(grid, greenable, ring, sums, tracer, s)
        preview.append(grid.cover[(-top) % step :: step, ::step].copy())  # not a view
    stats = sums.stats(greenable_area_m2)
    result.measured_share = stats.valid_share
    if stats.valid_share == 0:
        result.notes.append("the image does not cover this mine")
        return result
    if stats.valid_share < 0.999:
        result.notes.append(
            f"only {100 * stats.valid_share:.1f} % of the greenable area has valid pixels; figures are for that part"
        )
    result.vegetated_area_m2 = stats.vegetated_area_m2
    result.coverage_pct = 100.0 * stats.vegetated_share
    result.fvc_mean = stats.fvc_mean
    result.reference_fvc_mean = stats.reference_fvc_mean
    if not np.isfinite(stats.reference_fvc_mean):
        result.notes.append("no valid pixels in the reference ring")
    # bare patches: 8-connected bare pixels, at least min_patch_m2 (exact weights × pixel m²)
    result.patches = tracer.finish(within=greenable)
    result.indicator6_score, result.indicator6_reason = indicator6(
        result.coverage_pct, result.patches.area_m2, s
    )
    result.fvc_grid, result.grid_transform = np.concatenate(preview), t @ Affine.scale(step)
    return result


def _add_strip(
    grid: FvcGrid,
    greenable: shapely.Geometry,
    ring: shapely.Geometry,
    sums: ZoneSums,
    tracer: PatchTracer,
    s: GreeningSettings,
) -> None:
    """Add one strip's exact-weighted sums and bare pixels (its weights freed on return).

    Bare: FVC < ``bare_fvc`` on a pixel at least half inside the greenable area.
    """
    w_zone = coverage_fraction(greenable, grid.transform, grid.cover.shape)
    sums.add(grid, w_zone, coverage_fraction(ring, grid.transform, grid.cover.shape), s)
    bare = grid.usable & (w_zone >= 0.5) & (grid.cover < s.bare_fvc)
    tracer.add(bare, w_zone, grid.cover)  # bare pixels are valid: their FVC is finite


def indicator6(
    coverage_pct: float, patch_areas_m2: np.ndarray, s: GreeningSettings
) -> tuple[float, str]:
    """Indicator 6's score (0-2) and its reason, from the greenable area's vegetated share (%)
    and its bare patches' areas (m²).

    The rule asks for two things, the greenable area fully covered and no large exposed
    topsoil, and takes 0.5 per non-conforming spot from 2. A greenable area below
    ``min_cover_pct`` vegetated does not conform as a whole: 0. Otherwise each bare patch
    counts one spot per started ``spot_m2`` (a 2.5 ha patch is 3 spots at 1 ha), so
    growing bare ground never raises the score.
    """
    if not np.isfinite(coverage_pct):
        return float("nan"), "not measured"
    if coverage_pct < s.min_cover_pct:
        return 0.0, (
            f"greenable area largely uncovered: {coverage_pct:.1f} % vegetated, below "
            f"{s.min_cover_pct:g} %"
        )
    if len(patch_areas_m2) == 0:
        return 2.0, f"covered: no bare patch of {s.min_patch_m2:g} m² or more"
    spots = int(np.ceil(np.asarray(patch_areas_m2) / s.spot_m2).sum())
    return max(0.0, 2.0 - 0.5 * spots), (
        f"{len(patch_areas_m2)} bare patches ({float(np.sum(patch_areas_m2)):,.0f} m²) count "
        f"{spots} spots, one per started {s.spot_m2:,.0f} m²: −0.5 each"
    )


#: Grid pixels (all mines and rings) above which mines are measured on every core.
PARALLEL_PIXELS = 4_000_000


def measure_mines(
    raster: UntrustedRaster,
    scene: Scene,
    ids: list[str],
    greenable: np.ndarray,
    rings: np.ndarray,
    s: GreeningSettings,
    on_grid: Callable[[MineGreening, shapely.Geometry], None] | None = None,
    progress: Progress | None = None,
) -> list[MineGreening]:
    """Measure every mine (``greenable`` areas and ``rings`` in EQUAL_AREA), in input order.

    Mines are visited from the top of the image down, so that neighbouring windows
    share GDAL's block cache and each block is decoded about once. When the mines'
    grids are large enough to pay for it, the top-down order is cut into one run per
    core, each measured in a thread with its own handle on the image (GDAL decoding,
    numpy and Pillow release the GIL). ``on_grid`` (which must be thread-safe) sees each
    measured mine with its FVC grid and greenable area (image CRS) before the grid is
    dropped: one grid per thread in memory at a time. ``progress`` advances once per mine.
    """
    progress = progress or NullProgress()
    n = len(ids)
    areas = shapely.area(greenable)
    in_image = reproject_geoms(np.concatenate([greenable, rings]), EQUAL_AREA, scene.crs)
    g_img, r_img = in_image[:n], in_image[n:]
    # the image row of each mine's centre: visited in that order
    _, row = ~raster.dataset.transform @ tuple(shapely.get_coordinates(shapely.centroid(r_img)).T)
    measured: list[MineGreening | None] = [None] * n

    def run(handle: UntrustedRaster, order: np.ndarray) -> None:
        for i in order:
            m = measure_mine(handle, scene, ids[i], float(areas[i]), g_img[i], r_img[i], s)
            if on_grid is not None and m.fvc_grid is not None:
                on_grid(m, g_img[i])
            m.fvc_grid = None
            measured[i] = m
            progress.advance(f"mine {ids[i]}")

    res = abs(raster.dataset.transform.determinant)  # a pixel's area in the image CRS
    pixels = float(shapely.area(r_img).sum() + shapely.area(g_img).sum()) / max(res, 1e-300)
    threads = min(workers(), n) if pixels >= PARALLEL_PIXELS else 1
    in_threads(raster, np.array_split(np.argsort(row, kind="stable"), max(threads, 1)), run)
    return [m for m in measured if m is not None]


def patch_table(measured: list[MineGreening], crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """All mines' bare patches as one table: geometry in EQUAL_AREA, centroids in EPSG:4490.

    Reprojected in one call for all mines (``crs`` is the image's).
    """
    with_patches = [m for m in measured if m.patches is not None and len(m.patches)]
    if not with_patches:
        return gpd.GeoDataFrame(columns=PATCH_COLUMNS, geometry="geometry", crs=EQUAL_AREA)
    patches = [m.patches for m in with_patches if m.patches is not None]
    geoms = gpd.GeoSeries(np.concatenate([p.geometry for p in patches]), crs=crs).to_crs(EQUAL_AREA)
    centroids = gpd.GeoSeries(shapely.centroid(geoms.values), crs=EQUAL_AREA).to_crs(CGCS2000)
    return gpd.GeoDataFrame(
        {
            "mine_id": np.repeat([m.mine_id for m in with_patches], [len(p) for p in patches]),
            "patch_no": np.concatenate([np.arange(1, len(p) + 1) for p in patches]),
            "area_m2": np.concatenate([p.area_m2 for p in patches]),
            "fvc_mean": np.concatenate([p.mean for p in patches]),
            "centroid_lon": centroids.x.to_numpy(),
            "centroid_lat": centroids.y.to_numpy(),
            "geometry": geoms.values,
        },
        geometry="geometry",
        crs=EQUAL_AREA,
    )


@dataclass
class GreeningResult(StepResult):
    """Indicator 6 of every mine on one image.

    Attributes
    ----------
    table : DataFrame
        One row per mine, :data:`GREENING_COLUMNS` (``greening.csv``); mines the image
        does not cover have a note and no score.
    greenable : GeoDataFrame
        Each mine's greenable area with its figures (EQUAL_AREA; EPSG:4490 once read back).
    bare_patches : GeoDataFrame
        Every counted bare patch (:data:`PATCH_COLUMNS`).
    end_members, scaling :
        The FVC end-members the scene gave and how its values became reflectance.
    figures : dict
        Mine id → file name of its figure in the step's directory.
    warnings : list of str
        What limits every mine's figures (no non-greenable layer, uncalibrated image …).
    """

    command: ClassVar[str] = "greening"
    table: pd.DataFrame
    greenable: gpd.GeoDataFrame
    bare_patches: gpd.GeoDataFrame
    end_members: dict[str, Any]
    scaling: str
    figures: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_measurements(
        cls,
        measured: list[MineGreening],
        mine_ids: np.ndarray,
        greenable: np.ndarray,
        scene: Scene,
        notes: list[str],
        figures: dict[str, str],
    ) -> GreeningResult:
        """The result of :func:`measure_mines`; ``mine_ids`` keep the id field's own type,
        ``greenable`` is in EQUAL_AREA, ``notes`` apply to every mine."""
        rows = [
            {
                **{c: getattr(m, c) for c in GREENING_COLUMNS[1:7]},  # areas, cover, FVC
                "bare_patches": m.bare_patches if m.patches is not None else np.nan,
                "indicator6_score": m.indicator6_score,
                "indicator6_reason": m.indicator6_reason,
                "vi_soil": scene.end_members.soil,
                "vi_veg": scene.end_members.veg,
                "notes": "; ".join(m.notes + notes),
            }
            for m in measured
        ]
        table = pd.DataFrame(rows, columns=GREENING_COLUMNS[1:])
        table.insert(0, "mine_id", mine_ids)
        shown = ["mine_id", "greenable_area_m2", "coverage_pct", "bare_patches", "indicator6_score"]
        layer = gpd.GeoDataFrame(table[shown], geometry=gpd.GeoSeries(greenable, crs=EQUAL_AREA))
        return cls(
            table,
            layer,
            patch_table(measured, scene.crs),
            asdict(scene.end_members),
            scene.scaling,
            figures,
            notes,
        )

    def summary(self) -> dict[str, int]:
        return {
            "mines": len(self.table),
            "measured": int(self.table["indicator6_score"].notna().sum()),
            "with_bare_patches": int((self.table["bare_patches"] > 0).sum()),
        }

    def tables(self) -> dict[str, Any]:
        """The table ``greening`` (one row per mine) and the layer ``bare_patches``."""
        return {"greening": self.table, "bare_patches": self.bare_patches}

    def write(self, out_dir: Path) -> list[Path]:
        layers = {"greenable": self.greenable, "bare_patches": self.bare_patches}
        return [
            results.write_csv(self.table, out_dir / "greening.csv"),
            results.write_gpkg(layers, out_dir / "greening.gpkg"),
        ]

    def manifest_record(self) -> dict[str, Any]:
        used = {"end_members_used": self.end_members, "scaling": self.scaling}
        return {"parameters": used, "figures": self.figures}

    @classmethod
    def read(cls, out_dir: Path) -> GreeningResult:
        """The result a finished greening step wrote into ``out_dir`` (geometries in EPSG:4490)."""
        manifest = read_manifest(out_dir) or {}
        used = manifest.get("parameters", {})
        table = results.read_csv(
            out_dir / "greening.csv", dtype={"mine_id": str}, keep_default_na=False, na_values=[""]
        )
        return cls(
            table,
            read_layer(f"{out_dir / 'greening.gpkg'}:greenable", what="greening result")[0],
            read_layer(f"{out_dir / 'greening.gpkg'}:bare_patches", what="greening result")[0],
            used.get("end_members_used", {}),
            used.get("scaling", ""),
            manifest.get("figures", {}),
            manifest.get("warnings", []),
        )
