"""PostGIS as a source of layers and a sink of results, through psycopg 3.

A layer may be given as ``postgresql://USER@HOST[:PORT]/DB?table=SCHEMA.TABLE`` (or
``postgres://``; ``&geom=COLUMN`` picks the geometry column of a table that has several,
``&sslmode=…`` is passed to libpq). The URL is treated as hostile, like a file:

* a password in it is refused (it would land in shell history and manifests): libpq
  takes it from ``PGPASSWORD`` or the password file (``~/.pgpass``, ``PGPASSFILE``);
  messages, manifests and logs show :attr:`PostgisUrl.redacted`, which has none by
  construction;
* the read is one ``READ ONLY``, ``REPEATABLE READ`` transaction under a statement
  timeout (``GREENMINE_PG_TIMEOUT_S``, default 300 s): the rows are counted, their
  vertices summed and the relation's size taken before any feature is fetched, against
  the same :class:`~.limits.InputLimits` as files, and the fetch is bounded too;
* identifiers are quoted by psycopg (:class:`psycopg.sql.Identifier`), values are
  parameters: the URL's text never becomes SQL;
* the SRID is read from ``geometry_columns`` and must name a CRS of ``spatial_ref_sys``
  that :func:`~greenmine_geo.crs.norm_crs` accepts (SRID 0 is refused like a file
  without a CRS); coordinates must be finite and fit that CRS.

Attributes of types ``int2/4/8``, ``float4/8``, ``bool``, ``text``, ``varchar``,
``char``, ``date`` and ``timestamp[tz]`` are read as they are, ``numeric`` as float,
anything else as its text. A single-column integer primary key is the feature id (like
a GeoPackage's ``fid``, as GDAL reads PostGIS) and not an attribute.

The content hash (:attr:`~.vector.LayerSource.sha256`) is the SHA-256 of a header line
(SRID, geometry column, attribute names and types) followed by one SHA-256 per row, in
the order read: of the geometry's WKB (nothing when NULL) then the attributes' record
text (``ROW(…)::text``). Rows are read in primary-key order, else in physical (``ctid``)
order, else (views) in row-hash order, ties broken by the row hash. The same content read
the same way hashes the same, so manifests and the cache of prepared layers work; a
rewrite that moves rows physically in a table without a primary key changes the hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import geopandas as gpd
import pandas as pd
import psycopg
import shapely
from psycopg import sql
from pyproj import CRS

from ..crs import CGCS2000, check_coordinates_fit, norm_crs
from ..errors import CRSError, InputError, LayerError, OutputError
from .limits import InputLimits
from .results import layer_as_written
from .vector import LayerSource, _check_geometries, _one_line

__all__ = [
    "PostgisUrl",
    "is_postgis_url",
    "parse_postgis_url",
    "read_postgis_layer",
    "write_postgis",
]

SCHEMES = ("postgresql://", "postgres://")
#: libpq's sslmode values; the only libpq option a URL may carry besides host, port, user, db
_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
#: attribute types read as they are (``numeric`` is read as float8, any other as text)
_AS_IS = frozenset(
    {"int2", "int4", "int8", "float4", "float8", "bool", "text", "varchar", "bpchar"}
    | {"date", "timestamp", "timestamptz"}
)
_INTEGERS = ("int2", "int4", "int8")
_CONNECT_TIMEOUT_S = 10
_FETCH_ROWS = 10_000
_PASSWORD_FIX = (
    "remove it from the URL and give it in PGPASSWORD or ~/.pgpass (PGPASSFILE), so it "
    "never lands in shell history or manifests"
)


def is_postgis_url(text: str) -> bool:
    """Whether ``text`` is a PostgreSQL URL (``postgresql://`` or ``postgres://``)."""
    return text[:16].lower().startswith(SCHEMES)  # a prefix: the text may be long


def _quote(text: str) -> str:
    """``text`` as a URL component: reserved and control characters escaped, other
    characters (Chinese table names) kept readable."""
    return "".join(c if c.isprintable() and ord(c) > 127 else quote(c, safe="") for c in text)


@dataclass(frozen=True)
class PostgisUrl:
    """A parsed PostgreSQL URL, without any credential.

    Attributes
    ----------
    user, host, port, db : str, str, int, str
        The connection; None where the URL leaves it to libpq (``PGUSER``, ``PGHOST`` …).
    schema, table : str or None
        The layer's table (schema ``public`` unless named); None in a database URL.
    geom : str or None
        The geometry column a ``geom=`` parameter picks.
    sslmode : str or None
        libpq's ``sslmode``.
    """

    user: str | None
    host: str | None
    port: int | None
    db: str
    schema: str | None = None
    table: str | None = None
    geom: str | None = None
    sslmode: str | None = None

    @property
    def redacted(self) -> str:
        """The URL as messages and manifests show it; it never holds a password."""
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host or ""
        netloc = (f"{_quote(self.user)}@" if self.user else "") + host
        netloc += f":{self.port}" if self.port is not None else ""
        params = [
            (k, v)
            for k, v in (
                ("table", f"{self.schema}.{self.table}" if self.table else None),
                ("geom", self.geom),
                ("sslmode", self.sslmode),
            )
            if v
        ]
        query = "&".join(f"{k}={_quote(v)}" for k, v in params)
        return f"postgresql://{netloc}/{_quote(self.db)}" + (f"?{query}" if query else "")

    def __str__(self) -> str:
        return self.redacted

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`psycopg.connect` (no password: libpq finds it)."""
        given = {"user": self.user, "host": self.host, "port": self.port, "sslmode": self.sslmode}
        timeout_ms = 1000 * _timeout_s()
        return {
            "dbname": self.db,
            **{k: v for k, v in given.items() if v is not None},
            "connect_timeout": _CONNECT_TIMEOUT_S,
            "application_name": "greenmine-geo",
            "client_encoding": "UTF8",
            # fixed text forms of dates, times and floats: the content hash does not depend
            # on the client's settings
            "options": f"-c statement_timeout={timeout_ms} -c DateStyle=ISO -c TimeZone=UTC "
            "-c extra_float_digits=1",
        }


def _timeout_s() -> int:
    """The statement timeout in seconds: ``GREENMINE_PG_TIMEOUT_S``, default 300."""
    text = os.environ.get("GREENMINE_PG_TIMEOUT_S", "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else 300


def _name(text: str, what: str, where: str) -> str:
    if not text or not text.isprintable():
        raise InputError(f"{where}: the {what} is empty or holds control characters; fix the URL")
    return text


def _query(parts: str, where: str) -> dict[str, str]:
    """The URL's query parameters: each allowed one at most once, no other."""
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts, keep_blank_values=True):
        if key.lower() == "password":
            raise InputError(f"{where}: the URL holds a password; {_PASSWORD_FIX}")
        if key not in ("table", "geom", "sslmode") or key in query:
            raise InputError(
                f"{where}: query parameter {_quote(key)!r} is unknown or repeated; give "
                "?table=SCHEMA.TABLE, and at most one geom=COLUMN and sslmode=MODE"
            )
        query[key] = value
    if query.get("sslmode", "prefer") not in _SSLMODES:
        raise InputError(f"{where}: sslmode must be one of {', '.join(_SSLMODES)}")
    return query


