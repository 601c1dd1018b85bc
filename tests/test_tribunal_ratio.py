"""Issue 25 item 3, who ends up at the Tribunal: each area's ratio of schools' to families'
mediation and tribunal rates, recomputed from DfE's file, and carried by every output."""

import json

import pytest

from copro.audit import audit
from copro.render import area_table
from copro.render.json_out import to_json
from copro.sources.dfe import read_dfe_requests
from tests import independent as ind
from tests.conftest import dfe_row, write_dfe
from tests.in_process import run_copro

COLUMNS = {"mediation": "mediation_related_request", "tribunal": "tribunal_related_request"}


@pytest.fixture(scope="module")
def findings(bundled_findings):
    return bundled_findings


@pytest.fixture(scope="module")
def data(dfe_csv):
    return ind.load(dfe_csv)


def _received(rows: dict, breakdown: str) -> int:
    return ind.num(rows.get(breakdown), "requests_received_in_year")


def _expected(rows: dict, key: str):
    """The ratio, straight from the file: schools' count over their requests received,
    divided by families'; None where a count exceeds its base (not a rate)."""
    a, n1 = ind.num(rows.get(ind.SCHOOL), COLUMNS[key]), _received(rows, ind.SCHOOL)
    c, n2 = ind.num(rows.get(ind.FAMILY), COLUMNS[key]), _received(rows, ind.FAMILY)
    if a > n1 or c > n2:
        return None
    return (a, n1, c, n2), ind.katz(a, n1, c, n2)


@pytest.mark.parametrize("key", COLUMNS)
def test_leeds_and_england_ratios_equal_an_independent_computation(findings, data, key):
    leeds = next(f for f in findings.local_authorities if f.area.name == "Leeds")
    for area, rows in ((leeds, data[("Local authority", "Leeds")]),
                       (findings.national, data[("National", "England")])):
        counts, expected = _expected(rows, key)
        c = area.outcomes[key].comparison
        assert (c.rate_a.successes, c.rate_a.trials, c.rate_b.successes,
                c.rate_b.trials) == counts
        rr = c.risk_ratio
        assert (rr.estimate, rr.ci_low, rr.ci_high) == pytest.approx(expected, rel=1e-10)
        assert rr.method.startswith("Katz")


@pytest.mark.parametrize("key", COLUMNS)
def test_every_local_authority_has_a_ratio_exactly_where_the_counts_allow(findings, data,
                                                                           key):
    """Compared by the assessment rate's rules (suppressed, source not recorded, fewer than
    10 requests from a group), and never where a count exceeds its base."""
    _, excluded = ind.comparable_las(data)
    ratios = not_a_rate = 0
    for f in findings.local_authorities:
        rows = data[("Local authority", f.area.name)]
        out = f.outcomes[key]
        if excluded.get(f.area.name) == "suppressed":
            assert out.comparison is None and out.not_comparable == "suppressed"
            continue
        got = _expected(rows, key)
        if got is None:
            assert out.comparison is None and out.not_comparable == "not_a_rate"
            not_a_rate += 1
            continue
        if excluded.get(f.area.name) == "source_not_recorded":
            assert out.comparison is None and out.not_comparable == "source_not_recorded"
            continue
        if min(_received(rows, ind.SCHOOL), _received(rows, ind.FAMILY)) < 10:
            assert out.comparison is None and out.not_comparable == "too_few_requests"
            continue
        rr = out.comparison.risk_ratio
        assert (rr.estimate, rr.ci_low, rr.ci_high) == pytest.approx(got[1], rel=1e-10)
        ratios += 1
    assert ratios > 100
    if key == "mediation":
        assert not_a_rate >= 1  # Waltham Forest


def test_waltham_forest_mediation_says_why_there_is_no_ratio(findings):
    wf = next(f for f in findings.local_authorities if f.area.name == "Waltham Forest")
    out = wf.outcomes["mediation"]
    assert out.comparison is None and out.not_comparable == "not_a_rate"
    assert "exceeds its base (4)" in out.not_comparable_detail


