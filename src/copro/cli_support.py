"""What every command shares: the date option type, today's date, the console, exit codes."""

from __future__ import annotations

import sys
from datetime import date

import click

EXIT_BAD_INPUT = 2
DATE = click.DateTime(formats=["%Y-%m-%d"])


def day(value) -> date:
    """A ``DATE`` option's value as a date, or today when it was not given."""
    return value.date() if value is not None else date.today()


PIPED_WIDTH = 110


def console(stderr: bool = False):
    """A Rich console: on a terminal, its width; piped with ``COLUMNS`` set, every line as
    wide as it says at most; piped without, one line per sentence and tables 110 wide. A
    closed pipe is left to the command's entry point (a normal end), not turned into exit
    code 1 as Rich does by itself; with ``stderr`` (progress messages), it silences the
    console and the command goes on."""
    import os

    from rich.console import Console

    class PipedConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            if not stderr:  # progress on a closed standard error: the work goes on, unsaid
                raise BrokenPipeError

    out = PipedConsole(highlight=False, stderr=stderr)
    if not out.is_terminal:
        columns = os.environ.get("COLUMNS", "")
        given = columns.isdigit() and int(columns) >= 40
        width = int(columns) if given else PIPED_WIDTH
        # COLUMNS given: every line fits it (sentences wrap); else one line per sentence
        stream = sys.stderr if stderr else sys.stdout
        out = PipedConsole(highlight=False, width=width, soft_wrap=not given, stderr=stderr,
                           file=NoTrailingSpaces(stream))
    return out


class NoTrailingSpaces:
    """A text stream that passes everything on but the spaces at the end of a line (Rich pads
    every wrapped line and table row to the console's width; a pipe or a file wants none)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.pending = ""  # spaces at the end of the last write: dropped if a newline follows

    def write(self, text: str) -> int:
        import re

        held = self.pending + text
        body = held.rstrip(" ")
        self.pending = held[len(body):]
        self.stream.write(re.sub(r" +\n", "\n", body))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", None) or "utf-8"
