"""Issue 28: a forum volunteer runs a round alone on the website.

- one count everywhere: the rounds table, the close and publish pages, "All rounds together",
  the checks page and the results agree, and say how many answers are left out and why (two
  duplicates were dropped silently while "Set aside" said 0); a duplicate can be counted again;
- venues: a coordinator's own entries (paper forms) are never limited and recorded as theirs; a
  venue window lets one connection past the limit, its answers marked; the answers turned away
  are shown on the manage page; a personal code works in an open-link round (no 404);
- the anomaly report lists the answers it names, by the download's answer ID; one answer is set
  aside after a page saying what it does to what can be published, and a confirmation follows;
- merging rounds not yet published, deleting an imported one, and publishing after;
- downloads in the survey's words, the codes on request.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from copro.web.survey import publishing, store
from copro.web.survey.models import PublishedBlock, Response, Round, TurnedAway, VenueWindow
from tests.web.survey_helpers import INST, LEEDS, answer, coordinator, signed_in

pytestmark = pytest.mark.django_db


def _forum(i: int) -> dict:
    """A forum member's answers, different for each ``i``."""
    ladders = INST.question("forum_ladder").values
    return {"forum_ladder": ladders[i % len(ladders)], "forum_years": str(i % 5)} \
        if "forum_years" in {q.id for q in INST.questions} else \
        {"forum_ladder": ladders[i % len(ladders)], "biggest_difference": f"answer {i}"}


def _save(r, i, client=None, audience="forum"):
    answers = _forum(i)
    return store.save_response(r, audience, answers, client=client or f"c{i}", token=None)[0]


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def test_one_count_on_every_page_and_a_duplicate_counted_again():
    """The reported bug: 10 in the rounds table and on the close page, 'fewer than 10' in
    results and 8 on the publish page. Now 8 everywhere, '2 not counted' said everywhere, and
    after counting the two again, 10 everywhere."""
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    r = Round.objects.create(area_code=LEEDS, instrument_version="1")
    for i in range(8):
        _save(r, i)
    dup = [_save(r, i, client=f"c{i}") for i in (0, 1)]  # the same answers, same connection
    assert all(d.possible_duplicate for d in dup)
    why = "2 not counted (2 the same answers again from the same connection"
    manage = _text(manager.get("/survey/manage/"))
    assert why in manage
    rows = manage.split('id="rounds-caption"')[1].split("</table>")[0]
    assert ">8</td>" in rows and ">10</td>" not in rows
    together = manage.split('id="results-caption"')[1].split("</table>")[0]
    assert "8 (fewer than 10: no figures)" in together and why in together
    close = _text(manager.get(f"/survey/manage/round/{r.pk}/close/"))
    assert "8 answers counted so far" in close and why in close
    manager.post(f"/survey/manage/round/{r.pk}/close/", {"confirm": "yes"})
    publish = _text(manager.get(f"/survey/manage/round/{r.pk}/publish/"))
    assert ">8<br>" in publish and why in publish and "put them back" in publish
    assert store.coordinator_results(LEEDS).level(LEEDS, "forum").responses_withheld
    checks = _text(manager.get(f"/survey/manage/round/{r.pk}/checks/"))
    assert f"answer IDs {dup[0].pk}, {dup[1].pk}" in checks
    # counted again: 10 everywhere, and the round can be published
    done = manager.post(f"/survey/manage/round/{r.pk}/set-aside/",
                        {"ids": f"{dup[0].pk},{dup[1].pk}", "action": "count"}, follow=True)
    assert "2 answers counted again." in _text(done)
    manage = _text(manager.get("/survey/manage/"))
    assert "not counted" not in manage.split('id="rounds-caption"')[1].split("</table>")[0]
    publish = _text(manager.get(f"/survey/manage/round/{r.pk}/publish/"))
    assert ">10</td>" in publish and "Publish the results" in publish
    assert store.coordinator_results(LEEDS).level(LEEDS, "forum").responses == 10
    assert publishing.plan(r).answers["forum"] == 10


