"""CAD drawings (DXF): the closed polylines a surveyor draws a boundary with, made polygons.

A mining-area boundary drawn in CAD is a closed ``LWPOLYLINE``; GDAL's DXF driver
reads it as a closed LineString, which has no area. :func:`closed_polylines_as_polygons`
makes each closed polyline (first vertex = last, at least four vertices) a polygon and
keeps hatches and other polygons as they are. Entities with no area (open polylines,
points, texts, dimensions) are left out, and the findings say how many of each, with the
handles of the first open polylines so the surveyor can close them: a polyline whose
ends almost meet is *not* closed here, since closing it would be a guess.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ..errors import LayerError

__all__ = ["closed_polylines_as_polygons"]


def closed_polylines_as_polygons(
    gdf: gpd.GeoDataFrame, label: str
) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """The drawing's area features: closed polylines as polygons, polygons as they are.

    Returns
    -------
    (GeoDataFrame, findings)
        The kept features (in drawing order, CRS unchanged) and what was done.

    Raises
    ------
    LayerError
        The drawing has no closed polyline and no polygon.
    """
    geoms = gdf.geometry.to_numpy()
    kinds = np.asarray(shapely.get_type_id(geoms))
    line = kinds == shapely.GeometryType.LINESTRING
    closed = np.zeros(len(geoms), dtype=bool)
    closed[line] = shapely.is_closed(geoms[line]) & (shapely.get_num_points(geoms[line]) >= 4)
    polygonal = np.isin(kinds, [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON])
    out = geoms.copy()
    if closed.any():
        coords, index = shapely.get_coordinates(geoms[closed], return_index=True)
        out[closed] = shapely.polygons(shapely.linearrings(coords, indices=index))
    keep = closed | polygonal
    if not keep.any():
        raise LayerError(
            f"{label} holds no closed polyline or polygon, so no area; draw each boundary as a "
            "closed polyline (PLINE, then C to close) and export the DXF again"
        )
    findings = []
    if closed.any():
        findings.append(f"{int(closed.sum())} closed polylines made polygons")
    open_lines = line & ~closed
    if open_lines.any():
        handles = (
            gdf.loc[open_lines, "EntityHandle"].astype(str).head(5).tolist()
            if "EntityHandle" in gdf
            else []
        )
        findings.append(
            f"{int(open_lines.sum())} open polylines left out, they have no area "
            f"(entity handles {', '.join(handles) or 'unknown'}…); close them in CAD if they are "
            "boundaries"
        )
    other = ~keep & ~open_lines
    if other.any():
        names = np.unique(kinds[other & (kinds >= 0)])  # -1: no geometry at all
        kinds_text = ", ".join(shapely.GeometryType(k).name.lower() for k in names) or "empty"
        findings.append(f"{int(other.sum())} entities without area left out ({kinds_text})")
    kept = gdf.loc[keep].copy()
    kept = kept.set_geometry(gpd.GeoSeries(out[keep], index=kept.index, crs=gdf.crs))
    return kept.reset_index(drop=True), tuple(findings)
