"""Fixtures for the website's tests, for the explorer's and the survey's alike:

- ``django_db_setup`` (pytest-django's, extended): the test database with the bundled DfE data
  imported once per session, so ``@pytest.mark.django_db`` tests see every page's data;
- ``postgres_url``: a throwaway PostgreSQL cluster for the session (Debian's ``postgresql``:
  initdb/pg_ctl, run as the ``postgres`` user when the tests run as root), on a loopback port;
  its URL is a fresh empty database;
- ``copro_server``: a factory that starts the real ``copro serve`` (gunicorn) on a free loopback
  port with its own data folder (SQLite, or ``database_url=``), waits until ``/healthz``
  answers, and stops it at the end of the session; ``live_url`` is one on SQLite;
- ``browser``: headless Chromium (Debian's) through Playwright, and ``axe_violations(page)``.

A missing system component (Chromium, PostgreSQL) fails the test under CI=true, and is skipped
only on a developer's machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.web.pg import Cluster, free_port  # noqa: F401 - free_port: for the tests
from tests.web.serve import COPRO, server_env, start_serve  # noqa: F401 - COPRO: likewise

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def missing(what: str) -> None:
    """Fail under CI (a missing component must never pass silently); skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (.ci/run installs it)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, migrated, with the bundled DfE file imported through copro's own
    import (as `copro serve` does on first start)."""
    from copro.web.commands import collect_static
    from copro.web.explorer.importing import import_dfe

    collect_static()  # as `copro serve` does: the built stylesheet, hashed and compressed
    with django_db_blocker.unblock():
        import_dfe()


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL cluster for the session; yields the URL of an empty database."""
    try:
        cluster = Cluster()
    except FileNotFoundError as exc:
        missing(str(exc))
    with cluster as url:
        yield url


class Server:
    """A running `copro serve`: its base URL and its log (standard error)."""

    def __init__(self, url: str, process: subprocess.Popen, log: Path, data_dir: Path):
        self.url, self.process, self.log, self.data_dir = url, process, log, data_dir

    def get(self, path: str, timeout: float = 30):
        """(status, headers, body bytes); redirects are not followed."""
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(self.url + path, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()


@pytest.fixture(scope="session")
def copro_server(tmp_path_factory):
    """Factory: ``copro_server(database_url=None, env=None)`` starts `copro serve` (gunicorn,
    the production server) on a free loopback port, its own data folder, and stops it at the
    end of the session."""
    started: list[Server] = []

    def start(database_url: str | None = None, env: dict | None = None) -> Server:
        data_dir = tmp_path_factory.mktemp("serve-data")
        log = data_dir / "serve.log"
        process, url = start_serve({**server_env(data_dir, database_url), **(env or {})}, log,
                                   timeout=120)
        server = Server(url, process, log, data_dir)
        started.append(server)
        return server

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()


@pytest.fixture(scope="session")
def live_url(copro_server) -> str:
    """`copro serve` on SQLite, with the bundled data: its base URL."""
    return copro_server().url


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        missing("Chromium is not installed (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.2 A and AA violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}: "
            f"{[n['target'] for n in v['nodes'][:3]]})"
            for v in results.response["violations"]]
