"""Everything one run wrote, read back for maps and reports: every step of every kind.

A results directory holds one sub-directory per step (or is itself one step's
directory), each finished step with its ``manifest.json``. A step's kind is its
manifest's ``command``; its result is read by that kind's ``read()``, so file names
come from what the step recorded, never rebuilt here. The inputs the steps used
(red line, planning layers, admin boundaries, zones, mines) are read back from the
paths their manifests record, through the same readers the steps used; an input
that is gone or whose content hash changed is reported, not silently used.

Maps and reports draw from one combined view per kind (:class:`RunResults`): every
prerequisite step's mines, every greening step's table, every restoration step's
zones, each row with the ``step`` it came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd

from .checks.mines import read_mines
from .checks.prerequisite import PrerequisiteResult
from .crs import CGCS2000
from .errors import InputError
from .imagery.greening import GreeningResult
from .imagery.review import ReviewResult
from .imagery.timeseries import RestorationResult
from .io.manifest import file_sha256
from .io.vector import read_layer
from .layers import mine_fields
from .types import StepResult

__all__ = ["RunResults", "StepRun", "load_results"]

#: The step results a results directory can hold, by their manifest's command.
KINDS: dict[str, type[Any]] = {
    k.command: k for k in (PrerequisiteResult, GreeningResult, RestorationResult, ReviewResult)
}
#: Context layers drawn on the maps, from the prerequisite steps' inputs.
CONTEXT_ROLES = ("redline", "landuse", "key_zones", "exploration_blocks", "mining_blocks", "admin")

R = TypeVar("R", bound=StepResult)


@dataclass
class StepRun:
    """One finished step: its output directory and manifest."""

    name: str
    path: Path
    manifest: dict[str, Any]

    def inputs(self, role: str) -> list[dict[str, Any]]:
        """The manifest's records of the step's inputs of ``role``."""
        return [i for i in self.manifest.get("inputs", []) if i.get("role") == role]


@dataclass
class RunResults:
    """Every step's result, and the combined views maps and reports draw from.

    Geometries are in their stored CRS (EPSG:4490 for step outputs). Each combined
    table has a ``step`` column naming the step a row came from.
    """

    root: Path
    steps: list[StepRun]
    results: list[tuple[StepRun, StepResult]] = field(default_factory=list)
    mines: gpd.GeoDataFrame | None = None  # prerequisite verdicts, one row per mine
    conflicts: gpd.GeoDataFrame | None = None
    mine_info: pd.DataFrame | None = None  # name, mineral, scale … from the mine layers
    context: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)  # role → layer
    greening: pd.DataFrame | None = None  # greening.csv rows
    bare_patches: gpd.GeoDataFrame | None = None
    restoration: pd.DataFrame | None = None  # restoration_summary.csv rows
    zones: gpd.GeoDataFrame | None = None
    disturbance: gpd.GeoDataFrame | None = None
    warnings: list[str] = field(default_factory=list)

    def step(self, command: str) -> list[StepRun]:
        """The finished steps run by ``command``, in directory order."""
        return [s for s in self.steps if s.manifest.get("command") == command]

    def of(self, kind: type[R]) -> Iterator[tuple[StepRun, R]]:
        """Every (step, result) of one kind of result, in directory order."""
        for step, result in self.results:
            if isinstance(result, kind):
                yield step, result

    def figure(self, step_name: str, mine_id: str) -> Path | None:
        """The greening figure a step drew of a mine, if it drew one."""
        for step, result in self.of(GreeningResult):
            if step.name == step_name and mine_id in result.figures:
                return step.path / result.figures[mine_id]
        return None

    def chart(self, zone_id: str) -> Path | None:
        """The restoration chart of a zone (from the first step that charted it)."""
        for step, result in self.of(RestorationResult):
            if zone_id in result.charts:
                return step.path / result.charts[zone_id]
        return None


def _read_input(
    step: StepRun, entry: dict[str, Any], warnings: list[str]
) -> gpd.GeoDataFrame | None:
    """An input layer a step recorded, read again the way the step read it."""
    if "://" in entry["path"]:  # a PostGIS table: read again, its content hash compared
        gdf, source = read_layer(entry["path"], what=f"{entry['role']} layer")
        if entry.get("sha256") and source.sha256 != entry["sha256"]:
            warnings.append(f"{entry['role']} input {source.path} changed since the run")
        return gdf
    path = Path(entry["path"])
    if not path.exists():
        warnings.append(f"{entry['role']} input {path} is gone; left off the maps")
        return None
    if entry.get("sha256") and file_sha256(path) != entry["sha256"]:
        warnings.append(f"{entry['role']} input {path} changed since the run; drawn as it is now")
    spec = f"{path}:{entry['layer']}" if entry.get("layer") else str(path)
    assigned = entry.get("assigned_crs")
    if entry["role"] == "mines":  # a vector layer or a corner-point file
        datum = step.manifest.get("parameters", {}).get("boundary_datum")
        return read_mines(spec, what="mines layer", datum=datum, assign_crs=assigned)[0]
    return read_layer(spec, what=f"{entry['role']} layer", assign_crs=assigned)[0]


def _inputs(res: RunResults, steps: list[StepRun], role: str) -> list[gpd.GeoDataFrame]:
    """The distinct inputs of ``role`` of ``steps`` (a file used by two steps is read once)."""
    seen, out = set(), []
    for step in steps:
        for entry in step.inputs(role):
            key = (entry.get("path"), entry.get("layer"))
            if key in seen:
                continue
            seen.add(key)
            layer = _read_input(step, entry, res.warnings)
            if layer is not None:
                out.append(layer)
    return out


def _combined(frames: list[pd.DataFrame]) -> Any:
    """One table of several (GeoDataFrames brought to EPSG:4490), or None when there are none."""
    if not frames:
        return None
    if len(frames) == 1:
        return frames[0]
    if all(isinstance(f, gpd.GeoDataFrame) for f in frames):
        moved = [f.to_crs(CGCS2000) for f in frames]
        return gpd.GeoDataFrame(pd.concat(moved, ignore_index=True), crs=CGCS2000)
    return pd.concat(frames, ignore_index=True)


def _keyed(
    layers: list[gpd.GeoDataFrame], id_field: str | None, key: str
) -> list[gpd.GeoDataFrame]:
    """``layers`` with their id field named ``key`` (as text); layers without it are left out."""
    return [
        g.rename(columns={id_field: key}).astype({key: str})
        for g in layers
        if id_field and id_field in g.columns
    ]


def _with_step(frame: pd.DataFrame, step: StepRun) -> pd.DataFrame:
    return frame.assign(step=step.name)


def _prerequisite_views(res: RunResults) -> None:
    """Mines (one row each: the first step that checked a mine), conflicts, mine attributes,
    and the planning layers the checks used."""
    checked = list(res.of(PrerequisiteResult))
    mines = _combined([_with_step(r.mines, s) for s, r in checked])
    if mines is not None:
        repeated = mines["mine_id"].duplicated()
        for mine_id in mines.loc[repeated, "mine_id"].unique()[:10]:
            names = ", ".join(mines.loc[mines["mine_id"] == mine_id, "step"])
            res.warnings.append(
                f"mine {mine_id} was checked by steps {names}; the maps show the first"
            )
        res.mines = mines[~repeated].reset_index(drop=True)
    res.conflicts = _combined([_with_step(r.conflicts, s) for s, r in checked])
    steps = [s for s, _ in checked]
    infos = []
    for step in steps:  # each step's mines, keyed by its own id field
        id_field = step.manifest.get("parameters", {}).get("id_field")
        for layer in _keyed(_inputs(res, [step], "mines"), id_field, "mine_id"):
            infos.append(pd.DataFrame(layer.drop(columns=layer.geometry.name)))
    info = _combined(infos)
    if info is not None:
        found = mine_fields([str(c) for c in info.columns])  # 矿山名称 → name …
        info = info.rename(columns={c: k for k, c in found.items() if k not in info.columns})
        res.mine_info = info.drop_duplicates("mine_id").set_index("mine_id")
    for role in CONTEXT_ROLES:
        layer = _combined(_inputs(res, steps, role))
        if layer is not None:
            res.context[role] = layer


def _imagery_views(res: RunResults) -> None:
    """Greening tables and patches, restoration summaries, zones, disturbance, their mines."""
    greening = list(res.of(GreeningResult))
    res.greening = _combined([_with_step(r.table, s) for s, r in greening])
    res.bare_patches = _combined([_with_step(r.bare_patches, s) for s, r in greening])
    restoration = list(res.of(RestorationResult))
    res.restoration = _combined([_with_step(r.zone_summary, s) for s, r in restoration])
    res.disturbance = _combined(
        [_with_step(r.disturbance, s) for s, r in restoration if r.disturbance is not None]
    )
    zones, mines = [], []
    for step, _ in restoration:  # zones and mines keyed by the step's own id fields
        params = step.manifest.get("parameters", {})
        zones += _keyed(_inputs(res, [step], "zones"), params.get("id_field"), "zone_id")
        mines += _keyed(_inputs(res, [step], "mines"), params.get("mine_id_field"), "mine_id")
    res.zones = _combined(zones)
    if mines:
        res.context["restoration_mines"] = _combined(mines)


def load_results(root: str | Path) -> RunResults:
    """Read a results directory written by ``greenmine run`` (or by single commands).

    Raises
    ------
    InputError
        The directory holds no finished step.
    """
    root = Path(root)
    steps = []
    for path in sorted(root.glob("*/manifest.json")) + sorted(root.glob("manifest.json")):
        data = json.loads(path.read_text("utf-8"))
        if data.get("command") in KINDS:
            steps.append(StepRun(path.parent.name, path.parent, data))
    if not steps:
        raise InputError(
            f"{root} holds no step results (no */manifest.json); give the --out directory of greenmine run"
        )
    res = RunResults(root, steps)
    res.results = [(s, KINDS[s.manifest["command"]].read(s.path)) for s in steps]
    _prerequisite_views(res)
    _imagery_views(res)
    return res
