"""Streaming reader for SEN2 person-level returns (the XML each LA sends DfE every January).

Reads the 2022 to 2026 collections, each with its year's code lists (``sen2_codes``); before
2025 there is no RequestSource (source not known). Memory does not grow with the number of
persons: each Person element is read, turned into one small record per request, and discarded;
records are aggregated in fixed-size chunks.

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
from copro.inputs import check_input_file, check_xml_prolog, is_code_shaped, shown, shown_code
from copro.sources import sen2_codes as codes

G = RequesterGroup
SIX_WEEKS = 42  # days: statutory weeks are calendar weeks from the day the request was received
TWENTY_WEEKS = 140
ALL_AREAS = Area("ALL", "All local authorities in the case-level data", Level.NATIONAL)

#: The measures a request can add to, as bits of one integer.
MEASURES = (Measure.RECEIVED, Measure.DECIDED_TO_ASSESS, Measure.DECIDED_NOT_TO_ASSESS,
            Measure.NOT_YET_DECIDED, Measure.WITHDRAWN, Measure.OUTCOME_NOT_KNOWN,
            Measure.DECIDED_WITHIN_6_WEEKS,
            Measure.DECIDED_AFTER_6_WEEKS, Measure.MEDIATION, Measure.TRIBUNAL,
            Measure.PLAN_ISSUED, Measure.PLAN_NOT_ISSUED, Measure.ASSESSMENT_OPEN,
            Measure.PLAN_ISSUED_NO_EXCEPTION, Measure.PLAN_WITHIN_20_WEEKS,
            Measure.PLAN_WITHIN_20_WEEKS_ANY)
BIT = {m: 1 << i for i, m in enumerate(MEASURES)}
GROUPS = COMPARABLE_GROUPS  # family, education, health, social care, other, unknown
AGE_BANDS = (*[b[0] for b in codes.AGE_BANDS], "over 25", "unknown")
#: What a request is stratified by to adjust for case mix: characteristics fixed before the
#: request. Need only where recorded at the time of the request (a case file's column); SEN2
#: records SENtype mainly for children with plans, so its need would adjust for the outcome.
FACTORS = ("age at request", "sex", "ethnicity", "primary need at request")
LEVELS = (AGE_BANDS, codes.SEXES, codes.ETHNIC_GROUPS, codes.NEEDS)
_INDEX = tuple({level: i for i, level in enumerate(levels)} for levels in LEVELS)
STRATA = int(np.prod([len(levels) for levels in LEVELS]))
CHUNK = 65536


@dataclass(frozen=True)
class Request:
    """One request, derived and pseudonymised: nothing in it identifies a person."""

    person: str  # keyed hash of UPN or ULN ('' if neither)
    group: RequesterGroup
    age_band: str
    need: str  # primary need recorded at the time of the request, else 'not recorded ...'
    received: date
    # 'assess', 'not_assess', 'withdrawn', None (open at the reference date), or 'not known'
    # (a RequestOutcome code the year does not define: received, in no decision)
    decision: str | None
    decided: date | None
    # 'plan', 'no_plan', None (open), or left out of the plan stage: 'withdrawn',
    # 'historical', 'other_la' (see sen2_codes), 'not known' (a code the year lacks)
    assessment: str | None
    plan_date: date | None
    exception: bool
    mediation: bool
    tribunal: bool
    sex: str = codes.SEX_UNKNOWN
    ethnicity: str = codes.ETHNICITY_UNKNOWN

    def stratum(self) -> int:
        """The request's cell of age band x sex x ethnicity x need (an index)."""
        age, sex, eth, need = _INDEX
        return (((age[self.age_band] * len(codes.SEXES) + sex[self.sex])
                 * len(codes.ETHNIC_GROUPS) + eth[self.ethnicity])
                * len(codes.NEEDS) + need[self.need])

    def bits(self) -> int:
        """The measures this request counts towards. Mediation and tribunal are rates of
        requests received: every request with the flag counts, whatever its outcome (open,
        withdrawn, or a code the year does not define)."""
        b = BIT[Measure.RECEIVED]
        if self.mediation:
            b |= BIT[Measure.MEDIATION]
        if self.tribunal:
            b |= BIT[Measure.TRIBUNAL]
        if self.decision is None:
            return b | BIT[Measure.NOT_YET_DECIDED]
        if self.decision == codes.WITHDRAWN:
            return b | BIT[Measure.WITHDRAWN]
        if self.decision == codes.NOT_KNOWN:
            return b | BIT[Measure.OUTCOME_NOT_KNOWN]
        b |= BIT[Measure.DECIDED_TO_ASSESS if self.decision == codes.ASSESS
                 else Measure.DECIDED_NOT_TO_ASSESS]
        if self.decided is not None:
            late = (self.decided - self.received).days > SIX_WEEKS
            b |= BIT[Measure.DECIDED_AFTER_6_WEEKS if late else Measure.DECIDED_WITHIN_6_WEEKS]
        if self.decision == codes.ASSESS:
            if self.assessment is None:
                b |= BIT[Measure.ASSESSMENT_OPEN]
            elif self.assessment == codes.NO_PLAN:
                b |= BIT[Measure.PLAN_NOT_ISSUED]
            elif self.assessment == codes.PLAN:
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


