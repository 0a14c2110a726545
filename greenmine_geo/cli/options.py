"""Options shared by the commands, typed, with defaults and ranges read from the parameter models.

A setting's default, range and help are written once, on its pydantic field
(:mod:`greenmine_geo.config`); :func:`field_option` makes the click option from it.
Options whose text has a syntax (``NAME=PATH``, ``YYYY-MM-DD=PATH``, ``red=3,nir=4``,
``SOIL,VEG``) parse it in a callback that returns the typed value or raises
:class:`click.BadParameter` naming the bad value. :func:`build` turns what the command
received into the step's parameters, reporting a model's refusal as a usage error
that names the option.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

import click
from pydantic import BaseModel, ValidationError

from ..config import StepParams, VectorInputs, assigned_crs
from ..terms import LANGS, Lang
from ..types import StepResult

__all__ = [
    "assign_crs_option",
    "bands_option",
    "build",
    "cache_option",
    "date_option",
    "field_list",
    "field_option",
    "mines_option",
    "out_option",
    "parse_bands",
    "RunOptions",
    "run_options",
    "run_step",
    "step_context",
]

M = TypeVar("M", bound=BaseModel)
P = TypeVar("P", bound=StepParams)
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _help(description: str | None) -> str | None:
    """A field's description as an option's help: a sentence."""
    return f"{description[0].upper()}{description[1:]}." if description else None


def _click_type(annotation: Any, metadata: list[Any]) -> Any:
    """The click type of a field: ranges from its bounds, choices from its literals."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (types.UnionType, typing.Union) and len(args) == 1:
        annotation = args[0]
    if typing.get_origin(annotation) is Literal:
        return click.Choice([str(v) for v in typing.get_args(annotation)])
    bounds: dict[str, Any] = {}
    for m in metadata:  # pydantic's constraint objects (Ge, Gt, Le, Lt) carry one bound each
        if hasattr(m, "ge"):
            bounds["min"] = m.ge
        elif hasattr(m, "gt"):
            bounds.update(min=m.gt, min_open=True)
        elif hasattr(m, "le"):
            bounds["max"] = m.le
        elif hasattr(m, "lt"):
            bounds.update(max=m.lt, max_open=True)
    if annotation is float:
        return click.FloatRange(**bounds) if bounds else float
    if annotation is int:
        return click.IntRange(**bounds) if bounds else int
    return str


def field_option(model: type[BaseModel], name: str, *decls: str, **overrides: Any) -> Decorator:
    """A click option for the model field ``name``: its default, range and help."""
    f = model.model_fields[name]
    default = None if f.is_required() else f.get_default(call_default_factory=True)
    if f.annotation is bool:
        flag = _flag(name)
        return click.option(
            f"{flag}/--no-{flag[2:]}",
            name,
            default=default,
            show_default=True,
            help=_help(f.description),
        )
    kwargs: dict[str, Any] = {
        "type": _click_type(f.annotation, f.metadata),
        "default": default,
        "required": f.is_required(),
        "show_default": default is not None,
        "help": _help(f.description),
    }
    if typing.get_origin(f.annotation) is Literal and default is not None:
        kwargs["default"] = str(default)
    kwargs.update(overrides)
    return click.option(*(decls or (_flag(name),)), name, **kwargs)


def parse_bands(text: str | None, names: Sequence[str]) -> dict[str, int] | None:
    """``red=3,nir=4[,…]`` → ``{"red": 3, …}`` (1-based band numbers); ``names`` are allowed."""
    if not text:
        return None
    out: dict[str, int] = {}
    for part in text.split(","):
        name, sep, num = part.partition("=")
        name = name.strip().lower()
        if not sep or name not in names or not num.strip().isdigit() or int(num) < 1:
            raise click.BadParameter(
                f"{text!r}: each item is NAME=BAND with NAME one of {', '.join(names)} and "
                "BAND ≥ 1, e.g. red=3,nir=4"
            )
        out[name] = int(num)
    return out


def bands_option(model: type[BaseModel], names: Sequence[str], help: str) -> Decorator:
    """``--bands NAME=N,…``: default from the model's ``bands`` field (None: inferred)."""
    default = model.model_fields["bands"].get_default(call_default_factory=True)
    text = ",".join(f"{k}={v}" for k, v in default.items()) if default else None
    return click.option(
        "--bands",
        "bands",
        default=text,
        show_default=text is not None,
        metavar=",".join(f"{n}=N" for n in names),
        callback=lambda _c, _p, v: parse_bands(v, names),
        help=help,
    )


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


