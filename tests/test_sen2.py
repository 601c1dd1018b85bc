"""SEN2 person-level returns: derivation, safety, pseudonymisation, disclosure control, and the
synthetic round trip (the audit recovers the effects it was given)."""

import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from copro.audit import audit
from copro.counts import Measure
from copro.disclosure import suppress_small_counts
from copro.errors import InputError
from copro.groups import RequesterGroup
from copro.register import find_local_authority
from copro.sources.sen2 import Sen2Summary, pseudonymise, read_requests, read_sen2
from copro.synth import Effects, SynthSpec, write_synthetic
from tests.in_process import run_copro
from tests.test_cli import COPRO

G = RequesterGroup
M = Measure
LEEDS = find_local_authority("Leeds")

HEADER = ("<?xml version='1.0' encoding='UTF-8'?><Message><Header><CollectionDetails>"
          "<Collection>SEN2</Collection><Year>2026</Year><ReferenceDate>2026-01-15"
          "</ReferenceDate></CollectionDetails><Source><LEA>383</LEA></Source></Header>"
          "<Persons>")


def person(requests: str, upn="A123456789012", birth="2015-03-01") -> str:
    return (f"<Person><Surname>Secretname</Surname><Forename>Hidden</Forename>"
            f"<PersonBirthDate>{birth}</PersonBirthDate><PostCode>ZZ99 9ZZ</PostCode>"
            f"<UPN>{upn}</UPN>{requests}</Person>")


def request(received="2025-03-01", source="1", outcome=None, decided=None, assessment="",
            extra="") -> str:
    out = f"<Requests><ReceivedDate>{received}</ReceivedDate>"
    if source is not None:
        out += f"<RequestSource>{source}</RequestSource>"
    if decided is not None:
        out += f"<RequestOutcomeDate>{decided}</RequestOutcomeDate>"
    if outcome is not None:
        out += f"<RequestOutcome>{outcome}</RequestOutcome>"
    return out + assessment + extra + "</Requests>"


def plan(outcome="Y", issued="2025-07-19", week20=None) -> str:
    w = f"<Week20>{week20}</Week20>" if week20 is not None else ""
    return (f"<Assessment><AssessmentOutcome>{outcome}</AssessmentOutcome>"
            f"<AssessmentOutcomeDate>{issued}</AssessmentOutcomeDate>{w}"
            f"<NamedPlan><StartDate>{issued}</StartDate></NamedPlan></Assessment>")


def write(tmp_path, body: str, name="x.xml") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body + "</Persons></Message>")
    return path


def derived(path):
    summary = Sen2Summary()
    return [r for _, _, r in read_requests(path, b"k" * 32, summary)], summary


def test_statutory_weeks_and_censoring(tmp_path):
    body = "".join([
        person(request(outcome="Y", decided="2025-04-12",  # day 42: within 6 weeks
                       assessment=plan(issued="2025-07-19"))),  # day 140: within 20 weeks
        person(request(outcome="N", decided="2025-04-13")),  # day 43: late
        person(request(outcome="Y", decided="2025-04-01", assessment=plan(issued="2025-07-20"))),
        person(request(outcome="Y", decided="2025-04-01",
                       assessment=plan(issued="2025-09-01", week20=1))),  # exception
        person(request(received="2025-12-20", outcome="Y", decided="2026-02-01")),  # after ref
        person(request(received="2025-12-20", outcome="A")),  # no decision yet
        person(request(outcome="Y", decided="2025-04-01", assessment="<Assessment/>")),  # open
        person(request(outcome="W", decided="2025-04-01")),
        person(request(source=None, outcome="N", decided="2025-04-01")),  # legacy: not known
    ])
    reqs, summary = derived(write(tmp_path, body))
    bits = [r.bits() for r in reqs]
    from copro.sources.sen2 import BIT
    has = lambda i, m: bool(bits[i] & BIT[m])  # noqa: E731
    assert has(0, M.DECIDED_WITHIN_6_WEEKS) and has(0, M.PLAN_WITHIN_20_WEEKS)
    assert has(1, M.DECIDED_AFTER_6_WEEKS) and has(1, M.DECIDED_NOT_TO_ASSESS)
    assert has(2, M.PLAN_ISSUED_NO_EXCEPTION) and not has(2, M.PLAN_WITHIN_20_WEEKS)
    assert has(3, M.PLAN_ISSUED) and not has(3, M.PLAN_ISSUED_NO_EXCEPTION)
    assert has(0, M.PLAN_WITHIN_20_WEEKS_ANY) and not has(3, M.PLAN_WITHIN_20_WEEKS_ANY)
    assert has(4, M.NOT_YET_DECIDED) and has(5, M.NOT_YET_DECIDED)
    assert has(6, M.ASSESSMENT_OPEN) and not has(6, M.PLAN_ISSUED)
    assert has(7, M.WITHDRAWN) and not has(7, M.DECIDED_NOT_TO_ASSESS)
    assert reqs[8].group is G.UNKNOWN and summary.no_source == 1
    assert reqs[0].age_band == "5 to 10" and reqs[0].group is G.FAMILY
    assert summary.persons == 9 and summary.requests == 9


