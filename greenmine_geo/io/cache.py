"""On-disk cache of prepared layers, keyed by the layer's content hash.

A prepared red-line or land-use layer (see :mod:`greenmine_geo.overlay`) costs
seconds to minutes to build and depends only on the file's bytes, the fields
used and the preparation parameters; a warm run loads it in well under a
second. Entries are ``.npz`` files of plain arrays (geometries as shapely
ragged arrays, no pickle), written atomically. A corrupt or outdated entry is
ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import shapely

from ..geometry import Repair
from ..overlay import PreparedLayer
from .atomic import atomic_output

__all__ = ["cache_key", "default_cache_dir", "load_prepared", "save_prepared"]

#: Bump when the prepared-layer format or the preparation algorithm changes.
FORMAT_VERSION = 1


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


def save_prepared(cache_dir: Path, key: str, layer: PreparedLayer) -> Path:
    """Store a prepared layer under ``cache_dir/KEY.npz``."""
    arrays: dict[str, np.ndarray] = {
        "meta": np.array(
            json.dumps(
                {
                    "name": layer.name,
                    "n_features": layer.n_features,
                    "classes": list(layer.classes),
                    "repairs": [r.__dict__ for r in layer.repairs],
                    "flat_all_is_flat": layer.flat_all is layer.flat,
                }
            )
        ),
        "feature_class": layer.feature_class,
        "piece_feature": layer.piece_feature,
        "flat_class": layer.flat_class,
        "empty": layer.empty,
    }
    _pack("pieces", layer.pieces, arrays)
    _pack("flat", layer.flat, arrays)
    if layer.flat_all is not layer.flat:
        _pack("flat_all", layer.flat_all, arrays)
    final = Path(cache_dir) / f"{key}.npz"
    with atomic_output(final) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **cast(dict[str, Any], arrays))
    return final


def load_prepared(cache_dir: Path, key: str) -> PreparedLayer | None:
    """The cached prepared layer, or None when absent or unreadable."""
    path = Path(cache_dir) / f"{key}.npz"
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            flat = _unpack("flat", data)
            return PreparedLayer(
                name=meta["name"],
                n_features=int(meta["n_features"]),
                classes=tuple(meta["classes"]),
                feature_class=data["feature_class"],
                piece_feature=data["piece_feature"],
                pieces=_unpack("pieces", data),
                flat=flat,
                flat_class=data["flat_class"],
                flat_all=flat if meta["flat_all_is_flat"] else _unpack("flat_all", data),
                repairs=[Repair(**r) for r in meta["repairs"]],
                empty=data["empty"],
            )
    except (OSError, ValueError, KeyError, TypeError):
        return None
