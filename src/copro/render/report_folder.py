"""Which files a report folder holds: the one rule `copro report` uses to decide whether a
folder may be replaced by a new report (before any work, and again when writing). Kept apart
from the report's drawing, so that checking a destination loads no plotting library."""

from __future__ import annotations

import re
from pathlib import Path

#: the report's folder of area pages
AREA_DIR = "la"
_PAGE = re.compile(r"(la/)?[A-Za-z0-9_-]+\.html")


def report_file(relative: Path) -> bool:
    """Whether a file in a report folder is one a copro report writes (so the folder may be
    replaced by a new report)."""
    return str(relative) == AREA_DIR or _PAGE.fullmatch(relative.as_posix()) is not None