def test_unknown_codes_are_counted_not_guessed(tmp_path):
    body = person(request(outcome="Q", decided="2025-04-01")) + person(
        request(source="9", outcome="N", decided="2025-04-01"))
    reqs, summary = derived(write(tmp_path, body))
    assert summary.unknown_codes == {("RequestOutcome", "Q", 2026): 1,
                                     ("RequestSource", "9", 2026): 1}
    # the unknown outcome was still received: counted, in no decision
    assert len(reqs) == 2 and reqs[1].group is G.UNKNOWN
    from copro.sources.sen2 import BIT
    assert reqs[0].bits() == BIT[M.RECEIVED] | BIT[M.OUTCOME_NOT_KNOWN]


def test_an_unknown_assessment_code_leaves_the_request_at_the_request_stage(tmp_path):
    # 'I' was copro's old reading of "plan issued"; SEN2's code is Y
    body = person(request(outcome="Y", decided="2025-04-01", assessment=plan(outcome="I")))
    reqs, summary = derived(write(tmp_path, body))
    assert summary.unknown_codes == {("AssessmentOutcome", "I", 2026): 1}
    from copro.sources.sen2 import BIT
    bits = reqs[0].bits()
    assert bits & BIT[M.DECIDED_TO_ASSESS]
    assert not bits & (BIT[M.PLAN_ISSUED] | BIT[M.PLAN_NOT_ISSUED] | BIT[M.ASSESSMENT_OPEN])


def test_pseudonymised_at_the_door(tmp_path):
    reqs, _ = derived(write(tmp_path, person(request())))
    text = repr(reqs)
    for secret in ("A123456789012", "Secretname", "Hidden", "ZZ99", "2015-03-01"):
        assert secret not in text
    assert reqs[0].person == pseudonymise("A123456789012", b"k" * 32)
    assert pseudonymise("A123456789012", b"k" * 32) != pseudonymise("A123456789012", b"j" * 32)


@pytest.mark.parametrize(("body", "expect"), [
    (person(request(received="2025-02-30")), "element Requests/ReceivedDate: not a date"),
    (person(request(received="")), "element Requests/ReceivedDate: missing"),
    (person(request(), birth="01/02/2015"), "element Person/PersonBirthDate: not a date"),
])
def test_bad_values_name_line_and_element_never_the_value(tmp_path, body, expect):
    path = write(tmp_path, body)
    with pytest.raises(InputError) as info:
        read_sen2(path)
    message = str(info.value)
    assert expect in message and re.search(r"line \d+", message)
    assert "01/02/2015" not in message and "2025-02-30" not in message
    assert "A123456789012" not in message and "Secretname" not in message


def test_truncated_and_malformed_files(tmp_path):
    path = tmp_path / "t.xml"
    path.write_text(HEADER + person(request())[:-30])
    with pytest.raises(InputError, match=r"line \d+: malformed or truncated XML"):
        read_sen2(path)
    empty = tmp_path / "e.xml"
    empty.write_text("<Message><Persons/></Message>")
    with pytest.raises(InputError, match="no Header"):
        read_sen2(empty)


@pytest.mark.parametrize("doc", [
    '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    "<Message>&b;</Message>",
    '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<Message><Header>&x;</Header></Message>",
])
def test_entities_and_doctypes_are_refused(tmp_path, doc):
    path = tmp_path / "evil.xml"
    path.write_text(doc)
    with pytest.raises(InputError, match="refused for safety"):
        read_sen2(path)