def parse_postgis_url(text: str, *, what: str = "layer") -> PostgisUrl:
    """Parse ``postgresql://USER@HOST[:PORT]/DB[?table=SCHEMA.TABLE&geom=COL&sslmode=M]``.

    Raises
    ------
    InputError
        The URL holds a password (never repeated in the message), or is malformed; the
        message shows no more of the URL than its redacted parts.
    """
    where = f"{what} postgresql:// URL"
    try:
        parts = urlsplit(text)
        password, port = parts.password, parts.port
    except ValueError as exc:  # the message of urlsplit names the part, never its value
        raise InputError(
            f"{where} is malformed ({exc}); give postgresql://USER@HOST:PORT/DB"
        ) from exc
    if password is not None:
        raise InputError(f"{where} holds a password; {_PASSWORD_FIX}")
    user = _name(unquote(parts.username), "user", where) if parts.username else None
    host = _name(parts.hostname, "host", where) if parts.hostname else None
    where = f"{what} postgresql://{_quote(user or '')}@{host or ''}"
    db = unquote(parts.path.removeprefix("/"))
    if "/" in db or parts.fragment:
        raise InputError(f"{where}: give one database, as postgresql://USER@HOST:PORT/DB")
    query = _query(parts.query, where)
    schema, table = None, query.get("table")
    if table is not None:
        schema, dot, table = table.partition(".")
        schema, table = (schema, table) if dot else ("public", schema)
        schema, table = _name(schema, "schema", where), _name(table, "table name", where)
    geom = query.get("geom")
    return PostgisUrl(
        user=user,
        host=host,
        port=port,
        db=_name(db, "database name", where),
        schema=schema,
        table=table,
        geom=_name(geom, "geometry column", where) if geom is not None else None,
        sslmode=query.get("sslmode"),
    )


