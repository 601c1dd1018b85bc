"""Case-mix adjustment: only characteristics fixed before the request, no degenerate estimate,
no library warning, and the effect that was set recovered."""

import csv
import json
import math
import warnings
from datetime import date

import numpy as np
import pytest

from copro.audit import audit
from copro.sources.cases import read_cases
from copro.stats.adjust import case_mix_adjustment
from tests.in_process import run_copro

FACTORS = ("age at request", "sex")


def rows_from(cells):
    """cells: (area, age, sex, is_a, successes, trials)."""
    return [(area, (age, sex), is_a, s, n) for area, age, sex, is_a, s, n in cells]


def test_separation_gives_no_number_and_no_warning():
    cells = rows_from([("A", "5 to 10", "male", True, 40, 40), ("A", "5 to 10", "male", False,
                                                                 10, 30),
                       ("A", "11 to 15", "female", True, 25, 25),
                       ("A", "11 to 15", "female", False, 12, 30)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any library warning fails the test
        x = case_mix_adjustment(cells, FACTORS, "assessment")
    assert x.adjusted_or is None and "separation" in x.adjusted_or_missing
    assert x.crude_or is None and "separation" in x.crude_or_missing
    assert x.stratified is not None  # the risk ratio is fine: 100% against 37%
    assert x.adjusted_for == "age at request and sex"


def test_too_few_events_gives_no_number():
    cells = rows_from([("A", "5 to 10", "male", True, 3, 5), ("A", "5 to 10", "male", False,
                                                              2, 6),
                       ("A", "11 to 15", "female", True, 2, 4),
                       ("A", "11 to 15", "female", False, 1, 5)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = case_mix_adjustment(cells, FACTORS, "assessment")
    assert x.adjusted_or is None and "too few events" in x.adjusted_or_missing


def test_no_stratum_with_both_groups_gives_no_mantel_haenszel():
    cells = rows_from([("A", "5 to 10", "male", True, 30, 50),
                       ("A", "11 to 15", "female", False, 20, 60)])
    x = case_mix_adjustment(cells, FACTORS, "assessment")
    assert x.stratified is None and "no stratum" in x.stratified_missing
    assert x.strata == 0


def test_a_level_predicting_the_outcome_is_dropped_with_its_requests():
    """As Stata's logit does: the estimate is that of the data without the level."""
    rng = np.random.default_rng(3)
    cells = []
    for age in ("under 5", "5 to 10", "11 to 15"):
        for sex in ("male", "female"):
            for is_a in (True, False):
                n = 200
                s = int(rng.binomial(n, 0.6 if is_a else 0.45))
                cells.append(("A", age, sex, is_a, s, n))
    perfect = [("A", "20 to 25", "male", True, 7, 7), ("A", "20 to 25", "male", False, 4, 4)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with_level = case_mix_adjustment(rows_from(cells + perfect), FACTORS, "x")
        without = case_mix_adjustment(rows_from(cells), FACTORS, "x")
    assert with_level.adjusted_or.estimate == pytest.approx(without.adjusted_or.estimate)
    assert "11 requests in levels that predict the outcome perfectly left out" in \
        with_level.adjusted_or.method


def test_a_factor_with_one_level_adjusts_for_nothing():
    cells = [("A", ("5 to 10", "male", "not recorded at request"), True, 30, 50),
             ("A", ("11 to 15", "male", "not recorded at request"), False, 20, 60),
             ("A", ("11 to 15", "female", "not recorded at request"), True, 20, 60),
             ("A", ("5 to 10", "female", "not recorded at request"), False, 20, 60)]
    x = case_mix_adjustment(cells, ("age at request", "sex", "primary need at request"), "x")
    assert x.adjusted_for == "age at request and sex"
    assert x.strata_definition == "age at request x sex"


def _write_cases(path, rows):
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def _confounded_requests(seed: int, n: int, odds_ratio: float):
    """Families ask more often for autistic children, who are assessed more often: need at
    the request confounds the comparison."""
    rng = np.random.default_rng(seed)
    effect = {"ASD": 1.0, "SEMH": 0.0, "MLD": -0.8}
    rows = []
    for i in range(n):
        school = rng.random() < 0.5
        need = rng.choice(("ASD", "SEMH", "MLD"), p=(0.2, 0.4, 0.4) if school
                          else (0.7, 0.2, 0.1))
        logit = -0.3 + effect[str(need)] + (math.log(odds_ratio) if school else 0.0)
        assessed = rng.random() < 1 / (1 + math.exp(-logit))
        rows.append(dict(la_code="202", person_id=f"P{i}", birth_date="2015-01-01",
                         received_date="2025-03-01", request_source="2" if school else "1",
                         sex="MF"[i % 2], ethnicity="WBRI",
                         request_outcome="Y" if assessed else "N",
                         request_outcome_date="2025-04-01",
                         primary_need_at_request=str(need)))
    return rows


def test_need_recorded_at_the_request_is_adjusted_for_and_recovers_the_effect(tmp_path):
    path = _write_cases(tmp_path / "cases.csv", _confounded_requests(1, 8000, 2.0))
    counts, summary = read_cases(path, date(2026, 1, 15))
    assert not summary.unknown_codes
    x = audit(counts).pooled["assessment"].adjusted
    assert "primary need at request" in x.adjusted_for
    assert x.adjusted_or.ci_low < 2.0 < x.adjusted_or.ci_high
    assert x.crude_or.ci_high < 2.0  # confounded by need: the crude estimate misses it


def test_need_recorded_only_after_the_request_is_not_used(tmp_path):
    """The issue's case file: need recorded only for assessed requests, in 'primary_need'.
    Adjusting for it would adjust for the outcome; it is left out, and said so."""
    rows = _confounded_requests(2, 3000, 2.0)
    for r in rows:
        need = r.pop("primary_need_at_request")
        r["primary_need"] = need if r["request_outcome"] == "Y" else ""
    path = _write_cases(tmp_path / "cases.csv", rows)
    proc = run_copro("audit", "--no-cache", "--cases", str(path), "--reference-date",
                     "2026-01-15", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "column 'primary_need' not used" in proc.stderr
    assert "Warning" not in proc.stderr and "warning" not in proc.stderr
    x = json.loads(proc.stdout)["pooled"]["assessment"]["adjusted"]
    assert "need" not in x["adjusted_for"]
    odds = x["adjusted_or"]
    assert odds is not None and odds["ci_high"] / odds["ci_low"] < 3  # a real interval


@pytest.mark.parametrize("persons", [40, 150])
def test_small_files_never_print_a_degenerate_estimate(tmp_path, persons):
    out = tmp_path / "synth"
    made = run_copro("synth", "--out", str(out), "--la", "Camden", "--persons", str(persons),
                     "--seed", "9")
    assert made.returncode == 0, made.stderr
    for args in (["--json"], []):
        proc = run_copro("audit", "--no-cache", "--sen2", str(out), *args)
        assert proc.returncode == 0, proc.stderr
        assert "Warning" not in proc.stderr and "warning" not in proc.stderr, proc.stderr
        assert "inf" not in proc.stdout.replace("information", "").replace("infer", "")
        assert "e+" not in proc.stdout
        if args:
            for p in json.loads(proc.stdout)["pooled"].values():
                x = p["adjusted"]
                for key in ("crude_or", "adjusted_or", "stratified"):
                    if x and x[key]:
                        assert 0 < x[key]["ci_low"] <= x[key]["ci_high"] < 1e3, (key, x[key])
                        assert x[key]["ci_high"] / x[key]["ci_low"] > 1.0001
                    elif x:
                        assert x[f"{key}_missing"]  # the reason, in words


@pytest.mark.parametrize("confidence, label", [(0.95, "Wald 95% interval"),
                                               (0.9, "Wald 90% interval")])
def test_odds_ratio_method_names_the_level_used(confidence, label):
    cells = rows_from([("A", "5 to 10", "male", True, 40, 100),
                       ("A", "5 to 10", "male", False, 30, 100),
                       ("A", "11 to 15", "female", True, 50, 100),
                       ("A", "11 to 15", "female", False, 35, 100),
                       ("A", "5 to 10", "female", True, 45, 100),
                       ("A", "11 to 15", "male", False, 25, 100)])
    x = case_mix_adjustment(cells, FACTORS, "assessment", confidence=confidence)
    for odds_ratio in (x.crude_or, x.adjusted_or):
        assert odds_ratio.confidence == confidence
        assert odds_ratio.method.endswith(label)
