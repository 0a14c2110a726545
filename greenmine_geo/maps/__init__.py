"""Maps: folium (interactive) now; print-quality static maps arrive with the analysts' issue."""

from .interactive import prerequisite_map

__all__ = ["prerequisite_map"]