# ---- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Relation:
    """A table or view to read: its geometry column, SRID, attributes and row order."""

    oid: int
    name: sql.Identifier
    geometry: str
    srid: int
    #: (name, type name) of the attributes read
    attributes: tuple[tuple[str, str], ...]
    #: the columns rows are ordered by (empty: row-hash order)
    order: tuple[str, ...]

    def header(self) -> bytes:
        """The first line of the content hash: what the rows' bytes mean."""
        names = ",".join(f"{n}:{t}" for n, t in self.attributes)
        return f"postgis srid={self.srid} geometry={self.geometry} attributes={names}\n".encode()


_RELATION = """
SELECT c.oid, c.relkind FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
"""
_COLUMNS = """
SELECT a.attname, t.typname FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"""
_PRIMARY_KEY = """
SELECT a.attname, t.typname FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE i.indrelid = %s AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)
"""
_SPATIAL_TABLES = """
SELECT f_table_schema || '.' || f_table_name FROM geometry_columns
ORDER BY 1 LIMIT 10
"""


def _relation_oid(cur: psycopg.Cursor[Any], target: PostgisUrl, label: str) -> tuple[int, str]:
    """The oid and kind of the URL's table, or a refusal that lists tables with geometry."""
    row = cur.execute(_RELATION, (target.schema, target.table)).fetchone()
    if row is not None:
        return int(row[0]), str(row[1])
    listed = ", ".join(str(r[0]) for r in cur.execute(_SPATIAL_TABLES).fetchall())
    raise LayerError(
        f"{label} does not exist: database {target.db} has no table or view "
        f"{target.schema}.{target.table}; check ?table=SCHEMA.TABLE (tables with geometry: "
        f"{listed or 'none'})"
    )


def _geometry_column(columns: Sequence[tuple[str, str]], target: PostgisUrl, label: str) -> str:
    """The geometry column to read: the one there is, or the one ``geom=`` names."""
    found = [name for name, kind in columns if kind == "geometry"]
    if target.geom is not None:
        if target.geom not in found:
            raise LayerError(
                f"{label} has no geometry column {target.geom!r}; its geometry columns are: "
                f"{', '.join(found) or 'none'}"
            )
        return target.geom
    if len(found) != 1:
        fix = "give a table with a geometry column" if not found else "pick one with &geom=COLUMN"
        raise LayerError(f"{label} has {len(found)} geometry columns ({', '.join(found)}); {fix}")
    return found[0]


def _srid_crs(
    cur: psycopg.Cursor[Any], target: PostgisUrl, column: str, label: str
) -> tuple[int, CRS]:
    """The SRID of the geometry column and the CRS it names, through :func:`norm_crs`."""
    row = cur.execute(
        "SELECT srid FROM geometry_columns WHERE f_table_schema = %s AND f_table_name = %s "
        "AND f_geometry_column = %s",
        (target.schema, target.table, column),
    ).fetchone()
    srid = int(row[0]) if row and row[0] else 0
    ref = cur.execute(
        "SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %s", (srid,)
    ).fetchone()
    if ref is None:
        raise CRSError(
            f"{label} has no coordinate reference system (SRID {srid}, not in spatial_ref_sys); "
            f"declare it, e.g. ALTER TABLE … ALTER COLUMN {column} TYPE geometry(Geometry, 4490) "
            f"USING ST_SetSRID({column}, 4490); the CRS is never guessed"
        )
    auth_name, auth_srid, srtext = ref
    return srid, norm_crs(f"{auth_name}:{auth_srid}" if auth_name else srtext, what=label)


