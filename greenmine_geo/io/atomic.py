"""Atomic output files: written under a temporary name, renamed when complete.

An interrupted run therefore never leaves a file under its final name that is
only half written. A result directory is complete only when its
``manifest.json`` exists; :func:`clear_stale_manifest` removes the previous
run's manifest before any output is replaced, so a mixture of old and new files
is never mistaken for a finished result.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_output", "clear_stale_manifest"]


@contextlib.contextmanager
def atomic_output(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; rename it to ``final`` on success.

    The temporary name keeps the suffix (drivers such as GPKG infer the format
    from it). On an exception the temporary file is removed and ``final`` is
    left untouched.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.stem}.partial-{os.getpid()}{final.suffix}")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def clear_stale_manifest(out_dir: str | os.PathLike[str]) -> None:
    """Remove ``out_dir/manifest.json`` so that outputs being replaced cannot look complete."""
    Path(out_dir, "manifest.json").unlink(missing_ok=True)
