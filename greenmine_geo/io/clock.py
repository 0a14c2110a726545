"""The time a run records: now, or ``SOURCE_DATE_EPOCH`` when outputs must be reproducible.

Outputs hold the time they were made in a few places only, listed in
:data:`RECORDED_TIMES`; everything else an output holds follows from its inputs and
parameters, so two runs on the same inputs write the same bytes apart from these.
Setting ``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds convention,
which matplotlib honours for PDFs too) fixes them as well.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

__all__ = ["RECORDED_TIMES", "now", "today"]

#: Where outputs record when they were made: file name pattern → what holds the time.
RECORDED_TIMES: dict[str, tuple[str, ...]] = {
    "manifest.json": ("finished_utc",),
    "review.json": ("reviewed_utc",),
    "review.html": ("the review's time",),
    "*.gpkg": ("gpkg_contents.last_change",),
    "*.xlsx": ("docProps/core.xml created and modified", "the ZIP members' times"),
    "*.pdf": ("CreationDate",),
    "*.docx": ("docProps/core.xml created and modified", "the ZIP members' times"),
    "maps/print/*": ("the footer's date",),
    "registry/*.json": ("submission", "registered_utc"),
}


def now() -> datetime:
    """The current time (UTC), or ``SOURCE_DATE_EPOCH`` when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)


def today() -> date:
    """Today's date where the run happens, or ``SOURCE_DATE_EPOCH``'s date (UTC) when set."""
    return now().date() if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit() else date.today()
