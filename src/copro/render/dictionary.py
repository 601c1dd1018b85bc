"""The data dictionary: every JSON field and CSV column of copro's outputs, with units, read
from the one place they are documented, ``docs/outputs.md``, as installed with copro (its copy
``copro/data/outputs.md``, package data; a test fails when the two differ), so that the
website's dictionary page works from an installed copro and cannot drift from the
documentation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

#: docs/outputs.md as installed with copro (``make outputs-doc`` copies it from docs/).
OUTPUTS_DOC = Path(str(resources.files("copro") / "data" / "outputs.md"))
#: Where it is documented, in a source checkout (the MkDocs site's page /docs/outputs/).
SOURCE_DOC = Path("docs") / "outputs.md"

_CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Section:
    """One heading of the document: its level (2 or 3), title, paragraphs, and its table
    (header and rows of cells), if it has one."""

    level: int
    title: str
    anchor: str
    paragraphs: tuple[str, ...]
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def anchored_rows(self) -> list[tuple[str, tuple[str, ...]]]:
        """Each row with its anchor (:func:`row_anchor`), so that a page can link to it."""
        return [(row_anchor(self.anchor, r[0] if r else ""), r) for r in self.rows]


def row_anchor(section_anchor: str, first_cell: str) -> str:
    """A row's anchor on the dictionary page: its section's and the first name written in code
    in its first cell (else the cell's words), '--' between ('the-survey-s-results--withheld')."""
    names = _CODE.findall(first_cell)
    return f"{section_anchor}--{anchor(names[0] if names else first_cell)}"


def anchor(title: str) -> str:
    """'`copro audit --json`: the full result' -> 'copro-audit-json-the-full-result'."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower().replace("`", "")).strip("-")


def sections(text: str | None = None) -> list[Section]:
    """The document's sections with a heading of level 2 or 3 (the title is left out)."""
    if text is None:
        text = OUTPUTS_DOC.read_text(encoding="utf-8")
    out: list[Section] = []
    level, title, paragraphs, table, para = 0, "", [], [], []

    def close():
        if para:
            paragraphs.append(" ".join(para))
            para.clear()
        if title:
            header = tuple(table[0]) if table else ()
            out.append(Section(level, title, anchor(title), tuple(paragraphs), header,
                               tuple(tuple(r) for r in table[2:])))

    for line in text.splitlines():
        heading = re.match(r"^(#{2,3}) (.+)$", line)
        if heading:
            close()
            level, title, paragraphs, table = len(heading[1]), heading[2].strip(), [], []
            continue
        if line.startswith("|"):
            if para:
                paragraphs.append(" ".join(para))
                para.clear()
            table.append([c.strip() for c in line.strip().strip("|").split(" | ")])
        elif line.strip():
            para.append(line.strip())
        elif para:
            paragraphs.append(" ".join(para))
            para.clear()
    close()
    return out


def documented_names(text: str | None = None) -> set[str]:
    """Every name written in code in the first column of a table, split at commas: what the
    document says it documents (a pattern such as ``<outcome>_<group>_rate`` included)."""
    names: set[str] = set()
    for s in sections(text):
        for row in s.rows:
            names.update(_CODE.findall(row[0]) if row else ())
    return names


def is_documented(column: str, names: set[str]) -> bool:
    """Whether ``column`` is named in ``names``, directly or by a pattern: ``<outcome>``,
    ``<group>`` and the like stand for one word (letters and underscores), and a name that
    starts with ``_`` continues the pattern before it in its row (``_ci_low`` after
    ``<outcome>_<group>_rate``)."""
    for name in names:
        pattern = "^" + re.sub(r"<[a-z_]+>", "[a-z_0-9]+", re.escape(name)) + "$"
        if re.match(pattern, column):
            return True
        if name.startswith("_") and column.endswith(name):
            return True
    return False
