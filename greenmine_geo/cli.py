"""The ``greenmine`` command line: parses options, calls the package, prints one-line errors.

Every failure is one line on stderr, ``greenmine: error: WHAT; HOW TO FIX``, and
exit status 2 (bad usage or input) or 1 (an unexpected failure, with the
exception type named). A completed check exits 0 whatever its verdicts.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .errors import GreenmineError

__all__ = ["main"]


class _TqdmProgress:
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


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"greenmine: error: {' '.join(message.split())}", err=True)
    sys.exit(code)


def _layer_option(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, str]:
    layers: dict[str, str] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise click.BadParameter(f"{value!r} is not NAME=PATH (e.g. landuse=data/landuse.gpkg)")
        if name in layers or name == "redline":
            raise click.BadParameter(f"layer name {name!r} is given twice; give each layer once")
        layers[name] = path
    return layers


_out_option = click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory.",
)
_progress_option = click.option(
    "--progress/--no-progress", default=True, help="Show a progress bar for long jobs (stderr)."
)
_cache_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where prepared layers are cached (default $GREENMINE_CACHE_DIR or ~/.cache/greenmine-geo).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="greenmine")
def cli() -> None:
    """Geospatial checks for green-mine supervision in Inner Mongolia."""


@cli.group()
def check() -> None:
    """Overlay checks."""


@check.command("prerequisite")
@click.option(
    "--mines",
    "mines",
    multiple=True,
    required=True,
    help="Mine boundaries (PATH or PATH:LAYER); repeat for several files in different CRSs.",
)
@click.option("--id-field", required=True, help="Field holding the mine id.")
@click.option("--redline", required=True, help="Ecological protection red-line layer.")
@click.option(
    "--layer",
    "layers",
    multiple=True,
    callback=_layer_option,
    metavar="NAME=PATH",
    help="Another layer: landuse, farmland, nature_reserve, grassland, forest, key_zones, "
    "exploration_blocks, mining_blocks, admin, or any name (reported only).",
)
@click.option(
    "--exemptions",
    type=click.Path(dir_okay=False),
    default=None,
    help="CSV: mine_id, reason, document[, layer].",
)
@click.option(
    "--tolerance-m",
    type=click.FloatRange(min=0, min_open=True, max=10),
    default=0.05,
    show_default=True,
    help="Contact tolerance in metres.",
)
@click.option(
    "--boundary-datum",
    type=click.Choice(["cgcs2000"]),
    default=None,
    help="Datum of corner-point --mines files that do not declare one (others: convert-boundary).",
)
@_out_option
@_cache_option
@_progress_option
def check_prerequisite(
    mines: tuple[str, ...],
    id_field: str,
    redline: str,
    layers: dict[str, str],
    exemptions: str | None,
    tolerance_m: float,
    boundary_datum: str | None,
    out_dir: Path,
    cache_dir: Path | None,
    progress: bool,
) -> None:
    """Check mining areas against the red line and planning layers (先决条件: 矿区范围)."""
    from .config import LayerSpec, PrerequisiteParams
    from .steps.prerequisite import run_prerequisite

    params = PrerequisiteParams(
        mines=list(mines),
        id_field=id_field,
        redline=redline,
        layers={k: LayerSpec(path=v) for k, v in layers.items()},
        exemptions=exemptions,
        tolerance_m=tolerance_m,
        boundary_datum=boundary_datum,  # type: ignore[arg-type]
    )
    outcome = run_prerequisite(
        params, out_dir, cache_dir=cache_dir, progress=_TqdmProgress(progress)
    )
    _report(outcome)


def _report(outcome: Any) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in outcome.summary.items())
    click.echo(f"{os.path.relpath(outcome.out_dir)}: {counts}")
    for w in outcome.warnings:
        click.echo(f"warning: {w}", err=True)


@cli.command()
@click.option(
    "--mines",
    "mines",
    multiple=True,
    required=True,
    help="Mine boundaries (PATH or PATH:LAYER); repeatable.",
)
@click.option("--id-field", required=True, help="Field holding the mine id.")
@click.option(
    "--image", required=True, type=click.Path(path_type=Path), help="Multispectral image (GeoTIFF)."
)
@click.option(
    "--non-greenable", default=None, help="Pits, buildings, hardened ground, roads: not greenable."
)
@click.option(
    "--bands",
    default="red=3,nir=4",
    show_default=True,
    metavar="red=R,nir=N",
    help="Band numbers (1-based).",
)
@click.option(
    "--index",
    "index",
    type=click.Choice(["ndvi", "savi", "msavi2"]),
    default="ndvi",
    show_default=True,
)
@click.option(
    "--min-patch-m2",
    type=click.FloatRange(min=0),
    default=400.0,
    show_default=True,
    help="Smallest bare patch that counts (m²).",
)
@click.option("--vegetated-fvc", type=click.FloatRange(0, 1), default=0.3, show_default=True)
@click.option("--bare-fvc", type=click.FloatRange(0, 1), default=0.1, show_default=True)
@click.option(
    "--reference-ring-m",
    type=click.FloatRange(min=0, min_open=True),
    default=500.0,
    show_default=True,
)
@click.option(
    "--end-members",
    default=None,
    metavar="SOIL,VEG",
    help="FVC end-members (index values of bare soil and full vegetation) instead of scene percentiles.",
)
@click.option(
    "--end-member-areas",
    default=None,
    help="Polygons with a 'cover' field (soil / vegetation): end-members = their median index.",
)
@click.option(
    "--figures/--no-figures", default=True, show_default=True, help="Write a PNG per mine."
)
@_out_option
def greening(
    mines: tuple[str, ...],
    id_field: str,
    image: Path,
    non_greenable: str | None,
    bands: str,
    index: str,
    min_patch_m2: float,
    vegetated_fvc: float,
    bare_fvc: float,
    reference_ring_m: float,
    end_members: str | None,
    end_member_areas: str | None,
    figures: bool,
    out_dir: Path,
) -> None:
    """Greening coverage of each mine's greenable area from one image (indicator 6)."""
    from .imagery.greening import GreeningSettings
    from .steps.greening import run_greening
    from .steps.review import parse_bands

    parsed = parse_bands(bands) or {}
    if not {"red", "nir"} <= parsed.keys():
        raise click.BadParameter("--bands needs red= and nir=")
    settings = GreeningSettings(
        bands={k: parsed[k] for k in ("red", "nir")},
        index=index,
        vegetated_fvc=vegetated_fvc,
        bare_fvc=bare_fvc,
        min_patch_m2=min_patch_m2,
        reference_ring_m=reference_ring_m,
        end_members=_end_members(end_members) if end_members else None,
    )
    if end_members and end_member_areas:
        raise click.BadParameter("give --end-members or --end-member-areas, not both")
    outcome = run_greening(
        list(mines),
        id_field,
        image,
        out_dir,
        non_greenable=non_greenable,
        end_member_areas=end_member_areas,
        settings=settings,
        figures=figures,
    )
    _report(outcome)


