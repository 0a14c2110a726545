"""What a pipeline step reports back to its caller (CLI, pipeline runner, notebook)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["StepOutcome"]


@dataclass
class StepOutcome:
    """A step's outputs, a summary of counts, warnings, and its result object for notebooks."""

    out_dir: Path
    outputs: list[Path]
    summary: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    result: Any = None
