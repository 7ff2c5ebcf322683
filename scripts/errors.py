"""The one error type of the staff tools."""
from __future__ import annotations

import click


class CommandError(click.ClickException):
    """Invalid input, a refused action or a data error: the message (Japanese first) on stderr and
    exit status 1. Usage errors stay click's own (exit status 2)."""

    exit_code = 1

    def __init__(self, message: str, prefix: str = ""):
        super().__init__(prefix + message)

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True, file=file)
