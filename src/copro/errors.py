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


_ADVICE = {
    "EACCES": "choose a folder you can write to, or change this one's permissions",
    "EPERM": "choose a folder you can write to (this one is protected, e.g. immutable)",
    "EROFS": "the file system is read-only; choose a folder on a writable one",
    "ENOSPC": "the disk is full; free some space or choose a folder on another disk",
    "EDQUOT": "your disk quota is used up; free some space or choose another folder",
    "ENOTDIR": "part of the path is a file, not a folder; choose another place",
    "EISDIR": "a folder is in the way; choose another name",
    "EEXIST": "something is in the way; choose another name",
    "ENAMETOOLONG": "the name is too long; choose a shorter one",
    "EIO": "the device reported a read or write error; check the disk",
    "ENOENT": "the folder disappeared while copro was writing; check the path",
}


def cannot_write(path: Path | str, exc: OSError, what: str = "cannot be written") -> CoproError:
    """One line for an output that could not be written: the path, the system's reason, and
    what to do about it."""
    import errno

    reason = exc.strerror or type(exc).__name__
    advice = _ADVICE.get(errno.errorcode.get(exc.errno or 0, ""), "choose another place")
    return CoproError(f"{path}: {what} ({reason}); {advice}")