def test_disclosure_control_primary_and_secondary(tmp_path):
    from copro.counts import CountsTable, DataProvenance
    prov = DataProvenance("x", "0", "", "", 0, 0)
    records = [("A", "2025", g, "received", v, None)
               for g, v in (("family", 3), ("education", 40), ("health", 12), ("other", 0),
                            ("all", 55))]
    out = suppress_small_counts(CountsTable.from_records(records, {}, prov), 5)
    cells = {r[2]: r[4:] for r in out.records}
    assert cells["family"][0] is None and "disclosure control" in cells["family"][1]
    assert cells["health"][0] is None  # secondary: else 55 - 40 - 0 - 12 gives family's 3
    assert cells["health"][1] == cells["family"][1]  # the same reason: which is small is hidden
    assert cells["education"][0] == 40 and cells["other"][0] == 0 and cells["all"][0] == 55


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    out = tmp_path_factory.mktemp("sen2")
    areas = tuple(find_local_authority(x) for x in ("Leeds", "Kent", "Camden"))
    write_synthetic(out / "effect", SynthSpec(areas, 12000, seed=5, effects=Effects(
        assess=2.0, plan=1.3, within_6_weeks=1.5, within_20_weeks=1.8)))
    write_synthetic(out / "null", SynthSpec(areas, 12000, seed=6, effects=Effects(
        assess=1.0, plan=1.0, within_6_weeks=1.0, within_20_weeks=1.0)))
    return out


def test_audit_recovers_the_effects_it_was_given(synthetic):
    """SEN2 records need (SENtype) only for children with a plan, as the synthetic returns do:
    adjusting for pre-request characteristics only, the audit still recovers the effects."""
    for file in (synthetic / "effect").glob("*.xml"):
        text = file.read_text()
        plans = text.count("<AssessmentOutcome>Y<") + text.count("<AssessmentOutcome>H<")
        assert text.count("<SENtype>") == plans > 0
    counts, summary = read_sen2(synthetic / "effect")
    assert not summary.unknown_codes and summary.outside_cohort() > 0
    f = audit(counts)
    truth = {"assessment": 2.0, "timeliness": 1.5, "plan_timeliness": 1.8}
    for key, value in truth.items():
        x = f.pooled[key].adjusted
        assert x.adjusted_for == "age at request, sex and ethnicity, with area fixed effects"
        adjusted = x.adjusted_or
        assert adjusted.ci_low < value < adjusted.ci_high, (key, adjusted)
    # families and schools ask for different children: crude and adjusted differ
    x = f.pooled["assessment"].adjusted
    assert x.crude_or.estimate != pytest.approx(x.adjusted_or.estimate, rel=0.01)


def test_no_effect_gives_intervals_around_one(synthetic):
    counts, _ = read_sen2(synthetic / "null")
    f = audit(counts)
    for key in ("assessment", "timeliness", "plan_timeliness", "plan"):
        adjusted = f.pooled[key].adjusted.adjusted_or
        assert adjusted.ci_low < 1 < adjusted.ci_high, (key, adjusted)


def test_cli_outputs_carry_no_personal_data_and_no_small_counts(synthetic, tmp_path):
    files = sorted((synthetic / "effect").glob("*.xml"))
    secrets = set()
    for file in files[:1]:
        text = file.read_text()
        secrets |= set(re.findall(r"<UPN>([^<]+)</UPN>", text)[:500])
        secrets |= set(re.findall(r"<UniqueLearnerNumber>([^<]+)<", text)[:500])
        secrets |= set(re.findall(r"<PostCode>([^<]+)</PostCode>", text)[:50])
        secrets |= set(re.findall(r"<PersonBirthDate>([^<]+)<", text)[:500])
    env_run = run_copro
    out = env_run("audit", "--sen2", str(synthetic / "effect"), "--json")
    assert out.returncode == 0, out.stderr
    report = env_run("report", "--sen2", str(synthetic / "effect"), "--all-las", "--out",
                     str(tmp_path / "r"))
    assert report.returncode == 0, report.stderr
    terminal = env_run("audit", "--sen2", str(synthetic / "effect"))
    published = out.stdout + out.stderr + terminal.stdout + terminal.stderr + "".join(
        p.read_text() for p in (tmp_path / "r").rglob("*.html"))
    leaked = [s for s in secrets if s in published]
    assert leaked == []
    result = json.loads(out.stdout)

    def counts(obj):
        if isinstance(obj, dict):
            for k, v in obj.items():
                if k in ("successes", "trials") and isinstance(v, int):
                    yield v
                yield from counts(v)
        elif isinstance(obj, list):
            for v in obj:
                yield from counts(v)

    small = [v for v in counts(result) if 0 < v < 5]
    assert small == []
    assert "withheld (disclosure control" in out.stdout  # it did suppress
    assert result["pooled"]["plan"]["adjusted"]["adjusted_or"]["estimate"] > 1
    assert "Adjusted for case mix" in terminal.stdout + "".join(result["headline"])


