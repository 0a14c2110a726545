"""Mining-area boundaries (矿区范围) made ready for the checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError, LayerError
from ..geometry import grouped_union
from ..io.corner_points import looks_like_corner_file, read_corner_file
from ..io.geotable import is_geometry_table
from ..io.manifest import file_sha256
from ..io.vector import LayerSource, read_layer
from ..overlay import to_measurable
from ..types import Severity
from .boundary import ConversionOptions, to_polygons

__all__ = ["MineSet", "prepare_mines", "read_mines"]


@dataclass
class MineSet:
    """One row per mine id, geometries in EQUAL_AREA.

    Attributes
    ----------
    ids : ndarray
        Mine ids (values of the id field), unique, in first-seen order.
    geoms : ndarray of MultiPolygon
        Union of every row with that id, repaired, in EQUAL_AREA.
    area_m2 : ndarray
        Ellipsoidal area (m²).
    notes : DataFrame
        ``index`` (mine row), ``kind`` (repaired | merged | empty), ``text``: what
        was done to the input, for the reasons column.
    source : ndarray of str
        Input file of each mine.
    attributes : DataFrame
        The mine's own fields (name, holder, mineral, licence number …) as the input layers
        hold them, one row per mine in the order of ``ids`` (for a mine of several parts,
        each field's first filled value); the id field and geometry are not among them.
    """

    ids: np.ndarray
    geoms: np.ndarray
    area_m2: np.ndarray
    notes: pd.DataFrame
    source: np.ndarray
    attributes: pd.DataFrame = field(default_factory=pd.DataFrame)

    def keeping(self, fields: Sequence[str] | None) -> MineSet:
        """The same mines with only the attribute ``fields`` (None: all of them).

        Raises
        ------
        LayerError
            A field no mines layer has; the message lists those they have.
        """
        if fields is None:
            return self
        missing = [f for f in fields if f not in self.attributes.columns]
        if missing:
            raise LayerError(
                f"the mines layers have no field {', '.join(map(repr, missing))} to keep; "
                f"their fields are: {', '.join(map(str, self.attributes.columns)) or 'none'}"
            )
        return replace(self, attributes=self.attributes[list(fields)])

    def with_attributes(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` (one row per mine, in the order of ``ids``) with the mine's attributes
        after its own columns; an attribute named like one of them (in any case, as GeoPackage
        compares names), or ``fid``, is kept as ``input_NAME``."""
        attrs = self.attributes.reset_index(drop=True)
        taken = {str(c).casefold() for c in table.columns} | {"fid", "geometry"}
        attrs.columns = [
            f"input_{c}" if str(c).casefold() in taken else str(c) for c in attrs.columns
        ]
        return pd.concat([table.reset_index(drop=True), attrs], axis=1)


def prepare_mines(frames: Sequence[tuple[gpd.GeoDataFrame, str]], id_field: str) -> MineSet:
    """Combine mine layers (each in its own CRS) into one :class:`MineSet`.

    Parameters
    ----------
    frames : sequence of (GeoDataFrame, source name)
        Each must have a CRS and ``id_field``.
    id_field : str
        Field that identifies a mine; rows sharing a value are parts of one mine
        and are merged (reported).
    """
    ids, geoms, sources, notes, attributes = [], [], [], [], []
    offset = 0
    for gdf, name in frames:
        if id_field not in gdf.columns:
            fields = ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
            raise LayerError(
                f"mines layer {name} has no field {id_field!r}; its fields are: {fields}"
            )
        missing = gdf[id_field].isna()
        if missing.any():
            raise LayerError(
                f"mines layer {name} has {int(missing.sum())} features with no {id_field}; "
                "give every mine an id"
            )
        m = to_measurable(gdf.geometry)
        for r in m.repairs:
            notes.append(
                (
                    offset + r.row,
                    "repaired",
                    f"矿区范围几何已修复 geometry repaired ({r.reason}): "
                    f"{r.area_before_m2:,.1f} → {r.area_after_m2:,.1f} m²",
                )
            )
        ids.append(gdf[id_field].to_numpy())
        attributes.append(pd.DataFrame(gdf.drop(columns=[gdf.geometry.name, id_field])))
        geoms.append(m.geoms)
        sources.append(np.full(len(gdf), name, dtype=object))
        offset += len(gdf)
    if not ids:
        raise LayerError("no mines layer given; pass --mines PATH")
    all_ids = np.concatenate(ids)
    all_geoms = np.concatenate(geoms)
    all_src = np.concatenate(sources)
    codes, uniques = pd.factorize(pd.Series(all_ids), sort=False)
    labels, merged = grouped_union(all_geoms, codes)
    counts = np.bincount(codes, minlength=len(uniques))
    note_df = pd.DataFrame(notes, columns=["row", "kind", "text"])
    note_df["index"] = codes[note_df["row"].to_numpy(int)] if len(note_df) else []
    extra = [
        (
            int(k),
            "merged",
            f"{int(counts[k])} 个图斑合并 {int(counts[k])} parts with this id merged",
        )
        for k in np.flatnonzero(counts > 1)
    ]
    area = shapely.area(merged)
    extra += [
        (int(k), "empty", "矿区范围无面积 mine has no area: cannot be checked")
        for k in np.flatnonzero(area <= 0)
    ]
    note_df = pd.concat(
        [
            note_df[["index", "kind", "text"]],
            pd.DataFrame(extra, columns=["index", "kind", "text"]),
        ],
        ignore_index=True,
    )
    first_src = pd.Series(all_src).groupby(codes).first().reindex(labels).to_numpy()
    attrs = pd.concat(attributes, ignore_index=True).groupby(codes, sort=True).first()
    attrs = attrs.reindex(labels).reset_index(drop=True)
    return MineSet(np.asarray(uniques.to_numpy()), merged, area, note_df, first_src, attrs)


def read_mines(
    spec: str,
    *,
    what: str = "mines layer",
    datum: str | None = None,
    assign_crs: str | None = None,
) -> tuple[gpd.GeoDataFrame, LayerSource]:
    """A mine-boundary layer: any vector file (``assign_crs`` for one that declares no CRS,
    see :func:`~greenmine_geo.io.vector.read_layer`), or a corner-point file (拐点坐标: .txt,
    .csv, .xlsx), which is converted and checked first (field ``mine_id`` = the file's name;
    ``datum`` for files that do not declare theirs). A CSV or XLSX with a WKT/WKB column
    is a vector layer, not a corner list.

    A corner-point file whose findings include an error (a parcel left out, a
    self-intersecting ring) is refused: a check must start from the polygon filed;
    ``greenmine convert-boundary`` shows the findings and writes the repaired polygons.
    """
    path = Path(spec)
    if not (path.exists() and looks_like_corner_file(path)) or is_geometry_table(path):
        return read_layer(spec, what=what, assign_crs=assign_crs)
    gdf, findings = to_polygons(read_corner_file(path), ConversionOptions(datum=datum))
    errors = [f for f in findings if f.severity == Severity.ERROR]
    if errors:
        raise InputError(
            f"{what} {path}: {errors[0].message} (parcel {errors[0].parcel or '-'}); "
            "see greenmine convert-boundary for every finding"
        )
    source = LayerSource(
        path=str(path),
        layer=None,
        sha256=file_sha256(path),
        crs="EPSG:4490",
        encoding=str(gdf["encoding"].iloc[0]) if len(gdf) else None,
        features=len(gdf),
        findings=tuple(f"{f.severity}: {f.check}: {f.message}" for f in findings),
    )
    return gdf, source