def field_list(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[str] | None:
    """``A,B,C`` (commas ASCII or full-width) → ``["A", "B", "C"]``; None when not given."""
    if value is None:
        return None
    names = [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
    if not names:
        raise click.BadParameter(f"{value!r}: give field names separated by commas")
    return names


def date_option(model: type[BaseModel], name: str) -> Decorator:
    """An ISO date option (``YYYY-MM-DD``) for a model's date field."""
    help = _help(model.model_fields[name].description)
    return click.option(_flag(name), name, callback=_date, metavar="YYYY-MM-DD", help=help)


def mines_option(help: str, *, multiple: bool = True, required: bool = True) -> Decorator:
    """``--mines PATH[:LAYER]``: mine boundaries (repeatable where a step takes several)."""
    return click.option("--mines", "mines", multiple=multiple, required=required, help=help)


out_option = click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory.",
)
assign_crs_option = field_option(VectorInputs, "assign_crs", metavar="EPSG:NNNN")
progress_option = click.option(
    "--progress/--no-progress",
    default=True,
    help="Show a progress bar for long jobs (stderr, on a terminal).",
)
cache_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where prepared layers are cached (default $GREENMINE_CACHE_DIR or ~/.cache/greenmine-geo).",
)


@dataclass(frozen=True)
class RunOptions:
    """How a command runs and reports: its output directory, the workbook's language,
    whether a progress bar is drawn, and how much is logged (``quiet``/``verbose``).
    ``out_dir`` is None for a command that names its output otherwise (``run``)."""

    out_dir: Path | None
    lang: Lang = "zh"
    progress: bool = True
    quiet: bool = False
    verbose: bool = False
    out_db: str | None = None
    out_schema: str = "greenmine"


def run_options(out: bool = True) -> Decorator:
    """``--out`` (when ``out``), ``--lang``, ``--progress/--no-progress``, ``-q/--quiet`` and
    ``-v/--verbose``, handed to the command as one :class:`RunOptions` named ``opts``
    (logging is set up from them before the command runs)."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def command(
            lang: Lang,
            progress: bool,
            quiet: bool,
            verbose: bool,
            out_db: str | None,
            out_schema: str,
            **values: Any,
        ) -> Any:
            if quiet and verbose:
                raise click.UsageError("give --quiet or --verbose, not both")
            from .terminal import configure_logging

            configure_logging(quiet=quiet, verbose=verbose)
            if out_db is not None:  # refused before any work, not after it
                from ..io.postgis import parse_postgis_url

                if parse_postgis_url(out_db, what="--out-db").table is not None:
                    raise click.BadParameter("--out-db names a table; give the database only")
            out_dir = values.pop("out_dir") if out else None
            opts = RunOptions(
                out_dir, lang, progress and not quiet, quiet, verbose, out_db, out_schema
            )
            return f(opts=opts, **values)

        for option in (
            *((out_option,) if out else ()),
            click.option(
                "--lang",
                type=click.Choice(LANGS),
                default="zh",
                show_default=True,
                help="Language of the workbook's sheets, headers and verdict words (CSV "
                "columns keep their names).",
            ),
            click.option(
                "--out-db",
                metavar="postgresql://USER@HOST/DB",
                default=None,
                help="Also write the result's tables into this PostGIS database, in one "
                "transaction (password from PGPASSWORD or ~/.pgpass).",
            ),
            click.option(
                "--out-schema",
                default="greenmine",
                show_default=True,
                help="The database schema for --out-db; tables are named "
                "<output directory>_<table>.",
            ),
            progress_option,
            click.option(
                "-q",
                "--quiet",
                is_flag=True,
                help="Print errors only (no progress, "
                "headline or warnings; warnings stay in the manifest).",
            ),
            click.option(
                "-v",
                "--verbose",
                is_flag=True,
                help="Also log every input read "
                "(format, CRS, features, findings) and every stage, on stderr.",
            ),
        ):
            command = option(command)
        return command

    return decorate


def step_context(opts: RunOptions, *, cache_dir: Path | None = None, **context: Any) -> Any:
    """The context a command runs its step in (a progress bar on a terminal when asked);
    use it as ``with step_context(opts) as ctx:`` so the output directory is released.
    ``context``: other :class:`~greenmine_geo.steps.skeleton.StepContext` fields."""
    from ..steps.skeleton import StepContext
    from .terminal import TqdmProgress

    assert opts.out_dir is not None, "a step command has --out"
    ctx = StepContext(
        opts.out_dir,
        progress=TqdmProgress(opts.progress),
        lang=opts.lang,
        out_db=opts.out_db,
        out_schema=opts.out_schema,
        **context,
    )
    if cache_dir is not None:
        ctx.cache_dir = cache_dir
    return ctx


def run_step(
    run: Callable[[P, Any], StepResult], params: P, opts: RunOptions, **context: Any
) -> None:
    """Run a step (``run(params, ctx)``) in its context (:func:`step_context`'s ``context``
    options) and print its headline and warnings."""
    from .terminal import echo_result

    with step_context(opts, assign_crs=assigned_crs(params), **context) as ctx:
        echo_result(ctx.out_dir, run(params, ctx))


def build(model: type[M], **values: Any) -> M:
    """The step's parameters from what the command received (None means "not given").

    Raises
    ------
    click.UsageError
        The model refuses a value; the message names the option and says why.
    """
    given = {k: v for k, v in values.items() if v is not None}
    try:
        return model(**given)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            where = _flag(str(e["loc"][0])) + ": " if e["loc"] else ""
            problems.append(where + str(e["msg"]).removeprefix("Value error, "))
        raise click.UsageError("; ".join(problems)) from None
