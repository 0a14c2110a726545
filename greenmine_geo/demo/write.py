"""Writing the whole demo into a folder: :func:`write_demo_data`.

The vector layers go to GeoPackages (and one shapefile), each mine to the file
of its ``crs_file`` in that file's CRS; the imagery and boundary files are
written by their own modules. Everything but the restoration demo is drawn, in
a fixed order, from one random generator seeded with :data:`SEED`.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from ..crs import CGCS2000, gk_crs
from ..io.atomic import atomic_output
from .blocks import blocks
from .boundaries import boundary_files
from .imagery import greening_images
from .landuse import landuse
from .mines import EXEMPTED_MINE, in_green_list, mines
from .planning import key_zones, redlines
from .restoration import restoration_images, restoration_layers

__all__ = ["SEED", "write_demo_data"]

#: Seed of the generator every layer but the restoration demo draws from (that uses SEED + 5).
SEED = 20251106


def write_demo_data(out_dir: str | Path) -> list[Path]:
    """Generate every synthetic demo layer into ``out_dir``; returns the paths written.

    Deterministic: the same seed gives the same features.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    redline = redlines(rng)
    zones = key_zones(rng)
    placed = mines(rng, redline)
    mining_blocks, exploration_blocks = blocks(rng, placed, zones)
    parcels = landuse(rng, placed)
    written = [
        _write(redline, out / "redline.gpkg", layer="redline"),
        _write(zones, out / "key_zones.gpkg", layer="key_zones"),
        _write(mining_blocks, out / "mining_blocks.gpkg", layer="mining_blocks"),
        _write(exploration_blocks, out / "exploration_blocks.gpkg", layer="exploration_blocks"),
        _write(parcels, out / "landuse.gpkg", layer="landuse"),
    ]
    frame = gpd.GeoDataFrame([m.__dict__ for m in placed], crs=CGCS2000)
    frame.insert(4, "green_mine", [in_green_list(m) for m in placed])
    written += _write_mines(frame, out)
    written.append(_write_exemptions(frame, out / "exemptions.csv"))
    written += greening_images(rng, placed, out / "imagery")
    written += _write_restoration(out)
    written += boundary_files(out)
    return written


def _write(gdf: gpd.GeoDataFrame, path: Path, **kwargs: object) -> Path:
    """Write a vector layer with pyogrio (driver from the suffix), atomically."""
    with atomic_output(path) as tmp:
        gdf.to_file(tmp, engine="pyogrio", **kwargs)
    return path


def _write_mines(frame: gpd.GeoDataFrame, out: Path) -> list[Path]:
    """The mines in four files and four CRSs, by ``crs_file`` (dropped from the files).

    ``mines_gk3_cm117.shp`` is in 3° GK CM 117°E without prefix (EPSG:4548) with
    GB18030 attributes and no ``.cpg``, as such shapefiles usually arrive.
    """
    written = []
    targets: dict[str, tuple[pyproj.CRS, Path]] = {
        "cgcs2000": (CGCS2000, out / "mines_cgcs2000.gpkg"),
        "gk3_zone37": (gk_crs(37), out / "mines_gk3_zone37.gpkg"),
        "gk6_zone18": (gk_crs(18, width=6), out / "mines_gk6_zone18.gpkg"),
    }
    for key, (crs, path) in targets.items():
        part = frame[frame["crs_file"] == key].drop(columns="crs_file").to_crs(crs)
        written.append(_write(part, path, layer="mines"))
    shp = out / "mines_gk3_cm117.shp"
    part = (
        frame[frame["crs_file"] == "gk3_cm117"]
        .drop(columns="crs_file")
        .to_crs(gk_crs(39, prefixed=False))
    )
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        shp.with_suffix(suffix).unlink(missing_ok=True)
    part.to_file(shp, engine="pyogrio", encoding="GB18030")
    shp.with_suffix(".cpg").unlink(missing_ok=True)  # as such files usually arrive: no .cpg
    written.append(shp)
    return written


def _write_exemptions(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """The documented red-line exemption of the EXEMPTED_MINE, as UTF-8 CSV."""
    exempt = frame[frame["name"] == EXEMPTED_MINE]
    ex = pd.DataFrame(
        {
            "mine_id": exempt["mine_id"],
            "reason": "国家重大能源保障项目，按规定允许",
            "document": "自然资办函〔2024〕0123号",
            "layer": "redline",
        }
    )
    with atomic_output(path) as tmp:
        ex.to_csv(tmp, index=False, encoding="utf-8")
    return path


def _write_restoration(out: Path) -> list[Path]:
    """The restoration demo's mine and zones, then its images (a generator of its own)."""
    mine, zones = restoration_layers()
    folder = out / "restoration"
    folder.mkdir(exist_ok=True)
    return [
        _write(mine, folder / "mine.gpkg", layer="mine"),
        _write(zones, folder / "zones.gpkg", layer="zones"),
        *restoration_images(np.random.default_rng(SEED + 5), out / "imagery"),
    ]
