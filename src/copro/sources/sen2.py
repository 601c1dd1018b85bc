"""Streaming reader for SEN2 person-level returns (the XML each LA sends DfE every January).

Reads the 2026 collection layout (with RequestSource) and earlier layouts without it (source not
known). Memory does not grow with the number of persons: each Person element is read, turned
into one small record per request, and discarded; records are aggregated in fixed-size chunks.

Pseudonymised at the door: names and postcodes are never read; a date of birth is read only to
derive the age at request and then dropped; UPN and ULN are replaced by a keyed hash. No error
message, log or output carries any of them: errors name the file, line and element only.

Parsing is safe: no DTD is loaded, no entity is expanded, nothing is fetched from a network, and
a document that declares entities or a DOCTYPE is refused.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np

from copro.counts import Area, CountsTable, DataProvenance, Level, Measure
from copro.errors import CoproError, InputError
from copro.groups import COMPARABLE_GROUPS, RequesterGroup
from copro.inputs import check_input_file, check_xml_prolog, shown, shown_code
from copro.sources import sen2_codes as codes

G = RequesterGroup
SIX_WEEKS = 42  # days: statutory weeks are calendar weeks from the day the request was received
TWENTY_WEEKS = 140
ALL_AREAS = Area("ALL", "All local authorities in the case-level data", Level.NATIONAL)

#: The measures a request can add to, as bits of one integer.
MEASURES = (Measure.RECEIVED, Measure.DECIDED_TO_ASSESS, Measure.DECIDED_NOT_TO_ASSESS,
            Measure.NOT_YET_DECIDED, Measure.WITHDRAWN, Measure.DECIDED_WITHIN_6_WEEKS,
            Measure.DECIDED_AFTER_6_WEEKS, Measure.MEDIATION, Measure.TRIBUNAL,
            Measure.PLAN_ISSUED, Measure.PLAN_NOT_ISSUED, Measure.ASSESSMENT_OPEN,
            Measure.PLAN_ISSUED_NO_EXCEPTION, Measure.PLAN_WITHIN_20_WEEKS,
            Measure.PLAN_WITHIN_20_WEEKS_ANY)
BIT = {m: 1 << i for i, m in enumerate(MEASURES)}
GROUPS = COMPARABLE_GROUPS  # family, education, health, social care, other, unknown
AGE_BANDS = (*[b[0] for b in codes.AGE_BANDS], "over 25", "unknown")
NEEDS = (*codes.SEN_TYPES, "not recorded")
CHUNK = 65536


@dataclass(frozen=True)
class Request:
    """One request, derived and pseudonymised: nothing in it identifies a person."""

    person: str  # keyed hash of UPN or ULN ('' if neither)
    group: RequesterGroup
    age_band: str
    need: str
    received: date
    decision: str | None  # 'assess', 'not_assess', 'withdrawn', None (open at reference date)
    decided: date | None
    assessment: str | None  # 'plan', 'no_plan', 'withdrawn', None
    plan_date: date | None
    exception: bool
    mediation: bool
    tribunal: bool

    def bits(self) -> int:
        """The measures this request counts towards."""
        b = BIT[Measure.RECEIVED]
        if self.decision is None:
            return b | BIT[Measure.NOT_YET_DECIDED]
        if self.decision == "withdrawn":
            return b | BIT[Measure.WITHDRAWN]
        b |= BIT[Measure.DECIDED_TO_ASSESS if self.decision == "assess"
                 else Measure.DECIDED_NOT_TO_ASSESS]
        if self.decided is not None:
            late = (self.decided - self.received).days > SIX_WEEKS
            b |= BIT[Measure.DECIDED_AFTER_6_WEEKS if late else Measure.DECIDED_WITHIN_6_WEEKS]
        if self.mediation:
            b |= BIT[Measure.MEDIATION]
        if self.tribunal:
            b |= BIT[Measure.TRIBUNAL]
        if self.decision == "assess":
            if self.assessment is None:
                b |= BIT[Measure.ASSESSMENT_OPEN]
            elif self.assessment == "no_plan":
                b |= BIT[Measure.PLAN_NOT_ISSUED]
            elif self.assessment == "plan":
                b |= BIT[Measure.PLAN_ISSUED]
                on_time = (self.plan_date is not None
                           and (self.plan_date - self.received).days <= TWENTY_WEEKS)
                if on_time:
                    b |= BIT[Measure.PLAN_WITHIN_20_WEEKS_ANY]
                if not self.exception:
                    b |= BIT[Measure.PLAN_ISSUED_NO_EXCEPTION]
                    if on_time:
                        b |= BIT[Measure.PLAN_WITHIN_20_WEEKS]
        return b


@dataclass
class Aggregator:
    """Counts of requests by area, period, group, age band and need, for every measure.

    Requests are buffered as integer keys and measure bits and added in chunks with
    ``numpy.bincount``, so memory is fixed by the number of cells, not of requests."""

    blocks: list[tuple[str, str]] = field(default_factory=list)  # (area, period) pairs
    counts: np.ndarray = field(default_factory=lambda: np.zeros((0, len(MEASURES)), np.int64))
    _keys: list[int] = field(default_factory=list)
    _bits: list[int] = field(default_factory=list)
    _block_index: dict = field(default_factory=dict)

    def key(self, area: str, period: str, group: int, age: int, need: int) -> int:
        """The cell of one request: (area, period) block, group, age band, need."""
        block = self._block_index.get((area, period))
        if block is None:
            block = self._block_index[(area, period)] = len(self.blocks)
            self.blocks.append((area, period))
        return ((block * len(GROUPS) + group) * len(AGE_BANDS) + age) * len(NEEDS) + need

    def add(self, key: int, bits: int) -> None:
        self._keys.append(key)
        self._bits.append(bits)
        if len(self._keys) >= CHUNK:
            self.flush()

    def add_chunk(self, keys: np.ndarray, bits: np.ndarray) -> None:
        """Add many requests at once (integer keys as from :meth:`key`, measure bits)."""
        size = int(keys.max()) + 1 if len(keys) else 0
        if size > len(self.counts):
            grown = np.zeros((size, len(MEASURES)), np.int64)
            grown[:len(self.counts)] = self.counts
            self.counts = grown
        for m in range(len(MEASURES)):
            hit = ((bits >> m) & 1).astype(bool)
            self.counts[:size, m] += np.bincount(keys[hit], minlength=size)

    def merge(self, other: Aggregator) -> None:
        """Add another aggregator's counts (e.g. from another process) to these."""
        for area, period, group, age, need, values in other.cells():
            k = self.key(area, period, GROUPS.index(group), AGE_BANDS.index(age),
                         NEEDS.index(need))
            if k >= len(self.counts):
                grown = np.zeros((k + 1, len(MEASURES)), np.int64)
                grown[:len(self.counts)] = self.counts
                self.counts = grown
            self.counts[k] += values

    def flush(self) -> None:
        if self._keys:
            self.add_chunk(np.asarray(self._keys, np.int64), np.asarray(self._bits, np.int64))
            self._keys.clear()
            self._bits.clear()

    def cells(self) -> Iterator[tuple[str, str, RequesterGroup, str, str, np.ndarray]]:
        """Non-empty cells: (area, period, group, age band, need, counts by measure)."""
        self.flush()
        for k in np.nonzero(self.counts.any(axis=1))[0]:
            rest, need = divmod(int(k), len(NEEDS))
            rest, age = divmod(rest, len(AGE_BANDS))
            block, group = divmod(rest, len(GROUPS))
            area, period = self.blocks[block]
            yield area, period, GROUPS[group], AGE_BANDS[age], NEEDS[need], self.counts[int(k)]


