"""A survey export (Microsoft Forms, Google Forms, SmartSurvey, JISC; read by
:func:`copro.survey.external.read_external`) uploaded on the manage page: first a preview of
what would be stored, what is ignored and what looks like a duplicate (rows recognised by their
normalised content, as ``copro survey import`` recognises them), then stored on confirmation
into a new round, the open round or a chosen round not yet published.

Between the preview and the confirmation the rows are kept in the coordinator's session as
read and cleaned (identifiers already removed from written answers), never the file; the
session forgets them once stored or replaced."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from copro.survey.external import read_external
from copro.survey.instrument import load_instrument
from copro.web.survey.models import ImportedFile, Response
from copro.web.survey.security import keyed_hash

SESSION_KEY = "survey:upload"
SUFFIXES = (".csv", ".xlsx")


@dataclass
class Preview:
    audience: str
    name: str
    rows: list[dict]  # the rows that would be stored
    keys: list[str]
    already: int  # rows already imported (by content)
    empty: int
    matched: dict[str, str]
    unmatched: list[str]
    cleaned: int
    file_hash: str
    file_done: bool  # this very file was imported before


def read_upload(upload, code: str, audience: str) -> Preview:
    """Read an uploaded file (Django's ``UploadedFile``) as ``copro survey import`` reads one;
    :class:`copro.errors.InputError` for a file it cannot read."""
    from copro.errors import InputError

    name = Path(upload.name or "upload.csv").name[:100]
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(Path(name), "upload a CSV or Excel (.xlsx) export of the form")
    with tempfile.TemporaryDirectory(prefix="copro-upload-") as tmp:
        path = Path(tmp) / f"export{suffix}"
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        try:
            imported = read_external(path, load_instrument(), audience)
        except InputError as exc:
            raise InputError(Path(name), exc.message, line=exc.line,
                             column=exc.column) from None
    keys = [keyed_hash("import", code, audience, k) for k in imported.row_keys]
    known = set(Response.objects.filter(import_key__in=keys).values_list("import_key",
                                                                          flat=True))
    new = [(a, k) for a, k in zip(imported.rows, keys, strict=True) if k not in known]
    return Preview(audience, name, [a for a, _ in new], [k for _, k in new],
                   len(imported.rows) - len(new), imported.empty_rows,
                   dict(imported.matched), list(imported.unmatched),
                   imported.free_text_cleaned, imported.file_hash,
                   ImportedFile.objects.filter(area_code=code, audience=audience,
                                               file_hash=imported.file_hash).exists())


def store(code: str, p: Preview, round_id: int | None, label: str):
    """Store the previewed rows (rows imported meanwhile skipped) in one transaction; the round
    they went into (None if nothing was new)."""
    from copro.web.survey.commands import _store_import

    known = set(Response.objects.filter(import_key__in=p.keys).values_list("import_key",
                                                                           flat=True))
    new = [(a, k) for a, k in zip(p.rows, p.keys, strict=True) if k not in known]
    if not new:
        return None, 0

    class _Imported:
        file_hash = p.file_hash

    if ImportedFile.objects.filter(area_code=code, audience=p.audience,
                                   file_hash=p.file_hash).exists():
        _Imported.file_hash = keyed_hash("upload", p.file_hash, *p.keys)  # another record
    round_ = _store_import(code, p.audience, _Imported, new, round_id, label, Path(p.name),
                           load_instrument())
    return round_, len(new)


def to_session(p: Preview) -> dict:
    return dict(p.__dict__)


def from_session(data: dict | None) -> Preview | None:
    if not data:
        return None
    try:
        return Preview(**data)
    except TypeError:
        return None
