"""Which heavy libraries a `copro` command loaded: the command run in a fresh interpreter, as
the installed `copro` runs it, then the names of the loaded modules of ``libraries`` printed
on the last line of standard output (for the tests that a command refused, or one that
computes nothing, loads no statistics or plotting library)."""

from __future__ import annotations

import json
import subprocess
import sys

_SCRIPT = ("import json, sys\n"
           "from copro.cli import cli\n"
           "libraries = tuple(sys.argv.pop(1).split(','))\n"
           "try:\n"
           "    cli.main(sys.argv[1:], prog_name='copro')\n"
           "finally:\n"
           "    print(json.dumps(sorted(m for m in sys.modules "
           "if m.split('.')[0] in libraries)))\n")


def run_noting_libraries(args: list[str], libraries: tuple[str, ...],
                         env: dict | None = None) -> tuple[subprocess.CompletedProcess, list]:
    """(the finished command, the modules of ``libraries`` it loaded)."""
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, ",".join(libraries), *args],
                          capture_output=True, text=True, timeout=300, env=env)
    return proc, json.loads(proc.stdout.splitlines()[-1])
