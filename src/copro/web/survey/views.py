"""The public survey for one LA and one audience, in GOV.UK's pattern: a start page, short
question pages with an error summary and a back link, check your answers, confirmation. No
JavaScript; answers in progress are kept in the session until submitted.

Shared devices: every survey page is sent with ``Cache-Control: no-store`` (the browser keeps
no copy to show the next person), answers in progress are forgotten after
``COPRO_SURVEY_IDLE_MINUTES`` without a page sent (the session cookie expires then too), and
the confirmation page ends the session. An answer begun while the round was open is still
taken for ``COPRO_SURVEY_GRACE_MINUTES`` after the round closes."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from copro.stats import survey as st
from copro.survey.answers import clean_answer, clean_answers, is_shown
from copro.survey.instrument import AUDIENCES, load_instrument
from copro.web.survey import config, invitations, security, store
from copro.web.survey.models import Round

HONEYPOT = "website"
#: An answer with no question answered is refused: it would count towards the 10 a figure needs
NOTHING_ANSWERED = "Answer at least one question before you send your answers"


def _notice_filled(view):
    """The survey is served only once its privacy notice names who runs it and how to contact
    them (COPRO_SURVEY_CONTROLLER and COPRO_SURVEY_CONTACT): until then its pages and the
    notice say it is not open yet, with what the site's operator must set (503). The public
    notice never shows template text."""
    from functools import wraps

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if config.notice_is_template():
            return render(request, "survey/not_ready.html", {
                "page_title": "The survey is not open yet",
                "missing": config.notice_missing()}, status=503)
        return view(request, *args, **kwargs)

    return wrapped


def _survey(code: str, audience: str, request=None):
    """The LA's name and the round an answer goes to (or None); 404 for an unknown LA or
    audience. The round is the open one; after it closes, for ``grace_minutes``, the round a
    respondent began answering while it was open (remembered in their session)."""
    if audience not in AUDIENCES:
        raise Http404("No such survey")
    code = code.upper()
    name = store.local_authorities().get(code)
    if name is None:
        raise Http404("No such local authority")
    round_ = store.open_round(code)
    if round_ is None and request is not None:
        round_ = _grace_round(request, code, audience)
    return code, name, round_


def _grace_round(request, code, audience) -> Round | None:
    """The round this respondent began while it was open, if it closed less than the grace
    period ago (and is not an imported one)."""
    state = _state(request, code, audience)
    if not state.get("round") or not state.get("started"):
        return None
    r = Round.objects.filter(pk=state["round"], area_code=code, imported=False,
                             closed_at__isnull=False).first()
    if r is None:
        return None
    began = datetime.fromtimestamp(state["started"], tz=UTC)
    grace = timedelta(minutes=config.grace_minutes())
    if began < r.closed_at and timezone.now() <= r.closed_at + grace:
        return r
    return None


def _key(code: str, audience: str) -> str:
    return f"survey:{code}:{audience}"


def _state(request, code, audience) -> dict:
    """Answers in progress, forgotten once idle for longer than ``idle_minutes``."""
    state = request.session.get(_key(code, audience))
    if state and time.time() - state.get("touched", 0) > config.idle_minutes() * 60:
        request.session.pop(_key(code, audience), None)
        state = None
    return state or {"answers": {}, "raw": {}}


def _save_state(request, code, audience, state, round_=None) -> None:
    now = time.time()
    state = {**state, "touched": now}
    if round_ is not None and state.get("round") != round_.pk:
        state["round"], state["started"] = round_.pk, now
    request.session[_key(code, audience)] = state
    if not request.user.is_authenticated:
        # a respondent's session (and its cookie) ends after the same idle time
        request.session.set_expiry(config.idle_minutes() * 60)


def _seconds(state: dict) -> int | None:
    """Seconds from the first survey page to now (None if not known)."""
    started = state.get("started")
    return max(0, int(time.time() - started)) if started else None


def _sender(request, round_, code) -> dict:
    """How an answer is stored for who sends it: a signed-in coordinator of this LA (or an
    administrator) typing in a paper form (never limited, no connection kept, recorded as
    entered by them); a connection with a venue window open (not limited, marked); anyone
    else (limited per connection)."""
    user = request.user
    if user.is_authenticated:
        coordinator = getattr(user, "survey_coordinator", None)
        if (coordinator is not None and coordinator.area_code == code) or user.is_superuser:
            return {"client": "", "entered_by": user, "source": "paper"}
    client = security.client_hash(request, f"round:{round_.pk}")
    return {"client": client, "venue": security.venue_window(round_, client)}


def _store(request, round_, code, audience, answers, token, seconds, code_hash):
    sender = _sender(request, round_, code)
    try:
        return store.save_response(round_, audience, answers, token=token, limited=True,
                                   seconds=seconds, code=code_hash, **sender)
    except security.TooManySubmissions:
        security.record_turned_away(round_.pk)
        raise


def _busy(request, name, busy):
    """A kind page when the connection (often a venue's shared Wi-Fi) has sent the round its
    hour's share of answers: the answers stay on the device, and the page says when to try."""
    return render(request, "survey/too_many.html", {
        "page_title": "Lots of answers from this connection", "area_name": name,
        "retry_at": busy.retry_at, "idle_minutes": config.idle_minutes(),
        "start": reverse("survey:start", args=[request.resolver_match.kwargs["code"].upper(),
                                               request.resolver_match.kwargs["audience"]])},
        status=429)


def _code_refused(request, name, code, audience, message):
    return render(request, "survey/code_refused.html", {
        "page_title": "Your code cannot be used", "area_name": name, "code": code,
        "audience_id": audience, "message": message}, status=409)


def _end_session(request, code, audience) -> None:
    """After sending: nothing of the answers is left for the next person on the device."""
    if request.user.is_authenticated:
        request.session.pop(_key(code, audience), None)  # a coordinator stays signed in
    else:
        request.session.flush()


#: No copy of a survey page is kept by the browser or any cache (shared devices):
#: ``Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private``.
_no_store = never_cache


def _easy(request) -> bool:
    if "easy" in request.GET:
        request.session["survey:easy"] = request.GET["easy"] == "1"
    return bool(request.session.get("survey:easy"))


def _pages(instrument, audience, answers):
    """The pages this respondent sees, given the answers so far (a page whose questions are
    all hidden by their condition is skipped)."""
    return [(page, qs) for page, qs in instrument.pages_for(audience)
            if any(is_shown(q, answers) for q in qs)]


def _closed(request, code, name, audience):
    return render(request, "survey/closed.html", {
        "page_title": f"The {name} survey is not open", "area_name": name, "code": code,
        "audience": audience}, status=404)


@_no_store
@require_safe
@_notice_filled
def start(request, code, audience):
    code, name, round_ = _survey(code, audience, request)
    if round_ is None:
        return _closed(request, code, name, audience)
    state = _state(request, code, audience)
    code_error = None
    if request.GET.get("code"):  # a personal code works in any round
        try:
            state["code"] = invitations.check_code(round_, audience, request.GET["code"])
        except invitations.CodeRefused as exc:
            code_error = str(exc)
    _save_state(request, code, audience, state, round_)
    instrument = load_instrument(round_.instrument_version)
    pages = _pages(instrument, audience, {})
    return render(request, "survey/start.html", {
        "page_title": ("Error: " if code_error else "") + f"{name}: {instrument.title}",
        "area_name": name, "code": code, "forum": _forum(code),
        "audience": instrument.audiences[audience], "audience_id": audience,
        "instrument": instrument, "easy": _easy(request),
        "needs_code": round_.access == "codes" and not state.get("code"),
        "code_error": code_error, "cleared": request.GET.get("cleared") == "1",
        "code_accepted": bool(state.get("code")) and round_.access != "codes",
        "has_answers": bool(state.get("raw")),
        "check": reverse("survey:check", args=[code, audience]),
        "first": reverse("survey:page", args=[code, audience, pages[0][0].id]),
        "description": f"An anonymous survey about EHC needs assessment requests in {name}."},
        status=400 if code_error else 200)


def _forum(code: str) -> str:
    """The parent carer forum running the LA's survey (its coordinator's, if named)."""
    from copro.web.survey.models import Coordinator

    return Coordinator.objects.filter(area_code=code, user__is_active=True).exclude(
        forum="").values_list("forum", flat=True).first() or ""


def _without_code(round_, state) -> bool:
    """A round answered only with a code, and this respondent has not given one."""
    return round_.access == "codes" and not state.get("code")


@_no_store
@require_http_methods(["GET", "HEAD", "POST"])
@_notice_filled
def page(request, code, audience, page_id):
    code, name, round_ = _survey(code, audience, request)
    if round_ is None:
        return _closed(request, code, name, audience)
    instrument = load_instrument(round_.instrument_version)
    easy = _easy(request)
    state = _state(request, code, audience)
    if _without_code(round_, state):
        return HttpResponseRedirect(reverse("survey:start", args=[code, audience]))
    pages = _pages(instrument, audience, state["answers"])
    index = next((i for i, (p, _) in enumerate(pages) if p.id == page_id), None)
    if index is None:
        raise Http404("No such page")
    page_, questions = pages[index]
    questions = [q for q in questions if is_shown(q, state["answers"])]
    errors: dict[str, str] = {}
    raw = dict(state.get("raw", {}))
    if request.method == "POST":
        for q in questions:
            value = (request.POST.getlist(q.id) if q.type == "multi"
                     else request.POST.get(q.id, ""))
            raw[q.id] = value
            cleaned, error = clean_answer(q, value)
            if error:
                errors[q.id] = error
        if not errors:
            answers, errors = clean_answers(instrument, audience, raw)
            errors = {k: v for k, v in errors.items() if k in {q.id for q in questions}}
        if not errors:
            state = {**state, "answers": answers, "raw": raw, "token": state.get("token")}
            _save_state(request, code, audience, state, round_)
            pages = _pages(instrument, audience, answers)
            index = next(i for i, (p, _) in enumerate(pages) if p.id == page_id)
            if request.GET.get("change") == "1" or index + 1 >= len(pages):
                return HttpResponseRedirect(reverse("survey:check", args=[code, audience]))
            return HttpResponseRedirect(reverse("survey:page", args=[
                code, audience, pages[index + 1][0].id]))
    if request.method != "POST":
        _save_state(request, code, audience, state, round_)  # active: not idle
    back = (reverse("survey:page", args=[code, audience, pages[index - 1][0].id])
            if index > 0 else reverse("survey:start", args=[code, audience]))
    fields = [_field(q, audience, raw.get(q.id), errors.get(q.id), easy) for q in questions]
    title = page_.easy_read if easy else page_.title
    return render(request, "survey/page.html", {
        "page_title": ("Error: " if errors else "") + f"{title} – {name} survey",
        "area_name": name, "code": code, "audience_id": audience, "title": title,
        "fields": fields, "errors": [(f"q-{k}", v) for k, v in errors.items()],
        "back": back, "step": index + 1, "steps": len(pages), "easy": easy,
        "honeypot": HONEYPOT}, status=400 if errors else 200)


def _field(q, audience, raw, error, easy):
    """A question ready for the template: its wording and options with what was chosen."""
    chosen = set(raw if isinstance(raw, list) else [raw] if raw else [])
    return {
        "id": q.id, "type": q.type, "text": q.easy_read if easy else q.text(audience),
        "hint": q.hint, "error": error, "value": raw if isinstance(raw, str) else "",
        "max_length": q.max_length, "free_text": q.free_text,
        "options": [{"value": o.value, "label": o.easy_read if easy else o.label,
                     "checked": o.value in chosen, "exclusive": o.exclusive}
                    for o in q.options],
    }


def _display(q, value, audience, easy) -> str:
    if value is None:
        return "Not answered"
    if q.type == "single":
        o = q.option(value)
        return o.easy_read if easy else o.label
    if q.type == "multi":
        return ", ".join((q.option(v).easy_read if easy else q.option(v).label) for v in value)
    return str(value)


@_no_store
@require_http_methods(["GET", "HEAD", "POST"])
@_notice_filled
def check(request, code, audience):
    code, name, round_ = _survey(code, audience, request)
    if round_ is None:
        return _closed(request, code, name, audience)
    instrument = load_instrument(round_.instrument_version)
    easy = _easy(request)
    state = _state(request, code, audience)
    if _without_code(round_, state):
        return HttpResponseRedirect(reverse("survey:start", args=[code, audience]))
    if request.method == "POST":
        if request.POST.get(HONEYPOT):
            # a bot filled the hidden field: thank it, store nothing
            _end_session(request, code, audience)
            return HttpResponseRedirect(reverse("survey:done", args=[code, audience]))
        token = (request.POST.get("token") or state.get("token") or "")[:64] or None
        if not state.get("raw"):
            # nothing in progress: a repeated submission (already stored) or an expired session
            if token and store.Response.objects.filter(submission_token=token).exists():
                return HttpResponseRedirect(reverse("survey:done", args=[code, audience]))
            return HttpResponseRedirect(reverse("survey:start", args=[code, audience]))
        # the answers are checked again as a whole (a page may have been changed since)
        cleaned, errors = clean_answers(instrument, audience, state.get("raw", {}))
        if errors:
            first = instrument.question(next(iter(errors)))
            return HttpResponseRedirect(reverse("survey:page", args=[code, audience,
                                                                     first.page]))
        if not cleaned:
            return _check_page(request, code, name, audience, instrument, state, easy,
                               error=NOTHING_ANSWERED)
        try:
            _store(request, round_, code, audience, cleaned, token, _seconds(state),
                   state.get("code"))
        except security.TooManySubmissions as busy:
            return _busy(request, name, busy)
        except invitations.CodeRefused as exc:
            if token and store.Response.objects.filter(submission_token=token).exists():
                return HttpResponseRedirect(reverse("survey:done", args=[code, audience]))
            return _code_refused(request, name, code, audience, str(exc))
        _end_session(request, code, audience)
        return HttpResponseRedirect(reverse("survey:done", args=[code, audience]))
    if not state.get("token"):
        state["token"] = secrets.token_hex(16)
    _save_state(request, code, audience, state, round_)
    return _check_page(request, code, name, audience, instrument, state, easy)


def _check_page(request, code, name, audience, instrument, state, easy, error=None):
    """Check your answers: each question shown with the answer and a link to change it."""
    answers = state["answers"]
    rows = []
    for page_, questions in _pages(instrument, audience, answers):
        for q in questions:
            if is_shown(q, answers):
                rows.append({"question": q.easy_read if easy else q.text(audience),
                             "answer": _display(q, answers.get(q.id), audience, easy),
                             "change": reverse("survey:page", args=[code, audience, page_.id])
                             + "?change=1", "id": q.id})
    pages = _pages(instrument, audience, answers)
    return render(request, "survey/check.html", {
        "page_title": ("Error: " if error else "") + f"Check your answers – {name} survey",
        "area_name": name, "code": code,
        "audience_id": audience, "rows": rows, "token": state.get("token", ""),
        "back": reverse("survey:page", args=[code, audience, pages[-1][0].id]),
        "first_page": reverse("survey:page", args=[code, audience, pages[0][0].id]),
        "honeypot": HONEYPOT, "error": error}, status=400 if error else 200)


@_no_store
@require_http_methods(["GET", "HEAD", "POST"])
@_notice_filled
def one_page(request, code, audience):
    """Every question on one page with one button: for entering paper forms, and for people
    who prefer to see the whole survey at once. The same checks as the page-by-page form; a
    question whose condition is not met is dropped, as there."""
    code, name, round_ = _survey(code, audience, request)
    if round_ is None:
        return _closed(request, code, name, audience)
    if request.method != "POST":  # remembered for the grace period, if the round closes
        _save_state(request, code, audience, _state(request, code, audience), round_)
    instrument = load_instrument(round_.instrument_version)
    easy = _easy(request)
    errors: dict[str, str] = {}
    raw: dict = {}
    token = secrets.token_hex(16)
    if request.method == "POST":
        if request.POST.get(HONEYPOT):
            return HttpResponseRedirect(reverse("survey:done", args=[code, audience]))
        for q in instrument.questions_for(audience):
            raw[q.id] = (request.POST.getlist(q.id) if q.type == "multi"
                         else request.POST.get(q.id, ""))
        answers, errors = clean_answers(instrument, audience, raw)
        if not errors and not answers:
            first = instrument.questions_for(audience)[0]
            errors[first.id] = NOTHING_ANSWERED
        token = (request.POST.get("token") or "")[:64] or token
        code_hash = None
        if (round_.access == "codes" or request.POST.get("code")) and not errors:
            try:
                code_hash = invitations.check_code(round_, audience,
                                                   request.POST.get("code", ""))
            except invitations.CodeRefused as exc:
                errors["code"] = str(exc)
        if not errors:
            try:
                _store(request, round_, code, audience, answers, token,
                       _seconds(_state(request, code, audience)), code_hash)
            except security.TooManySubmissions as busy:
                return _busy(request, name, busy)
            except invitations.CodeRefused as exc:
                return _code_refused(request, name, code, audience, str(exc))
            _end_session(request, code, audience)
            return HttpResponseRedirect(reverse("survey:done", args=[code, audience]))
    sections = [{"title": page_.easy_read if easy else page_.title,
                 "fields": [_field(q, audience, raw.get(q.id), errors.get(q.id), easy)
                            for q in qs]}
                for page_, qs in instrument.pages_for(audience)]
    return render(request, "survey/one_page.html", {
        "page_title": ("Error: " if errors else "") + f"{name} survey on one page",
        "area_name": name, "code": code, "audience_id": audience, "sections": sections,
        "errors": [(f"q-{k}", v) for k, v in errors.items()], "token": token,
        "needs_code": round_.access == "codes", "code_error": errors.get("code"),
        "code_value": request.POST.get("code", "")[:40],
        "back": reverse("survey:start", args=[code, audience]), "honeypot": HONEYPOT},
        status=400 if errors else 200)


@_no_store
@require_POST
def clear(request, code, audience):
    """"Clear my answers" (a shared device): the answers in progress are forgotten (for someone
    not signed in, the whole session ends), nothing is sent, and the start page says so."""
    code, _, _ = _survey(code, audience)
    _end_session(request, code, audience)
    return HttpResponseRedirect(reverse("survey:start", args=[code, audience]) + "?cleared=1")


@_no_store
@require_safe
def done(request, code, audience):
    code, name, _ = _survey(code, audience)
    _end_session(request, code, audience)
    return render(request, "survey/done.html", {
        "page_title": f"Thank you – {name} survey", "area_name": name, "code": code,
        "audience_id": audience})


@require_safe
def index(request):
    """The survey's landing page: what it is, where a round is open (with a link for each
    audience), which LAs have published results, the illusion gap and the privacy notice."""
    from copro.web.survey.models import Round

    instrument = load_instrument()
    names = store.local_authorities()
    open_codes = sorted({r.area_code for r in Round.objects.filter(closed_at__isnull=True)},
                        key=lambda c: names.get(c, c))
    published = sorted({r.area_code for r in Round.objects.filter(
        published_at__isnull=False)}, key=lambda c: names.get(c, c))
    return render(request, "survey/index.html", {
        "page_title": "The co-production survey", "instrument": instrument,
        "description": "An anonymous survey of families and professionals about how decisions "
                       "on EHC needs assessment requests are made, local authority by local "
                       "authority.",
        "audiences": [instrument.audiences[a] for a in AUDIENCES],
        "open": [{"code": c, "name": names.get(c, c),
                  "links": [(instrument.audiences[a].label,
                             reverse("survey:start", args=[c, a])) for a in AUDIENCES]}
                 for c in open_codes],
        "published": [{"code": c, "name": names.get(c, c)} for c in published],
        "min_answers": st.MIN_ANSWERS})


@require_safe
@_notice_filled
def privacy(request):
    from django.conf import settings

    from copro.web.survey import config

    return render(request, "survey/privacy.html", {
        "idle_minutes": config.idle_minutes(), "session_minutes": settings.SESSION_IDLE_MINUTES,
        "page_title": "Privacy notice: the co-production survey",
        "retention_days": config.retention_days(), "controller": config.controller(),
        "contact": config.contact()})
