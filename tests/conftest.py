"""Test data made in code (no fixtures files), and helpers shared by the tests.

Hand-computed answers rely on one fact: near a Gauss-Krüger central meridian
the GK scale factor is 1 + x²/2R² (3 × 10⁻⁹ at 500 m), so a GK square of
1 000 m × 1 000 m centred on the meridian has an ellipsoidal area of
1 000 000 m² to within 0.01 m². Zone 37 (EPSG:4525) has its meridian, 111°E,
at easting 37 500 000 m.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

import greenmine_geo  # noqa: F401 - first, as a user imports it: GDAL hardened before any read

#: Easting and northing of the central meridian of GK zone 37 near 40.6°N.
E0, N0 = 37_500_000.0, 4_500_000.0


def gk_box(x0: float, y0: float, x1: float, y1: float):
    """A box in metres relative to (E0, N0), in EPSG:4525 coordinates."""
    return box(E0 + x0, N0 + y0, E0 + x1, N0 + y1)


def layer(geoms, crs="EPSG:4525", **attrs) -> gpd.GeoDataFrame:
    """A GeoDataFrame of ``geoms`` with attribute columns given as lists."""
    return gpd.GeoDataFrame(dict(attrs), geometry=list(geoms), crs=crs)


def write(gdf: gpd.GeoDataFrame, path: Path, **kwargs) -> str:
    gdf.to_file(path, engine="pyogrio", **kwargs)
    return str(path)


def greenmine(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command line exactly as a user would, in this interpreter's environment
    (or in ``env``)."""
    return subprocess.run(
        [sys.executable, "-m", "greenmine_geo", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


def one_line_error(r: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Assert the command failed on its input with one error line holding ``needles``; the line."""
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("greenmine: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def pytest_configure(config):
    """Cache prepared layers in a directory of this test session, never in the user's home.

    Set on the environment, so the notebooks' kernels (started by nbmake) inherit it too.
    """
    os.environ["GREENMINE_CACHE_DIR"] = tempfile.mkdtemp(prefix="greenmine-test-cache-")


REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))  # benchmark code is exercised by the tests too
sys.path.insert(0, str(REPO / "scripts"))  # so are the structure checks