def test_synth_is_reproducible(tmp_path):
    for name in ("a", "b"):
        assert run_copro("synth", "--out", str(tmp_path / name), "--la", "Leeds",
                         "--persons", "300", "--seed", "4").returncode == 0
    a = (tmp_path / "a" / "sen2-2026-383.xml").read_bytes()
    assert a == (tmp_path / "b" / "sen2-2026-383.xml").read_bytes()
    reqs, summary = derived(tmp_path / "a" / "sen2-2026-383.xml")
    historical = summary.historical[("RequestOutcome", "H")]
    assert 0 < historical < 100 and len(reqs) + historical == 300
    assert reqs[0].received.year == 2025 and not summary.unknown_codes
    assert isinstance(reqs[0].received, date)


def test_synths_quick_draws_are_numpys_own_choices():
    """The writer draws each child's ethnic group, need and name by NumPy's own steps without
    its checks (copro.synth._choose): the same choices from the same stream as
    ``Generator.choice``, so a seed writes the same returns as it did with ``choice`` itself,
    and the generator is left where ``choice`` leaves it."""
    import numpy as np

    from copro import synth

    for shares, cdf in ((synth.FAMILY_ETHNIC_SHARES, synth._FAMILY_ETHNIC_CDF),
                        (synth.OTHER_ETHNIC_SHARES, synth._OTHER_ETHNIC_CDF),
                        *((w / w.sum(), synth._NEED_CDF[older])
                          for older, w in synth.NEED_WEIGHTS.items())):
        mine, numpys = np.random.default_rng(11), np.random.default_rng(11)
        drawn = [synth._choose(mine, cdf) for _ in range(5000)]
        assert drawn == [int(numpys.choice(len(shares), p=shares)) for _ in range(5000)]
        assert mine.bit_generator.state == numpys.bit_generator.state
    mine, numpys = np.random.default_rng(12), np.random.default_rng(12)
    assert ([synth.SURNAMES[mine.integers(0, len(synth.SURNAMES))] for _ in range(500)]
            == [str(numpys.choice(synth.SURNAMES)) for _ in range(500)])


