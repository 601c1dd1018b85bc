"""The explorer's views: thin. Find the dataset, take its findings (computed once by copro's
audit engine, see store.py), build the page (pages.py) and answer as HTML, JSON or CSV.

A dataset never changes once imported, so a page's bytes depend only on the dataset, the
address and copro's own code: they are drawn once for every worker and kept in the database
(pagecache.py, drawn ahead when data are imported and before `copro serve`'s workers start),
and each process keeps those it has served in memory (a bounded cache): a repeated request
costs one small query for the current dataset and a dictionary look-up.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from collections import OrderedDict

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from copro.errors import CoproError
from copro.web.explorer import pagecache, pages
from copro.web.explorer.models import Count, Dataset
from copro.web.explorer.store import current_dataset, findings_for
from copro.web.explorer.tables import TableQuery, table_query

ONS_CODE = re.compile(r"^E\d{8}$", re.I)
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "json": "application/json",
                 "csv": "text/csv; charset=utf-8"}
CACHE_SIZE = 1024  # every LA page in three forms is 459; the rest are comparisons

_lock = threading.Lock()
_responses: OrderedDict[tuple, pagecache.Rendered] = OrderedDict()
_drawing: dict[tuple, threading.Lock] = {}


def _fmt(suffix: str | None) -> str:
    return (suffix or ".html").lstrip(".")


def _page_request(path: str) -> HttpRequest:
    """The request a kept page is drawn for: its path only (the menu marks the page shown),
    nothing of the reader's (no cookie, session or CSRF token), so a page drawn for one reader
    is right for every reader and carries no secret."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    return request


def render_page(page: pages.Page, fmt: str, filename: str, path: str) -> pagecache.Rendered:
    """A page's bytes in one format (with their gzip), as every reader gets them."""
    if fmt == "json":
        body = json.dumps(page.document, ensure_ascii=False, allow_nan=False,
                          default=str).encode()
    elif fmt == "csv":
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(page.header)
        out.writerows(["" if v is None else v for v in row] for row in page.rows)
        body = buf.getvalue().encode()
    else:
        body = render_to_string(page.template, page.context,
                                request=_page_request(path)).encode()
    return pagecache.pack(page.status, body, filename)


def _render(request, page: pages.Page, fmt: str, filename: str) -> pagecache.Rendered:
    return render_page(page, fmt, filename, request.path)


def _respond(status: int, body: bytes, fmt: str, filename: str,
             packed: bytes | None = None, request=None) -> HttpResponse:
    gzipped = (packed is not None and request is not None
               and "gzip" in request.headers.get("Accept-Encoding", ""))
    response = HttpResponse(packed if gzipped else body, status=status,
                            content_type=CONTENT_TYPES[fmt])
    if packed is not None:
        response["Vary"] = "Accept-Encoding"
    if gzipped:
        response["Content-Encoding"] = "gzip"
    if fmt == "csv":
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    if fmt == "json":
        response["Access-Control-Allow-Origin"] = "*"  # open data: readable from anywhere
    return response


def _cached(request, dataset: Dataset, parts: tuple, fmt: str, build) -> HttpResponse:
    """The page for ``parts`` (its address and format): from this process's memory, else as
    another process stored it in the database (pagecache), else built by ``build()`` ->
    (Page, filename), rendered and stored for every process. Threads of one process asking for
    the same page at once draw it once."""
    key = (dataset.pk, dataset.sha256, *parts)
    with _lock:
        hit = _responses.get(key)
        if hit is not None:
            _responses.move_to_end(key)
        drawing = _drawing.setdefault(key, threading.Lock()) if hit is None else None
    if hit is None:
        with drawing:
            with _lock:
                hit = _responses.get(key)
            if hit is None:
                entry = pagecache.key(parts)
                hit = pagecache.load(dataset, entry)
                if hit is None:
                    page, filename = build()
                    hit = _render(request, page, fmt, filename)
                    pagecache.store(dataset, {entry: hit})
                with _lock:
                    _responses[key] = hit
                    while len(_responses) > CACHE_SIZE:
                        _responses.popitem(last=False)
        with _lock:
            _drawing.pop(key, None)
    return _respond(hit[0], hit[1], fmt, hit[2], hit[3], request)


#: The formats every page comes in.
FORMATS = ("html", "json", "csv")


def _area_parts(code: str, stamp: tuple):
    return lambda fmt: ("la", code, fmt, stamp)


def _index_parts(fmt: str, table: tuple = TableQuery().key) -> tuple:
    """The index's key parts: its format and which table (sort, order, region, compared); the
    default table is the one drawn ahead."""
    return ("index", fmt, *table)


