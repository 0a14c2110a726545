"""``python -m greenmine_geo`` runs the ``greenmine`` command line."""

from .cli import main

main()