def _dated_image(value: str) -> tuple[date, str]:
    """``YYYY-MM-DD=PATH`` → (date, path)."""
    day, sep, path = value.partition("=")
    try:
        if not sep or not path:
            raise ValueError
        return date.fromisoformat(day.strip()), path.strip()
    except ValueError:
        raise click.BadParameter(
            f"--image {value!r}: give the acquisition date and the file as YYYY-MM-DD=PATH"
        ) from None


@cli.command()
@click.option("--zones", required=True, help="Restoration zones (PATH or PATH:LAYER).")
@click.option("--id-field", required=True, help="Field holding the zone id.")
@click.option(
    "--image",
    "images",
    multiple=True,
    required=True,
    metavar="YYYY-MM-DD=PATH",
    help="A dated multispectral image; repeat for the series (any CRS and resolution).",
)
@click.option(
    "--mines", default=None, help="Licensed boundaries: search around them for new bare ground."
)
@click.option("--mine-id-field", default=None, help="Field holding the mine id (with --mines).")
@click.option(
    "--non-greenable", default=None, help="Known non-greenable land, left out of rings and bands."
)
@click.option(
    "--plan-table", default=None, help="CSV zone_id, year, target_fvc: a year-by-year plan."
)
@click.option(
    "--bands",
    default="red=3,nir=4",
    show_default=True,
    metavar="red=R,nir=N[,blue=B]",
    help="Band numbers (1-based); with blue, unmasked clouds are detected too.",
)
@click.option(
    "--index",
    "index",
    type=click.Choice(["ndvi", "savi", "msavi2"]),
    default="ndvi",
    show_default=True,
)
@click.option("--zone-type-field", default="zone_type", show_default=True)
@click.option("--start-year-field", default="start_year", show_default=True)
@click.option("--target-fvc-field", default="target_fvc", show_default=True)
@click.option("--target-year-field", default="target_year", show_default=True)
@click.option(
    "--min-valid-pct",
    type=click.FloatRange(0, 100),
    default=80.0,
    show_default=True,
    help="Dates with less of a zone valid are left out.",
)
@click.option(
    "--hold",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Consecutive years for Y2R and 'done'.",
)
@click.option(
    "--band-m",
    type=click.FloatRange(min=0, min_open=True),
    default=500.0,
    show_default=True,
    help="Band searched around each mine (m).",
)
@click.option(
    "--min-patch-m2",
    type=click.FloatRange(min=0),
    default=400.0,
    show_default=True,
    help="Smallest new bare patch reported (m²).",
)
@click.option(
    "--reference-ring-m",
    type=click.FloatRange(min=0, min_open=True),
    default=500.0,
    show_default=True,
)
@click.option(
    "--charts/--no-charts", default=True, show_default=True, help="Write a PNG chart per zone."
)
@_out_option
def restoration(
    zones: str,
    id_field: str,
    images: tuple[str, ...],
    mines: str | None,
    mine_id_field: str | None,
    non_greenable: str | None,
    plan_table: str | None,
    bands: str,
    index: str,
    zone_type_field: str,
    start_year_field: str,
    target_fvc_field: str,
    target_year_field: str,
    min_valid_pct: float,
    hold: int,
    band_m: float,
    min_patch_m2: float,
    reference_ring_m: float,
    charts: bool,
    out_dir: Path,
) -> None:
    """Restoration of zones over a time series (indicators 38-41), and new bare ground past mine boundaries."""
    from .steps.restoration import RestorationSettings, ZoneFields, run_restoration
    from .steps.review import parse_bands

    parsed = parse_bands(bands) or {}
    if not {"red", "nir"} <= parsed.keys():
        raise click.BadParameter("--bands needs red= and nir=")
    settings = RestorationSettings(
        bands={k: parsed[k] for k in ("red", "nir", "blue") if k in parsed},
        index=index,
        reference_ring_m=reference_ring_m,
        min_valid_pct=min_valid_pct,
        hold=hold,
        band_m=band_m,
        min_patch_m2=min_patch_m2,
    )
    outcome = run_restoration(
        zones,
        id_field,
        [_dated_image(v) for v in images],
        out_dir,
        mines=mines,
        mine_id_field=mine_id_field,
        non_greenable=non_greenable,
        plan_table=plan_table,
        fields=ZoneFields(zone_type_field, start_year_field, target_fvc_field, target_year_field),
        settings=settings,
        charts=charts,
    )
    _report(outcome)


