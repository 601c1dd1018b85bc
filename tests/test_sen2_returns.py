"""SEN2 returns from the outside in: material no one here wrote (the public SEN2 schemas and
samples in tests/data/sen2-schemas, from Social Finance's liia-tools-pipeline, MIT), and returns
built here from DfE's code lists, written out literally rather than taken from copro's mapping.
"""

from pathlib import Path

import pytest
from lxml import etree

from copro.groups import RequesterGroup
from copro.register import find_local_authority
from copro.sources import sen2_codes
from copro.sources.sen2 import read_sen2
from copro.synth import SynthSpec, write_synthetic
from tests.in_process import run_copro

SCHEMAS = Path(__file__).resolve().parent / "data" / "sen2-schemas"
XS = "{http://www.w3.org/2001/XMLSchema}"
YEARS = (2022, 2023, 2024, 2025, 2026)


def counts_of(counts, area="E09000007", period="2025"):
    """{group: {measure: count}} for one area and period."""
    out = {}
    for a, p, group, measure, value, _ in counts.records:
        if a == area and p == period:
            out.setdefault(group, {})[measure] = value
    return out


# --- the schemas themselves -------------------------------------------------------------

def schema(year: int, relax_identifiers: bool = False) -> etree.XMLSchema:
    """The year's public schema with its known defects relaxed, in memory only (the file is
    never edited): text before the XML declaration (2022), patterns with literal ^...$
    anchors, the ULN limited to 8 digits (a real one has 10), nonEmptyString used but not
    defined (2022), and a repeated SENSetting that makes 2022's Placements non-deterministic.
    ``relax_identifiers``: drop every pattern (the samples' UPN/URN values fail them)."""
    text = (SCHEMAS / f"sen2_schema_{year}.xsd").read_bytes()
    root = etree.fromstring(text[text.index(b"<?xml"):])
    for pattern in root.iter(XS + "pattern"):
        value = pattern.get("value")
        if value.startswith("^") and value.endswith("$"):
            value = value[1:-1]
        pattern.set("value", ".*" if relax_identifiers else
                    value.replace("[1-9][0-9]{7}", "[1-9][0-9]{9}"))
    for seq in root.iter(XS + "sequence"):
        elements = [el for el in seq if el.tag == XS + "element"]
        for el, previous in zip(elements[1:], elements, strict=False):
            if el.get("name") == previous.get("name"):
                seq.remove(el)
    if root.find(XS + "simpleType[@name='nonEmptyString']") is None:
        root.append(etree.fromstring(
            f'<xs:simpleType xmlns:xs="{XS[1:-1]}" name="nonEmptyString"><xs:restriction '
            'base="xs:string"><xs:minLength value="1"/></xs:restriction></xs:simpleType>'))
    return etree.XMLSchema(root)


def enumeration(year: int, type_name: str) -> set[str]:
    text = (SCHEMAS / f"sen2_schema_{year}.xsd").read_bytes()
    root = etree.fromstring(text[text.index(b"<?xml"):])
    found = root.find(f"{XS}simpleType[@name='{type_name}']")
    return set() if found is None else {e.get("value") for e in found.iter(XS + "enumeration")}


@pytest.mark.parametrize("year", YEARS)
def test_copro_code_lists_are_the_schemas_code_lists(year):
    lists = sen2_codes.code_lists(year)
    assert set(lists.request_outcome) == enumeration(year, "requestoutcometype")
    assert set(lists.assessment_outcome) == enumeration(year, "assessmentoutcometype")
    assert set(lists.request_source) == enumeration(year, "requestsourcetype")
    assert set(lists.sen_types) == enumeration(year, "sentype")
    assert set(lists.ethnicity) == enumeration(year, "ethnicitytype")
    assert set(lists.flags) == enumeration(year, "week20type") == enumeration(year, "yesnotype")
    sex_type = "gendertype" if lists.sex_element == "GenderCurrent" else "sextype"
    assert set(lists.sex) == enumeration(year, sex_type)
    assert ("DS" in lists.sen_types) == (year >= 2025) and "NSA" not in lists.sen_types
    assert set(sen2_codes.DESIGNATED_OFFICER) == enumeration(year, "yesnorecruittype")


