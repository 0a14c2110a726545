"""Hostile inputs made in code, a loopback server that counts requests, and a canary file.

Every file here is what an applicant could hand in: a layer that is really an OGR VRT or a
GDALG pipeline reading a *canary* file outside the submission, references to a server
(WFS, GML schemas, a KML network link, a GeoJSON CRS link, a /vsicurl/ path), each
pointing at :class:`Loopback`, which counts what reaches it. A run passes when the server
saw nothing, the canary's text appears in no output, and nothing was written beside the
inputs.
"""

from __future__ import annotations

import http.server
import threading
import uuid
from pathlib import Path

from conftest import gk_box, layer, write


class Loopback:
    """An HTTP server on 127.0.0.1 that answers 404 and counts every request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server hook
                seen.append(self.path)
                self.send_error(404)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def canary(folder: Path) -> tuple[Path, str]:
    """A GeoPackage and a CSV outside the submission, holding a unique text; returns (gpkg, text)."""
    text = f"CANARY{uuid.uuid4().hex}"
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = write(layer([gk_box(0, 0, 200, 200)], mine_id=[text]), folder / "secret.gpkg")
    (folder / "secret.csv").write_text(f"mine_id,WKT\n{text},POINT (0 0)\n", "utf-8")
    return Path(gpkg), text


def hostile_layers(folder: Path, secret: Path, url: str) -> dict[str, Path]:
    """One file per attack, each named like a layer a user would pass (``.gpkg``, ``.geojson``)."""
    folder.mkdir(parents=True, exist_ok=True)
    csv = secret.with_suffix(".csv")
    files = {
        "vrt_as_gpkg": (
            "v.gpkg",
            f'<OGRVRTDataSource><OGRVRTLayer name="m"><SrcDataSource>{csv}</SrcDataSource>'
            f"<GeometryField encoding='WKT' field='WKT'/></OGRVRTLayer></OGRVRTDataSource>",
        ),
        "vrt_remote": (
            "r.geojson",
            f"<OGRVRTDataSource><OGRVRTLayer name='m'><SrcDataSource>/vsicurl/{url}/x.csv"
            "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>",
        ),
        "gdalg": (
            "g.geojson",
            '{"type": "gdal_streamed_alg", "command_line": '
            f'"gdal vector pipeline ! read {secret} ! write --of stream streamed_file"}}',
        ),
        "gml_schema": (
            "s.gpkg",
            f'<?xml version="1.0"?><gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{url}/schema.xsd"></gml:FeatureCollection>',
        ),
        "wfs_capabilities": (
            "w.geojson",
            f'<WFS_Capabilities version="2.0.0"><OperationsMetadata><Operation name="GetFeature">'
            f'<DCP><HTTP><Get href="{url}/wfs"/></HTTP></DCP></Operation></OperationsMetadata>'
            "</WFS_Capabilities>",
        ),
        "sqlite_not_gpkg": ("q.gpkg", None),
        "kml_network_link": (
            "k.kml",
            '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<NetworkLink><Link><href>{url}/more.kml</href></Link></NetworkLink>"
            "</Document></kml>",
        ),
        "geojson_crs_link": (
            "c.geojson",
            '{"type": "FeatureCollection", "crs": {"type": "link", "properties": '
            f'{{"href": "{url}/crs.wkt", "type": "ogcwkt"}}}}, "features": []}}',
        ),
    }
    out = {}
    for name, (file, text) in files.items():
        path = folder / file
        if text is None:
            import sqlite3

            with sqlite3.connect(path) as db:
                db.execute("CREATE TABLE t (a TEXT)")
        else:
            path.write_text(text, "utf-8")
        out[name] = path
    return out


def remote_specs(url: str) -> dict[str, str]:
    """Specs that name a server or a virtual file system instead of a file."""
    return {
        "url": f"{url}/mines.geojson",
        "vsicurl": f"/vsicurl/{url}/mines.geojson",
        "wfs": f"WFS:{url}/wfs",
        "oapif": f"OAPIF:{url}/collections",
        "postgres": "PG:host=127.0.0.1 dbname=x",
    }


def outputs_text(folder: Path) -> str:
    """Every output file's bytes under ``folder`` as text (for finding the canary)."""
    return "".join(
        p.read_bytes().decode("utf-8", "replace") for p in sorted(folder.rglob("*")) if p.is_file()
    )
