"""The atlas's slow parts (print maps, PDF documents) drawn by one worker process per core.

Workers come from the fork server, or by spawn where there is none (never a plain fork
of this process, see :func:`~greenmine_geo.io.portable.process_context`); each gets an
interleaved share of the jobs, about 8 each, and the progress advances as each share is
done. A worker stops as soon as the run that asked for the atlas is gone.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from ..io.portable import process_context
from ..progress import Progress

__all__ = ["in_workers"]

J = TypeVar("J")
#: Jobs per share: few enough for the progress to move, many enough to pay for the process.
_SHARE = 8


def _run_alive() -> bool:
    """Whether the run that asked still runs: this process, or a worker's parent (watched
    through the sentinel multiprocessing gives every child, on every system)."""
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


def _share(fn: Callable[..., list[Path]], args: tuple[Any, ...], jobs: Sequence[J]) -> list[Path]:
    """``fn(*args, [job])`` for each job of a share, while the run that asked is alive."""
    written: list[Path] = []
    for job in jobs:
        if not _run_alive():
            break
        written += fn(*args, [job])
    return written


def in_workers(
    fn: Callable[..., list[Path]],
    args: tuple[Any, ...],
    jobs: list[J],
    progress: Progress,
    what: str,
    unit: str,
) -> list[Path]:
    """Run ``fn(*args, jobs_share)`` over ``jobs`` in worker processes (in this process when
    there are few jobs, one core, or no safe way to start workers); returns every file the
    calls wrote, sorted. ``fn`` and ``args`` must pickle. The progress shows ``what`` is
    done and counts the files written in ``unit`` ("print-map files")."""
    workers = min(os.cpu_count() or 1, 4, max(len(jobs) // _SHARE, 1))
    context = process_context()
    n = max(workers, min(len(jobs) // _SHARE, _SHARE * workers)) if workers > 1 else 1
    shares = [jobs[k::n] for k in range(n)]
    progress.start(len(shares), what)
    written: list[Path] = []
    if workers == 1 or context is None:
        for share in shares:
            written += _share(fn, args, share)
            progress.advance(f"{len(written)} {unit}")
    else:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            for part in pool.map(_share, [fn] * n, [args] * n, shares):
                written += part
                progress.advance(f"{len(written)} {unit}")
    progress.close()
    return sorted(written)
