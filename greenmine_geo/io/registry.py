"""The registry of earlier imagery submissions: one JSON file per submission in a directory.

Simple on purpose: reviewers can read, copy and back it up; entries are written
atomically and never changed.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .atomic import atomic_output

__all__ = ["add_submission", "read_submissions"]


def read_submissions(directory: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every readable entry, oldest first; unreadable files are skipped."""
    out = []
    for path in sorted(Path(directory).glob("*.json")):
        try:
            entry = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(entry, dict) and "pixel_sha256" in entry and "phash" in entry:
            out.append(entry)
    return out


def add_submission(directory: str | os.PathLike[str], entry: dict[str, Any]) -> str:
    """Store a submission; returns its id (UTC time and the first 8 hex digits of its pixel hash)."""
    now = datetime.now(UTC)
    ident = f"{now:%Y%m%dT%H%M%S%f}-{entry['pixel_sha256'][:8]}"
    record = {"submission": ident, "registered_utc": now.isoformat(timespec="seconds"), **entry}
    with atomic_output(Path(directory) / f"{ident}.json") as tmp:
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), "utf-8")
    return ident
