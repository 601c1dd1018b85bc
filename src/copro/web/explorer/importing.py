"""``copro db import``: a source's counts table, with its provenance, into the database.

Every file is read by copro's own readers (``copro.sources``), so the same checks apply as on
the command line and a bad file stops with the same one-line error. Only aggregate counts are
stored: SEN2 returns are pseudonymised and reduced to counts on reading, and small counts are
withheld (``copro.disclosure``) before anything reaches the database; their case-mix strata are
not stored. A file already imported (same kind, same SHA-256) is not imported twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from copro.counts import CountsTable
from copro.web.explorer.models import Area, Count, Dataset

OGL = "Open Government Licence v3.0"


@dataclass(frozen=True)
class Imported:
    dataset: Dataset
    created: bool  # False: the same file was imported before


def import_dfe(path: Path | None = None) -> Imported:
    """A DfE EHC plans ``requests`` CSV (default: the bundled 2025 extract)."""
    from copro.provenance import read_input
    from copro.sources.dfe import bundled_dfe_path, read_dfe_requests

    path = Path(path) if path is not None else bundled_dfe_path()
    counts = read_dfe_requests(path, read_input(path))
    return store(counts, Dataset.Kind.DFE_REQUESTS, OGL)


def import_foi(folder: Path, year: str | None = None) -> tuple[Imported, list[str]]:
    """A folder of completed FOI returns; returns the messages of rejected returns too."""
    from copro.sources.foi import read_foi_returns

    counts, rejected = read_foi_returns(Path(folder), year)
    licence = "Information released under the Freedom of Information Act 2000"
    return store(counts, Dataset.Kind.FOI_RETURNS, licence), [r.message for r in rejected]


def import_sen2(path: Path, suppress_below: int = 5) -> Imported:
    """SEN2 person-level returns, reduced on reading to aggregate counts with small counts
    withheld; no person-level value and no case-mix stratum reaches the database."""
    from dataclasses import replace

    from copro.disclosure import suppress_small_counts
    from copro.sources.sen2 import read_sen2

    key = os.environ.get("COPRO_PSEUDONYM_KEY")
    counts, _summary = read_sen2(Path(path), key.encode() if key else None)
    counts = replace(suppress_small_counts(counts, suppress_below), strata=None)
    licence = "Aggregate counts derived from local authorities' SEN2 returns"
    return store(counts, Dataset.Kind.SEN2_AGGREGATE, licence, suppress_below)


@transaction.atomic
def store(counts: CountsTable, kind: str, licence: str,
          suppress_below: int | None = None) -> Imported:
    """Write one counts table and its areas as a dataset, whole or not at all. Every page kept
    for the workers (pagecache) is forgotten in the same transaction: data were imported. The
    same file again (same kind and SHA-256) changes nothing, and so keeps the pages drawn from
    it: they would be drawn again with the same bytes."""
    from copro.web.explorer import pagecache

    prov = counts.provenance
    existing = Dataset.objects.filter(kind=kind, sha256=prov.sha256).first()
    if existing is not None:
        return Imported(existing, created=False)
    pagecache.clear()
    periods = counts.periods()
    dataset = Dataset.objects.create(
        slug=_slug(kind, periods, prov.sha256), kind=kind, source=prov.source,
        description=prov.description, periods=",".join(periods),
        default_period=counts.default_period or "", sha256=prov.sha256, licence=licence,
        attribution=prov.attribution, rows_read=prov.rows_read, rows_used=prov.rows_used,
        suppress_below=suppress_below)
    Area.objects.bulk_create([
        Area(dataset=dataset, code=a.code, name=a.name, level=a.level.value,
             region_code=a.region_code or "", region_name=a.region_name or "",
             old_la_code=a.old_la_code or "")
        for a in counts.areas.values()], batch_size=1000)
    Count.objects.bulk_create([
        Count(dataset=dataset, area_code=code, period=period, group=group, measure=measure,
              value=value, missing_reason=reason or "")
        for code, period, group, measure, value, reason in counts.records], batch_size=2000)
    return Imported(dataset, created=True)


def _slug(kind: str, periods: list[str], sha256: str) -> str:
    span = periods[0] if len(periods) == 1 else f"{periods[0]}-{periods[-1]}"
    return slugify(f"{kind.replace('_', '-')}-{span}-{sha256[:12]}")[:80]