def test_an_empty_answer_is_not_counted_and_said_so():
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    r = Round.objects.create(area_code=LEEDS, instrument_version="1")
    for i in range(10):
        _save(r, i)
    store.save_response(r, "forum", {}, client="", token=None, source="import")
    manage = _text(manager.get("/survey/manage/"))
    assert "1 not counted (1 nothing answered)" in manage
    assert publishing.plan(r).answers["forum"] == 10


@pytest.fixture
def limit(monkeypatch):
    monkeypatch.setenv("COPRO_SURVEY_RATE_LIMIT", "5")


def test_a_venue_window_takes_12_answers_from_one_connection(limit):
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    manager.post("/survey/manage/open/", {"label": "Spring"})
    r = Round.objects.get(area_code=LEEDS)
    venue = "10.9.9.9"
    # the limit holds: the 6th answer from one connection is turned away, and counted
    for i in range(5):
        assert answer(Client(), LEEDS, "education", _forum(i), remote=venue).status_code == 302
    busy = answer(Client(), LEEDS, "education", _forum(5), remote=venue)
    assert busy.status_code == 429
    assert "Use my code" in _text(busy)
    assert TurnedAway.objects.get(round=r).count == 1
    page = _text(manager.get("/survey/manage/"))
    assert "Answers turned away" in page and "1 turned away between" in page
    assert "open a venue window" in page
    # the coordinator, on the venue's Wi-Fi, opens a window for that connection
    opened = manager.post(f"/survey/manage/round/{r.pk}/venue/",
                          {"label": "SENCO network", "hours": "2"}, REMOTE_ADDR=venue)
    assert opened.status_code == 302
    for i in range(12):
        sent = answer(Client(), LEEDS, "education", _forum(100 + i), remote=venue)
        assert sent.status_code == 302, i
    w = VenueWindow.objects.get(round=r)
    assert w.answers.count() == 12 and w.opened_by.username == "leeds"
    # another connection is still limited
    other = "10.8.8.8"
    for i in range(5):
        answer(Client(), LEEDS, "education", _forum(200 + i), remote=other)
    assert answer(Client(), LEEDS, "education", _forum(300), remote=other).status_code == 429
    # marked as venue answers on the checks page and in the download
    checks = _text(manager.get(f"/survey/manage/round/{r.pk}/checks/"))
    assert "SENCO network: 12 answers from one connection" in checks
    rows = list(csv.DictReader(io.StringIO(
        manager.get("/survey/manage/download/?confirm=1").content.decode())))
    assert sum(row["How it came"] == "venue answer" for row in rows) == 12
    assert sum(row["Venue"] == "SENCO network" for row in rows) == 12
    # the window ends: the connection is limited again
    VenueWindow.objects.update(ends_at=timezone.now() - timedelta(seconds=1))
    assert answer(Client(), LEEDS, "education", _forum(400), remote=venue).status_code == 429


def test_paper_forms_typed_in_by_the_coordinator_are_never_limited(limit):
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    manager.post("/survey/manage/open/", {})
    for i in range(12):
        assert answer(manager, LEEDS, "families", {"ladder": "informing",
                                                   "biggest_difference": f"paper {i}"},
                      remote="10.1.1.1").status_code == 302
    paper = Response.objects.filter(source="paper")
    assert paper.count() == 12 and {p.entered_by.username for p in paper} == {"leeds"}
    assert not any(p.client_hash for p in paper)
    rows = list(csv.DictReader(io.StringIO(
        manager.get("/survey/manage/download/?confirm=1").content.decode())))
    assert [row["How it came"] for row in rows] == ["paper form (typed in)"] * 12
    # still signed in afterwards
    assert manager.get("/survey/manage/").status_code == 200
    # someone not signed in on the same connection is limited as before
    for _ in range(5):
        answer(Client(), LEEDS, "families", {"ladder": "informing"}, remote="10.1.1.1")
    assert answer(Client(), LEEDS, "families", {"ladder": "consulting"},
                  remote="10.1.1.1").status_code == 429


