"""HTML pages from Jinja2 templates, always autoescaped, under a policy that allows no script.

Every page the package writes (the atlas index, the dashboard, mine reports, the
imagery review) is a template in ``report/templates``; values from input data reach
a page only through template expressions, so they are escaped, whatever they hold.
Each page puts ``{{ csp_meta }}`` right after its charset: a Content-Security-Policy
that allows no script (:data:`~.html_safety.STATIC_PAGE_POLICY`), and a rendered page
with a ``<script`` is refused (:func:`~.html_safety.check_no_script`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .document import Document, printable
from .html_safety import STATIC_PAGE_POLICY, check_no_script, csp_meta

__all__ = ["document_html", "relative_href", "render"]


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("greenmine_geo", "report/templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["pretty_json"] = lambda v: json.dumps(v, ensure_ascii=False, indent=1) if v else ""
    env.globals["csp_meta"] = Markup(csp_meta(STATIC_PAGE_POLICY))
    return env


def render(template: str, **context: Any) -> str:
    """Render ``templates/TEMPLATE`` with ``context`` (autoescaped; no script allowed)."""
    return check_no_script(_environment().get_template(template).render(**context))


def relative_href(target: Path, here: Path) -> str:
    """The link from a page in the directory ``here`` to ``target``: relative, ``/`` everywhere."""
    return os.path.relpath(target, here).replace(os.sep, "/")


def document_html(
    doc: Document,
    here: Path,
    orientation: Literal["portrait", "landscape"] = "portrait",
    href: Callable[[Path], str] | None = None,
) -> str:
    """A review document as a page written into the directory ``here``, printed on A4 in
    ``orientation``; pictures linked relative to ``here``, or by ``href`` (for the PDF:
    :func:`~.pdf.picture_url`)."""
    link = href or (lambda path: relative_href(path, here))
    images = {f.path: link(f.path) for s in doc.sections for f in s.figures}
    page = render("document.html", doc=doc, images=images, orientation=orientation)
    return printable(page)