def stratum_levels(stratum: int) -> tuple[str, ...]:
    """The (age band, sex, ethnicity, need) of a stratum index from :meth:`Request.stratum`."""
    out = []
    for levels in reversed(LEVELS):
        stratum, i = divmod(stratum, len(levels))
        out.append(levels[i])
    return tuple(reversed(out))


@dataclass
class Aggregator:
    """Counts of requests by area, period, group and stratum, for every measure.

    Requests are buffered as integer keys and measure bits and added in chunks with
    ``numpy.bincount``; only cells that hold requests get a row, so memory is fixed by the
    number of non-empty cells, not of requests."""

    blocks: list[tuple[str, str]] = field(default_factory=list)  # (area, period) pairs
    #: measure x row (cell), in columns of spare capacity beyond ``_size``
    _by_measure: np.ndarray = field(
        default_factory=lambda: np.zeros((len(MEASURES), 0), np.int64))
    _keys: list[int] = field(default_factory=list)
    _bits: list[int] = field(default_factory=list)
    _block_index: dict = field(default_factory=dict)
    #: cell key -> row of ``counts`` (-1: no request yet); 4 bytes per possible cell
    _row_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    _size: int = 0  # rows of ``counts`` in use

    @property
    def counts(self) -> np.ndarray:
        """Counts by row (one per non-empty cell) and measure."""
        return self._by_measure[:, :self._size].T

    def key(self, area: str, period: str, group: int, stratum: int) -> int:
        """The cell of one request: (area, period) block, group, stratum."""
        block = self._block_index.get((area, period))
        if block is None:
            block = self._block_index[(area, period)] = len(self.blocks)
            self.blocks.append((area, period))
            self._row_index = np.concatenate(
                [self._row_index, np.full(len(GROUPS) * STRATA, -1, np.int32)])
        return (block * len(GROUPS) + group) * STRATA + stratum

    def add(self, key: int, bits: int) -> None:
        self._keys.append(key)
        self._bits.append(bits)
        if len(self._keys) >= CHUNK:
            self.flush()

    def _rows_of(self, cells: np.ndarray) -> np.ndarray:
        """The rows of ``counts`` for distinct cell keys (new cells get new rows)."""
        rows = self._row_index[cells].astype(np.int64)
        new = rows < 0
        if new.any():
            rows[new] = np.arange(self._size, self._size + int(new.sum()))
            self._row_index[cells[new]] = rows[new]
            self._size += int(new.sum())
            capacity = self._by_measure.shape[1]
            if self._size > capacity:
                grown = np.zeros((len(MEASURES), max(self._size, 2 * capacity)), np.int64)
                grown[:, :capacity] = self._by_measure
                self._by_measure = grown
        return rows

    def add_chunk(self, keys: np.ndarray, bits: np.ndarray) -> None:
        """Add many requests at once (integer keys as from :meth:`key`, measure bits)."""
        if not len(keys):
            return
        low = int(keys.min())
        span = int(keys.max()) - low + 1
        if span <= 4 * len(keys):  # keys close together (one file's areas): no sort needed
            present = np.bincount(keys - low, minlength=span) > 0
            cells = np.flatnonzero(present)
            position = np.cumsum(present) - 1
            inverse = position[keys - low]
            cells += low
        else:
            cells, inverse = np.unique(keys, return_inverse=True)
        rows = self._rows_of(cells)[inverse]
        size = self._size
        for m in range(len(MEASURES)):
            hit = ((bits >> m) & 1).astype(bool)
            self._by_measure[m, :size] += np.bincount(rows[hit], minlength=size)

    def merge(self, other: Aggregator) -> None:
        """Add another aggregator's counts (e.g. from another process) to these."""
        cells = list(other.cells())
        if not cells:
            return
        keys = np.array([self.key(area, period, GROUPS.index(group), stratum)
                         for area, period, group, stratum, _ in cells], np.int64)
        rows = self._rows_of(keys)
        self._by_measure[:, rows] += np.array([values for *_, values in cells], np.int64).T

    def flush(self) -> None:
        if self._keys:
            self.add_chunk(np.asarray(self._keys, np.int64), np.asarray(self._bits, np.int64))
            self._keys.clear()
            self._bits.clear()

    def cells(self) -> Iterator[tuple[str, str, RequesterGroup, int, np.ndarray]]:
        """Non-empty cells: (area, period, group, stratum index, counts by measure)."""
        self.flush()
        keys = np.flatnonzero(self._row_index >= 0)
        for k, row in zip(keys.tolist(), self._row_index[keys].tolist(), strict=True):
            rest, stratum = divmod(k, STRATA)
            block, group = divmod(rest, len(GROUPS))
            area, period = self.blocks[block]
            yield area, period, GROUPS[group], stratum, self._by_measure[:, row]


