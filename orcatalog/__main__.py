"""``python -m orcatalog`` runs the command line."""

from ._launch import main

main()
