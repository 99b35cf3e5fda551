"""`python -m questline.cli`: the same as the `questline` command."""

from questline.cli import main

main()