@dataclass
class Sen2Summary:
    """What the reader saw, to report beside the figures (never any personal data)."""

    files: int = 0
    persons: int = 0
    requests: int = 0
    #: (element, code, collection year of the lists) -> requests
    unknown_codes: Counter = field(default_factory=Counter)
    #: requests outside the year's cohort or the plan stage: (element, code) -> requests
    historical: Counter = field(default_factory=Counter)
    no_source: int = 0
    week20_not_recorded: int = 0
    reference_dates: set = field(default_factory=set)
    notes: list = field(default_factory=list)

    def outside_cohort(self) -> int:
        """Requests decided before the collection period (RequestOutcome H)."""
        return self.historical[("RequestOutcome", "H")]

    def not_counted(self) -> int:
        """Requests in no count: historical (a request whose RequestOutcome code the year
        lacks was still received: it is counted, in no decision)."""
        return self.outside_cohort()

    def cohort(self) -> int:
        """Requests in the year's cohort: every request read but the historical ones."""
        return self.requests - self.outside_cohort()

    def totals(self) -> tuple:
        """The totals a description names (``DataProvenance._totals``): persons, requests in
        the cohort (tied to the table's requests received) and historical ones."""
        return (("persons", self.persons, False), ("cohort", self.cohort(), True),
                ("historical", self.outside_cohort(), False))

    def messages(self, withhold_below: int = 1, total_shown: bool = True,
                 unknown_shown: bool = True) -> list[str]:
        """What to tell the user about the input, one line each: codes not in the year's
        lists, requests outside the cohort, requests without a source. A count from 1 to
        ``withhold_below`` - 1 is withheld here as in every other output; a total of the
        table's requests received is exact only if the table shows it (``total_shown``; and
        ``unknown_shown`` for those from an unknown source)."""
        from copro.disclosure import count_text

        def how_many(n: int, tied: bool = False, shown: bool = total_shown) -> str:
            return count_text(n, withhold_below, tied and not shown)

        out = []
        for (element, code, year), n in sorted(self.unknown_codes.items()):
            code = f"code '{code}'" if is_code_shaped(code) else code
            what = ("counted as received (and for mediation and tribunal), left out of the "
                    "decision whether to assess and every later stage"
                    if element == "RequestOutcome" else
                    "not counted for the stage or item it would decide")
            out.append(f"copro: warning: {how_many(n)} request(s) with {element} {code}, which "
                       f"is not in the {year} collection's SEN2 code lists: {what}")
        for year in sorted({d.year for d in self.reference_dates}):
            used = codes.lists_year(year)
            if used != year:
                out.append(f"copro: note: the {year} collection is not one copro has code "
                           f"lists for: read with the {used} lists")
        n = self.outside_cohort()
        if n:
            out.append(f"copro: note: {how_many(n)} request(s) decided before the collection "
                       "period (RequestOutcome H, historical) are outside the year's cohort: "
                       "not counted")
        for (element, code), n in sorted(self.historical.items()):
            if element == "AssessmentOutcome":
                what = ("decided before the collection period or transferred in (H)"
                        if code == "H" else "issued after another LA's assessment (S)")
                out.append(f"copro: note: {how_many(n)} request(s) with an assessment outcome "
                           f"{what}: counted at the request stage, left out of the plan stage")
        if self.no_source:
            out.append(f"copro: note: {how_many(self.no_source, True, unknown_shown)} of "
                       f"{how_many(self.cohort(), tied=True)} requests in the "
                       "cohort have no RequestSource (counted as 'not known')")
        return out + [f"copro: note: {n}" for n in self.notes]


