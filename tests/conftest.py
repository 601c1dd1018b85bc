"""Shared fixtures: the bundled DfE file, and a builder for small DfE-layout CSV files."""

from __future__ import annotations

import atexit
import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import settings as hypothesis_settings

from copro.sources.dfe import REQUIRED_COLUMNS, bundled_dfe_path

# Property tests check invariants, not speed: on a loaded 2-core CI machine a single example can
# take longer than Hypothesis' default 200 ms deadline, which would fail a correct test.
hypothesis_settings.register_profile("copro", deadline=None)
hypothesis_settings.load_profile("copro")

# The website's tests (tests/web): Django's settings read the environment when pytest-django
# sets Django up, so the data folder (secret key, SQLite) is a throwaway one, never the user's.
os.environ["COPRO_DATA_DIR"] = tempfile.mkdtemp(prefix="copro-test-data-")
atexit.register(shutil.rmtree, os.environ["COPRO_DATA_DIR"], True)
os.environ["DJANGO_SETTINGS_MODULE"] = "copro.web.settings"
# the survey is served only with a filled privacy notice (copro.web.survey.views): the tests'
# servers and clients have one; a test of the unfilled notice removes these
os.environ.setdefault("COPRO_SURVEY_CONTROLLER", "Test Parent Carer Forums Network")
os.environ.setdefault("COPRO_SURVEY_CONTACT", "data@forums.example")
django_settings.DATABASES  # noqa: B018 - loads the settings now: pytest-django sets Django up


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """The tests' own result cache (inherited by the copro subprocesses), never the user's."""
    import os

    os.environ["COPRO_CACHE_DIR"] = str(tmp_path_factory.mktemp("copro-cache"))


@pytest.fixture(scope="session")
def dfe_csv() -> Path:
    """The bundled DfE 2025 file (its SHA-256 is checked against its provenance note)."""
    return bundled_dfe_path()


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
def browser():
    """Headless Chromium, once per session, for every page test (tests/browser.py)."""
    from tests.browser import launched

    yield from launched()
