"""The instrument file: loads, is complete for every audience, and a broken file is refused."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from copro.errors import CoproError
from copro.survey.answers import clean_answers
from copro.survey.instrument import AUDIENCES, available_versions, load_instrument, parse_instrument


def raw_v1() -> dict:
    path = resources.files("copro.survey") / "instruments" / "v1.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_version_one_is_available_and_loads():
    assert "1" in available_versions()
    inst = load_instrument("1")
    assert inst.version == "1"
    with pytest.raises(CoproError, match="no survey instrument version '99'"):
        load_instrument("99")


def test_every_audience_has_the_shared_questions_and_its_own():
    inst = load_instrument()
    for audience in AUDIENCES:
        ids = {q.id for q in inst.questions_for(audience)}
        assert "who_is_favoured" in ids and "biggest_difference" in ids
    assert {"request_made_by", "ladder", "barriers"} <= {q.id for q in inst.questions_for(
        "families")}
    assert {"requests_made", "requests_agreed", "advised_family_to_request"} <= {
        q.id for q in inst.questions_for("education")}
    assert "forum_ladder" in {q.id for q in inst.questions_for("forum")}
    # partnership items are worded for each audience that answers them
    item = inst.question("equal_partner")
    assert item.text("families") != item.text("education")


def test_every_question_offers_a_way_not_to_answer():
    """Every choice question offers "don't know" or "prefer not to say" (or is multi-select,
    where choosing nothing is allowed); every question is optional."""
    inst = load_instrument()
    for q in inst.questions:
        if q.type == "single":
            assert any(o.missing for o in q.options), q.id
    for audience in AUDIENCES:
        answers, errors = clean_answers(inst, audience, {})
        assert answers == {} and errors == {}


def test_no_question_asks_for_identifying_details():
    inst = load_instrument()
    banned = ("your name", "date of birth", "address", "which school", "pupil number",
              "postcode", "email")
    for q in inst.questions:
        for text in (*q.wording.values(), q.easy_read):
            assert not any(b in text.lower() for b in banned), q.id


def test_ladder_top_two_and_scale_scores():
    inst = load_instrument()
    ladder = inst.question("ladder")
    assert [o.value for o in ladder.options if o.top] == ["engaging", "co_producing"]
    assert [o.score for o in ladder.options if not o.missing] == [1, 2, 3, 4, 5]
    for q in inst.measure("partnership"):
        assert [o.score for o in q.options if not o.missing] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("change, message", [
    (lambda d: d["questions"].append(copy.deepcopy(d["questions"][0])), "listed twice"),
    (lambda d: d["questions"][0].update(type="slider"), "type must be one of"),
    (lambda d: d["questions"][0].update(page="nowhere"), "page 'nowhere'"),
    (lambda d: d["questions"][0].update(audiences=["pupils"]), "audiences must name"),
    (lambda d: d["questions"][2].update(show_if={"question": "later", "in": ["x"]}),
     "show_if must name an earlier question"),
])
def test_a_broken_instrument_is_refused_naming_the_question(change, message):
    data = raw_v1()
    change(data)
    with pytest.raises(CoproError, match=message):
        parse_instrument(data, "v1.json")


def test_answers_are_checked_against_the_instrument():
    inst = load_instrument()
    answers, errors = clean_answers(inst, "families", {
        "ladder": "engaging", "barriers": ["language", "time_or_work"],
        "assessment_agreed": "no", "plan_issued": "within_20_weeks",
        "biggest_difference": "Call me on 07700 900123",
        "requests_made": "5"})
    assert errors == {}
    assert answers["barriers"] == ("time_or_work", "language")  # instrument order
    assert "plan_issued" not in answers  # hidden: no assessment was agreed
    assert "requests_made" not in answers  # not a families question
    assert "07700" not in answers["biggest_difference"]
    _, errors = clean_answers(inst, "families", {"ladder": "best", "barriers": ["nothing",
                                                                                "language"]})
    assert set(errors) == {"ladder", "barriers"}
    _, errors = clean_answers(inst, "education", {"requests_made": "3",
                                                  "requests_agreed": "4"})
    assert "requests_agreed" in errors
    _, errors = clean_answers(inst, "education", {"requests_made": "three"})
    assert errors["requests_made"].startswith("Enter a whole number")
