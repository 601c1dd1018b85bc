"""Peak memory of a whole process tree (a command and every process it starts), sampled from
/proc: the largest total resident set size (RSS) seen at any moment, and the largest total
proportional set size (PSS: pages shared between the parent and its forked workers counted
once, split between them). RSS totals overstate what a forked tree uses (shared pages are
counted in each process); PSS totals do not.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    found.add(int(child))
                    found |= _descendants(int(child))
        except OSError:
            pass
    return found


def _kib(pid: int, path: str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/{path}") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def measure(argv: list[str], interval: float = 0.01, env=None) -> dict:
    """Run ``argv``; return its stdout, exit code, wall time, the peak tree RSS and PSS (MB)
    and the most processes seen at once."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:  # never a full pipe
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        peak_rss = peak_pss = most = 0
        while proc.poll() is None:
            tree = {proc.pid} | _descendants(proc.pid)
            rss = sum(_kib(p, "status", "VmRSS:") for p in tree)
            pss = sum(_kib(p, "smaps_rollup", "Pss:") for p in tree)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            most = max(most, len(tree))
            time.sleep(interval)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return {"stdout": stdout.decode(), "stderr": stderr.decode(), "returncode": proc.returncode,
            "seconds": time.perf_counter() - start, "rss_mb": peak_rss / 1024,
            "pss_mb": peak_pss / 1024, "processes": most}