def _describe(cur: psycopg.Cursor[Any], target: PostgisUrl, label: str) -> tuple[_Relation, CRS]:
    """What to read of the URL's table, and its CRS; refusals before any row is read."""
    oid, kind = _relation_oid(cur, target, label)
    columns = [(str(n), str(t)) for n, t in cur.execute(_COLUMNS, (oid,)).fetchall()]
    geometry = _geometry_column(columns, target, label)
    srid, crs = _srid_crs(cur, target, geometry, label)
    key = [(str(n), str(t)) for n, t in cur.execute(_PRIMARY_KEY, (oid,)).fetchall()]
    fid = key[0][0] if len(key) == 1 and key[0][1] in _INTEGERS else None
    order = tuple(n for n, _ in key) or (("ctid",) if kind in ("r", "m", "p") else ())
    relation = _Relation(
        oid=oid,
        name=sql.Identifier(str(target.schema), str(target.table)),
        geometry=geometry,
        srid=srid,
        attributes=tuple((n, t) for n, t in columns if n not in (geometry, fid)),
        order=order,
    )
    return relation, crs


def _measure(
    cur: psycopg.Cursor[Any], rel: _Relation, label: str, limits: InputLimits
) -> tuple[float, float, float, float] | None:
    """Bound the relation's size, rows and vertices before fetching; its extent (None when
    it has no geometry)."""
    query = sql.SQL(
        "SELECT n, v, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), "
        "pg_catalog.pg_total_relation_size(%s) FROM ("
        "SELECT count(*) AS n, coalesce(sum(ST_NPoints({g})), 0) AS v, ST_Extent({g}) AS e "
        "FROM {t}) AS m"
    ).format(g=sql.Identifier(rel.geometry), t=rel.name)
    row = cur.execute(query, (rel.oid,)).fetchone()
    assert row is not None  # an aggregate has one row
    limits.check(label, "max_file_bytes", int(row[6] or 0))
    limits.check(label, "max_features", int(row[0]))
    limits.check(label, "max_vertices", int(row[1]))
    bounds = row[2:6]
    return None if any(b is None for b in bounds) else (bounds[0], bounds[1], bounds[2], bounds[3])


def _select(rel: _Relation, read_geometry: bool) -> sql.Composed:
    """The bounded, ordered fetch: [WKB,] row hash, attributes."""
    g = sql.SQL("t.{}").format(sql.Identifier(rel.geometry))
    wkb = sql.SQL("ST_AsBinary({})").format(g)
    record = sql.SQL(", ").join(
        sql.SQL("t.{}").format(sql.Identifier(n)) for n, _ in rel.attributes
    )
    digest = sql.SQL(
        "pg_catalog.sha256(coalesce({wkb}, ''::bytea) || "
        "pg_catalog.convert_to(ROW({record})::text, 'UTF8')) AS row_sha256"
    ).format(wkb=wkb, record=record)
    items = [wkb, digest] if read_geometry else [digest]
    for name, kind in rel.attributes:
        cast = "" if kind in _AS_IS else "::float8" if kind == "numeric" else "::text"
        col = sql.SQL("t.{}").format(sql.Identifier(name))
        items.append(sql.SQL("{}{} AS {}").format(col, sql.SQL(cast), sql.Identifier(name)))
    order = [sql.SQL("t.{}").format(sql.Identifier(n)) for n in rel.order]
    return sql.SQL("SELECT {} FROM {} AS t ORDER BY {} LIMIT %s").format(
        sql.SQL(", ").join(items), rel.name, sql.SQL(", ").join([*order, sql.SQL("row_sha256")])
    )


