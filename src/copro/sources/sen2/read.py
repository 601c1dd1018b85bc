"""Read: one SEN2 file in one process, streamed. Each ``Person`` is parsed, turned into one
derived record per request (:mod:`.derive`) and discarded, so memory does not grow with the
file.

Parsing is safe: no DTD is loaded, no entity is expanded, nothing is fetched from a network,
and a document that declares entities or a DOCTYPE is refused. Elements are matched by their
local name (a return may put them under a namespace).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from copro.counts import Area
from copro.errors import CoproError, InputError
from copro.inputs import check_input_file, check_xml_prolog, shown
from copro.sources.sen2.derive import (
    PERSON_FIELDS,
    REQUEST_FIELDS,
    Request,
    derive_request,
    parse_date,
    pseudonymise,
    strip,
)
from copro.sources.sen2.summary import Sen2Summary


def _parser_iter(path: Path, tags: tuple[str, ...]):
    from lxml import etree

    return etree.iterparse(str(path), events=("end",), tag=tags, resolve_entities=False,
                           no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


#: tag -> its local name, for the few dozen tags a return uses (bounded: a hostile file may
#: hold any number of distinct tags)
_LOCAL_NAMES: dict[str, str] = {}


def local_name(tag) -> str | None:
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
    return (parent is None or local_name(parent.tag) != "Persons" or grand is None
            or local_name(grand.tag) != "Message" or grand.getparent() is not None)



def _to_date(text: str | None, el, name: str, path: Path, required: bool = False,
             line_offset: int = 0) -> date | None:
    """A date from an element's child, located by the element's line (see ``parse_date``)."""
    def where(field: str, problem: str) -> InputError:
        return InputError(path, f"line {el.sourceline + line_offset}, element "
                                f"{el.tag}/{field}: {problem}")

    return parse_date(text, where, name, required)



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
        events = _parser_iter(path, ("{*}Header", "{*}Person"))
        for _, el in events:
            if local_name(el.tag) == "Header":
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
            for r in person_requests(el, path, key, reference, summary):
                yield area, reference, r
            drop_read(el, el.getparent(), summary)
        if events.root is not None:
            for persons in events.root:
                if local_name(persons.tag) == "Persons":
                    count_unread(persons, summary)
    except etree.XMLSyntaxError as exc:
        raise InputError(path, f"line {exc.lineno}: malformed or truncated XML "
                               f"({shown(exc.msg.split(',')[0], 80)})") from None
    except OSError as exc:
        raise CoproError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if area is None:
        raise InputError(path, "no Header element: is this an SEN2 person-level return?")


def drop_read(person, persons, summary: Sen2Summary) -> None:
    """Free a Person element once read, and every element before it in ``persons`` (its
    parent); one that is not a Person is counted as not read (``summary.unread``)."""
    person.clear(keep_tail=False)
    while (first := persons[0]) is not person:  # lxml: one Python object per element
        if local_name(first.tag) not in (None, "Person"):  # None: a comment
            summary.unread += 1
        del persons[0]


def count_unread(persons, summary: Sen2Summary) -> None:
    """Count the elements left in a Persons element once read that are not a Person."""
    summary.unread += sum(local_name(e.tag) not in (None, "Person") for e in persons)


def shown_lea(lea: str) -> str:
    """An LEA value for a message: shown if it looks like a code (digits), else only its
    length (a value in the wrong place may be personal)."""
    if lea.isascii() and lea.isdigit() and len(lea) <= 4:
        return f"'{lea}'"
    return f"a value of {len(lea)} characters (not shown)"


def _area(lea: str, path: Path, line: int) -> Area:
    from copro.register import DFE_CODE, by_code

    # an abolished authority's return (Cumbria, 909, before 2023) is its own, not a successor's
    found = by_code(lea) if DFE_CODE.fullmatch(lea) else None
    if found is None:
        raise InputError(path, f"line {line}, element Header/Source/LEA: "
                               f"{shown_lea(lea)} is not a local authority's DfE code in the "
                               "register")
    return found.area()



_REQUEST_FIELDS = frozenset(REQUEST_FIELDS)
_PERSON_FIELDS = frozenset(PERSON_FIELDS)
#: where a field's element is, as a message names it
_FIELD_PLACE = {"PlanStartDate": "Assessment/NamedPlan/StartDate",
                "AssessmentOutcomeDate": "Assessment/AssessmentOutcomeDate"}


def person_requests(el, path: Path, key: bytes | None, reference: date, summary: Sen2Summary,
                    line_offset: int = 0) -> Iterator[Request]:
    """The requests of one Person element, derived and pseudonymised (``key`` None: no
    pseudonym, for counts that do not need one). Only the texts of the fields a request is
    derived from are taken (names and postcodes are never read); an error's line is found
    afterwards, from the element (:func:`_field_line`)."""
    names = _LOCAL_NAMES
    identifier = birth_text = None
    requests = []
    characteristics = {}
    for c in el:
        tag = c.tag
        tag = names.get(tag) or local_name(tag)
        if tag == "Requests":
            requests.append(c)
        elif tag == "UPN" or (tag == "UniqueLearnerNumber" and identifier is None):
            identifier = strip(c.text)
        elif tag == "PersonBirthDate":
            birth_text = c.text
        elif tag in _PERSON_FIELDS:
            characteristics[tag] = c.text
    person = pseudonymise(identifier, key) if identifier and key is not None else ""
    birth = _to_date(birth_text, el, "PersonBirthDate", path, line_offset=line_offset)
    for req in requests:
        summary.requests += 1
        fields = {}
        a = None
        for c in req:  # the last of a name counts
            tag = c.tag
            tag = names.get(tag) or local_name(tag)
            if tag in _REQUEST_FIELDS:
                fields[tag] = c.text
            elif tag == "Assessment":
                a = c
        fields.update(characteristics)
        if a is not None:
            for c in a:
                tag = c.tag
                tag = names.get(tag) or local_name(tag)
                if tag == "NamedPlan":
                    fields["PlanStartDate"] = next(
                        (d.text for d in c if (names.get(d.tag) or local_name(d.tag))
                         == "StartDate"), None)
                elif tag == "StartDate":  # 2022 layout: the plan's date in Assessment
                    fields["PlanStartDate"] = c.text
                elif tag in _REQUEST_FIELDS:
                    fields[tag] = c.text

        def where(name: str, problem: str, req=req) -> InputError:
            line = _field_line(req, name) + line_offset
            return InputError(path, f"line {line}, element Requests/"
                                    f"{_FIELD_PLACE.get(name, name)}: {problem}")

        r = derive_request(fields, person, birth, reference, summary, where)
        if r is not None:
            yield r


def _field_line(req, name: str) -> int:
    """The line of the element a request's field was read from (the one
    :func:`person_requests` took: the last of its name, an Assessment's over the request's),
    else the request's own line. libxml2 counts lines exactly for elements with text."""
    found = {local_name(c.tag): c for c in req}
    a = found.get("Assessment")
    if a is not None:
        for c in a:
            tag = local_name(c.tag)
            if tag == "NamedPlan":
                start = c.find("{*}StartDate")
                found["PlanStartDate"] = c if start is None else start
            elif tag == "StartDate":
                found["PlanStartDate"] = c
            elif tag in _REQUEST_FIELDS:
                found[tag] = c
    return getattr(found.get(name), "sourceline", None) or req.sourceline


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

