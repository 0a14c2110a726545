"""The registry of earlier imagery submissions: one JSON file per submission in a directory.

Simple on purpose: reviewers can read, copy and back it up. Entries are written
atomically and never changed. A review that compares and registers holds the
registry's lock (:func:`locked`) from reading to writing, so two reviews at once
neither lose an entry nor miss each other; an entry that cannot be read is reported,
never fatal.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .atomic import atomic_output
from .clock import now
from .lock import output_lock

__all__ = ["add_submission", "locked", "read_submissions"]

#: How long a review waits for another one to release the registry (s).
WAIT_S = 600.0
#: Largest entry read (bytes): an entry is a few hundred bytes.
MAX_ENTRY_BYTES = 1 << 16


@contextlib.contextmanager
def locked(directory: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the registry for one review (waiting up to :data:`WAIT_S` for another)."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    with output_lock(directory, wait_s=WAIT_S):
        yield


def read_submissions(directory: str | os.PathLike[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Every readable entry, oldest first, and a line for each file that is not one."""
    entries, problems = [], []
    for path in sorted(Path(directory).glob("*.json")):
        try:
            if path.stat().st_size > MAX_ENTRY_BYTES:
                raise ValueError(f"{path.stat().st_size:,} bytes")
            entry = json.loads(path.read_text("utf-8"))
            if not (isinstance(entry, dict) and {"pixel_sha256", "phash"} <= entry.keys()):
                raise ValueError("not a submission record")
            int(str(entry["phash"]), 16)
        except (OSError, ValueError) as exc:
            problems.append(f"registry entry {path.name} is unreadable ({exc}); skipped")
            continue
        entries.append(entry)
    return entries, problems


def add_submission(directory: str | os.PathLike[str], entry: dict[str, Any]) -> str:
    """Store a submission; returns its id (UTC time, the first 8 hex digits of its pixel hash,
    and a counter where that is taken). Call it holding :func:`locked`."""
    stamp = now()
    base = f"{stamp:%Y%m%dT%H%M%S%f}-{entry['pixel_sha256'][:8]}"
    ident, k = base, 1
    while (Path(directory) / f"{ident}.json").exists():
        ident, k = f"{base}-{k}", k + 1
    record = {"submission": ident, "registered_utc": stamp.isoformat(timespec="seconds"), **entry}
    with atomic_output(Path(directory) / f"{ident}.json") as tmp:
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), "utf-8")
    return ident