def test_a_personal_code_in_an_open_link_round_gets_past_the_limit(limit):
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    manager.post("/survey/manage/open/", {})  # anyone with the link
    r = Round.objects.get(area_code=LEEDS)
    made = manager.post(f"/survey/manage/round/{r.pk}/codes/",
                        {"audience": "forum", "number": "2", "format": "print"})
    assert made.status_code == 200
    code = made.context["slips"][0][0]
    for i in range(5):
        answer(Client(), LEEDS, "forum", _forum(i), remote="10.2.2.2")
    person = Client()
    assert answer(person, LEEDS, "forum", _forum(50), remote="10.2.2.2").status_code == 429
    # the page's form: the code, then check and send (the answers were kept)
    start = person.get(f"/survey/{LEEDS}/forum/", {"code": code}, REMOTE_ADDR="10.2.2.2")
    assert start.status_code == 200 and "Your code is accepted" in _text(start)
    check = person.get(f"/survey/{LEEDS}/forum/check/", REMOTE_ADDR="10.2.2.2")
    sent = person.post(f"/survey/{LEEDS}/forum/check/", {"token": check.context["token"]},
                       REMOTE_ADDR="10.2.2.2")
    assert sent.status_code == 302 and sent["Location"].endswith("/done/")
    assert Response.objects.filter(round=r).count() == 6
    # the code is used up
    again = Client().get(f"/survey/{LEEDS}/forum/", {"code": code}, REMOTE_ADDR="10.2.2.3")
    assert "already been used" in _text(again)


def test_flagged_answers_listed_and_one_set_aside_with_its_effect_shown():
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    r = Round.objects.create(area_code=LEEDS, instrument_version="1",
                             closed_at=timezone.now())
    same = {"forum_ladder": "informing", "biggest_difference": ""}
    ids = [store.save_response(r, "forum", same, client=f"s{i}", token=None)[0].pk
           for i in range(3)]
    for i in range(7):
        _save(r, 10 + i)
    checks = _text(manager.get(f"/survey/manage/round/{r.pk}/checks/"))
    assert "The answers found, one by one" in checks
    for i in ids:
        assert f'value="{i}"' in checks and f"<td class=\"govuk-table__cell\">{i}</td>" in checks
    # one answer: first the check page with its effect
    ask = manager.post(f"/survey/manage/round/{r.pk}/set-aside/", {"id": str(ids[0])})
    page = _text(ask)
    assert ask.status_code == 200 and "Set aside 1 answer?" in page
    label = INST.audiences["forum"].label.lower()
    assert (f"{label.capitalize()}: 10 answers counted now; setting this aside leaves 9: "
            f"under 10, nothing for {label} would be published from this round") in page
    assert not Response.objects.filter(set_aside_at__isnull=False).exists()  # not yet
    done = manager.post(f"/survey/manage/round/{r.pk}/set-aside/",
                        {"ids": str(ids[0]), "confirm": "yes", "reason": "same person"},
                        follow=True)
    assert f"1 answer set aside (IDs {ids[0]})." in _text(done)
    aside = Response.objects.get(set_aside_at__isnull=False)
    assert aside.pk == ids[0] and aside.set_aside_reason == "same person"
    # the answer ID is the download's
    rows = list(csv.DictReader(io.StringIO(
        manager.get("/survey/manage/download/?confirm=1").content.decode())))
    row = next(x for x in rows if x["Answer ID"] == str(ids[0]))
    assert row["Set aside (why)"] == "same person" and row["Counted"].startswith("no: set aside")
    from copro.web.accounts.models import AuditEvent

    assert AuditEvent.objects.filter(action="answers set aside",
                                     detail="1 answer(s) set aside").count() == 1


