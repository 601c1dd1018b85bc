"""Shared fixtures: the bundled DfE file, and a builder for small DfE-layout CSV files."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import settings as hypothesis_settings

from copro.sources.dfe import REQUIRED_COLUMNS, bundled_dfe_path
from tests import shared

# Property tests check invariants, not speed: on a loaded 2-core CI machine a single example can
# take longer than Hypothesis' default 200 ms deadline, which would fail a correct test.
hypothesis_settings.register_profile("copro", deadline=None)
hypothesis_settings.load_profile("copro")

# The website's tests (tests/web): the data folder (secret key, SQLite, static files) is a
# throwaway one per test process, never the user's nor another worker's: set by the plugin
# tests/data_folder.py, before pytest-django sets Django up.
assert "copro-test-data-" in os.environ.get("COPRO_DATA_DIR", ""), \
    "run the tests with pytest's -p tests.data_folder (pyproject.toml's addopts)"
# The session's Chromium is driven through Playwright's sync API, which keeps an asyncio loop
# running in the main thread while it is open; Django then refuses every database call made
# in that thread ("SynchronousOnlyOperation"). A serial run escaped it only because
# pytest-django runs the database tests first; a parallel worker may well get a browser test
# before a database test. copro has no async code (WSGI, gunicorn's threads), so the check
# has nothing to catch here; the servers the tests start run without this (server_env).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# the survey is served only with a filled privacy notice (copro.web.survey.views): the tests'
# servers and clients have one; a test of the unfilled notice removes these
os.environ.setdefault("COPRO_SURVEY_CONTROLLER", "Test Parent Carer Forums Network")
os.environ.setdefault("COPRO_SURVEY_CONTACT", "data@forums.example")
django_settings.DATABASES  # noqa: B018 - loads the settings now: pytest-django sets Django up
# Passwords hashed in this process (the Django test client's sign-ins, accounts made by the
# tests) with a fast hasher, as Django's testing documentation advises: PBKDF2's million
# rounds cost ~0.25 s of CPU each, and the lockout tests sign in dozens of times. PBKDF2 stays
# second, to check the passwords of accounts made by a real `copro users` or `copro serve`,
# which keep copro's own settings (tests/web/serve.py: server_env).
django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                    "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def _static_files_indexed_once() -> None:
    """WhiteNoise indexes the static folder (~1,200 files: a stat, a parsed date and a set of
    headers each) whenever its middleware is made, which is once per process in a server but
    once per Django test ``Client`` here (each makes its own handler): ~40 ms of CPU for every
    client, hundreds of clients a run. In the test process the index of a folder is made once
    and given to every later middleware with the same folder, URL prefix and header settings,
    while the folder's manifest is unchanged (a new collection makes a new index). The servers
    the tests start keep WhiteNoise as it is."""
    from whitenoise.base import WhiteNoise

    index_folder = WhiteNoise.update_files_dictionary
    indexes: dict[tuple, dict] = {}

    def update_files_dictionary(self, root, prefix):
        from django.contrib.staticfiles.storage import staticfiles_storage

        manifest = os.path.join(root, staticfiles_storage.manifest_name)
        made = os.stat(manifest).st_mtime_ns if os.path.exists(manifest) else None
        immutable = self.immutable_file_test  # the middleware's own method: its function
        key = (root, prefix, made, self.max_age, self.allow_all_origins, self.charset,
               getattr(immutable, "__func__", immutable), self.add_headers_function,
               self.index_file)
        if key not in indexes:
            before = set(self.files)
            index_folder(self, root, prefix)
            indexes[key] = {url: f for url, f in self.files.items() if url not in before}
        self.files.update(indexes[key])

    update_files_dictionary.indexes_the_folder = index_folder  # for its test
    WhiteNoise.update_files_dictionary = update_files_dictionary


_static_files_indexed_once()


# --- pytest-xdist (`make test` runs the suite on several worker processes) ----------------
# The controller makes one folder for the run and hands it to every worker (tests/shared.py);
# what the workers share there (the PostgreSQL cluster) is stopped here when the run ends.

@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    config = node.config
    if not hasattr(config, "copro_shared"):
        config.copro_shared = Path(tempfile.mkdtemp(prefix="copro-test-run-"))
    node.workerinput[shared.KEY] = str(config.copro_shared)


#: modules whose tests are spread over the workers one by one: many tests, each independent,
#: and fixtures wider than a test cheap enough to make again on each worker (the hostile
#: corpus, ~2 s; `copro audit --json` on the run's warm cache)
SPREAD = {"tests/test_hostile.py", "tests/test_disclosure.py", "tests/test_xml_prolog.py",
          "tests/test_cli.py"}
#: the slowest modules, started first so that no worker is left with a long one at the end
#: (the scheduler hands out modules in collection order: `--no-loadscope-reorder`, Makefile)
SLOW_FIRST = ["tests/web/test_survey_browser.py", "tests/test_report.py",
              "tests/web/test_browser.py", "tests/web/test_accounts_browser.py",
              "tests/web/test_deploy.py", "tests/web/test_survey_weighted_browser.py",
              "tests/test_sen2_returns.py", "tests/test_wording.py"]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile` (`make test`): each module's tests on one worker, as xdist's loadfile
    does, so that a module's fixtures (a report built, a server started, a browser signed in)
    are made once, as in a serial run; but the tests of the modules in :data:`SPREAD` go one by
    one to whichever worker is free. (Decided from the test's address alone, in the
    controller: xdist's own `loadgroup` marks are lost on pytest 9, which no longer reads the
    ``_nodeid`` xdist 3.8 rewrites.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ModuleOrTest(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return nodeid if module in SPREAD else module

    return ModuleOrTest(config, log)


class SlowFirst:
    """On an xdist worker, the slowest modules' tests first (:data:`SLOW_FIRST`); tests using
    the database keep pytest-django's order among themselves (transactional ones last)."""

    @pytest.hookimpl(trylast=True)  # after pytest-django's sort (database tests first)
    def pytest_collection_modifyitems(self, items):
        rank = {m: i for i, m in enumerate(SLOW_FIRST)}

        def key(item):
            if item.get_closest_marker("django_db"):
                return len(rank)
            return rank.get(item.nodeid.split("::", 1)[0], len(rank))
        items.sort(key=key)


