"""What the pages say where the wording was wrong: each big number names its own base and its
group as requests, and the compare page says at what count a comparison was refused."""

from __future__ import annotations

import html
import re

import pytest

pytestmark = pytest.mark.django_db


def _words(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_leeds_big_numbers_name_the_groups_requests_and_the_decided_base(client):
    page = _words(client.get("/la/E08000035"))
    assert "families' requests: 600 of the 818 that were decided" in page
    assert "schools' requests: 1,410 of the 1,511 that were decided" in page


def test_compare_page_says_at_what_count_a_comparison_was_refused(client):
    r = client.get("/compare", {"la": ["City of London", "Leeds"]})
    assert r.status_code == 200
    page = _words(r)
    assert "Fewest to compare (requests that were decided)" in page
    assert "10 from each group: not met, not compared" in page
    row = page[page.index("Fewest to compare (requests that were decided)"):][:160]
    assert row.count("not met") == 1, row  # Leeds met it


def test_compare_page_has_no_fewest_row_where_every_area_met_it(client):
    page = _words(client.get("/compare", {"la": ["Leeds", "Kent"]}))
    assert "Fewest to compare" not in page


def test_methods_page_names_the_fewest_to_compare_on_each_rates_own_base(client):
    page = _words(client.get("/methods"))
    assert "Fewest to compare" in page
    assert "counted on each rate's own base" in page


def test_survey_pages_give_leeds_its_possessive_not_leedss(client):
    """Nine LAs' names end in s (Leeds, Kirklees, Tower Hamlets...): the coordinator's pages
    had read "Download Leeds's answers" and "added to Leeds's published figures"."""
    from copro.web.survey.models import Round
    from tests.web.survey_helpers import LEEDS, coordinator, signed_in

    coordinator("leeds-words", LEEDS)
    c = signed_in("leeds-words")
    r = Round.objects.create(area_code=LEEDS, instrument_version="1")
    Round.objects.filter(pk=r.pk).update(closed_at=r.opened_at)
    pages = {"download": _words(c.get("/survey/manage/download/")),
             "publish": _words(c.get(f"/survey/manage/round/{r.pk}/publish/")),
             "results": _words(c.get(f"/survey/results/{LEEDS}"))}
    assert "Download Leeds' answers" in pages["download"]
    assert "added to Leeds' published figures" in pages["publish"]
    assert "Leeds' figures" in pages["results"]
    for name, words in pages.items():
        assert "Leeds's" not in words, name
