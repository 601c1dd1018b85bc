"""Pages drawn once per dataset and code version and kept in the database for every worker
(copro.web.explorer.pagecache): a kept page is byte for byte a fresh render, importing a new
file forgets them (the same file again keeps them), and every LA page is sent in under
100 KB. Also the API's front door (/api/v1/) and the status page (/status)."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET

import pytest

from copro.web.explorer import pagecache, pages, views
from copro.web.explorer.models import RenderedPage
from copro.web.explorer.store import current_dataset, findings_for

pytestmark = pytest.mark.django_db

# compared (large, small, London), not compared (source not recorded; suppressed), a successor
# authority, a county
AREAS = ("E08000035", "E10000016", "E09000007", "E10000012", "E06000046", "E06000063")


@pytest.fixture
def dataset():
    d = current_dataset(fresh=True)
    views._responses.clear()  # nothing from another test's requests in this process's memory
    return d


@pytest.fixture(scope="module")
def warmed(django_db_setup, django_db_blocker):
    """Every page drawn and kept, once for the module's tests that start from a site whose
    pages are kept (as after `copro serve` started): committed, so each such test finds them
    (what a test changes is rolled back after it), and forgotten when the module ends. A
    drawing pass is ~7 s of CPU; each of these tests drew its own before."""
    with django_db_blocker.unblock():
        RenderedPage.objects.all().delete()
        pagecache.warm(current_dataset(fresh=True))
    yield
    with django_db_blocker.unblock():
        RenderedPage.objects.all().delete()


def _kept(dataset, parts) -> tuple[int, bytes, str, bytes | None]:
    found = pagecache.load(dataset, pagecache.key(parts))
    assert found is not None, parts
    return found


def test_warm_keeps_every_la_page_and_they_equal_a_fresh_render(dataset):
    from copro.web.survey.store import publication_stamp

    RenderedPage.objects.all().delete()  # a first start: nothing kept (rolled back after)
    drawn = pagecache.warm(dataset)
    findings = findings_for(dataset)
    n = len(findings.local_authorities)
    assert n == 153
    assert drawn == 3 * (n + 2)  # every LA, the index and the methods page, in three formats
    assert pagecache.warm(dataset) == 0  # a second start draws nothing
    # pages no reader will be given again (an older code version's) are forgotten by warm
    RenderedPage.objects.create(dataset=dataset, key="0" * 64, status=200, filename="old",
                                gzipped=gzip.compress(b"old"))
    assert pagecache.warm(dataset) == 0
    assert not RenderedPage.objects.filter(key="0" * 64).exists()
    pages_kept = RenderedPage.objects.exclude(key=pagecache.key(("funnel",)))
    assert pages_kept.count() == 3 * (n + 2)
    stamp = publication_stamp()
    for code in AREAS:
        f = next(x for x in findings.local_authorities if x.area.code == code)
        page = pages.area_page(findings, f, views._survey_figures(code))
        for fmt in views.FORMATS:
            fresh = views.render_page(page, fmt, f"copro-{findings.period}-{code}",
                                      f"/la/{code}")
            kept = _kept(dataset, views._area_parts(code, stamp)(fmt))
            assert kept == fresh, (code, fmt)
            assert gzip.decompress(kept[3]) == kept[1]


def test_served_page_is_the_kept_page_and_a_request_draws_nothing_more(client, dataset, warmed):
    from copro.web.survey.store import publication_stamp

    assert pagecache.warm(dataset) == 0  # all kept already (warmed)
    before = RenderedPage.objects.count()
    for code in AREAS[:3]:
        kept = _kept(dataset, views._area_parts(code, publication_stamp())("html"))
        r = client.get(f"/la/{code}")
        assert r.status_code == 200 and r.content == kept[1]
        r = client.get(f"/la/{code}", HTTP_ACCEPT_ENCODING="gzip")
        assert r["Content-Encoding"] == "gzip" and gzip.decompress(r.content) == kept[1]
    assert RenderedPage.objects.count() == before


def test_a_page_drawn_on_request_is_kept_for_other_workers(client, dataset):
    from copro.web.survey.store import publication_stamp

    RenderedPage.objects.all().delete()
    r = client.get("/la/E08000035.json")
    assert r.status_code == 200
    kept = _kept(dataset, views._area_parts("E08000035", publication_stamp())("json"))
    assert kept[1] == r.content
    assert RenderedPage.objects.filter(dataset=dataset).count() <= 2  # and the funnel plot
    views._responses.clear()  # another worker: nothing in its memory, the row is read
    again = client.get("/la/E08000035.json")
    assert again.content == r.content


def test_a_fresh_process_reads_the_funnel_plot_another_drew(dataset):
    """The funnel plot (matplotlib: the one slow figure) is drawn once per dataset too."""
    from copro.render import figures

    findings = findings_for(dataset)
    RenderedPage.objects.all().delete()
    pages._figures.clear()  # the first worker: draws it, and keeps it for the others
    pagecache.funnel(dataset, findings)
    assert pagecache.load(dataset, pagecache.key(("funnel",))) is not None
    drawn = pages._funnel_svg(findings)
    assert drawn is not None and 'id="pt-E08000035"' in drawn.svg
    pages._figures.clear()  # a fresh worker
    calls = []
    real = figures.funnel_plot
    figures.funnel_plot = lambda *a, **k: calls.append(a) or real(*a, **k)
    try:
        pagecache.funnel(dataset, findings)
    finally:
        figures.funnel_plot = real
    assert calls == [] and pages._funnel_svg(findings) == drawn


def test_one_process_draws_at_a_time():
    """Two processes starting at once: the second waits for the first's pages (then finds
    them drawn) instead of drawing them too. Two threads stand for them: the lock is on the
    file's open description, not the process."""
    import threading
    import time

    order = []

    def second():
        with pagecache.exclusive():
            order.append("second")

    with pagecache.exclusive():
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        order.append("first done")
    thread.join(timeout=10)
    assert order == ["first done", "second"]