def _end_members(value: str) -> tuple[float, float]:
    """``SOIL,VEG`` → (soil, veg), checked to be two numbers with soil below veg."""
    try:
        soil, veg = (float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(
            f"--end-members {value!r}: give two numbers SOIL,VEG, e.g. 0.08,0.75"
        ) from None
    if not soil < veg:
        raise click.BadParameter(
            f"--end-members {value!r}: the soil value must be below the vegetation value"
        )
    return soil, veg


def _iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


@cli.command("review-imagery")
@click.argument("image", type=click.Path(path_type=Path))
@click.option("--mines", required=True, help="Mine boundaries (PATH or PATH:LAYER).")
@click.option("--id-field", required=True, help="Field holding the mine id.")
@click.option("--mine-id", required=True, help="The mine the image is submitted for.")
@click.option(
    "--bands",
    default=None,
    metavar="red=R,nir=N[,green=G,blue=B]",
    help="Band numbers (1-based); default from band descriptions, else blue, green, red, NIR.",
)
@click.option(
    "--acquired",
    callback=_iso_date,
    default=None,
    metavar="YYYY-MM-DD",
    help="Acquisition date the applicant declares.",
)
@click.option(
    "--registry",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of earlier submissions to compare with; this one is added to it.",
)
@click.option(
    "--buffer-m",
    type=click.FloatRange(min=0),
    default=100.0,
    show_default=True,
    help="The image must cover the mine plus this buffer (m).",
)
@click.option(
    "--max-resolution-m",
    type=click.FloatRange(min=0, min_open=True),
    default=2.0,
    show_default=True,
    help="Coarsest acceptable pixel size (m).",
)
@click.option(
    "--review-from",
    callback=_iso_date,
    default=None,
    metavar="YYYY-MM-DD",
    help="Start of the review window (default: 1 January of the previous year).",
)
@click.option(
    "--review-to",
    callback=_iso_date,
    default=None,
    metavar="YYYY-MM-DD",
    help="End of the review window (default: today).",
)
@_out_option
def review_imagery(
    image: Path,
    mines: str,
    id_field: str,
    mine_id: str,
    bands: str | None,
    acquired: date | None,
    registry: Path | None,
    buffer_m: float,
    max_resolution_m: float,
    review_from: date | None,
    review_to: date | None,
    out_dir: Path,
) -> None:
    """Review a submitted image for a mine: PASS/WARN/FAIL per check, in review.json and review.html."""
    from .imagery.review import ReviewSettings, default_window
    from .steps.review import parse_bands, run_review

    window_from, window_to = default_window(date.today())
    settings = ReviewSettings(
        review_from=review_from or window_from,
        review_to=review_to or window_to,
        buffer_m=buffer_m,
        max_resolution_m=max_resolution_m,
    )
    outcome = run_review(
        image,
        mines,
        id_field,
        mine_id,
        out_dir,
        bands=parse_bands(bands),
        acquired=acquired,
        registry=registry,
        settings=settings,
    )
    failed = [c.id for c in outcome.checks if c.status != "PASS"]
    click.echo(
        f"{os.path.relpath(outcome.out_dir)}: {outcome.overall}"
        + (f" ({', '.join(failed)})" if failed else "")
    )


@cli.command()
@click.argument("pipeline", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory (default: the pipeline's out, else out/<name>).",
)
@_cache_option
@_progress_option
def run(pipeline: Path, out_dir: Path | None, cache_dir: Path | None, progress: bool) -> None:
    """Run a pipeline file."""
    from .pipeline import run_pipeline_file

    for outcome in run_pipeline_file(
        pipeline, out_dir, cache_dir=cache_dir, progress=_TqdmProgress(progress)
    ):
        _report(outcome)


@cli.command("convert-boundary")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output GeoPackage (.gpkg).",
)
@click.option(
    "--datum",
    type=click.Choice(["cgcs2000", "xian80", "beijing54"]),
    default=None,
    help="Datum of files that do not declare one (corner lists, mining-right strings).",
)
@click.option(
    "--zone",
    type=click.IntRange(13, 45),
    default=None,
    help="GK zone of files without zone-prefixed eastings or 带号.",
)
@click.option(
    "--zone-width",
    type=click.Choice(["3", "6"]),
    default=None,
    help="3° or 6° zones, when neither the file nor the zone number says.",
)
@click.option(
    "--towgs84",
    default=None,
    metavar="DX,DY,DZ,RX,RY,RZ,PPM",
    help="Your survey's 7 parameters from Xi'an 1980 / Beijing 1954 to CGCS2000 (m, arc-seconds, ppm).",
)
def convert_boundary(
    files: tuple[Path, ...],
    out_file: Path,
    datum: str | None,
    zone: int | None,
    zone_width: str | None,
    towgs84: str | None,
) -> None:
    """Corner-point boundary files (拐点坐标: TXT, CSV/XLSX, mining-right strings) → checked polygons."""
    from .checks.boundary import ConversionOptions
    from .steps.convert import convert_boundaries

    params = None
    if towgs84:
        try:
            params = tuple(float(v) for v in towgs84.split(","))
        except ValueError:
            params = ()
        if len(params) != 7:
            raise click.BadParameter(f"--towgs84 {towgs84!r}: give 7 numbers dx,dy,dz,rx,ry,rz,ppm")
    options = ConversionOptions(datum, zone, int(zone_width) if zone_width else None, params)
    _report(convert_boundaries(list(files), out_file, options))


@cli.command()
@click.option(
    "--results",
    "results_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A results directory (the --out of greenmine run).",
)
@_out_option
def maps(results_dir: Path, out_dir: Path) -> None:
    """Interactive maps (province and each league/city, offline) and an index page."""
    from .steps.maps import run_maps

    if not results_dir.is_dir():
        raise click.BadParameter(f"--results {results_dir} is not a directory")
    _report(run_maps(results_dir, out_dir))


@cli.command()
@click.argument("pipeline", type=click.Path(dir_okay=False, path_type=Path))
def validate(pipeline: Path) -> None:
    """Check a pipeline file against the schema."""
    from .config import load_pipeline

    loaded, _ = load_pipeline(pipeline)
    steps = ", ".join(s.step for s in loaded.steps)
    click.echo(f"{pipeline}: valid ({len(loaded.steps)} steps: {steps})")


@cli.command()
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the schema here instead of stdout.",
)
def schema(out_file: Path | None) -> None:
    """Print the JSON schema of pipeline files."""
    from .config import json_schema
    from .io.atomic import atomic_output

    text = json_schema()
    if out_file is None:
        click.echo(text, nl=False)
        return
    with atomic_output(out_file) as tmp:
        tmp.write_text(text, "utf-8")


