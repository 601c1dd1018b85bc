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
    """60 families, 10 in each of the six combinations of who asked (a family; a school or
    college) and what was decided (assessed, not assessed, still waiting), none withdrawn:
    DfE's requests are mostly schools' and assessed, so the answers are far from DfE's mix.
    Each withdrawn cell (no answers) is merged into its pending neighbour, which stands for
    both in the answers' mix: weighted, withdrawn is 0% against DfE's 7 of 2,622 requests in
    Leeds, within 1 point, so the figures are weighted."""
    round_ = Round.objects.create(area_code=code, instrument_version="1")
    rows = ([("me", "yes", "engaging", 4)] * 10 + [("me", "no", "informing", 2)] * 10
            + [("me", "waiting", "consulting", 3)] * 10
            + [("school_or_college", "yes", "co_producing", 4)] * 10
            + [("school_or_college", "no", "consulting", 3)] * 10
            + [("school_or_college", "waiting", "informing", 2)] * 10)
    for i, row in enumerate(rows):
        answer(Client(), code, "families", _family(*row), remote=f"10.9.0.{i}")
    publish(round_)


def publish_families_needing_the_bound(code=LEEDS):
    """100 families, 10 of them on a school's request (all assessed): those 10 would stand for
    all of Leeds's 1,714 school-made requests, a weight more than 5 times the mean, so their
    group is merged with families assessed (40), and the merged group stands for both in the
    answers' mix of who asked."""
    round_ = Round.objects.create(area_code=code, instrument_version="1")
    rows = ([("school_or_college", "yes", "co_producing", 4)] * 10
            + [("me", "yes", "engaging", 4)] * 40 + [("me", "no", "informing", 2)] * 30
            + [("me", "waiting", "consulting", 3)] * 20)
    for i, row in enumerate(rows):
        answer(Client(), code, "families", _family(*row), remote=f"10.9.{i // 200}.{i % 200}")
    publish(round_)


def _by_hand(dfe, weighted):
    """Each margin's largest gap (points) between a weighted mix of (who, decided) -> weighted
    requests and DfE's counts, computed here from the counts alone."""
    total = sum(dfe.values())
    out = {}
    for index in (0, 1):
        levels = {c[index] for c in dfe}
        out[index] = max(abs(sum(v for c, v in weighted.items() if c[index] == k)
                             - sum(v for c, v in dfe.items() if c[index] == k)) / total * 100
                         for k in levels)
    return out


