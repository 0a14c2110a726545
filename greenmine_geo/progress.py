"""Progress reporting without printing: computation reports stages, the CLI draws the bar."""

from __future__ import annotations

from typing import Protocol

__all__ = ["NullProgress", "Progress"]


class Progress(Protocol):
    """Receives the stages of a long job."""

    def start(self, total: int, description: str) -> None: ...

    def advance(self, label: str) -> None: ...

    def note(self, label: str) -> None:
        """Say how far a stage has got (``12,288 of 30,000 mines``) without advancing."""
        ...

    def close(self) -> None: ...


class NullProgress:
    """Progress that goes nowhere (library and notebook use)."""

    def start(self, total: int, description: str) -> None:
        pass

    def advance(self, label: str) -> None:
        pass

    def note(self, label: str) -> None:
        pass

    def close(self) -> None:
        pass