def _fetch(
    conn: psycopg.Connection[Any], rel: _Relation, read_geometry: bool, limit: int
) -> tuple[list[Any], pd.DataFrame, str]:
    """Fetch at most ``limit`` rows through a server-side cursor: their geometries (WKB, or
    None each without ``read_geometry``), attributes and content hash."""
    digest = hashlib.sha256(rel.header())
    wkbs: list[Any] = []
    records: list[tuple[Any, ...]] = []
    skip = 2 if read_geometry else 1
    with conn.cursor(name="greenmine_read", binary=True) as cur:
        cur.itersize = _FETCH_ROWS
        cur.execute(_select(rel, read_geometry), (limit,))
        for row in cur:
            digest.update(row[skip - 1])
            wkbs.append(row[0] if read_geometry else None)
            records.append(row[skip:])
    names = [n for n, _ in rel.attributes]
    frame = pd.DataFrame(records, columns=names, index=pd.RangeIndex(len(records)))
    return wkbs, frame, digest.hexdigest()


@contextlib.contextmanager
def _transaction(target: PostgisUrl, *, read_only: bool) -> Iterator[psycopg.Connection[Any]]:
    """A connection in one transaction (``READ ONLY`` or not, ``REPEATABLE READ``): committed
    when the block ends, rolled back when it raises."""
    with psycopg.connect(**target.connect_kwargs()) as conn:
        mode = sql.SQL("READ ONLY" if read_only else "READ WRITE")
        conn.execute(sql.SQL("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, {}").format(mode))
        yield conn


def _failure(exc: psycopg.Error, label: str, doing: str, fix: str) -> str:
    """One line on a database error: what failed, and the fix."""
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return (
            f"{label}: the {doing} took longer than the {_timeout_s()} s statement timeout; "
            "raise GREENMINE_PG_TIMEOUT_S if the data is genuine"
        )
    return f"{label}: the {doing} failed ({_one_line(exc)}); {fix}"


#: what to check when a connection or a statement fails
_CHECK_SERVER = (
    "check the host, port, database and user, and that the password is in PGPASSWORD or ~/.pgpass"
)


def read_postgis_layer(
    url: str, *, what: str, read_geometry: bool = True, limits: InputLimits | None = None
) -> tuple[gpd.GeoDataFrame, LayerSource]:
    """Read a PostGIS table as a layer, with the contract of :func:`~.vector.read_layer`.

    Parameters
    ----------
    url : str
        ``postgresql://USER@HOST[:PORT]/DB?table=SCHEMA.TABLE`` (see the module docstring).
    what : str
        The layer's role, used in error messages ("red-line layer").
    read_geometry : bool
        False reads attributes only (the geometry column is then empty); the content hash
        still covers the geometries.
    limits : InputLimits, optional
        Bounds on the input (default :meth:`InputLimits.from_env`).

    Returns
    -------
    (GeoDataFrame, LayerSource)
        Features in the table's own CRS (its SRID), with a default RangeIndex; the source's
        ``path`` is the redacted URL.

    Raises
    ------
    InputError, LayerError, CRSError
        One line naming the redacted URL and the fix.
    """
    limits = limits or InputLimits.from_env()
    target = parse_postgis_url(url, what=what)
    label = f"{what} {target}"
    if target.table is None:
        raise LayerError(f"{label} names no table; add ?table=SCHEMA.TABLE")
    try:
        with _transaction(target, read_only=True) as conn, conn.cursor() as cur:
            rel, crs = _describe(cur, target, label)
            bounds = _measure(cur, rel, label, limits)
            wkbs, frame, sha256 = _fetch(conn, rel, read_geometry, limits.max_features)
    except psycopg.Error as exc:
        raise LayerError(_failure(exc, label, "read", _CHECK_SERVER)) from exc
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(shapely.from_wkb(wkbs), crs=crs))
    if read_geometry:
        _check_geometries(gdf, label, limits)
    check_coordinates_fit(crs, bounds, what=label)
    source = LayerSource(
        path=target.redacted,
        layer=None,
        sha256=sha256,
        crs=crs.to_string(),
        encoding="UTF-8",
        features=len(gdf),
    )
    return gdf, source


# ---- writing -----------------------------------------------------------------------------


