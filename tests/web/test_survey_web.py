"""The survey on the website: the done-when story through the forms, results on the LA page and
at /feeling-and-outcome (formerly /illusion-gap), duplicate detection, the honeypot, the rate
limit and retention."""

from __future__ import annotations

import html
import json
import random
import re

import pytest
from django.test import Client

from copro.web.survey.models import Response, Round
from tests.web.survey_helpers import (
    KENT,
    LEEDS,
    answer,
    coordinator,
    publish,
    random_answers,
    signed_in,
)

pytestmark = pytest.mark.django_db


def _open_round(client, code=LEEDS) -> Round:
    r = client.post("/survey/manage/open/", {"label": "Spring"})
    assert r.status_code == 302
    return Round.objects.get(area_code=code, closed_at__isnull=True)


def test_a_round_from_opening_to_the_la_page_and_the_across_la_page():
    coordinator("leeds-forum", LEEDS)
    manager = signed_in("leeds-forum")
    round_ = _open_round(manager)
    rng = random.Random(7)
    for i in range(30):
        r = answer(Client(), LEEDS, "families", random_answers(rng, "families"),
                   remote=f"10.1.0.{i}")
        assert r.status_code == 302 and r["Location"].endswith("/done/")
    for i in range(12):
        answer(Client(), LEEDS, "education", random_answers(rng, "education"),
               remote=f"10.2.0.{i}")
    assert Response.objects.filter(round=round_).count() == 42
    stored = Response.objects.filter(round=round_, audience="families").first()
    assert "07700" not in stored.free_text and "[phone number removed]" in stored.free_text
    assert "biggest_difference" not in stored.answers and stored.instrument_version == "1"

    # not published yet: nothing public, but the coordinator sees it
    public = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    assert all(level["responses"] in (0, None) for level in public["levels"])
    assert "30" in manager.get("/survey/manage/").content.decode()

    assert manager.post(f"/survey/manage/round/{round_.pk}/publish/",
                        {"confirm": "yes"}).status_code == 403
    manager.post(f"/survey/manage/round/{round_.pk}/close/", {"confirm": "yes"})
    assert manager.post(f"/survey/manage/round/{round_.pk}/publish/",
                        {"confirm": "yes"}).status_code == 302

    page = html.unescape(Client().get(f"/la/{LEEDS}").content.decode())
    assert "What families and professionals say" in page
    assert "Who is right in Leeds?" in page
    assert "1.27 (95% CI" in page  # the measured ratio beside the perceived figures
    assert "chose to take part" in page  # the self-selection caveat
    doc = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    families = next(x for x in doc["levels"] if x["audience"] == "families")
    assert families["responses"] == 30
    ladder = families["top_two"]["ladder"]["share"]
    assert ladder["ci_low"] <= ladder["estimate"] <= ladder["ci_high"]
    assert families["partnership"]["ci_low"] <= families["partnership"]["mean"]
    assert families["beliefs_against_data"]["data_favour"] == "education"
    # how families feel beside what happened to their requests, with intervals and a sentence
    feeling = families["feeling_and_outcome"]
    assert feeling["perceived"]["share"] == ladder
    assert feeling["measured"]["reading"] == "less likely"  # Leeds: 1.27 schools over families
    rel = feeling["measured"]
    assert rel["ci_low"] <= rel["estimate"] <= rel["ci_high"] < 1
    assert feeling["sentence"] in page and "How families feel, and what happened" in page
    assert feeling["pointing"] == {"most": "different ways", "fewer than half": "same way"}.get(
        feeling["perceived"]["reading"], "cannot tell")
    results_page = html.unescape(Client().get(f"/survey/results/{LEEDS}").content.decode())
    assert feeling["sentence"] in results_page
    forum = next(x for x in doc["levels"] if x["audience"] == "forum")
    assert forum["responses"] in (0, None)
    csv_text = Client().get(f"/survey/results/{LEEDS}.csv").content.decode()
    assert csv_text.startswith("area_code,audience,figure")
    assert ",families,feeling_and_outcome_point," in csv_text
    assert ",families,outcome_families_relative_to_schools," in csv_text
    assert "07700" not in csv_text and "removed" not in csv_text  # free text never published

    gap = json.loads(Client().get("/feeling-and-outcome.json").content)
    assert [p["area_code"] for p in gap["points"]] == [LEEDS]
    assert gap["correlation"]["not_computed"]  # one LA is not enough for a correlation
    assert Client().get("/feeling-and-outcome").status_code == 200
    assert Client().get("/feeling-and-outcome.csv").status_code == 200
    for old, new in (("/illusion-gap", "/feeling-and-outcome"),
                     ("/illusion-gap.json", "/feeling-and-outcome.json")):
        r = Client().get(old)
        assert r.status_code == 301 and r["Location"] == new


