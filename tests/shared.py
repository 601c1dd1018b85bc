"""What the workers of one parallel test run share (`make test` runs pytest-xdist workers).

Each xdist worker is a process with its own session fixtures; a resource costly to make and
safe to share (the PostgreSQL cluster) is made once for the run instead: by the first worker
that needs it, under a file lock in a folder the controller makes for the run and hands to
every worker (``pytest_configure_node`` in tests/conftest.py), and removed by the controller
when the run ends. Without xdist (a developer's ``pytest tests/x.py``) there is no such folder
and each fixture makes its own resource, as before.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: key of the shared folder in a worker's ``config.workerinput``
KEY = "copro_shared"


def shared_dir(config: pytest.Config) -> Path | None:
    """The run's shared folder on an xdist worker; None when not running under xdist."""
    workerinput = getattr(config, "workerinput", None)
    if not workerinput or KEY not in workerinput:
        return None
    return Path(workerinput[KEY])


def worker_id(config: pytest.Config) -> str:
    """``gw0``, ``gw1``... on an xdist worker; ``main`` otherwise."""
    workerinput = getattr(config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "main"


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (made if missing) for the block: one worker
    at a time."""
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
