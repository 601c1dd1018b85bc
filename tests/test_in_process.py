"""tests/in_process.py: `copro` run in the test process says and exits as the `copro` program
does, so that the tests using it learn what a subprocess would have told them."""

import os
import subprocess

import pytest

from tests.in_process import run_copro
from tests.test_cli import COPRO


@pytest.mark.parametrize("args", [["la", "Kent"], ["la", "Atlantis"], ["audit", "--hksj"],
                                  ["la", "Kent", "--json"], ["la"]])
def test_in_process_says_what_the_program_says(args):
    program = subprocess.run([COPRO, *args], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "COLUMNS": "120"})
    here = run_copro(*args, env={"COLUMNS": "120"})
    assert (here.returncode, here.stdout, here.stderr) == (
        program.returncode, program.stdout, program.stderr)
    assert here.stdout or here.stderr


def test_an_unexpected_exception_reaches_the_test(monkeypatch):
    """Not turned into an exit code: the test shows the traceback where it is read."""
    import copro.cli

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(copro.cli.cli.commands["la"], "callback", broken)
    with pytest.raises(ZeroDivisionError):
        run_copro("la", "Kent")
