"""Text files from applicants and offices: read bounded, decoded without guessing wrong.

Corner-point files, exemption lists and plan tables are written on Chinese Windows
desktops: UTF-8 (often with a BOM), GBK/GB18030 from older tools and WPS, or UTF-16
from Notepad's "Unicode". :func:`read_text` decodes each of these and refuses, with one
line naming the line numbers, what cannot be read right:

* a binary file (NUL bytes outside UTF-16, or an archive, workbook or database signature);
* a file whose lines are in *different* encodings (one edited in a UTF-8 editor, another
  pasted from a GBK one): decoding it whole as either would garble part of it silently;
* bytes that are neither UTF-8 nor GB18030.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from .limits import InputLimits

__all__ = ["decode_text", "read_bounded", "read_text"]

#: Signatures of files that are not text, and what they probably are.
_BINARY = {
    b"PK\x03\x04": "a ZIP archive (an XLSX workbook or zipped files)",
    b"\xd0\xcf\x11\xe0": "an old binary Office file (.xls/.doc)",
    b"SQLite format 3\x00": "an SQLite database or GeoPackage",
    b"%PDF": "a PDF document",
}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_bounded(
    path: str | os.PathLike[str], what: str, limits: InputLimits | None = None
) -> bytes:
    """The bytes of the regular file ``path``, refused (InputError) when it is missing, not a
    regular file, or larger than ``max_table_bytes``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} {path} does not exist or is not a file; check the path")
    (limits or InputLimits.from_env()).check(
        f"{what} {path}", "max_table_bytes", path.stat().st_size, InputError
    )
    with path.open("rb") as f:
        return f.read()


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode_text(raw: bytes, where: str) -> tuple[str, str]:
    """``raw`` decoded, and the encoding's name (``utf-8``, ``utf-16``, ``gbk`` or
    ``gb18030``); ``where`` names the file in errors.

    Raises
    ------
    InputError
        Binary content, lines in different encodings, or bytes no encoding decodes.
    """
    for magic, kind in _BINARY.items():
        if raw.startswith(magic):
            raise InputError(f"{where} is {kind}, not text; save it as CSV or TXT")
    if raw.startswith(_UTF16_BOMS):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(f"{where} starts as UTF-16 but is not; save it as UTF-8") from exc
    if b"\x00" in raw:
        line = _line_of(raw, raw.index(b"\x00"))
        raise InputError(f"{where} holds NUL bytes (line {line}): it is binary, not text")
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        not_utf8 = _line_of(raw, exc.start)
    lines = raw.split(b"\n")
    utf8 = next(
        (n for n, line in enumerate(lines, 1) if not line.isascii() and _is_utf8(line)), None
    )
    if utf8 is not None:
        raise InputError(
            f"{where} mixes encodings: line {utf8} is UTF-8 but line {not_utf8} is not "
            "(GBK?); save the whole file in one encoding (UTF-8)"
        )
    for encoding in ("gbk", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            bad = _line_of(raw, exc.start)
    raise InputError(
        f"{where} is neither UTF-8, GBK nor GB18030 text (line {bad}); save it as UTF-8"
    )


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_text(
    path: str | os.PathLike[str], what: str, limits: InputLimits | None = None
) -> tuple[str, str]:
    """The text of ``path`` (a ``what``, e.g. "corner-point file") and its encoding: bounded
    by :func:`read_bounded`, decoded by :func:`decode_text`."""
    return decode_text(read_bounded(path, what, limits), f"{what} {path}")
