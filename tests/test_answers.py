"""The answer a page leads with, for every kind of area, as the reader who stops at the first
screen reads it: compared areas set against England on the decided base, with DfE's own
published figure reconciled; areas not compared say why, with no rate to lead; areas with no
data say so. Numbers are recomputed here from the bundled DfE file, not copied from outputs."""

import csv
import math
import re

import pytest

from copro.audit import contrast
from copro.findings import CONTRAST_KINDS
from copro.render import area_table, dot_figures
from copro.render.dictionary import documented_names, is_documented
from copro.render.figures import funnel_plot, two_rates
from copro.render.sentences import compared_codes, plain_answer
from copro.sources.dfe import bundled_dfe_path
from copro.stats.compare import compare_two, ratio_of_ratios
from tests.test_terminal import _run


@pytest.fixture(scope="module")
def findings(bundled_findings):
    return bundled_findings


def _la(findings, name):
    return next(f for f in findings.local_authorities if f.area.name == name)


def _published(name: str, breakdown: str) -> dict:
    with open(bundled_dfe_path(), newline="", encoding="utf-8") as fh:
        return next(r for r in csv.DictReader(fh)
                    if (r["la_name"] or r["country_name"]) == name and r["breakdown"] == breakdown
                    and (r["la_name"] or r["geographic_level"] == "National"))


def test_ratio_of_ratios_matches_altman_bland_by_hand():
    a, b = compare_two(60, 100, 30, 100).risk_ratio, compare_two(40, 100, 30, 100).risk_ratio
    r = ratio_of_ratios(a, b)
    se = math.sqrt(a.log_se ** 2 + b.log_se ** 2)
    assert r.estimate == pytest.approx(a.estimate / b.estimate)
    assert r.ci_low == pytest.approx(math.exp(math.log(1.5) - 1.959964 * se), rel=1e-5)
    assert r.p_value == pytest.approx(math.erfc(abs(math.log(1.5) / se) / math.sqrt(2)))


@pytest.mark.parametrize("mine, ref, kind", [
    ((900, 1000, 400, 1000), (600, 1000, 400, 1000), "larger"),
    ((460, 1000, 400, 1000), (900, 1000, 400, 1000), "smaller"),
    ((300, 1000, 400, 1000), (900, 1000, 400, 1000), "opposite"),
    ((61, 100, 40, 100), (600, 1000, 400, 1000), "similar"),  # a wide interval
])
def test_contrast_is_decided_by_the_interval_of_the_ratio_of_ratios(mine, ref, kind):
    x = contrast(compare_two(*mine).risk_ratio, compare_two(*ref).risk_ratio, "E92000001")
    assert x.kind == kind and x.kind in CONTRAST_KINDS
    assert (x.ratio_of_ratios.ci_low <= 1 <= x.ratio_of_ratios.ci_high) == (kind == "similar")


def test_england_decided_base_against_dfe_published_received(findings):
    row = _published("England", "Parent or young person")
    assess = int(row["requests_decided_to_assess"])
    refuse = int(row["requests_decided_not_to_assess"])
    received = int(row["requests_received_in_year"])
    o = findings.national.outcomes["assessment"]
    fam = findings.group_b
    assert (o.rates[fam].successes, o.rates[fam].trials) == (assess, assess + refuse)
    assert round(100 * o.rates[fam].estimate, 1) == 47.4
    assert round(100 * o.of_received[fam].estimate, 1) == float(row["request_assess_pc"]) == 44.0
    published = plain_answer(findings, findings.national).published
    assert "44.0%" in published and "47.4%" in published and f"{received:,}" in published


@pytest.mark.parametrize("name, decided", [("Leeds", 818), ("Kent", 1745)])
def test_compared_answer_names_england_and_the_decided_base(findings, name, decided):
    answer = plain_answer(findings, _la(findings, name))
    assert answer.kind == "compared"
    assert f"of the {decided:,} that were decided" in answer.lead
    england = findings.national.outcomes["assessment"].comparison
    assert "In England, 47 in every 100" in answer.against_national
    assert f"{england.risk_ratio.estimate:.2f}" in answer.against_national
    kind = _la(findings, name).outcomes["assessment"].against_national.kind
    assert kind == {"Leeds": "smaller", "Kent": "larger"}[name]
    assert ("matters more who asks" in answer.against_national) == (name == "Kent")
    assert ("matters less who asks" in answer.against_national) == (name == "Leeds")


