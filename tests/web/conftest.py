"""Fixtures for the website's tests, for the explorer's and the survey's alike:

- ``django_db_setup`` (pytest-django's, extended): the test database with the bundled DfE data
  imported once per session, so ``@pytest.mark.django_db`` tests see every page's data;
- ``postgres_url``: a throwaway PostgreSQL cluster for the session (Debian's ``postgresql``:
  initdb/pg_ctl, run as the ``postgres`` user when the tests run as root), on a loopback port;
  its URL is a fresh empty database (under pytest-xdist, one cluster for the whole run and a
  database per worker);
- ``copro_server``: a factory that starts the real ``copro serve`` (gunicorn) on a free loopback
  port with its own data folder (SQLite, or ``database_url=``), waits until ``/healthz``
  answers, and stops it at the end of the session; ``live_url`` is one on SQLite;
- ``site_url`` (for every test here): ``COPRO_SITE_URL`` is ``http://testserver``, the test
  client's address, since emailed links are built from it alone (each server started by
  ``copro_server`` gets its own address);
- ``browser`` (tests/conftest.py) and ``axe_violations`` (tests/browser.py), shared with the
  report's page tests.

Without PostgreSQL or Chromium a test fails, on CI and on a developer's machine alike, never
skipped: `make test` installs both as root, or stops saying what to install.
"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser import axe_violations  # noqa: F401 - for the tests
from tests.shared import locked, shared_dir, worker_id
from tests.web.pg import Cluster, free_port  # noqa: F401 - free_port: for the tests
from tests.web.serve import COPRO, server_env, start_serve  # noqa: F401 - COPRO: likewise
from tests.web.survey_load import new_database


@pytest.fixture(autouse=True)
def site_url(settings):
    """The site's address for links in email (COPRO_SITE_URL): the test client's."""
    settings.SITE_URL = "http://testserver"
    return settings.SITE_URL


def missing(what: str) -> None:
    """Fail: a missing component must never let a test pass silently, on CI or off it."""
    pytest.fail(f"{what}: `make test` installs it as root, or says how (.ci/run does on CI)")


def postgres_cluster() -> Cluster:
    """A PostgreSQL cluster, not started yet; fails the test when PostgreSQL is missing."""
    try:
        return Cluster()
    except FileNotFoundError as exc:
        missing(str(exc))


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
def postgres_url(request):
    """A throwaway PostgreSQL cluster for the session; yields the URL of an empty database.

    Under pytest-xdist the workers share one cluster, started by the first worker that needs
    it (under a file lock) and stopped by the controller at the end of the run
    (tests/shared.py); each worker gets its own empty database in it."""
    shared = shared_dir(request.config)
    if shared is None:
        with postgres_cluster() as url:
            yield url
        return
    state = shared / "postgresql.json"
    with locked(shared / "postgresql.lock"):
        if state.exists():
            url = json.loads(state.read_text())["url"]
        else:
            cluster = postgres_cluster()
            url = cluster.start()
            state.write_text(json.dumps({"url": url, "root": str(cluster.root)}))
    yield new_database(url, f"copro_{worker_id(request.config)}")


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


