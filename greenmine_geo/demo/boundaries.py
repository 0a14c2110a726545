"""The demo's corner-point boundary files (拐点坐标), as planners receive them.

Three files in ``boundaries/``, coordinates in CGCS2000 3° GK with the zone
prefix on Y (X north, Y east, metres to the centimetre): a sectioned TXT in
zone 37 (GBK), a mining-right coordinate string in zone 38 and an XLSX corner
list in zone 39. Fixed coordinates: no random draws.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..crs import CGCS2000, gk_crs, transformer
from ..io.atomic import atomic_output
from ..io.results import write_text

__all__ = ["BOUNDARY_FILES", "boundary_files"]

#: Corner-point boundary files of the demo (拐点坐标), as planners receive them.
BOUNDARY_FILES = (
    "C1500002021081130045678.txt",  # sectioned TXT, GBK, zone 37: two parcels, one with a hole
    "C1500002019061230056789.txt",  # mining-right string, zone 38: a deducted ring, depth limits
    "拐点坐标_C1500002020091530067890.xlsx",  # corner list, zone 39: the ring is not closed
)


def _gk_corner(lon: float, lat: float, zone: int) -> tuple[float, float]:
    """(X north, Y prefixed east) of a point in CGCS2000 3° GK zone ``zone``, to the centimetre."""
    east, north = transformer(CGCS2000, gk_crs(zone)).transform(lon, lat)
    return round(north, 2), round(east, 2)


def _square_points(x0: float, y0: float, side: float) -> list[tuple[float, float]]:
    """A closed square ring of ``side`` metres from its corner (x0, y0)."""
    return [(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side), (x0, y0)]


def boundary_files(out: Path) -> list[Path]:
    """Write the three corner-point files of BOUNDARY_FILES into ``out/boundaries``."""
    folder = out / "boundaries"
    folder.mkdir(exist_ok=True)
    return [
        _sectioned_txt(folder / BOUNDARY_FILES[0]),
        _mining_right_string(folder / BOUNDARY_FILES[1]),
        _corner_list_xlsx(folder / BOUNDARY_FILES[2]),
    ]


def _sectioned_txt(path: Path) -> Path:
    """Sectioned TXT (GBK), zone 37: parcel 1 a 1.2 km square with a 300 m square hole,
    parcel 2 a 0.6 km square."""
    x, y = _gk_corner(110.75, 41.05, 37)
    outer, hole = _square_points(x, y, 1200), _square_points(x + 450, y + 450, 300)
    second = _square_points(x + 2000, y + 200, 600)

    def lines(points: list[tuple[float, float]], ring: int, start: int) -> list[str]:
        return [f"J{start + k},{ring},{px:.2f},{py:.2f}" for k, (px, py) in enumerate(points)]

    text = "\n".join(
        [
            "[属性描述]",
            "格式版本号=1.0",
            "坐标系=2000国家大地坐标系",
            "几度分带=3",
            "投影类型=高斯克吕格",
            "计量单位=米",
            "带号=37",
            "精度=0.01",
            "[地块坐标]",
            f"{len(outer) + len(hole)},135.00,1,示例萤石矿采区一,面,K49E001001,采矿用地,0602,@",
            *lines(outer, 1, 1),
            *lines(hole, 2, 6),
            f"{len(second)},36.00,2,示例萤石矿采区二,面,K49E001001,采矿用地,0602,@",
            *lines(second, 1, 1),
        ]
    )
    with atomic_output(path) as tmp:
        tmp.write_bytes((text + "\n").encode("gbk"))
    return path


def _mining_right_string(path: Path) -> Path:
    """Mining-right coordinate string (UTF-8), zone 38: a 1.5 km square with a 400 m square
    deducted, depth 1 350-1 100 m."""
    x, y = _gk_corner(114.3, 43.2, 38)
    rings = []
    for points, flag in (
        (_square_points(x, y, 1500), 1),
        (_square_points(x + 500, y + 500, 400), -1),
    ):
        corners = points[:-1]
        coords = ",".join(f"{k + 1},{px:.2f},{py:.2f}" for k, (px, py) in enumerate(corners))
        rings.append(f"{len(corners)},{coords},1350,1100,,{flag}")
    return write_text(f"{len(rings)}," + ",".join(rings) + "\n", path)


def _corner_list_xlsx(path: Path) -> Path:
    """XLSX corner list (点号, X, Y), zone 39: an 800 m square whose closing point is missing."""
    x, y = _gk_corner(117.4, 44.5, 39)
    corners = _square_points(x, y, 800)[:-1]
    table = pd.DataFrame(
        {
            "点号": [f"J{k + 1}" for k in range(4)],
            "X": [c[0] for c in corners],
            "Y": [c[1] for c in corners],
        }
    )
    with atomic_output(path) as tmp:
        table.to_excel(tmp, index=False, engine="openpyxl")
    return path
