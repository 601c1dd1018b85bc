"""The coordinator's anomaly report, pure: each kind of finding from constructed answers, and
near-identical answers found without comparing every pair (3,000 answers in seconds)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from copro.survey.anomalies import Submission, anomaly_report

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def sub(i, answers, client="", minutes=0, seconds=None, audience="families"):
    return Submission(i, audience, client, T0 + timedelta(minutes=minutes), seconds, answers)


def test_each_kind_of_finding():
    rng = random.Random(3)
    base = {f"q{j}": "a" for j in range(8)}
    subs = [sub(i, {f"q{j}": rng.choice("abcde") for j in range(8)}, client=f"c{i}",
                minutes=5 * i, seconds=200) for i in range(20)]
    subs += [sub(100, base, "c100", 200, 200), sub(101, {**base, "q0": "b"}, "c101", 205, 200),
             sub(102, {**base, "q1": "c"}, "c102", 210, 200)]  # a chain through base
    subs += [sub(200 + i, {"q0": "e"}, "hash-of-venue", 300, 5) for i in range(12)]  # a burst
    report = anomaly_report(subs, free_text=("text",))
    kinds = {f.kind: f for f in report.findings}
    assert set(kinds) == {"burst", "identical", "near_identical", "one_connection", "fast"}
    assert set(kinds["near_identical"].responses) == {100, 101, 102}
    assert len(kinds["identical"].responses) == 12
    assert "12 answers (34% of the round) from one connection" in \
        kinds["one_connection"].description
    assert "hash-of-venue" not in kinds["one_connection"].description  # named by number
    assert report.median_seconds == 200 and report.connections == 24


def test_nothing_stands_out_in_a_varied_round():
    rng = random.Random(4)
    subs = [sub(i, {f"q{j}": rng.choice("abcde") for j in range(10)}, f"c{i}", 7 * i, 300)
            for i in range(40)]
    assert anomaly_report(subs).findings == ()


def test_near_identical_answers_are_found_without_comparing_every_pair():
    rng = random.Random(5)
    subs = [sub(i, {f"q{j}": rng.choice("abcde") for j in range(14)}, f"c{i}", i, 300)
            for i in range(3000)]
    base = {f"q{j}": "a" for j in range(14)}
    subs += [sub(9000 + k, {**base, f"q{k}": "b"}, "x", 0, 300) for k in range(3)]
    subs.append(sub(9999, base, "y", 0, 300))
    started = time.perf_counter()
    report = anomaly_report(subs)
    assert time.perf_counter() - started < 15
    near = [f for f in report.findings if f.kind == "near_identical"]
    assert [set(f.responses) for f in near] == [{9000, 9001, 9002, 9999}]
