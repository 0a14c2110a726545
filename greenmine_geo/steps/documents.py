"""The documents of the atlas: each mine's review report and each league's batch summary,
each as an HTML page, a PDF and a Word file (``reports/<mine>.html|.pdf|.docx``,
``reports/batch/<league>.html|.pdf|.docx``: a folder of their own, so no mine id can name
a league's file).

The three formats are laid out from one :class:`~greenmine_geo.report.document.Document`;
the PDF is the page printed by WeasyPrint, with pictures only from the run's own
directories. Drawn in worker processes like the print maps
(:func:`~.atlas_workers.in_workers`), since printing a PDF takes about half a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ..io import results
from ..io.naming import file_names
from ..io.office import write_office_zip
from ..progress import Progress
from ..report.batch_dossier import NO_LEAGUE, batch_dossier, league_of_mines
from ..report.document import Document
from ..report.docx_writer import document_docx
from ..report.mine_dossier import mine_dossier, mine_ids
from ..report.pdf import document_pdf, picture_url
from ..report.render import document_html, relative_href
from ..run_results import RunResults
from ..terms import Lang
from .atlas_workers import in_workers

__all__ = ["DOC_SUFFIXES", "write_documents"]

#: The formats of every document, in the order the index links them.
DOC_SUFFIXES = (".html", ".pdf", ".docx")


def _write(doc: Document, stem: Path, roots: list[Path], landscape: bool = False) -> list[Path]:
    """``doc`` as ``stem`` + .html, .pdf and .docx."""
    orientation: Literal["portrait", "landscape"] = "landscape" if landscape else "portrait"
    page = document_html(doc, stem.parent, orientation)
    doc.links = []  # the page's navigation is for the browser only
    printed = document_html(doc, stem.parent, orientation, lambda p: picture_url(p, roots))
    pdf = document_pdf(printed, roots)
    docx = document_docx(doc, landscape)
    html, pdf_path, docx_path = (stem.parent / f"{stem.name}{s}" for s in DOC_SUFFIXES)
    return [  # names are stem + suffix: a stem may hold dots (ids do), never with_suffix
        results.write_text(page, html),
        results.write_bytes(pdf, pdf_path),
        write_office_zip(docx, docx_path),
    ]


def _jobs(
    res: RunResults, folder: Path, lang: Lang, jobs: list[tuple[str, str, str, Path | None]]
) -> list[Path]:
    """Write ``jobs`` ((kind, key, file stem, print map): kind "mine" or "batch")."""
    written = []
    roots = [res.root, folder.parent]
    index = folder.parent / "index.html"
    for kind, key, stem, shown in jobs:
        if kind == "mine":
            doc = mine_dossier(res, key, shown, lang)
        else:
            doc = batch_dossier(res, key, lang)
        where = folder if kind == "mine" else folder / "batch"
        doc.links = [("← 图集 atlas", relative_href(index, where))]
        written += _write(doc, where / stem, roots, landscape=kind == "batch")
    return written


def write_documents(
    res: RunResults, out_dir: Path, lang: Lang, prints: dict[str, Path], progress: Progress
) -> tuple[dict[str, list[Path]], dict[str, list[Path]], list[Path]]:
    """Every mine's report (with its print map from ``prints``, mine id → PNG) and every
    league's summary in ``out_dir/reports``; returns the files per mine id, per league,
    and all of them."""
    folder = out_dir / "reports"
    mines = file_names(mine_ids(res))
    league_names = sorted(set(league_of_mines(res)), key=lambda n: (n == NO_LEAGUE, n))
    batches = file_names(league_names)
    jobs: list[tuple[str, str, str, Path | None]] = [
        ("mine", k, stem, prints.get(k)) for k, stem in mines.items()
    ]
    jobs += [("batch", k, stem, None) for k, stem in batches.items()]
    written = in_workers(_jobs, (res, folder, lang), jobs, progress, "documents", "document files")

    def files(where: Path, stem: str) -> list[Path]:
        return [where / f"{stem}{s}" for s in DOC_SUFFIXES]

    return (
        {k: files(folder, stem) for k, stem in mines.items()},
        {k: files(folder / "batch", stem) for k, stem in batches.items()},
        written,
    )
