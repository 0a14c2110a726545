"""Bounds on what an input may hold, checked before it is decoded.

Vector layers (:mod:`.vector`) and tables (:mod:`.tables`, corner-point files) are bounded
by size and by count, so a hostile or mistaken file is refused with one line naming the
bound, never by running out of memory. Each bound can be raised (or lowered) by an
environment variable named after it: ``GREENMINE_`` and the field in capitals, e.g.
``GREENMINE_MAX_FEATURES=8000000``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from ..errors import InputError, LayerError

__all__ = ["InputLimits"]


@dataclass(frozen=True)
class InputLimits:
    """Bounds on one input.

    Attributes
    ----------
    max_file_bytes : int
        Size of a vector dataset's files (default 4 GiB).
    max_features : int
        Features in a vector layer (default 5 million: a province's land-use parcels fit).
    max_vertices : int
        Coordinates of all of a layer's geometries (default 200 million).
    max_table_bytes : int
        Size of a text table or corner-point file, and of an XLSX workbook's parts once
        unzipped (default 64 MiB: a corner list or plan table is a few kB).
    max_table_cells : int
        Cells a table's sheet spans (rows × columns; default 10 million).
    """

    max_file_bytes: int = 4 * 2**30
    max_features: int = 5_000_000
    max_vertices: int = 200_000_000
    max_table_bytes: int = 64 * 2**20
    max_table_cells: int = 10_000_000

    @classmethod
    def from_env(cls) -> InputLimits:
        """The default bounds, changed by the ``GREENMINE_MAX_…`` variables that are set."""
        values = {}
        for f in fields(cls):
            text = os.environ.get(f"GREENMINE_{f.name.upper()}", "").strip()
            if text.isdigit():
                values[f.name] = int(text)
        return cls(**values)

    def check(self, what: str, name: str, value: int, error: type[InputError] = LayerError) -> None:
        """Refuse (``error``) ``value`` of bound ``name`` above the bound, naming how to
        raise it."""
        limit = getattr(self, name)
        if value > limit:
            unit = name.removeprefix("max_").replace("_", " ")
            raise error(
                f"{what} has {value:,} {unit}, above the bound of {limit:,}; if the file is "
                f"genuine, raise it with GREENMINE_{name.upper()}={value}"
            )
