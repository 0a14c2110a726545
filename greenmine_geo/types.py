"""The words results are made of, and what every step's result can do.

Verdicts, contacts, check and zone statuses, severities and effects are
:class:`~enum.StrEnum` members whose value is the spelling written in CSV, JSON and
GeoPackage outputs, so ``Verdict.FAIL == "FAIL"`` and a table read back compares equal
to the enum. Code names the member; files keep the value.

:class:`StepResult` is what each step returns: a typed result that summarises
itself, writes its files into a directory and reads them back.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

__all__ = [
    "BINDING_EFFECTS",
    "CheckStatus",
    "Contact",
    "Effect",
    "Severity",
    "StepResult",
    "Verdict",
    "ZoneStatus",
]


class Verdict(StrEnum):
    """A mine's prerequisite verdict, best first (a mine gets the worst its rules give)."""

    PASS = "PASS"
    REVIEW = "REVIEW"
    EXEMPT = "EXEMPT"
    FAIL = "FAIL"

    @property
    def rank(self) -> int:
        """Position from best (0) to worst."""
        return list(Verdict).index(self)


class Contact(StrEnum):
    """How a mine meets the red line (see :func:`greenmine_geo.overlay.contact_with`)."""

    CLEAR = "clear"
    TOUCHING = "touching"
    OVERLAPPING = "overlapping"


class Effect(StrEnum):
    """What an overlap piece does to its mine's verdict (the ``effect`` column of conflicts)."""

    FAIL = "FAIL"
    REVIEW = "REVIEW"
    REPORT = "report"  # measured and reported, verdict unchanged
    SLIVER = "sliver"  # narrower than twice the contact tolerance: rounding, not an overlap
    LOCATE = "locate"  # a zone or block the mine lies in


#: Effects of pieces that decide a verdict (drawn and listed as conflicts).
BINDING_EFFECTS = (Effect.FAIL, Effect.REVIEW)


class CheckStatus(StrEnum):
    """One line of the imagery review checklist, best first."""

    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"


class ZoneStatus(StrEnum):
    """A restoration zone against its plan (see :mod:`greenmine_geo.imagery.restoration`)."""

    DONE = "done"
    ON_TRACK = "on_track"
    LAGGING = "lagging"
    NOT_STARTED = "not_started"
    INSUFFICIENT_DATA = "insufficient_data"


class Severity(StrEnum):
    """How much a finding about an input file matters."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class StepResult:
    """Base of every step's result.

    Subclasses are dataclasses that set :attr:`command` (the manifest's ``command``,
    which tells a results directory's steps apart) and implement :meth:`summary`,
    :meth:`write` and a classmethod ``read(out_dir)`` that rebuilds the result from
    what :meth:`write` and the step's manifest hold.
    """

    command: ClassVar[str]
    warnings: list[str]

    def summary(self) -> dict[str, int]:
        """Counts that say what the step found (printed, and kept in the run's manifest)."""
        raise NotImplementedError

    def headline(self) -> str:
        """One line for the terminal: the summary's counts."""
        return ", ".join(f"{k} {v}" for k, v in self.summary().items())

    def write(self, out_dir: Path) -> list[Path]:
        """Write the result's files into ``out_dir``, each atomically; return their paths."""
        raise NotImplementedError

    def tables(self) -> dict[str, Any]:
        """The result's tables (name → DataFrame or GeoDataFrame in EQUAL_AREA or EPSG:4490)
        for the workbook and a database; empty when the result has none."""
        return {}

    def manifest_record(self) -> dict[str, Any]:
        """What the manifest keeps besides inputs and outputs; a ``parameters`` entry is
        merged into the step's parameters (e.g. the end-members a scene gave)."""
        return {}
