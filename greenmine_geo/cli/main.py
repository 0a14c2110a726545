"""The ``greenmine`` command group and its entry point.

Every failure is one line on stderr, ``greenmine: error: WHAT; HOW TO FIX``, and
exit status 2 (bad usage or input) or 1 (an unexpected failure, with the exception
type named). A completed check exits 0 whatever its verdicts.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Sequence

import click

from .._version import __version__
from ..errors import GreenmineError, OutputError
from .atlas import maps
from .boundary import convert_boundary
from .checks import check
from .imagery import greening, restoration, review_imagery
from .pipeline import demo_data, run, schema, validate
from .terminal import fail

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="greenmine")
def cli() -> None:
    """Geospatial checks for green-mine supervision in Inner Mongolia."""


for command in (
    check,
    greening,
    restoration,
    review_imagery,
    run,
    convert_boundary,
    maps,
    validate,
    schema,
    demo_data,
):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``greenmine`` console script and ``python -m greenmine_geo``."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="greenmine",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        fail("interrupted; outputs already written are complete, the rest were not started", 130)
    except click.UsageError as exc:
        hint = (
            f" (see: greenmine {exc.ctx.command_path.removeprefix('greenmine ')} --help)"
            if exc.ctx
            else ""
        )
        fail(exc.format_message() + hint)
    except click.ClickException as exc:
        fail(exc.format_message())
    except OutputError as exc:
        fail(str(exc), 1)
    except GreenmineError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted; no partial output was left under a final name", 130)
    except MemoryError:
        fail("out of memory; run on fewer mines at a time or a larger machine", 1)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            fail(
                f"no room to write {exc.filename or 'the outputs'} ({exc.strerror}); free some "
                "space and run again: nothing half-written was left under a final name",
                1,
            )
        fail(f"{exc.strerror or exc} ({exc.filename or ''}); check the path and permissions", 1)
    except Exception as exc:  # a bug, not bad input: still one line, traceback on request
        if os.environ.get("GREENMINE_DEBUG"):
            raise
        fail(
            f"internal error ({type(exc).__name__}: {exc}); please report it with the command "
            "and input files (set GREENMINE_DEBUG=1 for the traceback)",
            1,
        )