def test_weighted_figures_and_alpha_in_json_csv_and_pages(monkeypatch):
    from copro.web.survey import store
    from copro.web.survey.dfe_counts import dfe_margins

    monkeypatch.setattr(store, "STAMP_SECONDS", 0.0)
    publish_families()
    doc = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    fam = next(x for x in doc["levels"] if x["audience"] == "families")
    w = fam["weighted"]
    assert w["weighting"] == "weighted" and w["not_weighted"] is None
    assert w["method"] == "post-stratification" and w["respondents_weighted"] == 60
    assert 1 < w["effective_n"] < 60
    assert "left_out" not in w and "groups" not in w  # nothing of the cells' make-up
    mix = {(m["margin"], m["category"]): m for m in w["who_answered_vs_who_asked"]}
    assert mix[("what was decided", "not_assessed")]["respondents_share"] == pytest.approx(
        20 / 60, abs=1e-4)
    # Leeds's DfE counts, not the respondents', set the weighted mix; recomputed here: every
    # cell weighted to its own count except withdrawn, which its pending neighbour stands for
    dfe = dfe_margins()[LEEDS]
    total = sum(dfe.values())
    weighted = {**dfe, ("family", "pending"): dfe[("family", "pending")]
                + dfe[("family", "withdrawn")], ("family", "withdrawn"): 0,
                ("education", "pending"): dfe[("education", "pending")]
                + dfe[("education", "withdrawn")], ("education", "withdrawn"): 0}
    for (margin, index) in (("who made the request", 0), ("what was decided", 1)):
        for category in {c[index] for c in dfe}:
            got = mix[(margin, category)]
            assert got["dfe_share"] == pytest.approx(
                sum(v for c, v in dfe.items() if c[index] == category) / total, abs=1e-4)
            if got["weighted_share"]["estimate"] is not None:
                assert got["weighted_share"]["estimate"] == pytest.approx(
                    sum(v for c, v in weighted.items() if c[index] == category) / total,
                    abs=1e-4)
    by_hand = _by_hand(dfe, weighted)
    assert 0 < by_hand[1] <= 1  # the test's sample: merged, yet within 1 point
    gaps = {g["margin"]: g for g in w["margin_gaps"]}
    assert gaps["what was decided"]["gap_points"] == pytest.approx(by_hand[1], abs=0.01)
    assert gaps["who made the request"]["gap_points"] == pytest.approx(by_hand[0], abs=0.01)
    assert all(g["within_tolerance"] for g in gaps.values()) and w["tolerance_points"] == 1
    assert w["mix_gap"].startswith("Weighted, the families' mix of who made the request and of "
                                   "what was decided matches DfE's within 1 point")
    top, raw = w["top_two"]["ladder"], fam["top_two"]["ladder"]["share"]
    assert top["estimate"] > raw["estimate"] and top["effective_n"] == w["effective_n"]
    assert top["answers"] == 60 and top["ci_low"] < top["estimate"] < top["ci_high"]
    assert w["partnership"]["estimate"] > fam["partnership"]["mean"]
    assert "only as far as answering depends" in w["caveat"]
    r = fam["reliability"]
    assert r["complete_sets"] == 60 and 0 < r["alpha"] <= 1 and r["ci_low"] <= r["alpha"]
    edu = next(x for x in doc["levels"] if x["audience"] == "education")
    assert "weighted" not in edu  # families only

    rows = list(csv.reader(io.StringIO(
        Client().get(f"/survey/results/{LEEDS}.csv").content.decode())))
    by_figure = {(r[1], r[2], r[3], r[4]): r for r in rows[1:]}
    weighting = by_figure[("families", "weighting", "weighted", "")]
    assert float(weighting[7]) == w["effective_n"]
    gap_row = next(r for r in rows if r[2] == "margin_gap_points" and r[3] == "what was decided")
    assert float(gap_row[7]) == gaps["what was decided"]["gap_points"]
    assert gap_row[10] == "within tolerance"
    t = by_figure[("families", "weighted_top_two_share", "ladder", "engaging or co_producing")]
    assert float(t[7]) == top["estimate"] and f"effective n {top['effective_n']}" in t[6]
    assert ("families", "dfe_mix", "what was decided", "withdrawn") in by_figure
    assert float(by_figure[("families", "partnership_alpha", "", "")][7]) == r["alpha"]

    for path in (f"/la/{LEEDS}", f"/survey/results/{LEEDS}"):
        page = html.unescape(Client().get(path).content.decode())
        assert "Families' answers weighted to what DfE counted" in page
        assert f"an effective sample size of {w['effective_n']}" in page
        assert f"effective n</span><span class=\"copro-ci\">{w['effective_n']:.1f} of 60" in page
        assert "Who answered and who asked" in page and "only as far as answering" in page
        assert "numbers fewer than 10 in it; otherwise it is withheld" in page
        assert "fewer than 10 answers is first merged with a neighbouring one" in page
        assert "is then within 1 point of DfE's" in page
        assert w["mix_gap"] in page
    page = html.unescape(Client().get(f"/survey/results/{LEEDS}").content.decode())
    assert "Weighted to DfE's counts (effective n)" in page
    assert "Does the partnership score measure one thing?" in page
    assert f"{r['alpha']:.2f}<span class=\"copro-ci\">{r['ci_low']:.2f} to" in page