def pytest_configure(config):
    if getattr(config, "workerinput", None) is not None:
        config.pluginmanager.register(SlowFirst(), "copro-slow-first")


def pytest_unconfigure(config):
    folder = getattr(config, "copro_shared", None)
    if folder is None:
        return
    state = folder / "postgresql.json"
    if state.exists():
        from tests.web.pg import stop_cluster

        stop_cluster(Path(json.loads(state.read_text())["root"]))
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(request, tmp_path_factory):
    """The tests' own result cache (inherited by the copro subprocesses), never the user's;
    under xdist one for the whole run, so that the audit of the bundled data is computed once
    (entries are written whole and renamed into place: workers may share it). Tests of the
    cache itself, and of a cold start, set their own."""
    folder = shared.shared_dir(request.config)
    if folder is not None:
        folder = folder / "copro-cache"
        folder.mkdir(exist_ok=True)
    else:
        folder = tmp_path_factory.mktemp("copro-cache")
    os.environ["COPRO_CACHE_DIR"] = str(folder)


@pytest.fixture(scope="session")
def dfe_csv() -> Path:
    """The bundled DfE 2025 file (its SHA-256 is checked against its provenance note)."""
    return bundled_dfe_path()


@pytest.fixture(scope="session")
def bundled_findings(dfe_csv):
    """The audit of the bundled DfE 2025 file with the default options, computed once per
    process (~1.2 s of CPU each time) for every module that reads it. ``Findings`` is frozen:
    no test can change what another reads."""
    from copro.audit import audit
    from copro.sources.dfe import read_dfe_requests

    return audit(read_dfe_requests(dfe_csv))


def dfe_row(level: str = "Local authority", la: str = "Testshire", code: str = "E06000999",
            old: str = "999", region: str = "South East", region_code: str = "E12000008",
            breakdown: str = "Parent or young person", period: str = "2025",
            received=10, assess=6, not_assess=3, pending=1, withdrawn=0, six=8, over=1,
            mediation=1, tribunal=0, topic: str | None = None) -> dict:
    """One row in DfE's layout; counts may be given as strings (symbols)."""
    if topic is None:
        topic = ("All requests for an EHC needs assessment"
                 if breakdown == "All requests for an EHC needs assessment"
                 else "Source of request")
    national = level == "National"
    regional = level == "Regional"
    row = {c: "" for c in REQUIRED_COLUMNS}
    row.update({
        "time_period": period, "time_identifier": "Calendar year", "geographic_level": level,
        "country_code": "E92000001", "country_name": "England",
        "region_code": "" if national else region_code,
        "region_name": "" if national else region,
        "new_la_code": "" if national or regional else code,
        "old_la_code": "" if national or regional else old,
        "la_name": "" if national or regional else la,
        "breakdown_topic": topic, "breakdown": breakdown,
        "requests_received_in_year": received, "requests_rya": 0,
        "requests_decided_to_assess": assess, "requests_decided_not_to_assess": not_assess,
        "requests_decision_not_made": pending, "requests_withdrawn": withdrawn,
        "request_outcome_six_weeks": six, "request_outcome_over_6_weeks": over,
        "mediation_related_request": mediation, "tribunal_related_request": tribunal,
    })
    return row


def write_dfe(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0].keys())
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def la_rows(la: str, code: str, fam: tuple, edu: tuple, **kw) -> list[dict]:
    """Family, education and total rows for one LA; ``fam``/``edu`` are
    (assess, not_assess, six, over)."""
    rows = []
    for breakdown, (a, n, s, o) in (("Parent or young person", fam),
                                    ("School or other education setting", edu)):
        rows.append(dfe_row(la=la, code=code, breakdown=breakdown, received=a + n, assess=a,
                            not_assess=n, pending=0, withdrawn=0, six=s, over=o, mediation=0,
                            tribunal=0, **kw))
    total = [sum(x) for x in zip(fam, edu, strict=True)]
    rows.append(dfe_row(la=la, code=code, breakdown="All requests for an EHC needs assessment",
                        received=total[0] + total[1], assess=total[0], not_assess=total[1],
                        pending=0, withdrawn=0, six=total[2], over=total[3], mediation=0,
                        tribunal=0, **kw))
    return rows


@pytest.fixture(scope="session")
def _chromium():
    """Headless Chromium, launched once per session (tests/browser.py): see ``browser``."""
    from tests.browser import Chromium

    chromium = Chromium()
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def browser(_chromium):
    """The session's Chromium for every page test; launched again for the next module if it
    has gone (a crash fails the tests of the module it happened in, not every page test after
    it on that worker)."""
    return _chromium.connected()
