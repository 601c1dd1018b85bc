"""The attack of issue 27.1 (see test_survey_weighted_attack) through `copro serve`
(gunicorn): a round of 10 families, five each alone in a weighting cell, imported as a forum's
export, published by its coordinator in Chromium, and attacked from the public JSON and DfE's
own published file alone. Nothing is recovered."""

from __future__ import annotations

import csv
import json
import random

from copro.stats import calibration as cal
from copro.survey.weighted import margins_from_counts
from tests.web.survey_helpers import INST
from tests.web.test_survey_weighted_attack import ROUND, _family, attack


def _dfe_margins(code: str) -> dict:
    """The LA's DfE counts by who asked and what was decided, from DfE's published file."""
    from copro.sources.dfe import bundled_dfe_path, read_dfe_requests

    table = read_dfe_requests(bundled_dfe_path())
    period = table.default_period or table.periods()[-1]
    margins = margins_from_counts(table.cells(period).get(code))
    assert margins is not None  # complete, not suppressed
    return margins


def test_through_the_production_server_the_attack_recovers_nothing(copro_server, browser,
                                                                   tmp_path):
    """The same round through `copro serve` (gunicorn): imported as a forum's export,
    published by its coordinator in Chromium, and attacked from the public JSON alone."""
    import os
    import subprocess
    import time
    import urllib.request

    from tests.web.conftest import COPRO
    from tests.web.serve import create_user
    from tests.web.survey_helpers import KENT, PASSWORD, publish_all, sign_in_page

    server = copro_server(env={"COPRO_SURVEY_RATE_LIMIT": "1000"})
    env = {**os.environ, "COPRO_DATA_DIR": str(server.data_dir), "COPRO_NEW_PASSWORD": PASSWORD}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    create_user(env, "kent-weights", "--la", "Kent", password=PASSWORD)
    rng = random.Random(27)
    families = [_family(rng, who, decided) for who, decided in ROUND]
    questions = [q for q in INST.questions_for("families")
                 if any(q.id in a for a in families)]
    export = tmp_path / "families.csv"
    with export.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["ID", *(q.text("families") for q in questions)])
        for i, a in enumerate(families):
            out.writerow([i, *(q.option(a[q.id]).label if q.id in a else "" for q in questions)])
    r = subprocess.run([COPRO, "survey", "import", str(export), "--la", "Kent",
                        "--audience", "families"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_page(page, server.url, "kent-weights")
    publish_all(page)
    context.close()
    time.sleep(2.5)  # the results are asked for anew every 2 s
    with urllib.request.urlopen(f"{server.url}/survey/results/{KENT}.json", timeout=30) as got:
        doc = json.loads(got.read())
    fam = next(x for x in doc["levels"] if x["audience"] == "families")
    assert fam["responses"] == 10  # published ...
    assert fam["distributions"]["ladder"]["answers"] == 10
    margins = _dfe_margins(KENT)
    assert attack(doc, margins, min_cell=cal.MIN_CELL) == {}  # ... and nobody recovered
    assert fam["weighted"]["not_weighted"] == cal.ONE_GROUP
