"""The audit on the bundled data, checked against an independent computation from the CSV."""

import math

import pytest

from copro.audit import audit
from copro.errors import CoproError
from copro.findings import AuditOptions
from copro.groups import RequesterGroup
from copro.sources.dfe import read_dfe_requests
from tests import independent as ind
from tests.conftest import la_rows, write_dfe

G = RequesterGroup


@pytest.fixture(scope="module")
def counts(dfe_csv):
    return read_dfe_requests(dfe_csv)


@pytest.fixture(scope="module")
def findings(counts):
    return audit(counts)


@pytest.fixture(scope="module")
def data(dfe_csv):
    return ind.load(dfe_csv)


def test_national_comparison_equals_independent_computation(findings, data):
    england = data[("National", "England")]
    a, n1 = ind.assessment(england, ind.SCHOOL)
    c, n2 = ind.assessment(england, ind.FAMILY)
    got = findings.pooled["assessment"].national
    assert (got.rate_a.successes, got.rate_a.trials) == (a, n1)
    assert (got.rate_b.successes, got.rate_b.trials) == (c, n2)
    rr, low, high = ind.katz(a, n1, c, n2)
    assert (got.risk_ratio.estimate, got.risk_ratio.ci_low, got.risk_ratio.ci_high) == \
        pytest.approx((rr, low, high), rel=1e-10)
    assert (got.rate_a.estimate, got.rate_a.ci_low, got.rate_a.ci_high) == \
        pytest.approx(ind.wilson(a, n1), rel=1e-10)


def test_every_local_authority_equals_independent_computation(findings, data):
    for f in findings.local_authorities:
        rows = data[("Local authority", f.area.name)]
        out = f.outcomes["assessment"]
        if out.comparison is None:
            continue
        a, n1 = ind.assessment(rows, ind.SCHOOL)
        c, n2 = ind.assessment(rows, ind.FAMILY)
        assert out.comparison.risk_ratio.estimate == pytest.approx(ind.katz(a, n1, c, n2)[0])
        assert out.rates[G.EDUCATION].estimate == pytest.approx(a / n1)
        s, m = ind.timeliness(rows, ind.FAMILY)
        t = f.outcomes["timeliness"].rates[G.FAMILY]
        assert (t.successes, t.trials) == (s, m)


def test_coverage_names_every_area_not_compared(findings, data):
    compared, excluded = ind.comparable_las(data)
    cov = findings.pooled["assessment"].coverage
    assert sorted(a.name for a in cov.compared) == compared
    assert {x.area.name: x.reason for x in cov.not_comparable} == excluded
    assert len(cov.compared) + len(cov.not_comparable) == cov.local_authorities == 153
    assert excluded["Isle of Wight"] == "suppressed"
    assert excluded["Essex"] == "source_not_recorded"


def test_counts_of_areas_equal_independent_computation(findings, data):
    compared, _ = ind.comparable_las(data)
    favour_school = below_half_family = sig_below_half_family = 0
    for name in compared:
        rows = data[("Local authority", name)]
        a, n1 = ind.assessment(rows, ind.SCHOOL)
        c, n2 = ind.assessment(rows, ind.FAMILY)
        favour_school += a / n1 > c / n2
        below_half_family += c / n2 < 0.5
        sig_below_half_family += ind.wilson(c, n2)[2] < 0.5
    p = findings.pooled["assessment"]
    assert p.sign_test.favour_a == favour_school
    assert p.below_half[G.FAMILY].areas == below_half_family
    assert p.below_half[G.FAMILY].significantly == sig_below_half_family
    n = p.sign_test.favour_a + p.sign_test.favour_b
    k = min(p.sign_test.favour_a, p.sign_test.favour_b)
    assert p.sign_test.p_value == pytest.approx(
        min(1, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n))


def test_pooled_estimates_have_intervals_and_methods(findings):
    p = findings.pooled["assessment"]
    for est in (p.mantel_haenszel, *p.random_effects_ratio.values()):
        assert est.ci_low < est.estimate < est.ci_high
        assert est.method
    reml = p.random_effects_ratio["REML"]
    assert reml.prediction_low < reml.ci_low and reml.prediction_high > reml.ci_high
    assert set(p.random_effects) == {"REML", "DL"}


def test_q_values_only_across_local_authorities(findings):
    assert findings.national.outcomes["assessment"].comparison.q_value is None
    qs = [f.outcomes["assessment"].comparison.q_value for f in findings.local_authorities
          if f.outcomes["assessment"].comparison]
    assert all(0 <= q <= 1 for q in qs)


def test_compare_other_groups_and_received_denominator(counts, data):
    f = audit(counts, AuditOptions(group_a=G.FAMILY, group_b=G.EDUCATION,
                                   denominator="received"))
    england = data[("National", "England")]
    fam = england[ind.FAMILY]
    n = f.pooled["assessment"].national
    assert n.rate_a.trials == int(fam["requests_received_in_year"])
    assert n.risk_ratio.estimate < 1


def test_mediation_above_requests_is_not_a_rate(findings):
    hartlepool = next(f for f in findings.local_authorities if f.area.name == "Hartlepool")
    out = hartlepool.outcomes["mediation"]
    assert out.rates[G.OTHER] is None
    assert "exceeds" in out.missing[G.OTHER]


def test_unknown_year_and_same_group(counts):
    with pytest.raises(CoproError, match="2019"):
        audit(counts, AuditOptions(period="2019"))
    with pytest.raises(CoproError, match="itself"):
        audit(counts, AuditOptions(group_a=G.FAMILY, group_b=G.FAMILY))


def test_file_without_england_row_sums_local_authorities(tmp_path):
    rows = (la_rows("Aton", "E06000901", (5, 5, 9, 1), (8, 2, 9, 1))
            + la_rows("Beton", "E06000902", (10, 10, 18, 2), (16, 4, 18, 2))
            + la_rows("Ceton", "E06000903", (3, 12, 14, 1), (12, 3, 15, 0)))
    f = audit(read_dfe_requests(write_dfe(tmp_path / "las.csv", rows)))
    n = f.pooled["assessment"].national
    assert (n.rate_a.successes, n.rate_a.trials) == (36, 45)
    assert (n.rate_b.successes, n.rate_b.trials) == (18, 45)
    assert "sum of the local authorities" in f.pooled["assessment"].national_basis
    assert len(f.pooled["assessment"].coverage.compared) == 3


def test_funnel_leaves_out_areas_that_did_not_record_the_source(findings, data):
    """An LA not compared because it did not record who made most requests is not a funnel
    point either (West Berkshire, source unknown for 95%, once sat above the schools' limits on
    12 of 12). Every LA compared is a point of both groups' funnels."""
    pooled = findings.pooled[findings.primary]
    unrecorded = {x.area.code for x in pooled.coverage.not_comparable
                  if x.reason == "source_not_recorded"}
    assert unrecorded  # the bundled data has such LAs
    compared = {f.area.code for f in findings.local_authorities
                if f.outcomes[findings.primary].comparison is not None}
    for funnel in pooled.funnels.values():
        codes = {p.area_code for p in funnel.points}
        assert not codes & unrecorded
        assert compared <= codes


def test_table_notes_flag_only_what_over_dispersion_leaves_outside(findings):
    from copro.render.table_notes import short_notes

    notes = short_notes(findings)
    pooled = findings.pooled[findings.primary]
    for funnel in pooled.funnels.values():
        for p in funnel.flagged:
            text, flag = next((t, f) for t, f in notes[p.area_code]
                              if t.startswith(funnel.group.label))
            assert flag == (p.band_additive != "within")
            assert text.endswith("‡") == flag