@dataclass
class Sen2Summary:
    """What the reader saw, to report beside the figures (never any personal data)."""

    files: int = 0
    persons: int = 0
    requests: int = 0
    unknown_codes: Counter = field(default_factory=Counter)  # (element, code) -> requests
    no_source: int = 0
    week20_not_recorded: int = 0
    reference_dates: set = field(default_factory=set)


def pseudonymise(identifier: str, key: bytes) -> str:
    """Keyed hash (BLAKE2b in keyed mode, a MAC) of a pupil or learner number: without the key
    it cannot be recomputed from a list of pupil numbers."""
    return hashlib.blake2b(identifier.upper().encode(), key=key[:64], digest_size=10).hexdigest()


def _parser_iter(path: Path, tags: tuple[str, ...]):
    from lxml import etree

    return etree.iterparse(str(path), events=("end",), tag=tags, resolve_entities=False,
                           no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def _local(tag) -> str | None:
    """An element's name without its namespace (None for a comment or processing
    instruction): returns may put every element under a namespace prefix."""
    if not isinstance(tag, str):
        return None
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


def _outside_persons(el) -> bool:
    """Whether a Person element is anywhere but directly in Message/Persons."""
    parent = el.getparent()
    grand = parent.getparent() if parent is not None else None
    return (parent is None or _local(parent.tag) != "Persons" or grand is None
            or _local(grand.tag) != "Message" or grand.getparent() is not None)


def _strip(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() or None


def _to_date(text: str | None, el, name: str, path: Path, required: bool = False,
             line_offset: int = 0) -> date | None:
    """A date from an element's child, located by the element's line (see ``_parse_date``)."""
    def where(field: str, problem: str) -> InputError:
        return InputError(path, f"line {el.sourceline + line_offset}, element "
                                f"{el.tag}/{field}: {problem}")

    return _parse_date(text, where, name, required)


def _code(text: str | None, name: str, table: dict, summary: Sen2Summary) -> object:
    text = _strip(text)
    if text is None:
        return None
    if text not in table:
        summary.unknown_codes[(name, shown_code(text))] += 1
        return KeyError
    return table[text]


def read_requests(path: Path, key: bytes, summary: Sen2Summary, header_only: bool = False
                  ) -> Iterator[tuple[Area, date, Request | None]]:
    """Every request in one SEN2 file, derived and pseudonymised, with the file's LA and
    reference date (``header_only``: just the LA and reference date, once)."""
    from lxml import etree

    area = reference = None
    try:
        if check_input_file(path, "sen2").st_size == 0:
            raise InputError(path, "the file is empty; expected an SEN2 return (XML)")
        check_xml_prolog(path, str(path), root="Message")
        for _, el in _parser_iter(path, ("{*}Header", "{*}Person")):
            if _local(el.tag) == "Header":
                if area is not None:
                    raise InputError(path, f"line {el.sourceline}, element Header: a second "
                                           "Header; expected one per return")
                lea_element = el.find("{*}Source/{*}LEA")
                lea = None if lea_element is None else lea_element.text
                details = el.find("{*}CollectionDetails")
                if details is None:
                    raise InputError(path, f"line {el.sourceline}, element Header/"
                                           "CollectionDetails: missing")
                reference = _to_date(details.findtext("{*}ReferenceDate"), details,
                                     "ReferenceDate", path, required=True)
                if not lea:
                    raise InputError(path, f"line {el.sourceline}, element Header/Source/LEA: "
                                           "missing; expected the LA's 3-digit DfE code")
                area = _area(lea.strip(), path, lea_element.sourceline)
                summary.reference_dates.add(reference)
                if header_only:
                    yield area, reference, None
                    return
                continue
            if area is None:
                raise InputError(path, f"line {el.sourceline}, element Person: comes before "
                                       "the Header; expected Message/Header first")
            if _outside_persons(el):
                raise InputError(path, f"line {el.sourceline}, element Person: outside "
                                       "Message/Persons; expected every Person in Persons")
            summary.persons += 1
            yield from ((area, reference, r) for r in _person(el, path, key, reference, summary))
            el.clear(keep_tail=False)
            parent = el.getparent()
            while parent is not None and el.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise InputError(path, f"line {exc.lineno}: malformed or truncated XML "
                               f"({shown(exc.msg.split(',')[0], 80)})") from None
    except OSError as exc:
        raise CoproError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if area is None:
        raise InputError(path, "no Header element: is this an SEN2 person-level return?")


def shown_lea(lea: str) -> str:
    """An LEA value for a message: shown if it looks like a code (digits), else only its
    length (a value in the wrong place may be personal)."""
    if lea.isascii() and lea.isdigit() and len(lea) <= 4:
        return f"'{lea}'"
    return f"a value of {len(lea)} characters (not shown)"


def _area(lea: str, path: Path, line: int) -> Area:
    from copro.register import local_authorities

    found = next((a for a in local_authorities() if a.old_la_code == lea), None)
    if found is None:
        raise InputError(path, f"line {line}, element Header/Source/LEA: "
                               f"{shown_lea(lea)} is not a local authority's DfE code in the "
                               "register")
    return found


#: The fields a request is derived from (SEN2 element paths; the case file's columns map here).
REQUEST_FIELDS = ("ReceivedDate", "RequestSource", "RequestOutcome", "RequestOutcomeDate",
                  "AssessmentOutcome", "AssessmentOutcomeDate", "PlanStartDate", "Week20",
                  "RequestMediation", "RequestTribunal", "SENtype")


def derive_request(fields: dict, person: str, birth: date | None, reference: date,
                   summary: Sen2Summary, where) -> Request | None:
    """One pseudonymised request from its raw fields (texts, None where absent).

    ``where(name)`` gives the location of a field for an error message; values are never
    echoed. Returns None for a request whose code is unknown (counted in ``summary``)."""
    received = _parse_date(fields.get("ReceivedDate"), where, "ReceivedDate", required=True)
    age = None
    if birth is not None:
        age = received.year - birth.year - ((received.month, received.day)
                                            < (birth.month, birth.day))
    source = _code(fields.get("RequestSource"), "RequestSource", codes.REQUEST_SOURCE, summary)
    if source is None:
        summary.no_source += 1
    group = source if isinstance(source, RequesterGroup) else G.UNKNOWN
    decision = _code(fields.get("RequestOutcome"), "RequestOutcome", codes.REQUEST_OUTCOME,
                     summary)
    if decision is KeyError:
        return None  # an unknown code decides nothing: counted in summary.unknown_codes
    decided = _parse_date(fields.get("RequestOutcomeDate"), where, "RequestOutcomeDate")
    if decided is not None and decided < received:
        raise where("RequestOutcomeDate", "before the request's ReceivedDate; a decision "
                                          "cannot come before its request")
    if decision is not None and decided is not None and decided > reference:
        decision = None  # after the reference date: still open then
    assessment = plan_date = None
    exception = False
    if decision == "assess":
        assessment = _code(fields.get("AssessmentOutcome"), "AssessmentOutcome",
                           codes.ASSESSMENT_OUTCOME, summary)
        if assessment is KeyError:
            return None
        if assessment == "plan":
            plan_date = (_parse_date(fields.get("PlanStartDate"), where, "PlanStartDate")
                         or _parse_date(fields.get("AssessmentOutcomeDate"), where,
                                        "AssessmentOutcomeDate"))
            flag = _code(fields.get("Week20"), "Week20", codes.FLAGS, summary)
            if flag is None:
                summary.week20_not_recorded += 1
            exception = flag is True
    need = _strip(fields.get("SENtype"))
    return Request(person, group, codes.age_band(age),
                   need if need in codes.SEN_TYPES else "not recorded", received, decision,
                   decided, assessment, plan_date, exception,
                   _strip(fields.get("RequestMediation")) == "1",
                   _strip(fields.get("RequestTribunal")) == "1")


def _parse_date(text, where, name: str, required: bool = False) -> date | None:
    text = _strip(text)
    if text is None:
        if required:
            raise where(name, "missing; expected a date YYYY-MM-DD")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        # the value itself is not echoed: it could be personal data
        raise where(name, "not a date YYYY-MM-DD") from None


def _person(el, path: Path, key: bytes, reference: date, summary: Sen2Summary,
            line_offset: int = 0) -> Iterator[Request]:
    identifier = birth_text = None
    requests = []
    for c in el:  # names and postcodes are never read
        tag = _local(c.tag)
        if tag == "Requests":
            requests.append(c)
        elif tag == "UPN" or (tag == "UniqueLearnerNumber" and identifier is None):
            identifier = _strip(c.text)
        elif tag == "PersonBirthDate":
            birth_text = c.text
    person = pseudonymise(identifier, key) if identifier else ""
    birth = _to_date(birth_text, el, "PersonBirthDate", path, line_offset=line_offset)
    for req in requests:
        summary.requests += 1
        f = {_local(c.tag): c for c in req}
        fields = {name: c.text for name, c in f.items() if name in REQUEST_FIELDS}
        a = f.get("Assessment")
        if a is not None:
            for c in a:
                tag = _local(c.tag)
                if tag == "NamedPlan":
                    start = c.find("{*}StartDate")
                    fields["PlanStartDate"] = None if start is None else start.text
                    f["PlanStartDate"] = c if start is None else start
                elif tag in REQUEST_FIELDS:
                    fields[tag] = c.text
                    f[tag] = c
        plans = f.get("ActivePlans")
        if plans is not None:
            for sen in plans.iterfind("{*}SENneed"):
                if _strip(sen.findtext("{*}SENtypeRank")) in ("1", None):
                    fields["SENtype"] = sen.findtext("{*}SENtype")
                    break

        def where(name: str, problem: str, req=req, f=f) -> InputError:
            element = {"PlanStartDate": "Assessment/NamedPlan/StartDate",
                       "AssessmentOutcomeDate": "Assessment/AssessmentOutcomeDate",
                       "SENtype": "ActivePlans/SENneed/SENtype"}.get(name, name)
            # the field's own line (libxml2 counts lines exactly for elements with text)
            line = getattr(f.get(name), "sourceline", None) or req.sourceline
            return InputError(path, f"line {line + line_offset}, element "
                                    f"Requests/{element}: {problem}")

        r = derive_request(fields, person, birth, reference, summary, where)
        if r is not None:
            yield r


def _child_text(children: dict, name: str) -> str | None:
    c = children.get(name)
    return None if c is None else c.text


def sen2_files(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".xml")
        if not files:
            raise CoproError(f"{path}: no .xml files; expected SEN2 person-level returns")
        return files
    if not path.exists():
        raise CoproError(f"{path}: no such file")
    return [path]


PARALLEL_MIN_BYTES = 4 << 20  # smaller files are read in one process


_PERSONS_TAG = re.compile(rb"<Persons(?:\s[^<>]*)?>")


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
    persons = [e for e in root.iter() if _local(e.tag) == "Persons"]
    return (_local(root.tag) == "Message" and len(persons) == 1
            and not any(_local(e.tag) == "Person" for e in root.iter()))


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
            found = window.find(b"<Person>")
            if found >= 0 and offset + found > cuts[-1] and offset + found < end:
                cuts.append(offset + found)
    cuts.append(end)
    return list(zip(cuts, cuts[1:], strict=False))


def _scan(path: Path, offsets: list[int]) -> tuple[str, list[int]]:
    """SHA-256 of the file, and the number of line breaks before each offset (one streaming
    pass, run while the workers parse)."""
    digest = hashlib.sha256()
    lines, seen, position, pending = [], 0, 0, sorted(offsets)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
            while pending and pending[0] < position + len(block):
                lines.append(seen + block.count(b"\n", 0, pending.pop(0) - position))
            seen += block.count(b"\n")
            position += len(block)
    lines += [seen] * len(pending)
    return digest.hexdigest(), lines


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


def _read_range(path: Path, start: int, end: int, area: Area, reference: date, key: bytes):
    """One process's share of a file: its persons' requests, aggregated. Line numbers in an
    error are counted from the start of the range (the caller makes them absolute)."""
    from lxml import etree

    summary = Sen2Summary()
    agg = Aggregator()
    offset = 0
    source = _Range(path, start, end)
    try:
        for _, el in etree.iterparse(source, events=("end",), tag="Person",
                                     resolve_entities=False, no_network=True, load_dtd=False,
                                     huge_tree=False):
            parent = el.getparent()
            if parent is None or parent.getparent() is not None:
                return ("error", "a Person outside Persons")
            summary.persons += 1
            for r in _person(el, path, key, reference, summary, offset):
                agg.add(agg.key(area.code, str(r.received.year), GROUPS.index(r.group),
                                AGE_BANDS.index(r.age_band), NEEDS.index(r.need)), r.bits())
            el.clear(keep_tail=False)
            parent = el.getparent()
            while parent is not None and el.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError:
        return ("error", "malformed")
    except InputError as exc:
        return ("error", exc.message)
    finally:
        source.close()
    agg.flush()
    return ("ok", agg, summary)


def _read_file_parallel(path: Path, key: bytes, summary: Sen2Summary, agg: Aggregator,
                        areas: dict, workers: int) -> tuple[str, Area] | None:
    """Read one large file with ``workers`` processes; returns its SHA-256 and LA, or None
    when it must be read in one process (a layout the byte ranges cannot follow, or any
    error: the one-process reader then reports it with its exact line)."""
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
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_die_with_parent)
        futures = [pool.submit(_read_range, path, a, b, area, reference, key)
                   for a, b in ranges]
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    try:
        sha, _ = _scan(path, [])
        results = [f.result() for f in futures]
    except BaseException:  # interrupted: the workers go with the reader
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    if any(result[0] == "error" for result in results):
        return None
    summary.reference_dates.add(reference)
    for result in results:
        _, part, part_summary = result
        agg.merge(part)
        summary.persons += part_summary.persons
        summary.requests += part_summary.requests
        summary.no_source += part_summary.no_source
        summary.week20_not_recorded += part_summary.week20_not_recorded
        summary.unknown_codes.update(part_summary.unknown_codes)
    return sha, area


def _add_summary(summary: Sen2Summary, part: Sen2Summary) -> None:
    summary.persons += part.persons
    summary.requests += part.requests
    summary.no_source += part.no_source
    summary.week20_not_recorded += part.week20_not_recorded
    summary.unknown_codes.update(part.unknown_codes)
    summary.reference_dates |= part.reference_dates


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
            done = _read_file_parallel(file, key, part_summary, part_agg, areas, workers)
            if done is not None:
                sha, area = done
                one_return_per_la(area, file)
                _add_summary(summary, part_summary)
                agg.merge(part_agg)
                digest.update(sha.encode())
                continue
        digest.update(_scan(file, [])[0].encode())
        checked = False
        for area, _, r in read_requests(file, key, summary):
            if not checked:
                one_return_per_la(area, file)
                checked = True
            k = agg.key(area.code, str(r.received.year), GROUPS.index(r.group),
                        AGE_BANDS.index(r.age_band), NEEDS.index(r.need))
            agg.add(k, r.bits())
    provenance = DataProvenance(
        source=Path(path).name, sha256=digest.hexdigest(),
        description=f"SEN2 person-level returns ({summary.files} file(s), "
                    f"{summary.persons:,} persons, {summary.requests:,} requests), "
                    "pseudonymised on reading",
        attribution="Derived from local authorities' SEN2 returns; counts below the "
                    "disclosure threshold are suppressed.",
        rows_read=summary.requests, rows_used=summary.requests)
    counts = to_counts(agg, areas, provenance)
    if summary.reference_dates:  # the collection's calendar year, not January's stragglers
        counts = replace(counts, default_period=str(max(summary.reference_dates).year - 1))
    return counts, summary


def to_counts(agg: Aggregator, areas: dict[str, Area], provenance: DataProvenance
              ) -> CountsTable:
    """Area x group x measure counts (and the same by age band and need, as strata), with the
    total over every area as the national row."""
    by_group: dict[tuple, np.ndarray] = {}
    strata = []
    for area, period, group, age, need, values in agg.cells():
        for a in (area, ALL_AREAS.code):
            for g in (group, G.ALL):
                k = (a, period, g)
                by_group[k] = by_group.get(k, 0) + values
        strata.append((area, period, group.value, age, need,
                       tuple(int(v) for v in values)))
    records = []
    periods = {k[1] for k in by_group}
    for a in [*areas, ALL_AREAS.code]:
        for period in periods:
            for g in (*GROUPS, G.ALL):
                values = by_group.get((a, period, g), np.zeros(len(MEASURES), np.int64))
                records += [(a, period, g.value, m.value, int(v), None)
                            for m, v in zip(MEASURES, values, strict=True)]
    all_areas = {**areas, ALL_AREAS.code: ALL_AREAS}
    return CountsTable.from_records(records, all_areas, provenance,
                                    strata=(tuple(m.value for m in MEASURES), tuple(strata)))
