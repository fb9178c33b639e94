"""``python -m orcatalog`` runs the command line."""

from .cli import run

run()
