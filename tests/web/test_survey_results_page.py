"""The survey's results page for one LA: its links lead somewhere other than itself, and a
question nobody answered says "no answers" (0 is not a small count withheld by disclosure
control); a question with 1 to 9 answers is still withheld."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client

from copro.stats.survey import MIN_ANSWERS
from copro.web.survey.models import Round
from tests.web.survey_helpers import LEEDS, answer, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_leeds():
    """24 families: every one answered the ladder and who is favoured, 3 of them whether they
    know the forum, none anything else."""
    round_ = Round.objects.create(area_code=LEEDS, instrument_version="1")
    for i in range(24):
        answers = {"request_made_by": "school_or_college", "ladder": "engaging",
                   "who_is_favoured": "schools"}
        if i < 3:
            answers["know_forum"] = "yes"
        answer(Client(), LEEDS, "families", answers, remote=f"10.9.0.{i}")
    return publish(round_)


def _table(page: str, question: str) -> str:
    """The words of the results table captioned by ``question``."""
    start = page.index(question)
    return re.sub(r"<[^>]+>", " ", page[start:page.index("</table>", start)])


def test_zero_answers_are_no_answers_and_a_few_are_withheld(published_leeds):
    doc = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    families = next(x for x in doc["levels"] if x["audience"] == "families")
    none, few = families["distributions"]["barriers"], families["distributions"]["know_forum"]
    assert none["answers"] == 0 and none["withheld"] is None and none["shares"] == {}
    assert few["answers"] is None and f"fewer than {MIN_ANSWERS}" in few["withheld"]
    page = html.unescape(Client().get(f"/survey/results/{LEEDS}").content.decode())
    every = page[page.index('id="every-answer"'):]
    nobody = _table(every, "barriers" if "barriers" in every else "What, if anything, made")
    assert "No answers" in nobody and "withheld" not in nobody and "Shares of 0" not in nobody
    forum = _table(every, "parent carer forum")
    assert "withheld" in forum and "disclosure control" in forum
    # education professionals: no one answered; they are "no answers", not "fewer than 10"
    assert "Education professionals: no answers." in re.sub(r"<[^>]+>", "", page)
    csv_text = Client().get(f"/survey/results/{LEEDS}.csv").content.decode()
    barriers = [line for line in csv_text.splitlines() if ",barriers," in line]
    assert barriers and not any("withheld" in line for line in barriers), barriers
    assert any("withheld" in line for line in csv_text.splitlines() if ",know_forum," in line)


def test_the_results_page_links_to_its_own_sections_not_to_itself(published_leeds):
    own = f"/survey/results/{LEEDS}"
    page = Client().get(own).content.decode()
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert own not in hrefs, "a link to the page itself"
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    for h in hrefs:
        if h.startswith("#"):
            assert h[1:] in ids, h
    assert "#every-answer" in hrefs
    # the LA page still leads to the results in full
    la = Client().get(f"/la/{LEEDS}").content.decode()
    assert f'href="{own}"' in la


def test_every_la_surveyed_is_withheld_not_no_answers_when_its_answers_sit_in_small_blocks(
        monkeypatch):
    """Leeds' 12 families are shown; the only education professionals (3, in Kent) sit in a
    block too small to show. Leeds' JSON and CSV give every LA surveyed's education figure as
    withheld, never as 0 respondents, which would say nobody answered."""
    from copro.survey.results import Answers, survey_results
    from copro.web.survey import store
    from tests.web.survey_helpers import KENT

    answers = [Answers(LEEDS, "families", "1", {"ladder": "engaging"}, block=1)
               for _ in range(12)]
    answers += [Answers(KENT, "education", "1", {"who_is_favoured": "schools"}, block=2)
                for _ in range(3)]
    monkeypatch.setattr(store, "published_results", lambda: survey_results(answers))
    doc = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    education = next(x for x in doc["all_surveyed"] if x["audience"] == "education")
    assert education["responses"] is None and "disclosure control" in education["withheld"]
    forum = next(x for x in doc["all_surveyed"] if x["audience"] == "forum")
    assert forum["responses"] == 0 and forum["withheld"] is None  # nobody: no answers
    rows = Client().get(f"/survey/results/{LEEDS}.csv").content.decode().splitlines()
    line = next(x for x in rows if x.startswith("all_surveyed,education,responses,"))
    assert line.endswith("(disclosure control)") and ",0," not in line, line
