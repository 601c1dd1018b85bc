"""The set-up contract: `make test` installs Chromium for the browser tests or stops saying how."""

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_make_test_stops_with_a_clear_message_without_chromium(tmp_path):
    """Not root and no Chromium on PATH: `make chromium` (a prerequisite of `make test`) fails
    and says what to install, instead of letting the browser tests be skipped."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_id = bin_dir / "id"
    fake_id.write_text("#!/bin/sh\necho 1000\n")
    fake_id.chmod(0o755)
    make = shutil.which("make")
    assert make is not None, "make is part of the set-up contract"
    proc = subprocess.run([make, "--no-print-directory", "-C", str(ROOT), "chromium"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": str(bin_dir)})
    assert proc.returncode != 0
    assert "make test needs Chromium's headless shell" in proc.stderr
    assert "apt-get install chromium-headless-shell" in proc.stderr


def test_make_test_depends_on_chromium():
    makefile = (ROOT / "Makefile").read_text()
    test_rule = next(line for line in makefile.splitlines() if line.startswith("test:"))
    assert "chromium" in test_rule.split(":", 1)[1].split()


def make_as_a_user(target: str, tmp_path, *variables: str) -> subprocess.CompletedProcess:
    """`make TARGET` as a user who is not root (a fake `id` says 1000), with only that `id`
    on PATH: nothing can be installed, so make must stop or find what it needs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake_id = bin_dir / "id"
    fake_id.write_text("#!/bin/sh\necho 1000\n")
    fake_id.chmod(0o755)
    make = shutil.which("make")
    assert make is not None, "make is part of the set-up contract"
    return subprocess.run([make, "--no-print-directory", "-C", str(ROOT), target, *variables],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": str(bin_dir)})


def test_make_test_stops_with_a_clear_message_without_postgresql(tmp_path):
    """No PostgreSQL (none under POSTGRES_ROOT) and not root: `make postgresql` (a
    prerequisite of `make test`) fails and says what to install."""
    proc = make_as_a_user("postgresql", tmp_path, f"POSTGRES_ROOT={tmp_path / 'none'}")
    assert proc.returncode != 0
    assert "make test needs PostgreSQL" in proc.stderr
    assert "apt-get install postgresql" in proc.stderr


def test_make_postgresql_finds_an_installed_postgresql(tmp_path):
    """With Debian's layout (POSTGRES_ROOT/<version>/bin/initdb) it installs nothing, says
    nothing and succeeds."""
    initdb = tmp_path / "pg" / "17" / "bin" / "initdb"
    initdb.parent.mkdir(parents=True)
    initdb.write_text("#!/bin/sh\n")
    initdb.chmod(0o755)
    proc = make_as_a_user("postgresql", tmp_path, f"POSTGRES_ROOT={tmp_path / 'pg'}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout + proc.stderr == ""


def test_make_test_depends_on_postgresql():
    makefile = (ROOT / "Makefile").read_text()
    test_rule = next(line for line in makefile.splitlines() if line.startswith("test:"))
    assert "postgresql" in test_rule.split(":", 1)[1].split()


def test_the_postgresql_fixture_fails_without_postgresql_off_ci(monkeypatch):
    """A developer's machine without PostgreSQL fails the website's database tests as CI does,
    instead of skipping them."""
    import pytest

    from tests.web import conftest, pg

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(pg, "pg_bin_dir", lambda: None)
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is not installed"):
        conftest.postgres_cluster()


def test_the_readme_names_what_make_test_installs():
    readme = (ROOT / "README.md").read_text()
    make_test = next(line for line in readme.splitlines() if line.startswith("make test"))
    following = readme[readme.index(make_test):][:400]
    assert "chromium" in following and "postgresql" in following
