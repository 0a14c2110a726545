"""ZIP archives of vector data (a zipped shapefile or FileGDB, a KMZ), unpacked safely.

Offices mail shapefiles zipped, often inside a folder or two, with member names in GBK
written by Windows' own ZIP tool (no UTF-8 flag). :func:`unpacked` extracts an archive
into a private temporary directory (never beside the input), after checking what a
hostile archive would use:

* member names that climb out (``..``, absolute paths, drive letters) and symbolic links
  are refused, as are encrypted members;
* the members' declared sizes together are bounded by ``max_file_bytes`` and their count
  by :data:`MAX_MEMBERS`, before anything is unzipped; the declared size cannot lie
  (Python's zipfile stops there and checks the CRC);
* names without the UTF-8 flag are decoded as GB18030 when they are not ASCII, as the
  Windows tools that wrote them meant.

:func:`datasets` lists the vector datasets the archive holds, at any depth.
"""

from __future__ import annotations

import contextlib
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ..errors import LayerError
from .limits import InputLimits

__all__ = ["MAX_MEMBERS", "datasets", "unpacked"]

#: Most members an archive may hold (a zipped shapefile has 4-8, a FileGDB a few hundred).
MAX_MEMBERS = 20_000
#: Suffixes of the files (and FileGDB folders) that hold a vector dataset.
_DATASET_SUFFIXES = (".shp", ".gdb", ".gpkg", ".kml", ".geojson", ".json", ".fgb", ".dxf")
_UTF8_FLAG = 0x800


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its writer meant it: UTF-8 when flagged, else GB18030."""
    if info.flag_bits & _UTF8_FLAG or info.filename.isascii():
        return info.filename
    raw = info.filename.encode("cp437")  # what zipfile decoded the raw bytes as
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def _safe_relative(name: str, what: str) -> PurePosixPath:
    """The member's path inside the archive, refused when it would land outside it."""
    rel = PurePosixPath(name.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts or (rel.parts and ":" in rel.parts[0]):
        raise LayerError(
            f"{what} is refused: member {name!r} would be written outside the archive's folder; "
            "zip the files again with plain relative names"
        )
    return rel


def _check(archive: zipfile.ZipFile, what: str, limits: InputLimits) -> list[zipfile.ZipInfo]:
    """The archive's file members, each checked (see the module docstring)."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise LayerError(
            f"{what} holds {len(members):,} members, above the bound of {MAX_MEMBERS:,}; "
            "zip only the dataset"
        )
    for info in members:
        if stat.S_ISLNK(info.external_attr >> 16):
            raise LayerError(f"{what} is refused: member {info.filename!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise LayerError(
                f"{what} is refused: member {info.filename!r} is encrypted; zip it without a password"
            )
    files = [i for i in members if not i.is_dir()]
    limits.check(f"{what} (unzipped)", "max_file_bytes", sum(i.file_size for i in files))
    return files


@contextlib.contextmanager
def unpacked(path: Path, what: str, limits: InputLimits | None = None) -> Iterator[Path]:
    """The archive ``path`` extracted into a temporary directory, removed afterwards.

    Raises
    ------
    LayerError
        The archive is damaged, or refused (see the module docstring).
    """
    limits = limits or InputLimits.from_env()
    with tempfile.TemporaryDirectory(prefix="greenmine-zip-") as tmp:
        root = Path(tmp)
        try:
            with zipfile.ZipFile(path) as archive:
                for info in _check(archive, what, limits):
                    target = root / _safe_relative(_member_name(info), what)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(info) as src, open(target, "xb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
        except FileExistsError as exc:
            raise LayerError(f"{what} is refused: it holds {exc.filename} twice") from None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise LayerError(f"{what} is a damaged ZIP archive ({exc}); zip it again") from None
        yield root


def datasets(root: Path) -> list[Path]:
    """The vector datasets under ``root`` at any depth (shapefiles, FileGDB folders, KML …),
    sorted; macOS's ``__MACOSX`` resource forks and files inside a FileGDB are skipped."""
    found = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).parts
        if "__MACOSX" in rel or any(part.lower().endswith(".gdb") for part in rel[:-1]):
            continue
        if p.suffix.lower() in _DATASET_SUFFIXES and (p.is_dir() == (p.suffix.lower() == ".gdb")):
            found.append(p)
    return found
