"""The imagery review checklist in words for people: Chinese first, English available.

:func:`checklist_rows` is the one place a :class:`~greenmine_geo.imagery.review.ReviewResult`
becomes lines a reviewer reads (the review page, the per-mine report): the check's name,
its status as a word with the code beside it (通过 PASS, 警告 WARN, 不通过 FAIL), what
was found and the evidence, in plain words rather than JSON
(``分辨率（东西）2.00 m；要求 ≤ 2 m``). The English finding is the check's own message;
the Chinese one is chosen by the check, its status and what its message says (a check
not run says why: ``未检查：影像无坐标系``).

Every check id of :data:`~greenmine_geo.imagery.review.CHECK_IDS` has a name and
findings here; a test fails when a new check has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..imagery.review import Check, ReviewResult
from ..terms import Lang, value_word

__all__ = [
    "CHECK_NAMES",
    "EVIDENCE_WORDS",
    "ChecklistRow",
    "checklist_rows",
    "evidence_text",
    "status_lines",
]


@dataclass(frozen=True)
class ChecklistRow:
    """One line of the checklist, for people.

    ``check_id`` and ``code`` (PASS/WARN/FAIL) are the machine words (for styles and
    links); ``name``, ``status``, ``finding`` and ``evidence`` are in the language asked.
    """

    check_id: str
    name: str
    status: str
    code: str
    finding: str
    evidence: str


#: Each check's name: check id → (Chinese, English).
CHECK_NAMES: dict[str, tuple[str, str]] = {
    "format": ("文件格式", "file format"),
    "dimensions": ("影像尺寸", "dimensions"),
    "crs": ("坐标系", "coordinate system"),
    "coverage": ("覆盖范围", "coverage"),
    "resolution": ("分辨率", "resolution"),
    "bands": ("波段", "bands"),
    "date": ("成像日期", "acquisition date"),
    "nodata_cloud": ("无数据与云雪", "nodata and cloud"),
    "overviews": ("内置金字塔", "overviews"),
    "duplicate": ("重复提交", "duplicate submission"),
    "spectral_consistency": ("光谱一致性", "spectral consistency"),
}

#: Why a check was not run, by what its message says (first match): (words, Chinese).
_NOT_CHECKED_ZH = (
    ("no CRS", "影像无坐标系，无法定位到矿区"),
    ("not on the image", "矿区不在影像上"),
    ("could not be decoded", "影像无法安全解码"),
    (
        "needs red, green, blue and NIR",
        "需要红、绿、蓝和近红外波段（用 --bands 申报 green= 和 blue=）",
    ),
)

#: Chinese findings: (check id, status, words of the message or "" for any) → finding; the
#: first match wins, so the specific lines come before the general one of a status.
_FINDINGS_ZH: tuple[tuple[str, str, str, str], ...] = (
    ("format", "PASS", "", "TIFF 文件，仅由 GeoTIFF 驱动打开，忽略附属文件"),
    ("format", "FAIL", "not a GeoTIFF", "不是 GeoTIFF 文件，请提交 GeoTIFF/COG"),
    ("format", "FAIL", "remote", "拒绝远程或虚拟路径，请提供本地文件"),
    ("format", "FAIL", "truncated or corrupt", "文件被截断或已损坏，无法读取"),
    ("format", "FAIL", "", "影像无法安全读取或解码（崩溃、超时或超出内存）"),
    ("dimensions", "PASS", "", "影像尺寸与文件大小相符"),
    ("dimensions", "FAIL", "", "影像声明的尺寸或读取量超出安全限制（疑似解压炸弹）"),
    ("crs", "PASS", "", "坐标系为 CGCS2000"),
    ("crs", "WARN", "no EPSG", "坐标系没有 EPSG 代码，请核实是否与申报一致"),
    ("crs", "WARN", "", "坐标系不是 CGCS2000，审查时已重投影"),
    ("crs", "FAIL", "", "影像没有坐标系，无法定位"),
    ("coverage", "PASS", "", "有效像元覆盖矿区及其缓冲区"),
    ("coverage", "FAIL", "", "矿区及其缓冲区有部分没有有效像元"),
    ("resolution", "PASS", "", "分辨率满足要求"),
    ("resolution", "FAIL", "", "分辨率低于要求（像元过大）"),
    ("bands", "PASS", "", "植被上近红外亮于红光，红光与近红外波段正确"),
    ("bands", "WARN", "no valid pixels", "已申报红光和近红外，但矿区附近没有可检验的有效像元"),
    ("bands", "WARN", "", "没有明显的植被信号，无法确认波段"),
    ("bands", "FAIL", "swapped", "几乎处处红光亮于近红外：红光与近红外疑似互换或标错"),
    ("bands", "FAIL", "do not exist", "申报的波段在影像中不存在"),
    ("bands", "FAIL", "", "缺少红光或近红外波段，无法计算植被指数（用 --bands red=R,nir=N 申报）"),
    ("date", "PASS", "", "成像日期在审查时段和生长季内"),
    ("date", "WARN", "", "影像中没有成像日期，也未申报（--acquired）"),
    ("date", "FAIL", "declared acquisition", "申报的成像日期与影像记录不符：疑似旧影像改日期"),
    ("date", "FAIL", "review window", "成像日期不在审查时段内"),
    ("date", "FAIL", "growing season", "成像日期不在生长季内，无法判断植被"),
    ("date", "FAIL", "", "成像日期不符合要求"),
    ("nodata_cloud", "PASS", "", "矿区内无数据、过饱和及云雪像元比例在限值内"),
    ("nodata_cloud", "WARN", "", "矿区内无数据、过饱和及云雪像元比例偏高"),
    ("nodata_cloud", "FAIL", "", "矿区内无数据、过饱和及云雪像元比例超过限值"),
    ("overviews", "PASS", "no stored", "无内置金字塔"),
    ("overviews", "PASS", "", "内置金字塔与原始分辨率一致"),
    ("overviews", "FAIL", "", "内置金字塔与原始分辨率不一致：像元修改后未重建金字塔"),
    ("duplicate", "PASS", "resubmission", "与以往提交的影像相同，属同一申报的重新提交"),
    ("duplicate", "PASS", "", "与登记库中以往提交的影像均不重复"),
    ("duplicate", "WARN", "", "未比对：未提供以往提交影像的登记库（--registry）"),
    (
        "duplicate",
        "FAIL",
        "identical pixels",
        "与以往提交的影像像元完全相同，但申报的矿山或日期不同",
    ),
    ("duplicate", "FAIL", "", "与以往提交的影像内容几乎相同，但申报的矿山或日期不同"),
    ("spectral_consistency", "PASS", "no green-looking", "矿区附近没有可检验的绿色像元"),
    ("spectral_consistency", "PASS", "", "看起来是绿色的像元按 NDVI 确为植被"),
    ("spectral_consistency", "WARN", "", "部分绿色像元 NDVI 偏低：疑似涂料、遮阳网或图像修饰"),
)


def _m(v: Any) -> str:
    return f"{float(v):,.2f} m"


def _pct(v: Any) -> str:
    return f"{float(v):,.2f} %"


def _int(v: Any) -> str:
    return f"{int(v):,}"


def _mib(v: Any) -> str:
    return f"{float(v) / 2**20:,.2f} MiB"


def _text(v: Any) -> str:
    if isinstance(v, dict):
        return "，".join(f"{k} = {x}" for k, x in v.items())
    if isinstance(v, list | tuple):
        return " – ".join(str(x) for x in v)
    return "—" if v is None else str(v)


def _yes(v: Any) -> str:
    return "是 yes" if v else "否 no"


def _levels(v: Any) -> str:
    return "，".join(f"1:{x}" for x in v) if v else "—"


#: Evidence keys in words: key → (Chinese label, English label, how its value reads).
EVIDENCE_WORDS: dict[str, tuple[str, str, Callable[[Any], str]]] = {
    "signature": ("文件签名", "signature", _text),
    "compression": ("压缩方式", "compression", _text),
    "block_shape": (
        "分块（行 × 列）",
        "blocks (rows × columns)",
        lambda v: " × ".join(map(str, v)),
    ),
    "width": ("宽度（像元）", "width (pixels)", _int),
    "height": ("高度（像元）", "height (pixels)", _int),
    "bands": ("波段", "bands", lambda v: _text(v) if isinstance(v, dict) else _int(v)),
    "dtype": ("数据类型", "data type", _text),
    "declared_bytes": ("声明大小", "declared size", _mib),
    "file_bytes": ("文件大小", "file size", _mib),
    "compression_ratio": ("压缩比", "compression ratio", lambda v: f"{float(v):g}:1"),
    "crs": ("坐标系", "coordinate system", _text),
    "epsg": ("EPSG 代码", "EPSG code", _text),
    "uncovered_pct": ("未覆盖比例", "uncovered", _pct),
    "outside_image_pct": ("影像范围外比例", "outside the image", _pct),
    "nodata_inside_image_pct": ("影像内无数据比例", "nodata inside the image", _pct),
    "buffer_m": ("缓冲距离", "buffer", _m),
    "gsd_x_m": ("分辨率（东西）", "pixel size (x)", _m),
    "gsd_y_m": ("分辨率（南北）", "pixel size (y)", _m),
    "limit_m": ("要求 ≤", "limit ≤", _m),
    "band_count": ("波段数", "band count", _int),
    "ndvi_p5": ("NDVI 第5百分位", "NDVI 5th percentile", lambda v: f"{float(v):.2f}"),
    "ndvi_p95": ("NDVI 第95百分位", "NDVI 95th percentile", lambda v: f"{float(v):.2f}"),
    "source": ("波段来源", "bands from", _text),
    "declared": ("已申报", "declared", _yes),
    "recorded": ("影像记录日期", "recorded date", _text),
    "recorded_tag": ("日期标签", "date tag", _text),
    "review_window": ("审查时段", "review window", _text),
    "season": ("生长季（月-日）", "growing season (month-day)", _text),
    "share_pct": ("合计比例", "total share", _pct),
    "nodata_pct": ("无数据", "nodata", _pct),
    "saturated_pct": ("过饱和", "saturated", _pct),
    "cloud_snow_like_pct": ("疑似云雪", "cloud/snow-like", _pct),
    "qa_cloud_pct": ("质量波段标记为云", "cloud by the QA band", _pct),
    "limit_pct": ("限值 ≤", "limit ≤", _pct),
    "factor": ("金字塔级别", "overview level", lambda v: "—" if v is None else f"1:{v}"),
    "mismatch_pct": ("不一致比例", "disagreeing", _pct),
    "cells": ("比较格网数", "cells compared", _int),
    "levels": ("内置金字塔", "stored overviews", _levels),
    "earlier": ("以往提交编号", "earlier submission", _text),
    "earlier_image": ("以往影像", "earlier image", _text),
    "earlier_mine": ("以往申报矿山", "earlier mine", _text),
    "earlier_claimed_date": ("以往申报日期", "earlier claimed date", _text),
    "phash_distance": ("感知哈希距离（共64位）", "perceptual-hash distance (of 64)", _int),
    "registry_size": ("登记库中的提交数", "submissions in the registry", _int),
    "green_looking_pixels": ("绿色像元数", "green-looking pixels", _int),
    "with_low_ndvi_pct": ("其中 NDVI 偏低", "of them with low NDVI", _pct),
}
#: ``declared`` is a date in the date check and a yes/no in the bands check.
_DATE_DECLARED = ("申报日期", "declared date", _text)


def evidence_text(check: Check, lang: Lang) -> str:
    """A check's evidence in words: ``分辨率（东西）2.00 m；要求 ≤ 2.00 m`` (``—`` if none).

    A key this module does not know keeps its name, its value as text.
    """
    parts = []
    for key, value in check.evidence.items():
        words = _DATE_DECLARED if check.id == "date" and key == "declared" else None
        zh, en, say = words or EVIDENCE_WORDS.get(key, (key, key, _text))
        try:
            said = say(value)
        except (TypeError, ValueError):
            said = _text(value)
        label = zh if lang == "zh" else en
        parts.append(f"{label} {said}" if lang == "zh" else f"{label}: {said}")
    return ("；" if lang == "zh" else "; ").join(parts) or "—"


def _finding_zh(check: Check) -> str:
    """The Chinese finding of a check (see :data:`_FINDINGS_ZH`)."""
    if check.message.startswith("not checked"):
        if "failed the" in check.message:
            failed = check.message.rsplit("failed the ", 1)[1].removesuffix(" check")
            return f"未检查：影像未通过“{CHECK_NAMES.get(failed, (failed,))[0]}”检查"
        why = next((zh for words, zh in _NOT_CHECKED_ZH if words in check.message), None)
        if why is not None:
            return f"未检查：{why}"
    status = check.status.value
    for check_id, code, words, zh in _FINDINGS_ZH:
        if check_id == check.id and code == status and words in check.message:
            return zh
    return check.message


def checklist_rows(result: ReviewResult, lang: Lang = "zh") -> list[ChecklistRow]:
    """The checklist of ``result`` for people, in ``lang`` (``zh``: Chinese, ``en``: English),
    one row per check in the result's order."""
    rows = []
    for check in result.checks:
        zh, en = CHECK_NAMES.get(check.id, (check.id, check.id))
        code = check.status.value
        rows.append(
            ChecklistRow(
                check.id,
                zh if lang == "zh" else en,
                value_word(code, lang),
                code,
                _finding_zh(check) if lang == "zh" else check.message,
                evidence_text(check, lang),
            )
        )
    return rows


def status_lines(result: ReviewResult, lang: Lang = "zh") -> list[str]:
    """One line listing the checks that failed and one the checks that warned (a line only
    where there are some): ``不通过 FAIL：坐标系 crs、分辨率 resolution``."""
    lines = []
    for code in ("FAIL", "WARN"):
        names = [
            f"{CHECK_NAMES.get(c.id, (c.id,))[0]} {c.id}" if lang == "zh" else c.id
            for c in result.checks
            if c.status.value == code
        ]
        if names:
            word = f"{value_word(code, lang)} {code}" if lang == "zh" else code
            lines.append(
                f"{word}：{'、'.join(names)}" if lang == "zh" else f"{word}: {', '.join(names)}"
            )
    return lines