def _methods_parts(fmt: str) -> tuple:
    return ("methods", fmt)


def every_page(dataset: Dataset):
    """Each page ``pagecache.warm`` draws ahead: (its key parts by format, a function giving
    (Page, filename, path)) for the index, the methods page and every local authority."""
    from copro.web.survey.store import publication_stamp

    findings = findings_for(dataset)
    yield _index_parts, lambda: (pages.index_page(findings), f"copro-{findings.period}-areas",
                                 reverse("explorer:index"))
    yield _methods_parts, lambda: (pages.methods_page(findings), "copro-methods",
                                   reverse("explorer:methods"))
    stamp = publication_stamp()
    for f in findings.local_authorities:
        yield _area_parts(f.area.code, stamp), (
            lambda f=f: (area_page(dataset, findings, f),
                         f"copro-{findings.period}-{f.area.code}",
                         reverse("explorer:area", args=[f.area.code])))


def hold_every_page(dataset: Dataset) -> int:
    """Put every page :func:`every_page` lists, as kept in the database, in this process's
    memory; returns how many. ``copro serve`` calls it before its workers fork, so each worker
    starts with them all and its first requests neither query nor decompress."""
    wanted = {pagecache.key(parts(fmt)): (dataset.pk, dataset.sha256, *parts(fmt))
              for parts, _build in every_page(dataset) for fmt in FORMATS}
    kept = pagecache.load_many(dataset, list(wanted))
    with _lock:
        for entry, rendered in kept.items():
            _responses[wanted[entry]] = rendered
            _responses.move_to_end(wanted[entry])
        while len(_responses) > CACHE_SIZE:
            _responses.popitem(last=False)
    return len(kept)


def _dataset_and_findings():
    dataset = current_dataset()
    if dataset is None:
        raise Http404("No data has been imported yet: run `copro db import`.")
    return dataset, findings_for(dataset)


@require_safe
def index(request, suffix=None):
    fmt = _fmt(suffix)
    dataset, findings = _dataset_and_findings()
    # the table sorted and filtered as asked (checked: one of a fixed set of tables)
    query = table_query(request.GET, [r.area.code for r in findings.regions])
    return _cached(request, dataset, _index_parts(fmt, query.key), fmt,
                   lambda: (pages.index_page(findings, query),
                            f"copro-{findings.period}-areas"))


def _find_la(findings, query: str):
    """A local authority by ONS code; else None."""
    q = query.upper()
    return next((f for f in findings.local_authorities if f.area.code == q), None)


@require_safe
def area(request, code, suffix=None):
    """An LA's page at its current ONS code. Any other name for it answers with a permanent
    redirect (301) there: a name slug ('leeds'), its DfE code ('383'), a lower-case code, or an
    older ONS code the register knows (Somerset's E10000027 -> E06000066), since a code, once
    issued, always names the same authority. An abolished authority's code (Cumbria's
    E10000006) has no page of its own: a temporary redirect (302) to the search, which lists
    its successors (where the answer could change as data are imported, so nothing should
    remember it)."""
    fmt = _fmt(suffix)
    dataset, findings = _dataset_and_findings()
    f = _find_la(findings, code) if ONS_CODE.match(code) else None
    if f is None:
        from copro.register import by_code, current_successors

        wanted = code.lower()
        match = next((x for x in findings.local_authorities
                      if pages.area_slug(x.area.name) == wanted
                      or (x.area.old_la_code or "") == wanted), None)
        identity = by_code(code) if match is None else None
        if identity is not None:
            match = _find_la(findings, identity.code)
            if match is None and any(_find_la(findings, s.code)
                                     for s in current_successors(identity)):
                from urllib.parse import urlencode

                return HttpResponseRedirect(reverse("explorer:search") + "?"
                                            + urlencode({"q": identity.code}))
        if match is None:
            raise Http404(f"No local authority with the code or name '{code}'.")
        target = reverse("explorer:area", args=[match.area.code]) + (suffix or "")
        return HttpResponseRedirect(target, status=301)
    if f.area.code != code:
        return HttpResponseRedirect(reverse("explorer:area", args=[f.area.code]) + (suffix or ""),
                                    status=301)
    from copro.web.survey.store import publication_stamp  # issue 12: the LA page's survey block

    return _cached(request, dataset, _area_parts(f.area.code, publication_stamp())(fmt), fmt,
                   lambda: (area_page(dataset, findings, f),
                            f"copro-{findings.period}-{f.area.code}"))


