"""`copro` run inside the test process, for tests that read what a command prints or writes.

A `copro` subprocess costs its start (Python, numpy, SciPy, copro's modules: a second or two of
CPU) before it does anything; a test that only reads a command's output, files and exit code
learns the same from the command run here, through Click's test runner: the same entry point
(``copro.cli.cli``, with its one-line errors and exit codes), standard output and standard
error kept apart, and the result shaped like ``subprocess.run``'s. An exception copro does not
turn into a one-line error is raised in the test (a traceback there, where it is read), not
hidden in an exit code.

Tests where the process boundary is the point stay subprocesses: start-up, signals, a closed
pipe, a full disk (tests/test_cli.py, tests/test_terminal.py), and the website's servers.
"""

from __future__ import annotations

import subprocess
import warnings

from click.testing import CliRunner


def run_copro(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``copro ARGS`` in this process: ``returncode``, ``stdout``, ``stderr`` (text) as from
    ``subprocess.run([copro, *args], capture_output=True, text=True)``. ``env``: variables set
    for the command only (as a subprocess's extra environment)."""
    from copro.cli import cli

    with warnings.catch_warnings():  # put back afterwards: the command sets its own display
        _new_process_warnings()
        result = CliRunner().invoke(cli, list(args), prog_name="copro", env=env,
                                    catch_exceptions=False)
    return subprocess.CompletedProcess(["copro", *args], result.exit_code, result.stdout,
                                       result.stderr)


def _new_process_warnings() -> None:
    """The warning filters of a new Python process (pytest shows deprecations a `copro`
    process would not), and no memory of warnings already shown."""
    warnings.resetwarnings()
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning,
                     ResourceWarning):
        warnings.simplefilter("ignore", category)
