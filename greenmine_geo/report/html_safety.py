"""HTML from hostile input: the escaping, Content-Security-Policy and stable output of every page.

Mine ids, names and attributes, zone ids, feature names, league and county names, reasons
and file names all come from applicants' files, so every page the package writes (the
interactive maps, the mine reports, the index, the dashboard, the imagery review) must
show them as text and never run them. Every helper for that lives here.

**Escaping, by context.**

* Jinja pages (``report/templates``) are autoescaped (:mod:`.render`): HTML text and
  quoted attributes. They contain no script, and :func:`check_no_script` refuses a page
  that has one.
* The folium maps put values in more places at once. A tooltip, a popup or a layer name
  is HTML that Leaflet inserts with ``innerHTML``; folium writes it into a JavaScript
  template literal (where a backtick ends the string and ``${…}`` runs code) inside a
  ``<script>``; and folium compiles each element's rendered script *again* as a Jinja
  template (``branca.element.MacroElement.render``), so ``{{ … }}`` in a value would run
  in the Python process that draws the map (server-side template injection).
  :func:`map_text` therefore escapes ``& < > " '`` and also `` ` ``, ``$``, ``\\``,
  ``{`` and ``}`` as HTML character references (``&#96;``, ``&#36;``, ``&#92;``,
  ``&#123;``, ``&#125;``): the browser's HTML parser turns them back into the characters,
  while neither JavaScript nor Jinja ever sees one. :func:`map_markup` does the same to the
  markup of an autoescaped template (the mine popup), whose values are already HTML-escaped.
* Feature properties reach the page as GeoJSON inside a ``<script>`` and are shown by
  ``folium.GeoJsonTooltip`` with ``innerHTML`` and no escaping. :func:`map_properties`
  HTML-escapes (with :func:`map_text`) every string property before the frame is handed
  to folium. That is the robust choice over escaping the JSON: the tooltip needs the
  HTML escaping anyway, and once it is done no property holds ``<``, ``>``, a quote or a
  brace, so the embedded JSON cannot close its ``<script>`` whatever serialiser folium
  uses (folium 0.20 uses Jinja's ``tojson``, which also escapes ``<>&'``; older versions
  used ``json.dumps``), and the second Jinja pass finds nothing to run.
* Belt and braces: :func:`finish_page` refuses a map page with any ``<script`` or
  ``</script`` the package did not write (the package's carry the page's nonce slot).

**Content-Security-Policy.** Every page carries a ``<meta http-equiv>`` policy:
``default-src 'none'``, styles inline, images from the page's own directory tree
(``'self'`` and ``file:`` for pages opened from disk), ``data:`` and, on maps, the
OpenStreetMap tiles over https; no base URL, no forms. Pages without script
(:data:`STATIC_PAGE_POLICY`) allow no script at all. Maps (:func:`map_policy`) allow
exactly the scripts with the page's nonce (no ``'unsafe-inline'``), so an injected
``<script>``, ``onerror=`` attribute or ``javascript:`` link cannot run even where an
escape were missed.

**A deterministic nonce.** Pages must be byte-identical for the same data (results are
compared and archived by content hash), so the nonce cannot be random. It is the first
128 bits of the SHA-256 of the finished page with the nonce left out: the page is rendered
with a random 128-bit slot wherever the nonce goes, the slot is removed to hash the page,
and the hash is written into the slots. Why this does not weaken the policy: a nonce
protects as long as whoever injects markup cannot write the nonce into it. The injected
markup is part of the hashed page, so to carry the nonce it would have to contain the hash
of a page that contains it: a fixed point of SHA-256, about 2^128 work. The random slot
cannot be guessed either, so data cannot stand in for it. Knowing every other input does
not help, and a nonce seen on a page made from other data is a different nonce. A random
nonce would not be stronger here: the pages are static files, so whoever holds a page
reads its nonce whichever way it was made, and none of the maps' scripts writes markup
from the URL or other runtime input. A keyed hash with a random per-run secret would add
nothing against input data and break the byte-identical pages; with a fixed secret it is
just this hash.

**Stable ids.** folium gives every element a random 32-hex id (``map_3f…``,
``circle_marker_9a…``). :func:`renumber_ids` replaces exactly the ids of the page's
elements (passed in, never guessed from the text) by numbers in order of first
appearance, so 64-hex content hashes, 32-hex values in data and everything else stay as
they are; the random ids cannot occur in data by chance (128 bits each).
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
from collections.abc import Iterable

import pandas as pd

__all__ = [
    "STATIC_PAGE_POLICY",
    "check_no_script",
    "csp_meta",
    "finish_page",
    "map_markup",
    "map_policy",
    "map_properties",
    "map_text",
    "nonce_slot",
    "renumber_ids",
]

#: Characters that mean something to JavaScript template literals or to Jinja, as HTML
#: character references (which the HTML parser turns back into the characters).
_JS_AND_JINJA = {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}
_MARKUP_TABLE = str.maketrans(_JS_AND_JINJA)
_TEXT_TABLE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", **_JS_AND_JINJA}
)

_IMAGES = "img-src 'self' file: data:"
_COMMON = "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
#: The policy of pages without script: reports, index, dashboard, imagery review.
STATIC_PAGE_POLICY = f"default-src 'none'; script-src 'none'; {_IMAGES}; {_COMMON}"
#: Where the second base map's tiles come from (folium's "OpenStreetMap").
_TILES = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"

_SCRIPT_OPEN = re.compile(r"<script\b", re.IGNORECASE)
_SCRIPT_CLOSE = re.compile(r"</script", re.IGNORECASE)
#: Candidates for element ids: 32 hex digits standing alone (not part of a longer hex run).
_HEX32 = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


def map_text(value: object) -> str:
    """``value`` as text for a map: safe in HTML text and quoted attributes, in a
    JavaScript string or template literal, and through folium's second Jinja pass."""
    return str(value).translate(_TEXT_TABLE)