def test_the_2024_sample_validates_with_the_known_defects_relaxed():
    """The relaxations are only the schemas' known defects: the public sample passes."""
    s = schema(2024, relax_identifiers=True)
    for name in ("sen2_sample_2024.xml", "bad_sen2_sample_2024.xml"):
        assert s.validate(etree.parse(str(SCHEMAS / name))), s.error_log


@pytest.mark.parametrize("year", YEARS)
def test_synthetic_returns_validate_against_their_years_schema(year, tmp_path):
    # the schemas list London's LA codes only, so a London borough is used
    camden = find_local_authority("Camden")
    path = write_synthetic(tmp_path, SynthSpec((camden,), 400, year, seed=year))[0]
    s = schema(year)
    assert s.validate(etree.parse(str(path))), s.error_log.last_error
    text = path.read_text()
    assert ("<RequestSource>" in text) == (year >= 2025)
    assert ("<DSCO>" in text) == (year >= 2026)
    assert "<RequestOutcome>H</RequestOutcome>" in text
    assert "<RequestOutcome>A</RequestOutcome>" in text
    assert ("<RequestOutcome>T</RequestOutcome>" in text) == (year == 2022)


# --- the public samples ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["sen2_sample_2024.xml", "bad_sen2_sample_2024.xml"])
def test_public_samples_read_to_the_counts_they_hold(name):
    """2 persons, 3 requests received in 2023 by the City of London (201), no RequestSource:
    one assessed (decided after 1 day) with a plan from day 26 (Week20 0), mediation and
    tribunal; one refused after 92 days, mediation and tribunal; one awaiting a decision."""
    counts, summary = read_sen2(SCHEMAS / name)
    assert (summary.persons, summary.requests, summary.no_source) == (2, 3, 3)
    assert not summary.unknown_codes and not summary.historical
    got = counts_of(counts, "E09000001", "2023")["unknown"]
    expected = {"received": 3, "decided_to_assess": 1, "decided_not_to_assess": 1,
                "not_yet_decided": 1, "withdrawn": 0, "outcome_not_known": 0,
                "decided_within_6_weeks": 1, "decided_after_6_weeks": 1, "mediation": 2,
                "tribunal": 2, "plan_issued": 1,
                "plan_not_issued": 0, "assessment_open": 0, "plan_issued_no_exception": 1,
                "plan_within_20_weeks": 1, "plan_within_20_weeks_any": 1}
    assert got == expected
    assert counts.default_period == "2023"


# --- a 2026 return written to DfE's code lists -----------------------------------------

HEADER_2026 = (
    "<?xml version='1.0' encoding='UTF-8'?><Message><Header><CollectionDetails>"
    "<Collection>SEN2</Collection><Year>2026</Year><ReferenceDate>2026-01-15</ReferenceDate>"
    "</CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>202</LEA>"
    "<SoftwareCode>test</SoftwareCode><Release>1</Release><SerialNo>001</SerialNo>"
    "<DateTime>2026-01-15T09:00:00</DateTime><DMO>Y</DMO><DCO>N</DCO><DSCO>R</DSCO>"
    "</Source></Header><Persons>")
