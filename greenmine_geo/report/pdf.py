"""A review document's page printed to PDF by WeasyPrint, with the CJK font embedded.

The PDF is the HTML page (:func:`~.render.document_html`) laid out for A4 by a real
print engine, so page, PDF and Word file show the same document. Text stays text (a
reviewer can search and copy it); WeasyPrint embeds the subset of Noto Sans CJK SC
the document uses.

WeasyPrint fetches what a page links (pictures, stylesheets) and would follow any URL,
local or remote. Pages here hold input values only as escaped text, but the fetcher
is the door: :func:`_run_files` gives it PNG pictures from the run's own directories
and nothing else — no network, no other local file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse

from ..errors import InputError
from ..maps.paper import CJK_FONT, cjk_font_file

__all__ = ["document_pdf", "picture_url"]

#: The pictures a document may show.
_PICTURES = {".png": "image/png"}


#: Pictures are linked as ``file:///greenmine-run/<k>/<path under roots[k]>``: the URL
#: names a picture in the PDF, so it must not hold where the run happens to lie.
_VIRTUAL = "/greenmine-run/"


def picture_url(path: Path, roots: list[Path]) -> str:
    """The URL a page printed to PDF links the picture ``path`` by (``about:blank`` for a
    picture under none of ``roots``: it is left out)."""
    path = path.resolve()
    for k, root in enumerate(r.resolve() for r in roots):
        if path.is_relative_to(root):
            return f"file://{_VIRTUAL}{k}/{quote(path.relative_to(root).as_posix())}"
    return "about:blank"


def _run_files(roots: list[Path]) -> Any:
    """A WeasyPrint fetcher of the PNGs :func:`picture_url` names, under ``roots`` only;
    anything else is refused, and left out of the PDF."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    resolved = [r.resolve() for r in roots]

    class RunFiles(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            parsed = urlparse(url)
            root, _, rest = unquote(parsed.path).removeprefix(_VIRTUAL).partition("/")
            if (
                parsed.scheme != "file"
                or parsed.netloc
                or not parsed.path.startswith(_VIRTUAL)
                or not root.isdigit()
                or int(root) >= len(resolved)
            ):
                raise ValueError(f"{url}: only the run's own pictures are shown")
            path = (resolved[int(root)] / rest).resolve()
            kind = _PICTURES.get(path.suffix.lower())
            if kind is None or not any(path.is_relative_to(r) for r in resolved):
                raise ValueError(f"{path}: not a picture of this run")
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})

    return RunFiles(allowed_protocols={"file"}, allow_redirects=False)


def _weasyprint() -> Any:
    """WeasyPrint's HTML class; one clear error where its system libraries are missing."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango not installed: WeasyPrint loads it when imported
        raise InputError(
            f"the PDF documents need Pango ({exc}); install libpango-1.0-0 and "
            "libpangoft2-1.0-0 (make setup does it on Debian as root), see "
            "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html"
        ) from None
    return HTML


def document_pdf(html: str, roots: list[Path]) -> bytes:
    """The PDF of a page whose pictures are linked by :func:`picture_url` under ``roots``
    (the results and output directories); relative links resolve to nothing.

    Raises
    ------
    InputError
        The CJK font is not installed (the text would print as empty boxes).
    """
    if cjk_font_file() is None:
        raise InputError(
            f"the review documents need the {CJK_FONT} font; install fonts-noto-cjk "
            "(make setup does it on Debian as root) or the font from github.com/notofonts/noto-cjk"
        )
    page = _weasyprint()(
        string=html, base_url=f"file://{_VIRTUAL}none/", url_fetcher=_run_files(roots)
    )
    return bytes(page.write_pdf())