def _column_type(series: pd.Series) -> str:
    """The PostgreSQL type a result column is written as."""
    kind = series.dtype.kind
    if kind == "M":
        return "timestamptz" if getattr(series.dtype, "tz", None) else "timestamp"
    return {"i": "bigint", "u": "numeric", "f": "double precision", "b": "boolean"}.get(
        kind, "text"
    )


def _values(series: pd.Series, kind: str) -> list[Any]:
    """A column's values as Python objects for COPY: missing ones None, text as str."""
    values = series.astype(object).where(series.notna(), None).tolist()
    return [v if v is None or kind != "text" else str(v) for v in values]


def _replace_table(cur: psycopg.Cursor[Any], schema: str, name: str, frame: pd.DataFrame) -> None:
    """Drop and create ``schema.name`` and COPY ``frame`` into it (a GeoDataFrame's geometry
    as MultiPolygon in EPSG:4490, with a GiST index)."""
    table = sql.Identifier(schema, name)
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    kinds = {c: _column_type(frame[c]) for c in frame.columns if c != geometry}
    columns = [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(k)) for c, k in kinds.items()]
    values = [_values(frame[c], k) for c, k in kinds.items()]
    if geometry is not None:
        srid = CGCS2000.to_epsg()
        columns.append(
            sql.SQL("{} geometry(MultiPolygon, {})").format(sql.Identifier(geometry), srid)
        )
        geoms = shapely.set_srid(frame.geometry.to_numpy(), srid)
        values.append(list(shapely.to_wkb(geoms, hex=True, include_srid=True)))
    names = sql.SQL(", ").join(
        sql.Identifier(c) for c in [*kinds, *([geometry] if geometry else [])]
    )
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(columns)))
    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table, names)) as copy:
        for row in zip(*values, strict=True):
            copy.write_row(row)
    if geometry is not None:
        cur.execute(
            sql.SQL("CREATE INDEX ON {} USING gist ({})").format(table, sql.Identifier(geometry))
        )


_SCHEMA = "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s"


def write_postgis(
    url: str,
    schema: str,
    layers: dict[str, gpd.GeoDataFrame],
    tables: dict[str, pd.DataFrame] | None = None,
) -> list[str]:
    """Write result layers and tables into a PostGIS schema, all or nothing.

    One transaction: the schema is created when missing, each table dropped and created
    again, its rows copied (values as COPY data, never SQL text); any failure rolls it all
    back, so the schema holds either every new table or what it held before.

    Parameters
    ----------
    url : str
        The database, ``postgresql://USER@HOST[:PORT]/DB`` (no ``table=``; no password).
    schema : str
        The schema to write into.
    layers : dict
        Polygon layers by table name, written in EPSG:4490 (CGCS2000) as MultiPolygon,
        measures rounded, like :func:`~.results.write_gpkg`.
    tables : dict, optional
        Attribute-only tables by name.

    Returns
    -------
    list of str
        The tables written, as ``schema.name`` (tables first, then layers).

    Raises
    ------
    InputError
        A malformed URL, one with a table or password, or a table name given twice.
    OutputError
        The database refused a statement or a value; nothing was changed.
    """
    target = parse_postgis_url(url, what="output database")
    if target.table is not None:
        raise InputError(f"output database {target} names a table; give the database URL only")
    frames = {name: pd.DataFrame(table) for name, table in (tables or {}).items()}
    if set(frames) & set(layers):
        twice = ", ".join(sorted(set(frames) & set(layers)))
        raise InputError(f"table name {twice} is both a layer and a table; give each name once")
    frames.update({name: layer_as_written(gdf) for name, gdf in layers.items()})
    label = f"output database {target} schema {schema}"
    try:
        with _transaction(target, read_only=False) as conn, conn.cursor() as cur:
            if not cur.execute(_SCHEMA, (schema,)).fetchone():  # creating needs more rights
                cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            for name, frame in frames.items():
                _replace_table(cur, schema, name, frame)
    except psycopg.Error as exc:
        fix = f"{_CHECK_SERVER}, and that the user may create tables in it"
        raise OutputError(
            _failure(exc, label, "write", fix) + "; nothing was changed (one transaction)"
        ) from exc
    return [f"{schema}.{name}" for name in frames]
