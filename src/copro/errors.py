"""Errors a person can act on: which file, which line, which field, what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class CoproError(Exception):
    """Any error caused by the user's input or options; the CLI prints it on one line, exit 2."""


@dataclass
class InputError(CoproError):
    """Bad input data, located as precisely as the source allows."""

    path: Path | str
    message: str
    line: int | None = None
    column: str | None = None
    unit: str = "line"  # or 'row', in a spreadsheet

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f", {self.unit} {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"
