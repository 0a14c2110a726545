"""What the command line shows: a progress bar, a line per result, one line per error."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from ..types import StepResult

__all__ = ["TqdmProgress", "configure_logging", "echo_result", "fail"]

PACKAGE = "greenmine_geo"


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
        logging.getLogger(PACKAGE).info(label)
        if self.bar is not None:
            self.bar.set_postfix_str(label, refresh=False)
            self.bar.update(1)

    def note(self, label: str) -> None:
        logging.getLogger(PACKAGE).info(label)
        if self.bar is not None:
            self.bar.set_postfix_str(label)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _Lines(logging.Formatter):
    """``warning: …`` for warnings, the message alone below them (``-v``)."""

    def format(self, record: logging.LogRecord) -> str:
        text = " ".join(record.getMessage().split())
        return f"{record.levelname.lower()}: {text}" if record.levelno >= logging.WARNING else text


def configure_logging(*, quiet: bool = False, verbose: bool = False) -> None:
    """Log the package's messages on stderr: warnings (default), errors only (``quiet``) or
    also each input read and stage (``verbose``). Called once per command."""
    logger = logging.getLogger(PACKAGE)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Lines())
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING)


def _shown(path: Path) -> str:
    """``path`` relative to the working directory, or whole where it cannot be (on Windows,
    another drive)."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def echo_result(out_dir: Path, result: StepResult) -> None:
    """``DIR: headline`` on stdout (not with ``--quiet``), then each warning, logged."""
    logger = logging.getLogger(PACKAGE)
    if logger.isEnabledFor(logging.WARNING):
        click.echo(f"{_shown(out_dir)}: {result.headline()}")
    for w in result.warnings:
        logger.warning(w)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``greenmine: error: MESSAGE`` as one line on stderr and exit with ``code``."""
    click.echo(f"greenmine: error: {' '.join(message.split())}", err=True)
    sys.exit(code)
