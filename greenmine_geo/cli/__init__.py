"""The ``greenmine`` command line: thin commands that build a step's parameters and run it.

One module per command family (:mod:`.checks`, :mod:`.imagery`, :mod:`.boundary`,
:mod:`.atlas`, :mod:`.pipeline`); shared options in :mod:`.options`; what the terminal
shows in :mod:`.terminal`.
"""

from .main import cli, main

__all__ = ["cli", "main"]