def test_a_closed_survey_takes_no_answers():
    r = Client().get(f"/survey/{KENT}/families/")
    assert r.status_code == 404 and b"not open" in r.content
    assert Client().get("/survey/E99999999/families/").status_code == 404
    assert Client().get(f"/survey/{KENT}/pupils/").status_code == 404


def test_errors_are_summarised_and_the_page_is_kept(monkeypatch):
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    c = Client()
    r = c.post(f"/survey/{LEEDS}/education/requests_made/",
               {"requests_made": "lots", "requests_agreed": "2"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "There is a problem" in body and 'href="#q-requests_made"' in body
    assert 'value="lots"' in body  # what was typed is kept
    r = c.post(f"/survey/{LEEDS}/education/requests_made/",
               {"requests_made": "2", "requests_agreed": "3"})
    assert r.status_code == 400 and b"cannot be more than" in r.content


def test_the_plan_page_is_asked_only_after_an_assessment_was_agreed():
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    c = Client()
    r = c.post(f"/survey/{LEEDS}/families/request/", {"assessment_agreed": "no"})
    assert r["Location"].endswith("/decisions/")
    r = c.post(f"/survey/{LEEDS}/families/request/", {"assessment_agreed": "yes"})
    assert r["Location"].endswith("/plan/")


def test_honeypot_stores_nothing_and_resubmission_stores_once():
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    c = Client()
    c.post(f"/survey/{LEEDS}/forum/beliefs/", {"who_is_favoured": "schools"})
    r = c.get(f"/survey/{LEEDS}/forum/check/")
    r = c.post(f"/survey/{LEEDS}/forum/check/", {"token": r.context["token"],
                                                  "website": "http://spam.example"})
    assert r.status_code == 302 and Response.objects.count() == 0
    c.post(f"/survey/{LEEDS}/forum/beliefs/", {"who_is_favoured": "schools"})
    token = c.get(f"/survey/{LEEDS}/forum/check/").context["token"]
    c.post(f"/survey/{LEEDS}/forum/check/", {"token": token})
    again = c.post(f"/survey/{LEEDS}/forum/check/", {"token": token})  # double click/back
    assert again.status_code == 302 and Response.objects.count() == 1


def test_same_answers_from_the_same_client_are_flagged_and_left_out():
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    same = {"who_is_favoured": "parents", "know_forum": "yes"}
    answer(Client(), LEEDS, "forum", same, remote="10.9.9.9")
    answer(Client(), LEEDS, "forum", same, remote="10.9.9.9")
    answer(Client(), LEEDS, "forum", same, remote="10.9.9.8")
    flags = list(Response.objects.order_by("id").values_list("possible_duplicate", flat=True))
    assert flags == [False, True, False]


def test_submissions_per_client_are_limited(monkeypatch):
    monkeypatch.setenv("COPRO_SURVEY_RATE_LIMIT", "3")
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    for i in range(3):
        answer(Client(), LEEDS, "forum", {"know_forum": "yes", "who_is_favoured": "same",
                                          "families_shape_services": ["agree", "disagree",
                                                                      "neither"][i]})
    r = answer(Client(), LEEDS, "forum", {"know_forum": "no"})
    assert r.status_code == 429 and Response.objects.count() == 3
    # another client is not affected
    assert answer(Client(), LEEDS, "forum", {"know_forum": "no"},
                  remote="10.0.0.2").status_code == 302


def test_no_personal_details_in_what_is_stored():
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    answer(Client(), LEEDS, "families", {"biggest_difference":
                                         "Email jo@example.org, UPN A123456789012, LS1 4AP"},
           remote="192.0.2.77")
    r = Response.objects.get()
    assert r.free_text == ("Email [email removed], UPN [pupil number removed], "
                           "[postcode removed]")
    row = json.dumps(list(Response.objects.values()), default=str)
    assert "192.0.2.77" not in row and "jo@example" not in row


def test_the_one_page_form_checks_and_stores_like_the_pages():
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    c = Client()
    form = c.get(f"/survey/{LEEDS}/families/all/")
    assert form.status_code == 200 and b"plan_issued" in form.content
    token = form.context["token"]
    bad = c.post(f"/survey/{LEEDS}/families/all/", {"ladder": "top", "token": token})
    assert bad.status_code == 400 and b"There is a problem" in bad.content
    assert Response.objects.count() == 0
    ok = c.post(f"/survey/{LEEDS}/families/all/", {
        "ladder": "engaging", "assessment_agreed": "no", "plan_issued": "within_20_weeks",
        "barriers": ["language", "format"], "token": token})
    assert ok.status_code == 302 and ok["Location"].endswith("/done/")
    stored = Response.objects.get()
    assert stored.answers == {"assessment_agreed": "no", "ladder": "engaging",
                              "barriers": ["language", "format"]}  # plan dropped: not agreed
    again = c.post(f"/survey/{LEEDS}/families/all/", {"ladder": "engaging", "token": token})
    assert again.status_code == 302 and Response.objects.count() == 1


def test_the_la_page_shows_a_round_published_after_it_was_first_served(monkeypatch):
    from copro.web.survey import store

    monkeypatch.setattr(store, "STAMP_SECONDS", 0.0)
    round_ = Round.objects.create(area_code=LEEDS, instrument_version="1")
    for i in range(10):
        answer(Client(), LEEDS, "forum", {"who_is_favoured": "parents"}, remote=f"10.4.0.{i}")
    before = Client().get(f"/la/{LEEDS}").content.decode()  # served, and kept by the explorer
    assert "No survey results are published for Leeds yet" in before
    publish(round_)
    after = Client().get(f"/la/{LEEDS}").content.decode()
    assert "No survey results are published" not in after and "Parent carer forum" in after


def test_results_show_every_la_surveyed_and_education_professionals_own_counts():
    """The level above an LA pools every published round: it is named for what it is (the LAs
    surveyed), never 'England'."""
    round_ = Round.objects.create(area_code=LEEDS, instrument_version="1")
    for i in range(10):
        answer(Client(), LEEDS, "education", {"requests_made": "4", "requests_agreed": "3",
                                              "who_is_favoured": "parents"},
               remote=f"10.5.0.{i}")
    publish(round_)
    doc = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    edu = next(x for x in doc["levels"] if x["audience"] == "education")
    assert edu["reported_share_agreed"]["estimate"] == 0.75
    surveyed = next(x for x in doc["all_surveyed"] if x["audience"] == "education")
    assert surveyed["responses"] == 10 and surveyed["area_code"] is None
    assert "england" not in doc
    page = html.unescape(Client().get(f"/survey/results/{LEEDS}").content.decode())
    assert "reported that 75%" in page and "Every LA surveyed: education professionals" in page
    assert "England" not in page[page.index('id="survey-heading"'):page.index("</main>")]
    csv_text = Client().get(f"/survey/results/{LEEDS}.csv").content.decode()
    assert "all_surveyed,education,reported_share_agreed" in csv_text and "England" not in csv_text


def _publish_families(code, rows):
    """A published round of families' answers given as (ladder, belief, count) rows."""
    round_ = Round.objects.create(area_code=code, instrument_version="1")
    i = 0
    for ladder, belief, count in rows:
        for _ in range(count):
            answer(Client(), code, "families", {"request_made_by": "school_or_college",
                                                "ladder": ladder, "who_is_favoured": belief},
                   remote=f"10.7.{i // 200}.{i % 200}")
            i += 1
    return publish(round_)


def test_every_share_shows_its_base_in_html_json_and_csv(monkeypatch):
    """24 families, 6 "don't know" on the ladder: the top-two share and the rung shares are of
    the 18 on the ladder, the belief shares of the 20 with a view, and each says so."""
    from copro.web.survey import store

    # the LA page's survey block may be up to STAMP_SECONDS old by design: not within a test
    monkeypatch.setattr(store, "STAMP_SECONDS", 0.0)
    _publish_families(LEEDS, [("co_producing", "schools", 6), ("engaging", "dont_know", 4),
                              ("informing", "parents", 8), ("dont_know", "schools", 6)])
    doc = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    fam = next(x for x in doc["levels"] if x["audience"] == "families")
    assert fam["responses"] == 24
    assert fam["top_two"]["ladder"]["answers"] == 18
    assert fam["top_two"]["ladder"]["base"] == "who placed themselves on the ladder"
    assert fam["distributions"]["ladder"]["answers"] == 18
    assert fam["distributions"]["ladder"]["left_out"] == 6
    assert "dont_know" not in fam["distributions"]["ladder"]["shares"]
    beliefs = fam["beliefs_against_data"]
    assert beliefs["answers"] == 20 and beliefs["believe_schools_favoured"]["answers"] == 20
    assert beliefs["base"] == "who gave a view"
    for page in (f"/survey/results/{LEEDS}", f"/la/{LEEDS}"):
        text = html.unescape(Client().get(page).content.decode())
        assert "56% (95% CI" in text and "of 18 who placed themselves on the ladder" in text
        assert "60% (95% CI" in text and "of 20 who gave a view" in text  # 12 of 20
    csv_text = Client().get(f"/survey/results/{LEEDS}.csv").content.decode()
    assert csv_text.splitlines()[0].split(",")[5:7] == ["answers", "base"]
    assert (f"{LEEDS},families,top_two_share,ladder,engaging or co_producing,18,"
            "who placed themselves on the ladder,0.5556") in csv_text
    assert f"{LEEDS},families,believe_schools_favoured,who_is_favoured,,20,who gave a view" \
        in csv_text
    assert f"{LEEDS},families,left_out_of_base,ladder,,6," in csv_text


def test_answers_are_shown_by_the_questions_own_words_not_codes():
    _publish_families(LEEDS, [("co_producing", "schools", 6), ("engaging", "dont_know", 4),
                              ("informing", "parents", 8), ("dont_know", "schools", 6)])
    page = html.unescape(Client().get(f"/survey/results/{LEEDS}").content.decode())
    every = re.sub(r"<[^>]+>", " ", page[page.index("Every answer"):page.index("</main>")])
    for code in ("request_made_by", "school_or_college", "dont_know", "co_producing",
                 "who_is_favoured"):
        assert code not in every, code
    assert "Who made the request for an EHC needs assessment?" in every
    assert "My child's school or college" in every
    assert "We decided together as equal partners" in every and "Don't know" in every
    # the method of the measured ratio is a note after the sentence, not inside it
    la = html.unescape(Client().get(f"/la/{LEEDS}").content.decode())
    sentence = la[la.index("The DfE figures show"):]
    sentence = sentence[:sentence.index("</p>")]
    assert "Katz" not in sentence and "0.5 added" not in sentence
    assert "times as likely as requests from families to lead to an assessment." in sentence
    assert "Katz" in la[la.index("Who is right"):la.index("Survey results for")]


def test_the_coordinator_page_names_rounds_and_audiences_in_words():
    coordinator("leeds-forum", LEEDS)
    manager = signed_in("leeds-forum")
    round_ = _open_round(manager)
    round_.label = ""
    round_.save()
    page = html.unescape(manager.get("/survey/manage/").content.decode())
    rounds = page[page.index('id="rounds-caption"'):]
    rounds = rounds[:rounds.index("</table>")]
    assert f'header">{round_.pk}<' not in rounds and "Round opened " in rounds
    results = page[page.index('id="results-caption"'):]
    results = results[:results.index("</table>")]
    assert ">families<" not in results and ">Families<" in results
    assert ">Education professionals<" in results and ">Parent carer forum members<" in results


def test_the_survey_has_a_landing_page_and_a_menu_item():
    coordinator("leeds-forum", LEEDS)
    _open_round(signed_in("leeds-forum"))
    Round.objects.create(area_code=KENT, instrument_version="1", closed_at=None).delete()
    page = html.unescape(Client().get("/survey/").content.decode())
    assert "The co-production survey" in page
    assert f'href="/survey/{LEEDS}/families/"' in page  # Leeds has an open round
    assert f'href="/survey/{LEEDS}/education/"' in page and f"/survey/{KENT}/" not in page
    assert 'href="/feeling-and-outcome"' in page and 'href="/survey/privacy/"' in page
    for path in ("/", f"/la/{LEEDS}", "/feeling-and-outcome"):
        text = Client().get(path).content.decode()
        menu = text[text.index('aria-label="Menu"'):]
        assert '<a class="govuk-service-navigation__link" href="/survey/"' in \
            menu[:menu.index("</nav>")], path


def test_the_across_la_figure_covers_every_point_and_numbers_them():
    """A point at 1/5.66 (as Walsall's families' rate relative to schools') is inside the axis,
    whose ticks run past it; each point is numbered as in the table; the axis says 'schools'."""
    import re as _re

    from copro.stats import survey as st
    from copro.stats.results import Rate
    from copro.web.survey.figures import HEIGHT, gap_svg

    def point(code, share, ratio, low, high):
        return st.FeelingPoint(code, Rate(int(share * 20), 20, share, share - 0.1, share + 0.1,
                                      "wilson"), st.MeasuredRatio(ratio, low, high, "katz"))

    gap = st.FeelingAndOutcomeAcrossLAs((point("E08000030", 0.4, 5.66, 3.9, 8.2),
                                         point(LEEDS, 0.6, 1.27, 1.1, 1.45)), None, None, None)
    svg = gap_svg(gap, {"E08000030": "Walsall", LEEDS: "Leeds"})
    ticks = [float(t) for t in _re.findall(r'text-anchor="end" fill="#0b0c0c">([\d.]+)<', svg)]
    assert min(ticks) <= 1 / 8.2 and 1.0 in ticks
    ys = [float(v) for v in _re.findall(r'<circle cx="[\d.]+" cy="([-\d.]+)"', svg)]
    ends = [float(v) for v in _re.findall(r'y[12]="([-\d.]+)" stroke="#1d70b8"', svg)]
    assert all(0 <= v <= HEIGHT - 40 for v in ys + ends)
    assert "<title>1: Walsall</title>" in svg and ">1</text>" in svg and ">2</text>" in svg
    assert "education / families" not in svg and "schools" in svg
    page = html.unescape(Client().get("/feeling-and-outcome").content.decode())
    assert "treat their requests more equally?</h1>" in page and "illusion gap" not in page
    for term in ("The ladder</dt>", "The top two rungs</dt>", "The correlation</dt>",
                 "A wide interval means we do not know"):
        assert term in page, term


def test_the_step_counter_never_changes_its_total():
    """The counter said '1 of 7', then '2 of 8' once an answer showed another page: the number
    of pages depends on the answers, so the counter gives the page's number only."""
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    c = Client()
    first = html.unescape(c.get(f"/survey/{LEEDS}/families/request/").content.decode())
    r = c.post(f"/survey/{LEEDS}/families/request/", {"assessment_agreed": "yes"})
    second = html.unescape(c.get(r["Location"]).content.decode())
    counters = [re.search(r"question page (\d+)([^<]*)<", p).groups() for p in (first, second)]
    assert counters == [("1", ""), ("2", "")]