def pseudonymise(identifier: str, key: bytes) -> str:
    """Keyed hash (BLAKE2b in keyed mode, a MAC) of a pupil or learner number: without the key
    it cannot be recomputed from a list of pupil numbers."""
    return hashlib.blake2b(identifier.upper().encode(), key=key[:64], digest_size=10).hexdigest()


def _parser_iter(path: Path, tags: tuple[str, ...]):
    from lxml import etree

    return etree.iterparse(str(path), events=("end",), tag=tags, resolve_entities=False,
                           no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


#: tag -> its local name, for the few dozen tags a return uses (bounded: a hostile file may
#: hold any number of distinct tags)
_LOCAL_NAMES: dict[str, str] = {}


def _local(tag) -> str | None:
    """An element's name without its namespace (None for a comment or processing
    instruction): returns may put every element under a namespace prefix."""
    if not isinstance(tag, str):
        return None
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2] if tag[:1] == "{" else tag
        if len(_LOCAL_NAMES) < 1024:
            _LOCAL_NAMES[tag] = name
    return name


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


def _code(text: str | None, name: str, table: dict, summary: Sen2Summary, year: int
          ) -> object:
    """The meaning of a code in ``table`` (None if absent; ``KeyError`` if the year's list
    does not have it, counted in ``summary``)."""
    text = _strip(text)
    if text is None:
        return None
    if text not in table:
        summary.unknown_codes[(name, shown_code(text), year)] += 1
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
#: ``NeedAtRequest`` exists only in case files: SEN2 has no need recorded at the request.
REQUEST_FIELDS = ("ReceivedDate", "RequestSource", "RequestOutcome", "RequestOutcomeDate",
                  "AssessmentOutcome", "AssessmentOutcomeDate", "PlanStartDate", "Week20",
                  "RequestMediation", "RequestTribunal")
PERSON_FIELDS = ("Sex", "GenderCurrent", "Ethnicity")


