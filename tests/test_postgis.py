"""PostGIS as a source and a sink, against a real PostgreSQL started for this session.

The server (:mod:`postgres`) is installed when missing; when it cannot be, these tests
fail with the reason rather than being skipped.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from psycopg import sql
from shapely.geometry import box

from greenmine_geo.errors import CRSError, InputError, LayerError, OutputError
from greenmine_geo.io import postgis
from greenmine_geo.io.postgis import is_postgis_url, parse_postgis_url, write_postgis
from greenmine_geo.io.vector import read_layer
from greenmine_geo.run_results import load_results

import postgres
from conftest import REPO, gk_box, greenmine, layer, one_line_error

# make test (Debian) always runs them; elsewhere (the Windows and macOS CI runners) there are
# no Debian packages to install the server from
pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="the test PostgreSQL is installed from Debian packages"
)

DEMO = REPO / "data" / "demo"
#: the demo mines and red line (pipelines/demo.yaml), each also loaded as demo.<stem>
DEMO_FILES = [
    "mines_cgcs2000.gpkg",
    "mines_gk3_zone37.gpkg",
    "mines_gk3_cm117.shp",
    "mines_gk6_zone18.gpkg",
    "redline.gpkg",
]


@pytest.fixture(scope="session")
def pg():
    try:
        with postgres.running() as server:
            yield server
    except postgres.ServerError as exc:
        pytest.fail(f"PostGIS tests need a PostgreSQL server: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def demo(pg) -> dict[str, str]:
    """Each demo file → the URL of its copy in schema ``demo``."""
    urls = {}
    with pg.connect() as conn:
        for name in DEMO_FILES:
            gdf, _ = read_layer(DEMO / name, what="demo layer")  # GBK shapefile decoded
            urls[name] = pg.url(postgres.load(conn, "demo", Path(name).stem, gdf))
    return urls


def prerequisite(mines: list[str], redline: str, out: Path, *extra: str):
    args = [a for m in mines for a in ("--mines", m)]
    return greenmine(
        "check", "prerequisite", *args, "--id-field", "mine_id", "--redline", redline,
        "--out", str(out), *extra,
    )  # fmt: skip


def test_verdicts_from_postgis_equal_those_from_files(pg, demo, tmp_path):
    files = [str(DEMO / n) for n in DEMO_FILES]
    urls = [demo[n] for n in DEMO_FILES]
    cache = ["--cache-dir", str(tmp_path / "cache")]
    runs = {
        "files": prerequisite(files[:-1], files[-1], tmp_path / "files", *cache),
        "postgis": prerequisite(urls[:-1], urls[-1], tmp_path / "postgis", *cache),
        "again": prerequisite(urls[:-1], urls[-1], tmp_path / "again", *cache),
    }
    for r in runs.values():
        assert r.returncode == 0, r.stderr
    tables = {k: pd.read_csv(tmp_path / k / "prerequisite.csv") for k in runs}
    assert (
        tables["postgis"]["source"].tolist()
        == tables["files"]["source"].map(dict(zip(files, urls, strict=True))).tolist()
    )
    same = tables["files"].drop(columns="source")
    pd.testing.assert_frame_equal(tables["postgis"].drop(columns="source"), same)
    pd.testing.assert_frame_equal(tables["again"], tables["postgis"])
    assert (tmp_path / "postgis" / "prerequisite.csv").read_bytes() == (
        tmp_path / "again" / "prerequisite.csv"
    ).read_bytes()
    # the conflicts carry the red line's own attributes, not the table's feature id
    conflicts = [gpd.read_file(tmp_path / k / "prerequisite.gpkg", layer="conflicts") for k in runs]
    assert len(conflicts[0]) and "fid" not in conflicts[0].feature_attributes.iloc[0]
    assert_geodataframe_equal(conflicts[1], conflicts[0])
    # the manifest names the tables by their URL (no password anywhere), with content hashes
    text = (tmp_path / "postgis" / "manifest.json").read_text("utf-8")
    assert pg.password not in text
    inputs = json.loads(text)["inputs"]
    assert [i["path"] for i in inputs] == urls
    assert all(len(i["sha256"]) == 64 and i["layer"] is None for i in inputs)
    # the prepared red line, keyed by the table's content hash, is reused on the next run
    again = json.loads((tmp_path / "again" / "manifest.json").read_text("utf-8"))
    assert again["prepared_layers_from_cache"] == {"redline": True}
    assert [i["sha256"] for i in again["inputs"]] == [i["sha256"] for i in inputs]
    # maps and reports read the tables again, as the step did
    res = load_results(tmp_path / "postgis")
    assert len(res.context["redline"]) == 9 and not res.warnings, res.warnings
    assert res.mine_info is not None and res.mine_info["name"].notna().all()


def test_results_written_to_the_database_equal_the_files(pg, demo, tmp_path):
    out = tmp_path / "核查_2025"
    files = [str(DEMO / n) for n in DEMO_FILES]
    r = prerequisite(files[:-1], files[-1], out, "--out-db", pg.url(), "--out-schema", "结果")
    assert r.returncode == 0, r.stderr
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["database"]["tables"] == [
        "结果.核查_2025_mines",
        "结果.核查_2025_conflicts",
        "结果.核查_2025_block_overlaps",
    ]
    assert pg.password not in json.dumps(manifest)
    table = pd.read_csv(out / "prerequisite.csv", encoding="utf-8-sig")
    back, _ = read_layer(pg.url("结果.核查_2025_mines"), what="written mines")
    assert back.crs.to_epsg() == 4490 and len(back) == len(table)
    assert back["verdict"].tolist() == table["verdict"].tolist()
    assert back["mine_area_m2"].tolist() == pytest.approx(table["mine_area_m2"].tolist())
    r = prerequisite(files[:-1], files[-1], tmp_path / "x", "--out-db", pg.url("a.b"))
    one_line_error(r, "--out-db names a table")
    assert not (tmp_path / "x").exists()  # refused before any work


def test_the_password_comes_from_the_password_file(pg, demo, monkeypatch):
    gdf, source = read_layer(demo["redline.gpkg"], what="red-line layer")
    assert len(gdf) == 9 and gdf.crs.to_epsg() == 4490 and source.crs == "EPSG:4490"
    assert list(gdf.columns) == ["code", "name", "geometry"]  # fid is the feature id
    monkeypatch.delenv("PGPASSFILE")
    monkeypatch.setenv("HOME", "/nonexistent")
    with pytest.raises(LayerError, match="password") as err:
        read_layer(demo["redline.gpkg"], what="red-line layer")
    assert "\n" not in str(err.value) and "PGPASSWORD or ~/.pgpass" in str(err.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://greenmine:hunter2-s3cret@127.0.0.1:{port}/greenmine?table=demo.redline",
        "postgres://greenmine@127.0.0.1:{port}/greenmine?table=demo.redline&password=hunter2-s3cret",
        "postgresql://greenmine:hunter2-s3cret@127.0.0.1:x/greenmine?table=demo.redline",
    ],
)
def test_a_password_in_the_url_is_refused_and_never_echoed(pg, demo, tmp_path, url):
    url = url.format(port=pg.port)
    out = tmp_path / "out"
    r = prerequisite([demo["mines_cgcs2000.gpkg"]], url, out)
    assert r.returncode == 2 and "hunter2-s3cret" not in r.stderr + r.stdout
    line = one_line_error(r)
    assert "malformed" in line or ("password" in line and "PGPASSWORD" in line)
    assert not out.exists()


def test_a_table_above_max_features_is_refused_before_fetching(demo, monkeypatch):
    monkeypatch.setenv("GREENMINE_MAX_FEATURES", "5")
    monkeypatch.setattr(postgis, "_fetch", lambda *a: pytest.fail("fetched"))
    with pytest.raises(LayerError, match="9 features, above the bound of 5") as err:
        read_layer(demo["redline.gpkg"], what="red-line layer")
    assert "GREENMINE_MAX_FEATURES=9" in str(err.value)


def test_vertices_above_the_bound_are_refused_before_fetching(demo, monkeypatch):
    monkeypatch.setenv("GREENMINE_MAX_VERTICES", "10")
    monkeypatch.setattr(postgis, "_fetch", lambda *a: pytest.fail("fetched"))
    with pytest.raises(LayerError, match="vertices, above the bound of 10"):
        read_layer(demo["redline.gpkg"], what="red-line layer")


def test_srid_0_is_refused_like_a_file_without_crs(pg):
    with pg.connect() as conn:
        conn.execute("CREATE TABLE nosrid (geom geometry)")
        conn.execute("INSERT INTO nosrid VALUES (ST_MakeEnvelope(111, 40, 111.1, 40.1))")
    with pytest.raises(CRSError, match="no coordinate reference system.*SRID 0") as err:
        read_layer(pg.url("public.nosrid"), what="red-line layer")
    assert "never guessed" in str(err.value) and "\n" not in str(err.value)


def test_coordinates_that_contradict_the_srid_are_refused(pg):
    with pg.connect() as conn:
        postgres.load(
            conn, "public", "metres_as_degrees", layer([gk_box(0, 0, 10, 10)], "EPSG:4490")
        )
    with pytest.raises(CRSError, match="not degrees"):
        read_layer(pg.url("public.metres_as_degrees"), what="red-line layer")


def test_a_missing_table_is_one_line_naming_the_fix(pg, demo, tmp_path):
    r = prerequisite([demo["mines_cgcs2000.gpkg"]], pg.url("demo.nothere"), tmp_path / "o")
    line = one_line_error(
        r, "does not exist", "demo.nothere", "?table=SCHEMA.TABLE", "demo.redline"
    )
    assert pg.url("demo.nothere") in line


def test_sql_in_a_table_name_is_only_a_name(pg, demo):
    hostile = 'x"; DROP TABLE demo.redline; --'
    with pytest.raises(LayerError, match="does not exist"):
        read_layer(pg.url("demo.redline;DROP TABLE demo.redline"), what="red-line layer")
    with pg.connect() as conn:
        postgres.load(
            conn, "demo", hostile, layer([box(111, 40, 111.1, 40.1)], "EPSG:4490", n=["a"])
        )
    gdf, source = read_layer(pg.url(f"demo.{hostile}"), what="red-line layer")
    assert gdf["n"].tolist() == ["a"] and "DROP" in source.path
    assert len(read_layer(demo["redline.gpkg"], what="red-line layer")[0]) == 9


def test_the_read_is_a_read_only_transaction(pg):
    """A view that writes when read: the write is refused by the session, not by rights."""
    with pg.connect() as conn:
        conn.execute("CREATE TABLE reads (at timestamptz)")
        conn.execute(
            "CREATE FUNCTION log_read() RETURNS int VOLATILE LANGUAGE sql AS "
            "$$ INSERT INTO reads VALUES (now()) RETURNING 1 $$"
        )
        conn.execute(
            "CREATE VIEW writes_when_read AS SELECT log_read() AS n, "
            "ST_SetSRID(ST_MakeEnvelope(111, 40, 111.1, 40.1), 4490)::geometry(Polygon, 4490) AS geom"
        )
    with pytest.raises(LayerError, match="read-only transaction"):
        read_layer(pg.url("public.writes_when_read"), what="red-line layer")
    with pg.connect() as conn:
        assert conn.execute("SELECT count(*) FROM reads").fetchone() == (0,)


def test_several_geometry_columns_need_geom(pg):
    with pg.connect() as conn:
        conn.execute(
            "CREATE TABLE two_geoms AS SELECT 'a' AS n, "
            "ST_SetSRID(ST_MakeEnvelope(111, 40, 111.1, 40.1), 4490)::geometry(Polygon, 4490) AS a, "
            "ST_SetSRID(ST_MakeEnvelope(4e5, 4.5e6, 4.1e5, 4.6e6), 4525)::geometry(Polygon, 4525) AS b"
        )
    with pytest.raises(LayerError, match=r"2 geometry columns \(a, b\).*&geom=COLUMN"):
        read_layer(pg.url("public.two_geoms"), what="red-line layer")
    gdf, source = read_layer(pg.url("public.two_geoms", geom="a"), what="red-line layer")
    assert source.crs == "EPSG:4490" and source.path.endswith("&geom=a")
    assert gdf["b"].str.startswith("0103").all()  # the other geometry, as its text


def test_the_attribute_only_read_hashes_the_geometry_too(pg, demo):
    attrs, source = read_layer(demo["redline.gpkg"], what="red-line layer", read_geometry=False)
    assert attrs.geometry.isna().all() and len(attrs) == 9
    assert source.sha256 == read_layer(demo["redline.gpkg"], what="red-line layer")[1].sha256
    with pg.connect() as conn:
        conn.execute("UPDATE demo.redline SET geom = ST_Translate(geom, 1e-9, 0) WHERE fid = 1")
    try:
        moved = read_layer(demo["redline.gpkg"], what="red-line layer", read_geometry=False)[1]
        assert moved.sha256 != source.sha256
    finally:
        with pg.connect() as conn:
            conn.execute(
                "UPDATE demo.redline SET geom = ST_Translate(geom, -1e-9, 0) WHERE fid = 1"
            )


def _results() -> tuple[dict[str, gpd.GeoDataFrame], dict[str, pd.DataFrame]]:
    mines = gpd.read_file(DEMO / "mines_gk3_zone37.gpkg", engine="pyogrio")
    mines["mine_area_m2"] = mines.area
    summary = pd.DataFrame({"verdict": ["PASS", "FAIL"], "n": [10, 2], "pct": [83.3, None]})
    return {"mines": mines}, {"summary": summary}


def test_write_postgis_writes_4490_multipolygons_and_tables(pg):
    layers, tables = _results()
    assert write_postgis(pg.url(), "results", layers, tables) == [
        "results.summary",
        "results.mines",
    ]
    back, source = read_layer(pg.url("results.mines"), what="result")
    assert source.crs == "EPSG:4490" and set(back.geom_type) == {"MultiPolygon"}
    assert back["mine_id"].tolist() == layers["mines"]["mine_id"].tolist()
    assert back["mine_area_m2"].tolist() == layers["mines"]["mine_area_m2"].round(4).tolist()
    with pg.connect() as conn:
        rows = conn.execute("SELECT verdict, n, pct FROM results.summary").fetchall()
    assert rows == [("PASS", 10, 83.3), ("FAIL", 2, None)]


def test_write_postgis_is_all_or_nothing(pg):
    layers, tables = _results()
    write_postgis(pg.url(), "atomic", layers, tables)
    broken = layers["mines"].assign(name="名称\x00")  # PostgreSQL text holds no NUL
    fresh = {"first_new": pd.DataFrame({"a": [1]}), "summary": tables["summary"].iloc[:1]}
    with pytest.raises(OutputError, match="nothing was changed") as err:
        write_postgis(pg.url(), "atomic", {"mines": broken}, fresh)
    assert "\n" not in str(err.value) and pg.url() in str(err.value)
    with pg.connect() as conn:
        names = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'atomic'"
        ).fetchall()
        assert sorted(names) == [("mines",), ("summary",)]
        assert conn.execute("SELECT count(*) FROM atomic.summary").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM atomic.mines").fetchone() == (12,)


def test_write_postgis_quotes_hostile_names(pg):
    layers, tables = _results()
    schema = 'r"; DROP SCHEMA atomic CASCADE; --'
    table = pd.DataFrame({'a"); DROP TABLE x; --': ["=1+1"]})
    assert write_postgis(pg.url(), schema, {}, {"t;x": table}) == [f"{schema}.t;x"]
    with pg.connect() as conn:
        query = sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, "t;x"))
        assert conn.execute(query).fetchall() == [("=1+1",)]


def test_write_postgis_refuses_a_table_url_and_a_password(pg):
    layers, tables = _results()
    with pytest.raises(InputError, match="names a table"):
        write_postgis(pg.url("results.mines"), "results", layers, tables)
    with pytest.raises(InputError, match="PGPASSWORD") as err:
        write_postgis(f"postgresql://u:s3cret@127.0.0.1:{pg.port}/db", "results", layers)
    assert "s3cret" not in str(err.value)


def test_a_failed_connection_is_one_line(tmp_path):
    url = "postgresql://nobody@127.0.0.1:1/none?table=a.b"
    with pytest.raises(
        LayerError, match=r"^mines layer postgresql://nobody@127.0.0.1:1/none"
    ) as err:
        read_layer(url, what="mines layer")
    assert "\n" not in str(err.value) and "PGPASSWORD or ~/.pgpass" in str(err.value)


# ---- the URL alone: no server needed -------------------------------------------------------


def test_urls_are_parsed_into_parts_without_credentials():
    url = parse_postgis_url(
        "postgres://gis%20user@[::1]:5433/地图?table=规划.红线&geom=g&sslmode=require"
    )
    assert (url.user, url.host, url.port, url.db) == ("gis user", "::1", 5433, "地图")
    assert (url.schema, url.table, url.geom, url.sslmode) == ("规划", "红线", "g", "require")
    assert (
        str(url) == "postgresql://gis%20user@[::1]:5433/地图?table=规划.红线&geom=g&sslmode=require"
    )
    assert parse_postgis_url(str(url)) == url
    assert parse_postgis_url("postgresql://h/db?table=mines").schema == "public"
    assert "password" not in url.connect_kwargs()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("postgresql://h/db?table=a.b&table=c.d", "unknown or repeated"),
        ("postgresql://h/db?table=a.b&host=/tmp", "unknown or repeated"),
        ("postgresql://h/db?table=a.b&sslmode=off", "sslmode must be one of"),
        ("postgresql://h/db?table=a.", "table name is empty"),
        ("postgresql://h/?table=a.b", "database name is empty"),
        ("postgresql://h/db/x?table=a.b", "give one database"),
        ("postgresql://h/db?table=a.b%0A", "control characters"),
        ("postgresql://u:@h/db?table=a.b", "holds a password"),
        ("postgresql://h\x1bst/db?table=a.b", "host is empty or holds control characters"),
    ],
)
def test_malformed_urls_are_refused_with_the_fix(text, needle):
    with pytest.raises(InputError, match=needle) as err:
        parse_postgis_url(text)
    assert "\n" not in str(err.value)


def test_only_postgresql_urls_are_read(tmp_path):
    assert is_postgis_url("postgresql://h/db") and is_postgis_url("POSTGRES://h/db")
    assert not is_postgis_url("postgresqlx://h/db") and not is_postgis_url("PG:dbname=x")
    for spec in ("https://example.org/mines.gpkg", "PG:dbname=mines", "file:///tmp/x.gpkg"):
        with pytest.raises(LayerError, match="URL|connection string"):
            read_layer(spec, what="mines layer")


def test_a_database_url_is_not_a_layer():
    with pytest.raises(LayerError, match=r"names no table; add \?table=SCHEMA.TABLE"):
        read_layer("postgresql://h/db", what="mines layer")


def test_psycopg_is_not_loaded_for_files(tmp_path):
    code = (
        "import sys; from greenmine_geo.io.vector import read_layer; "
        f"read_layer({str(DEMO / 'redline.gpkg')!r}, what='x'); print('psycopg' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