def test_bad_sen2_file_exits_2_without_traceback(tmp_path):
    path = tmp_path / "t.xml"
    path.write_text(HEADER + person(request())[:-30])
    proc = subprocess.run([COPRO, "audit", "--sen2", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "malformed or truncated" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_case_file_gives_the_same_counts_as_the_xml(tmp_path):
    """The flat case file and the SEN2 XML of the same requests give the same counts."""
    import csv as csv_module

    body = "".join([
        person(request(outcome="Y", decided="2025-04-12", assessment=plan(issued="2025-07-19")),
               upn="A1", birth="2012-05-05"),
        person(request(source="2", outcome="N", decided="2025-04-13"), upn="A2"),
        person(request(source="2", received="2025-12-20"), upn="A3"),
    ])
    xml_counts, _ = read_sen2(write(tmp_path, body))
    rows = [
        dict(la_code="383", person_id="A1", surname="Secret", birth_date="2012-05-05",
             received_date="2025-03-01", request_source="1", request_outcome="Y",
             request_outcome_date="2025-04-12", assessment_outcome="Y",
             assessment_outcome_date="2025-07-19", plan_start_date="2025-07-19",
             week20_exception="", mediation="", tribunal="", primary_need_at_request=""),
        dict(la_code="E08000035", person_id="A2", birth_date="2015-03-01",
             received_date="2025-03-01", request_source="2", request_outcome="N",
             request_outcome_date="2025-04-13"),
        dict(la_code="Leeds", person_id="A3", birth_date="2015-03-01",
             received_date="2025-12-20", request_source="2"),
    ]
    path = tmp_path / "cases.csv"
    with path.open("w", newline="") as fh:
        w = csv_module.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    from copro.sources.cases import read_cases
    case_counts, summary = read_cases(path, date(2026, 1, 15))
    assert summary.requests == 3
    assert sorted(case_counts.records) == sorted(xml_counts.records)
    assert case_counts.strata[1] == xml_counts.strata[1]


def test_case_file_errors_name_line_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("la_code,received_date,birth_date\n383,2025-01-01,2015-01-01\n"
                    "383,2025-13-01,2015-01-01\n")
    proc = subprocess.run([COPRO, "audit", "--cases", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "line 3, column 'received_date': not a date" in proc.stderr
    assert "2025-13-01" not in proc.stderr


def test_parallel_reading_equals_serial(synthetic, monkeypatch):
    from copro.sources.sen2 import returns as sen2
    files = sorted((synthetic / "effect").glob("*.xml"))
    monkeypatch.setattr(sen2, "PARALLEL_MIN_BYTES", 1 << 40)
    serial, s_summary = read_sen2(files[0], b"k" * 32)
    monkeypatch.setattr(sen2, "PARALLEL_MIN_BYTES", 0)
    parallel, p_summary = read_sen2(files[0], b"k" * 32)
    assert sorted(parallel.records) == sorted(serial.records)
    assert sorted(parallel.strata[1]) == sorted(serial.strata[1])
    assert (p_summary.persons, p_summary.requests, p_summary.no_source) == (
        s_summary.persons, s_summary.requests, s_summary.no_source)
    assert p_summary.historical == s_summary.historical and s_summary.outside_cohort() > 0


def test_parallel_reading_reports_the_same_line(tmp_path, monkeypatch):
    from copro.sources.sen2 import returns as sen2
    body = "\n".join(person(request()) for _ in range(50))
    body += "\n" + person(request(received="2025-02-30")) + "\n"
    body += "\n".join(person(request()) for _ in range(50))
    path = write(tmp_path, body)
    messages = []
    for limit in (1 << 40, 0):
        monkeypatch.setattr(sen2, "PARALLEL_MIN_BYTES", limit)
        with pytest.raises(InputError) as info:
            read_sen2(path)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "line 51" in messages[0]
    truncated = tmp_path / "t.xml"
    truncated.write_text(path.read_text()[:-500].replace("2025-02-30", "2025-02-03"))
    with pytest.raises(InputError, match="malformed or truncated"):
        read_sen2(truncated)


def test_namespaced_persons_are_read_alike_by_both_readers(tmp_path, monkeypatch):
    """A Person under a namespace (prefixed, or a default namespace on the Person) is read by
    its local name by the one-process reader and the parallel one alike (the parallel reader
    left them out); an element in Persons that is not a Person is counted, not read."""
    from copro.sources.sen2 import returns as sen2
    prefixed = person(request()).replace("<Person>", "<s:Person xmlns:s='urn:x'>").replace(
        "</Person>", "</s:Person>").replace("<UPN>", "<s:UPN>").replace("</UPN>", "</s:UPN>")
    default = person(request(source="2")).replace("<Person>", "<Person xmlns='urn:x'>")
    pupil = person(request()).replace("Person>", "Pupil>")
    body = "\n".join([prefixed, person(request()), default, pupil] * 40 + [pupil])
    path = write(tmp_path, body)
    results = []
    for limit in (1 << 40, 0):  # one process; then the parallel reader, even for this file
        monkeypatch.setattr(sen2, "PARALLEL_MIN_BYTES", limit)
        counts, summary = read_sen2(path, b"k" * 32)
        results.append((sorted(counts.records), summary.persons, summary.requests,
                        summary.unread))
    assert results[0] == results[1]
    assert results[0][1:] == (120, 120, 41)
    assert any("41 element(s) in Message/Persons are not Person" in m
               for m in summary.messages(5))
