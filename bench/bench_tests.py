"""`make bench` (the test suite's shared work): what the tests' shortcuts save, in CPU seconds
(user + system, this process and its children), so that it holds on a loaded machine too.

- `copro serve` on an empty data folder (migrate, import the bundled data, collect the static
  files, draw every page; the result cache empty) and on a copy of that folder, as the tests'
  servers start (tests/web/seed.py);
- `copro audit --sen2 SAMPLE --json` as a subprocess and in the test process (tests/in_process.py).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.in_process import run_copro  # noqa: E402
from tests.web.serve import COPRO, server_env, start_serve  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "sen2-schemas" / "sen2_sample_2024.xml"


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def serve_once(data_dir: Path, log: Path) -> float:
    """CPU of one `copro serve` from its start until it answers, stopped then."""
    before = cpu()
    proc, _ = start_serve(server_env(data_dir, None), log, workers=2, timeout=900)
    proc.terminate()
    proc.wait(timeout=60)
    return cpu() - before


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="copro-bench-tests-"))
    os.environ["COPRO_CACHE_DIR"] = str(root / "cache")
    try:
        first = serve_once(root / "first", root / "first.log")
        shutil.copytree(root / "first", root / "copy")
        copy = serve_once(root / "copy", root / "copy.log")
        print(f"copro serve, first start / on a copy of it: {first:.1f} / {copy:.1f} s CPU")
        args = ["audit", "--no-cache", "--sen2", str(SAMPLE), "--json"]
        run_copro(*args)  # copro's modules imported, as after a module's first test
        runs = 5
        before = cpu()
        for _ in range(runs):
            subprocess.run([COPRO, *args], capture_output=True, check=True)
        process = (cpu() - before) / runs
        before = cpu()
        for _ in range(runs):
            assert run_copro(*args).returncode == 0
        here = (cpu() - before) / runs
        print(f"copro audit --sen2 sample --json, subprocess / in process: {process:.2f} / "
              f"{here:.2f} s CPU (mean of {runs})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
