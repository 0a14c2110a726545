"""Layer roles and schemas: what a layer is, and which of its fields the checks read.

A planning layer's role comes from its name (``--layer NAME=PATH``): ``landuse``,
``farmland``, ``nature_reserve``, ``grassland``, ``forest``, ``key_zones``,
``exploration_blocks``, ``mining_blocks``, ``admin``, or its Chinese name (永久基本农田,
自然保护地, 草地, 重点勘查开采区 …: :func:`layer_key`). Any other name is measured and
reported without affecting the verdict, with a warning saying so. Field names are found
among common English and Chinese spellings (this module lists every one: the roles'
fields here, the mines' own fields in :data:`MINE_FIELDS`), or given explicitly
(``--field landuse.class=DLMC``, ``fields:`` in pipeline files).

Restoration zones (排土场, 尾矿库 …) have a schema of their own: an id, a zone type
from :data:`ZONE_TYPES`, a start year and optionally a plan (:func:`restoration_zones`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import LayerError
from .imagery.restoration import Plan
from .overlay import PreparedLayer, prepare_layer, to_measurable

__all__ = [
    "LANDUSE_CLASSES",
    "MINE_FIELDS",
    "ROLES",
    "ZONE_TYPES",
    "Check",
    "PlanningLayer",
    "RestorationZones",
    "Role",
    "ZoneFields",
    "classes_for",
    "end_member_areas",
    "known_role",
    "layer_key",
    "mine_fields",
    "layer_names_zh",
    "normalise_landuse",
    "planning_layer",
    "resolve_fields",
    "restoration_zones",
    "role_of",
    "zone_type_of",
]


class Check(StrEnum):
    """How the prerequisite check treats a layer of a role."""

    RED_LINE = "red_line"  # contact: clear, touching or overlapping
    LAND_USE = "land_use"  # areas and rules per class, overlaps merged within a class
    ADMIN = "admin"  # the league/city and banner/county that hold most of the mine
    ZONES = "zones"  # the zones or planning blocks the mine lies in
    OVERLAP = "overlap"  # the overlap measured, with the layer's rule if it has one


@dataclass(frozen=True)
class Role:
    """What a layer is for, how it is checked, and the fields it needs (logical name →
    candidate spellings)."""

    key: str
    zh: str
    en: str
    required: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    optional: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    check: Check = Check.OVERLAP

    @property
    def classed(self) -> bool:
        """Whether features carry classes (land use) kept apart when overlaps are merged."""
        return self.check is Check.LAND_USE


_NAME = ("name", "NAME", "名称", "MC", "zone_name", "block_name", "QKMC", "ZQMC")
_REDLINE_NAME = ("红线名称", "保护红线名称", "HXMC", "BHHXMC", *_NAME)
_BLOCK_ID = ("block_id", "BLOCK_ID", "编号", "区块编号", "QKBH", "code", "id")
_BLOCK_OPTIONAL = {
    "name": _NAME,
    "drawn_by": ("drawn_by", "DRAWN_BY", "划定主体", "划定单位", "level", "级别"),
}

ROLES: dict[str, Role] = {
    r.key: r
    for r in [
        Role(
            "redline",
            "生态保护红线",
            "ecological protection red line",
            optional={"name": _REDLINE_NAME},
            check=Check.RED_LINE,
        ),
        Role(
            "landuse",
            "土地利用",
            "land use",
            required={
                "class": (
                    "class",
                    "CLASS",
                    "landuse",
                    "land_use",
                    "DLMC",
                    "地类名称",
                    "地类",
                    "类型",
                )
            },
            check=Check.LAND_USE,
        ),
        Role("farmland", "永久基本农田", "permanent basic farmland"),
        Role("nature_reserve", "自然保护地", "nature reserve"),
        Role("grassland", "草原", "grassland"),
        Role("forest", "林地", "forest"),
        Role(
            "key_zones",
            "重点勘查开采区",
            "key exploration and mining zone",
            required={"name": _NAME},
            check=Check.ZONES,
        ),
        *(
            Role(
                key,
                zh,
                en,
                required={"block_id": _BLOCK_ID},
                optional=_BLOCK_OPTIONAL,
                check=Check.ZONES,
            )
            for key, zh, en in (
                ("exploration_blocks", "勘查规划区块", "exploration planning block"),
                ("mining_blocks", "开采规划区块", "mining planning block"),
            )
        ),
        Role(
            "admin",
            "行政区",
            "administrative division",
            required={
                "league_city": ("league_city", "city", "CITY", "盟市", "市"),
                "banner_county": ("banner_county", "county", "district", "COUNTY", "旗县", "区县"),
            },
            check=Check.ADMIN,
        ),
    ]
}

#: Other names a role goes by (``--layer 基本农田=…``), besides its key and Chinese name.
_ROLE_ALIASES = {
    "landuse": ("土地利用现状", "国土调查", "三调", "地类图斑"),
    "farmland": ("基本农田", "永久基本农田保护区"),
    "nature_reserve": ("自然保护区", "自然保护地体系"),
    "grassland": ("草地", "基本草原"),
    "forest": ("森林", "公益林"),
    "key_zones": ("重点勘查区", "重点开采区"),
    "admin": ("行政区划", "行政区划界线"),
}
_ROLE_OF_NAME = {
    spelling: key
    for key, role in ROLES.items()
    for spelling in (key, role.zh, *_ROLE_ALIASES.get(key, ()))
}

#: The mines' own fields read for maps and reports (logical name → spellings).
MINE_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "NAME", "矿山名称", "矿山名", "名称", "KSMC"),
    "holder": ("holder", "采矿权人", "矿业权人", "CKQR"),
    "mineral": ("mineral", "开采矿种", "主矿种", "矿种", "KZ"),
    "scale": ("scale", "生产规模", "规模", "矿山规模"),
    "licence": ("licence", "license", "采矿许可证号", "许可证号", "XKZH"),
    "batch": ("batch", "申报批次", "批次"),
}

_MINES = Role("mines", "矿区范围", "mining area", optional=MINE_FIELDS)

#: Canonical land-use classes and the spellings that map to them.
LANDUSE_CLASSES: dict[str, tuple[str, ...]] = {
    "farmland": ("farmland", "permanent_basic_farmland", "永久基本农田", "基本农田"),
    "nature_reserve": ("nature_reserve", "protected_area", "自然保护地", "自然保护区"),
    "grassland": ("grassland", "草地", "草原", "天然牧草地", "人工牧草地", "其他草地"),
    "forest": ("forest", "林地", "森林", "乔木林地", "灌木林地", "其他林地"),
}
_CLASS_OF = {spelling.lower(): key for key, names in LANDUSE_CLASSES.items() for spelling in names}


def layer_names_zh() -> dict[str, str]:
    """Chinese names of layers by key, for headers: the roles (``key_zones`` → 重点勘查开采区)
    and the land-use classes as ``landuse_<class>`` (``landuse_farmland`` → 永久基本农田)."""
    names = {key: role.zh for key, role in ROLES.items()}
    classes = {
        f"landuse_{key}": next(s for s in spellings if not s.isascii())
        for key, spellings in LANDUSE_CLASSES.items()
    }
    return names | classes


def layer_key(name: str) -> str:
    """The role key a layer name stands for (``永久基本农田`` → ``farmland``); a name of no
    role is returned as it is (a reported-only layer)."""
    return _ROLE_OF_NAME.get(name.strip(), name)


def role_of(name: str) -> Role:
    """The role a layer name stands for (its key, Chinese name or an alias); unknown names
    are reported-only layers."""
    return ROLES.get(layer_key(name), Role(name, name, name))


def known_role(name: str) -> bool:
    """Whether ``name`` stands for a role the verdict uses (not a reported-only layer)."""
    return layer_key(name) in ROLES


def mine_fields(columns: list[str]) -> dict[str, str]:
    """The mines' own fields found among ``columns``: logical name → column (see
    :data:`MINE_FIELDS`)."""
    return resolve_fields(columns, _MINES, None, what="mines layer")


def normalise_landuse(values: pd.Series) -> pd.Series:
    """Map land-use class spellings (Chinese or English) to canonical classes; others → ``other``."""
    text = values.astype("string").str.strip().str.lower()
    return text.map(_CLASS_OF).fillna("other").astype("string")


def resolve_fields(
    columns: list[str], role: Role, given: Mapping[str, str] | None, *, what: str
) -> dict[str, str]:
    """Find the columns a role needs: given names first, then the candidate spellings."""
    given = dict(given or {})
    found: dict[str, str] = {}
    for logical, candidates in {**role.optional, **role.required}.items():
        if logical in given:
            if given[logical] not in columns:
                raise LayerError(
                    f"{what} has no field {given[logical]!r} for {logical}; its fields are: "
                    f"{', '.join(columns)}"
                )
            found[logical] = given[logical]
            continue
        match = next((c for c in candidates if c in columns), None)
        if match is not None:
            found[logical] = match
        elif logical in role.required:
            raise LayerError(
                f"{what} needs a {logical} field (one of {', '.join(candidates)}) but has "
                f"{', '.join(columns) or 'no fields'}; rename one or set fields: "
                f"{{{logical}: FIELD}} for this layer in the pipeline file"
            )
    return found


@dataclass
class PlanningLayer:
    """A planning layer ready for the checks: its role, attributes and prepared geometry."""

    name: str
    role: Role
    attributes: pd.DataFrame
    fields: dict[str, str]
    prepared: PreparedLayer

    def column(self, logical: str) -> pd.Series | None:
        """The attribute column for a logical field, or None when the layer lacks it."""
        actual = self.fields.get(logical)
        return None if actual is None else self.attributes[actual]

    def require(self, logical: str) -> pd.Series:
        """The attribute column of a field the layer's role requires (resolved at load)."""
        column = self.column(logical)
        if column is None:
            raise LayerError(f"layer {self.name!r} has no {logical} field")
        return column


