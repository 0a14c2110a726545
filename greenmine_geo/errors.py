"""The package's exceptions.

One root, :class:`GreenmineError`. Each subclass also derives from the built-in
exception a caller would naturally catch (``ValueError``, ``OSError``), so code
that knows nothing of this package still handles them. Every message says what
is wrong and how to fix it, in one sentence, because the CLI prints it as the
whole error line.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CRSError",
    "GeometryError",
    "GreenmineError",
    "InputError",
    "LayerError",
    "OutputError",
]


class GreenmineError(Exception):
    """Root of every error raised on purpose by greenmine-geo."""


class InputError(GreenmineError, ValueError):
    """A user-supplied value (path, field name, option) cannot be used."""


class LayerError(InputError):
    """A vector layer cannot be read or lacks what its role needs."""


class CRSError(LayerError):
    """A layer has no CRS, an unusable CRS, or coordinates that contradict it."""


class GeometryError(LayerError):
    """Geometries that cannot be repaired into polygons."""


class ConfigError(InputError):
    """A pipeline file does not match the schema."""


class OutputError(GreenmineError, OSError):
    """An output cannot be written (a full disk, a read-only directory); nothing half-written
    is left under its final name."""
