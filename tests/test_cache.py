"""The result cache: a hit gives the same findings without recomputing; anything that changes
the input, the options or the code misses; a broken cache is ignored."""

import json
import subprocess
import sys

from copro import cache
from copro.cli import _run_audit
from copro.render.json_out import to_json
from tests.conftest import la_rows, write_dfe

DEFAULTS = dict(year=None, compare=("education", "family"), denominator="decided",
                min_requests=10, tau2="REML", hksj=False, no_cache=False)


def _entries(folder):
    return sorted(folder.glob("*.pickle"))


def test_hit_equals_fresh_computation(tmp_path, monkeypatch, dfe_csv):
    monkeypatch.setenv("COPRO_CACHE_DIR", str(tmp_path))
    first = _run_audit(data=None, **DEFAULTS)
    assert len(_entries(tmp_path)) == 1
    second = _run_audit(data=None, **DEFAULTS)
    fresh = _run_audit(data=None, **{**DEFAULTS, "no_cache": True})
    assert to_json(second) == to_json(first) == to_json(fresh)


def test_changed_file_or_options_miss(tmp_path, monkeypatch):
    monkeypatch.setenv("COPRO_CACHE_DIR", str(tmp_path / "cache"))
    rows = la_rows("Aton", "E06000901", (5, 5, 9, 1), (8, 2, 9, 1)) + la_rows(
        "Beton", "E06000902", (10, 10, 18, 2), (16, 4, 18, 2))
    path = write_dfe(tmp_path / "mine.csv", rows)
    before = _run_audit(data=path, **DEFAULTS)
    _run_audit(data=path, **{**DEFAULTS, "denominator": "received"})
    assert len(_entries(tmp_path / "cache")) == 2
    rows[0]["requests_decided_to_assess"] = 4
    rows[0]["requests_decided_not_to_assess"] = 6
    write_dfe(path, rows)
    after = _run_audit(data=path, **DEFAULTS)
    assert len(_entries(tmp_path / "cache")) == 3
    assert after.provenance.sha256 != before.provenance.sha256
    assert (after.local_authorities[0].outcomes["assessment"].rates["family"].successes
            == 4)


def test_broken_or_unwritable_cache_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("COPRO_CACHE_DIR", str(tmp_path))
    expected = to_json(_run_audit(data=None, **DEFAULTS))
    for entry in _entries(tmp_path):
        entry.write_bytes(b"not a pickle")
    assert to_json(_run_audit(data=None, **DEFAULTS)) == expected
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("COPRO_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    assert to_json(_run_audit(data=None, **DEFAULTS)) == expected


def test_no_cache_environment_switches_it_off(tmp_path, monkeypatch):
    monkeypatch.setenv("COPRO_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("COPRO_NO_CACHE", "1")
    assert cache.cache_dir() is None
    _run_audit(data=None, **DEFAULTS)
    assert _entries(tmp_path) == []


def test_a_hit_does_not_load_scipy(tmp_path):
    script = (
        "import sys, json\n"
        "from copro.cli import cli\n"
        "cli.main(['audit', '--json'], standalone_mode=False)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('scipy', 'statsmodels', 'pandas'))), file=sys.stderr)\n")
    env = {"COPRO_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    cold = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, check=True)
    warm = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, check=True)
    assert "scipy.stats" in json.loads(cold.stderr.splitlines()[-1])
    assert json.loads(warm.stderr.splitlines()[-1]) == []
    assert json.loads(warm.stdout) == json.loads(cold.stdout)
