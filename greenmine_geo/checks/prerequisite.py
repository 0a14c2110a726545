"""The prerequisite overlay check (先决条件: 矿区范围), RULES.md §1 and §4.

For every mine: which red-line and planning features it touches, by how much,
and the verdict, with the reasons in Chinese and English. Pure function over
prepared layers; reading and writing files is the caller's business.

Units: areas m² on the ellipsoid (equal-area projection), distances and
contact lengths geodesic metres, shares in % of the mine's area.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import EQUAL_AREA
from ..io import results
from ..io.manifest import read_manifest
from ..io.vector import read_layer
from ..layers import LANDUSE_CLASSES, ROLES, Check, PlanningLayer, known_role
from ..overlay import Hits, area_by_key, contact_with, hits, pieces_by_key
from ..progress import NullProgress, Progress
from ..types import Contact, Effect, StepResult, Verdict
from .blocks import city_region_overlaps, empty_blocks, shared_blocks
from .mines import MineSet
from .rules import Rule, rule, rule_for, rules_table, text

__all__ = ["CONFLICT_COLUMNS", "LEADING_COLUMNS", "PrerequisiteResult", "check_prerequisite"]

#: The first columns of the mines table, in this order (part of the CLI contract).
LEADING_COLUMNS = [
    "mine_id",
    "verdict",
    "contact",
    "mine_area_m2",
    "redline_overlap_m2",
    "redline_overlap_pct",
    "redline_distance_m",
]
CONFLICT_COLUMNS = [
    "mine_id",
    "layer",
    "class",
    "feature_row",
    "feature_name",
    "feature_attributes",
    "area_m2",
    "mine_pct",
    "sliver",
    "effect",
    "geometry",
]
_RANK = {v: v.rank for v in Verdict}
#: Units of every figure, as recorded in the manifest.
UNITS = {
    "areas": "m² on the GRS80 ellipsoid (Albers equal-area)",
    "distances": "geodesic metres",
    "outputs_crs": "EPSG:4490",
}


@dataclass
class PrerequisiteResult(StepResult):
    """What :func:`check_prerequisite` found. Geometries are in EQUAL_AREA (EPSG:4490 once
    read back from files).

    Attributes
    ----------
    mines : GeoDataFrame
        One row per mine: ``mine_id``, ``verdict``, ``contact``, areas, distances,
        per-layer overlaps, location columns and ``reasons``.
    conflicts : GeoDataFrame
        Every overlap piece of a mine with a feature (:data:`CONFLICT_COLUMNS`);
        ``feature_attributes`` is the feature's attributes as JSON. Pieces of
        overlapping features overlap each other; the per-mine totals in
        ``mines`` count such areas once.
    block_overlaps : GeoDataFrame
        League/city blocks that overlap region blocks.
    warnings : list of str
        Findings about the inputs (repaired planning features, empty layers,
        exemptions for unknown mines).
    """

    command: ClassVar[str] = "prerequisite"
    mines: gpd.GeoDataFrame
    conflicts: gpd.GeoDataFrame
    block_overlaps: gpd.GeoDataFrame
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """Mines per verdict, best first."""
        counts = self.mines["verdict"].value_counts()
        return {v.value: int(counts.get(v, 0)) for v in Verdict}

    def tables(self) -> dict[str, Any]:
        """Layers ``mines``, ``conflicts`` and ``block_overlaps``."""
        return {
            "mines": self.mines,
            "conflicts": self.conflicts,
            "block_overlaps": self.block_overlaps,
        }

    def write(self, out_dir: Path) -> list[Path]:
        """``prerequisite.csv`` (one row per mine) and ``prerequisite.gpkg`` (layers ``mines``,
        ``conflicts``, ``block_overlaps``; EPSG:4490)."""
        return [
            results.write_csv(self.mines, out_dir / "prerequisite.csv"),
            results.write_gpkg(self.tables(), out_dir / "prerequisite.gpkg"),
        ]

    def manifest_record(self) -> dict[str, Any]:
        return {"rules": rules_table(), "summary": self.summary(), "units": UNITS}

    @classmethod
    def read(cls, out_dir: Path) -> PrerequisiteResult:
        """The result a finished prerequisite step wrote into ``out_dir``."""
        gpkg = out_dir / "prerequisite.gpkg"
        layers = {
            name: read_layer(f"{gpkg}:{name}", what="prerequisite result")[0]
            for name in ("mines", "conflicts", "block_overlaps")
        }
        layers["mines"]["mine_id"] = layers["mines"]["mine_id"].astype(str)
        layers["conflicts"]["mine_id"] = layers["conflicts"]["mine_id"].astype(str)
        warnings = (read_manifest(out_dir) or {}).get("warnings", [])
        return cls(**layers, warnings=warnings)


class _Findings:
    """Rows of (mine index, layer, verdict or None, text), gathered then decided."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(
        self,
        index: np.ndarray,
        layer: str,
        verdict: Verdict | None,
        texts: pd.Series | list[str],
    ) -> None:
        index = np.asarray(index, dtype=np.int64)
        if index.size:
            self._parts.append(
                pd.DataFrame(
                    {"index": index, "layer": layer, "verdict": verdict, "text": list(texts)}
                )
            )

    def add_rule(
        self, index: np.ndarray, rule: Rule, detail: pd.Series | list[str] | str = ""
    ) -> None:
        index = np.asarray(index, dtype=np.int64)
        detail = [detail] * index.size if isinstance(detail, str) else list(detail)
        self.add(index, rule.layer, rule.verdict, [text(rule, d) for d in detail])

    def frame(self) -> pd.DataFrame:
        cols = ["index", "layer", "verdict", "text"]
        return (
            pd.concat(self._parts, ignore_index=True) if self._parts else pd.DataFrame(columns=cols)
        )


