"""The reviewer's page for one submitted image."""

from __future__ import annotations

from typing import Any

from .render import render

__all__ = ["render_review"]


def render_review(review: dict[str, Any]) -> str:
    """HTML page of a review (the content of ``review.json``)."""
    return render("review.html", r=review)
