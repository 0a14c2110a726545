"""HTML pages from Jinja2 templates, always autoescaped.

Every page the package writes (the atlas index, the dashboard, mine reports, the
imagery review) is a template in ``report/templates``; values from input data reach
a page only through template expressions, so they are escaped, whatever they hold.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

__all__ = ["render"]


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("greenmine_geo", "report/templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["pretty_json"] = lambda v: json.dumps(v, ensure_ascii=False, indent=1) if v else ""
    return env


def render(template: str, **context: Any) -> str:
    """Render ``templates/TEMPLATE`` with ``context`` (autoescaped)."""
    return _environment().get_template(template).render(**context)