# (RequestOutcome, days to decision, AssessmentOutcome, days to the plan, Week20, mediation)
# received 2025-03-03; each line is one request of every group
ONE_OF_EACH = [
    ("Y", 30, "Y", 120, "0", "0"),  # within 6 weeks, plan within 20 weeks
    ("Y", 50, "Y", 150, "1", "0"),  # late decision, late plan with an exception
    ("Y", 40, "Y", 141, "0", "0"),  # late plan without an exception
    ("Y", 40, "N", 100, None, "0"),  # no plan
    ("Y", 40, "A", None, None, "0"),  # assessment open
    ("Y", 40, "W", None, None, "0"),  # assessment withdrawn
    ("Y", 40, "H", None, None, "0"),  # assessment outcome historical
    ("N", 20, None, None, None, "1"),  # refused within 6 weeks, mediation and tribunal
    ("N", 60, None, None, None, "0"),  # refused after 6 weeks
    ("A", None, None, None, None, "0"),  # awaiting a decision
    ("W", 10, None, None, None, "0"),  # withdrawn
    ("H", None, "H", None, None, "0"),  # historical: decided before the period
]
#: requests of each line per RequestSource code (None: the item left out)
TIMES = {"1": 1, "2": 2, "3": 1, "4": 1, "5": 3, None: 1}
ETHNICITIES = ("WBRI", "BCRB", "AIND", "MWBC", "CHNE", "OOTH", "REFU", "NOBT", "WIRT", "BSOM")


def _day(days: int) -> str:
    from datetime import date, timedelta

    return (date(2025, 3, 3) + timedelta(days=days)).isoformat()


def dfe_coded_return() -> str:
    persons = []
    n = 0
    for source, times in TIMES.items():
        for _ in range(times):
            for outcome, decided, assessment, planned, week20, mediation in ONE_OF_EACH:
                n += 1
                r = "<Requests>"
                if outcome != "H":  # ReceivedDate is not required for H
                    r += "<ReceivedDate>2025-03-03</ReceivedDate>"
                if source:
                    r += f"<RequestSource>{source}</RequestSource>"
                r += "<RYA>0</RYA>"
                if decided is not None:
                    r += f"<RequestOutcomeDate>{_day(decided)}</RequestOutcomeDate>"
                r += (f"<RequestOutcome>{outcome}</RequestOutcome><RequestMediation>{mediation}"
                      f"</RequestMediation><RequestTribunal>{mediation}</RequestTribunal>")
                if assessment:
                    r += f"<Assessment><AssessmentOutcome>{assessment}</AssessmentOutcome>"
                    if planned:
                        r += f"<AssessmentOutcomeDate>{_day(planned)}</AssessmentOutcomeDate>"
                    if week20:
                        r += (f"<Week20>{week20}</Week20><NamedPlan><StartDate>{_day(planned)}"
                              "</StartDate></NamedPlan>")
                    r += "</Assessment>"
                    if week20:
                        r += ("<ActivePlans><SENneed><SENtype>DS</SENtype><SENtypeRank>1"
                              "</SENtypeRank></SENneed></ActivePlans>")
                r += "</Requests>"
                persons.append(
                    f"<Person><Surname>Invented</Surname><Forename>Person</Forename>"
                    f"<PersonBirthDate>2014-0{1 + n % 9}-15</PersonBirthDate>"
                    f"<Sex>{'MF'[n % 2]}</Sex><Ethnicity>{ETHNICITIES[n % 10]}</Ethnicity>"
                    f"<UPN>A{100000000000 + n}</UPN>{r}</Person>")
    return HEADER_2026 + "".join(persons) + "</Persons></Message>"