def _pct(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, 100.0 * part / whole, np.nan)


def _area_text(area: np.ndarray, pct: np.ndarray, names: pd.Series | None = None) -> list[str]:
    text = [f"{a:,.1f} m² ({p:.2f} %)" for a, p in zip(area, pct, strict=True)]
    if names is not None:
        text = [
            t + (f" [{n}]" if isinstance(n, str) and n else "")
            for t, n in zip(text, names, strict=True)
        ]
    return text


def _feature_labels(layer: PlanningLayer, rows: np.ndarray) -> np.ndarray:
    """A readable label per feature row: its name or id field, else ``#row``."""
    for logical in ("name", "block_id"):
        col = layer.column(logical)
        if col is not None:
            return col.astype("string").fillna("").to_numpy()[rows]
    return np.array([f"#{r}" for r in rows], dtype=object)


def _joined(index: np.ndarray, labels: np.ndarray, n: int) -> pd.Series:
    """Labels per mine index, unique and joined with ``;`` (empty string when none)."""
    s = pd.DataFrame({"i": index, "l": labels}).drop_duplicates()
    out = s.groupby("i")["l"].agg(lambda v: ";".join(map(str, v)))
    return out.reindex(range(n), fill_value="")


def _effect(rule: Rule | None) -> Effect:
    """What an overlap piece under ``rule`` does: its verdict, or reported only."""
    return Effect(rule.verdict) if rule is not None and rule.verdict else Effect.REPORT


def _conflicts(
    mines: MineSet, layer: PlanningLayer, pieces: pd.DataFrame, effect: np.ndarray
) -> gpd.GeoDataFrame:
    rows = pieces["key"].to_numpy(int)
    index = pieces["index"].to_numpy(int)
    prep = layer.prepared
    attrs = layer.attributes.iloc[rows]
    return gpd.GeoDataFrame(
        {
            "mine_id": mines.ids[index],
            "layer": layer.name,
            "class": np.asarray(prep.classes, dtype=object)[prep.feature_class[rows]]
            if layer.role.classed
            else "",
            "feature_row": rows,
            "feature_name": _feature_labels(layer, rows),
            "feature_attributes": [
                json.dumps(r, ensure_ascii=False, default=str) for r in attrs.to_dict("records")
            ],
            "area_m2": pieces["area_m2"].to_numpy(float),
            "mine_pct": _pct(pieces["area_m2"].to_numpy(float), mines.area_m2[index]),
            "sliver": pieces["sliver"].to_numpy(bool),
            "effect": effect,
            "geometry": pieces["geometry"].to_numpy(),
        },
        geometry="geometry",
        crs=EQUAL_AREA,
    )


