"""An output directory a run owns while it writes: locked, cleared of the last run, journalled.

When a run starts writing into a directory (:meth:`OutputDir.open`):

* it takes the directory's lock (:mod:`.lock`): a second run into it is refused;
* the previous run's ``manifest.json`` goes first, so nothing there looks complete;
* what the previous run wrote goes too, as its manifest and its journal list it, and
  any ``.partial`` file an interrupted run left: a rerun killed midway leaves its own
  files only, never the previous run's later ones beside them;
* each file written is added to the journal (``.greenmine-outputs``) as it lands, so
  the next run knows what this one wrote even if it was killed before its manifest.

Only files inside the directory are ever removed, whatever a manifest or journal says.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from .atomic import clear_stale_manifest
from .lock import output_lock

__all__ = ["JOURNAL", "OutputDir"]

JOURNAL = ".greenmine-outputs"


class OutputDir:
    """The directory one run writes into (see the module docstring).

    ``manifest``: whether the run ends with its own ``manifest.json`` there (the atlas,
    which writes into a run's root beside the run's manifest, does not).
    """

    def __init__(self, path: str | os.PathLike[str], *, manifest: bool = True) -> None:
        self.path = Path(path)
        self.manifest = manifest
        self._lock: contextlib.ExitStack | None = None

    @property
    def is_open(self) -> bool:
        return self._lock is not None

    def open(self) -> None:
        """Lock the directory and clear what the previous run left (once)."""
        if self._lock is not None:
            return
        stack = contextlib.ExitStack()
        stack.enter_context(output_lock(self.path))
        self._lock = stack
        if self.manifest:
            clear_stale_manifest(self.path)
        for old in self._previous_outputs():
            old.unlink(missing_ok=True)
        (self.path / JOURNAL).write_text("", "utf-8")

    def record(self, written: Path) -> None:
        """Journal a file that has just been written."""
        with open(self.path / JOURNAL, "a", encoding="utf-8") as fh:
            fh.write(Path(written).resolve().relative_to(self.path.resolve()).as_posix() + "\n")

    def close(self) -> None:
        """Release the lock (the journal stays: the next run reads it)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _inside(self, relative: str) -> Path | None:
        root = self.path.resolve()
        target = (root / relative).resolve()
        return target if target != root and root in target.parents else None

    def _previous_outputs(self) -> list[Path]:
        """What the last run wrote here (journal, manifest) and partial files, inside only."""
        listed: list[str] = []
        journal = self.path / JOURNAL
        if journal.is_file():
            listed += journal.read_text("utf-8", errors="replace").splitlines()
        manifest = self.path / "manifest.json"
        if self.manifest and manifest.is_file():
            with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
                record = json.loads(manifest.read_text("utf-8"))
                listed += [str(o["path"]) for o in record.get("outputs", [])]
        found = [p for p in map(self._inside, listed) if p is not None and p.is_file()]
        found += [p for p in self.path.rglob(".*.partial-*") if p.is_file()]
        return found
