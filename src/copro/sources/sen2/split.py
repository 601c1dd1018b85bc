"""Read one large SEN2 file with several processes: the file is cut into byte ranges of whole
``Person`` elements, each read by a worker (:mod:`.read`'s person reader), and the workers'
counts are merged. Any layout the byte ranges cannot follow, or any error, returns None: the
one-process reader then reads the file and reports exactly as for a small file."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date
from pathlib import Path

from copro.counts import Area
from copro.errors import InputError
from copro.sources.sen2.aggregate import Aggregator
from copro.sources.sen2.read import (
    count_unread,
    drop_read,
    local_name,
    person_requests,
    read_requests,
)
from copro.sources.sen2.summary import Sen2Summary

_PERSONS_TAG = re.compile(rb"<Persons(?:\s[^<>]*)?>")
#: where a Person element may begin (under a namespace prefix or none)
_PERSON_START = re.compile(rb"<(?:[^\s<>/!?:]+:)?Person[\s>]")


def _header(path: Path, summary: Sen2Summary) -> tuple[Area, date, int] | None:
    """The file's LA and reference date, and the byte offset where its persons begin; None
    if the file is not laid out for reading in byte ranges (not UTF-8, Persons under a
    namespace prefix or not found in the first megabyte): it is then read in one process."""
    area, reference, _ = next(read_requests(path, b"", summary, header_only=True))
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    found = _PERSONS_TAG.search(head)
    if found is None or b"\x00" in head[:64] or head.startswith((b"\xff\xfe", b"\xfe\xff")) \
            or found.group(0).endswith(b"/>") or b"xmlns" in found.group(0):
        return None
    return area, reference, found.end()


def _skeleton_ok(path: Path, start: int, end: int) -> bool:
    """Whether the file without its persons (bytes before ``start`` and from ``end``) is a
    well-formed Message with no Person outside Persons: so a truncated file, a wrong root or
    a stray Person is read in one process, which reports it exactly as for a small file."""
    from lxml import etree

    size = path.stat().st_size
    if end >= size or start > (1 << 20) or size - end > (1 << 16):
        return False
    with open(path, "rb") as fh:
        head = fh.read(start)
        fh.seek(end)
        tail = fh.read()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(head + tail, parser)
    except etree.XMLSyntaxError:
        return False
    persons = [e for e in root.iter() if local_name(e.tag) == "Persons"]
    return (local_name(root.tag) == "Message" and len(persons) == 1
            and not any(local_name(e.tag) == "Person" for e in root.iter()))


def _split(path: Path, start: int, parts: int) -> list[tuple[int, int]]:
    """Byte ranges of whole Person elements (found by reading small windows, so memory stays
    flat however large the file)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(start, size - (1 << 16)))
        tail = fh.read()
        at = tail.rfind(b"</Persons>")
        end = size - len(tail) + at if at >= 0 else size
        cuts = [start]
        for i in range(1, parts):
            offset = start + (end - start) * i // parts
            fh.seek(offset)
            window = fh.read(1 << 20)
            found = _PERSON_START.search(window)
            if found and cuts[-1] < offset + found.start() < end:
                cuts.append(offset + found.start())
    cuts.append(end)
    return list(zip(cuts, cuts[1:], strict=False))


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks (run in the parent while the workers parse)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _die_with_parent() -> None:
    """In a worker: be killed when the parent process dies (Linux), so a killed audit leaves
    no reader behind."""
    import ctypes
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the signal was set
        os._exit(1)


class _Range:
    """A file-like view of ``<Persons>`` + bytes [start, end) of a file + ``</Persons>``."""

    def __init__(self, path: Path, start: int, end: int):
        self.fh = open(path, "rb")  # noqa: SIM115 - closed in close()
        self.fh.seek(start)
        self.remaining = end - start
        self.parts = [b"<Persons>"]

    def read(self, size: int = -1) -> bytes:
        if self.parts:
            return self.parts.pop()
        if self.remaining > 0:
            block = self.fh.read(min(self.remaining, size if size > 0 else 1 << 20))
            self.remaining = self.remaining - len(block) if block else 0
            if block:
                return block
        if self.remaining == 0:
            self.remaining = -1
            return b"</Persons>"
        return b""

    def close(self) -> None:
        self.fh.close()


def _read_range(path: Path, start: int, end: int, area: Area, reference: date):
    """One process's share of a file: its persons' requests, aggregated. Line numbers in an
    error are counted from the start of the range (the caller makes them absolute)."""
    from lxml import etree

    summary = Sen2Summary()
    agg = Aggregator()
    offset = 0
    source = _Range(path, start, end)
    try:
        # Person in any namespace or none, as the one-process reader reads it
        events = etree.iterparse(source, events=("end",), tag="{*}Person",
                                 resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False)
        root = None
        for _, el in events:
            parent = el.getparent()
            if parent is not root:  # root: the range's <Persons>, once found
                if parent is None or parent.getparent() is not None:
                    return ("error", "a Person outside Persons")
                root = parent
            summary.persons += 1
            # no pseudonym (key None): the counts do not need one
            for r in person_requests(el, path, None, reference, summary, offset):
                agg.add_request(area.code, r)
            drop_read(el, parent, summary)
        if events.root is not None:
            count_unread(events.root, summary)
    except etree.XMLSyntaxError:
        return ("error", "malformed")
    except InputError as exc:
        return ("error", exc.message)
    finally:
        source.close()
    agg.flush()
    return ("ok", agg, summary)


def read_file_parallel(path: Path, summary: Sen2Summary, agg: Aggregator,
                       workers: int) -> tuple[str, Area] | None:
    """Read one large file with ``workers`` processes; returns its SHA-256 and LA, or None
    when it must be read in one process (a layout the byte ranges cannot follow, or any
    error: the one-process reader then reports it with its exact line). No pseudonym is
    made: the counts do not need one."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    header = _header(path, Sen2Summary())
    if header is None:
        return None
    area, reference, start = header
    ranges = _split(path, start, workers * 2)
    if not _skeleton_ok(path, start, ranges[-1][1]):
        return None
    import signal

    # no signal while the workers are forked (a Ctrl-C then would interrupt the fork's
    # handlers and print a traceback); it is delivered as soon as they are running
    # (a signal held back is raised as soon as it is unmasked: inside the outer try, so the
    # workers are killed even then, not left for the interpreter's exit to wait on)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    pool = None
    try:
        try:
            pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_die_with_parent)
            futures = [pool.submit(_read_range, path, a, b, area, reference)
                       for a, b in ranges]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        sha = file_sha256(path)
        results = [f.result() for f in futures]
    except BaseException:  # interrupted: the workers go with the reader
        if pool is not None:
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.kill()
            manager = getattr(pool, "_executor_manager_thread", None)
            pool.shutdown(wait=False, cancel_futures=True)
            # the pool's own thread finishes (it sees its workers gone) before the error
            # goes up: left running, it could close its wake-up pipe while the interpreter's
            # exit wakes it, and a Ctrl-C printed "Bad file descriptor" with a traceback
            if manager is not None:
                manager.join(timeout=10)
        raise
    pool.shutdown()
    if any(result[0] == "error" for result in results):
        return None
    summary.reference_dates.add(reference)
    for result in results:
        _, part, part_summary = result
        agg.merge(part)
        summary.add(part_summary)
    return sha, area
