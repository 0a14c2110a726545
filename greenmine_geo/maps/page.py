"""The HTML page of an interactive map: every script nonced, a CSP, the same bytes every run.

folium renders a map into a branca ``Figure``; :class:`MapPage` takes its place
(:func:`map_page`), so ``fmap.get_root().render()`` and ``fmap.save()`` give the finished
page: a Content-Security-Policy that runs only the scripts with the page's nonce, those
scripts (the inlined Leaflet, the jQuery stand-in, folium's own header script and the
map's script) carrying it, and the random element ids renumbered. The design and why a
nonce derived from the page is as strong as a random one: :mod:`..report.html_safety`.

Markup the package adds to a map page goes through :class:`Raw` and :class:`Script`,
which insert their text as it is; folium's ``Element(str)`` would compile it as a Jinja
template first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import folium
from branca.element import Element, Figure
from jinja2 import Template

from ..report.html_safety import csp_meta, finish_page, map_policy, nonce_slot, renumber_ids

__all__ = ["MapPage", "Raw", "Script", "map_page"]


class Raw(Element):  # type: ignore[misc]
    """Markup inserted as it is (never compiled as a template); it must be safe already."""

    _template = Template("{{ this.markup }}")

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.markup = markup


class Script(Element):  # type: ignore[misc]
    """A ``<script>`` the package writes, with the nonce of the page it is rendered into."""

    _template = Template(
        '<script nonce="{{ this.get_root().nonce_slot }}">{{ this.code }}</script>'
    )

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "Script"
        self.code = code


class _Policy(Element):  # type: ignore[misc]
    """The page's Content-Security-Policy ``<meta>``, with the nonce slot of the render."""

    _template = Template("{{ this.meta(this.get_root().nonce_slot) }}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "Policy"
        self.meta = lambda slot: csp_meta(map_policy(slot))


def _elements(element: Element) -> Iterator[Element]:
    """``element`` and everything below it, with the header/html/script parts of figures
    and popups."""
    yield element
    for part in ("header", "html", "script"):
        sub = getattr(element, part, None)
        if isinstance(sub, Element):
            yield from _elements(sub)
    for child in element._children.values():
        yield from _elements(child)


class MapPage(Figure):  # type: ignore[misc]
    """branca's Figure with a CSP, nonced scripts and stable ids (see the module)."""

    _template = Template(
        "<!DOCTYPE html>\n<html>\n<head>\n"
        "    {{ this.header.render(**kwargs) }}\n"
        "</head>\n<body>\n"
        "    {{ this.html.render(**kwargs) }}\n"
        "</body>\n"
        '<script nonce="{{ this.nonce_slot }}">\n'
        "    {{ this.script.render(**kwargs) }}\n"
        "</script>\n</html>\n"
    )

    def __init__(self) -> None:
        super().__init__()
        self.nonce_slot = ""
        # first in <head> after the charset, so it governs everything that follows
        self.header.add_child(_Policy(), name="content_security_policy", index=1)

    def _nonce_map_headers(self, kwargs: dict[str, Any]) -> None:
        """folium's Map puts a bare ``<script>`` (two global switches) in the header: the
        same markup again, nonced. It is folium's own template, holding no data."""
        for child in self._children.values():
            if isinstance(child, folium.Map):
                markup = child._template.module.header(child, kwargs)
                if markup.count("<script>") != 1:
                    raise ValueError("folium's map header changed: expected one <script>")
                nonced = Raw(markup.replace("<script>", f'<script nonce="{self.nonce_slot}">'))
                nonced._parent = self.header
                self.header._children[child.get_name()] = nonced

    def render(self, **kwargs: Any) -> str:
        """The finished page (see the module)."""
        self.nonce_slot = nonce_slot()
        for child in self._children.values():
            child.render(**kwargs)
        self._nonce_map_headers(kwargs)
        page = self._template.render(this=self, kwargs=kwargs)
        page = renumber_ids(page, (e._id for e in _elements(self)))
        return finish_page(page, self.nonce_slot)


def map_page(fmap: folium.Map) -> MapPage:
    """Put ``fmap`` on a :class:`MapPage` (instead of the Figure folium gave it)."""
    page = MapPage()
    page.add_child(fmap, name=fmap.get_name())
    return page