def area_page(dataset: Dataset, findings, f) -> pages.Page:
    """An LA's page, on the funnel plot kept for every process (pagecache.funnel)."""
    pagecache.funnel(dataset, findings)
    return pages.area_page(findings, f, _survey_figures(f.area.code))


def _survey_figures(code: str) -> dict:
    """The published survey figures the LA page shows, for its JSON and CSV (as the survey's
    own results page gives them)."""
    from copro.web.survey import store
    from copro.web.survey.published import CSV_HEADER, area_document

    document, rows = area_document(store.published_results(), code)
    for d in document["all_surveyed"]:
        d.setdefault("area_code", None)
    return {**document, "csv_header": list(CSV_HEADER), "csv_rows": [list(r) for r in rows]}


@require_safe
def search(request):
    """The search box: a name, a short name, an ONS or DfE code. One local authority: to its
    page. Several (a shared short name such as 'Northants', an abolished authority, a region, a
    part of a name such as 'Kingston', a near miss such as 'Leds'): listed as results. None at
    all: an error."""
    query = request.GET.get("q", "").strip()
    dataset, findings = _dataset_and_findings()
    error, results, note, heading = None, [], None, None
    if not query:
        error = "Enter the name or code of a local authority"
    elif len(query) > 100:
        error = "Enter a name of at most 100 characters"
    else:
        from copro.lookup import matches, suggestions

        las = {f.area.code for f in findings.local_authorities}
        found = matches(findings, query)
        named = [f for f in found.areas if f.area.code in las]
        if len(named) == 1 and found.replaced is None:
            return HttpResponseRedirect(reverse("explorer:area", args=[named[0].area.code]))
        if named:
            results, note = [f.area for f in named], found.note()
            heading = f"{len(results)} local authorities match ‘{query}’"
        elif found.areas:  # England or a region: its local authorities
            place = found.areas[0].area
            results = [f.area for f in findings.local_authorities
                       if place.level.value == "national" or f.area.region_code == place.code]
            heading = f"{place.name} is not a local authority: its {len(results)} local " \
                      "authorities"
        else:
            results = [f.area for f in suggestions(findings, query) if f.area.code in las]
            if results:
                heading = f"No local authority is called ‘{query}’: the closest names"
            else:
                error = "No local authority matches what you entered"
    html = render_to_string("explorer/search.html", {
        "findings": findings, "error": error, "query": query, "results": results,
        "heading": heading, "note": note,
        "description": "Find a local authority by name, short name, ONS code or DfE code.",
        "page_title": "Error: find a local authority" if error and query else
                      "Find a local authority"}, request=request)
    return HttpResponse(html, status=404 if error and query else 200)


@require_safe
def compare(request, suffix=None):
    fmt = _fmt(suffix)
    dataset, findings = _dataset_and_findings()
    wanted = [x.strip() for x in request.GET.getlist("la") if x.strip()]
    chosen, errors = _choose(findings, wanted)
    if errors:  # not kept: the page repeats what was typed
        status, body, filename, packed = _render(
            request, pages.compare_page(findings, chosen, errors), fmt, "copro-compare")
        return _respond(status, body, fmt, filename, packed, request)
    parts = ("compare", fmt, tuple(f.area.code for f in chosen))
    return _cached(request, dataset, parts, fmt,
                   lambda: (pages.compare_page(findings, chosen, []), "copro-compare"))


def _choose(findings, wanted: list[str]):
    """The local authorities asked for (at most MAX_COMPARE), and what could not be found."""
    from copro.lookup import find_area, matches
    from copro.render.numbers import names

    chosen, errors = [], []
    las = {f.area.code for f in findings.local_authorities}
    if len(wanted) > pages.MAX_COMPARE:
        errors.append(f"Choose at most {pages.MAX_COMPARE} local authorities "
                      f"({len(wanted)} were given)")
        wanted = wanted[:pages.MAX_COMPARE]
    for query in wanted:
        try:
            found = find_area(findings, query[:100])
        except CoproError:
            several = [f.area.name for f in matches(findings, query[:100]).areas]
            errors.append(f"'{query[:100]}' may mean {names(several)}: choose one"
                          if several else f"No local authority matches '{query[:100]}'")
            continue
        if found.area.code not in las:
            errors.append(f"{found.area.name} is not a local authority")
        elif found not in chosen:
            chosen.append(found)
    return chosen, errors


@require_safe
def methods(request, suffix=None):
    fmt = _fmt(suffix)
    dataset, findings = _dataset_and_findings()
    return _cached(request, dataset, _methods_parts(fmt), fmt,
                   lambda: (pages.methods_page(findings), "copro-methods"))