def classes_for(gdf: pd.DataFrame, role: Role, fields: Mapping[str, str]) -> pd.Series | None:
    """Per-feature classes for a classed role (canonical land-use classes), else None."""
    return normalise_landuse(gdf[fields["class"]]) if role.classed else None


def planning_layer(
    gdf: gpd.GeoDataFrame,
    name: str,
    *,
    fields: Mapping[str, str] | None = None,
    prepared: PreparedLayer | None = None,
    what: str | None = None,
) -> PlanningLayer:
    """Make a :class:`PlanningLayer` from a GeoDataFrame, preparing it unless given."""
    role = role_of(name)
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    resolved = resolve_fields(columns, role, fields, what=what or f"layer {name!r}")
    if prepared is None:
        prepared = prepare_layer(gdf, name=name, classes=classes_for(gdf, role, resolved))
    return PlanningLayer(name, role, pd.DataFrame(gdf[columns]), resolved, prepared)


#: Restoration zone types (English key: accepted spellings, Chinese first).
ZONE_TYPES: dict[str, tuple[str, ...]] = {
    "waste_dump": ("排土场", "waste dump", "dump"),
    "tailings_pond": ("尾矿库", "tailings pond", "tailings"),
    "open_pit": ("露天采场", "采场", "open pit", "pit"),
    "subsidence_area": ("塌陷区", "采煤塌陷区", "subsidence area", "subsidence"),
    "industrial_site": ("工业场地", "industrial site"),
    "road": ("矿山道路", "道路", "mine road", "road"),
    "waste_rock_yard": ("废石场", "waste-rock yard", "waste rock yard"),
}
_ZONE_TYPE_OF = {
    spelling.lower(): key for key, names in ZONE_TYPES.items() for spelling in (key, *names)
}


