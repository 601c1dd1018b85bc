"""Coordinators: log in (attempts limited, then locked out), open and close their LA's survey
rounds, publish a closed round's results, share the links (with QR codes), see their LA's
results and download its answers. Every view checks, on the server, that the user coordinates
the LA it acts on (or is a site administrator)."""

from __future__ import annotations

import io
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from copro.render.cells import neutralise_row, write_csv
from copro.stats import survey as st
from copro.survey.instrument import AUDIENCES, CURRENT_VERSION, load_instrument
from copro.web.accounts import audit
from copro.web.accounts.twofactor import second_factor_needed
from copro.web.survey import config, publishing, store, tally
from copro.web.survey.models import Response, Round


def _area_for(request, code: str | None = None) -> str:
    """The LA this user may manage: a coordinator's own (any other code is refused); an
    administrator's choice. Anyone else is sent to log in."""
    user = request.user
    if not user.is_authenticated:
        raise _LoginRequired()
    coordinator = getattr(user, "survey_coordinator", None)
    if user.is_superuser or user.is_staff and coordinator is None:
        code = (code or "").upper()
        if code not in store.local_authorities():
            raise Http404("Choose a local authority")
        return code
    if coordinator is None:
        raise PermissionDenied("This account does not coordinate a survey")
    if code is not None and code.upper() != coordinator.area_code:
        raise PermissionDenied("You coordinate another local authority's survey")
    return coordinator.area_code


class _LoginRequired(Exception):
    pass


