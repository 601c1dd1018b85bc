"""SEN2 person-level returns (the XML each LA sends DfE every January) -> the canonical counts
table, pseudonymised at the door.

The flow, one module each:

- :mod:`.read`: one file streamed in one process, ``Person`` by ``Person`` (safe parsing: no
  DTD, no entities, no network);
- :mod:`.split`: a large file cut into byte ranges of whole persons, read by worker processes;
- :mod:`.derive`: one request's raw fields -> a pseudonymised :class:`Request` (group, decision,
  timeliness, case-mix stratum) with its year's code lists;
- :mod:`.aggregate`: requests -> counts by area, period, group and stratum -> the counts table;
- :mod:`.returns`: :func:`read_sen2`, one file or a folder of returns end to end;
- :mod:`.summary`: what the reader saw (unknown codes, historical requests), for messages.

Reads the 2022 to 2026 collections, each with its year's code lists (``sen2_codes``); before
2025 there is no RequestSource (source not known). Names and postcodes are never read; a date
of birth is read only to derive the age at request; UPN and ULN are replaced by a keyed hash.
No error message, log or output carries any of them: errors name the file, line and element.
"""

from copro.sources.sen2.aggregate import ALL_AREAS, Aggregator, to_counts
from copro.sources.sen2.derive import (
    AGE_BANDS,
    BIT,
    FACTORS,
    GROUPS,
    LEVELS,
    MEASURES,
    STRATA,
    Request,
    derive_request,
    parse_date,
    pseudonymise,
    stratum_levels,
)
from copro.sources.sen2.read import read_requests, sen2_files
from copro.sources.sen2.returns import read_sen2
from copro.sources.sen2.summary import Sen2Summary

__all__ = ["AGE_BANDS", "ALL_AREAS", "BIT", "FACTORS", "GROUPS", "LEVELS", "MEASURES",
           "STRATA", "Aggregator", "Request", "Sen2Summary", "derive_request", "parse_date",
           "pseudonymise", "read_requests", "read_sen2", "sen2_files", "stratum_levels",
           "to_counts"]
