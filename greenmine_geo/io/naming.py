"""File names from ids (mine ids, zone ids, league names): safe, and one per id.

Ids come from input data, so they may hold anything: ``/``, ``..``, spaces,
characters Windows forbids, or only case to tell two apart. A file name made
from an id keeps its readable part (letters of any script, digits, ``.``, ``_``,
``-``) and, whenever that is not the id itself or another id of the same set
would give the same name on a case-insensitive file system, adds the first 8 hex
digits of the id's SHA-256: so two ids never share a file, and no id decides
where a file goes. Writers take names from here and record them; readers look
them up in what was recorded, never rebuild them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

__all__ = ["file_names", "safe_stem"]

#: Longest readable part kept, in characters (a CJK character takes 3 of a name's 255 bytes).
MAX_STEM = 80
_UNSAFE = re.compile(r"[^\w.-]+")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.I)


def safe_stem(text: str) -> str:
    """The readable, file-system-safe part of ``text`` (never empty, never hidden)."""
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFC", text)).strip("._-")[:MAX_STEM]
    stem = stem.rstrip("._-") or "item"
    return f"{stem}_" if _RESERVED.match(stem) else stem


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def file_names(ids: Iterable[object], prefix: str = "", suffix: str = "") -> dict[str, str]:
    """A distinct, safe file name for each id: ``{id: prefix + stem + suffix}``.

    ``ids`` are compared as strings; repeated ids get one name. The stem is the
    id itself where that is safe and unique without regard to case, else
    :func:`safe_stem` plus ``-`` and 8 hex digits of the id's SHA-256.
    """
    texts = list(dict.fromkeys(str(i) for i in ids))
    stems = {t: safe_stem(t) for t in texts}
    taken = Counter(s.casefold() for s in stems.values())
    out = {}
    for text, stem in stems.items():
        if stem != text or taken[stem.casefold()] > 1:
            stem = f"{stem}-{_digest(text)}"
        out[text] = f"{prefix}{stem}{suffix}"
    return out
