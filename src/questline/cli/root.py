"""The `questline` command's root: each module of this package adds its commands to it."""

import typer

cli = typer.Typer(help="Questline: a self-hostable gamification engine.", no_args_is_help=True)
