"""Office files (XLSX, DOCX) written so a run with ``SOURCE_DATE_EPOCH`` writes the same bytes.

openpyxl and python-docx date a file's ZIP members and its ``docProps/core.xml``
(created, modified) from the clock; :func:`write_office_zip` copies the package with
every one of those times set to :func:`~.clock.now`, atomically.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

from .atomic import atomic_output
from .clock import now

__all__ = ["write_office_zip"]

_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")


def write_office_zip(package: bytes, path: str | os.PathLike[str]) -> Path:
    """Write an Office package (the bytes a library saved) to ``path``, its times restamped."""
    when = now()
    stamp = f"{when:%Y-%m-%dT%H:%M:%SZ}".encode()
    with (
        atomic_output(path) as tmp,
        zipfile.ZipFile(io.BytesIO(package)) as src,
        zipfile.ZipFile(tmp, "w") as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(rb"\g<1>" + stamp, data)
            stamped = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            stamped.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(stamped, data)
    return Path(path)