@pytest.fixture(scope="module")
def dfe_return(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dfe") / "sen2-2026-202.xml"
    path.write_text(dfe_coded_return())
    return path


def test_the_test_return_is_a_valid_2026_return(dfe_return):
    s = schema(2026)
    assert s.validate(etree.parse(str(dfe_return))), s.error_log.last_error


def test_a_return_written_to_dfe_codes_reads_to_known_counts(dfe_return):
    counts, summary = read_sen2(dfe_return)
    assert not summary.unknown_codes  # every code is DfE's
    assert summary.requests == 12 * 9
    assert summary.historical == {("RequestOutcome", "H"): 9, ("AssessmentOutcome", "H"): 9}
    assert summary.no_source == 11  # the 12 lines without RequestSource, less the H one
    # per line of ONE_OF_EACH, counted by hand: H is outside the cohort
    one = {"received": 11, "decided_to_assess": 7, "decided_not_to_assess": 2,
           "not_yet_decided": 1, "withdrawn": 1, "outcome_not_known": 0,
           "decided_within_6_weeks": 7,
           "decided_after_6_weeks": 2, "mediation": 1, "tribunal": 1, "plan_issued": 3,
           "plan_not_issued": 1, "assessment_open": 1, "plan_issued_no_exception": 2,
           "plan_within_20_weeks": 1, "plan_within_20_weeks_any": 1}
    got = counts_of(counts)
    groups = {"1": "family", "2": "education", "3": "health", "4": "social_care", "5": "other",
              None: "unknown"}
    for source, group in groups.items():
        assert got[group] == {m: v * TIMES[source] for m, v in one.items()}, group
    assert got["all"] == {m: v * 9 for m, v in one.items()}
    assert counts.default_period == "2025"


def test_dfe_coded_return_audit_has_no_warnings_and_right_rates(dfe_return):
    proc = run_copro("audit", "--no-cache", "--sen2", str(dfe_return), "--suppress-below", "1",
                     "--json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert all(line.startswith("copro: note:") for line in lines), proc.stderr
    assert "Warning" not in proc.stderr and "unknown" not in proc.stderr
    import json

    result = json.loads(proc.stdout)
    rates = result["national"]["outcomes"]["plan"]["rates"]
    # plan rate: plans issued of requests with a final outcome (N, plan not issued, plan)
    assert rates["education"]["successes"] == 6 and rates["education"]["trials"] == 12
    assert rates["family"]["successes"] == 3 and rates["family"]["trials"] == 6


# --- the 2022 collection: T and S, GenderCurrent, the plan's date in Assessment ---------

HEADER_2022 = (
    "<Message><Header><CollectionDetails><Collection>SEN2</Collection><Year>2022</Year>"
    "<ReferenceDate>2022-01-20</ReferenceDate></CollectionDetails><Source><LEA>202</LEA>"
    "<DMO>Y</DMO><DCO>Y</DCO></Source></Header><Persons>")


def person_2022(requests: str, n: int) -> str:
    return (f"<Person><Surname>Invented</Surname><Forename>Person</Forename>"
            f"<PersonBirthDate>2012-05-05</PersonBirthDate><GenderCurrent>{1 + n % 2}"
            f"</GenderCurrent><UPN>A{200000000000 + n}</UPN><Ethnicity>WBRI</Ethnicity>"
            f"{requests}</Person>")


def request_2022(outcome: str, assessment: str = "", plan: str = "") -> str:
    r = ("<Requests><ReceivedDate>2021-02-01</ReceivedDate><RYA>0</RYA>"
         f"<RequestOutcome>{outcome}</RequestOutcome>")
    if outcome != "A":
        r += "<RequestOutcomeDate>2021-03-01</RequestOutcomeDate>"
    r += "<RequestMediation>0</RequestMediation><RequestTribunal>0</RequestTribunal>"
    if assessment:
        r += f"<Assessment><AssessmentOutcome>{assessment}</AssessmentOutcome>"
        if plan:
            r += (f"<AssessmentOutcomeDate>{plan}</AssessmentOutcomeDate><Week20>0</Week20>"
                  f"<StartDate>{plan}</StartDate>")
        r += "</Assessment>"
    return r + "</Requests>"


def test_2022_variants_are_read_for_that_year(tmp_path):
    rows = [request_2022("Y", "Y", "2021-06-01"),  # plan within 20 weeks (day 120)
            request_2022("Y", "Y", "2021-08-01"),  # plan after 20 weeks
            request_2022("Y", "N", "2021-06-01"), request_2022("Y", "A"),
            request_2022("Y", "T"),  # transferred before the plan: withdrawn
            request_2022("Y", "S", "2021-06-01"),  # plan after another LA's assessment
            request_2022("N"), request_2022("A"),
            request_2022("T"),  # transferred before the decision: withdrawn
            request_2022("W")]  # W is not a 2022 code: counted, not guessed
    body = "".join(person_2022(r, n) for n, r in enumerate(rows))
    path = tmp_path / "sen2-2022.xml"
    path.write_text(HEADER_2022 + body + "</Persons></Message>")
    s = schema(2022)
    assert not s.validate(etree.parse(str(path)))  # W is not in the 2022 schema either
    counts, summary = read_sen2(path)
    assert summary.unknown_codes == {("RequestOutcome", "W", 2022): 1}
    assert summary.historical == {("AssessmentOutcome", "S"): 1}
    got = counts_of(counts, period="2021")["unknown"]
    assert (got["received"], got["decided_to_assess"], got["decided_not_to_assess"],
            got["not_yet_decided"], got["withdrawn"], got["outcome_not_known"]) == (
        10, 6, 1, 1, 1, 1)  # W is received, in no decision
    assert (got["plan_issued"], got["plan_not_issued"], got["assessment_open"],
            got["plan_within_20_weeks"]) == (2, 1, 1, 1)
    strata = {levels for *_, levels, _ in counts.strata[2]}
    assert {levels[1] for levels in strata} == {"male", "female"}  # GenderCurrent 1 and 2


def test_need_codes_follow_the_collection_year(tmp_path):
    """DS (Down syndrome) is a code from 2025; NSA is a school-census code, in no year."""
    from datetime import date

    from copro.sources.cases import read_cases

    path = tmp_path / "cases.csv"
    path.write_text("la_code,received_date,request_source,primary_need_at_request\n"
                    "202,2023-03-01,1,DS\n202,2023-03-01,2,NSA\n202,2023-03-01,2,ASD\n")
    from copro.inputs import shown_code

    nsa = shown_code("NSA")  # messages echo only one- or two-character codes
    _, summary = read_cases(path, date(2026, 1, 15))
    assert summary.unknown_codes == {("primary need at request", nsa, 2026): 1}
    _, summary = read_cases(path, date(2024, 1, 18))
    assert summary.unknown_codes == {("primary need at request", nsa, 2024): 1,
                                     ("primary need at request", "DS", 2024): 1,
                                     ("RequestSource", "1", 2024): 1,
                                     ("RequestSource", "2", 2024): 2}


def test_request_source_is_read_from_the_2025_collection(tmp_path):
    body = ("<Person><UPN>A123456789012</UPN><Sex>F</Sex><Ethnicity>WBRI</Ethnicity>"
            "<Requests><ReceivedDate>2024-03-01</ReceivedDate><RequestSource>2"
            "</RequestSource><RequestOutcome>A</RequestOutcome></Requests></Person>")
    header = HEADER_2026.replace("2026-01-15", "2025-01-16").replace(
        "<Year>2026</Year>", "<Year>2025</Year>")
    path = tmp_path / "sen2-2025.xml"
    path.write_text(header + body + "</Persons></Message>")
    counts, summary = read_sen2(path)
    assert not summary.unknown_codes
    assert counts_of(counts, period="2024")[RequesterGroup.EDUCATION.value]["received"] == 1


# --- every request received counts: mediation, tribunal and codes the year lacks ----------

# (RequestOutcome, mediation, tribunal) for each RequestSource; 'X' is in no year's list
FLAGGED = [("A", "1", "0"), ("W", "1", "1"), ("N", "1", "0"), ("Y", "0", "0"),
           ("X", "1", "1"), ("Z", "0", "1")]


def flagged_return() -> str:
    persons = []
    for source, times in (("1", 1), ("2", 2)):
        for n, (outcome, mediation, tribunal) in enumerate(FLAGGED * times):
            r = (f"<Requests><ReceivedDate>2025-03-03</ReceivedDate><RequestSource>{source}"
                 "</RequestSource><RYA>0</RYA>")
            if outcome != "A":
                r += f"<RequestOutcomeDate>{_day(20)}</RequestOutcomeDate>"
            r += (f"<RequestOutcome>{outcome}</RequestOutcome><RequestMediation>{mediation}"
                  f"</RequestMediation><RequestTribunal>{tribunal}</RequestTribunal>")
            if outcome == "Y":
                r += "<Assessment><AssessmentOutcome>A</AssessmentOutcome></Assessment>"
            persons.append(f"<Person><Sex>{'MF'[n % 2]}</Sex><Ethnicity>WBRI</Ethnicity>"
                           f"<UPN>A{300000000000 + len(persons)}</UPN>{r + '</Requests>'}"
                           "</Person>")
    return HEADER_2026 + "".join(persons) + "</Persons></Message>"


@pytest.fixture(scope="module")
def flagged(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("flagged") / "sen2-2026-flagged.xml"
    path.write_text(flagged_return())
    return path


def test_mediation_and_tribunal_count_every_request_received(flagged):
    """Pending (A) and withdrawn (W) requests with a mediation or tribunal flag are in the
    numerator as they are in the denominator, 'of requests received'."""
    counts, _ = read_sen2(flagged)
    got = counts_of(counts)
    for group, times in (("family", 1), ("education", 2)):
        received = sum(1 for _ in FLAGGED) * times
        mediation = sum(m == "1" for _, m, _ in FLAGGED) * times
        tribunal = sum(t == "1" for *_, t in FLAGGED) * times
        assert (got[group]["received"], got[group]["mediation"], got[group]["tribunal"]) == (
            received, mediation, tribunal), group


def test_a_request_outcome_the_year_lacks_is_received_but_in_no_decision(flagged):
    counts, summary = read_sen2(flagged)
    assert summary.unknown_codes == {("RequestOutcome", "X", 2026): 3,
                                     ("RequestOutcome", "Z", 2026): 3}
    assert summary.not_counted() == 0 and summary.cohort() == summary.requests == 18
    fam = counts_of(counts)["family"]
    assert fam["received"] == 6 and fam["outcome_not_known"] == 2
    assert (fam["decided_to_assess"], fam["decided_not_to_assess"], fam["not_yet_decided"],
            fam["withdrawn"]) == (1, 1, 1, 1)
    assert fam["decided_within_6_weeks"] + fam["decided_after_6_weeks"] == 2
    assert counts.provenance.rows_used == counts.provenance.rows_read == 18


def test_every_total_the_audit_prints_agrees(flagged):
    """The note's cohort, the table's received and the rates' bases are one number."""
    import json

    proc = run_copro("audit", "--no-cache", "--sen2", str(flagged), "--suppress-below", "1",
                     "--json")
    assert proc.returncode == 0, proc.stderr
    assert "3 of 18 requests in the cohort" not in proc.stderr  # every request has a source
    assert "6 request(s) with RequestOutcome" not in proc.stderr
    assert "3 request(s) with RequestOutcome code 'X'" in proc.stderr
    assert "counted as received" in proc.stderr
    result = json.loads(proc.stdout)
    rates = result["national"]["outcomes"]
    assert rates["mediation"]["rates"]["family"]["successes"] == 4
    assert rates["mediation"]["rates"]["family"]["trials"] == 6
    assert rates["mediation"]["rates"]["education"]["trials"] == 12
    assert rates["tribunal"]["rates"]["education"]["successes"] == 6
    # the assessment rate's decisions leave out the open, withdrawn and unknown outcomes
    assert rates["assessment"]["rates"]["family"]["trials"] == 2


# --- totals beside withheld counts ----------------------------------------------------

def test_the_samples_totals_are_not_printed_where_its_counts_are_withheld(tmp_path):
    """The public sample holds 2 persons and 3 requests: with the default threshold every
    output says 'fewer than 5' (the table withholds the 3), in the JSON's provenance, the
    CSV's text file and the notes; with a threshold of 1 the numbers are shown."""
    import json

    sample = str(SCHEMAS / "sen2_sample_2024.xml")
    proc = run_copro("audit", "--no-cache", "--sen2", sample, "--json")
    assert proc.returncode == 0, proc.stderr
    provenance = json.loads(proc.stdout)["provenance"]
    assert "fewer than 5 persons" in provenance["description"]
    assert "fewer than 5 requests" in provenance["description"]
    assert provenance["rows_read"] is None and provenance["rows_used"] is None
    csv = tmp_path / "areas.csv"
    proc = run_copro("audit", "--no-cache", "--sen2", sample, "--csv", str(csv))
    about = (tmp_path / "areas.about.txt").read_text()
    for text in (about, proc.stderr, json.dumps(provenance)):
        assert " 2 persons" not in text and " 3 requests" not in text
        assert "of 3 " not in text and " 3 of" not in text and ": 3" not in text
    proc = run_copro("audit", "--no-cache", "--sen2", sample, "--json", "--suppress-below", "1")
    provenance = json.loads(proc.stdout)["provenance"]
    assert "2 persons" in provenance["description"] and (provenance["rows_read"],
                                                         provenance["rows_used"]) == (3, 3)
    assert "3 of 3 requests in the cohort" in proc.stderr


def test_a_total_is_not_exact_where_the_table_withholds_part_of_it(tmp_path):
    """A return with 8 requests received in 2025 and 2 in 2024 (stragglers), none with a
    RequestSource: the table withholds 2024's total, so '10 requests' (or '10 of 10 ... have
    no RequestSource') would give it away by subtraction."""
    import json

    def one(n, received):
        return (f"<Person><UPN>A{400000000000 + n}</UPN><Requests><ReceivedDate>{received}"
                "</ReceivedDate><RequestOutcome>A"
                "</RequestOutcome></Requests></Person>")

    body = "".join(one(n, "2025-03-03" if n < 8 else "2024-12-01") for n in range(10))
    path = tmp_path / "sen2-2026-two-years.xml"
    path.write_text(HEADER_2026 + body + "</Persons></Message>")
    proc = run_copro("audit", "--no-cache", "--sen2", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    provenance = json.loads(proc.stdout)["provenance"]
    assert "10 persons" in provenance["description"]
    assert "5 or more requests in the year's cohort" in provenance["description"]
    assert "10" not in proc.stderr and provenance["rows_used"] is None
    assert "5 or more of 5 or more requests in the cohort have no RequestSource" in proc.stderr


@pytest.mark.parametrize("threshold", ["5", "1"])
def test_the_samples_reason_and_title_do_not_depend_on_the_threshold(threshold):
    """No request in the public sample has a RequestSource: whatever is withheld, the City of
    London is not compared because the source was not recorded, and the title names it."""
    import json

    sample = str(SCHEMAS / "sen2_sample_2024.xml")
    args = ["audit", "--no-cache", "--sen2", sample, "--suppress-below", threshold]
    result = json.loads(run_copro(*args, "--json").stdout)
    la = result["local_authorities"][0]
    assert {o["not_comparable"] for o in la["outcomes"].values()} == {"source_not_recorded"}
    terminal = run_copro(*args, env={"COLUMNS": "200"}).stdout
    assert "does it matter who asks? City of London, 2023" in terminal
    assert "too few requests" not in terminal


def test_one_local_authoritys_return_is_not_compared_with_itself(tmp_path):
    """`copro la Kent --sen2` on Kent's return alone: the figures for all the areas in the data
    are Kent's own, so Kent is set beside nothing (it read 'consistent with the ratio for
    Kent'), in the terminal and in the report's page."""
    kent = find_local_authority("Kent")
    path = write_synthetic(tmp_path / "in", SynthSpec((kent,), 1500, seed=3))[0]
    proc = run_copro("la", "Kent", "--no-cache", "--sen2", str(path), env={"COLUMNS": "160"})
    assert proc.returncode == 0, proc.stderr
    assert "In Kent, requests from schools" in proc.stdout
    assert "ratio for Kent" not in proc.stdout and "beside Kent" not in proc.stdout
    assert "compared with families in Kent" in proc.stdout
    out = tmp_path / "report"
    proc = run_copro("report", "--no-cache", "--sen2", str(path), "--la", "Kent", "--out",
                     str(out))
    assert proc.returncode == 0, proc.stderr
    page = "".join(p.read_text() for p in out.rglob("*.html"))
    assert "In Kent, requests from schools" in page
    assert "ratio for Kent" not in page and "Beside Kent" not in page