def test_pages_held_before_the_fork_are_served_without_the_database(client, dataset, warmed,
                                                                     monkeypatch):
    """`copro serve` reads every kept page into the master's memory before gunicorn forks
    (commands.hold_pages): a worker answers them from its first request, byte for byte as
    kept, with no page read from the database and none drawn."""
    from copro.web.commands import hold_pages
    from copro.web.survey.store import publication_stamp

    assert pagecache.warm(dataset) == 0  # all kept already (warmed)
    kept = {(code, fmt): _kept(dataset, views._area_parts(code, publication_stamp())(fmt))
            for code in AREAS for fmt in views.FORMATS}
    views._responses.clear()
    hold_pages()
    n = len(findings_for(dataset).local_authorities)
    assert len(views._responses) == 3 * (n + 2)  # every LA, the index and the methods page
    RenderedPage.objects.all().delete()

    def fail(*args, **kwargs):
        raise AssertionError("a held page was read from the database or drawn")

    monkeypatch.setattr(pagecache, "load", fail)
    monkeypatch.setattr(views, "area_page", fail)
    for (code, fmt), (status, body, _filename, packed) in kept.items():
        r = client.get(f"/la/{code}" + ("" if fmt == "html" else f".{fmt}"))
        assert (r.status_code, r.content) == (status, body), (code, fmt)
        if packed is not None:
            r = client.get(r.request["PATH_INFO"], HTTP_ACCEPT_ENCODING="gzip")
            assert r.content == packed, (code, fmt)
    assert client.get("/").status_code == 200
    assert client.get("/methods").status_code == 200
    assert RenderedPage.objects.count() == 0


def test_a_new_worker_draws_no_page_held_before_the_fork(tmp_path, seeded):
    """The real `copro serve`: with every kept page then forgotten by the database, its
    workers still answer each LA page from what they inherited, and draw none (a page drawn
    would be kept in the database again)."""
    import sqlite3
    import urllib.request

    from tests.web.serve import server_env, start_serve

    # its own server, on a copy of a site after its first start (whose pages are kept): what
    # is tested is what the workers inherit, not the first start's drawing
    seeded.copy(tmp_path)
    proc, url = start_serve(server_env(tmp_path, None), tmp_path / "serve.log", timeout=600)
    try:
        database = tmp_path / "copro.sqlite3"
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT count(*) FROM explorer_renderedpage").fetchone()[0] > 459
            db.execute("DELETE FROM explorer_renderedpage")
        db.close()
        for code in AREAS:
            for suffix in ("", ".json", ".csv"):
                with urllib.request.urlopen(f"{url}/la/{code}{suffix}", timeout=60) as r:
                    assert r.status == 200, (code, suffix)
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT count(*) FROM explorer_renderedpage").fetchone()[0] == 0
        db.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_importing_the_same_file_again_keeps_the_pages(client, dataset, warmed):
    """The same file again changes nothing ("nothing changed", says `copro db import`), so the
    pages drawn from it are kept: forgetting them cost every worker a new drawing pass."""
    from copro.web.explorer.importing import import_dfe

    assert pagecache.warm(dataset) == 0  # all kept already (warmed)
    kept = set(RenderedPage.objects.values_list("key", flat=True))
    assert len(kept) > 459
    imported = import_dfe()  # the same file again: the same dataset
    assert not imported.created and imported.dataset == dataset
    assert set(RenderedPage.objects.values_list("key", flat=True)) == kept
    assert pagecache.warm(dataset) == 0


def test_importing_a_new_file_forgets_kept_pages(client, dataset, warmed, tmp_path,
                                                 monkeypatch):
    from copro.sources.dfe import bundled_dfe_path
    from copro.web.explorer import store
    from copro.web.explorer.importing import import_dfe

    # the new dataset is rolled back after the test: later tests must not find it remembered
    monkeypatch.setattr(store, "_current", store._current)

    assert RenderedPage.objects.filter(dataset=dataset).count() > 459
    bundled = bundled_dfe_path()
    other = tmp_path / bundled.name  # the same rows in other bytes: another file, SHA-256
    other.write_bytes(bundled.read_bytes() + b"\n")
    imported = import_dfe(other)
    assert imported.created and imported.dataset != dataset
    assert RenderedPage.objects.count() == 0
    assert current_dataset(fresh=True) == imported.dataset
    assert client.get("/la/E08000035").status_code == 200  # drawn again on request
    assert RenderedPage.objects.filter(dataset=imported.dataset).exists()


