"""Standard output and error at the command's edge: a reader that stops reading (a closed
pipe) is a normal end; a stream that cannot be written (a full disk) is one line naming it."""

from __future__ import annotations

import errno
import os
import sys

from copro.errors import cannot_write


def closed_pipe():
    """The reader stopped reading (`copro audit | head -1`): a normal end, exit code 0, and
    nothing more said anywhere."""
    silence()
    sys.exit(0)


def silence(streams=None) -> None:
    """Point standard output and error (or ``streams``) at /dev/null, so that the
    interpreter's last flush of what is still buffered cannot fail again (and print a
    traceback) on the way out."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    for stream in streams or (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError, AttributeError):
            pass


class OutputError(OSError):
    """Standard output could not be written (a full disk, a device error)."""


class Output:
    """Standard output, whose write errors (other than a closed pipe) say it was standard
    output that failed: an operating system's error there names no file."""

    def __init__(self, stream):
        self._stream = stream

    def _do(self, action, *args):
        try:
            return action(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(exc.errno, exc.strerror) from None

    def write(self, text):
        return self._do(self._stream.write, text)

    def flush(self):
        return self._do(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def os_error_line(exc: OSError) -> str:
    """An operating-system error no command turned into a message of its own, as one line:
    the file (or standard output) and the system's reason."""
    if isinstance(exc, OutputError):
        silence([sys.stdout])
        return str(cannot_write("standard output", exc))
    reason = exc.strerror or type(exc).__name__
    advice = {errno.ENOSPC: "; free some space or choose a place on another disk",
              errno.EDQUOT: "; free some space or choose a place on another disk",
              errno.EROFS: "; choose a place on a writable file system",
              errno.EACCES: "; check its permissions (or choose another place)",
              errno.EPERM: "; check its permissions (or choose another place)"}.get(
                  exc.errno, "")
    return f"{exc.filename}: {reason}{advice}" if exc.filename else f"{reason}{advice}"
