"""``python -m wsapp``: the same as the ``wsapp`` command."""

from .cli import main

main()