def zone_type_of(value: object) -> str | None:
    """The zone type key of a spelling (Chinese or English, any case), or None."""
    return _ZONE_TYPE_OF.get(str(value).strip().lower())


@dataclass(frozen=True)
class ZoneFields:
    """Field names of a restoration zones layer (given by :class:`~greenmine_geo.config.RestorationParams`)."""

    zone_type: str
    start_year: str
    target_fvc: str
    target_year: str


@dataclass
class RestorationZones:
    """Restoration zones ready for measuring: one entry per zone, geometries in EQUAL_AREA.

    ``start``: restoration start year (None when not recorded); ``plans``: each zone's
    plan (None without one); ``notes``: repairs made to the input geometries.
    """

    ids: list[str]
    types: list[str]
    geoms: np.ndarray
    start: list[int | None]
    plans: list[Plan | None]
    notes: list[str] = field(default_factory=list)


def _year(value: object) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def _zone_ids(gdf: gpd.GeoDataFrame, id_field: str, what: str) -> list[str]:
    """Zone ids as text: every zone has one, and no two share it."""
    if gdf[id_field].isna().any():
        raise LayerError(
            f"{what} has {int(gdf[id_field].isna().sum())} zones with no {id_field}; give every zone an id"
        )
    values = gdf[id_field].astype(str)
    repeated = sorted(set(values[values.duplicated()]))
    if repeated:
        raise LayerError(
            f"{what}: zone ids {', '.join(repeated[:5])} are repeated; give each zone its own id"
        )
    return values.tolist()


