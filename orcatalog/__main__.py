"""``python -m orcatalog`` runs the command line."""

from .launch import main

main()
