"""The documented output schema names every field the outputs have."""

import json
import re
import subprocess
from pathlib import Path

from copro.audit import audit
from copro.render import area_table
from copro.render.json_out import findings_dict
from copro.sources.dfe import read_dfe_requests
from tests.test_cli import COPRO

DOC = (Path(__file__).resolve().parents[1] / "docs" / "outputs.md").read_text()
DOCUMENTED = set(re.findall(r"`([a-z_0-9<>]+)`", DOC))


def _keys(obj, found):
    if isinstance(obj, dict):
        for k, v in obj.items():
            found.add(k)
            _keys(v, found)
    elif isinstance(obj, list):
        for v in obj:
            _keys(v, found)
    return found


def test_every_json_key_is_documented(dfe_csv, tmp_path):
    from copro.register import find_local_authority
    from copro.sources.sen2 import read_sen2
    from copro.synth import SynthSpec, write_synthetic

    write_synthetic(tmp_path, SynthSpec(tuple(find_local_authority(x) for x in ("Leeds",
                                                                                "Kent")), 400))
    keys = set()
    for counts in (read_dfe_requests(dfe_csv), read_sen2(tmp_path)[0]):
        keys |= _keys(json.loads(json.dumps(findings_dict(audit(counts)))), set())
    # keys that are values of a documented enumeration (groups, outcomes, methods)
    enumerated = {"family", "education", "health", "social_care", "other", "unknown", "all",
                  "assessment", "timeliness", "mediation", "tribunal", "plan", "plan_timeliness",
                  "plan_timeliness_all", "REML", "DL", "PM"}
    undocumented = sorted(k for k in keys - enumerated if k not in DOCUMENTED)
    assert undocumented == []


def test_every_csv_column_is_documented(bundled_findings):
    cols = area_table.columns(bundled_findings)
    patterns = [re.escape(p).replace("<outcome>", "[a-z]+").replace("<group>", "[a-z_]+")
                for p in DOCUMENTED]
    for col in cols:
        stem = col
        assert any(re.fullmatch(p, stem) for p in patterns) or any(
            col.endswith(suffix.lstrip("_")) for suffix in DOCUMENTED if suffix.startswith("_")
        ), col


def test_readme_commands_exist():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert readme.lstrip().startswith("# ")
    first_block = readme.split("```")[1]
    assert "make audit" in first_block and "make test" in first_block
    help_text = subprocess.run([COPRO, "--help"], capture_output=True, text=True).stdout
    for command in ("audit", "la"):
        assert command in help_text
