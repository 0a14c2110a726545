"""A real PostgreSQL with PostGIS for the tests, in a temporary directory on a loopback port.

:func:`start` finds ``initdb`` and ``pg_ctl`` under ``/usr/lib/postgresql/*/bin`` with
the PostGIS extension beside them, and installs the Debian packages (``postgresql``,
``postgresql-VERSION-postgis-3``) with apt-get when they are missing. The cluster is
made by ``initdb`` as the ``postgres`` system user when the tests run as root (initdb
refuses root), listens on 127.0.0.1 only and has its socket in its own directory; every
connection needs the password, which the tests find only in a temporary password file
(``PGPASSFILE``). Starting takes a couple of seconds once the packages are there.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import geopandas as gpd
import pandas as pd
import psycopg
import shapely
from psycopg import sql

PG_ROOT = Path("/usr/lib/postgresql")
USER = "greenmine"
DB = "greenmine"
_OWNER = "postgres"  # the system user that runs the server when the tests run as root


class ServerError(RuntimeError):
    """PostgreSQL with PostGIS could not be installed or started; the message says why."""


def _version(bin_dir: Path) -> float:
    try:
        return float(bin_dir.parent.name)
    except ValueError:
        return 0.0


def _installed() -> Path | None:
    """The ``bin`` directory of the newest PostgreSQL that has PostGIS, if any."""
    for bin_dir in sorted(PG_ROOT.glob("*/bin"), key=_version, reverse=True):
        control = Path("/usr/share/postgresql", bin_dir.parent.name, "extension/postgis.control")
        if (bin_dir / "initdb").exists() and control.exists():
            return bin_dir
    return None


def _apt_install(*packages: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode:
            tail = " ".join((done.stderr or done.stdout).split()[-40:])
            raise ServerError(f"{' '.join(argv)} failed ({tail}); install {' '.join(packages)}")


def binaries() -> Path:
    """``initdb``/``pg_ctl``'s directory, PostgreSQL and PostGIS installed first if missing."""
    found = _installed()
    if found is not None:
        return found
    if os.geteuid() != 0:
        raise ServerError(
            "PostgreSQL with PostGIS is not installed and the tests do not run as root; "
            "install postgresql and postgresql-VERSION-postgis-3 (apt-get)"
        )
    if not any(PG_ROOT.glob("*/bin/initdb")):
        _apt_install("postgresql")
    newest = max(PG_ROOT.glob("*/bin"), key=_version, default=None)
    if newest is None:
        raise ServerError("apt-get installed postgresql but no /usr/lib/postgresql/*/bin")
    _apt_install(f"postgresql-{newest.parent.name}-postgis-3")
    found = _installed()
    if found is None:
        raise ServerError(f"postgresql-{newest.parent.name}-postgis-3 installed no postgis.control")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running server: connect as :data:`USER` to :data:`DB` on 127.0.0.1:``port``."""

    bin_dir: Path
    root: Path
    port: int
    password: str

    def url(self, table: str | None = None, **params: str) -> str:
        """A ``postgresql://`` URL of the server's database (and ``table``); no password."""
        query = {"table": table, **params} if table else params
        text = "&".join(f"{k}={quote(v, safe='.')}" for k, v in query.items())
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DB}" + (f"?{text}" if text else "")

    def connect(self, db: str = DB) -> psycopg.Connection:
        """An autocommit connection (the password from the password file)."""
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname=db, autocommit=True
        )

    def _run(self, *argv: str | Path) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", _OWNER, "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *map(str, argv)], capture_output=True, text=True, timeout=120
        )

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run(self.bin_dir / "pg_ctl", "-D", self.root / "data", *args)

    def _initdb(self) -> None:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password)
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to postgres
            import pwd  # POSIX only, like the Debian packages this module installs

            owner = pwd.getpwnam(_OWNER)
            for path in (self.root, pwfile):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        done = self._run(
            self.bin_dir / "initdb",
            *("-D", self.root / "data", "-U", USER, "--pwfile", pwfile),
            *("--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"),
        )
        pwfile.unlink()
        if done.returncode:
            raise ServerError(f"initdb failed: {' '.join(done.stderr.split())}")

    def _start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        done = self._pg_ctl("-l", str(self.root / "log"), "-w", "-t", "30", "-o", options, "start")
        if done.returncode:
            log = (self.root / "log").read_text(errors="replace")[-2000:]
            raise ServerError(f"pg_ctl start failed: {' '.join((done.stderr + log).split())}")

    def _create_database(self) -> None:
        with self.connect("postgres") as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB)))
        with self.connect() as conn:
            conn.execute("CREATE EXTENSION postgis")

    def stop(self) -> None:
        """Stop the server at once and remove its directory."""
        self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running() -> Iterator[Server]:
    """A fresh server with PostGIS in database :data:`DB`, its password only in the
    temporary password file that ``PGPASSFILE`` names (``PGPASSWORD`` unset meanwhile)."""
    bin_dir = binaries()
    # not under pytest's own temporary directory, which the postgres user cannot enter
    root = Path(tempfile.mkdtemp(prefix="greenmine-pg-"))
    server = Server(bin_dir, root, _free_port(), secrets.token_hex(16))
    passdir = Path(tempfile.mkdtemp(prefix="greenmine-pgpass-"))
    passfile = passdir / "pgpass"
    passfile.write_text(f"127.0.0.1:{server.port}:*:{USER}:{server.password}\n")
    passfile.chmod(0o600)
    saved = {k: os.environ.get(k) for k in ("PGPASSFILE", "PGPASSWORD")}
    os.environ["PGPASSFILE"] = str(passfile)
    os.environ.pop("PGPASSWORD", None)
    try:
        server._initdb()
        server._start()
        server._create_database()
        yield server
    finally:
        server.stop()
        shutil.rmtree(passdir, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load(conn: psycopg.Connection, schema: str, table: str, gdf: gpd.GeoDataFrame) -> str:
    """Create ``schema.table`` holding ``gdf`` as it is (its own SRID, attributes as text,
    an integer primary key ``fid`` in row order), with plain INSERTs; returns ``schema.table``."""
    srid = gdf.crs.to_epsg()
    names = [c for c in gdf.columns if c != gdf.geometry.name]
    target = sql.Identifier(schema, table)
    columns = [
        sql.SQL("fid serial PRIMARY KEY"),
        *(sql.SQL("{} text").format(sql.Identifier(c)) for c in names),
        sql.SQL("geom geometry(Geometry, {})").format(srid),
    ]
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(columns)))
    insert = sql.SQL("INSERT INTO {} ({}) VALUES ({}ST_GeomFromWKB(%s, {}))").format(
        target,
        sql.SQL(", ").join(map(sql.Identifier, [*names, "geom"])),
        sql.SQL("%s, " * len(names)),
        srid,
    )
    rows = [
        (*(None if pd.isna(v) else str(v) for v in values), shapely.to_wkb(geom))
        for *values, geom in gdf[[*names, gdf.geometry.name]].itertuples(index=False)
    ]
    with conn.cursor() as cur:
        cur.executemany(insert, rows)
    return f"{schema}.{table}"