def test_keys_follow_copro_code_and_templates():
    """Any change to copro's files (code, template, stylesheet) gives new keys, so a page is
    never served from an older version."""
    from pathlib import Path

    root = Path(pagecache.__file__).resolve().parents[2]
    assert root.name == "copro"
    version = pagecache.code_version()
    assert len(version) == 64
    assert pagecache.key(("la", "E08000035", "html", ())) != pagecache.key(
        ("la", "E08000035", "json", ()))
    pagecache.code_version.cache_clear()
    template = root / "web" / "explorer" / "templates" / "explorer" / "area.html"
    original = template.read_bytes()
    try:
        template.write_bytes(original + b"\n")
        assert pagecache.code_version() != version
    finally:
        template.write_bytes(original)
        pagecache.code_version.cache_clear()
    assert pagecache.code_version() == version


def test_keys_follow_the_data_files_and_the_documentation_pages_read():
    """The LA register (which names, codes and joins every LA), the neighbours and hex map
    files, DfE's bundled file and docs/outputs.md (read by the site from outside the package)
    are all in the fingerprint: a change to any of them gives new keys."""
    from copro.render.dictionary import OUTPUTS_DOC

    names = {p.name for p in pagecache.fingerprinted()}
    assert {"la-register.csv", "dfe-statistical-neighbours-2025.csv",
            "uk-upper-tier-local-authorities.hexjson",
            "dfe-ehc-requests-by-source-2025.csv", "outputs.md"} <= names
    assert OUTPUTS_DOC in pagecache.fingerprinted()
    version = pagecache.code_version()
    original = OUTPUTS_DOC.read_bytes()
    pagecache.code_version.cache_clear()
    try:
        OUTPUTS_DOC.write_bytes(original + b"\n")
        assert pagecache.code_version() != version
    finally:
        OUTPUTS_DOC.write_bytes(original)
        pagecache.code_version.cache_clear()
    assert pagecache.code_version() == version


def test_every_la_page_is_sent_in_under_100_kb(client, dataset, warmed):
    """Compressed transfer (gzip: the explorer's pages carry no secret, so no BREACH risk)."""
    findings = findings_for(dataset)
    sizes = {}
    for path in ["/", *(f"/la/{f.area.code}" for f in findings.local_authorities)]:
        r = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert r.status_code == 200 and r["Content-Encoding"] == "gzip", path
        sizes[path] = len(r.content)
    worst = max(sizes, key=sizes.get)
    assert sizes[worst] < 100_000, (worst, sizes[worst])


def test_answer_and_neighbours_figures_are_well_formed_svg(dataset):
    from copro.render import dot_figures

    findings = findings_for(dataset)
    for code in AREAS:
        f = next(x for x in findings.local_authorities if x.area.code == code)
        rows = pages.neighbours_of(findings, f)
        for fig in (dot_figures.two_rates(findings, f), dot_figures.benchmark_plot(findings,
                                                                                   rows)):
            if fig is None:
                continue
            root = ET.fromstring(fig.svg)
            ns = "{http://www.w3.org/2000/svg}"
            assert root.find(f"{ns}title").text == fig.title
            assert root.find(f"{ns}desc").text == fig.description
            names = [t.text for t in root.iter(f"{ns}text")]
            if fig.id == "neighbours":
                # every row named (names cut to 20 characters), each with a ratio or why not
                assert len([t for t in names if t]) >= len(rows)
                compared = sum(r.ratio is not None for r in rows)
                assert len(root.findall(f".//{ns}path")) == compared
                assert names.count("not compared") == len(rows) - compared


def test_api_index_links_every_endpoint_and_the_description(client):
    from copro.web.explorer import openapi

    r = client.get("/api/v1/")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    page = r.content.decode()
    assert 'href="/api/v1/openapi.json"' in page
    for path in openapi.description()["paths"]:
        example = path.replace("{code}", "E08000035")
        assert f'href="{example}"' in page, path
        assert client.get(example).status_code == 200, example
    assert "<title>The copro API (version 1)" in page


def test_status_for_people_and_machines(client, dataset):
    r = client.get("/status")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    page = r.content.decode()
    assert dataset.source in page and dataset.sha256 in page and "answers" in page
    for how in ({"path": "/status.json"}, {"path": "/status", "HTTP_ACCEPT": "application/json"}):
        r = client.get(**how)
        assert r.status_code == 200 and r["Content-Type"] == "application/json"
        doc = r.json()
        assert doc["status"] == "ok" and doc["database"]["reachable"] is True
        assert doc["dataset"]["sha256"] == dataset.sha256
        assert doc["dataset"]["areas"]["local_authority"] == 153
        assert doc["dataset"]["imported_at"] == dataset.imported_at.isoformat()
    assert client.get("/healthz").content == b"ok\n"  # the load balancers' check as it was