class _Run:
    """One run of the check: the table being filled, and the findings behind it."""

    def __init__(self, mines: MineSet, tolerance_m: float, progress: Progress) -> None:
        self.mines = mines
        self.progress = progress
        #: the layer being overlaid, named in the progress notes
        self.layer = "redline"
        self.n = len(mines.ids)
        self.tol = tolerance_m
        self.table: dict[str, object] = {"mine_id": mines.ids, "mine_area_m2": mines.area_m2}
        self.findings = _Findings()
        self.warnings: list[str] = []
        self.conflicts: list[gpd.GeoDataFrame] = []
        self.block_overlaps: list[gpd.GeoDataFrame] = []
        self._hits: list[tuple[np.ndarray, Hits]] = []

    def hits(self, pieces: np.ndarray, tree: shapely.STRtree) -> Hits:
        """The mines' intersections with a piece array, computed once per array.

        A layer without overlaps has ``flat is pieces``: one intersection pass
        then serves per-feature pieces, per-class and whole-layer totals.
        """
        for known, found in self._hits:
            if known is pieces:
                return found

        def note(done: int) -> None:
            self.progress.note(f"{self.layer}: {done:,} of {self.n:,} mines overlaid")

        found = hits(self.mines.geoms, pieces, tree, note)
        self._hits.append((pieces, found))
        return found

    def area_text(
        self, index: np.ndarray, area: np.ndarray, names: pd.Series | None = None
    ) -> list[str]:
        return _area_text(area, _pct(area, self.mines.area_m2[index]), names)

    def mine_notes(self) -> None:
        for kind in ("repaired", "empty", "merged"):
            notes = self.mines.notes[self.mines.notes["kind"] == kind]
            rule = rule_for("mines", kind)
            self.findings.add(
                notes["index"].to_numpy(int), "mines", rule.verdict if rule else None, notes["text"]
            )

    def layer_warnings(self, layer: PlanningLayer) -> bool:
        """Report repaired and empty features; return False when the layer has no polygons."""
        prep = layer.prepared
        for r in prep.repairs:
            self.warnings.append(
                f"layer {layer.name!r}: feature row {r.row} was invalid ({r.reason}) and has been "
                f"repaired ({r.area_before_m2:,.1f} → {r.area_after_m2:,.1f} m²)"
            )
        if len(prep.empty):
            self.warnings.append(
                f"layer {layer.name!r}: {len(prep.empty)} features have no area "
                f"(rows {', '.join(map(str, prep.empty[:10]))}) and are ignored"
            )
        if prep.n_features == len(prep.empty):
            self.warnings.append(f"layer {layer.name!r} has no polygon features")
            return False
        return True

    def features(self, layer: PlanningLayer) -> pd.DataFrame:
        prep = layer.prepared
        return pieces_by_key(self.hits(prep.pieces, prep.piece_tree), prep.piece_feature, self.tol)

    def redline(self, layer: PlanningLayer) -> None:
        m, n = self.mines, self.n
        has_features = self.layer_warnings(layer)
        prep = layer.prepared
        contact = contact_with(
            m.geoms, prep, self.tol, self.hits(prep.flat_all, prep.flat_all_tree)
        )
        pct = _pct(contact.overlap_m2, m.area_m2)
        feat = self.features(layer)
        names = _joined(
            feat["index"].to_numpy(int), _feature_labels(layer, feat["key"].to_numpy(int)), n
        )
        self.table.update(
            contact=contact.state,
            redline_overlap_m2=contact.overlap_m2,
            redline_overlap_pct=pct,
            redline_distance_m=contact.distance_m,
            redline_contact_length_m=contact.contact_length_m,
            redline_features=names.to_numpy(),
        )
        over = np.flatnonzero(contact.state == Contact.OVERLAPPING)
        self.findings.add_rule(
            over,
            rule("redline", "overlap"),
            _area_text(contact.overlap_m2[over], pct[over], names.iloc[over]),
        )
        touch = np.flatnonzero(contact.state == Contact.TOUCHING)
        self.findings.add_rule(
            touch,
            rule("redline", "touch"),
            [
                f"contact {c:,.1f} m, sliver overlap {a:,.2f} m², gap {d:.3f} m (tolerance {self.tol} m)"
                for c, a, d in zip(
                    contact.contact_length_m[touch],
                    contact.overlap_m2[touch],
                    contact.distance_m[touch],
                    strict=True,
                )
            ],
        )
        if has_features:
            clear = np.flatnonzero(contact.state == Contact.CLEAR)
            self.findings.add(
                clear,
                "redline",
                None,
                [
                    f"未涉及生态保护红线 clear of the red line by {d:,.1f} m"
                    for d in contact.distance_m[clear]
                ],
            )
        else:
            self.findings.add_rule(np.arange(n), rule("redline", "empty"))
        self.conflicts.append(
            _conflicts(m, layer, feat, np.where(feat["sliver"], Effect.REVIEW, Effect.FAIL))
        )

    def totals(self, layer: PlanningLayer) -> np.ndarray:
        prep, name = layer.prepared, layer.name
        keys = np.zeros(len(prep.flat_all), np.int64)
        total = area_by_key(self.hits(prep.flat_all, prep.flat_all_tree), keys, self.n, 1)[:, 0]
        self.table[f"{name}_overlap_m2"] = total
        self.table[f"{name}_overlap_pct"] = _pct(total, self.mines.area_m2)
        return total

    def classed(self, layer: PlanningLayer) -> None:
        """Land use: areas per class (overlaps merged within a class), rules per class."""
        prep, name, m = layer.prepared, layer.name, self.mines
        flat = self.hits(prep.flat, prep.flat_tree)
        by_class = area_by_key(flat, prep.flat_class, self.n, len(prep.classes))
        for cls in [*LANDUSE_CLASSES, *(c for c in prep.classes if c not in LANDUSE_CLASSES)]:
            area = by_class[:, prep.classes.index(cls)] if cls in prep.classes else np.zeros(self.n)
            self.table[f"{name}_{cls}_overlap_m2"] = area
            self.table[f"{name}_{cls}_overlap_pct"] = _pct(area, m.area_m2)
        rules = [rule_for(name, "overlap", c) for c in prep.classes]
        keys = np.array([k if r else -1 for k, r in enumerate(rules)], dtype=np.int64)
        per_class = pieces_by_key(flat, keys[prep.flat_class], self.tol)
        per_class = per_class[~per_class["sliver"].astype(bool)]
        for code, group in per_class.groupby("key"):
            idx = group["index"].to_numpy(int)
            self.findings.add_rule(
                idx,
                rule(name, "overlap", prep.classes[int(code)]),  # only ruled classes have keys
                self.area_text(idx, group["area_m2"].to_numpy(float)),
            )
        feat = self.features(layer)
        effect = np.array([_effect(r) for r in rules], dtype=object)
        piece_effect = (
            effect[prep.feature_class[feat["key"].to_numpy(int)]] if len(feat) else effect[:0]
        )
        self.conflicts.append(
            _conflicts(m, layer, feat, np.where(feat["sliver"], Effect.SLIVER, piece_effect))
        )

    def admin(self, layer: PlanningLayer) -> None:
        """League/city and banner/county: the unit holding the largest share of the mine."""
        feat = self.features(layer)
        best = feat.sort_values("area_m2", ascending=False).drop_duplicates("index")
        for logical in ("league_city", "banner_county"):
            values = np.full(self.n, "", dtype=object)
            names = layer.require(logical).astype("string").fillna("").to_numpy()
            values[best["index"].to_numpy(int)] = names[best["key"].to_numpy(int)]
            self.table[logical] = values

    def zones(self, layer: PlanningLayer) -> None:
        """Key zones and planning blocks the mine falls in (slivers ignored), with their rules:
        a finding naming the key zones, one holder per mining block, league/city blocks
        that overlap the region's."""
        name, m = layer.name, self.mines
        feat = self.features(layer)
        deep = feat[~feat["sliver"].astype(bool)]
        index, rows = deep["index"].to_numpy(int), deep["key"].to_numpy(int)
        located = _joined(index, _feature_labels(layer, rows), self.n)
        self.table[name] = located.to_numpy()
        self.conflicts.append(
            _conflicts(m, layer, feat, np.where(feat["sliver"], Effect.SLIVER, Effect.LOCATE))
        )
        if name == "key_zones":  # reported, not a rule: no verdict depends on it
            at = np.unique(index)
            self.findings.add(
                at,
                name,
                None,
                [
                    f"位于重点勘查开采区 in key exploration and mining zone: {located.iloc[i]}"
                    for i in at
                ],
            )
        one_holder = rule_for(name, "shared_block")
        if one_holder is not None:
            others = shared_blocks(m.ids, index, rows).reindex(range(self.n), fill_value="")
            self.table[f"shares_{name.removesuffix('s')}_with"] = others.to_numpy()
            shared = np.flatnonzero(others.to_numpy() != "")
            self.findings.add_rule(shared, one_holder, [f"with {o}" for o in others.iloc[shared]])
        self.block_overlaps.append(city_region_overlaps(layer, self.tol))

    def reported(self, layer: PlanningLayer, total: np.ndarray) -> None:
        """Any other layer: measured, with its rule if it has one (farmland, nature_reserve ...)."""
        name, m = layer.name, self.mines
        rule = rule_for(name, "overlap")
        if not known_role(name):
            self.warnings.append(
                f"layer {name!r} is not a layer the verdict uses ({', '.join(ROLES)}, or their "
                "Chinese names such as 永久基本农田): its overlaps are measured and reported only"
            )
        feat = self.features(layer)
        idx = np.unique(feat.loc[~feat["sliver"].astype(bool), "index"].to_numpy(int))
        text = self.area_text(idx, total[idx])
        if rule is not None:
            self.findings.add_rule(idx, rule, text)
        else:
            self.findings.add(idx, name, None, [f"overlaps layer {name}: {t}" for t in text])
        self.conflicts.append(
            _conflicts(m, layer, feat, np.where(feat["sliver"], Effect.SLIVER, _effect(rule)))
        )

    def decide(self, exemptions: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
        """Worst verdict per mine, exemptions applied; reasons joined worst first."""
        f = self.findings.frame()
        f["rank"] = f["verdict"].map(_RANK).fillna(-1)
        worst = f.groupby("index")["rank"].max().reindex(range(self.n), fill_value=-1).to_numpy()
        verdict = np.where(
            worst >= Verdict.FAIL.rank,
            Verdict.FAIL,
            np.where(worst >= Verdict.REVIEW.rank, Verdict.REVIEW, Verdict.PASS),
        )
        if exemptions is not None and len(exemptions):
            verdict, extra = self.exempt(verdict, f, exemptions)
            f = pd.concat([f, extra], ignore_index=True)
        f = f.sort_values(["index", "rank"], ascending=[True, False], kind="stable")
        reasons = f.groupby("index")["text"].agg("; ".join).reindex(range(self.n), fill_value="")
        return verdict.astype(object), reasons.to_numpy()

    def exempt(
        self, verdict: np.ndarray, f: pd.DataFrame, ex: pd.DataFrame
    ) -> tuple[np.ndarray, pd.DataFrame]:
        """FAIL → EXEMPT when every failing layer is covered by an exemption row."""
        ids = pd.Series(self.mines.ids).astype("string")
        ex = ex.assign(mine_id=ex["mine_id"].astype("string").str.strip())
        if "layer" not in ex.columns:
            ex = ex.assign(layer="")
        ex["layer"] = ex["layer"].astype("string").fillna("").str.strip()
        unknown = sorted(set(ex["mine_id"]) - set(ids))
        if unknown:
            self.warnings.append(
                f"{len(unknown)} exemptions name no mine in the input: {', '.join(unknown[:10])}"
            )
        ex["index"] = ex["mine_id"].map(pd.Series(np.arange(self.n), index=ids.to_numpy()))
        ex = ex.dropna(subset=["index"]).astype({"index": int})
        fails = f.loc[f["verdict"] == Verdict.FAIL, ["index", "layer"]].drop_duplicates()
        pairs = fails.merge(
            ex[["index", "layer"]].rename(columns={"layer": "ex_layer"}), on="index", how="left"
        )
        pairs["covered"] = pairs["ex_layer"].notna() & (
            (pairs["ex_layer"] == "") | (pairs["ex_layer"] == pairs["layer"])
        )
        covered = pairs.groupby(["index", "layer"])["covered"].any().groupby("index").all()
        exempt_idx = covered[covered].index.to_numpy(int)
        verdict = verdict.copy()
        verdict[exempt_idx] = Verdict.EXEMPT
        used = ex[ex["index"].isin(exempt_idx)]
        texts = [
            f"豁免 exempt: {r} ({d})" for r, d in zip(used["reason"], used["document"], strict=True)
        ]
        extra = pd.DataFrame(
            {
                "index": used["index"].to_numpy(int),
                "layer": "exemption",
                "verdict": Verdict.EXEMPT,
                "text": texts,
                "rank": Verdict.EXEMPT.rank,
            }
        )
        return verdict, extra


def check_prerequisite(
    mines: MineSet,
    redline: PlanningLayer,
    layers: Sequence[PlanningLayer] = (),
    exemptions: pd.DataFrame | None = None,
    tolerance_m: float = 0.05,
    progress: Progress | None = None,
) -> PrerequisiteResult:
    """Check each mine against the red line and the planning layers.

    Parameters
    ----------
    mines : MineSet
        From :func:`greenmine_geo.checks.mines.prepare_mines`.
    redline : PlanningLayer
        The ecological protection red line.
    layers : sequence of PlanningLayer
        Other layers; their role comes from their name (see :mod:`greenmine_geo.layers`).
    exemptions : DataFrame, optional
        Columns ``mine_id``, ``reason``, ``document`` and optionally ``layer``
        (the layer the exemption covers; blank for all). Turns FAIL into EXEMPT.
    tolerance_m : float
        Contact tolerance in metres: gaps up to it, and overlaps nowhere wider
        than twice it, count as touching (REVIEW), not overlapping (FAIL).
    progress : Progress, optional
        Advanced once per layer overlaid (the red line first).
    """
    run = _Run(mines, tolerance_m, progress or NullProgress())
    if run.n == 0:
        run.warnings.append("the mines layers have no features: there is nothing to check")
    run.mine_notes()
    run.redline(redline)
    run.progress.advance("red line overlaid")
    for layer in layers:
        run.layer = layer.name
        run.progress.advance(f"overlaying {layer.name}")
        total = run.totals(layer)
        if not run.layer_warnings(layer):
            continue
        check = layer.role.check
        if check is Check.LAND_USE:
            run.classed(layer)
        elif check is Check.ADMIN:
            run.admin(layer)
        elif check is Check.ZONES:
            run.zones(layer)
        else:
            run.reported(layer, total)
    verdict, reasons = run.decide(exemptions)
    table = run.table
    table.update(verdict=verdict, reasons=reasons, source=mines.source)
    frame = pd.DataFrame(table)
    frame = frame[LEADING_COLUMNS + [c for c in frame.columns if c not in LEADING_COLUMNS]]
    frame = mines.with_attributes(frame)
    empty_conflicts = gpd.GeoDataFrame(
        columns=CONFLICT_COLUMNS, geometry="geometry", crs=EQUAL_AREA
    )
    blocks = [b for b in run.block_overlaps if len(b)]
    if blocks:
        run.warnings.append(
            f"{sum(map(len, blocks))} planning blocks drawn by a league/city overlap blocks drawn "
            "by the autonomous region (不得与自治区划定规划区块重叠)"
        )
    return PrerequisiteResult(
        mines=gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(mines.geoms, crs=EQUAL_AREA)),
        conflicts=_concat([c for c in run.conflicts if len(c)], empty_conflicts),
        block_overlaps=_concat(blocks, empty_blocks()),
        warnings=run.warnings,
    )


def _concat(frames: list[gpd.GeoDataFrame], empty: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not frames:
        return empty
    return gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs=EQUAL_AREA
    )
