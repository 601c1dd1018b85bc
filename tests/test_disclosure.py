"""Disclosure control across the hierarchy: a withheld count must not be recoverable by any
subtraction on what is published (totals over groups, over areas, differences between
measures). The attacker here is written independently of copro.disclosure: it knows only how
the counts add up, and solves every sum it can, over and over, as a person with a spreadsheet
would; then it tries the same with linear algebra over the whole table."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import numpy as np
import pytest

from copro.counts import DataProvenance
from copro.disclosure import suppress_small_counts
from copro.groups import RequesterGroup
from copro.register import find_local_authority
from copro.sources.sen2 import AGE_BANDS, GROUPS, Aggregator, Request, to_counts
from copro.sources.sen2_codes import NEEDS
from tests.in_process import run_copro

T = 5
G = RequesterGroup
PARTS = ("decided_to_assess", "decided_not_to_assess", "not_yet_decided", "withdrawn")
#: (whole, parts): the whole minus the parts is a count of requests too
CONTAINS = (
    (("received",), PARTS),
    (("received",), ("mediation",)),
    (("received",), ("tribunal",)),
    (("decided_to_assess", "decided_not_to_assess"),
     ("decided_within_6_weeks", "decided_after_6_weeks")),
    (("decided_to_assess",), ("plan_issued", "plan_not_issued", "assessment_open")),
    (("plan_issued",), ("plan_issued_no_exception",)),
    (("plan_issued_no_exception",), ("plan_within_20_weeks",)),
    (("plan_issued",), ("plan_within_20_weeks_any",)),
)


def random_requests(rng: random.Random, n: int) -> list[Request]:
    out = []
    for _ in range(n):
        received = date(2025, 1, 1) + timedelta(rng.randrange(300))
        decision = rng.choice(["assess", "assess", "not_assess", "withdrawn", None])
        decided = received + timedelta(rng.randrange(10, 80)) if decision else None
        assessment = rng.choice(["plan", "plan", "no_plan", None, "withdrawn"]) \
            if decision == "assess" else None
        plan = received + timedelta(rng.randrange(60, 200)) if assessment == "plan" else None
        out.append(Request("", rng.choice(GROUPS[:4]), AGE_BANDS[0], NEEDS[0], received,
                           decision, decided, assessment, plan, rng.random() < 0.2,
                           rng.random() < 0.1, rng.random() < 0.05))
    return out


def table(rng: random.Random, sizes: dict[str, int]):
    agg = Aggregator()
    areas = {}
    for name, n in sizes.items():
        area = find_local_authority(name)
        areas[area.code] = area
        for r in random_requests(rng, n):
            agg.add(agg.key(area.code, "2025", GROUPS.index(r.group), r.stratum()), r.bits())
    return to_counts(agg, areas, DataProvenance("t", "0", "", "", 0, 0))


def equations(records) -> list[tuple[dict, dict]]:
    """What a reader knows adds up: (whole cells, part cells), each as {key: 1}."""
    keys = {r[:4] for r in records}
    areas = {k[0] for k in keys}
    groups = {k[2] for k in keys}
    measures = {k[3] for k in keys}
    eqs = []
    for a in areas:
        for m in measures:  # over groups
            eqs.append(([(a, "2025", "all", m)],
                        [(a, "2025", g, m) for g in groups if g != "all"]))
        for g in groups:  # between measures: the difference is a count of its own
            for whole, parts in CONTAINS:
                eqs.append(([(a, "2025", g, m) for m in whole],
                            [(a, "2025", g, m) for m in parts]
                            + [(a, "2025", g, "~" + "-".join(whole + parts))]))
    las = sorted(areas - {"ALL"})
    for g in groups:  # over areas
        for m in measures:
            eqs.append(([("ALL", "2025", g, m)], [(a, "2025", g, m) for a in las]))
    return eqs


def attack(published: dict, eqs) -> dict:
    """Everything that subtraction reveals: solve each sum with one unknown, repeatedly."""
    known = dict(published)
    changed = True
    while changed:
        changed = False
        for whole, parts in eqs:
            cells = [(k, 1) for k in whole] + [(k, -1) for k in parts]
            unknown = [(k, s) for k, s in cells if k not in known]
            if len(unknown) != 1:
                continue
            k, s = unknown[0]
            rest = sum(known[c] * sign for c, sign in cells if c != k)
            known[k] = -rest * s
            changed = True
    return known


def true_values(counts, eqs) -> dict:
    truth = {r[:4]: r[4] for r in counts.records}
    for whole, parts in eqs:
        derived = [k for k in parts if k[3].startswith("~")]
        if derived:
            truth[derived[0]] = sum(truth[k] for k in whole) - sum(
                truth[k] for k in parts if k not in derived)
    return truth


def linear_determined(published: dict, eqs, keys) -> set:
    """Cells the whole system of sums determines exactly (null space of the unknowns)."""
    unknown = sorted({k for whole, parts in eqs for k in (*whole, *parts)} - set(published))
    index = {k: i for i, k in enumerate(unknown)}
    rows = []
    for whole, parts in eqs:
        row = np.zeros(len(unknown))
        for k in whole:
            if k in index:
                row[index[k]] += 1
        for k in parts:
            if k in index:
                row[index[k]] -= 1
        if row.any():
            rows.append(row)
    a = np.array(rows)
    _, s, vt = np.linalg.svd(a)
    rank = int((s > 1e-9).sum())
    null = vt[rank:]
    free = np.abs(null).sum(axis=0) > 1e-9
    return {k for k in keys if k in index and not free[index[k]]}


@pytest.mark.parametrize("seed", range(40))
def test_no_small_count_can_be_worked_out(seed):
    rng = random.Random(seed)
    names = rng.sample(["Leeds", "Camden", "Kent", "Essex", "Rutland", "York"],
                       rng.randrange(1, 5))
    counts = table(rng, {n: rng.choice([3, 8, 20, 60, 150]) for n in names})
    eqs = equations(counts.records)
    truth = true_values(counts, eqs)
    out = suppress_small_counts(counts, T)
    published = {r[:4]: r[4] for r in out.records if r[4] is not None}
    small = {k for k, v in truth.items() if 0 < v < T}
    assert small & set(published) == set()  # primary: nothing small is shown
    revealed = attack(published, eqs)
    leaked = {k: revealed[k] for k in small if k in revealed}
    assert leaked == {}, f"recovered by subtraction: {leaked}"
    assert linear_determined(published, eqs, small) == set()
    # and the published figures are the true ones
    assert all(truth[k] == v for k, v in published.items())


def test_the_issue_example_two_las(tmp_path):
    """England 147 - Leeds 144 must not give Camden's 3 family requests (nor any other)."""
    rows = ["la_code,received_date,request_source,request_outcome,request_outcome_date,"
            "mediation"]
    for i in range(144):
        rows.append(f"E08000035,2025-03-01,1,{'A' if i % 3 else 'N'},2025-03-20,"
                    f"{1 if i < 12 else 0}")
    for _ in range(40):
        rows.append("E08000035,2025-03-01,2,A,2025-03-20,0")
    for i in range(3):
        rows.append(f"E09000007,2025-03-01,1,A,2025-03-20,{1 if i == 0 else 0}")
    for _ in range(30):
        rows.append("E09000007,2025-03-01,2,A,2025-03-20,0")
    path = tmp_path / "cases.csv"
    path.write_text("\n".join(rows) + "\n")
    proc = run_copro("audit", "--cases", str(path), "--reference-date", "2026-01-15", "--json",
                     "--no-cache")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    cells: dict[tuple, int | None] = {}
    areas = [result["national"], *result["local_authorities"]]
    for a in areas:
        code = a["area"]["code"]
        for group, v in a["received"].items():
            cells[(code, "received", group)] = v
        for key, outcome in a["outcomes"].items():
            for group, rate in outcome["rates"].items():
                for field in ("successes", "trials"):
                    cells[(code, f"{key}.{field}", group)] = rate and rate[field]
    assert cells[("E09000007", "received", "all")] == 33  # what may be shown is shown
    assert cells[("E09000007", "received", "family")] is None
    shown = {k: v for k, v in cells.items() if v is not None}
    assert not [k for k, v in shown.items() if 0 < v < T]
    national = result["national"]["area"]["code"]
    las = [a["area"]["code"] for a in result["local_authorities"]]
    kinds = {(k[1], k[2]) for k in cells}
    tried = 0
    for kind, group in kinds:  # England minus the other local authorities
        for hidden in las:
            others = [cells[(la, kind, group)] for la in las if la != hidden]
            total = cells[(national, kind, group)]
            if total is not None and None not in others:
                tried += 1
                assert not 0 < total - sum(others) < T, (kind, group, hidden)
    groups = {k[2] for k in cells} - {"all"}
    for code in (national, *las):  # all requests minus the other groups
        for kind in {k[1] for k in cells}:
            for hidden in groups:
                others = [cells[(code, kind, g)] for g in groups if g != hidden]
                total = cells[(code, kind, "all")]
                if total is not None and None not in others:
                    tried += 1
                    assert not 0 < total - sum(others) < T, (code, kind, hidden)
    assert tried > 20  # the subtractions were really tried


@pytest.mark.parametrize("seed", range(30))
def test_free_unknowns_agree_with_a_dense_svd(seed):
    """The sparse check of which counts the sums leave free agrees with a dense SVD, on
    systems where some unknowns are determined and some are not."""
    from copro.disclosure import _free

    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(3, 60)), int(rng.integers(1, 70))
    a = np.zeros((m, n))
    for r in range(m):
        cols = rng.choice(n, size=int(rng.integers(1, 4)), replace=False)
        a[r, cols] = rng.choice([-1.0, 1.0], size=len(cols))
    rows, cols = np.nonzero(a)
    free = _free(list(rows), list(cols), list(a[rows, cols]), n)
    padded = np.vstack([a, np.zeros((max(n - m, 0), n))])
    _, s, vt = np.linalg.svd(padded, full_matrices=False)
    rank = int((s > 1e-9 * max(padded.shape) * s[0]).sum())
    expected = np.abs(vt[rank:]).sum(axis=0) > 1e-9 if rank < n else np.zeros(n, bool)
    assert (free == expected).all()
