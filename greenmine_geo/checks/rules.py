"""The prerequisite rules table: the one place that says what turns a verdict.

Reported whole in every manifest, so a result can be read against the rules
that produced it. Sources: Annex 1 of 内政办发〔2025〕24号 (prerequisite
矿区范围), Master Plan 2021-2025 (one block, one holder), Plan 2020 §三(五)
(forestry review of grassland); see RULES.md §1 and §4.

An exemption (documented: mine id, reason, document number) turns FAIL into
EXEMPT, never into PASS.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..types import Verdict

__all__ = ["RULES", "Rule", "rule", "rule_for", "rules_table", "text"]


@dataclass(frozen=True)
class Rule:
    """What a condition on a layer (or one class of it) does to a mine's verdict.

    Attributes
    ----------
    layer : str
        Layer name (``redline``, ``landuse`` ...) or ``mines`` for the boundary itself.
    cls : str or None
        Canonical land-use class, or None for the whole layer.
    condition : str
        ``overlap`` (deeper than the tolerance), ``touch`` (within it),
        ``repaired``, ``empty`` (the boundary, or the whole red-line layer, has no
        area), ``shared_block``.
    verdict : Verdict or None
        FAIL or REVIEW; None reports the finding without changing the verdict.
    zh, en : str
        The finding in Chinese and English, as used in ``reasons``.
    basis : str
        Where the rule comes from.
    """

    layer: str
    cls: str | None
    condition: str
    verdict: Verdict | None
    zh: str
    en: str
    basis: str


_PREREQ = "Annex 1 先决条件 矿区范围, 内政办发〔2025〕24号"
_FORESTRY = "Plan 2020 §三(五): forestry departments check grassland and forest occupation"
_ONE_HOLDER = "Master Plan 2021-2025: 1个规划区块原则上只设1个主体"
_VETO = [
    ("farmland", "永久基本农田", "permanent basic farmland"),
    ("nature_reserve", "自然保护地", "nature reserve"),
]
_REPORT = [("grassland", "草原", "grassland"), ("forest", "林地", "forest")]


def _class_rules(
    classes: list[tuple[str, str, str]], verdict: Verdict | None, zh: str, en: str, basis: str
) -> list[Rule]:
    """A rule for each class, both as a ``landuse`` class and as a layer of its own.

    ``en`` is a template with ``{}`` for the class name.
    """
    out = []
    for cls, cls_zh, cls_en in classes:
        for layer, rule_cls in (("landuse", cls), (cls, None)):
            out.append(
                Rule(layer, rule_cls, "overlap", verdict, zh + cls_zh, en.format(cls_en), basis)
            )
    return out


RULES: tuple[Rule, ...] = (
    Rule(
        "redline",
        None,
        "overlap",
        Verdict.FAIL,
        "压占生态保护红线",
        "overlaps the ecological protection red line",
        _PREREQ,
    ),
    Rule(
        "redline",
        None,
        "touch",
        Verdict.REVIEW,
        "与生态保护红线相接",
        "touches the ecological protection red line",
        _PREREQ,
    ),
    Rule(
        "redline",
        None,
        "empty",
        Verdict.REVIEW,
        "生态保护红线图层为空",
        "the red-line layer is empty: nothing was checked",
        "a check against nothing is not a pass",
    ),
    *_class_rules(_VETO, Verdict.FAIL, "压占", "overlaps {}", _PREREQ),
    *_class_rules(_REPORT, None, "涉及", "occupies {} (for forestry review)", _FORESTRY),
    Rule(
        "mining_blocks",
        None,
        "shared_block",
        Verdict.REVIEW,
        "与其他矿山共用开采规划区块",
        "shares a mining planning block with another mine",
        _ONE_HOLDER,
    ),
    Rule(
        "mines",
        None,
        "repaired",
        Verdict.REVIEW,
        "矿区范围几何已修复",
        "mining-area geometry was invalid and has been repaired; confirm the boundary",
        "the polygon measured is not the polygon filed",
    ),
    Rule(
        "mines",
        None,
        "empty",
        Verdict.REVIEW,
        "矿区范围无面积",
        "mining-area boundary has no area and cannot be checked",
        "nothing to measure",
    ),
)


def rule(layer: str, condition: str, cls: str | None = None) -> Rule:
    """The rule for a finding that always has one.

    Raises
    ------
    LookupError
        When the table has no such rule (a programming error).
    """
    found = rule_for(layer, condition, cls)
    if found is None:
        raise LookupError(f"no rule for {layer}/{condition}/{cls}")
    return found


def rule_for(layer: str, condition: str, cls: str | None = None) -> Rule | None:
    """The rule for a finding, or None when the finding is reported only."""
    return next(
        (r for r in RULES if r.layer == layer and r.condition == condition and r.cls == cls),
        None,
    )


def rules_table() -> list[dict[str, str | None]]:
    """The rules as plain records, for manifests."""
    return [asdict(r) for r in RULES]


def text(rule: Rule, detail: str = "") -> str:
    """A finding as written in ``reasons``: Chinese, English and the detail."""
    return f"{rule.zh} {rule.en}" + (f": {detail}" if detail else "")
