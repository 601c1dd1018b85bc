"""The coordinator's anomaly report, pure: each kind of finding from constructed answers, and
near-identical answers found without comparing every pair (3,000 answers in seconds)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from copro.survey.anomalies import Submission, anomaly_report

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def sub(i, answers, client="", minutes=0, seconds=None, audience="families"):
    return Submission(i, audience, client, T0 + timedelta(minutes=minutes), seconds, answers)


def test_each_kind_of_finding():
    rng = random.Random(3)
    base = {f"q{j}": "a" for j in range(8)}
    subs = [sub(i, {f"q{j}": rng.choice("abcde") for j in range(8)}, client=f"c{i}",
                minutes=5 * i, seconds=200) for i in range(20)]
    subs += [sub(100, base, "c100", 200, 200), sub(101, {**base, "q0": "b"}, "c101", 205, 200),
             sub(102, {**base, "q1": "c"}, "c102", 210, 200)]  # a chain through base
    subs += [sub(200 + i, {"q0": "e"}, "hash-of-venue", 300, 5) for i in range(12)]  # a burst
    report = anomaly_report(subs, free_text=("text",))
    kinds = {f.kind: f for f in report.findings}
    assert set(kinds) == {"burst", "identical", "near_identical", "one_connection", "fast"}
    assert set(kinds["near_identical"].responses) == {100, 101, 102}
    assert len(kinds["identical"].responses) == 12
    assert "12 answers (34% of the round) from one connection" in \
        kinds["one_connection"].description
    assert "hash-of-venue" not in kinds["one_connection"].description  # named by number
    assert report.median_seconds == 200 and report.connections == 24


def test_nothing_stands_out_in_a_varied_round():
    rng = random.Random(4)
    subs = [sub(i, {f"q{j}": rng.choice("abcde") for j in range(10)}, f"c{i}", 7 * i, 300)
            for i in range(40)]
    assert anomaly_report(subs).findings == ()


def test_near_identical_answers_are_found_without_comparing_every_pair():
    rng = random.Random(5)
    subs = [sub(i, {f"q{j}": rng.choice("abcde") for j in range(14)}, f"c{i}", i, 300)
            for i in range(3000)]
    base = {f"q{j}": "a" for j in range(14)}
    subs += [sub(9000 + k, {**base, f"q{k}": "b"}, "x", 0, 300) for k in range(3)]
    subs.append(sub(9999, base, "y", 0, 300))
    started = time.perf_counter()
    report = anomaly_report(subs)
    assert time.perf_counter() - started < 15
    near = [f for f in report.findings if f.kind == "near_identical"]
    assert [set(f.responses) for f in near] == [{9000, 9001, 9002, 9999}]


# --- the round as a whole: paced stuffing from many addresses (issue 27, item 6) -------------

LADDER = ["decided_without_us", "informing", "consulting", "engaging", "co_producing"]
AGREE = ["strongly_disagree", "disagree", "neither", "agree", "strongly_agree"]
ITEMS = ["equal_partner", "knowledge_valued", "kept_informed", "honest_communication",
         "knew_child", "understood_decision"]
OTHER = {"request_made_by": ["me", "school_or_college", "health_or_social_care", "someone_else",
                            "dont_know"],
         "assessment_agreed": ["yes", "no", "waiting", "withdrawn"],
         "who_is_favoured": ["parents", "schools", "same", "dont_know"],
         "know_forum": ["yes", "heard_of_it", "no"],
         "families_shape_services": AGREE, "forum_ladder": LADDER}


def _scale(options, level, rng, spread=0.9):
    return options[min(len(options) - 1, max(0, round(level + rng.gauss(0, spread))))]


def genuine(rng, satisfaction=0.0):
    """One family's answers: a latent satisfaction moves the ladder and the partnership items
    together (real answers are correlated, not independent), the rest varies freely; some
    questions skipped."""
    z = rng.gauss(satisfaction, 1)
    out = {"ladder": _scale(LADDER, 2 + z, rng), "forum_ladder": _scale(LADDER, 2 + 0.5 * z, rng)}
    for item in ITEMS:
        if rng.random() < 0.9:
            out[item] = _scale(AGREE, 2 + 0.9 * z, rng, 0.8)
    for q, options in OTHER.items():
        if q not in out and rng.random() < 0.85:
            out[q] = rng.choice(options)
    return out


def genuine_round(rng, n, days=14, satisfaction=0.0, start=0):
    """``n`` genuine answers arriving at random over ``days`` days (more in the evening), each
    from its own connection, taking minutes."""
    subs = []
    for i in range(n):
        minute = rng.uniform(0, days * 24 * 60)
        if rng.random() < 0.5:  # an evening peak
            minute = (minute // 1440) * 1440 + rng.uniform(18 * 60, 22 * 60)
        subs.append(sub(start + i, genuine(rng, satisfaction), f"g{start + i}", minute,
                        int(rng.uniform(120, 900))))
    return subs


def paced_attack(rng, n=36, start=1000, at_minute=9 * 1440 + 600):
    """The attack replayed: a template of contented answers, three questions varied at random
    in each (so that no two are identical or one question apart), at most 8 a minute from as
    many addresses, 35 seconds each on the form."""
    template = {"ladder": "co_producing", "forum_ladder": "engaging", "request_made_by": "me",
                "assessment_agreed": "yes", "who_is_favoured": "parents", "know_forum": "yes",
                "families_shape_services": "agree", **{item: "strongly_agree" for item in ITEMS}}
    options = OTHER | {item: AGREE for item in ITEMS}
    subs, made = [], []
    while len(made) < n:
        answers = dict(template)
        for q in rng.sample([q for q in template if q != "ladder"], 3):
            answers[q] = rng.choice([v for v in options[q] if v != template[q]])
        if rng.random() < 0.25:
            answers["ladder"] = "engaging"
        if all(sum(a.get(q) != answers.get(q) for q in template) > 1 for a in made):
            made.append(answers)  # the attacker keeps each at least two questions apart
    for i, answers in enumerate(made):
        subs.append(sub(start + i, answers, f"a{i}", at_minute + i / 7.5, 35))
    return subs


def test_paced_stuffing_is_flagged_and_its_effect_on_the_figure_shown():
    rng = random.Random(27)
    real = genuine_round(rng, 12, satisfaction=-1.2)
    stuffed = paced_attack(rng)
    report = anomaly_report(real + stuffed, opened_at=T0, now=T0 + timedelta(days=14))
    kinds = {f.kind: f for f in report.findings}
    # the old checks saw nothing: no burst of 10 a minute, no identical or near-identical
    # answers, no shared connection, no answer under 30 s
    assert not {"burst", "identical", "near_identical", "one_connection", "fast"} & set(kinds)
    assert {"cluster", "arrival"} <= set(kinds)
    flagged = report.flagged
    assert {s.id for s in stuffed} <= flagged
    assert len(flagged & {s.id for s in real}) <= 1
    assert kinds["cluster"].pvalue <= 0.01 and kinds["arrival"].pvalue < 0.001
    effect = next(e for e in report.effects if e.question == "ladder")
    real_share = sum(s.answers["ladder"] in ("engaging", "co_producing") for s in real) / 12
    assert effect.share_all >= 0.75 and effect.n_all == 48
    assert effect.n_without >= 11 and abs(effect.share_without - real_share) < 0.1
    words = effect.description()
    assert words.startswith("Families saying decisions about requests were made with them")
    assert f"of all 48 answers; {effect.share_without:.0%} of the {effect.n_without} left " \
           f"without the {48 - effect.n_without} found" in words
    assert "'ladder'" not in words  # the question's name in the database never shows


def test_an_effect_with_every_answer_found_says_nothing_is_left_to_compare():
    """The publish page had read "no answers without the 60 answers found"."""
    from copro.survey.anomalies import Effect

    words = Effect("forum", "forum_ladder", 0.33, 60, None, 0).description()
    assert words == ("Parent carer forum members saying the local authority works with the "
                     "forum as a partner (top two rungs of the ladder): 33% of all 60 answers; "
                     "every one of the 60 was among the answers found, so none is left to "
                     "compare")


def test_the_attack_is_flagged_by_clustering_alone_without_a_history():
    """Arrival needs a day's history: the cluster of similar answers is found without it."""
    rng = random.Random(28)
    report = anomaly_report(genuine_round(rng, 12, days=0.5, satisfaction=-1) +
                            paced_attack(rng, at_minute=300))
    assert "cluster" in {f.kind for f in report.findings}


@pytest.mark.parametrize("seed", range(4))
def test_genuine_rounds_of_every_size_are_not_flagged(seed):
    """False positives: 15 genuine rounds per seed (60 in all), 10 to 150 answers, correlated
    answers, evening peaks, open for one to four weeks: none flagged by the round-level
    checks."""
    rng = random.Random(1000 + seed)
    flagged = []
    for k in range(15):
        n = rng.choice([10, 12, 15, 20, 30, 48, 60, 100, 150])
        days = rng.choice([7, 14, 28])
        subs = genuine_round(rng, n, days=days, satisfaction=rng.uniform(-1, 1))
        report = anomaly_report(subs, opened_at=T0, now=T0 + timedelta(days=days))
        kinds = {f.kind for f in report.findings} & {"cluster", "arrival"}
        if kinds:
            flagged.append((k, n, days, kinds))
    assert flagged == []