@require_safe
def data(request, suffix=None):
    fmt = _fmt(suffix)
    datasets = list(Dataset.objects.all())
    current = current_dataset(fresh=True)
    page = pages.data_page(datasets, current)
    status, body, filename, packed = _render(request, page, fmt, "copro-datasets")
    return _respond(status, body, fmt, filename, packed, request)


@require_safe
def dictionary(request):
    """The data dictionary: every column of every CSV and field of every JSON, with units."""
    return HttpResponse(render_to_string("explorer/dictionary.html",
                                         pages.dictionary_context(), request=request))


@require_safe
def accessibility(request):
    """The accessibility statement: what the tests check, and what they do not."""
    html = render_to_string("explorer/accessibility.html", {
        "page_title": "Accessibility statement",
        "description": "What is checked for accessibility on these pages, and what is not."},
        request=request)
    return HttpResponse(html)


@require_safe
def dataset_counts(request, slug):
    """A dataset's counts table as CSV: what the database holds, row for row."""
    dataset = Dataset.objects.filter(slug=slug).first()
    if dataset is None:
        raise Http404("No such dataset.")
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["area_code", "period", "group", "measure", "value", "missing_reason"])
    out.writerows(Count.objects.filter(dataset=dataset).order_by("id").values_list(
        "area_code", "period", "group", "measure", "value", "missing_reason"))
    response = HttpResponse(buf.getvalue(), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{dataset.slug}-counts.csv"'
    return response


@require_safe
def healthz(request, suffix=None):
    """200 when the database answers and holds a dataset; 503 otherwise."""
    fmt = _fmt(suffix)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dataset = current_dataset(fresh=True)
        status = {"status": "ok" if dataset else "no data", "database": connection.vendor,
                  "dataset": dataset.slug if dataset else None}
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
        status = {"status": "database unavailable", "database": connection.vendor,
                  "error": type(exc).__name__, "dataset": None}
    code = 200 if status["status"] == "ok" else 503
    if fmt == "json":
        return JsonResponse(status, status=code)
    if fmt == "csv":
        body = "status,database,dataset\n" + ",".join(
            str(status[k] or "") for k in ("status", "database", "dataset")) + "\n"
        return HttpResponse(body, status=code, content_type=CONTENT_TYPES["csv"])
    return HttpResponse(f"{status['status']}\n", status=code,
                        content_type="text/plain; charset=utf-8")


def _status() -> tuple[int, dict]:
    """What the service holds and whether its database answers: (HTTP status, document)."""
    from django.db.models import Count as Counted

    from copro import __version__

    doc = {"schema": "copro.web.status/1", "status": "ok", "copro_version": __version__,
           "database": {"vendor": connection.vendor, "reachable": False}, "dataset": None,
           "datasets_held": None, "pages_kept": None}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        doc["database"]["reachable"] = True
        dataset = current_dataset(fresh=True)
        doc["datasets_held"] = Dataset.objects.count()
        if dataset is not None:
            areas = dataset.areas.values("level").annotate(n=Counted("id"))
            doc["dataset"] = {
                "slug": dataset.slug, "kind": dataset.get_kind_display(),
                "source": dataset.source, "periods": dataset.periods,
                "sha256": dataset.sha256, "licence": dataset.licence,
                "imported_at": dataset.imported_at.isoformat(),
                "areas": {a["level"]: a["n"] for a in areas}}
            doc["pages_kept"] = dataset.pages.count()
        else:
            doc["status"] = "no data"
    except Exception as exc:  # noqa: BLE001 - any failure is "unavailable", said as such
        doc["status"] = "database unavailable"
        doc["error"] = type(exc).__name__
    return (200 if doc["status"] == "ok" else 503), doc


def _wants_json(request, suffix: str | None) -> bool:
    if suffix is not None:
        return suffix == ".json"
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


@require_safe
def status(request, suffix=None):
    """/status: what the service holds (the dataset, when it was imported) and whether its
    database answers, for people (HTML) and for machines (``.json``, or asked for with
    ``Accept: application/json``); 503 when it cannot serve figures. /healthz stays the
    load balancers' plain check."""
    code, doc = _status()
    if suffix == ".csv":
        raise Http404("The status comes as HTML or JSON.")
    if _wants_json(request, suffix):
        response = JsonResponse(doc, status=code)
    else:
        response = HttpResponse(render_to_string("explorer/status.html", {
            "doc": doc, "page_title": "Service status",
            "description": "What this copro service holds, and whether it is working."},
            request=request), status=code)
    if suffix is None:
        response["Vary"] = "Accept"
    response["Cache-Control"] = "no-store"
    return response