@cli.command("demo-data")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"),
    show_default=True,
)
def demo_data(out_dir: Path) -> None:
    """Regenerate the synthetic demo layers (fixed seed) next to the admin boundaries."""
    from .demo import write_demo_data

    for path in write_demo_data(out_dir):
        click.echo(str(path))


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
        _fail("interrupted; outputs already written are complete, the rest were not started", 130)
    except click.UsageError as exc:
        hint = (
            f" (see: greenmine {exc.ctx.command_path.removeprefix('greenmine ')} --help)"
            if exc.ctx
            else ""
        )
        _fail(exc.format_message() + hint)
    except click.ClickException as exc:
        _fail(exc.format_message())
    except GreenmineError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; no partial output was left under a final name", 130)
    except MemoryError:
        _fail("out of memory; run on fewer mines at a time or a larger machine", 1)
    except OSError as exc:
        _fail(f"{exc.strerror or exc} ({exc.filename or ''}); check the path and permissions", 1)
    except Exception as exc:  # a bug, not bad input: still one line, traceback on request
        if os.environ.get("GREENMINE_DEBUG"):
            raise
        _fail(
            f"internal error ({type(exc).__name__}: {exc}); please report it with the command "
            "and input files (set GREENMINE_DEBUG=1 for the traceback)",
            1,
        )