def _guard(view):
    """Signed in (else to the sign-in page); an administrator also with a second factor, on
    every management page: their account manages every LA's rounds."""

    def wrapped(request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and (user.is_staff or user.is_superuser) and \
                (redirect := second_factor_needed(request)) is not None:
            return redirect
        try:
            return view(request, *args, **kwargs)
        except _LoginRequired:
            return HttpResponseRedirect(reverse("survey:login") + "?next=" + request.path)

    wrapped.__name__ = view.__name__
    return never_cache(wrapped)


#: Where the sign-in page may send people on: the survey's management, the admin (which has
#: no sign-in page of its own) and the second factor's pages
_NEXT_PREFIXES = ("/survey/manage/", "/admin/", "/accounts/two-factor/")


def _after_login(request) -> str:
    target = request.POST.get("next") or request.GET.get("next", "")
    if target.startswith(_NEXT_PREFIXES) and "//" not in target and "\\" not in target:
        return target
    return reverse("survey:manage")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request):
    """The one sign-in page (the admin's sends people here), throttled by
    copro.web.accounts.signin."""
    from copro.web.accounts import signin, unlock

    error = None
    username = ""
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        outcome = signin.check_password(request, username, request.POST.get("password", ""))
        if outcome.user is not None:
            login(request, outcome.user)  # a new session key: no session fixation
            return HttpResponseRedirect(_after_login(request))
        error, status = outcome.error, outcome.status
    return render(request, "survey/login.html", {
        "page_title": ("Error: " if error else "") + "Sign in to manage a survey",
        "error": error, "username": username,
        "unlocked": bool(request.session.get(unlock.SESSION_KEY))}, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return HttpResponseRedirect(reverse("survey:login"))


def _survey_link(request, path: str) -> str:
    """A survey's address to hand out (on slips, in QR codes, to copy into an email):
    COPRO_SITE_URL, else the address this page was reached at."""
    from copro.web.accounts.find import site_address

    return site_address(request) + path


def _links(request, code):
    return [(a, load_instrument().audiences[a].label,
             _survey_link(request, reverse("survey:start", args=[code, a])))
            for a in AUDIENCES]


@_guard
@require_safe
def manage(request):
    code = _area_for(request, request.GET.get("la"))
    rounds = list(Round.objects.filter(area_code=code))
    counts = tally.tallies(Response.objects.filter(area_code=code))
    every = tally.tally(Response.objects.filter(area_code=code))
    results = store.coordinator_results(code)
    current = store.open_round(code)
    from copro.web.survey.models import TurnedAway, VenueWindow

    now = timezone.now()
    return render(request, "survey/manage.html", {
        "venues": list(VenueWindow.objects.filter(round=current, ends_at__gt=now))
        if current else [],
        "turned_away": list(TurnedAway.objects.filter(round__area_code=code,
                                                      round__closed_at__isnull=True)
                            .order_by("-hour")[:24]),
        "venue_hours": VENUE_HOURS, "rate_limit": _rate_limit(),
        "mergeable": _mergeable(code),
        "page_title": f"Manage the {store.local_authorities()[code]} survey",
        "code": code, "area_name": store.local_authorities()[code],
        "rounds": [(r, counts.get(r.pk, tally.Tally())) for r in rounds],
        "open_round": store.open_round(code), "every": every,
        "links": _links(request, code), "results": results,
        "levels": [(load_instrument().audiences[a].label, results.level(code, a), every[a])
                   for a in AUDIENCES],
        "instrument": load_instrument(), "admin_choice": request.GET.get("la")})


def _redirect_manage(code, request):
    url = reverse("survey:manage")
    if request.user.is_staff and not hasattr(request.user, "survey_coordinator"):
        url += f"?la={code}"
    return HttpResponseRedirect(url)


@_guard
@require_POST
def open_round(request):
    """Open a round, unless one is open: the database holds at most one open round per LA (a
    partial unique constraint), so simultaneous requests open one between them."""
    code = _area_for(request, request.POST.get("la"))
    if store.open_round(code) is None:
        try:
            with transaction.atomic():  # the round and its audit entry, or neither
                r = Round.objects.create(area_code=code, instrument_version=CURRENT_VERSION,
                                         opened_by=request.user,
                                         label=request.POST.get("label", "")[:100],
                                         access="codes" if request.POST.get("access") == "codes"
                                         else "open")
                audit.record(audit.ROUND_OPENED, request=request, area_code=code,
                             subject=f"round {r.pk}")
        except IntegrityError:
            pass  # another request opened one at the same moment: that one is the open round
    return _redirect_manage(code, request)


def _round_for(request, round_id) -> tuple[str, Round]:
    code = _area_for(request, request.POST.get("la") or request.GET.get("la"))
    r = Round.objects.filter(pk=round_id, area_code=code).first()
    if r is None:
        raise Http404("No such round for this local authority")
    return code, r


def _confirmed(request) -> bool:
    """A change made only from its check page's button (GOV.UK's 'check' pattern)."""
    return request.method == "POST" and request.POST.get("confirm") == "yes"


def _check_page(request, code, r, action: str, context: dict, status: int = 200):
    return render(request, f"survey/confirm_{action}.html", {
        "page_title": context.pop("page_title"), "code": code, "round": r,
        "area_name": store.local_authorities()[code],
        "la": request.POST.get("la") or request.GET.get("la") or "",
        "back": _redirect_manage(code, request)["Location"], **context}, status=status)


def _audience_rows(t: tally.Tally) -> list[tuple[str, tally.Count]]:
    inst = load_instrument()
    return [(inst.audiences[a].label, t[a]) for a in AUDIENCES]


@_guard
@require_http_methods(["GET", "HEAD", "POST"])
def close_round(request, round_id):
    """Check page, then close: the survey links then say "not open", and answers begun before
    closing are taken for a short grace period."""
    code, r = _round_for(request, round_id)
    if r.closed_at is not None or r.imported:
        return _redirect_manage(code, request)
    if _confirmed(request):
        with transaction.atomic():  # one audit entry for the one request that closed it
            if Round.objects.filter(pk=r.pk, closed_at__isnull=True).update(
                    closed_at=timezone.now()):
                audit.record(audit.ROUND_CLOSED, request=request, area_code=code,
                             subject=f"round {r.pk}")
        return _redirect_manage(code, request)
    return _check_page(request, code, r, "close", {
        "page_title": "Are you sure you want to close this round?",
        "audiences": _audience_rows(tally.round_tally(r)),
        "grace_minutes": config.grace_minutes()})


@_guard
@require_POST
def reopen_round(request, round_id):
    """Reopen a round closed by mistake (not published, no other round open)."""
    code, r = _round_for(request, round_id)
    if r.published_at is not None or r.imported:
        raise PermissionDenied("A published or imported round cannot be reopened")
    if r.closed_at is not None:
        try:
            # conditional on the round being still closed and unpublished, and atomic with its
            # audit entry: of simultaneous requests, the one that reopens it logs it
            with transaction.atomic():
                if Round.objects.filter(pk=r.pk, closed_at__isnull=False,
                                        published_at__isnull=True, imported=False).update(
                        closed_at=None):
                    audit.record(audit.ROUND_REOPENED, request=request, area_code=code,
                                 subject=f"round {r.pk}")
        except IntegrityError:
            return _check_page(request, code, r, "reopen", {
                "page_title": "Error: another round is open",
                "error": "Another round is open. Close it before reopening this one."},
                status=409)
    return _redirect_manage(code, request)


@_guard
@require_http_methods(["GET", "HEAD", "POST"])
def publish_round(request, round_id):
    """Check page, then publish a closed round's results (never an open one: figures that
    change while answers arrive could be differenced to reveal one person's answers). Only
    audiences with at least 10 answers are published (:mod:`copro.web.survey.publishing`)."""
    code, r = _round_for(request, round_id)
    if r.is_open:
        raise PermissionDenied("Close the round before publishing its results")
    p = publishing.plan(r)
    error = None
    report = _report(r)
    flags = [f for f in report.findings if f.kind in ROUND_FLAGS]
    if _confirmed(request) and flags and request.POST.get("flags_seen") != "yes":
        error = ("This round has signs that one person answered many times, or answers far "
                 "from earlier rounds. Look at them on "
                 "the round's checks page, or confirm that you have and publish anyway.")
    elif _confirmed(request):
        try:
            with transaction.atomic():  # published and logged, or neither
                publishing.publish(r.pk, code)
                audit.record(audit.ROUND_PUBLISHED, request=request, area_code=code,
                             subject=f"round {r.pk}", detail=(
                                 "with unresolved signs confirmed: " + "; ".join(
                                     f"{f.kind} ({len(f.responses)} answers)" for f in flags)
                                 if flags else ""))
            return _redirect_manage(code, request)
        except publishing.PublishRefused as exc:
            error = str(exc)
    elif not p.possible:
        error = p.reason
    inst = load_instrument()
    grace_ends = (r.closed_at + timedelta(minutes=config.grace_minutes())
                  if r.closed_at and not r.imported else None)
    return _check_page(request, code, r, "publish", {
        "page_title": ("Error: " if error else "") + "Check before you publish",
        "error": error, "possible": p.possible and not error,
        "audiences": [(inst.audiences[a].label, p.tally[a], a in p.shown)
                      for a in AUDIENCES], "left_out": p.tally.total,
        "min_answers": st.MIN_ANSWERS, "set_aside": p.set_aside, "flags": flags,
        "effects": [e.description() for e in report.effects] if flags else [],
        "checks": reverse("survey:checks", args=[r.pk]),
        "grace_ends": grace_ends if grace_ends and grace_ends > timezone.now() else None},
        status=400 if error and request.method == "POST" else 200)


#: Findings about the round as a whole: publishing with one unresolved needs a confirmation
ROUND_FLAGS = ("cluster", "arrival", "shift", "answer_burst")


def _report(r: Round, rows=None):
    """The anomaly report of the round's answers not set aside."""
    from copro.survey.anomalies import Submission, anomaly_report
    from copro.web.survey.round_history import round_history

    if rows is None:
        rows = list(Response.objects.filter(round=r).values_list(*_ROWS))
    return anomaly_report([Submission(i, a, c, at, sec, ans)
                           for i, a, c, at, sec, ans, aside, _ in rows if aside is None],
                          free_text=(store.FREE_TEXT,), opened_at=r.opened_at,
                          now=r.closed_at or timezone.now(), history=round_history(r))


_ROWS = ("id", "audience", "client_hash", "submitted_at", "seconds_to_complete", "answers",
         "set_aside_at", "set_aside_reason")


@_guard
@require_safe
def round_checks(request, round_id):
    """The round's anomaly report (:mod:`copro.survey.anomalies`): bursts, identical and
    near-identical answers, one connection's share, time to complete, the round as a whole;
    the answers each names listed by answer ID (as in the download), with venue answers and
    paper forms marked; one answer or a group set aside (after a check page that says what it
    does to what can be published), duplicates counted again, answers put back, until the
    round is published."""
    code, r = _round_for(request, round_id)
    rows = list(Response.objects.filter(round=r).values_list(*_ROWS))
    report = _report(r, rows)
    aside: dict[str, list[int]] = {}
    for i, *_, at, reason in rows:
        if at is not None:
            aside.setdefault(reason, []).append(i)
    kinds: dict[int, list[str]] = {}
    for f in report.findings:
        for i in f.responses:
            kinds.setdefault(i, []).append(FINDING_NAMES.get(f.kind, f.kind))
    marks = _marks(r)
    inst = load_instrument()
    flagged = [{"id": i, "audience": inst.audiences[a].label, "at": at,
                "kinds": kinds[i], "mark": marks.get(i, "")}
               for i, a, _, at, *_ in rows if i in kinds]
    duplicates = list(Response.objects.filter(round=r, possible_duplicate=True,
                                              set_aside_at__isnull=True)
                      .values_list("id", flat=True))
    venues = [(v, v.answers.count()) for v in r.venues.all()]
    return render(request, "survey/checks.html", {
        "page_title": "Check the answers for signs of one person answering many times",
        "code": code, "round": r, "area_name": store.local_authorities()[code],
        "report": report, "set_aside": sorted(aside.items()), "flagged": flagged,
        "duplicates": duplicates, "venues": venues,
        "counts": _audience_rows(tally.round_tally(r)),
        "done": [str(m) for m in messages.get_messages(request)],
        "la": request.GET.get("la", ""), "editable": r.published_at is None,
        "back": _redirect_manage(code, request)["Location"]})


#: The findings' kinds in words (the flagged answers' table)
FINDING_NAMES = {"burst": "many at once", "identical": "identical answers",
                 "near_identical": "nearly identical answers",
                 "one_connection": "one connection's share", "fast": "sent very fast",
                 "cluster": "one pattern of answers", "arrival": "busiest hour",
                 "shift": "far from earlier rounds", "answer_burst": "one answer at once"}


def _marks(r: Round) -> dict[int, str]:
    """Answers typed in by a coordinator or sent through a venue window, in words."""
    out = {}
    for i, user, venue in Response.objects.filter(round=r).filter(
            Q(entered_by__isnull=False) | Q(venue__isnull=False)).values_list(
            "id", "entered_by__username", "venue__label"):
        out[i] = (f"paper form typed in by {user}" if user else
                  f"venue answer ({venue or 'venue window'})")
    return out


def _ids(request) -> list[int]:
    try:
        ids = [int(x) for x in request.POST.get("ids", "").split(",") if x.strip()]
        ids += [int(x) for x in request.POST.getlist("id")]
    except ValueError:
        raise Http404("No such answers") from None
    return sorted(set(ids))


def _publishing_effect(r: Round, ids: list[int]) -> list[str]:
    """What setting ``ids`` aside would do to what can be published, audience by audience."""
    inst = load_instrument()
    before = tally.round_tally(r)
    after = tally.tally(Response.objects.filter(round=r).exclude(pk__in=ids))
    out = []
    for a in AUDIENCES:
        b, n = before[a].counted, after[a].counted
        if b == n:
            continue
        who = inst.audiences[a].label.lower()
        line = (f"{who.capitalize()}: {b} answers counted now; setting "
                f"{'this' if len(ids) == 1 else 'these'} aside leaves {n}")
        if st.shown(b) and not st.shown(n):
            line += (f": under {st.MIN_ANSWERS}, nothing for {who} would be published from "
                     "this round")
        elif not st.shown(n):
            line += f": still under {st.MIN_ANSWERS}, nothing for {who} would be published"
        else:
            line += f": the figures for {who} can still be published"
        out.append(line)
    return out


@_guard
@require_POST
def set_aside(request, round_id):
    """Set answers of the round aside (kept, never deleted; left out of the results and of
    publication), put them back, or count possible duplicates again. Not once the round is
    published: its figures are fixed. Setting aside goes through a check page that says what
    it does to what can be published; a confirmation follows."""
    code, r = _round_for(request, round_id)
    if r.published_at is not None:
        raise PermissionDenied("This round is published: its answers can no longer be set aside")
    ids = _ids(request)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")[:200] or "set aside"
    if action not in ("restore", "count") and not _confirmed(request):
        if not ids:
            messages.info(request, "Tick the answers to set aside first: nothing was changed.")
            return HttpResponseRedirect(_checks_url(r, code, request))
        return _check_page(request, code, r, "set_aside", {
            "page_title": f"Set aside {len(ids)} answer{'s' if len(ids) != 1 else ''}?",
            "ids": ids, "reason": reason, "effects": _publishing_effect(r, ids),
            "back": _checks_url(r, code, request)})
    # The round locked for the change (as publishing locks it), so that two coordinators or two
    # tabs acting at once take turns and a publication cannot slip in between; only answers of
    # a round still unpublished, checked under the lock; the change with its audit entry in
    # one transaction; nothing changed, nothing logged. The update filters on the answers' own
    # columns, no join: PostgreSQL checks a row's set-aside state again once the other
    # request's lock is released, which it does not for a row picked out by a joined subquery.
    with transaction.atomic():
        if not Round.objects.select_for_update().filter(
                pk=r.pk, published_at__isnull=True).exists():
            raise PermissionDenied("This round is published: its answers can no longer be set "
                                   "aside")
        answers = Response.objects.filter(round_id=r.pk, pk__in=ids)
        if action == "restore":
            n = answers.filter(set_aside_at__isnull=False).update(set_aside_at=None,
                                                                  set_aside_reason="")
            detail = f"{n} answer(s) put back"
        elif action == "count":
            n = answers.filter(possible_duplicate=True).update(possible_duplicate=False)
            detail = f"{n} possible duplicate(s) counted again"
        else:
            n = answers.filter(set_aside_at__isnull=True).update(
                set_aside_at=timezone.now(), set_aside_reason=reason)
            detail = f"{n} answer(s) set aside"
        if n:
            audit.record(audit.SET_ASIDE, request=request, area_code=code,
                         subject=f"round {r.pk}", detail=detail)
    done = {"restore": f"{n} answer{'s' if n != 1 else ''} put back.",
            "count": f"{n} answer{'s' if n != 1 else ''} counted again."}.get(
        action, _set_aside_done(n, ids))
    messages.success(request, done)
    return HttpResponseRedirect(_checks_url(r, code, request))


def _set_aside_done(n: int, ids: list[int]) -> str:
    """What setting ``ids`` aside did, when ``n`` of them were set aside by this request (the
    others already were: by another coordinator, another tab or an earlier click)."""
    if n == 0:
        return (f"Nothing changed: {'that answer was' if len(ids) == 1 else 'those answers were'}"
                " already set aside.")
    listed = f"{', '.join(map(str, ids[:20]))}{'…' if len(ids) > 20 else ''}"
    if n == len(ids):
        return f"{n} answer{'s' if n != 1 else ''} set aside (IDs {listed})."
    return (f"{n} of the {len(ids)} answers ticked set aside (IDs {listed}); the other "
            f"{len(ids) - n} already were.")


def _checks_url(r: Round, code: str, request) -> str:
    url = reverse("survey:checks", args=[r.pk])
    if request.POST.get("la") or request.GET.get("la"):
        url += f"?la={code}"
    return url


def _mergeable(code: str):
    from copro.web.survey import rounds

    return rounds.mergeable(code)


def _rate_limit() -> int:
    from copro.web.survey.security import rate_limit

    return rate_limit()


@_guard
@require_POST
def merge_rounds(request):
    """Merge rounds not yet published (closed or imported) into one, after a check page that
    shows the merged round's counts and what could then be published."""
    from copro.web.survey import rounds

    code = _area_for(request, request.POST.get("la"))
    try:
        ids = sorted({int(x) for x in request.POST.getlist("round")})
    except ValueError:
        raise Http404("No such rounds") from None
    chosen = [r for r in rounds.mergeable(code) if r.pk in ids]
    if _confirmed(request):
        try:
            with transaction.atomic():
                kept, moved = rounds.merge(code, ids)
                audit.record(audit.MERGE, request=request, area_code=code,
                             subject=f"round {kept.pk}",
                             detail=f"rounds {', '.join(map(str, ids))} merged: {moved} "
                                    "answer(s) moved")
        except rounds.RoundsRefused as exc:
            messages.error(request, str(exc))
            return _redirect_manage(code, request)
        messages.success(request, f"Merged into one round ({len(ids)} rounds, {moved} answers "
                                  "moved). Check it, then publish it.")
        return _redirect_manage(code, request)
    if len(chosen) < 2 or len(chosen) != len(ids):
        messages.error(request, "Tick at least two rounds not yet published to merge them.")
        return _redirect_manage(code, request)
    merged = tally.tally(Response.objects.filter(round__in=chosen))
    inst = load_instrument()
    return _check_page(request, code, rounds.target(chosen), "merge", {
        "page_title": f"Merge {len(chosen)} rounds?", "chosen": chosen,
        "audiences": [(inst.audiences[a].label, merged[a], st.shown(merged[a].counted))
                      for a in AUDIENCES], "min_answers": st.MIN_ANSWERS})


@_guard
@require_http_methods(["GET", "HEAD", "POST"])
def delete_round(request, round_id):
    """Delete an imported round not yet published (check page first)."""
    from copro.web.survey import rounds

    code, r = _round_for(request, round_id)
    if _confirmed(request):
        try:
            with transaction.atomic():
                n = rounds.delete_imported(code, r.pk)
                audit.record(audit.DELETE, request=request, area_code=code,
                             subject=f"round {r.pk}", detail=f"{n} imported answer(s) deleted")
        except rounds.RoundsRefused as exc:
            messages.error(request, str(exc))
            return _redirect_manage(code, request)
        messages.success(request, f"Round deleted with its {n} imported answers.")
        return _redirect_manage(code, request)
    if not r.imported or r.published_at is not None:
        raise Http404("Only an imported round not yet published can be deleted")
    return _check_page(request, code, r, "delete", {
        "page_title": "Delete this imported round?",
        "audiences": _audience_rows(tally.round_tally(r))})


@_guard
@require_http_methods(["GET", "HEAD", "POST"])
def upload(request):
    """Upload a survey export: the file read and shown as a preview (what would be stored,
    ignored, or looks like a duplicate), then stored on confirmation into a new round, the
    open round or a round not yet published (:mod:`copro.web.survey.importing`)."""
    from copro.errors import InputError
    from copro.web.survey import importing

    code = _area_for(request, request.POST.get("la") or request.GET.get("la"))
    inst = load_instrument()
    targets = [r for r in Round.objects.filter(area_code=code, published_at__isnull=True)]
    error = None
    preview = importing.from_session(request.session.get(importing.SESSION_KEY))
    if request.method == "POST" and request.POST.get("confirm") == "yes" and preview:
        choice = request.POST.get("round", "new")
        round_id = None
        if choice != "new":
            try:
                round_id = next(r.pk for r in targets if str(r.pk) == choice)
            except StopIteration:
                raise Http404("No such round") from None
        with transaction.atomic():
            round_, n = importing.store(code, preview, round_id,
                                        request.POST.get("label", "")[:100])
            if n:
                audit.record(audit.IMPORT, request=request, area_code=code,
                             subject=f"round {round_.pk}",
                             detail=f"{n} {preview.audience} response(s) from an upload")
        request.session.pop(importing.SESSION_KEY, None)
        messages.success(request, f"{n} answer{'s' if n != 1 else ''} from {preview.name} "
                                  + (f"stored in {_round_label(round_)}." if n else
                                     "stored: every row was already imported."))
        return _redirect_manage(code, request)
    if request.method == "POST" and request.FILES.get("file"):
        audience = request.POST.get("audience", "")
        if audience not in AUDIENCES:
            error = "Choose who answered the form."
        else:
            try:
                preview = importing.read_upload(request.FILES["file"], code, audience)
                request.session[importing.SESSION_KEY] = importing.to_session(preview)
            except InputError as exc:
                error = str(exc)
                preview = None
    elif request.method == "POST":
        error = "Choose the file to upload."
    if error:
        request.session.pop(importing.SESSION_KEY, None)
        preview = None
    open_now = store.open_round(code)
    return render(request, "survey/upload.html", {
        "page_title": ("Error: " if error else "") + "Upload answers from another form",
        "code": code, "area_name": store.local_authorities()[code], "error": error,
        "preview": preview, "audiences": [(a, inst.audiences[a].label) for a in AUDIENCES],
        "audience_label": inst.audiences[preview.audience].label if preview else "",
        "shown": [_plain_row(inst, preview.audience, a) for a in preview.rows[:5]]
        if preview else [],
        "targets": targets, "open_round": open_now,
        "max_mb": _upload_mb(), "la": request.POST.get("la") or request.GET.get("la") or "",
        "back": _redirect_manage(code, request)["Location"]},
        status=400 if error else 200)


def _round_label(r) -> str:
    from copro.web.survey.templatetags.survey_format import round_name

    return round_name(r)


def _upload_mb() -> int:
    from django.conf import settings

    return settings.SURVEY_UPLOAD_MAX_SIZE // (1024 * 1024)


def _plain_row(inst, audience: str, answers: dict) -> list[tuple[str, str]]:
    """A previewed row in the survey's words: (question, answer) for each answered."""
    return [(q.text(audience), str(_plain(q, answers[q.id])))
            for q in inst.questions_for(audience) if q.id in answers and q.type != "text"]


#: A venue window's length, at most (hours)
VENUE_HOURS = 8


@_guard
@require_POST
def venue(request, round_id):
    """Open a venue window for the connection this coordinator is on (the venue's Wi-Fi), for
    at most ``VENUE_HOURS`` hours, or close one early. Answers from it pass the per-connection
    limit and are marked as venue answers (the checks page shows them as such)."""
    from copro.web.survey import security
    from copro.web.survey.models import VenueWindow

    code, r = _round_for(request, round_id)
    if not r.is_open:
        raise Http404("Open a round first")
    if request.POST.get("action") == "close":
        n = VenueWindow.objects.filter(round=r, pk=request.POST.get("venue") or 0,
                                       ends_at__gt=timezone.now()).update(
            ends_at=timezone.now())
        if n:
            audit.record(audit.VENUE, request=request, area_code=code,
                         subject=f"round {r.pk}", detail="venue window closed")
        return _redirect_manage(code, request)
    try:
        hours = max(1, min(VENUE_HOURS, int(request.POST.get("hours", "3"))))
    except ValueError:
        hours = 3
    now = timezone.now()
    label = request.POST.get("label", "")[:100]
    with transaction.atomic():
        VenueWindow.objects.create(
            round=r, client_hash=security.client_hash(request, f"round:{r.pk}"), label=label,
            opened_by=request.user, opened_at=now, ends_at=now + timedelta(hours=hours))
        audit.record(audit.VENUE, request=request, area_code=code, subject=f"round {r.pk}",
                     detail=f"venue window opened for {hours} hour(s)")
    messages.success(request, f"Venue window open until "
                              f"{timezone.localtime(now + timedelta(hours=hours)):%H:%M}.")
    return _redirect_manage(code, request)


@_guard
@require_POST
def make_codes(request, round_id):
    """New single-use codes for one audience of an open round (in a round answered with codes,
    the only way in; in an open-link round, a personal way past the per-connection limit): a
    page of slips
    to print, or a CSV (code and link) for a mail merge. Shown once: only their keyed hashes
    are kept."""
    from copro.web.survey import invitations

    code, r = _round_for(request, round_id)
    audience = request.POST.get("audience", "")
    if audience not in AUDIENCES or r.closed_at is not None or r.imported:
        raise Http404("No such survey to make codes for")
    try:
        n = int(request.POST.get("number", "0"))
    except ValueError:
        n = 0
    codes = invitations.make_codes(r, audience, n)
    audit.record(audit.CODES_MADE, request=request, area_code=code, subject=f"round {r.pk}",
                 detail=f"{len(codes)} {audience} code(s)")
    link = _survey_link(request, reverse("survey:start", args=[code, audience]))
    if request.POST.get("format") == "csv":
        buf = io.StringIO()
        write_csv(buf, [["code", "link"], *(neutralise_row([c, f"{link}?code={c}"])
                                           for c in codes)])
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="survey-{code}-{audience}-codes.csv"')
        return response
    closing = request.POST.get("closing", "")[:40]
    name = store.local_authorities()[code]
    return render(request, "survey/codes.html", {
        "page_title": f"{len(codes)} codes to hand out", "code": code, "round": r,
        "area_name": store.local_authorities()[code], "link": link, "closing": closing,
        "forum": _forum_name(request.user), "audience": load_instrument().audiences[
            audience].label, "back": _redirect_manage(code, request)["Location"],
        "slips": [(c, _qr_inline(f"{link}?code={c}", f"QR code: the {name} survey with code "
                                 f"{c}")) for c in codes]})


def _qr_inline(url: str, title: str) -> str:
    """A QR code as inline SVG markup with its title (read out by screen readers)."""
    import segno
    from django.utils.safestring import mark_safe

    svg = segno.make(url, error="m").svg_inline(scale=2, border=2, title=title)
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-label="' +
                                 title.replace('"', "") + '" ', 1))


