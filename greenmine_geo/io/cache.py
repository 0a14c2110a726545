"""On-disk cache of prepared layers, keyed by the layer's content hash.

A prepared red-line or land-use layer (see :mod:`greenmine_geo.overlay`) costs
seconds to minutes to build and depends only on the file's bytes, the fields
used and the preparation parameters; a warm run loads it in well under a
second. Entries are ``.npz`` files of plain arrays (geometries as shapely
ragged arrays, never pickle), written atomically, each named by its key and the
SHA-256 of its own bytes (``KEY-DIGEST.npz``): on load the bytes are hashed again, so
a truncated, corrupt or tampered entry is ignored and rebuilt, never trusted, as is an
outdated one. What an entry holds is the caller's business (a prepared
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

__all__ = ["CacheEntry", "cache_key", "default_cache_dir", "load_entry", "save_entry"]

#: Bump when the stored format or the preparation algorithm changes.
FORMAT_VERSION = 4


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


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:32]


def save_entry(cache_dir: Path, key: str, entry: CacheEntry) -> Path:
    """Store ``entry`` as ``cache_dir/KEY-DIGEST.npz`` (polygon arrays as ragged coordinates)."""
    arrays: dict[str, np.ndarray] = {
        "meta": np.array(json.dumps({**entry.meta, "polygons": sorted(entry.polygons)})),
        **{f"a_{k}": v for k, v in entry.arrays.items()},
    }
    for name, geoms in entry.polygons.items():
        _pack(f"p_{name}", geoms, arrays)
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f".{key}.partial-{os.getpid()}.npz"
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **cast(dict[str, Any], arrays))
        final = cache_dir / f"{key}-{_digest(tmp)}.npz"
        for old in cache_dir.glob(f"{key}-*.npz"):
            old.unlink(missing_ok=True)
        os.replace(tmp, final)  # the name says the digest: complete, or not there
    finally:
        tmp.unlink(missing_ok=True)
    return final


def _verified(path: Path) -> bool:
    """Whether an entry's bytes still hash to the digest in its name."""
    return path.name.removesuffix(".npz").rsplit("-", 1)[-1] == _digest(path)


def load_entry(cache_dir: Path, key: str) -> CacheEntry | None:
    """The stored entry, or None when absent, unverifiable or unreadable (it is then rebuilt)."""
    for path in sorted(Path(cache_dir).glob(f"{key}-*.npz")):
        if not _verified(path):
            continue
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                polygons = {name: _unpack(f"p_{name}", data) for name in meta.pop("polygons")}
                arrays = {k[2:]: data[k] for k in data.files if k.startswith("a_")}
                return CacheEntry(meta, arrays, polygons)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None
