"""What the command line shows: a progress bar, a line per result, one line per error."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from ..types import StepResult

__all__ = ["TqdmProgress", "echo_result", "fail"]


class TqdmProgress:
    """A progress bar on stderr that appears only for jobs longer than two seconds."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def start(self, total: int, description: str) -> None:
        if self.enabled:
            from tqdm import tqdm

            # disable=None: silent when stderr is not a terminal (CI logs, pipes)
            self.bar = tqdm(
                total=total, desc=description, delay=2, file=sys.stderr, leave=False, disable=None
            )

    def advance(self, label: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(label, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _shown(path: Path) -> str:
    """``path`` relative to the working directory, or whole where it cannot be (on Windows,
    another drive)."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def echo_result(out_dir: Path, result: StepResult) -> None:
    """``DIR: headline`` on stdout, then each warning on stderr."""
    click.echo(f"{_shown(out_dir)}: {result.headline()}")
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``greenmine: error: MESSAGE`` as one line on stderr and exit with ``code``."""
    click.echo(f"greenmine: error: {' '.join(message.split())}", err=True)
    sys.exit(code)
