"""The explorer's pages as served, shared by every worker process through the database.

A page's bytes depend only on the dataset, the address and copro's own code (and, for an LA
page, on which survey results are published), so they are drawn once per dataset and code
version, not once per worker: the first process to draw a page stores it (one row, written in
one transaction: no reader ever sees half of it), and every other worker reads that row.
``warm`` draws every local authority's page (HTML, JSON and CSV), the index and the methods
page in one go (and forgets pages no reader will be given again): ``copro db import`` does it
after importing, and ``copro serve`` before its workers start, so the site is fast from its
first request. The funnel plot, the one figure still drawn with matplotlib, is kept the same way
(``funnel``), so a worker never draws it when another has.

Keys: a SHA-256 of the page's address and format, the survey's publication stamp where the
page shows it, and a fingerprint of every file of copro's package (code, templates, the
stylesheet, bundled data) and of docs/outputs.md, so a changed page, template, stylesheet or
data file is never served stale.
Importing a new file empties the table (``clear``), in the import's own transaction (the same
file again changes nothing and keeps it). The cached pages carry no secret (no CSRF token, no
session, nothing from the request but its path), so they may be compressed once, here, and
sent gzipped (no BREACH exposure).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from django.db import DatabaseError, transaction

from copro.web.explorer.models import Dataset, RenderedPage

log = logging.getLogger("copro.pagecache")

#: Change when what a row holds changes meaning.
FORMAT = "copro-page-1"
#: The advisory lock (PostgreSQL) that one process drawing pages holds: "copro" in ASCII.
LOCK_ID = 0x636F70726F
#: Folders of the package whose files never change what a page says.
_SKIPPED = {"__pycache__", "docs_site"}

#: (status, body, filename, gzip of body or None)
Rendered = tuple[int, bytes, str, "bytes | None"]


def fingerprinted() -> list[Path]:
    """The files whose bytes are in :func:`code_version`: every file of copro's package
    (Python, templates, stylesheet, bundled data such as the LA register and the neighbours
    and hex map files), and the documentation the site reads from outside it
    (``docs/outputs.md``, the data dictionary's one source, where the checkout has it)."""
    from copro.render.dictionary import OUTPUTS_DOC

    root = Path(__file__).resolve().parents[2]
    files = [path for path in sorted(root.rglob("*"))
             if path.is_file() and path.suffix != ".pyc"
             and not _SKIPPED.intersection(path.relative_to(root).parts)]
    return files + ([OUTPUTS_DOC] if OUTPUTS_DOC.is_file() else [])


@cache
def code_version() -> str:
    """SHA-256 over the :func:`fingerprinted` files: any change to what a page says or looks
    like gives new keys."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256(FORMAT.encode())
    for path in fingerprinted():
        h.update(os.path.relpath(path, root).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def key(parts: tuple) -> str:
    """The row's key for a page: its address and format (``parts``) under this code."""
    return hashlib.sha256(repr((code_version(), *parts)).encode()).hexdigest()


def pack(status: int, body: bytes, filename: str) -> Rendered:
    """A rendered page with its gzip (pages under 1 KB are sent as they are)."""
    packed = gzip.compress(body, compresslevel=6, mtime=0) if len(body) > 1024 else None
    return status, body, filename, packed


def load(dataset: Dataset, entry: str) -> Rendered | None:
    """The stored page, or None (not drawn yet, or the database cannot be read)."""
    try:
        row = (RenderedPage.objects.filter(dataset=dataset, key=entry)
               .values_list("status", "gzipped", "filename").first())
    except DatabaseError:
        return None
    return None if row is None else _unpacked(*row)


def _unpacked(status: int, gzipped, filename: str) -> Rendered:
    """A kept row as :func:`pack` made it: the body unzipped, its gzip kept where sent."""
    gzipped = bytes(gzipped)
    body = gzip.decompress(gzipped)
    return status, body, filename, gzipped if len(body) > 1024 else None


def load_many(dataset: Dataset, entries: list[str]) -> dict[str, Rendered]:
    """The stored pages among ``entries``, by key, read in a few queries (pages not drawn yet
    are missing from the answer, as are all when the database cannot be read)."""
    found: dict[str, Rendered] = {}
    try:
        for start in range(0, len(entries), 500):  # within SQLite's limit on parameters
            rows = (RenderedPage.objects.filter(dataset=dataset,
                                                key__in=entries[start:start + 500])
                    .values_list("key", "status", "gzipped", "filename"))
            for entry, *row in rows:
                found[entry] = _unpacked(*row)
    except DatabaseError:
        return {}
    return found


def store(dataset: Dataset, entries: dict[str, Rendered]) -> None:
    """Keep pages for every worker; a page another process stored first is left as it is
    (both drew the same bytes). A database that cannot be written only costs speed."""
    rows = [RenderedPage(dataset=dataset, key=k, status=s, filename=f,
                         gzipped=p if p is not None else gzip.compress(b, mtime=0))
            for k, (s, b, f, p) in entries.items()]
    try:
        with transaction.atomic():
            RenderedPage.objects.bulk_create(rows, batch_size=100, ignore_conflicts=True)
    except DatabaseError as exc:
        log.warning("copro: pages not kept in the database (%s)", type(exc).__name__)


def clear() -> None:
    """Forget every stored page: a new file was imported."""
    RenderedPage.objects.all().delete()


def stored_keys(dataset: Dataset) -> set[str]:
    return set(RenderedPage.objects.filter(dataset=dataset).values_list("key", flat=True))


def funnel(dataset: Dataset, findings) -> None:
    """Give this process the dataset's funnel plot (every LA page highlights its own point on
    it): as another process kept it, else drawn (matplotlib, the one slow figure) and kept."""
    import json

    from copro.render.dot_figures import SvgFigure
    from copro.web.explorer import pages

    if pages.held_funnel(findings)[0]:
        return
    entry = key(("funnel",))
    kept = load(dataset, entry)
    if kept is not None:
        doc = json.loads(kept[1])
        figure = None if doc is None else SvgFigure(**doc)
    else:
        figure = pages.draw_funnel(findings)
        doc = None if figure is None else {"id": figure.id, "title": figure.title,
                                           "description": figure.description,
                                           "svg": figure.svg}
        store(dataset, {entry: pack(200, json.dumps(doc).encode(), "funnel")})
    pages.hold_funnel(findings, figure)


def warm(dataset: Dataset) -> int:
    """Draw and store every page not stored yet for ``dataset``: each local authority's page
    (HTML, JSON, CSV, the page built once for all three), the index and the methods page.
    Returns how many were drawn (0 when all were there already)."""
    with exclusive():  # several processes starting at once: one draws, the others find it done
        return _warm(dataset)


@contextmanager
def exclusive():
    """Held by one process at a time, across processes: on PostgreSQL an advisory lock (any
    host using the database), else a lock on a file in the data folder (SQLite lives on one
    host). A second ``copro serve`` starting while the first draws waits, then draws nothing."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_ID])
            try:
                yield
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])
        return
    import fcntl

    folder = Path(settings.DATA_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "pages.lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _warm(dataset: Dataset) -> int:
    from copro.web.explorer import views

    have = stored_keys(dataset)
    drawn: dict[str, Rendered] = {}
    total = 0
    current = {key(("funnel",))}
    for parts, build in views.every_page(dataset):
        wanted = {fmt: key(parts(fmt)) for fmt in views.FORMATS}
        current.update(wanted.values())
        missing = [fmt for fmt, k in wanted.items() if k not in have]
        if not missing:
            continue
        page, filename, path = build()
        for fmt in missing:
            drawn[wanted[fmt]] = views.render_page(page, fmt, filename, path)
        total += len(missing)
        if len(drawn) >= 60:
            store(dataset, drawn)
            drawn = {}
    store(dataset, drawn)
    prune(dataset, current)
    return total


def prune(dataset: Dataset, current: set[str]) -> None:
    """Forget pages no reader will be given again: other datasets', an older code version's or
    survey publication's (pages drawn on request, such as comparisons, are drawn again)."""
    stale = RenderedPage.objects.exclude(dataset=dataset, key__in=current)
    try:
        with transaction.atomic():
            stale.delete()
    except DatabaseError as exc:
        log.warning("copro: old pages not forgotten (%s)", type(exc).__name__)