def test_setting_aside_answers_already_set_aside_says_so_and_logs_nothing_more():
    """A second click (or another coordinator's, or another tab's) on answers already set aside
    changes nothing and says so: not "0 answers set aside", nor a count of answers it did not
    set aside."""
    from copro.web.accounts.models import AuditEvent

    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    r = Round.objects.create(area_code=LEEDS, instrument_version="1",
                             closed_at=timezone.now())
    ids = [_save(r, i).pk for i in range(3)]
    url = f"/survey/manage/round/{r.pk}/set-aside/"
    first = manager.post(url, {"ids": f"{ids[0]}", "confirm": "yes"}, follow=True)
    assert f"1 answer set aside (IDs {ids[0]})." in _text(first)
    again = manager.post(url, {"ids": ",".join(map(str, ids[:2])), "confirm": "yes"},
                         follow=True)
    assert (f"1 of the 2 answers ticked set aside (IDs {ids[0]}, {ids[1]}); the other 1 "
            "already were.") in _text(again)
    none = manager.post(url, {"ids": ",".join(map(str, ids[:2])), "confirm": "yes"},
                        follow=True)
    assert "Nothing changed: those answers were already set aside." in _text(none)
    assert "0 answers set aside" not in _text(none)
    assert list(AuditEvent.objects.filter(action="answers set aside").values_list(
        "detail", flat=True).order_by("pk")) == ["1 answer(s) set aside"] * 2
    assert Response.objects.filter(set_aside_at__isnull=False).count() == 2


def test_merge_two_small_rounds_then_publish():
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    now = timezone.now()
    a = Round.objects.create(area_code=LEEDS, instrument_version="1", closed_at=now)
    b = Round.objects.create(area_code=LEEDS, instrument_version="1", imported=True,
                             opened_at=now, closed_at=now)
    for i in range(6):
        _save(a, i)
    for i in range(5):
        store.save_response(b, "forum", _forum(20 + i), client="", token=None, source="import",
                            import_key=f"k{i}")
    assert not publishing.plan(a).possible and not publishing.plan(b).possible
    ask = manager.post("/survey/manage/merge/", {"round": [a.pk, b.pk]})
    assert ask.status_code == 200 and ">11" in ask.content.decode()
    manager.post("/survey/manage/merge/", {"round": [a.pk, b.pk], "confirm": "yes"})
    assert list(Round.objects.values_list("pk", flat=True)) == [a.pk]
    assert Response.objects.filter(round=a).count() == 11
    manager.post(f"/survey/manage/round/{a.pk}/publish/", {"confirm": "yes"})
    a.refresh_from_db()
    assert a.published_at is not None
    assert PublishedBlock.objects.get(round=a).responses == sorted(
        Response.objects.filter(round=a).values_list("pk", flat=True))
    # a published round is never merged again
    c = Round.objects.create(area_code=LEEDS, instrument_version="1", closed_at=now)
    _save(c, 40)
    refused = manager.post("/survey/manage/merge/", {"round": [a.pk, c.pk], "confirm": "yes"},
                           follow=True)
    assert "has been published" in _text(refused)
    assert Response.objects.filter(round=c).count() == 1


def test_delete_an_imported_round_not_yet_published():
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    now = timezone.now()
    web = Round.objects.create(area_code=LEEDS, instrument_version="1", closed_at=now)
    b = Round.objects.create(area_code=LEEDS, instrument_version="1", imported=True,
                             opened_at=now, closed_at=now)
    store.save_response(b, "forum", _forum(1), client="", token=None, source="import",
                        import_key="k1")
    assert "Delete this imported round?" in _text(
        manager.get(f"/survey/manage/round/{b.pk}/delete/"))
    manager.post(f"/survey/manage/round/{b.pk}/delete/", {"confirm": "yes"})
    assert not Round.objects.filter(pk=b.pk).exists() and not Response.objects.exists()
    assert manager.get(f"/survey/manage/round/{web.pk}/delete/").status_code == 404


