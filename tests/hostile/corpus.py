"""The hostile-input corpus: malformed, oversized, mis-encoded, dangerous and misleading inputs
of every kind copro reads, with what must happen for each.

``python tests/hostile/corpus.py DIR`` writes every case into ``DIR/<case id>/`` with a
``manifest.json``; the test suite (tests/test_hostile.py) builds it once per session and runs
every case. Each case says: the command line (run in the case's folder), the exit code, the
words the one-line message must contain (the file and the place), the personal values that
must not appear in any stream or output, and the files a successful run may create. Anything
else in the case's folder must be exactly as before (nothing half-written, no stray temporary
file).

Personal values are sentinels planted in the files (a forename, a pupil number, a postcode,
a birth date), sometimes in fields where a code was expected.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORENAME = "Quetzalina"
UPN = "K999888777666"
POSTCODE = "ZQ9 9QZ"
BIRTH = "2012-11-23"
SECRETS = [FORENAME, UPN, POSTCODE, BIRTH]
ESC = "\x1b[31m"


@dataclass
class Case:
    id: str
    kind: str
    argv: list[str]
    exit: int = 2
    names: list[str] = field(default_factory=list)  # words the message must contain
    creates: list[str] = field(default_factory=list)  # files a successful run writes
    received: int | None = None  # with --json: requests counted in all areas
    changes: bool = False  # the run records something (the tracker) even when it fails
    lines: int = 1  # lines on standard error


CASES: list[Case] = []
FILES: dict[str, dict[str, object]] = {}  # case id -> {relative path: bytes | marker}


def case(id: str, kind: str, argv: list[str], files: dict | None = None, **kw) -> None:
    assert id not in FILES, id
    CASES.append(Case(id, kind, argv, **kw))
    FILES[id] = files or {}


# --- DfE open data ------------------------------------------------------------------------

DFE_COLUMNS = ["time_period", "time_identifier", "geographic_level", "country_code",
               "country_name", "region_code", "region_name", "new_la_code", "old_la_code",
               "la_name", "breakdown_topic", "breakdown", "requests_received_in_year",
               "requests_decided_to_assess", "requests_decided_not_to_assess",
               "requests_decision_not_made", "requests_withdrawn", "request_outcome_six_weeks",
               "request_outcome_over_6_weeks", "mediation_related_request",
               "tribunal_related_request"]


def dfe_rows() -> list[list[str]]:
    rows = []
    for la, code, old in (("Leeds", "E08000035", "383"), ("Kent", "E10000016", "886")):
        for breakdown, n in (("Parent or young person", 40), ("School or other education "
                                                                "setting", 60),
                             ("All requests for an EHC needs assessment", 100)):
            topic = ("All requests for an EHC needs assessment" if n == 100
                     else "Source of request")
            rows.append(["2025", "Calendar year", "Local authority", "E92000001", "England",
                         "E12000003", "Yorkshire and The Humber", code, old, la, topic,
                         breakdown, str(n), str(n // 2), str(n // 4), str(n // 8),
                         str(n - n // 2 - n // 4 - n // 8), str(n // 2), str(n // 4), "1", "0"])
    return rows


def dfe_text(rows=None, header=None, sep=",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", delimiter=sep)
    w.writerow(header or DFE_COLUMNS)
    w.writerows(dfe_rows() if rows is None else rows)
    return buf.getvalue()


def dfe_with(line: int, column: str, value: str) -> str:
    rows = dfe_rows()
    rows[line - 2][DFE_COLUMNS.index(column)] = value
    return dfe_text(rows)


def dfe_cases() -> None:
    def bad(id, content, names, **kw):
        data = content.encode() if isinstance(content, str) else content
        case(f"dfe-{id}", "DfE CSV", ["audit", "--data", "d.csv", "--csv", "out.csv"],
             {"d.csv": data}, names=["d.csv", *names], **kw)

    def good(id, content):
        data = content.encode() if isinstance(content, str) else content
        case(f"dfe-{id}", "DfE CSV", ["audit", "--data", "d.csv", "--csv", "out.csv",
                                      "--no-cache"],
             {"d.csv": data}, exit=0, creates=["out.csv", "out.about.txt"], lines=1)

    bad("empty", "", ["empty"])
    bad("header-only", dfe_text([]), ["no rows"])
    bad("missing-column", dfe_text([r[:-1] for r in dfe_rows()], DFE_COLUMNS[:-1]),
        ["tribunal_related_request"])
    bad("duplicate-column", dfe_text([r + ["7"] for r in dfe_rows()],
                                     DFE_COLUMNS + ["requests_withdrawn"]),
        ["requests_withdrawn", "twice"])
    bad("field-over-64k", dfe_with(3, "la_name", "L" * 200_000), ["line 3", "longer"])
    bad("field-over-128k", dfe_with(4, "breakdown", "B" * 140_000), ["line 4"])
    bad("count-10e30", dfe_with(2, "requests_received_in_year", "1" + "0" * 30),
        ["line 2", "requests_received_in_year"])
    bad("count-10e12", dfe_with(2, "requests_withdrawn", "1" + "0" * 12),
        ["line 2", "requests_withdrawn"])
    bad("count-text", dfe_with(3, "requests_withdrawn", "lots"), ["line 3", "lots"])
    bad("count-float", dfe_with(3, "requests_withdrawn", "1.5"), ["line 3"])
    bad("count-negative", dfe_with(5, "requests_withdrawn", "-3"), ["line 5", "negative"])
    bad("count-spaces", dfe_with(5, "requests_withdrawn", "1 234"), ["line 5"])
    bad("count-ansi", dfe_with(6, "requests_withdrawn", ESC + "9"), ["line 6"])
    bad("outcomes-dont-add-up", dfe_with(2, "requests_decided_to_assess", "39"),
        ["line 2", "add up"])
    rows = dfe_rows()
    bad("area-twice", dfe_text(rows + [rows[0]]), ["line 8", "twice"])
    bad("unknown-breakdown", dfe_with(2, "breakdown", "Grandparent"), ["line 2", "breakdown"])
    bad("breakdown-newline-ansi", dfe_with(2, "breakdown", f"Evil\n{ESC}row\r\x07"),
        ["line 2", "breakdown"])
    bad("breakdown-megabyte", dfe_with(2, "breakdown", "X" * 60_000), ["line 2", "breakdown"])
    bad("blank-row-extra-fields", dfe_text() + "," * 40 + "\n", ["line 8", "blank row"])
    bad("short-row", dfe_text() + "2025,Calendar year\n", ["line 8", "fields"])
    bad("long-row", dfe_text(dfe_rows()[:1]) + ",".join(dfe_rows()[1] + ["x"]) + "\n",
        ["line 3", "fields"])
    bad("empty-period", dfe_with(2, "time_period", ""), ["line 2", "time_period"])
    bad("empty-area-code", dfe_with(2, "new_la_code", ""), ["line 2", "new_la_code"])
    bad("binary", bytes(range(256)) * 50, ["missing column"])
    bad("nul-bytes", dfe_with(2, "requests_withdrawn", "1\x002"), ["line 2"])
    bad("xlsx-as-csv", _xlsx({"xl/worksheets/sheet1.xml": _sheet([["a"]])}),
        ["missing column"])
    bad("semicolons", dfe_text(sep=";"), ["missing column"])
    bad("unterminated-quote", dfe_text() + '2025,"Calendar year\n', ["line 8"])
    bad("utf16-broken", "\ufeff".encode("utf-16-le") + b"\x00\xd8" + dfe_text().encode(
        "utf-16-le")[:101], ["missing column"])
    case("dfe-dev-zero", "DfE CSV", ["audit", "--data", "/dev/zero"],
         names=["/dev/zero", "not a regular file"])
    case("dfe-folder", "DfE CSV", ["audit", "--data", "folder"], {"folder/x": b""},
         names=["folder", "folder"])
    case("dfe-fifo", "DfE CSV", ["audit", "--data", "pipe.csv"], {"pipe.csv": "fifo"},
         names=["pipe.csv", "not a regular file"])
    case("dfe-missing", "DfE CSV", ["audit", "--data", "nowhere.csv"],
         names=["nowhere.csv", "no such file"])
    good("utf16-bom", b"\xff\xfe" + dfe_text().encode("utf-16-le"))
    good("utf16-no-bom", dfe_text().encode("utf-16-le"))
    good("utf16-be", b"\xfe\xff" + dfe_text().encode("utf-16-be"))
    good("utf8-bom", b"\xef\xbb\xbf" + dfe_text().encode())
    good("cp1252-0x81", dfe_with(2, "la_name", "Leeds \x81\x8d caf\xe9").encode("latin-1"))
    good("crlf", dfe_text().replace("\n", "\r\n"))
    good("name-with-escapes", dfe_with(2, "la_name", "Leeds\x1b[2J\u202e"))


# --- SEN2 XML -----------------------------------------------------------------------------

def header(lea="383", ref="2026-01-15", root="Message", persons="<Persons>") -> str:
    return (f"<?xml version='1.0' encoding='UTF-8'?>\n<{root}>\n<Header>\n"
            f"<CollectionDetails><Collection>SEN2</Collection><Year>2026</Year>"
            f"<ReferenceDate>{ref}</ReferenceDate></CollectionDetails>\n"
            f"<Source><LEA>{lea}</LEA></Source>\n</Header>\n{persons}\n")


def person(received="2025-03-01", source="1", outcome="Y", decided="2025-03-20",
           birth=BIRTH, extra="", p="") -> str:
    req = (f"<{p}Requests>\n<{p}ReceivedDate>{received}</{p}ReceivedDate>\n"
           f"<{p}RequestSource>{source}</{p}RequestSource>\n"
           f"<{p}RequestOutcomeDate>{decided}</{p}RequestOutcomeDate>\n"
           f"<{p}RequestOutcome>{outcome}</{p}RequestOutcome>{extra}\n</{p}Requests>\n")
    return (f"<{p}Person>\n<{p}Forename>{FORENAME}</{p}Forename><{p}Surname>Doe</{p}Surname>\n"
            f"<{p}PersonBirthDate>{birth}</{p}PersonBirthDate>"
            f"<{p}PostCode>{POSTCODE}</{p}PostCode>\n<{p}UPN>{UPN}</{p}UPN>\n{req}</{p}Person>\n")


def sen2(body: str, head: str | None = None, tail="</Persons>\n</Message>\n") -> str:
    return (header() if head is None else head) + body + tail


GOOD_PERSONS = "".join(person(source=str(1 + i % 2)) for i in range(12))


def sen2_cases() -> None:
    def run(id, content, names=(), exit=2, received=None, files=None):
        data = content.encode() if isinstance(content, str) else content
        argv = ["audit", "--sen2", "s.xml"]
        if exit == 0:
            argv += ["--json", "--no-cache"]
        else:
            argv += ["--csv", "out.csv"]
        case(f"sen2-{id}", "SEN2 XML", argv, {"s.xml": data, **(files or {})},
             names=(["s.xml", *names] if exit else list(names)), exit=exit,
             received=received, lines=1 if exit else 0)

    doctype = "<!DOCTYPE Message [<!ENTITY x 'y'>]>\n"
    run("doctype-first", doctype + sen2(GOOD_PERSONS, header()[39:]), ["DTD"])
    run("doctype-late", "<?xml version='1.0'?>\n" + "<!-- padding -->\n" * 600 + doctype
        + sen2(GOOD_PERSONS, header()[39:]), ["DTD"])
    run("doctype-utf16", ("<?xml version='1.0' encoding='UTF-16'?>\n" + doctype
                          + sen2(GOOD_PERSONS, header()[39:])).encode("utf-16"), ["DTD"])
    run("doctype-system", "<!DOCTYPE Message SYSTEM 'http://example.invalid/x.dtd'>\n"
        + sen2(GOOD_PERSONS, header()[39:]), ["DTD"])
    run("doctype-public", '<!DOCTYPE Message PUBLIC "-//X//Y" "y.dtd">\n'
        + sen2(GOOD_PERSONS, header()[39:]), ["DTD"])
    entities = [f"<!ENTITY l{i} '{f'&l{i - 1};' * 10 if i else 'lol'}'>" for i in range(10)]
    laughs = "<!DOCTYPE Message [" + "".join(entities) + "]>"
    run("billion-laughs", laughs + sen2(person(source="&l9;"), header()[39:]), ["DTD"])
    run("external-entity", "<!DOCTYPE Message [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
        + sen2(person(source="&e;"), header()[39:]), ["DTD"])
    run("wrong-root", sen2(GOOD_PERSONS, header(root="Invoice"), "</Persons>\n</Invoice>\n"),
        ["root", "Invoice"])
    run("truncated-in-person", sen2(GOOD_PERSONS)[:-400], ["line", "truncated"])
    run("truncated-after-persons", sen2(GOOD_PERSONS)[:-11], ["line", "truncated"])
    run("person-before-header", "<?xml version='1.0'?>\n<Message>\n<Persons>\n" + person()
        + "</Persons>\n" + header()[49:] + "</Persons></Message>", ["line 4", "Header"])
    run("person-outside-persons", sen2(GOOD_PERSONS, tail="</Persons>\n" + person()
                                       + "</Message>\n"), ["Persons"])
    run("person-in-header", header().replace("</Header>", person() + "</Header>")
        + GOOD_PERSONS + "</Persons></Message>", ["Person"])
    run("no-header", "<?xml version='1.0'?>\n<Message><Persons/></Message>", ["Header"])
    run("no-collection-details", header().replace(
        "<CollectionDetails><Collection>SEN2</Collection><Year>2026</Year><ReferenceDate>"
        "2026-01-15</ReferenceDate></CollectionDetails>", "") + "</Persons></Message>",
        ["line 3", "CollectionDetails"])
    run("no-reference-date", sen2("", header(ref="")), ["ReferenceDate"])
    run("bad-reference-date", sen2("", header(ref="15/01/2026")), ["ReferenceDate"])
    run("unknown-lea", sen2(GOOD_PERSONS, header(lea="999")), ["LEA", "999"])
    run("lea-ansi", sen2(GOOD_PERSONS, header(lea=ESC + "38\n3")), ["line 5", "XML"])
    run("lea-bidi-newline", sen2(GOOD_PERSONS, header(lea="\u202e38\n3")), ["LEA"])
    run("lea-missing", sen2(GOOD_PERSONS, header(lea="")), ["LEA"])
    run("lea-forename", sen2(GOOD_PERSONS, header(lea=FORENAME)), ["line 5", "LEA"])
    run("received-forename", sen2(GOOD_PERSONS + person(received=FORENAME)),
        ["line", "ReceivedDate"])
    run("received-missing", sen2(GOOD_PERSONS + person(received="")), ["ReceivedDate"])
    run("birth-upn", sen2(person(birth=UPN) + GOOD_PERSONS), ["line 8", "PersonBirthDate"])
    run("decided-before-received", sen2(GOOD_PERSONS + person(received="2025-05-01",
                                                              decided="2025-04-01")),
        ["RequestOutcomeDate", "before"])
    run("plan-date-postcode", sen2(person(extra="<Assessment><AssessmentOutcome>Y"
                                          f"</AssessmentOutcome><NamedPlan><StartDate>"
                                          f"{POSTCODE}</StartDate></NamedPlan></Assessment>")
                                   + GOOD_PERSONS), ["StartDate"])
    run("mismatched-tags", sen2(GOOD_PERSONS + "<Person><UPN>1</Person>"), ["line"])
    run("control-char", sen2(GOOD_PERSONS + person(source="1\x01")), ["line"])
    run("deep-nesting", sen2("<Person>" + "<a>" * 3000 + "</a>" * 3000 + "</Person>"),
        ["line"])
    run("second-header", sen2(GOOD_PERSONS, header().replace("<Persons>", header()[49:-11])
                              + "\n<Persons>"), ["Header"])
    run("bad-encoding-name", "<?xml version='1.0' encoding='X-NOPE'?>\n"
        + sen2(GOOD_PERSONS, header()[39:]), ["s.xml"])
    run("empty", "", ["empty"])
    run("garbage", bytes(range(256)) * 40, ["line"])
    run("not-xml", "UPN,Forename\n" + UPN + "," + FORENAME + "\n", ["line"])
    # accepted, read correctly, nothing echoed
    run("valid", sen2(GOOD_PERSONS), exit=0, received=12)
    run("utf16", ("<?xml version='1.0' encoding='UTF-16'?>\n"
                  + sen2(GOOD_PERSONS, header()[39:])).encode("utf-16"), exit=0, received=12)
    run("latin1", ("<?xml version='1.0' encoding='ISO-8859-1'?>\n"
                   + sen2(GOOD_PERSONS.replace("Doe", "D\xf6e"), header()[39:])
                   ).encode("latin-1"), exit=0, received=12)
    ns = "xmlns:s='http://www.example.invalid/sen2'"
    run("namespace-prefix", sen2("".join(person(p="s:") for _ in range(12)),
                                 header(persons=f"<s:Persons {ns}>"),
                                 "</s:Persons>\n</Message>\n"), exit=0, received=12)
    run("default-namespace", sen2(GOOD_PERSONS, header().replace(
        "<Message>", "<Message xmlns='http://www.example.invalid/sen2'>")), exit=0,
        received=12)
    run("comment-person", sen2("<!-- <Person> -->\n" + GOOD_PERSONS), exit=0, received=12)
    run("attribute-on-persons", sen2(GOOD_PERSONS, header(persons="<Persons count='12'>")),
        exit=0, received=12)
    run("cdata-person", sen2(GOOD_PERSONS.replace(
        "<Surname>Doe</Surname>", "<Surname><![CDATA[<Person>]]></Surname>")), exit=0,
        received=12)
    run("unknown-source-forename", sen2(GOOD_PERSONS + person(source=FORENAME)), exit=0,
        received=13)
    # a request with an outcome code the year lacks was still received (in no decision)
    run("unknown-outcome-upn", sen2(GOOD_PERSONS + person(outcome=UPN)), exit=0, received=13)
    run("unknown-source-bidi", sen2(GOOD_PERSONS + person(source="\u202e\n9")), exit=0,
        received=13)
    run("escape-in-code", sen2(GOOD_PERSONS + person(source=ESC + "9")), ["line", "XML"])
    run("unknown-source-megabyte", sen2(GOOD_PERSONS + person(source="7" * 200_000)),
        exit=0, received=13)
    run("personal-fields-bidi", sen2(GOOD_PERSONS.replace(FORENAME, "\u202e" + FORENAME
                                                          + "\n")), exit=0, received=12)
    run("pi-and-comments", sen2("<?pi x?><!-- c -->" + GOOD_PERSONS), exit=0, received=12)
    # folders
    two = sen2(GOOD_PERSONS)
    case("sen2-same-la-twice", "SEN2 XML", ["audit", "--sen2", "returns", "--csv", "out.csv"],
         {"returns/a.xml": two.encode(), "returns/b.xml": two.encode()},
         names=["b.xml", "second return", "a.xml"])
    case("sen2-empty-folder", "SEN2 XML", ["audit", "--sen2", "returns"], {"returns/x.txt": b""},
         names=["returns", ".xml"])
    case("sen2-fifo-in-folder", "SEN2 XML", ["audit", "--sen2", "returns"],
         {"returns/a.xml": "fifo"}, names=["a.xml", "not a regular file"])
    case("sen2-dev-zero", "SEN2 XML", ["audit", "--sen2", "/dev/zero"],
         names=["/dev/zero", "not a regular file"])


# --- SEN2 over 4 MB (the parallel reader) ------------------------------------------------

BIG_PERSONS = 13_000  # about 4.6 MB


def big_sen2_cases() -> None:
    """Big files are written once per session by :func:`big_files` (they are large)."""
    def run(id, names=(), exit=2, received=None):
        argv = ["audit", "--sen2", "big.xml"]
        argv += ["--json", "--no-cache"] if exit == 0 else ["--csv", "out.csv"]
        case(f"big-{id}", "SEN2 XML over 4 MB", argv, {"big.xml": ("big", id)},
             names=(["big.xml", *names] if exit else list(names)), exit=exit,
             received=received, lines=1 if exit else 0)

    run("valid", exit=0, received=BIG_PERSONS)
    run("truncated-middle", ["line", "truncated"])
    run("truncated-end", ["line", "truncated"])
    run("comment-person", exit=0, received=BIG_PERSONS)
    run("comment-split", exit=0, received=BIG_PERSONS)
    run("attribute-on-persons", exit=0, received=BIG_PERSONS)
    run("person-outside-persons", ["Persons"])
    run("namespace-prefix", exit=0, received=BIG_PERSONS)
    run("doctype-late", ["DTD"])
    run("bad-date-middle", [f"line {BIG_BAD_LINE}", "ReceivedDate"])
    run("decided-before-received", ["RequestOutcomeDate", "before"])
    # one person's outcome code is unknown (still received) and one person is added
    run("unknown-code-upn", exit=0, received=BIG_PERSONS + 1)
    run("wrong-root", ["root"])
    run("utf16", exit=0, received=BIG_PERSONS)
    run("nested-person", ["Person"])
    run("cdata-person", exit=0, received=BIG_PERSONS)
    namespace_cases()


BIG_BAD_AT = 7_001  # the person with a bad date (0-based)
_lines_head = header().count("\n")
_lines_person = person().count("\n")
BIG_BAD_LINE = _lines_head + 1 + BIG_BAD_AT * _lines_person + 5  # its ReceivedDate


def big_files(id: str) -> bytes:
    if id in NAMESPACE_BIG:
        return NAMESPACE_BIG[id]().encode()
    persons = [person(source=str(1 + i % 2)) for i in range(BIG_PERSONS)]
    head, tail = header(), "</Persons>\n</Message>\n"
    middle = BIG_PERSONS // 2
    if id == "truncated-middle":
        return sen2("".join(persons)).encode()[:3_000_000]
    if id == "truncated-end":
        return ("".join([head, *persons])).encode()
    if id == "comment-person":
        persons[middle] = "<!-- <Person> a commented-out person </Person> -->\n" + \
            persons[middle]
    if id == "comment-split":
        for i in range(0, BIG_PERSONS, 97):
            persons[i] = "<!--\n<Person>\n-->\n" + persons[i]
    if id == "attribute-on-persons":
        head = header(persons="<Persons count='many'>")
    if id == "person-outside-persons":
        tail = "</Persons>\n" + person() + "</Message>\n"
    if id == "namespace-prefix":
        persons = [person(p="s:") for _ in range(BIG_PERSONS)]
        head = header(persons="<s:Persons xmlns:s='http://www.example.invalid/sen2'>")
        tail = "</s:Persons>\n</Message>\n"
    if id == "doctype-late":
        head = ("<?xml version='1.0'?>\n" + "<!-- padding -->\n" * 600
                + "<!DOCTYPE Message [<!ENTITY x 'y'>]>\n" + header()[39:])
    if id == "bad-date-middle":
        persons[BIG_BAD_AT] = person(received=FORENAME)
    if id == "decided-before-received":
        persons[middle + 3] = person(received="2025-06-01", decided="2025-05-01")
    if id == "unknown-code-upn":
        persons[middle] = person(outcome=UPN)
        persons.append(person())
    if id == "wrong-root":
        head, tail = header(root="Invoice"), "</Persons>\n</Invoice>\n"
    if id == "nested-person":
        persons[middle] = "<Wrapper>" + persons[middle] + "</Wrapper>\n"
    if id == "cdata-person":
        persons[middle] = persons[middle].replace(
            "<Surname>Doe</Surname>", "<Surname><![CDATA[</Person><Person>]]></Surname>")
    text = head + "".join(persons) + tail
    if id == "utf16":
        return ("<?xml version='1.0' encoding='UTF-16'?>\n" + text[39:]).encode("utf-16")
    return text.encode()


# --- SEN2: Person elements under a namespace, and elements in Persons that are not a Person --
# DfE's SEN2 has no namespace. A Person is read by its local name whatever its namespace, by
# the one-process reader and the parallel one alike; an element in Persons that is not a
# Person is not read and a warning counts it; a return with no request is one line, exit 2.

NS = "xmlns:s='http://www.example.invalid/sen2'"


def ns_person(i: int = 0) -> str:
    """A person whose elements carry a prefix declared on the Person itself."""
    return person(source=str(1 + i % 2), p="s:").replace("<s:Person>", f"<s:Person {NS}>", 1)


def default_ns_person(i: int = 0) -> str:
    return person(source=str(1 + i % 2)).replace("<Person>", "<Person xmlns='urn:x-sen2'>", 1)


NOT_A_PERSON = person().replace("Person>", "Pupil>")  # a person under another name

NAMESPACE_BIG = {  # id -> the big file's text (written once per session)
    "ns-prefixed-person": lambda: sen2("".join(ns_person(i) for i in range(BIG_PERSONS))),
    "ns-mixed": lambda: sen2("".join(ns_person(i) if i % 2 else person(source=str(1 + i % 2))
                                     for i in range(BIG_PERSONS))),
    "ns-default-on-person": lambda: sen2("".join(default_ns_person(i)
                                                 for i in range(BIG_PERSONS))),
    "ns-prefix-on-message": lambda: sen2(
        "".join(person(source=str(1 + i % 2), p="s:") for i in range(BIG_PERSONS)),
        header().replace("<Message>", f"<Message {NS}>")),
    "ns-not-a-person": lambda: sen2(GOOD_PERSONS * (BIG_PERSONS // 12) + NOT_A_PERSON * 6
                                    + GOOD_PERSONS),
}


def namespace_cases() -> None:
    def small(id, content, received=None, names=(), exit=0, lines=0):
        argv = ["audit", "--sen2", "s.xml"]
        argv += ["--json", "--no-cache"] if exit == 0 else ["--csv", "out.csv"]
        case(f"sen2-{id}", "SEN2 XML", argv, {"s.xml": content.encode()},
             names=(["s.xml", *names] if exit else list(names)), exit=exit,
             received=received, lines=lines)

    small("ns-prefixed-person", sen2("".join(ns_person(i) for i in range(12))), 12)
    small("ns-default-on-person", sen2("".join(default_ns_person(i) for i in range(12))), 12)
    small("ns-not-a-person", sen2(GOOD_PERSONS + NOT_A_PERSON), 12,
          ["warning", "fewer than 5 element(s) in Message/Persons are not Person"], lines=1)
    small("ns-only-not-persons", sen2(NOT_A_PERSON * 6), names=["not Person",
                                                                "no request"], exit=2, lines=2)
    small("no-persons", sen2(""), names=["no request"], exit=2, lines=1)
    for id in NAMESPACE_BIG:
        warned = id == "ns-not-a-person"
        received = BIG_PERSONS // 12 * 12 + 12 if warned else BIG_PERSONS
        case(f"big-{id}", "SEN2 XML over 4 MB", ["audit", "--sen2", "big.xml", "--json",
                                                 "--no-cache"], {"big.xml": ("big", id)},
             names=["6 element(s) in Message/Persons"] if warned else [], exit=0,
             received=received, lines=1 if warned else 0)


# --- case files ---------------------------------------------------------------------------

CASE_COLUMNS = ["la_code", "person_id", "forename", "postcode", "birth_date", "received_date",
                "request_source", "request_outcome", "request_outcome_date", "mediation"]


def case_rows(n=20) -> list[list[str]]:
    return [["E08000035", UPN, FORENAME, POSTCODE, BIRTH, "2025-03-01", str(1 + i % 2), "Y",
             "2025-03-20", "0"] for i in range(n)]


def case_csv(rows=None, header=None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header or CASE_COLUMNS)
    w.writerows(case_rows() if rows is None else rows)
    return buf.getvalue()


def case_with(line: int, column: str, value: str) -> str:
    rows = case_rows()
    rows[line - 2][CASE_COLUMNS.index(column)] = value
    return case_csv(rows)


def case_file_cases() -> None:
    ref = ["--reference-date", "2026-01-15"]

    def run(id, content, names=(), exit=2, name="c.csv", received=None):
        data = content.encode() if isinstance(content, str) else content
        argv = ["audit", "--cases", name, *ref]
        argv += ["--json", "--no-cache"] if exit == 0 else ["--csv", "out.csv"]
        case(f"cases-{id}", "case file", argv, {name: data},
             names=([name, *names] if exit else list(names)), exit=exit, received=received,
             lines=1 if exit else 0)

    run("missing-la-code", case_csv([r[1:] for r in case_rows()], CASE_COLUMNS[1:]),
        ["la_code"])
    run("duplicate-received", case_csv([r + ["2025-01-01"] for r in case_rows()],
                                       CASE_COLUMNS + ["received_date"]),
        ["received_date", "twice"])
    run("blank-row-extra-fields", case_csv() + "," * 30 + "\n", ["line 22"])
    run("row-extra-fields", case_csv() + ",".join(case_rows()[0] + ["x", "y"]) + "\n",
        ["line 22"])
    run("field-over-64k", case_with(5, "forename", "F" * 100_000), ["line 5", "longer"])
    run("la-code-postcode", case_with(4, "la_code", POSTCODE), ["line 4", "la_code"])
    run("received-forename", case_with(6, "received_date", FORENAME),
        ["line 6", "received_date"])
    run("birth-upn", case_with(7, "birth_date", UPN), ["line 7", "birth_date"])
    run("decided-before-received", case_with(8, "request_outcome_date", "2025-01-01"),
        ["line 8", "request_outcome_date"])
    run("received-ansi", case_with(3, "received_date", ESC + "\n2025"),
        ["line 3", "received_date"])
    run("empty", "", ["la_code"])
    run("wrong-extension", case_csv(), ["case file"], name="c.txt")
    run("nul-bytes", case_with(3, "received_date", "2025-03-01\x00"), ["line 3"])
    run("binary", bytes(range(256)) * 30, ["la_code"])
    run("unknown-source-upn", case_with(3, "request_source", UPN), exit=0, received=20)
    run("unknown-outcome-forename", case_with(3, "request_outcome", FORENAME), exit=0,
        received=20)  # an unknown outcome code: still received, in no decision
    run("unknown-source-ansi", case_with(3, "request_source", ESC + "7\n"), exit=0,
        received=20)
    run("utf16", case_csv().encode("utf-16"), exit=0, received=20)
    run("utf8-bom", b"\xef\xbb\xbf" + case_csv().encode(), exit=0, received=20)
    run("cp1252-0x81", case_with(3, "forename", "Zo\xeb\x81\x8d").encode("latin-1"), exit=0,
        received=20)
    case("cases-dev-zero", "case file", ["audit", "--cases", "/dev/zero", *ref],
         names=["/dev/zero", "not a regular file"])
    case("cases-folder", "case file", ["audit", "--cases", "folder.csv", *ref],
         {"folder.csv/x": b""}, names=["folder.csv", "folder"])
    # XLSX
    header_row = CASE_COLUMNS
    good = [header_row] + case_rows()

    def xrun(id, parts, names=(), exit=2, received=None, hidden=()):
        run(f"xlsx-{id}", _xlsx(parts, hidden), names, exit=exit, name="c.xlsx",
            received=received)

    xrun("valid", {"xl/worksheets/sheet1.xml": _sheet(good)}, exit=0, received=20)
    xrun("nan-cell", {"xl/worksheets/sheet1.xml": _sheet(good, raw={(3, 6): "NaN"})},
         ["row 3"])
    xrun("inf-la-code", {"xl/worksheets/sheet1.xml": _sheet(good, raw={(4, 1): "INF"})},
         ["row 4"])
    xrun("huge-number", {"xl/worksheets/sheet1.xml": _sheet(good, raw={(4, 6): "1e308"})},
         ["row 4", "received_date"])
    xrun("truncated-sheet", {"xl/worksheets/sheet1.xml": _sheet(good)[:-300]},
         ["Excel"])
    xrun("entity-in-sheet", {"xl/worksheets/sheet1.xml": _sheet(good).replace(
        b"<worksheet", b"<!DOCTYPE worksheet [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;"
        b"&a;&a;&a;&a;&a;&a;&a;'>]><worksheet", 1)}, ["DTD"])
    xrun("zip-bomb", {"xl/worksheets/sheet1.xml": _sheet(good),
                      "xl/bomb.xml": b"<a>" + b" " * 60_000_000 + b"</a>"}, ["bomb"])
    xrun("hidden-first-sheet", {"xl/worksheets/sheet1.xml": _sheet([["junk"], ["1"]]),
                                "xl/worksheets/sheet2.xml": _sheet(good)},
         exit=0, received=20)
    xrun("all-hidden", {"xl/worksheets/sheet1.xml": _sheet(good)}, ["hidden"],
         hidden={"ALL"})
    xrun("duplicate-column", {"xl/worksheets/sheet1.xml": _sheet(
        [header_row + ["la_code"]] + [r + ["E08000035"] for r in case_rows()])},
        ["la_code", "twice"])
    xrun("bad-date-forename", {"xl/worksheets/sheet1.xml": _sheet(
        good, raw={(5, 6): None}, text={(5, 6): FORENAME})}, ["row 5", "received_date"])
    run("xlsx-not-a-zip", "la_code,received_date\n", ["Excel"], name="c.xlsx")
    run("xlsx-empty", b"", ["Excel"], name="c.xlsx")


def _sheet(rows, raw=None, text=None) -> bytes:
    """A worksheet's XML with inline strings; ``raw[(row, col)]``: a number cell's raw text."""
    raw, text = raw or {}, text or {}
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns='
           '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for c, value in enumerate(row, start=1):
            ref = _col(c) + str(r)
            if (r, c) in raw and raw[(r, c)] is not None:
                out.append(f'<c r="{ref}"><v>{raw[(r, c)]}</v></c>')
                continue
            value = text.get((r, c), value)
            value = str(value).replace("&", "&amp;").replace("<", "&lt;")
            out.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out).encode()


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _xlsx(parts: dict[str, bytes], hidden=(), titles=None) -> bytes:
    """A minimal workbook around the given sheets; sheets named in ``hidden`` are hidden. A
    sheet called 'hidden-first-sheet' hides sheet 1; 'all-hidden' hides every sheet."""
    sheets = sorted(k for k in parts if k.startswith("xl/worksheets/"))
    hidden = set(hidden)
    if len(sheets) == 2 and not hidden and titles is None:
        hidden = {sheets[0]}
    titles = titles or {s: f"Sheet{i + 1}" for i, s in enumerate(sheets)}
    return _zip(parts, sheets, hidden, titles)


def _zip(parts, sheets, hidden, titles) -> bytes:
    ct = ['<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
          'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
          'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
          'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
          '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>']
    for s in sheets:
        ct.append(f'<Override PartName="/{s}" ContentType="application/vnd.openxmlformats-'
                  'officedocument.spreadsheetml.worksheet+xml"/>')
    ct.append("</Types>")
    wb = ['<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
          '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
          'officeDocument/2006/relationships"><sheets>']
    rels = ['<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships">']
    for i, s in enumerate(sheets, start=1):
        state = ' state="hidden"' if s in hidden or "ALL" in hidden else ""
        title = titles[s].replace("&", "&amp;").replace("<", "&lt;")
        wb.append(f'<sheet name="{title}" sheetId="{i}"{state} r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/'
                    f'officeDocument/2006/relationships/worksheet" Target="/{s}"/>')
    wb.append("</sheets></workbook>")
    rels.append("</Relationships>")
    root_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                 'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                 'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                 'officeDocument" Target="xl/workbook.xml"/></Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "".join(ct))
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", "".join(wb))
        z.writestr("xl/_rels/workbook.xml.rels", "".join(rels))
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


# --- FOI returns --------------------------------------------------------------------------

FOI_LABELS = ["la_code", "la_name", "year", "measure", "measure_label",
              "parent_or_young_person", "school_or_education_setting", "other", "all_requests",
              "notes"]
FOI_MEASURES = [("received", "Requests for an EHC needs assessment received"),
                ("decided_to_assess", "Of those, requests where the LA decided to carry out "
                                      "an EHC needs assessment"),
                ("plan_issued", "Of those, EHC plans issued"),
                ("plan_within_20_weeks", "Of those, EHC plans issued within 20 weeks of the "
                                         "request (excluding exceptions)")]
FOI_VALUES = [[100, 200, 10, 310], [60, 170, 8, 238], [50, 160, 8, 218], [30, 120, 6, 156]]


def foi_csv(values=None, code="E08000035", name="Leeds") -> str:
    values = values or FOI_VALUES
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FOI_LABELS)
    for (m, label), vals in zip(FOI_MEASURES, values, strict=True):
        w.writerow([code, name, "2025", m, label, *vals, ""])
    return buf.getvalue()


def foi_sheet(values=None, raw=None, text=None) -> bytes:
    values = values or FOI_VALUES
    rows = [["Local authority", "Leeds", "E08000035"], ["Year", "2025"],
            ["Measure", "Parent or young person", "School or other education setting",
             "Other", "All requests"]]
    rows += [[label, *vals] for (_, label), vals in zip(FOI_MEASURES, values, strict=True)]
    return _sheet(rows, raw, text)


def foi_cases() -> None:
    def run(id, files, names=(), exit=2, lines=1, changes=True):
        case(f"foi-{id}", "FOI return", ["foi", "ingest", "returns", "--db", "c.sqlite",
                                         "--date", "2026-02-01"],
             {f"returns/{k}": v for k, v in files.items()}, names=list(names), exit=exit,
             lines=lines, changes=changes, creates=["c.sqlite"] if exit == 0 else [])

    def vals(i, j, v):
        out = [list(r) for r in FOI_VALUES]
        out[i][j] = v
        return out

    run("cp1252-0x81", {"E08000035.csv": foi_csv().replace("Leeds", "Leeds \x81\xe9")
                        .encode("latin-1")}, exit=0, lines=0)
    run("utf16", {"E08000035.csv": foi_csv().encode("utf-16")}, exit=0, lines=0)
    run("field-over-64k", {"E08000035.csv": foi_csv().replace(
        "Leeds,2025,plan_issued", "L" * 100_000 + ",2025,plan_issued").encode()},
        ["E08000035.csv", "line 4", "longer"])
    run("csv-1e30", {"E08000035.csv": foi_csv(vals(0, 0, "1" + "0" * 30)).encode()},
        ["E08000035.csv", "line 2"])
    run("csv-ansi-value", {"E08000035.csv": foi_csv(vals(1, 1, ESC + "12\nx")).encode()},
        ["E08000035.csv", "line 3"])
    run("csv-megabyte-value", {"E08000035.csv": foi_csv(vals(1, 1, "9" * 60_000 + "x")
                                                        ).encode()},
        ["E08000035.csv", "line 3"])
    run("csv-not-add-up", {"E08000035.csv": foi_csv(vals(0, 3, 311)).encode()},
        ["E08000035.csv", "line 2"])
    run("csv-negative", {"E08000035.csv": foi_csv(vals(2, 0, -5)).encode()},
        ["E08000035.csv", "line 4", "negative"])
    run("xlsx-nan", {"leeds.xlsx": _xlsx({"xl/worksheets/sheet1.xml": foi_sheet(
        raw={(4, 2): "NaN"})})}, ["leeds.xlsx", "row 4"])
    run("xlsx-inf", {"leeds.xlsx": _xlsx({"xl/worksheets/sheet1.xml": foi_sheet(
        raw={(5, 3): "INF"})})}, ["leeds.xlsx", "row 5"])
    run("xlsx-float", {"leeds.xlsx": _xlsx({"xl/worksheets/sheet1.xml": foi_sheet(
        raw={(5, 3): "12.5"})})}, ["leeds.xlsx", "C5"])
    run("xlsx-1e30", {"leeds.xlsx": _xlsx({"xl/worksheets/sheet1.xml": foi_sheet(
        raw={(4, 2): "1e30"})})}, ["leeds.xlsx", "B4"])
    run("xlsx-valid", {"leeds.xlsx": _xlsx({"xl/worksheets/sheet1.xml": foi_sheet()})},
        exit=0, lines=0)
    run("xlsx-hidden-draft", {"leeds.xlsx": _xlsx(
        {"xl/worksheets/sheet1.xml": foi_sheet(vals(0, 0, "draft?")),
         "xl/worksheets/sheet2.xml": foi_sheet()})}, exit=0, lines=0)
    run("xlsx-hidden-good-visible-bad", {"leeds.xlsx": _xlsx(
        {"xl/worksheets/sheet1.xml": foi_sheet(),
         "xl/worksheets/sheet2.xml": foi_sheet(vals(0, 0, "lots"))})},
        ["leeds.xlsx", "Sheet2", "B4"])
    run("xlsx-zip-bomb", {"leeds.xlsx": _xlsx({"xl/worksheets/sheet1.xml": foi_sheet(),
                                               "xl/bomb.xml": b"<a>" + b"0" * 50_000_000
                                               + b"</a>"})}, ["leeds.xlsx", "bomb"])
    run("xlsx-entity", {"leeds.xlsx": _xlsx({"xl/worksheets/sheet1.xml": foi_sheet().replace(
        b"<worksheet", b"<!DOCTYPE w [<!ENTITY a 'b'>]><worksheet", 1)})},
        ["leeds.xlsx", "DTD"])
    run("xlsx-truncated-sheet", {"leeds.xlsx": _xlsx({"xl/worksheets/sheet1.xml":
                                                      foi_sheet()[:-200]})},
        ["leeds.xlsx", "Excel"])
    run("xlsx-sheet-title-ansi", {"leeds.xlsx": _zip(
        {"xl/worksheets/sheet1.xml": foi_sheet(vals(0, 0, "lots"))},
        ["xl/worksheets/sheet1.xml"], set(), {"xl/worksheets/sheet1.xml": "R\u202eevil"})},
        ["leeds.xlsx", "B4"])
    run("xlsx-not-a-zip", {"leeds.xlsx": b"PK\x03\x04 not really"}, ["leeds.xlsx", "Excel"])
    dup = foi_csv().replace("other,all_requests", "parent_or_young_person,all_requests")
    run("csv-duplicate-group-column", {"E08000035.csv": dup.encode()},
        ["E08000035.csv", "line 1", "second column"])
    case("foi-fifo", "FOI return", ["foi", "ingest", "returns", "--db", "c.sqlite"],
         {"returns/a.csv": "fifo"}, names=["a.csv", "not a regular file"])
    case("foi-not-a-folder", "FOI return", ["audit", "--foi", "f.csv"], {"f.csv": b"x"},
         names=["f.csv", "folder"])
    case("foi-audit-rejected", "FOI return", ["audit", "--foi", "returns", "--csv",
                                              "out.csv"],
         {"returns/E08000035.csv": foi_csv(vals(0, 3, 311)).encode()}, exit=0,
         names=["E08000035.csv", "line 2"], creates=["out.csv", "out.about.txt"], lines=2)


# --- the tracker --------------------------------------------------------------------------

def tracker_cases() -> None:
    def run(id, argv, files, names, **kw):
        case(f"tracker-{id}", "tracker", argv, files, names=names, **kw)

    note = ["foi", "track", "--db", "c.sqlite", "note", "Leeds", "hello"]
    status = ["foi", "status", "--db", "c.sqlite", "--today", "2026-02-01"]
    run("garbage-note", note, {"c.sqlite": b"garbage " * 200}, ["c.sqlite", "damaged"])
    run("garbage-status", status, {"c.sqlite": b"garbage " * 200}, ["c.sqlite", "damaged"])
    run("foreign-note", note, {"c.sqlite": ("sqlite", "foreign")}, ["c.sqlite", "not a copro"])
    run("foreign-status", status, {"c.sqlite": ("sqlite", "foreign")},
        ["c.sqlite", "not a copro"])
    run("other-app-id", note, {"c.sqlite": ("sqlite", "other-app")}, ["c.sqlite", "not a copro"])
    run("same-names-other-columns", status, {"c.sqlite": ("sqlite", "lookalike")},
        ["c.sqlite", "not a copro"])
    run("hand-edited-sent", status, {"c.sqlite": ("sqlite", "bad-sent")},
        ["c.sqlite", "E08000035", "sent"])
    run("hand-edited-due", status, {"c.sqlite": ("sqlite", "bad-due")},
        ["c.sqlite", "E08000035", "due"])
    run("hand-edited-note-add", note, {"c.sqlite": ("sqlite", "bad-sent")},
        ["c.sqlite", "E08000035", "sent"])
    run("truncated", status, {"c.sqlite": ("sqlite", "truncated")}, ["c.sqlite"])
    run("folder", note, {"c.sqlite/x": b""}, ["c.sqlite", "folder"])
    run("missing-folder", ["foi", "track", "--db", "no/c.sqlite", "sent", "Leeds", "--year",
                           "2025"], {}, ["no/c.sqlite", "does not exist"])
    run("dev-null", ["foi", "track", "--db", "/dev/null", "sent", "Leeds", "--year", "2025"],
        {}, ["/dev/null", "not a regular file"])
    run("unwritable", note, {"c.sqlite": ("sqlite", "good"), "c.sqlite-journal/x": b""},
        ["c.sqlite"])
    run("status-missing", status, {}, ["c.sqlite"])
    run("status-empty-file", status, {"c.sqlite": b""}, ["c.sqlite", "no campaign"])
    run("unknown-la", ["foi", "track", "--db", "c.sqlite", "note", ESC + "Nowhere\n", "x"],
        {"c.sqlite": ("sqlite", "good")}, ["Nowhere"])
    run("bad-date-option", ["foi", "track", "--db", "c.sqlite", "answered", "Leeds", "--date",
                            "31/01/2026"], {"c.sqlite": ("sqlite", "good")}, ["--date"])


def sqlite_file(kind: str) -> bytes:
    import sqlite3
    import tempfile

    from copro.foi.tracker import Tracker
    from copro.register import find_local_authority

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.sqlite"
        if kind in ("good", "bad-sent", "bad-due", "truncated"):
            from datetime import date

            with Tracker(path) as t:
                t.sent(find_local_authority("Leeds"), "2025", date(2026, 1, 5))
            db = sqlite3.connect(path)
            if kind == "bad-sent":
                db.execute("UPDATE requests SET sent='5th Jan'")
            if kind == "bad-due":
                db.execute("UPDATE requests SET due='soon'")
            db.commit()
            db.close()
        else:
            db = sqlite3.connect(path)
            if kind == "foreign":
                db.execute("CREATE TABLE invoices (id INTEGER, amount REAL)")
            elif kind == "other-app":
                db.execute("PRAGMA application_id = 1234")
                db.execute("CREATE TABLE requests (x)")
            elif kind == "lookalike":
                for t in ("requests", "events", "returns"):
                    db.execute(f"CREATE TABLE {t} (x)")
            db.commit()
            db.close()
        data = path.read_bytes()
    return data[:1500] if kind == "truncated" else data


# --- output paths -------------------------------------------------------------------------

def output_cases() -> None:
    def run(id, argv, files=None, names=(), **kw):
        case(f"out-{id}", "output path", argv, files or {}, names=list(names), **kw)

    old = b"old contents\n"
    run("csv-dev-null", ["audit", "--csv", "/dev/null"], names=["/dev/null"])
    run("csv-fifo", ["audit", "--csv", "p.csv"], {"p.csv": "fifo"},
        names=["p.csv", "regular"])
    run("csv-as-xlsx", ["audit", "--csv", "areas.xlsx"], names=["areas.xlsx", ".csv"])
    run("csv-stdout", ["audit", "--csv", "-"], names=["'-'"])
    run("xlsx-as-csv", ["audit", "--xlsx", "areas.csv"], names=["areas.csv", ".xlsx"])
    run("about-is-folder", ["audit", "--csv", "x.csv"], {"x.csv": old, "x.about.txt/k": b""},
        names=["x.about.txt", "folder"])
    run("csv-is-folder", ["audit", "--csv", "x.csv"], {"x.csv/k": b""},
        names=["x.csv", "folder"])
    run("csv-missing-folder", ["audit", "--csv", "no/x.csv"], names=["no/x.csv", "folder"])
    run("csv-parent-is-file", ["audit", "--csv", "f/x.csv"], {"f": old},
        names=["f/x.csv", "folder"])
    run("csv-onto-input", ["audit", "--data", "d.csv", "--csv", "d.csv"],
        {"d.csv": dfe_text().encode()}, names=["d.csv", "input"])
    run("xlsx-onto-input", ["audit", "--cases", "c.xlsx", "--reference-date", "2026-01-15",
                            "--xlsx", "c.xlsx"],
        {"c.xlsx": _xlsx({"xl/worksheets/sheet1.xml": _sheet([CASE_COLUMNS] + case_rows())})},
        names=["c.xlsx", "input"])
    run("csv-onto-input-hardlink", ["audit", "--data", "d.csv", "--csv", "e.csv"],
        {"d.csv": dfe_text().encode(), "e.csv": ("link", "d.csv")}, names=["e.csv", "input"])
    run("csv-symlink", ["audit", "--csv", "s.csv"], {"t.csv": old, "s.csv": ("symlink",
                                                                             "t.csv")},
        names=["s.csv", "symbolic link"])
    run("csv-newline-name", ["audit", "--csv", "bad\nname.xlsx"], names=["bad name.xlsx"])
    run("report-foreign-folder", ["report", "--out", "site"],
        {"site/index.html": old, "site/notes.txt": old}, names=["site", "notes.txt"])
    run("report-onto-file", ["report", "--out", "r"], {"r": old}, names=["r", "not a folder"])
    run("report-la-page-onto-folder", ["report", "--la", "Leeds", "--out", "r"],
        {"r/leeds.html/x": b""}, names=["leeds.html", "folder"])
    run("las-dev-null", ["las", "--csv", "/dev/null"], names=["/dev/null"])
    run("las-as-json", ["las", "--csv", "las.json"], names=["las.json", ".csv"])
    letters = ["foi", "letters", "--year", "2025", "--name", "A", "--email", "a@example.org",
               "--la", "Leeds", "--out"]
    run("letters-onto-file", [*letters, "o"], {"o": old}, names=["o", "a file is in the way"])
    run("bad-option", ["audit", "--nonsense"], names=["--nonsense"])
    run("bad-option-value", ["audit", "--min-requests", "lots"], names=["--min-requests"])
    run("bad-compare", ["audit", "--compare", "a\nb", "family"], names=["--compare"])
    run("unknown-la", ["la", ESC + "Gotham\n"], names=["Gotham"])
    run("csv-ok-mode", ["audit", "--csv", "ok.csv"], exit=0, creates=["ok.csv",
                                                                       "ok.about.txt"])
    run("report-sen2-one-small-la", ["report", "--sen2", "s.xml", "--out", "r"],
        {"s.xml": sen2(GOOD_PERSONS).encode()}, exit=0, creates=["r/", "r/index.html"],
        lines=0)
    run("report-into-new-folders", ["report", "--out", "a/b"], exit=0,
        creates=["a/", "a/b/", "a/b/index.html"])
    run("report-replaces-own-report", ["report", "--out", "r"],
        {"r/index.html": b"old report", "r/la/E08000035.html": b"old page"}, exit=0,
        creates=["r/index.html", "r/la/", "r/la/E08000035.html"])


# --- places that cannot be written: a protected folder, a full disk, a file in the way -----

READONLY = ("readonly",)  # a folder nothing can be written in (made so after its files)
FULL = ("full",)  # a folder on a file system with no room (a 4 KiB tmpfs)
UNAVAILABLE: dict[str, str] = {}  # case id -> why its place could not be made (build())


# --- SEND Tribunal appeal-rate tables (issue 25) ---------------------------------------------

APPEALS_HEAD = ("Title,,,,,,,\n,,,,,,,\n,,2024,,,2025,,\n,Old LA code,Appeals registered,"
                "Total Appealable Decisions,SEND Tribunal Appeal Rate2,Appeals,"
                "Total Appealable decisions,SEND Tribunal Appeal Rate\nNORTH WEST,,,  ,,,,\n")


def appeals_text(leeds="Leeds,383,126,3542,3.60%,171,2673,6.40%",
                 total="England Total,,126,3542,3.60%,171,2673,6.40%") -> str:
    return APPEALS_HEAD + leeds + "\n" + total + "\n,,,,,,,\nFootnotes:,,,,,,,\n"


def appeals_cases() -> None:
    def bad(id, content, names):
        data = content.encode() if isinstance(content, str) else content
        case(f"appeals-{id}", "SEND Tribunal table", ["appeals", "t.csv"], {"t.csv": data},
             names=["t.csv", *names])

    case("appeals-good", "SEND Tribunal table", ["appeals", "t.csv"],
         {"t.csv": appeals_text().encode()}, exit=0, lines=0)
    bad("empty", "", ["no row of years"])
    bad("rate-wrong", appeals_text(leeds="Leeds,383,126,3542,3.60%,171,2673,9.40%"),
        ["line 6", "171 / 2,673"])
    bad("personal-name-as-la", appeals_text(leeds=f"{FORENAME},383,126,3542,3.60%,171,2673,"
                                                  "6.40%"), ["line 6"])
    bad("escape-in-cell", appeals_text(leeds=f"Leeds,383,126,35{ESC}42,3.60%,171,2673,6.40%"),
        ["line 6", "decisions"])
    bad("total-off", appeals_text(total="England Total,,126,3542,3.60%,172,2673,6.40%"),
        ["line 7", "171", "172"])
    bad("code-of-another-la", appeals_text(leeds="Leeds,891,126,3542,3.60%,171,2673,6.40%"),
        ["line 6", "Nottinghamshire"])


def place_cases() -> None:
    """Every command that writes, into a folder it cannot write, onto a full disk, and under
    a file where a folder should be: one line naming the place and what to do, exit 2, and
    nothing half-written (no file, no folder, no temporary)."""
    old = b"old contents\n"
    letters = ["foi", "letters", "--year", "2025", "--name", "A", "--email", "a@example.org",
               "--la", "Leeds", "--out"]
    writers = {  # name -> (argv without the place, the place's form)
        "synth": (["synth", "--persons", "30", "--out"], "{}"),
        "synth-new-folder": (["synth", "--persons", "30", "--out"], "{}/s"),
        "report": (["report", "--out"], "{}/r"),
        "report-la": (["report", "--la", "Leeds", "--out"], "{}/r"),
        "csv": (["audit", "--csv"], "{}/a.csv"),
        "xlsx": (["audit", "--xlsx"], "{}/a.xlsx"),
        "las-csv": (["las", "--csv"], "{}/l.csv"),
        "letters": (letters, "{}/x"),
        "survey-export": (["survey", "export", "--out"], "{}/x"),
        "tracker": (["foi", "track", "--db"], "{}/c.sqlite"),
    }
    for name, (argv, form) in writers.items():
        for where, marker, advice in (("readonly", READONLY, "write to"),
                                      ("full", FULL, "disk is full")):
            place = form.format("p")
            args = [*argv, place]
            if name == "tracker":
                args += ["sent", "Leeds", "--year", "2025"]
            # synth says which file it is writing before the disk fills up
            lines = 2 if name.startswith("synth") and marker == FULL else 1
            case(f"place-{name}-{where}", "output place", args, {"p/": marker},
                 names=[place, advice], lines=lines)
        if name not in ("tracker", "csv", "xlsx", "las-csv"):
            place = form.format("f/sub")
            args = [*argv, place]
            case(f"place-{name}-under-file", "output place", args, {"f": old},
                 names=["f", "a file is in the way"])
    # a report already there, in a folder that became read-only: the old report stays whole
    case("place-report-replace-readonly", "output place", ["report", "--out", "p/r"],
         {"p/r/index.html": b"old report", "p/": READONLY}, names=["p/r", "write to"])


def _make_place(folder: Path, marker: tuple) -> str | None:
    """Make ``folder`` unwritable or full; None when done, else why it could not be."""
    import shutil
    import subprocess

    root = os.geteuid() == 0
    if marker == READONLY:
        if not root:
            os.chmod(folder, 0o555)
            return None
        chattr = shutil.which("chattr")
        if chattr and subprocess.run([chattr, "+i", str(folder)],
                                     capture_output=True).returncode == 0:
            return None
        if not any(folder.iterdir()) and _mount(folder, "ro,size=4k"):
            return None
        return f"{folder}: could not be made read-only (chattr +i, or a read-only tmpfs)"
    if root and _mount(folder, "size=4k"):
        return None
    return f"{folder}: no full file system (mounting a 4 KiB tmpfs needs root)"


def _mount(folder: Path, options: str) -> bool:
    import subprocess

    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def release(root: Path) -> None:
    """Undo what build() did to make places unwritable or full (so the corpus can be
    deleted): unmount the tmpfs, clear the immutable flag, restore the mode."""
    import shutil
    import subprocess

    for c in CASES:
        for rel, data in FILES[c.id].items():
            folder = root / c.id / rel
            if data == FULL or data == READONLY:
                if os.path.ismount(folder):
                    subprocess.run(["umount", str(folder)], capture_output=True)
                if data == READONLY and folder.exists():
                    if shutil.which("chattr") and os.geteuid() == 0:
                        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
                    os.chmod(folder, 0o755)


def build(root: Path, only: set[str] | None = None) -> list[Case]:
    """Write every case's files under ``root`` (big files once); return the cases."""
    import stat as st_

    if not CASES:
        for make in (dfe_cases, sen2_cases, big_sen2_cases, case_file_cases, foi_cases,
                     tracker_cases, output_cases, place_cases, appeals_cases):
            make()
    root.mkdir(parents=True, exist_ok=True)
    big: dict[str, bytes] = {}
    dbs: dict[str, bytes] = {}
    for c in CASES:
        if only is not None and c.id not in only:
            continue
        folder = root / c.id
        if folder.exists():
            continue
        folder.mkdir()
        places = []
        for rel, data in FILES[c.id].items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if data in (READONLY, FULL):
                path.mkdir(exist_ok=True)
                places.append((path, data))
            elif data == "fifo":
                os.mkfifo(path)
            elif isinstance(data, tuple) and data[0] == "big":
                if data[1] not in big:
                    big[data[1]] = big_files(data[1])
                path.write_bytes(big[data[1]])
            elif isinstance(data, tuple) and data[0] == "sqlite":
                if data[1] not in dbs:
                    dbs[data[1]] = sqlite_file(data[1])
                path.write_bytes(dbs[data[1]])
            elif isinstance(data, tuple) and data[0] == "symlink":
                os.symlink(data[1], path)
            elif isinstance(data, tuple) and data[0] == "link":
                os.link(folder / data[1], path)
            else:
                path.write_bytes(data)
                os.chmod(path, st_.S_IRUSR | st_.S_IWUSR | st_.S_IRGRP | st_.S_IROTH)
        for path, marker in places:  # after the files in them
            why = _make_place(path, marker)
            if why is not None:
                UNAVAILABLE[c.id] = why
    (root / "manifest.json").write_text(json.dumps([asdict(c) for c in CASES], indent=1))
    return CASES


def cases() -> list[Case]:
    if not CASES:
        for make in (dfe_cases, sen2_cases, big_sen2_cases, case_file_cases, foi_cases,
                     tracker_cases, output_cases, place_cases, appeals_cases):
            make()
    return CASES


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("hostile-corpus")
    built = build(target)
    release(target)  # the read-only and full places are made again by the test suite
    print(f"{len(built)} cases written")
