"""The `questline` command: serve, worker, scheduler, migrate, apply, demo, import, keys."""

from questline.cli import access, designs, history, serving, upkeep
from questline.cli.root import cli

__all__ = ["cli", "main"]

# Imported for their commands: each adds its own to `cli`, in the order `--help` lists them.
_COMMANDS = (serving, designs, history, access, upkeep)


def main() -> None:
    cli()
