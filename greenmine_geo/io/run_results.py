"""Reading what a pipeline run wrote, for maps and reports.

A results directory holds one sub-directory per step, each with its
``manifest.json`` (see :mod:`.manifest`). Steps are recognised by the manifest's
``command``; their inputs (red line, planning layers, admin boundaries, zones)
are read back from the paths the manifest records, and an input whose content
hash no longer matches is reported, not silently used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import InputError
from .manifest import file_sha256
from .vector import read_layer

__all__ = ["RunResults", "StepRun", "load_results"]


@dataclass
class StepRun:
    """One step's output directory and manifest."""

    name: str
    path: Path
    manifest: dict

    def inputs(self, role: str) -> list[dict]:
        return [i for i in self.manifest.get("inputs", []) if i.get("role") == role]


@dataclass
class RunResults:
    """Everything maps and reports need from one run (geometries in their stored CRS)."""

    root: Path
    steps: list[StepRun]
    mines: gpd.GeoDataFrame | None = None  # prerequisite verdicts, one row per mine
    conflicts: gpd.GeoDataFrame | None = None
    mine_info: pd.DataFrame | None = None  # name, mineral, scale … from the mine layers
    context: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)  # role → layer
    greening: pd.DataFrame | None = None  # greening.csv rows, with the step name
    bare_patches: gpd.GeoDataFrame | None = None
    restoration: pd.DataFrame | None = None  # restoration_summary.csv rows
    zones: gpd.GeoDataFrame | None = None
    disturbance: gpd.GeoDataFrame | None = None
    reviews: list[dict] = field(default_factory=list)  # review.json of each imagery review
    warnings: list[str] = field(default_factory=list)

    def step(self, command: str) -> list[StepRun]:
        return [s for s in self.steps if s.manifest.get("command") == command]


def _read_input(entry: dict, warnings: list[str]) -> gpd.GeoDataFrame | None:
    path = Path(entry["path"])
    if not path.exists():
        warnings.append(f"{entry['role']} input {path} is gone; left off the maps")
        return None
    if entry.get("sha256") and file_sha256(path) != entry["sha256"]:
        warnings.append(f"{entry['role']} input {path} changed since the run; drawn as it is now")
    spec = f"{path}:{entry['layer']}" if entry.get("layer") else str(path)
    return read_layer(spec, what=f"{entry['role']} layer")[0]


def load_results(root: str | Path) -> RunResults:
    """Read a results directory written by ``greenmine run`` (or by single commands).

    Raises
    ------
    InputError
        The directory has no step manifests.
    """
    root = Path(root)
    found = sorted(root.glob("*/manifest.json")) + sorted(root.glob("manifest.json"))
    steps = []
    for path in found:
        data = json.loads(path.read_text("utf-8"))
        if "command" in data:
            steps.append(StepRun(path.parent.name, path.parent, data))
    if not steps:
        raise InputError(
            f"{root} holds no step results (no */manifest.json); give the --out directory of greenmine run"
        )
    res = RunResults(root, steps)
    for step in res.step("prerequisite")[:1]:
        gpkg = step.path / "prerequisite.gpkg"
        res.mines = gpd.read_file(gpkg, layer="mines")
        res.conflicts = gpd.read_file(gpkg, layer="conflicts")
        infos = []
        for entry in step.inputs("mines"):
            layer = _read_input(entry, res.warnings)
            if layer is not None:
                infos.append(pd.DataFrame(layer.drop(columns=layer.geometry.name)))
        if infos:
            info = pd.concat(infos, ignore_index=True)
            info["mine_id"] = info["mine_id"].astype(str)
            res.mine_info = info.drop_duplicates("mine_id").set_index("mine_id")
        for role in (
            "redline",
            "landuse",
            "key_zones",
            "exploration_blocks",
            "mining_blocks",
            "admin",
        ):
            for entry in step.inputs(role)[:1]:
                layer = _read_input(entry, res.warnings)
                if layer is not None:
                    res.context[role] = layer
    greening = []
    patches = []
    for step in res.step("greening"):
        table = pd.read_csv(
            step.path / "greening.csv",
            dtype={"mine_id": str},
            keep_default_na=False,
            na_values=[""],
        )
        greening.append(table.assign(step=step.name))
        p = gpd.read_file(step.path / "greening.gpkg", layer="bare_patches")
        patches.append(p.assign(step=step.name))
    if greening:
        res.greening = pd.concat(greening, ignore_index=True)
        res.bare_patches = gpd.GeoDataFrame(
            pd.concat(patches, ignore_index=True), crs=patches[0].crs
        )
    for step in res.step("review-imagery"):
        review = json.loads((step.path / "review.json").read_text("utf-8"))
        res.reviews.append({**review, "step": step.name})
    for step in res.step("restoration")[:1]:
        res.restoration = pd.read_csv(step.path / "restoration_summary.csv", dtype={"zone_id": str})
        for entry in step.inputs("zones")[:1]:
            res.zones = _read_input(entry, res.warnings)
        gpkg = step.path / "outside_disturbance.gpkg"
        if gpkg.exists():
            res.disturbance = gpd.read_file(gpkg, layer="outside_disturbance")
        for entry in step.inputs("mines")[:1]:
            layer = _read_input(entry, res.warnings)
            if layer is not None:
                res.context["restoration_mines"] = layer
    return res