def test_downloads_in_the_survey_words_and_codes_on_request():
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds", second_factor=False)
    r = Round.objects.create(area_code=LEEDS, instrument_version="1", label="Spring")
    store.save_response(r, "families", {"ladder": "co_producing"}, client="a", token=None)
    ladder = INST.question("ladder")
    text = manager.get("/survey/manage/download/?confirm=1").content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0][ladder.text(ladder.audiences[0])] == ladder.option("co_producing").label
    assert rows[0]["Round"] == "Spring" and rows[0]["Counted"] == "yes"
    assert "co_producing" not in text and "ladder" not in next(csv.reader(io.StringIO(text)))
    codes = list(csv.DictReader(io.StringIO(
        manager.get("/survey/manage/download/?confirm=1&codes=1").content.decode())))
    assert codes[0]["ladder"] == "co_producing" and codes[0]["answer_id"] == rows[0]["Answer ID"]
    book = load_workbook(io.BytesIO(
        manager.get("/survey/manage/download/?confirm=1&format=xlsx").content))
    assert book.sheetnames == ["Answers", "Codes"]
    code_rows = [[c.value for c in row] for row in book["Codes"].iter_rows()]
    assert ["ladder", ladder.text(ladder.audiences[0]), "co_producing",
            ladder.option("co_producing").label] in code_rows


def test_paper_form_and_code_slips_name_the_la_forum_return_address_and_closing_date():
    user = coordinator("leeds", LEEDS)
    user.survey_coordinator.forum = "Leeds Parent Carer Forum"
    user.survey_coordinator.save()
    manager = signed_in("leeds")
    form = _text(manager.get("/survey/manage/paper/families/", {
        "return_to": "Leeds PCF, 1 Example Street, LS1 1AA", "closing": "31 March 2027"}))
    assert "<strong>Leeds, Leeds Parent Carer Forum</strong>" in form
    assert "Please return this form by 31 March 2027 to: Leeds PCF, 1 Example Street" in form
    assert INST.question("ladder").text("families") in form.replace("&#x27;", "'")
    assert manager.get("/survey/manage/paper/nobody/").status_code == 404
    assert Client().get("/survey/manage/paper/families/").status_code == 302  # sign in first
    manager.post("/survey/manage/open/", {})
    r = Round.objects.get(area_code=LEEDS)
    slips = manager.post(f"/survey/manage/round/{r.pk}/codes/", {
        "audience": "families", "number": "3", "format": "print", "closing": "31 March 2027"})
    page = slips.content.decode()
    assert page.count('class="copro-slip"') == 3  # each slip boxed with dashed cut lines
    assert page.count("<svg role=\"img\"") == 3 and page.count("<title>QR code: the Leeds") == 3
    assert page.count("by 31 March 2027") == 3 and "Leeds Parent Carer Forum" in page
    for c in slips.context["slips"]:
        assert f"Your code: {c[0]}" in page


def test_hand_over_on_the_website():
    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.test import override_settings

    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    assert "hand the survey over" in _text(manager.get("/survey/manage/"))
    bad = manager.post("/survey/manage/handover/", {"confirm": "yes", "email": "nobody"})
    assert bad.status_code == 400 and "Enter the new coordinator" in _text(bad)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        done = manager.post("/survey/manage/handover/", {"confirm": "yes",
                                                         "email": "New@Forum.example"})
    assert "The survey is handed over" in _text(done)
    assert mail.outbox[-1].to == ["new@forum.example"]
    assert not get_user_model().objects.get(username="leeds").is_active
    assert manager.get("/survey/manage/").status_code == 302  # signed out
    new = get_user_model().objects.get(username="new@forum.example")
    assert new.survey_coordinator.area_code == LEEDS


def test_no_survey_and_no_template_notice_until_the_operator_fills_it(monkeypatch):
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    monkeypatch.delenv("COPRO_SURVEY_CONTACT")
    for path in (f"/survey/{LEEDS}/families/", f"/survey/{LEEDS}/families/all/",
                 f"/survey/{LEEDS}/families/check/", "/survey/privacy/"):
        r = Client().get(path)
        page = _text(r)
        assert r.status_code == 503 and "The survey is not open yet" in page, path
        assert "<code>COPRO_SURVEY_CONTACT</code> in the server" in page
        assert "It is a template" not in page
    monkeypatch.setenv("COPRO_SURVEY_CONTACT", "dpo@forum.example")
    notice = _text(Client().get("/survey/privacy/"))
    assert "dpo@forum.example" in notice and "It is a template" not in notice


def test_the_start_page_names_the_forum():
    user = coordinator("leeds", LEEDS)
    user.survey_coordinator.forum = "Leeds Parent Carer Forum"
    user.survey_coordinator.save()
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    page = _text(Client().get(f"/survey/{LEEDS}/families/"))
    assert "This survey is run by <strong>Leeds Parent Carer Forum</strong>" in page


