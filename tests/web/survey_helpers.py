"""Helpers for the survey's website tests: accounts, rounds and answering through the forms."""

from __future__ import annotations

import random

from django.test import Client

from copro.survey.instrument import load_instrument

INST = load_instrument()
LEEDS, KENT = "E08000035", "E10000016"
PASSWORD = "a long test passphrase 42"


def coordinator(username: str, code: str):
    from django.contrib.auth import get_user_model

    from copro.web.survey.models import Coordinator

    user = get_user_model().objects.create_user(username, password=PASSWORD)
    Coordinator.objects.create(user=user, area_code=code)
    return user


def signed_in(username: str, second_factor: bool = True) -> Client:
    """A client signed in as ``username``, with a second factor given (as reading free text
    needs) unless ``second_factor`` is False."""
    from django.contrib.auth import get_user_model

    from tests.web.accounts_helpers import with_second_factor

    c = Client()
    r = c.post("/survey/login/", {"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.content[:300]
    if second_factor:
        with_second_factor(c, get_user_model().objects.get(username=username))
    return c


def sign_in_page(page, url: str, username: str, password: str = PASSWORD) -> None:
    """Sign a browser's ``page`` in through the survey's login form; waits for the manage
    page."""
    page.goto(url + "/survey/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    press(page, "Sign in")
    page.wait_for_url(url + "/survey/manage/")


def publish_all(page, on_check_page=None, confirm_signs: bool = True) -> None:
    """On a signed-in manage ``page``, publish every round that can be, through its check
    page (``on_check_page(page)`` called on each). Where the round-level checks found signs
    of one person answering many times, the coordinator's "publish anyway" confirmation is
    ticked when ``confirm_signs`` (rounds built by tests are often uniform on purpose)."""
    while page.get_by_role("link", name="Publish results").count():
        with page.expect_navigation():  # the check page, before its checkbox is looked for
            page.get_by_role("link", name="Publish results").first.click()
        if on_check_page is not None:
            on_check_page(page)
        signs = page.locator("#flags_seen")
        if confirm_signs and signs.count():
            signs.check()
        press(page, "Publish the results")
        assert "There is a problem" not in page.content(), page.locator("main").inner_text()


def random_answers(rng: random.Random, audience: str) -> dict:
    """Plausible answers for every question (some skipped), as form values."""
    out = {}
    for q in INST.questions_for(audience):
        if rng.random() < 0.1:
            continue
        if q.type == "single":
            out[q.id] = rng.choice(q.values)
        elif q.type == "multi":
            out[q.id] = [rng.choice([v for v in q.values if not q.option(v).exclusive])]
        elif q.type == "number":
            out[q.id] = str(rng.randint(0, 5))
        else:
            out[q.id] = "Being listened to. Call 07700 900123."
    if "requests_made" in out and "requests_agreed" in out and \
            int(out["requests_agreed"]) > int(out["requests_made"]):
        out["requests_agreed"] = out["requests_made"]
    return out


def answer(client: Client, code: str, audience: str, answers: dict, remote: str = "10.0.0.1"):
    """Fill in the survey page by page as a browser would, and send it; the final response."""
    extra = {"REMOTE_ADDR": remote}
    r = client.get(f"/survey/{code}/{audience}/", **extra)
    assert r.status_code == 200, r.status_code
    pages = [p.id for p, _ in INST.pages_for(audience)]
    url = f"/survey/{code}/{audience}/{pages[0]}/"
    while "/check/" not in url:
        page_id = url.rstrip("/").rsplit("/", 1)[1]
        data = {q.id: answers[q.id] for q in INST.questions_for(audience)
                if q.page == page_id and q.id in answers}
        r = client.post(url, data, **extra)
        assert r.status_code == 302, (url, r.status_code, r.content[:500])
        url = r["Location"]
    r = client.get(url, **extra)
    assert r.status_code == 200
    token = r.context["token"]
    return client.post(url, {"token": token}, **extra)


def publish(round_):
    """Close ``round_`` (if open) and publish it as a coordinator's confirmed click does."""
    from copro.web.survey import publishing

    if round_.closed_at is None:
        round_.closed_at = round_.opened_at
        round_.save(update_fields=["closed_at"])
    publishing.publish(round_.pk, round_.area_code)
    round_.refresh_from_db()
    return round_


def press(page, name: str, role: str = "button") -> None:
    """Press a form's button (or follow a link) and wait for the page it leads to: Playwright's
    click does not wait for the navigation it starts, so reading the page straight after a
    click can read the page before."""
    with page.expect_navigation():
        page.get_by_role(role, name=name).click()
