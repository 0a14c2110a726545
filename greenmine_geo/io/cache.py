"""On-disk cache of prepared layers, keyed by the layer's content hash.

A prepared red-line or land-use layer (see :mod:`greenmine_geo.overlay`) costs
seconds to minutes to build and depends only on the file's bytes, the fields
used and the preparation parameters; a warm run loads it in well under a
second. Entries are ``.npz`` files of plain arrays (geometries as shapely
ragged arrays, no pickle), written atomically. A corrupt or outdated entry is
ignored and rebuilt. What an entry holds is the caller's business (a prepared
layer describes itself as a :class:`CacheEntry`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import shapely

from .atomic import atomic_output

__all__ = ["CacheEntry", "cache_key", "default_cache_dir", "load_entry", "save_entry"]

#: Bump when the stored format or the preparation algorithm changes.
FORMAT_VERSION = 2


def default_cache_dir() -> Path:
    """``$GREENMINE_CACHE_DIR``, else ``~/.cache/greenmine-geo``."""
    env = os.environ.get("GREENMINE_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "greenmine-geo"


def cache_key(sha256: str, name: str, fields: Mapping[str, str], params: Mapping[str, Any]) -> str:
    """Key of a prepared layer: content hash, role, fields used, parameters, format version."""
    blob = json.dumps(
        {
            "sha256": sha256,
            "name": name,
            "fields": dict(fields),
            "params": dict(params),
            "v": FORMAT_VERSION,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


@dataclass
class CacheEntry:
    """What one entry holds: JSON-able ``meta``, plain ``arrays`` and ``polygons`` arrays."""

    meta: dict[str, Any]
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    polygons: dict[str, np.ndarray] = field(default_factory=dict)


def _pack(prefix: str, geoms: np.ndarray, out: dict[str, np.ndarray]) -> None:
    if len(geoms) == 0:
        out[f"{prefix}_n"] = np.array(0)
        return
    _, coords, (rings, polys) = shapely.to_ragged_array(geoms)
    out.update(
        {
            f"{prefix}_n": np.array(len(geoms)),
            f"{prefix}_coords": coords,
            f"{prefix}_rings": rings,
            f"{prefix}_polys": polys,
        }
    )


def _unpack(prefix: str, data: Mapping[str, np.ndarray]) -> np.ndarray:
    if int(data[f"{prefix}_n"]) == 0:
        return np.empty(0, dtype=object)
    return shapely.from_ragged_array(
        shapely.GeometryType.POLYGON,
        data[f"{prefix}_coords"],
        (data[f"{prefix}_rings"], data[f"{prefix}_polys"]),
    )


def save_entry(cache_dir: Path, key: str, entry: CacheEntry) -> Path:
    """Store ``entry`` under ``cache_dir/KEY.npz`` (polygon arrays as ragged coordinates)."""
    arrays: dict[str, np.ndarray] = {
        "meta": np.array(json.dumps({**entry.meta, "polygons": sorted(entry.polygons)})),
        **{f"a_{k}": v for k, v in entry.arrays.items()},
    }
    for name, geoms in entry.polygons.items():
        _pack(f"p_{name}", geoms, arrays)
    final = Path(cache_dir) / f"{key}.npz"
    with atomic_output(final) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **cast(dict[str, Any], arrays))
    return final


def load_entry(cache_dir: Path, key: str) -> CacheEntry | None:
    """The stored entry, or None when absent or unreadable (it is then rebuilt)."""
    path = Path(cache_dir) / f"{key}.npz"
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            polygons = {name: _unpack(f"p_{name}", data) for name in meta.pop("polygons")}
            arrays = {k[2:]: data[k] for k in data.files if k.startswith("a_")}
            return CacheEntry(meta, arrays, polygons)
    except (OSError, ValueError, KeyError, TypeError):
        return None