def _zone_plans(
    gdf: gpd.GeoDataFrame, ids: list[str], f: ZoneFields, plan_table: pd.DataFrame | None
) -> list[Plan | None]:
    """Each zone's plan: its rows of the plan table, else its target fields, else None."""
    curves = (
        {
            str(zid): Plan(tuple(zip(g["year"].tolist(), g["target_fvc"].tolist(), strict=True)))
            for zid, g in plan_table.groupby("zone_id", sort=False)
        }
        if plan_table is not None
        else {}
    )
    fvc = (
        pd.to_numeric(gdf[f.target_fvc], errors="coerce").to_numpy(float)
        if f.target_fvc in gdf.columns
        else np.full(len(gdf), np.nan)
    )
    years = [_year(v) for v in gdf[f.target_year]] if f.target_year in gdf.columns else []
    plans: list[Plan | None] = []
    for i, zid in enumerate(ids):
        year = years[i] if years else None
        if zid in curves:
            plans.append(curves[zid])
        elif year is not None and math.isfinite(fvc[i]):
            plans.append(Plan(((year, float(fvc[i])),)))
        else:
            plans.append(None)
    return plans


def restoration_zones(
    gdf: gpd.GeoDataFrame,
    id_field: str,
    fields: ZoneFields,
    plan_table: pd.DataFrame | None = None,
    *,
    what: str = "zones layer",
) -> RestorationZones:
    """Read the restoration schema off a zones layer (any CRS): ids, types, start years, plans.

    ``plan_table`` (zone_id, year, target_fvc, from :func:`greenmine_geo.io.tables.read_plan_table`)
    overrides the target fields of the zones it names.

    Raises
    ------
    LayerError
        A field is missing, an id is missing or repeated, or a zone type is unknown.
    """
    for name in (id_field, fields.zone_type, fields.start_year):
        if name not in gdf.columns:
            columns = ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
            raise LayerError(f"{what} has no field {name!r}; its fields are: {columns}")
    ids = _zone_ids(gdf, id_field, what)
    types = [zone_type_of(v) for v in gdf[fields.zone_type]]
    if None in types:
        value = gdf[fields.zone_type].iloc[types.index(None)]
        allowed = ", ".join(f"{k} ({v[0]})" for k, v in ZONE_TYPES.items())
        raise LayerError(f"{what}: zone type {value!r} is unknown; use one of {allowed}")
    m = to_measurable(gdf.geometry)
    return RestorationZones(
        ids=ids,
        types=[t for t in types if t is not None],
        geoms=np.asarray(m.geoms, dtype=object),
        start=[_year(v) for v in gdf[fields.start_year]],
        plans=_zone_plans(gdf, ids, fields, plan_table),
        notes=[f"zone {ids[r.row]}: geometry repaired ({r.reason})" for r in m.repairs],
    )


_SOIL = {"soil", "bare", "bare soil", "裸土", "裸地"}
_VEG = {"vegetation", "veg", "植被"}


def end_member_areas(
    gdf: gpd.GeoDataFrame, *, what: str = "end-member areas layer"
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """(bare soil, full vegetation) polygons in EQUAL_AREA from a layer's ``cover`` field.

    ``cover`` marks bare soil (``soil``/``bare``/裸土/裸地) and full vegetation
    (``vegetation``/``veg``/植被); other polygons are ignored.

    Raises
    ------
    LayerError
        No ``cover`` field, or not at least one polygon of each.
    """
    if "cover" not in gdf.columns:
        raise LayerError(
            f"{what} has no 'cover' field; mark each polygon cover=soil or cover=vegetation"
        )
    cover = gdf["cover"].astype(str).str.strip().str.lower()
    geoms = np.asarray(to_measurable(gdf.geometry).geoms, dtype=object)
    soil, veg = cover.isin(_SOIL).to_numpy(), cover.isin(_VEG).to_numpy()
    if not soil.any() or not veg.any():
        raise LayerError(f"{what} needs at least one cover=soil and one cover=vegetation polygon")
    return shapely.union_all(geoms[soil]), shapely.union_all(geoms[veg])
