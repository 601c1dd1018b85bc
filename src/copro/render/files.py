"""Writing output files whole or not at all, with the data's attribution beside them."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from copro.errors import CoproError
from copro.findings import Findings
from copro.render import area_table


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside ``path`` and rename it into place: a failure leaves
    nothing half-written."""
    path = Path(path)
    if not path.parent.exists():
        raise CoproError(f"{path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        raise CoproError(f"{path}: cannot be written ({exc.strerror})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def about_text(findings: Findings) -> str:
    """Provenance, attribution and method notes that travel with every exported table."""
    p = findings.provenance
    lines = [
        f"Coproduction Audit (copro {findings.tool_version}): requests for an EHC needs "
        f"assessment, {findings.group_a.label} vs {findings.group_b.label}, {findings.period}.",
        f"Data: {p.description}; file {p.source}, SHA-256 {p.sha256}.",
        p.attribution,
        "",
        "Outcomes:",
        *[f"- {o.name}: {o.definition}" for o in findings.outcomes],
        "",
        "Methods: rates with Wilson score 95% intervals; risk ratio with the Katz log interval "
        "(0.5 added to each cell of a table with a zero cell); risk difference with Newcombe's "
        "hybrid score interval; Fisher's exact test (two-sided) with Benjamini-Hochberg q-values "
        "across local authorities.",
        "Empty cells are missing figures; the *_missing and *_not_comparable_reason columns say "
        "why (e.g. a DfE suppression symbol).",
        "",
        *findings.caveats,
    ]
    return "\n".join(lines) + "\n"


def write_csv(findings: Findings, path: Path) -> Path:
    """The per-area table as CSV, and ``<name>.about.txt`` beside it with provenance and
    attribution. Returns the path of the about file."""
    path = Path(path)

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(area_table.columns(findings))
            out.writerows(area_table.rows(findings))

    about = path.with_name(path.stem + ".about.txt")
    write_atomic(path, write)
    write_atomic(about, lambda tmp: tmp.write_text(about_text(findings), encoding="utf-8"))
    return about


def write_xlsx(findings: Findings, path: Path) -> None:
    """The per-area table as an Excel workbook: sheet 'Areas', and sheet 'About' with
    provenance, attribution and methods."""
    from openpyxl import Workbook

    def write(tmp: Path) -> None:
        wb = Workbook()
        ws = wb.active
        ws.title = "Areas"
        ws.append(area_table.columns(findings))
        for row in area_table.rows(findings):
            ws.append(row)
        ws.freeze_panes = "E2"
        about = wb.create_sheet("About")
        for line in about_text(findings).splitlines():
            about.append([line])
        wb.save(tmp)

    write_atomic(Path(path), write)
