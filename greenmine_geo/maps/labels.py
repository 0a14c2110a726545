"""Where a print map's legend and labels go: free space, found on the rendered sheet.

Everything here works in display coordinates (pixels of the sheet as drawn): boxes are
arrays of rows (x0, y0, x1, y1). The legend goes to the corner of the frame that meets
the fewest obstacles (mine symbols), then covers the least of the mapped area; each
label goes to the first of its candidate positions around its point whose rendered box
stays in the frame and meets no obstacle and no label placed before it. Deterministic:
the same map places everything the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.legend import Legend
from matplotlib.text import Annotation, Text

__all__ = [
    "CORNERS",
    "NEAR_POINT",
    "ON_POINT",
    "boxes_meet",
    "geometry_boxes",
    "legend_box",
    "marker_boxes",
    "place_labels",
    "place_legend",
    "text_box",
]

#: The corners of the frame a legend may take, in order of preference among equals.
Corner = Literal["lower right", "lower left", "upper right", "upper left"]
CORNERS: tuple[Corner, ...] = ("lower right", "lower left", "upper right", "upper left")
#: A label's candidate positions: (dx, dy) offset in points from its point, horizontal and
#: vertical alignment, and whether a leader line joins it to the point.
Candidate = tuple[float, float, str, str, bool]


def _ring(radius: float) -> list[Candidate]:
    """Eight positions ``radius`` points from the point, each with a leader line."""
    out = []
    for k in range(8):
        a = np.pi / 4 * k + np.pi / 8
        dx, dy = radius * np.cos(a), radius * np.sin(a)
        out.append(
            (
                round(dx, 1),
                round(dy, 1),
                "left" if dx > 0 else "right",
                "bottom" if dy > 0 else "top",
                True,
            )
        )
    return out


#: Beside a point symbol: the four diagonal places, above and below, then farther out on
#: leader lines.
NEAR_POINT: tuple[Candidate, ...] = (
    (5, 3, "left", "bottom", False),
    (5, -3, "left", "top", False),
    (-5, 3, "right", "bottom", False),
    (-5, -3, "right", "top", False),
    (0, 6, "center", "bottom", False),
    (0, -6, "center", "top", False),
    *_ring(16),
    *_ring(30),
    *_ring(48),
)
#: Centred on the point (an area's label), else just beside it.
ON_POINT: tuple[Candidate, ...] = (
    (0, 0, "center", "center", False),
    (0, 7, "center", "bottom", False),
    (0, -7, "center", "top", False),
    (8, 0, "left", "center", False),
    (-8, 0, "right", "center", False),
    *_ring(20),
)
#: Clearance (pixels) kept around every box.
_PAD = 1.5


def boxes_meet(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Which rows of ``boxes`` meet ``box`` (closer than the clearance)."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    return (
        (boxes[:, 0] < box[2] + _PAD)
        & (boxes[:, 2] > box[0] - _PAD)
        & (boxes[:, 1] < box[3] + _PAD)
        & (boxes[:, 3] > box[1] - _PAD)
    )


def marker_boxes(ax: Axes, xy: np.ndarray, size_pt2: float, edge_pt: float) -> np.ndarray:
    """The boxes of scatter markers of area ``size_pt2`` (points², matplotlib's ``s``) with
    an edge ``edge_pt`` wide, at ``xy`` (data coordinates, rows (x, y))."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    centre = ax.transData.transform(xy)
    fig = ax.get_figure(root=True)
    assert fig is not None
    r = (np.sqrt(size_pt2) / 2 + edge_pt / 2) * fig.dpi / 72
    return np.column_stack([centre - r, centre + r])


def geometry_boxes(ax: Axes, bounds: np.ndarray) -> np.ndarray:
    """The display boxes of geometry ``bounds`` (rows x0, y0, x1, y1 in data coordinates;
    the axes are not rotated, so corners map to corners)."""
    bounds = np.asarray(bounds, dtype=float).reshape(-1, 4)
    lo = ax.transData.transform(bounds[:, :2])
    hi = ax.transData.transform(bounds[:, 2:])
    return np.column_stack([np.minimum(lo, hi), np.maximum(lo, hi)])


def text_box(text: Text) -> np.ndarray:
    """The rendered box of ``text`` (its letters, not an annotation's leader line)."""
    fig = text.get_figure(root=True)
    assert fig is not None
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    if isinstance(text, Annotation):
        text.update_positions(renderer)  # where the offset puts it (else set only when drawn)
    ext = Text.get_window_extent(text, renderer)
    return np.array([ext.x0, ext.y0, ext.x1, ext.y1])


def legend_box(legend: Legend) -> np.ndarray:
    """The rendered box of ``legend``."""
    fig = legend.get_figure(root=True)
    assert fig is not None
    ext = legend.get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined]
    return np.array([ext.x0, ext.y0, ext.x1, ext.y1])


def _frame(ax: Axes) -> np.ndarray:
    ext = ax.get_window_extent()
    return np.array([ext.x0, ext.y0, ext.x1, ext.y1])


def place_legend(
    ax: Axes,
    obstacles: np.ndarray,
    cover: Callable[[np.ndarray], float] | None = None,
    **legend: Any,
) -> tuple[Legend, int]:
    """The legend (``legend``: :meth:`~matplotlib.axes.Axes.legend` keywords) in the corner
    of :data:`CORNERS` meeting the fewest ``obstacles`` (display boxes), then with the
    least ``cover`` (of its box: e.g. the share of the mapped area under it); returns it
    and the number of obstacles it meets (0: it covers none)."""
    fig = ax.get_figure(root=True)
    assert fig is not None
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    scores = []
    for loc in CORNERS:
        ext = ax.legend(loc=loc, **legend).get_window_extent(renderer)
        box = np.array([ext.x0, ext.y0, ext.x1, ext.y1])
        scores.append((int(boxes_meet(box, obstacles).sum()), cover(box) if cover else 0.0))
    best = min(range(len(CORNERS)), key=lambda k: scores[k])
    return ax.legend(loc=CORNERS[best], **legend), scores[best][0]


def place_labels(
    ax: Axes,
    xy: np.ndarray,
    texts: Sequence[str],
    obstacles: np.ndarray,
    *,
    candidates: Sequence[Candidate] = NEAR_POINT,
    **style: Any,
) -> tuple[list[Annotation], list[int]]:
    """Each of ``texts`` set beside its point ``xy`` (data coordinates) at the first of
    ``candidates`` where its box stays inside the frame and meets neither ``obstacles``
    (display boxes) nor a label placed before; returns the labels placed and the indices
    of the texts that fit nowhere. ``style``: text keywords (fontsize, colour, gid …)."""
    frame = _frame(ax)
    placed = np.empty((0, 4))
    labels, failed = [], []
    leader = {"arrowstyle": "-", "lw": 0.5, "color": "#455a64", "shrinkA": 0, "shrinkB": 2}
    for i, (point, text) in enumerate(zip(np.asarray(xy, float), texts, strict=True)):
        for dx, dy, ha, va, line in candidates:
            label = ax.annotate(
                text,
                tuple(point),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                arrowprops=leader if line else None,
                annotation_clip=False,
                **style,
            )
            box = text_box(label)
            inside = (box[:2] >= frame[:2]).all() and (box[2:] <= frame[2:]).all()
            if (
                inside
                and not boxes_meet(box, obstacles).any()
                and not boxes_meet(box, placed).any()
            ):
                placed = np.vstack([placed, box])
                labels.append(label)
                break
            label.remove()
        else:
            failed.append(i)
    return labels, failed
