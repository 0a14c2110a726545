"""The reviewer's page for one submitted image: the checklist in words, the quick-look,
and blank fields for the reviewer's opinion and signature."""

from __future__ import annotations

from ..imagery.review import ReviewResult
from ..terms import Lang, value_word
from .checklist import checklist_rows
from .render import render

__all__ = ["render_review"]


def render_review(
    result: ReviewResult,
    lang: Lang = "zh",
    mine_name: str | None = None,
    quicklook: str | None = None,
) -> str:
    """HTML page of a review in ``lang`` (Chinese first, English beside the headings).

    ``mine_name``: the mine's own name, when its layer has one; ``quicklook``: the link
    (relative to the page) to the picture of the image with the mine's boundary.
    """
    return render(
        "review.html",
        r=result.to_json(),
        rows=checklist_rows(result, lang),
        overall=value_word(result.overall.value, lang),
        mine_name=mine_name,
        quicklook=quicklook,
        zh=lang == "zh",
    )
