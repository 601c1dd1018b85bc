"""From the database to copro's findings: the canonical counts table rebuilt from a dataset's
rows, audited by copro's own engine (``copro.audit.audit``), and kept per dataset.

A dataset never changes once imported (a new file is a new dataset), so its findings are
computed once per process (and kept in copro's result cache, so a restart does not recompute).
"""

from __future__ import annotations

import threading
import time

from copro.counts import Area, CountsTable, DataProvenance, Level
from copro.findings import AuditOptions, Findings
from copro.sources.dfe import publication_fields
from copro.web.explorer.models import Area as AreaRow
from copro.web.explorer.models import Count, Dataset

_lock = threading.Lock()
_findings: dict[tuple[int, str, str], Findings] = {}


#: How long a process trusts its answer to "which dataset is shown?" before asking the
#: database again: a new import is live within this many seconds, and a page costs no query.
CURRENT_TTL = 2.0
_current: tuple[float, Dataset | None] = (0.0, None)


def current_dataset(fresh: bool = False) -> Dataset | None:
    """The dataset the site shows: the DfE requests file imported most recently (asked of
    the database at most every CURRENT_TTL seconds per process, or now if ``fresh``)."""
    global _current
    now = time.monotonic()
    if fresh or _current[1] is None or now - _current[0] > CURRENT_TTL:
        found = (Dataset.objects.filter(kind=Dataset.Kind.DFE_REQUESTS)
                 .order_by("-imported_at", "-id").first())
        _current = (now, found)
    return _current[1]


def counts_table(dataset: Dataset) -> CountsTable:
    """The dataset's rows as copro's canonical counts table. Codes are read through the
    register, so a dataset imported before it gave Somerset its current code (E06000066, not
    DfE's E10000027) reads as one imported now."""
    from copro.register import canonical_code

    rows = list(AreaRow.objects.filter(dataset=dataset))
    code_of = {a.code: canonical_code(a.code) if a.level == Level.LOCAL_AUTHORITY else a.code
               for a in rows}
    areas = {code_of[a.code]: Area(code=code_of[a.code], name=a.name, level=Level(a.level),
                                   region_code=a.region_code or None,
                                   region_name=a.region_name or None,
                                   old_la_code=a.old_la_code or None)
             for a in rows}
    records = [(code_of.get(code, code), period, group, measure, value, reason or None)
               for code, period, group, measure, value, reason in
               Count.objects.filter(dataset=dataset).order_by("id").values_list(
                   "area_code", "period", "group", "measure", "value", "missing_reason")]
    provenance = DataProvenance(source=dataset.source, sha256=dataset.sha256,
                                description=dataset.description,
                                attribution=dataset.attribution, rows_read=dataset.rows_read,
                                rows_used=dataset.rows_used,
                                **(publication_fields(dataset.source)
                                   if dataset.kind == Dataset.Kind.DFE_REQUESTS else {}))
    table = CountsTable.from_records(records, areas, provenance)
    if dataset.default_period:
        from dataclasses import replace

        table = replace(table, default_period=dataset.default_period)
    return table


def findings_for(dataset: Dataset, options: AuditOptions | None = None) -> Findings:
    """copro's audit of the dataset, computed once per dataset and options."""
    from copro import cache

    options = options or AuditOptions()
    key = (dataset.pk, dataset.sha256, repr(options))
    found = _findings.get(key)
    if found is not None:
        return found
    with _lock:
        found = _findings.get(key)
        if found is None:
            entry = cache.key(f"explorer:{dataset.kind}:{dataset.sha256}", options)
            found = cache.load(entry)
            if found is None:
                from copro.audit import audit

                found = audit(counts_table(dataset), options)
                cache.store(entry, found)
            _findings[key] = found
    return found