def _forum_name(user) -> str:
    coordinator = getattr(user, "survey_coordinator", None)
    return coordinator.forum if coordinator is not None else ""


@_guard
@require_safe
def paper_form(request, audience):
    """The paper form for one audience, ready to print: the LA, the forum, where to return it
    and the closing date on it (:func:`copro.survey.printable.form_html`)."""
    from copro.survey.printable import form_html

    code = _area_for(request, request.GET.get("la"))
    if audience not in AUDIENCES:
        raise Http404("No such survey")
    page = form_html(load_instrument(), audience, request.GET.get("easy") == "1",
                     local_authority=store.local_authorities()[code],
                     forum=_forum_name(request.user),
                     return_to=request.GET.get("return_to", "")[:200],
                     closing=request.GET.get("closing", "")[:40])
    return HttpResponse(page, content_type="text/html; charset=utf-8")


@_guard
@require_http_methods(["GET", "HEAD", "POST"])
def handover(request):
    """Hand the survey over to a new coordinator (as ``copro users handover``): they are
    invited by email for the same LA and forum, and this account stops signing in. The rounds
    and answers stay with the LA."""
    from django.conf import settings

    from copro.web.accounts import invitations

    code = _area_for(request)
    user = request.user
    if getattr(user, "survey_coordinator", None) is None:
        raise PermissionDenied("An administrator hands a survey over with copro users handover")
    error, email = None, request.POST.get("email", "").strip()[:254]
    if _confirmed(request):
        if "@" not in email or email.lower() == (user.email or "").lower():
            error = "Enter the new coordinator's email address, for example name@example.org"
        else:
            base = settings.SITE_URL  # never the request's Host: it is emailed
            try:
                invitations.hand_over(user.get_username(), email, actor=user.get_username(),
                                      base_url=base)
            except invitations.InvitationError as exc:
                error = str(exc)
            except OSError:
                error = ("The invitation could not be emailed. Nothing has changed: try again "
                         "later, or ask the site's administrator.")
            else:
                logout(request)
                return render(request, "survey/handed_over.html", {
                    "page_title": "The survey is handed over", "email": email.lower(),
                    "area_name": store.local_authorities()[code]})
    return render(request, "survey/handover.html", {
        "page_title": ("Error: " if error else "") + "Hand the survey over",
        "error": error, "email": email, "area_name": store.local_authorities()[code],
        "days": settings.INVITATION_DAYS, "back": reverse("survey:manage")},
        status=400 if error else 200)


