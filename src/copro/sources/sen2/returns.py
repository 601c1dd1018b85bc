"""SEN2 returns -> the canonical counts table: one file or a folder of them (one per LA), each
read in one process (:mod:`.read`) or, when large, by several (:mod:`.split`), derived
(:mod:`.derive`) and aggregated (:mod:`.aggregate`)."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import replace
from pathlib import Path

from copro.counts import Area, CountsTable, DataProvenance
from copro.errors import InputError
from copro.inputs import check_input_file, shown
from copro.sources.sen2.aggregate import Aggregator, to_counts
from copro.sources.sen2.read import read_requests, sen2_files
from copro.sources.sen2.split import file_sha256, read_file_parallel
from copro.sources.sen2.summary import Sen2Summary

PARALLEL_MIN_BYTES = 4 << 20  # smaller files are read in one process


def read_sen2(path: Path, key: bytes | None = None) -> tuple[CountsTable, Sen2Summary]:
    """The canonical counts table (with its case-mix strata) from one SEN2 file or a folder of
    them. ``key``: the secret for pseudonymising pupil numbers (random if not given)."""
    key = key or secrets.token_bytes(32)
    summary = Sen2Summary()
    agg = Aggregator()
    areas: dict[str, Area] = {}
    digest = hashlib.sha256()
    files = sen2_files(path)
    first_file: dict[str, Path] = {}

    def one_return_per_la(area: Area, file: Path) -> None:
        if area.code in first_file and first_file[area.code] != file:
            raise InputError(file, f"a second return for {area.name} (the first is "
                                   f"{shown(first_file[area.code].name, 80)}); give each "
                                   "local authority's return once")
        first_file[area.code] = file
        areas[area.code] = area

    for file in files:
        summary.files += 1
        digest.update(file.name.encode())
        check_input_file(file, "sen2")
        workers = min(os.cpu_count() or 1, 8)
        if workers > 1 and file.stat().st_size >= PARALLEL_MIN_BYTES:
            part_agg, part_summary = Aggregator(), Sen2Summary()
            done = read_file_parallel(file, part_summary, part_agg, workers)
            if done is not None:
                sha, area = done
                one_return_per_la(area, file)
                summary.add(part_summary)
                agg.merge(part_agg)
                digest.update(sha.encode())
                continue
        digest.update(file_sha256(file).encode())
        checked = False
        for area, _, r in read_requests(file, key, summary):
            if not checked:
                one_return_per_la(area, file)
                checked = True
            agg.add_request(area.code, r)
    provenance = DataProvenance(
        source=Path(path).name, sha256=digest.hexdigest(),
        description=f"SEN2 person-level returns ({summary.files} file(s), {{persons}} "
                    "persons; {cohort} requests in the year's cohort and {historical} "
                    "historical (H) outside it), pseudonymised on reading",
        _totals=summary.totals(),
        attribution="Derived from local authorities' SEN2 returns; counts below the "
                    "disclosure threshold are suppressed.",
        rows_read=summary.requests, rows_used=summary.requests - summary.not_counted())
    counts = to_counts(agg, areas, provenance)
    if summary.reference_dates:  # the collection's calendar year, not January's stragglers
        counts = replace(counts, default_period=str(max(summary.reference_dates).year - 1))
    return counts, summary

