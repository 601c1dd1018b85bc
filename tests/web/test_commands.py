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


def test_server_imports_every_view_before_the_workers_fork(tmp_path):
    """gunicorn forks its workers from the process that ran `load()`: the views (and SciPy and
    the rest they import) must already be imported there, or each worker imports them on its
    first request while that request, and every other one it holds, waits."""
    code = ("import sys; from copro.web.server import _Server; "
            "s = _Server.__new__(_Server); s.load(); "
            "print(sorted(m for m in ('copro.web.survey.views', 'copro.web.explorer.views') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={"PATH": "/usr/bin:/bin",
                                           "COPRO_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['copro.web.explorer.views', 'copro.web.survey.views']"


def test_the_master_freezes_its_objects_before_each_fork(settings, monkeypatch):
    """gunicorn calls ``pre_fork`` in the master before forking each worker: the master's
    garbage is collected and every object left frozen, so a worker's collector never walks
    the ~10^5 objects it inherits (a full collection took 0.4-3.8 s per worker on 2 cores)."""
    import gc

    from copro.web import server

    settings.TRUSTED_PROXIES = []
    hooks = []
    monkeypatch.setattr(server._Server, "run", lambda self: hooks.append(self.cfg.pre_fork))
    server.run("127.0.0.1", 0, 1, 1)
    assert hooks == [server.freeze_before_fork]
    try:
        server.freeze_before_fork(None, None)
        assert gc.get_freeze_count() > 10_000
        assert len(gc.get_objects()) < 1_000  # what a collection would still walk
    finally:
        gc.unfreeze()