def test_management_pages_have_one_back_link_and_the_qr_code_is_labelled():
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    manager.post("/survey/manage/open/", {})
    r = Round.objects.get(area_code=LEEDS)
    _save(r, 1)
    imported = Round.objects.create(area_code=LEEDS, instrument_version="1", imported=True,
                                    closed_at=timezone.now())
    pages = [f"/survey/manage/round/{r.pk}/close/", f"/survey/manage/round/{r.pk}/checks/",
             f"/survey/manage/round/{imported.pk}/publish/",
             f"/survey/manage/round/{imported.pk}/delete/", "/survey/manage/upload/",
             "/survey/manage/handover/", "/survey/manage/download/"]
    for path in pages:
        page = manager.get(path).content.decode()
        assert page.count("govuk-back-link") == 1, path
    page = manager.post(f"/survey/manage/round/{r.pk}/set-aside/",
                        {"id": str(Response.objects.first().pk)}).content.decode()
    assert page.count("govuk-back-link") == 1
    page = manager.post(f"/survey/manage/round/{r.pk}/codes/",
                        {"audience": "forum", "number": "1"}).content.decode()
    assert page.count("govuk-back-link") == 1
    svg = manager.get("/survey/manage/qr/families.svg").content.decode()
    assert f"<title>QR code for http://testserver/survey/{LEEDS}/families/</title>" in svg


def test_after_the_code_the_download_page_is_shown_not_the_code_page():
    from django.contrib.auth import get_user_model

    from tests.web.accounts_helpers import with_second_factor

    coordinator("leeds", LEEDS)
    c = signed_in("leeds", second_factor=False)
    page = _text(c.get("/survey/manage/download/"))
    assert "Written answers need the code from your authenticator app" in page
    r = c.get("/survey/manage/download/?confirm=1&free_text=1")
    assert r.status_code == 302 and r["Location"].endswith(
        "?next=%2Fsurvey%2Fmanage%2Fdownload%2F")  # back to the page, not to the file
    with_second_factor(c, get_user_model().objects.get(username="leeds"))
    page = _text(c.get("/survey/manage/download/"))
    assert "Your code is accepted" in page and "Enter your code" not in page


def test_results_labels_in_plain_words_linked_to_their_entries():
    from pathlib import Path

    from tests.web.survey_helpers import publish

    r = Round.objects.create(area_code=LEEDS, instrument_version="1")
    for i in range(10):
        store.save_response(r, "families", {"ladder": INST.question("ladder").values[i % 5],
                                            "equal_partner": "agree"}, client=f"f{i}",
                            token=None)
    publish(r)
    page = _text(Client().get(f"/survey/results/{LEEDS}"))
    entry = "/data/dictionary#the-survey-s-results--"
    assert "Say decisions were made with them" in page
    for key, words in (("top-two", "top two rungs of the ladder"),
                       ("partnership", "partnership score"), ("ci-low", "95% CI")):
        assert f'<a class="govuk-link copro-term" href="{entry}{key}">{words}</a>' in page
    # each leads to its row of the data dictionary
    dictionary = _text(Client().get("/data/dictionary"))
    for key in ("top-two", "partnership", "ci-low", "withheld", "ladder", "all-surveyed",
                "not-counted"):
        assert f'<tr class="govuk-table__row" id="the-survey-s-results--{key}">' in dictionary
    # the coordinator's page links its terms to the same rows
    coordinator("leeds", LEEDS)
    manage = _text(signed_in("leeds").get("/survey/manage/"))
    for key, words in (("top-two", "top two rungs"), ("partnership", "partnership score"),
                       ("not-counted", "Not counted")):
        assert f'<a class="govuk-link copro-term" href="{entry}{key}">{words}</a>' in manage
    doc = (Path(__file__).resolve().parents[2] / "docs" / "survey-rounds.md").read_text()
    assert "\n## Words on the results pages\n" in doc and "Katz log interval" in doc
