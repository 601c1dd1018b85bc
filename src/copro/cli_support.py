"""What every command shares: the date option type, today's date, the console, exit codes."""

from __future__ import annotations

from datetime import date

import click

EXIT_BAD_INPUT = 2
DATE = click.DateTime(formats=["%Y-%m-%d"])


def day(value) -> date:
    """A ``DATE`` option's value as a date, or today when it was not given."""
    return value.date() if value is not None else date.today()


PIPED_WIDTH = 110


def console():
    """A Rich console: on a terminal, its width; piped, one line per sentence and tables as
    wide as ``COLUMNS`` says (110 when it is not set)."""
    import os

    from rich.console import Console

    out = Console(highlight=False)
    if not out.is_terminal:
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() and int(columns) >= 40 else PIPED_WIDTH
        out = Console(highlight=False, width=width, soft_wrap=True)
    return out
