"""Run manifests: what went in (with content hashes), what parameters, what came out."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .atomic import atomic_output
from .clock import now

__all__ = ["file_sha256", "read_manifest", "software_versions", "write_manifest"]

_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _parts(path: Path) -> list[Path]:
    """The files whose bytes make up a dataset: a shapefile's parts, a FileGDB folder's files."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file())
    if path.suffix.lower() == ".shp":
        return [p for p in (path.with_suffix(s) for s in _SHAPEFILE_PARTS) if p.exists()]
    return [path]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, as ``sha256sum`` prints it; for a dataset of several files
    (a shapefile's parts, a FileGDB folder), the SHA-256 of the lines ``NAME HASH`` of its
    files in order."""
    path = Path(path)
    parts = _parts(path)
    if parts == [path]:
        return _sha256(path)
    lines = "".join(f"{p.name} {_sha256(p)}\n" for p in parts)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def read_manifest(out_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of a step's output directory, or None when the step did not finish there."""
    path = Path(out_dir, "manifest.json")
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def software_versions() -> dict[str, str]:
    """Versions of this package and the geospatial libraries that shape its numbers."""
    import geopandas
    import pyogrio
    import pyproj
    import shapely

    from .._version import __version__

    return {
        "greenmine_geo": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "shapely": shapely.__version__,
        "geos": ".".join(map(str, shapely.geos_version)),
        "pyproj": pyproj.__version__,
        "proj": pyproj.proj_version_str,
        "geopandas": geopandas.__version__,
        "pyogrio": pyogrio.__version__,
        "gdal": pyogrio.__gdal_version_string__,
    }


def write_manifest(
    out_dir: str | os.PathLike[str],
    *,
    command: str,
    inputs: Iterable[Mapping[str, Any]],
    parameters: Mapping[str, Any],
    outputs: Iterable[str | os.PathLike[str]],
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``out_dir/manifest.json`` last, atomically; it marks the result as complete.

    ``outputs`` are paths inside ``out_dir``; each is recorded with its SHA-256.
    """
    out_dir = Path(out_dir)
    record: dict[str, Any] = {
        "command": command,
        "finished_utc": now().isoformat(timespec="seconds"),
        "software": software_versions(),
        "inputs": list(inputs),
        "parameters": dict(parameters),
        "outputs": [
            {"path": Path(p).relative_to(out_dir).as_posix(), "sha256": file_sha256(p)}
            for p in sorted(outputs, key=lambda p: Path(p).relative_to(out_dir).as_posix())
        ],
    }
    record.update(extra or {})
    final = out_dir / "manifest.json"
    with atomic_output(final) as tmp:
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str), "utf-8")
    return final
