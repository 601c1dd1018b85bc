"""A website after its first start, made once per test run and copied for every server whose
test is not about the first start.

`copro serve` on an empty data folder migrates the tables, imports the bundled DfE data,
collects the static files and draws every page (~20 s of CPU); a server on a folder where that
was done starts in a few seconds. So the first start is made once, by a real `copro serve`
(stopped as soon as it answers), and each test's server gets a copy of what it left:

- on SQLite, the data folder (database, keys, static files) copied whole;
- on PostgreSQL, the same data folder (the keys: the audit log is chained with the integrity
  key) and the database copied with ``CREATE DATABASE ... TEMPLATE``.

Under pytest-xdist the seeds are made once for the whole run, by the first worker that needs
one (under a file lock, in the run's shared folder, tests/shared.py); without xdist once per
session. Tests of the first start itself (``copro_server(seeded=False)``, the cold-start and
command tests) still start from an empty folder.
"""

from __future__ import annotations

import shutil
import urllib.parse
from pathlib import Path

from tests.shared import locked
from tests.web.serve import server_env, start_serve

#: the seeded PostgreSQL database, the template of every seeded copy
SEED_DATABASE = "copro_seed"


def first_start(data_dir: Path, database_url: str | None) -> None:
    """Run `copro serve` on ``data_dir`` (and ``database_url``) until it answers, then stop it:
    what it leaves is a site after its first start. Its log is not kept in the seed."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir.parent / f"{data_dir.name}-first-start.log"
    proc, _ = start_serve(server_env(data_dir, database_url), log, workers=1, timeout=600)
    proc.terminate()
    proc.wait(timeout=60)


def _database(url: str) -> tuple[str, str]:
    """(URL of the cluster's maintenance database ``copro``, name of the database in ``url``)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/copro")), parts.path.lstrip("/")


class Seeds:
    """The run's seeds in ``folder`` (each made on first use); :meth:`copy` gives a test's
    server one."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _seed(self, database_url: str | None) -> Path:
        seed = self.folder / ("seed-postgresql" if database_url else "seed-sqlite")
        with locked(self.folder / "seed.lock"):
            if not (seed / ".done").exists():
                shutil.rmtree(seed, ignore_errors=True)
                seed_url = None
                if database_url:
                    maintenance, _ = _database(database_url)
                    seed_url = _recreate(maintenance, SEED_DATABASE)
                first_start(seed, seed_url)
                (seed / ".done").touch()
        return seed

    def copy(self, data_dir: Path, database_url: str | None = None) -> None:
        """Make ``data_dir`` (and the database at ``database_url``, which is dropped and made
        again, in the running cluster of ``postgres_url``) a copy of the site after its first
        start."""
        seed = self._seed(database_url)
        shutil.copytree(seed, data_dir, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".done"))
        if database_url:
            maintenance, name = _database(database_url)
            with locked(self.folder / "seed.lock"):  # one copy of the template at a time
                _recreate(maintenance, name, template=SEED_DATABASE)


def _recreate(maintenance_url: str, name: str, template: str | None = None) -> str:
    """Drop the database ``name`` if it exists and make it again (empty, or a copy of
    ``template``); its URL."""
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return maintenance_url.rsplit("/", 1)[0] + "/" + name
