"""`make bench` (SEN2 part): reading SEN2 returns.

- read + derive + aggregate throughput (persons per second) on a synthetic file;
- peak memory of the whole process tree (the reader and its worker processes: RSS and PSS
  sampled from /proc, see tree_rss.py) reading 30,000, 100,000, 300,000 and 1,000,000
  persons, and of the whole `copro audit --sen2` at 30,000 and 300,000: flat if the reader
  streams;
- the same work done the straightforward way (parse the whole tree, build a table row by row)
  at 20,000 persons, side by side;
- aggregating 10 million derived requests into the counts table.
Sizes can be lowered with BENCH_SEN2_LARGE (default 1000000) for a quick run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tree_rss import measure

LARGE = int(os.environ.get("BENCH_SEN2_LARGE", "1000000"))
READ = """
import resource, sys, time
from copro.sources.sen2 import read_sen2
t = time.perf_counter()
counts, summary = read_sen2(sys.argv[1], b"k" * 32)
elapsed = time.perf_counter() - t
print(summary.persons, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
NAIVE = """
import resource, sys, time
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
t = time.perf_counter()
root = ET.parse(sys.argv[1]).getroot()
rows = []
for p in root.iter("Person"):
    for r in p.findall("Requests"):
        rows.append({
            "source": r.findtext("RequestSource"),
            "received": date.fromisoformat(r.findtext("ReceivedDate") or "1900-01-01"),
            "outcome": r.findtext("RequestOutcome"), "decided": r.findtext("RequestOutcomeDate"),
            "assessment": r.findtext("Assessment/AssessmentOutcome"),
            "plan": r.findtext("Assessment/NamedPlan/StartDate"),
        })
counts = Counter()
for row in rows:
    counts[(row["source"], "received")] += 1
    if row["outcome"]:
        counts[(row["source"], row["outcome"])] += 1
    if row["plan"]:
        counts[(row["source"], "plan")] += 1
elapsed = time.perf_counter() - t
print(len(rows), elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run(script: str, path: Path) -> tuple[int, float, float, float]:
    """(persons, seconds, peak RSS MB of the process tree, peak PSS MB of the tree)."""
    m = measure([sys.executable, "-c", script, str(path)])
    if m["returncode"] != 0:
        raise RuntimeError(m["stderr"])
    out = m["stdout"].split()
    return int(out[0]), float(out[1]), m["rss_mb"], m["pss_mb"]


def throughput(path: Path, repeats: int = 5) -> tuple[int, float, float, float]:
    """(persons, median seconds, fastest, slowest) over `repeats` runs, timed inside the
    reader's process with no memory sampler polling beside it (on 2 cores the sampler
    competes with the reader's worker)."""
    times = []
    for _ in range(repeats):
        done = subprocess.run([sys.executable, "-c", READ, str(path)], capture_output=True,
                              text=True, check=True)
        out = done.stdout.split()
        times.append(float(out[1]))
    return int(out[0]), statistics.median(times), min(times), max(times)


def tree_memory(path: Path, label: str) -> None:
    read = measure([sys.executable, "-c", READ, str(path)])
    audit = measure([str(Path(sys.executable).with_name("copro")), "audit", "--sen2",
                     str(path), "--json", "--no-cache"])
    assert read["returncode"] == 0 and audit["returncode"] == 0, read["stderr"] + audit[
        "stderr"]
    print(f"peak memory, process tree, {label}: reading {read['rss_mb']:.0f} MB RSS "
          f"({read['pss_mb']:.0f} MB PSS, {read['processes']} processes); whole "
          f"`copro audit --sen2` {audit['rss_mb']:.0f} MB RSS ({audit['pss_mb']:.0f} MB PSS, "
          f"{audit['processes']} processes, {audit['seconds']:.1f} s)")


def main() -> int:
    from copro.register import find_local_authority
    from copro.sources.sen2 import GROUPS, MEASURES, STRATA, Aggregator, stratum_levels
    from copro.sources.sen2_codes import NEED_NOT_RECORDED
    from copro.synth import SynthSpec, write_synthetic

    leeds = find_local_authority("Leeds")
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for n in (20_000, 30_000, 100_000, 300_000, LARGE):
            if n in files:
                continue
            t = time.perf_counter()
            files[n] = write_synthetic(Path(tmp) / str(n), SynthSpec((leeds,), n, seed=n))[0]
            print(f"synthetic file, {n:>9,} persons: {files[n].stat().st_size / 1e6:7.1f} MB, "
                  f"written in {time.perf_counter() - t:.1f} s")
        for n in (30_000, 300_000):
            tree_memory(files[n], f"{n:,} persons")
        persons, elapsed, fastest, slowest = throughput(files[100_000])
        print(f"read + derive + aggregate, 100,000 persons, median of 5 runs: {elapsed:.2f} s"
              f" = {persons / elapsed:,.0f} persons/s (target >= 50,000; runs "
              f"{persons / slowest:,.0f} to {persons / fastest:,.0f})")
        _, _, rss_100k, pss_100k = run(READ, files[100_000])
        print(f"peak memory of the process tree reading 100,000 persons: {rss_100k:.0f} MB RSS"
              f" ({pss_100k:.0f} MB PSS)")
        persons, elapsed, rss_large, pss_large = run(READ, files[LARGE])
        print(f"read + derive + aggregate, {LARGE:,} persons: {elapsed:.2f} s = "
              f"{persons / elapsed:,.0f} persons/s; peak memory of the process tree "
              f"{rss_large:.0f} MB RSS ({pss_large:.0f} MB PSS; {rss_large / rss_100k:.2f} x "
              "the 100,000-person run: flat if close to 1)")
        _, stream_t, stream_rss, stream_pss = run(READ, files[20_000])
        _, naive_t, naive_rss, _ = run(NAIVE, files[20_000])
        print(f"20,000 persons, streaming reader: {stream_t:.2f} s, peak RSS "
              f"{stream_rss:.0f} MB summed over its processes ({stream_pss:.0f} MB PSS)")
        print(f"20,000 persons, whole tree + row-by-row table: {naive_t:.2f} s, peak RSS "
              f"{naive_rss:.0f} MB (and it derives less: no censoring, weeks, need, "
              f"age or pseudonyms)")
        print(f"ratio naive / streaming: time {naive_t / stream_t:.2f}, "
              f"memory {naive_rss / stream_rss:.2f}")

    rng = np.random.default_rng(1)
    agg = Aggregator()
    areas = [f"E0{i:07d}" for i in range(150)]
    keys_per_area = [agg.key(a, "2025", 0, 0) for a in areas]  # registers areas
    # the cells SEN2 data can fill: every group x age band x sex x ethnic group (SEN2 records
    # no need at the request, so one need level)
    sen2 = [s for s in range(STRATA) if stratum_levels(s)[3] == NEED_NOT_RECORDED]
    cells = (np.arange(len(GROUPS))[:, None] * STRATA + np.array(sen2)).ravel()
    total, chunk = 10_000_000, 1_000_000
    chunks = []
    for _ in range(total // chunk):  # derived requests, as the readers produce them
        area = rng.integers(0, len(areas), chunk)
        chunks.append((np.asarray(keys_per_area)[area] + cells[rng.integers(0, len(cells),
                                                                             chunk)],
                       rng.integers(0, 1 << len(MEASURES), chunk)))
    t = time.perf_counter()
    for keys, bits in chunks:
        agg.add_chunk(keys, bits)
    elapsed = time.perf_counter() - t
    received = int(agg.counts[:, 0].sum())
    assert received == sum(int((b & 1).sum()) for _, b in chunks)
    print(f"aggregating {total:,} derived requests across {len(areas)} areas x "
          f"{len(cells):,} cells (group x age x sex x ethnicity) into the counts table: "
          f"{elapsed:.2f} s ({total / elapsed:,.0f} requests/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
