"""`copro serve` and `copro db` stay out of the way of the rest of copro."""

from __future__ import annotations

import subprocess
import sys

import pytest


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
            "print(sorted(m for m in ('copro.web.survey.views', 'copro.web.explorer.views', "
            "'scipy.stats', 'statsmodels.stats.proportion') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={"PATH": "/usr/bin:/bin",
                                           "COPRO_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ("['copro.web.explorer.views', 'copro.web.survey.views', "
                                  "'scipy.stats', 'statsmodels.stats.proportion']")


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


def _static_sources(settings, tmp_path, css: str):
    """A stylesheet source folder and an empty STATIC_ROOT of the test's own."""
    source = tmp_path / "source"
    (source / "copro").mkdir(parents=True, exist_ok=True)
    (source / "copro" / "copro.css").write_text(css)
    settings.STATICFILES_DIRS = [source]
    settings.STATIC_ROOT = tmp_path / "static"
    return source, tmp_path / "static"


def test_static_files_are_collected_again_only_when_their_sources_change(settings, tmp_path):
    """`copro serve` collects the static files at each start; when the files there were
    collected from the same sources it leaves them (compressing them all again writes the same
    bytes), and collects again when a source changed or a collected file has gone."""
    import json

    from copro.web.commands import COLLECTED_FROM, collect_static

    source, root = _static_sources(settings, tmp_path, "body { color: #0b0c0c }\n")
    collect_static()
    manifest = root / "staticfiles.json"
    first = json.loads(manifest.read_text())["paths"]["copro/copro.css"]
    assert (root / first).read_text() == "body { color: #0b0c0c }\n"
    assert (root / COLLECTED_FROM).is_file()
    written = manifest.stat().st_mtime_ns

    collect_static()  # the same sources: nothing collected
    assert manifest.stat().st_mtime_ns == written

    (source / "copro" / "copro.css").write_text("body { color: #1d70b8 }\n")
    collect_static()  # a source changed: collected again, under its new hashed name
    second = json.loads(manifest.read_text())["paths"]["copro/copro.css"]
    assert second != first and (root / second).read_text() == "body { color: #1d70b8 }\n"

    (root / second).unlink()  # a collected file has gone: collected again
    collect_static()
    assert (root / second).read_text() == "body { color: #1d70b8 }\n"


def test_a_collection_cut_short_is_done_again(settings, tmp_path, monkeypatch):
    """The fingerprint is written only after collectstatic completes: a collection that fails
    part-way leaves none, and the next start collects again."""
    import django.core.management

    from copro.web.commands import COLLECTED_FROM, collect_static

    _, root = _static_sources(settings, tmp_path, "p { margin: 0 }\n")
    collect_static()
    (root / "copro" / "copro.css").unlink()

    def cut_short(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(django.core.management, "call_command", cut_short)
    with pytest.raises(KeyboardInterrupt):
        collect_static()
    assert not (root / COLLECTED_FROM).exists()
    monkeypatch.undo()
    collect_static()
    assert (root / "copro" / "copro.css").read_text() == "p { margin: 0 }\n"
    assert (root / COLLECTED_FROM).is_file()


def test_the_tests_static_index_is_the_one_whitenoise_makes(settings, tmp_path):
    """tests/conftest.py indexes a static folder once per test process for every Django test
    client: each later middleware must serve exactly what a fresh index would (the same URLs,
    files and headers), and a new collection must be indexed anew."""
    from whitenoise.base import WhiteNoise
    from whitenoise.middleware import WhiteNoiseMiddleware

    from copro.web.commands import collect_static

    source, root = _static_sources(settings, tmp_path, "a { color: #1d70b8 }\n")
    collect_static()

    def fresh() -> dict:
        """The index WhiteNoise itself makes of the folder (its own, unshared method)."""
        made = WhiteNoiseMiddleware(lambda r: None)
        made.files = {}
        WhiteNoise.update_files_dictionary.indexes_the_folder(made, str(root) + "/",
                                                              "/static/")
        return made.files

    def served(files: dict) -> dict:
        return {url: [(path, sorted(headers)) for _, path, headers in f.alternatives]
                for url, f in files.items()}

    first, second = WhiteNoiseMiddleware(lambda r: None), WhiteNoiseMiddleware(lambda r: None)
    assert second.files["/static/copro/copro.css"] is first.files["/static/copro/copro.css"]
    assert served(second.files) == served(fresh())
    (source / "copro" / "copro.css").write_text("a { color: #d4351c }\n")
    collect_static()  # a new manifest: indexed again, the new hashed file among the URLs
    third = WhiteNoiseMiddleware(lambda r: None)
    assert set(third.files) - set(first.files) and served(third.files) == served(fresh())
