"""The families' figures weighted to the LA's DfE counts, and the partnership items' alpha, on
the LA page's survey block, the results page, and the results' JSON and CSV."""

from __future__ import annotations

import csv
import html
import io
import json

import pytest
from django.test import Client

from copro.web.survey.models import Round
from tests.web.survey_helpers import LEEDS, answer, publish

pytestmark = pytest.mark.django_db

AGREE = {1: "strongly_disagree", 2: "disagree", 3: "neither", 4: "agree", 5: "strongly_agree"}
ITEMS = ("equal_partner", "knowledge_valued", "kept_informed", "honest_communication",
         "knew_child", "understood_decision")


def _family(who, agreed, ladder, score):
    return {"request_made_by": who, "assessment_agreed": agreed, "ladder": ladder,
            **{i: AGREE[max(1, min(5, score + (k % 2)))] for k, i in enumerate(ITEMS)}}


def publish_families(code=LEEDS):
    """14 families refused (low on the ladder), 10 assessed on a school's request and 10 on
    their own (high), 3 refused on a school's request: refused families are over-represented.
    Weighted in three groups of 10 or more: families assessed, families refused, schools'
    requests."""
    round_ = Round.objects.create(area_code=code, instrument_version="1")
    rows = ([("me", "no", "informing", 2)] * 14 + [("school_or_college", "yes", "co_producing", 4)]
            * 10 + [("me", "yes", "engaging", 4)] * 10 + [("school_or_college", "no",
                                                             "consulting", 3)] * 3)
    for i, row in enumerate(rows):
        answer(Client(), code, "families", _family(*row), remote=f"10.9.0.{i}")
    publish(round_)


def test_weighted_figures_and_alpha_in_json_csv_and_pages(monkeypatch):
    from copro.web.survey import store

    monkeypatch.setattr(store, "STAMP_SECONDS", 0.0)
    publish_families()
    doc = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    fam = next(x for x in doc["levels"] if x["audience"] == "families")
    w = fam["weighted"]
    assert w["method"] == "post-stratification" and w["respondents_weighted"] == 37
    assert 1 < w["effective_n"] < 37
    assert "left_out" not in w and "groups" not in w  # nothing of the cells' make-up
    mix = {(m["margin"], m["category"]): m for m in w["who_answered_vs_who_asked"]}
    assert mix[("what was decided", "not_assessed")]["respondents_share"] == pytest.approx(17 / 37,
                                                                                       abs=1e-4)
    # Leeds's DfE counts, not the respondents', set the weighted mix of what was decided
    from copro.web.survey.dfe_counts import dfe_margins

    dfe = dfe_margins()[LEEDS]
    assessed = sum(v for (_, c), v in dfe.items() if c == "assessed") / sum(dfe.values())
    assert mix[("what was decided", "assessed")]["dfe_share"] == pytest.approx(assessed,
                                                                               abs=1e-4)
    top, raw = w["top_two"]["ladder"], fam["top_two"]["ladder"]["share"]
    assert top["estimate"] > raw["estimate"] and top["effective_n"] == w["effective_n"]
    assert top["answers"] == 37 and top["ci_low"] < top["estimate"] < top["ci_high"]
    assert w["partnership"]["estimate"] > fam["partnership"]["mean"]
    assert "only as far as answering depends" in w["caveat"]
    r = fam["reliability"]
    assert r["complete_sets"] == 37 and 0 < r["alpha"] <= 1 and r["ci_low"] <= r["alpha"]
    edu = next(x for x in doc["levels"] if x["audience"] == "education")
    assert "weighted" not in edu  # families only

    rows = list(csv.reader(io.StringIO(
        Client().get(f"/survey/results/{LEEDS}.csv").content.decode())))
    by_figure = {(r[1], r[2], r[3], r[4]): r for r in rows[1:]}
    weighting = by_figure[("families", "weighting", "post-stratification", "")]
    assert float(weighting[7]) == w["effective_n"]
    t = by_figure[("families", "weighted_top_two_share", "ladder", "engaging or co_producing")]
    assert float(t[7]) == top["estimate"] and f"effective n {top['effective_n']}" in t[6]
    assert ("families", "dfe_mix", "what was decided", "withdrawn") in by_figure
    assert float(by_figure[("families", "partnership_alpha", "", "")][7]) == r["alpha"]

    for path in (f"/la/{LEEDS}", f"/survey/results/{LEEDS}"):
        page = html.unescape(Client().get(path).content.decode())
        assert "Families' answers weighted to what DfE counted" in page
        assert f"an effective sample size of {w['effective_n']}" in page
        assert f"effective n</span><span class=\"copro-ci\">{w['effective_n']:.1f} of 37" in page
        assert "Who answered and who asked" in page and "only as far as answering" in page
        assert "numbers fewer than 10 in it; otherwise it is withheld" in page
        assert "fewer than 10 answers is first merged with a neighbouring one" in page
    page = html.unescape(Client().get(f"/survey/results/{LEEDS}").content.decode())
    assert "Weighted to DfE's counts (effective n)" in page
    assert "Does the partnership score measure one thing?" in page
    assert f"{r['alpha']:.2f}<span class=\"copro-ci\">{r['ci_low']:.2f} to" in page


def test_no_weighted_figures_from_fewer_than_ten_families(monkeypatch):
    from copro.web.survey import store

    monkeypatch.setattr(store, "STAMP_SECONDS", 0.0)
    round_ = Round.objects.create(area_code=LEEDS, instrument_version="1")
    for i in range(11):  # 11 answered; 9 said who made the request and what was decided
        who = "me" if i < 9 else "health_or_social_care"
        answers = _family(who, "no", "informing", 2 + i % 3)
        if i >= 8:  # 8 answered every partnership statement
            del answers["knew_child"]
        answer(Client(), LEEDS, "families", answers, remote=f"10.9.1.{i}")
    publish(round_)
    doc = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    w = next(x for x in doc["levels"] if x["audience"] == "families")["weighted"]
    assert w["method"] is None and "fewer than 10" in w["not_weighted"]
    assert w["respondents_weighted"] is None and w["who_answered_vs_who_asked"] == []
    page = html.unescape(Client().get(f"/survey/results/{LEEDS}").content.decode())
    assert "Families' answers are not weighted here (not weighted: fewer than 10" in page
    assert "– fewer than 10 answered every statement" in page
    assert fam_reliability(doc)["complete_sets"] is None  # the count under 10 is not shown


def fam_reliability(doc):
    return next(x for x in doc["levels"] if x["audience"] == "families")["reliability"]
