"""Layer roles: what a planning layer is, and which of its fields the checks read.

A layer's role comes from its name (``--layer NAME=PATH``): ``landuse``,
``farmland``, ``nature_reserve``, ``grassland``, ``forest``, ``key_zones``,
``exploration_blocks``, ``mining_blocks``, ``admin``. Any other name is measured
and reported without affecting the verdict. Field names are found among common
English and Chinese spellings, or given explicitly (pipeline files).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from .errors import LayerError
from .overlay import PreparedLayer, prepare_layer

__all__ = [
    "LANDUSE_CLASSES",
    "ROLES",
    "PlanningLayer",
    "Role",
    "classes_for",
    "normalise_landuse",
    "planning_layer",
    "resolve_fields",
    "role_of",
]


@dataclass(frozen=True)
class Role:
    """What a layer is for, and the fields it needs (logical name → candidate spellings)."""

    key: str
    zh: str
    en: str
    required: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    optional: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    classed: bool = False


_NAME = ("name", "NAME", "名称", "MC", "zone_name", "block_name", "QKMC", "ZQMC")
_BLOCK_ID = ("block_id", "BLOCK_ID", "编号", "区块编号", "QKBH", "code", "id")
_BLOCK_OPTIONAL = {
    "name": _NAME,
    "drawn_by": ("drawn_by", "DRAWN_BY", "划定主体", "划定单位", "level", "级别"),
}

ROLES: dict[str, Role] = {
    r.key: r
    for r in [
        Role("redline", "生态保护红线", "ecological protection red line", optional={"name": _NAME}),
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
            classed=True,
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
        ),
        *(
            Role(key, zh, en, required={"block_id": _BLOCK_ID}, optional=_BLOCK_OPTIONAL)
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
        ),
    ]
}

#: Canonical land-use classes and the spellings that map to them.
LANDUSE_CLASSES: dict[str, tuple[str, ...]] = {
    "farmland": ("farmland", "permanent_basic_farmland", "永久基本农田", "基本农田"),
    "nature_reserve": ("nature_reserve", "protected_area", "自然保护地", "自然保护区"),
    "grassland": ("grassland", "草地", "草原", "天然牧草地", "人工牧草地", "其他草地"),
    "forest": ("forest", "林地", "森林", "乔木林地", "灌木林地", "其他林地"),
}
_CLASS_OF = {spelling.lower(): key for key, names in LANDUSE_CLASSES.items() for spelling in names}


def role_of(name: str) -> Role:
    """The role a layer name stands for; unknown names are reported-only layers."""
    return ROLES.get(name, Role(name, name, name))


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
