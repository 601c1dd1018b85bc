"""Issue 25: SEND Tribunal appeals beside the audit. The series and flags recomputed here from
the published files' own figures; the association against a direct meta-regression of the
same points; the terminal and JSON as users get them."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from copro.appeals import IMPLAUSIBLE_SHARE
from copro.sources.neighbours import bundled_neighbours
from copro.sources.tribunal import bundled_appeal_rates
from copro.stats.meta import meta_regression
from tests.test_cli import run

LEEDS, HERTS = "E08000035", "E10000015"


@pytest.fixture(scope="module")
def findings(bundled_findings):
    return bundled_findings


def test_leeds_series_every_year_on_each_method(findings):
    s = findings.appeals.of(LEEDS)
    keys = [(p.year, p.method) for p in s.points]
    assert keys == [(y, "old") for y in range(2014, 2025)] + [(2024, "new"), (2025, "new")]
    last = s.points[-1]
    assert (last.appeals, last.decisions, round(100 * last.rate, 1)) == (171, 2673, 6.4)
    assert last.ci_low < last.rate < last.ci_high and last.flag is None
    # the neighbours' pooled rate, recomputed from the files and DfE's neighbours
    rates = bundled_appeal_rates()
    codes = [n.code for n in bundled_neighbours().of(LEEDS)]
    rows = [rates.areas[c].years[2023, "old"] for c in codes if c in rates.areas]
    rows = [y for y in rows if y.appeals is not None and y.decisions]
    pooled = next(n for n in s.neighbours if (n.year, n.method) == (2023, "old"))
    assert (pooled.appeals, pooled.decisions, pooled.neighbours) == (
        sum(y.appeals for y in rows), sum(y.decisions for y in rows), len(rows))


def test_implausible_years_are_flagged_by_the_stated_rule(findings):
    rates = bundled_appeal_rates()
    e = rates.england
    for year in (2024, 2025):
        england = e[year, "new"].decisions / e[2024, "old"].decisions
        for s in findings.appeals.local_authorities:
            p = next(p for p in s.points if (p.year, p.method) == (year, "new"))
            old = rates.areas[s.area_code].years[2024, "old"].decisions
            want = bool(p.decisions and old and p.decisions / old < IMPLAUSIBLE_SHARE * england)
            assert bool(p.flag) == want, (s.area_name, year)
    herts = findings.appeals.of(HERTS)
    flagged = [p for p in herts.points if p.flag]
    assert [(p.year, p.method) for p in flagged] == [(2024, "new")]
    assert "2,195" in flagged[0].flag and "27.9%" in flagged[0].flag
    # flagged years are left out of neighbours' pooled rates and the association
    a = findings.appeals.association
    assert HERTS in {p.area_code for p in a.points}  # 2025 is not flagged for Hertfordshire
    assert "E06000039" not in {p.area_code for p in a.points}  # Slough 2025 flagged
    # England's 2024 new-method total: the like-for-like rate is given
    eng = next(p for p in findings.appeals.england if (p.year, p.method) == (2024, "new"))
    assert (eng.appeals, eng.decisions) == (22276, 364912)
    assert "20,771 of 364,912 (5.7%)" in eng.flag


def test_predecessors_keep_their_own_history(findings):
    cumberland = findings.appeals.of("E06000063")
    (cumbria,) = cumberland.predecessors
    assert cumbria.area_name == "Cumbria" and cumbria.ended == 2023
    assert next(p for p in cumbria.points if p.year == 2022).appeals == 46
    assert next(p for p in cumberland.points if p.year == 2022).appeals is None
    bcp = findings.appeals.of("E06000058")
    assert {h.area_name for h in bcp.predecessors} == {"Bournemouth", "Poole"}
    assert all(s.area_code not in ("E10000006", "E10000021")
               for s in findings.appeals.local_authorities)
    assert len(findings.appeals.local_authorities) == 153


def test_association_is_the_meta_regression_of_its_points(findings):
    a = findings.appeals.association
    y = [p.log_ratio for p in a.points]
    v = [p.log_ratio_variance for p in a.points]
    x = [100 * p.appeal_rate for p in a.points]
    direct = meta_regression(y, v, x)
    assert a.slope == pytest.approx(direct.slope) and a.tau2 == pytest.approx(direct.tau2)
    assert a.ratio_per_point == pytest.approx(math.exp(direct.slope))
    assert a.slope_ci_low < a.slope < a.slope_ci_high
    # each point is a compared LA: its log ratio and variance are the audit's
    leeds = next(p for p in a.points if p.area_code == LEEDS)
    c = next(f for f in findings.local_authorities if f.area.code == LEEDS)
    rr = c.outcomes[findings.primary].comparison.risk_ratio
    assert (leeds.log_ratio, leeds.log_ratio_variance) == (rr.log_estimate, rr.log_se ** 2)
    assert (leeds.appeals, leeds.decisions) == (171, 2673)
    compared = sum(f.outcomes[findings.primary].comparison is not None
                   for f in findings.local_authorities)
    assert a.k + len(a.left_out) == compared
    assert "not proof about any family" in a.caveat
    assert np.isfinite([a.knapp_hartung_ci_low, a.knapp_hartung_ci_high]).all()


def test_copro_la_leeds_shows_every_year_and_the_method_change():
    out = run("la", "Leeds", "--no-cache").stdout
    words = " ".join(out.split())  # sentences wrap where COLUMNS is set
    assert "171 appeals registered of 2,673 appealable decisions, an appeal rate of 6.4%" in words
    for year in range(2014, 2026):
        assert f" {year} " in out
    assert "old method" in words and "new method" in words
    assert "The method changed in 2024" in words
    assert "HM Courts & Tribunals Service" in words


def test_audit_json_carries_the_series_and_the_association():
    doc = json.loads(run("audit", "--json", "--no-cache").stdout)
    a = doc["appeals"]["association"]
    assert a["k"] > 100 and a["slope_ci_low"] < a["slope"] < a["slope_ci_high"]
    assert "meta-regression" in a["method"]
    assert "restricted maximum likelihood" in a["method"]
    leeds = next(s for s in doc["appeals"]["local_authorities"] if s["area_code"] == LEEDS)
    assert [p["year"] for p in leeds["points"]].count(2024) == 2
    assert doc["appeals"]["sources"][1]["sha256"].startswith("b6dae093")
    text = run("audit", "--no-cache").stdout
    assert "Does the gap go with appeals to the SEND Tribunal?" in text


def test_englands_published_total_and_its_like_for_like_rate(findings):
    """Where authorities with appeals have no published decisions, England's published rate
    divides all appeals by the others' decisions: the note gives the like-for-like rate,
    recomputed here from the file's rows, and counts the authorities in good English."""
    rates = bundled_appeal_rates()
    for key, word in (((2021, "old"), "authority with appeals has"),
                      ((2024, "new"), "authorities with appeals have")):
        rows = [a.years[key] for a in rates.areas.values() if key in a.years]
        missing = [y for y in rows if y.decisions is None and y.appeals]
        like = sum(y.appeals or 0 for y in rows if y.decisions is not None)
        point = next(p for p in findings.appeals.england if (p.year, p.method) == key)
        assert f"({len(missing)} {word} none published)" in point.flag
        assert f"like for like, {like:,} of {rates.england[key].decisions:,}" in point.flag