@pytest.mark.parametrize("name, why", [
    ("West Berkshire", "did not record who made most requests"),
    ("City of London", "too few requests"),
])
def test_not_compared_answer_says_why_with_raw_counts_and_no_rate(findings, name, why):
    f = _la(findings, name)
    answer = plain_answer(findings, f)
    assert answer.kind == "not_compared"
    assert answer.lead == f"We can't say for {name} whether it matters who asks."
    assert why in answer.verdict and "in every 100" not in " ".join(answer.sentences)
    assert "copro foi letters" in answer.actions[0]
    assert two_rates(findings, f) is None  # no dots for an area not compared
    assert dot_figures.two_rates(findings, f) is None  # nor on the website's figure


def test_no_data_answer_explains_dfe_symbol(findings):
    answer = plain_answer(findings, _la(findings, "Isle of Wight"))
    assert answer.kind == "no_data"
    assert "no figures" in answer.lead and "“x”, DfE's symbol for “not available”" in answer.verdict


def test_funnel_caption_reconciles_its_count_with_the_areas_compared(findings):
    pooled = findings.pooled[findings.primary]
    funnel = pooled.funnels[findings.group_b]
    compared = compared_codes(findings)
    extra = [p for p in funnel.points if p.area_code not in compared]
    text = funnel_plot(funnel, "assessment rate", "funnel", compared=compared).description
    assert f"the {len(funnel.points) - len(extra)} compared" in text
    assert len(funnel.points) - len(extra) == len(pooled.coverage.compared)
    assert all(p.area_name in text for p in extra)


def test_every_csv_column_is_in_the_data_dictionary(findings):
    names = documented_names()
    missing = [c for c in area_table.columns(findings) if not is_documented(c, names)]
    assert not missing


def test_every_line_fits_80_columns():
    out = _run("la", "Leeds", columns=80)
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "818" in out and "England" in out


def test_the_region_is_compared_by_the_ratio_of_ratios_as_england_is(findings):
    """Every compared local authority's region comparison is the interval of its ratio over its
    region's (Altman & Bland), recomputed here from the two Katz ratios, and the findings'
    sentences say what that decides, never what the point estimates or the authority's own
    interval against the region's point estimate would."""
    from scipy.stats import norm

    from copro.render.sentences import area_sentences

    seen = set()
    for f in findings.local_authorities:
        o = f.outcomes["assessment"]
        region = findings.region_of(f.area)
        if o.comparison is None or region is None:
            assert o.against_region is None
            continue
        x, mine = o.against_region, o.comparison.risk_ratio
        ref = region.outcomes["assessment"].comparison.risk_ratio
        assert x.reference_code == region.area.code
        d, se = mine.log_estimate - ref.log_estimate, math.hypot(mine.log_se, ref.log_se)
        z = norm.ppf(0.975)
        assert x.ratio_of_ratios.ci_low == pytest.approx(math.exp(d - z * se))
        assert x.ratio_of_ratios.ci_high == pytest.approx(math.exp(d + z * se))
        similar = x.ratio_of_ratios.ci_low <= 1 <= x.ratio_of_ratios.ci_high
        assert (x.kind == "similar") == similar
        seen.add(x.kind)
        text = " ".join(area_sentences(findings, f))
        name = region.area.name
        words = {"larger": "It is larger than the ratio for", "smaller": "It is smaller than "
                 "the ratio for", "opposite": "It runs the other way from the ratio for",
                 "similar": "It cannot be told apart from the ratio for"}[x.kind]
        assert re.search(re.escape(words) + r" (the )?" + re.escape(name), text), (f.area.name,
                                                                                     text)
        assert "Its interval lies" not in text and "consistent with the ratio" not in text
    assert {"similar", "larger"} <= seen


@pytest.mark.parametrize("name", ["Leeds", "Kent"])
def test_answer_figure_marks_the_nation_alike_in_the_report_and_on_the_site(findings, name):
    """The report's figure (matplotlib) and the website's (plain SVG) say the same: one title
    and description, England's rate for each group as a triangle named in the axis label."""
    f = _la(findings, name)
    report, site = two_rates(findings, f), dot_figures.two_rates(findings, f)
    assert (report.title, report.description) == (site.title, site.description)
    national = findings.national.outcomes[findings.primary].comparison
    assert (f"A black triangle marks each group's rate for England: families "
            f"{national.rate_b.estimate:.1%}, schools {national.rate_a.estimate:.1%}."
            in site.description)
    label = "Assessment rate (%), 95% interval; ▲ England"
    assert label in site.svg and label in report.svg
    assert site.svg.count('class="national"') == 2
    # the national figure itself has no marks, and says nothing of them
    own = dot_figures.two_rates(findings, findings.national)
    assert "triangle" not in own.description and 'class="national"' not in own.svg
