"""``python -m smekit`` runs the command line."""

from smekit.cli import main

main()