def test_a_sample_needing_the_bound_is_not_weighted_with_the_gap_stated(monkeypatch):
    """Issue 24: a sample whose weights had to be bounded was still published as weighted,
    its mix far from DfE's. Now: not weighted, with the margin and the gap (recomputed here
    from DfE's counts), the figures as answered, and nothing weighted in the JSON, CSV or
    page."""
    from copro.web.survey import store
    from copro.web.survey.dfe_counts import dfe_margins

    monkeypatch.setattr(store, "STAMP_SECONDS", 0.0)
    publish_families_needing_the_bound()
    dfe = dfe_margins()[LEEDS]
    total = sum(dfe.values())
    schools = sum(v for (who, _), v in dfe.items() if who == "education")
    assert schools / 10 > 5 * total / 100  # ten answers would weigh more than 5 times the mean
    # the weights tried, by hand: schools' 10 and families assessed (40) merged, standing for
    # schools' requests and families' assessed ones in the answers' mix (4 families to 1);
    # families refused (30) for theirs; families waiting (20) for pending and withdrawn
    merged = schools + dfe[("family", "assessed")]
    fam = ("family", "assessed"), ("family", "not_assessed")
    weighted = {fam[0]: merged * 40 / 50, ("education", "assessed"): merged * 10 / 50,
                fam[1]: dfe[fam[1]],
                ("family", "pending"): dfe[("family", "pending")] + dfe[("family", "withdrawn")]}
    by_hand = _by_hand({**dict.fromkeys(dfe, 0), **dfe},
                       {**dict.fromkeys(dfe, 0), **weighted})
    assert by_hand[0] > 1

    doc = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    level = next(x for x in doc["levels"] if x["audience"] == "families")
    w = level["weighted"]
    assert w["method"] is None and w["weighting"] == w["not_weighted"]
    assert w["not_weighted"].startswith("not weighted: the answers could not be weighted to "
                                        "DfE's mix within 1 point. Weighted, who made the "
                                        f"request would be {by_hand[0]:.1f} points from DfE's mix")
    assert "are weighted together" in w["not_weighted"]
    gaps = {g["margin"]: g for g in w["margin_gaps"]}
    assert gaps["who made the request"]["gap_points"] == pytest.approx(by_hand[0], abs=0.01)
    assert gaps["what was decided"]["gap_points"] == pytest.approx(by_hand[1], abs=0.01)
    assert not gaps["who made the request"]["within_tolerance"]
    assert w["top_two"] == {} and w["shares"] == {} and w["partnership"] is None
    assert level["top_two"]["ladder"]["share"]["estimate"] is not None  # as answered

    rows = list(csv.reader(io.StringIO(
        Client().get(f"/survey/results/{LEEDS}.csv").content.decode())))
    weighting = next(r for r in rows if r[2] == "weighting")
    assert weighting[3] == "not weighted" and weighting[11] == w["not_weighted"]
    assert not [r for r in rows if r[2].startswith("weighted_") and r[7]]
    gap_row = next(r for r in rows if r[2] == "margin_gap_points"
                   and r[3] == "who made the request")
    assert float(gap_row[7]) == gaps["who made the request"]["gap_points"]
    assert gap_row[10] == "misses"

    for path in (f"/la/{LEEDS}", f"/survey/results/{LEEDS}"):
        page = html.unescape(Client().get(path).content.decode())
        assert ("Families' figures here are as answered. Not weighted: the answers could not "
                "be weighted to DfE's mix within 1 point.") in page
        assert f"who made the request would be {by_hand[0]:.1f} points from DfE's mix" in page
        assert "matches DfE" not in page and "Who answered and who asked" not in page


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
    assert "Families' figures here are as answered. Not weighted: fewer than 10" in page
    assert "– fewer than 10 answered every statement" in page
    assert fam_reliability(doc)["complete_sets"] is None  # the count under 10 is not shown


def fam_reliability(doc):
    return next(x for x in doc["levels"] if x["audience"] == "families")["reliability"]
