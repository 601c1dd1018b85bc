"""`copro serve` and `copro db` stay out of the way of the rest of copro."""

from __future__ import annotations

import subprocess
import sys


def test_copro_cli_does_not_import_django():
    """`copro audit` starts as fast as before: Django is imported by `serve`/`db` only."""
    code = "import sys, copro.cli; print(sorted(m for m in sys.modules if m.startswith(" \
           "('django', 'gunicorn', 'psycopg', 'whitenoise'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_serve_and_db_are_commands():
    out = subprocess.run([sys.executable, "-m", "copro", "--help"], capture_output=True,
                         text=True, timeout=60)
    assert " serve " in out.stdout and " db " in out.stdout
