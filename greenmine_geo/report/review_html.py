"""The reviewer's page for one submitted image."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment

__all__ = ["render_review"]

_TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>影像审查 Imagery review — {{ r.mine_id }}</title>
<style>
 body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;max-width:60em}
 table{border-collapse:collapse;width:100%} td,th{border:1px solid #bbb;padding:.4em;vertical-align:top}
 .PASS{background:#e8f5e9}.WARN{background:#fff8e1}.FAIL{background:#ffebee}
 .badge{font-weight:bold;padding:.1em .5em;border-radius:.3em}
 pre{white-space:pre-wrap;font-size:.85em;margin:0}
</style></head><body>
<h1>遥感影像审查 Imagery review</h1>
<p>矿山 Mine <b>{{ r.mine_id }}</b> · 影像 Image <code>{{ r.image }}</code> · SHA-256 <code>{{ r.image_sha256 }}</code></p>
<p class="{{ r.overall }}">结论 Overall: <span class="badge">{{ r.overall }}</span></p>
<table><tr><th>检查 Check</th><th>结果 Status</th><th>说明 Finding</th><th>依据 Evidence</th></tr>
{% for c in r.checks %}<tr class="{{ c.status }}"><td>{{ c.id }}</td><td>{{ c.status }}</td><td>{{ c.message }}</td>
<td><pre>{{ evidence(c.evidence) }}</pre></td></tr>
{% endfor %}</table>
<p>Thresholds: <code>{{ evidence(r.settings) }}</code></p>
<p>Reviewed {{ r.reviewed_utc }} with greenmine-geo {{ r.version }}.</p>
</body></html>
"""


def render_review(result: dict[str, Any]) -> str:
    """HTML page of a review result (the content of ``review.json``), autoescaped."""
    env = Environment(autoescape=True)
    env.globals["evidence"] = lambda e: json.dumps(e, ensure_ascii=False, indent=1) if e else ""
    return env.from_string(_TEMPLATE).render(r=result)