def map_markup(markup: str) -> str:
    """Markup from an autoescaping template (values already HTML-escaped) made safe in the
    same places as :func:`map_text`: `` ` `` ``$`` ``\\`` ``{`` ``}`` become character
    references. The markup must have none of them in tag or attribute names (and no
    ``<style>`` or ``<script>`` element, where references are not decoded)."""
    return markup.translate(_MARKUP_TABLE)


def map_properties(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every string value escaped by :func:`map_text` (other values, the
    geometry and the column names as they are), on a fresh 0…n-1 index (folium's feature
    ids)."""
    out = frame.reset_index(drop=True)
    geometry = getattr(frame, "_geometry_column_name", None)
    for col in out.columns:
        if col != geometry and out[col].dtype.kind in "OSU":
            out[col] = out[col].map(lambda v: map_text(v) if isinstance(v, str) else v)
    return out


def csp_meta(policy: str) -> str:
    """The ``<meta http-equiv="Content-Security-Policy">`` tag of ``policy`` (the package's
    own text: no ``"``, ``<``, ``>`` or ``&``)."""
    if html.escape(policy, quote=False) != policy or '"' in policy:
        raise ValueError(f"not a policy for a meta tag: {policy!r}")
    return f'<meta http-equiv="Content-Security-Policy" content="{policy}">'


def map_policy(nonce: str) -> str:
    """The policy of a map page: scripts with ``nonce`` only; OpenStreetMap tiles allowed."""
    return f"default-src 'none'; script-src 'nonce-{nonce}'; {_IMAGES} {_TILES}; {_COMMON}"


def nonce_slot() -> str:
    """A random stand-in for the nonce while a page is rendered (see :func:`finish_page`)."""
    return secrets.token_hex(16)


def check_no_script(page: str) -> str:
    """``page``, after checking that it has no ``<script`` at all (else ValueError)."""
    if _SCRIPT_OPEN.search(page) or _SCRIPT_CLOSE.search(page):
        raise ValueError("a page without script holds <script: escaping failed, page refused")
    return page


def finish_page(page: str, slot: str) -> str:
    """``page`` with its nonce: the first 128 bits of the SHA-256 of the page without the
    slots, written where the random ``slot`` stands.

    Every ``<script`` must be one the package wrote (``<script nonce="SLOT"``), and
    every one closed once; anything else means data broke out of its escaping, and the
    page is refused (ValueError) rather than written.
    """
    ours = page.count(f'<script nonce="{slot}"')
    opened, closed = len(_SCRIPT_OPEN.findall(page)), len(_SCRIPT_CLOSE.findall(page))
    if not ours or opened != ours or closed != ours:
        raise ValueError(
            f"map page has {opened} <script and {closed} </script, {ours} written by "
            "greenmine: escaping failed, page refused"
        )
    nonce = hashlib.sha256(page.replace(slot, "").encode("utf-8")).hexdigest()[:32]
    return page.replace(slot, nonce)


def renumber_ids(page: str, ids: Iterable[str]) -> str:
    """``page`` with each of ``ids`` (random 32-hex element ids) replaced by a number, in
    order of first appearance; any other text, other hex included, is left alone."""
    known = set(ids)
    numbers: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        token = match.group(0)
        if token not in known:
            return token
        return numbers.setdefault(token, str(len(numbers)))

    return _HEX32.sub(number, page)