def derive_request(fields: dict, person: str, birth: date | None, reference: date,
                   summary: Sen2Summary, where) -> Request | None:
    """One pseudonymised request from its raw fields (texts, None where absent), read with the
    code lists of the collection whose reference date is ``reference``.

    ``where(name)`` gives the location of a field for an error message; values are never
    echoed. Returns None for a request outside the year's cohort (RequestOutcome H, counted in
    ``summary``). A request whose RequestOutcome code the year does not define was still
    received: it is counted as received (and in mediation and tribunal), with the decision
    ``not known``, so it is in no decision or later stage (the code is counted in
    ``summary``)."""
    lists = codes.code_lists(reference.year)
    year = lists.year
    decision = _code(fields.get("RequestOutcome"), "RequestOutcome", lists.request_outcome,
                     summary, year)
    if decision is KeyError:
        decision = codes.NOT_KNOWN  # received; decides nothing (counted in unknown_codes)
    if decision == codes.HISTORICAL:
        summary.historical[("RequestOutcome", "H")] += 1
        return None  # decided before the collection period: not in this year's cohort
    received = _parse_date(fields.get("ReceivedDate"), where, "ReceivedDate", required=True)
    age = None
    if birth is not None:
        age = received.year - birth.year - ((received.month, received.day)
                                            < (birth.month, birth.day))
    source = _code(fields.get("RequestSource"), "RequestSource", lists.request_source,
                   summary, year)
    if source is None:
        summary.no_source += 1
    group = source if isinstance(source, RequesterGroup) else G.UNKNOWN
    decided = _parse_date(fields.get("RequestOutcomeDate"), where, "RequestOutcomeDate")
    if decided is not None and received is not None and decided < received:
        raise where("RequestOutcomeDate", "before the request's ReceivedDate; a decision "
                                          "cannot come before its request")
    if decision == codes.OPEN or (decided is not None and decided > reference
                                  and decision != codes.NOT_KNOWN):
        decision = None  # no decision at the reference date: open (censored)
    assessment = plan_date = None
    exception = False
    if decision == codes.ASSESS:
        text = _strip(fields.get("AssessmentOutcome"))
        assessment = _code(text, "AssessmentOutcome", lists.assessment_outcome, summary, year)
        if assessment is KeyError:
            assessment = "not known"  # counted: left out of the plan stage only
        elif assessment in (codes.HISTORICAL, codes.OTHER_LA):
            summary.historical[("AssessmentOutcome", text)] += 1
        elif assessment == codes.OPEN:
            assessment = None
        elif assessment == codes.PLAN:
            plan_date = (_parse_date(fields.get("PlanStartDate"), where, "PlanStartDate")
                         or _parse_date(fields.get("AssessmentOutcomeDate"), where,
                                        "AssessmentOutcomeDate"))
            if plan_date is not None and plan_date > reference:
                assessment, plan_date = None, None  # issued after the reference date: open
            else:
                flag = _code(fields.get("Week20"), "Week20", lists.flags, summary, year)
                if flag is None:
                    summary.week20_not_recorded += 1
                exception = flag is True
    sex_text = fields.get("Sex") if fields.get("Sex") is not None else fields.get("GenderCurrent")
    sex = _code(sex_text, lists.sex_element, lists.sex, summary, year)
    ethnicity = _code(fields.get("Ethnicity"), "Ethnicity", lists.ethnicity, summary, year)
    need = _strip(fields.get("NeedAtRequest"))
    if _code(need, "primary need at request", lists.sen_types, summary, year) in (None,
                                                                                KeyError):
        need = codes.NEED_NOT_RECORDED
    return Request(person, group, codes.age_band(age), need, received,
                   decision, decided, assessment, plan_date, exception,
                   _code(fields.get("RequestMediation"), "RequestMediation", lists.flags,
                         summary, year) is True,
                   _code(fields.get("RequestTribunal"), "RequestTribunal", lists.flags,
                         summary, year) is True,
                   sex if isinstance(sex, str) else codes.SEX_UNKNOWN,
                   ethnicity if isinstance(ethnicity, str) else codes.ETHNICITY_UNKNOWN)


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
    characteristics = {}
    for c in el:  # names and postcodes are never read
        tag = _local(c.tag)
        if tag == "Requests":
            requests.append(c)
        elif tag == "UPN" or (tag == "UniqueLearnerNumber" and identifier is None):
            identifier = _strip(c.text)
        elif tag == "PersonBirthDate":
            birth_text = c.text
        elif tag in PERSON_FIELDS:
            characteristics[tag] = c.text
    person = pseudonymise(identifier, key) if identifier else ""
    birth = _to_date(birth_text, el, "PersonBirthDate", path, line_offset=line_offset)
    for req in requests:
        summary.requests += 1
        f = {_local(c.tag): c for c in req}
        fields = {name: c.text for name, c in f.items() if name in REQUEST_FIELDS}
        fields.update(characteristics)
        a = f.get("Assessment")
        if a is not None:
            for c in a:
                tag = _local(c.tag)
                if tag == "NamedPlan":
                    start = c.find("{*}StartDate")
                    fields["PlanStartDate"] = None if start is None else start.text
                    f["PlanStartDate"] = c if start is None else start
                elif tag == "StartDate":  # 2022 layout: the plan's date in Assessment
                    fields["PlanStartDate"] = c.text
                    f["PlanStartDate"] = c
                elif tag in REQUEST_FIELDS:
                    fields[tag] = c.text
                    f[tag] = c

        def where(name: str, problem: str, req=req, f=f) -> InputError:
            element = {"PlanStartDate": "Assessment/NamedPlan/StartDate",
                       "AssessmentOutcomeDate": "Assessment/AssessmentOutcomeDate",
                       }.get(name, name)
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
                                r.stratum()), r.bits())
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
        _add_summary(summary, part_summary)
    return sha, area


def _add_summary(summary: Sen2Summary, part: Sen2Summary) -> None:
    summary.persons += part.persons
    summary.requests += part.requests
    summary.no_source += part.no_source
    summary.week20_not_recorded += part.week20_not_recorded
    summary.unknown_codes.update(part.unknown_codes)
    summary.historical.update(part.historical)
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
                        r.stratum())
            agg.add(k, r.bits())
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


def to_counts(agg: Aggregator, areas: dict[str, Area], provenance: DataProvenance
              ) -> CountsTable:
    """Area x group x measure counts (and the same by the pre-request characteristics in
    ``FACTORS``, as strata), with the total over every area as the national row."""
    by_group: dict[tuple, np.ndarray] = {}
    strata = []
    for area, period, group, stratum, values in agg.cells():
        for a in (area, ALL_AREAS.code):
            for g in (group, G.ALL):
                k = (a, period, g)
                by_group[k] = by_group.get(k, 0) + values
        strata.append((area, period, group.value, stratum_levels(stratum),
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
                                    strata=(tuple(m.value for m in MEASURES), FACTORS,
                                            tuple(strata)))