def test_a_suppressed_count_gives_no_ratio_and_says_why(tmp_path):
    rows = []
    for la, code, fam_tribunal in (("Aton", "E06000901", "x"), ("Beton", "E06000902", 3)):
        rows += [dfe_row(la=la, code=code, breakdown="Parent or young person", received=40,
                         assess=30, not_assess=10, pending=0, mediation=4,
                         tribunal=fam_tribunal),
                 dfe_row(la=la, code=code, breakdown="School or other education setting",
                         received=60, assess=50, not_assess=10, pending=0, mediation=2,
                         tribunal=1),
                 dfe_row(la=la, code=code, breakdown="All requests for an EHC needs assessment",
                         received=100, assess=80, not_assess=20, pending=0, mediation=6,
                         tribunal="x")]
    f = audit(read_dfe_requests(write_dfe(tmp_path / "two.csv", rows)))
    aton, beton = f.local_authorities
    out = aton.outcomes["tribunal"]
    assert out.comparison is None and out.not_comparable == "suppressed"
    assert "Families" in out.not_comparable_detail
    assert aton.outcomes["mediation"].comparison is not None  # only the tribunal is withheld
    rr = beton.outcomes["tribunal"].comparison.risk_ratio
    assert (rr.estimate, rr.ci_low, rr.ci_high) == pytest.approx(ind.katz(1, 60, 3, 40))
    # the CSV says why, and prints no number
    row = dict(zip(area_table.columns(f), area_table._row(f, aton), strict=True))
    assert row["tribunal_compared"] is False and row["tribunal_risk_ratio"] is None
    assert row["tribunal_not_comparable_reason"].startswith("suppressed: ")


def test_json_and_csv_carry_the_ratio(findings):
    leeds = next(f for f in findings.local_authorities if f.area.name == "Leeds")
    doc = json.loads(to_json(findings))
    la = next(x for x in doc["local_authorities"] if x["area"]["name"] == "Leeds")
    for key in COLUMNS:
        rr = leeds.outcomes[key].comparison.risk_ratio
        assert la["outcomes"][key]["comparison"]["risk_ratio"]["estimate"] == rr.estimate
        row = dict(zip(area_table.columns(findings), area_table._row(findings, leeds),
                       strict=True))
        assert (row[f"{key}_compared"], row[f"{key}_risk_ratio"], row[f"{key}_rr_ci_low"],
                row[f"{key}_rr_ci_high"]) == (True, rr.estimate, rr.ci_low, rr.ci_high)


def test_copro_la_shows_the_ratio_beside_region_and_england(findings):
    out = run_copro("la", "Leeds", env={"COLUMNS": "160"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    leeds = next(f for f in findings.local_authorities if f.area.name == "Leeds")
    for who, area in (("Leeds", leeds), ("England", findings.national)):
        for key in COLUMNS:
            rr = area.outcomes[key].comparison.risk_ratio
            cell = f"{rr.estimate:.2f} ({rr.ci_low:.2f}–{rr.ci_high:.2f})"
            assert any(line.lstrip().startswith(who) and f"{key} rate" in line and cell in line
                       for line in lines), (who, key, cell)


def test_copro_la_waltham_forest_gives_the_reason_not_a_number():
    out = run_copro("la", "Waltham Forest", env={"COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines()
                if x.lstrip().startswith("Waltham Forest") and "mediation rate" in x)
    assert "more requests leading to it than requests in its base" in line


def test_zero_corrected_ratio_is_marked_and_explained(findings):
    """A group whose requests led to no appeal: the ratio rests on 0.5 added to every count,
    and copro la marks it and says so."""
    f = next(f for f in findings.local_authorities
             if (c := f.outcomes["tribunal"].comparison) is not None
             and c.risk_ratio.zero_corrected)
    out = run_copro("la", f.area.code, env={"COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    rr = f.outcomes["tribunal"].comparison.risk_ratio
    line = next(x for x in out.stdout.splitlines()
                if x.lstrip().startswith(f.area.name) and "tribunal rate" in x)
    assert f"{rr.estimate:.2f} ({rr.ci_low:.2f}–{rr.ci_high:.2f})*" in line
    assert "* 0.5 added to every count before dividing" in out.stdout


def test_report_la_page_shows_the_ratio(tmp_path, findings):
    out = tmp_path / "leeds.html"
    proc = run_copro("report", "--la", "Leeds", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    page = (out / "leeds.html").read_text()
    leeds = next(f for f in findings.local_authorities if f.area.name == "Leeds")
    for key in COLUMNS:
        rr = leeds.outcomes[key].comparison.risk_ratio
        assert (f"<td>{key} rate</td>" in page and
                f'data-sort="{rr.estimate}">{rr.estimate:.2f}<span class="ci">'
                f"{rr.ci_low:.2f}–{rr.ci_high:.2f}</span>" in page)
