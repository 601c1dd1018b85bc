"""Temporary files and folders beside an output, and the removal of those a killed run left.

A temporary path is named ``.<name>.copro-<pid>-<8 hex digits>`` beside the output ``<name>``
it will become, and its owner holds an exclusive lock on it (``flock``) for as long as it
exists: a process that dies, even by ``kill -9``, lets go of the lock. A later run removes the
temporaries of the output it writes whose lock is free, and only those: never a live run's
(lock held), never a file it did not name (the name must match exactly). The process id in the
name is for a person reading a listing; it decides only where locks are not available (a file
system without ``flock``), since a process id can be reused (``copro`` is process 1 in every
new container) and means nothing in another container sharing the folder.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

MARK = ".copro-"
_NAME = re.compile(r"\.(?P<name>.+)\.copro-(?P<pid>\d+)-[0-9a-f]{8}")

try:
    import fcntl
except ImportError:  # not a POSIX system: process ids decide
    fcntl = None


@dataclass
class Temp:
    """A temporary path this process made and holds locked until :meth:`release`."""

    path: Path
    fd: int | None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def discard(self) -> None:
        """Remove the temporary file if it is still there (not renamed into place; a failure
        to remove is ignored), then release it."""
        try:
            if os.path.lexists(self.path):
                os.unlink(self.path)
        except OSError:
            pass
        self.release()


def temp_name(parent: Path, name: str) -> Path:
    """A fresh temporary name for ``name`` in ``parent`` (nothing is created)."""
    return Path(parent) / f".{name}{MARK}{os.getpid()}-{secrets.token_hex(4)}"


def make_file(parent: Path, name: str) -> Temp:
    """Create an empty temporary file (mode 0600) for the output ``parent/name``, locked."""
    return _make(Path(parent), name, folder=False)


def make_folder(parent: Path, name: str) -> Temp:
    """Create an empty temporary folder (mode 0700) for the output ``parent/name``, locked."""
    return _make(Path(parent), name, folder=True)


def _make(parent: Path, name: str, folder: bool) -> Temp:
    for _ in range(5):
        path = temp_name(parent, name)
        if folder:
            os.mkdir(path, 0o700)
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            locked = _lock(fd, wait=True)
            # another run may have judged it stale between its creation and the lock
            if not locked or _same(fd, path):
                return Temp(path, fd)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    raise OSError(errno.EAGAIN, "temporary files keep disappearing", str(parent))


def _lock(fd: int, wait: bool) -> bool | None:
    """Take the lock: True; held by another: False; no locks on this system: None."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            return None
        raise
    return True


def _same(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.lstat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def sweep(parent: Path, name: str | set[str]) -> list[Path]:
    """Remove the temporaries of output ``name`` (or of each of a set of names) in ``parent``
    that a dead process left (their lock is free). Returns what was removed; anything it
    cannot judge or remove stays."""
    names = {name} if isinstance(name, str) else name
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        match = _NAME.fullmatch(entry.name)
        if match is None or match["name"] not in names:
            continue
        try:
            if not (entry.is_dir(follow_symlinks=False) or entry.is_file(follow_symlinks=False)):
                continue  # never a link, device or pipe: copro makes none
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            mode = os.fstat(fd).st_mode
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)) or not _same(fd, Path(entry.path)):
                continue
            locked = _lock(fd, wait=False)
            stale = locked if locked is not None else not _alive(int(match["pid"]))
            if not stale:
                continue
            if stat.S_ISDIR(mode):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
        finally:
            os.close(fd)
    return removed