@_guard
@require_safe
def qr_code(request, audience):
    import segno

    code = _area_for(request, request.GET.get("la"))
    if audience not in AUDIENCES:
        raise Http404("No such survey")
    url = _survey_link(request, reverse("survey:start", args=[code, audience]))
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=6, border=4,
                                    title=f"QR code for {url}")
    response = HttpResponse(buf.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="survey-{code}-{audience}.svg"'
    return response


def _plain(q, value) -> str:
    """An answer as the respondent saw it (an option's label), or as stored if not an
    option."""
    def label(v):
        try:
            return q.option(v).label
        except KeyError:
            return v

    if isinstance(value, list):
        return "; ".join(str(label(v)) for v in value)
    if value is None:
        return ""
    return label(value) if q.options else value


def _how(r: Response) -> str:
    if r.entered_by_id is not None:
        return "paper form (typed in)"
    if r.venue_id is not None:
        return "venue answer"
    return {"web": "website", "import": "imported", "paper": "paper form (typed in)"}.get(
        r.source, r.source)


def _left_out(r: Response) -> str:
    reason = tally._reason(r.set_aside_at, r.possible_duplicate, r.answers, r.free_text)
    return "yes" if reason is None else "no: " + tally.REASONS[reason]


def _answer_rows(code: str, with_text: bool, codes: bool = False):
    """The header and each response of the LA as a row, in the survey's words (the questions
    and answers as respondents saw them) or, with ``codes``, as stored (question ids and
    answer codes); every cell neutralised for spreadsheets (a written answer or an imported
    cell beginning with ``=`` is shown, never run)."""
    from copro.web.survey.templatetags.survey_format import round_name

    inst = load_instrument()
    questions = [q for q in inst.questions if q.type != "text"]
    if codes:
        header = ["answer_id", "round", "audience", "instrument_version", "submitted_date",
                  "how", "counted", "set_aside", "venue", "possible_duplicate", "published",
                  *[q.id for q in questions]]
    else:
        header = ["Answer ID", "Round", "Audience", "Survey version", "Sent on", "How it came",
                  "Counted", "Set aside (why)", "Venue", "Published",
                  *[q.text(q.audiences[0]) for q in questions]]
    if with_text:
        text_q = inst.question(store.FREE_TEXT)
        header.append(store.FREE_TEXT if codes else text_q.text(text_q.audiences[0]))
    yield header
    names = {r.pk: round_name(r) for r in Round.objects.filter(area_code=code)}
    for r in Response.objects.filter(area_code=code).select_related("venue").order_by("id"):
        venue = (r.venue.label or "venue window") if r.venue_id else ""
        if codes:
            row = [r.pk, r.round_id, r.audience, r.instrument_version,
                   r.submitted_at.date().isoformat(), r.source, int(_left_out(r) == "yes"),
                   r.set_aside_reason if r.set_aside_at else "", venue,
                   int(r.possible_duplicate), int(r.published)]
            for q in questions:
                v = r.answers.get(q.id)
                row.append(";".join(v) if isinstance(v, list) else "" if v is None else v)
        else:
            row = [r.pk, names.get(r.round_id, r.round_id), inst.audiences[r.audience].label,
                   r.instrument_version, r.submitted_at.date().isoformat(), _how(r),
                   _left_out(r), (r.set_aside_reason or "set aside") if r.set_aside_at else "",
                   venue, "yes" if r.published else "no"]
            row += [_plain(q, r.answers.get(q.id)) for q in questions]
        if with_text:
            row.append(r.free_text)
        yield neutralise_row(row)


def _code_rows():
    """The survey's codes: each question's id and wording, each answer's code and label."""
    inst = load_instrument()
    yield ["question_id", "question", "answer_code", "answer"]
    for q in inst.questions:
        text = q.text(q.audiences[0])
        if not q.options:
            yield neutralise_row([q.id, text, "", ""])
        for o in q.options:
            yield neutralise_row([q.id, text, o.value, o.label])


@_guard
@require_safe
def download(request):
    """The LA's answers as CSV or XLSX (``format=xlsx``), in the survey's words; the codes as
    the XLSX's second sheet, or as the CSV's values with ``codes=1``. Free text only with
    ``free_text=1``
    after the warning page, and only to a session verified with a second factor."""
    code = _area_for(request, request.GET.get("la"))
    with_text = request.GET.get("free_text") == "1"
    if with_text and not request.user.is_verified():
        # after the code, back to this page (not to the file: the browser would download it
        # and go on showing the code page)
        from urllib.parse import urlencode

        back = reverse("survey:download") + (f"?la={code}" if request.GET.get("la") else "")
        return HttpResponseRedirect(reverse("accounts:verify") + "?" + urlencode(
            {"next": back}))
    if request.GET.get("confirm") != "1":
        return render(request, "survey/download.html", {
            "page_title": "Download your answers", "code": code,
            "verified": request.user.is_verified(),
            "area_name": store.local_authorities()[code], "la": request.GET.get("la", "")})
    name = f'survey-{code}{"-with-free-text" if with_text else ""}'
    kind = "XLSX" if request.GET.get("format") == "xlsx" else "CSV"
    audit.record(audit.DOWNLOAD, request=request, area_code=code, subject=f"answers ({kind})",
                 detail="with written answers" if with_text else "without written answers")
    if kind == "XLSX":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Answers")
        for row in _answer_rows(code, with_text):
            ws.append(row)
        codes_sheet = wb.create_sheet("Codes")
        for row in _code_rows():
            codes_sheet.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        response = HttpResponse(buf.getvalue(), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    buf = io.StringIO()
    # CRLF (RFC 4180): a carriage return inside a written answer is then quoted too; so is a
    # cell with a ``;`` (a semicolon-locale spreadsheet)
    write_csv(buf, _answer_rows(code, with_text, codes=request.GET.get("codes") == "1"))
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
