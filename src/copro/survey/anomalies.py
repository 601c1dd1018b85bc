"""Signs that one person answered a round many times, for the coordinator to look at and act on
(set answers aside): pure, submissions in, findings out.

- **bursts**: minutes in which many answers arrived (a script, or a room filling the survey in
  together: the coordinator knows which);
- **identical answers**: the same answers to every question (written answers apart), three or
  more times;
- **near-identical answers**: answers that differ in at most one question, three or more in a
  chain, among those that answered at least five questions;
- **one connection's share**: answers from one connection (a keyed hash of its address: never
  the address) that make up a large share of the round;
- **time to complete**: answers sent within seconds of the first page.

None of these proves anything (a venue's shared Wi-Fi is one connection; a family may answer
alike); they say where to look.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

#: Thresholds (the coordinator's report: where to look, not a verdict).
BURST_PER_MINUTE = 10
GROUP_AT_LEAST = 3
NEAR_MIN_ANSWERED = 5
CONNECTION_SHARE = 0.2
CONNECTION_AT_LEAST = 5
FAST_SECONDS = 30


@dataclass(frozen=True)
class Submission:
    """One stored answer as the report sees it (``client``: the keyed hash of the connection,
    '' for imported answers)."""

    id: Hashable
    audience: str
    client: str
    at: datetime
    seconds: int | None
    answers: Mapping[str, object]


@dataclass(frozen=True)
class Finding:
    kind: str  # burst, identical, near_identical, one_connection, fast
    description: str
    responses: tuple


@dataclass(frozen=True)
class AnomalyReport:
    submissions: int
    findings: tuple[Finding, ...]
    median_seconds: float | None
    connections: int  # distinct connections (web answers)
    largest_connection_share: float | None


def _key(answers: Mapping[str, object], free_text: Iterable[str]) -> str:
    skip = set(free_text)
    return json.dumps({k: v for k, v in answers.items() if k not in skip}, sort_keys=True)


def anomaly_report(submissions: Iterable[Submission], free_text: Iterable[str] = ()
                   ) -> AnomalyReport:
    subs = list(submissions)
    free_text = tuple(free_text)
    findings: list[Finding] = []

    per_minute: dict[datetime, list] = defaultdict(list)
    for s in subs:
        per_minute[s.at.replace(second=0, microsecond=0)].append(s.id)
    for minute, ids in sorted(per_minute.items()):
        if len(ids) >= BURST_PER_MINUTE:
            findings.append(Finding("burst", f"{len(ids)} answers in the minute from "
                                    f"{minute:%d %b %H:%M}", tuple(ids)))

    identical: dict[tuple, list] = defaultdict(list)
    for s in subs:
        identical[(s.audience, _key(s.answers, free_text))].append(s)
    grouped = set()
    for (audience, _), group in identical.items():
        if len(group) >= GROUP_AT_LEAST:
            grouped.update(s.id for s in group)
            findings.append(Finding("identical", f"{len(group)} {audience} answers identical "
                                    "in every question", tuple(s.id for s in group)))

    # near-identical: chains of answers at most one question apart. Two answers differ in at
    # most one question exactly when, with some one question masked, they are the same: so
    # each answer is filed under one key per question masked (linear in the answers, not a
    # comparison of every pair), and answers sharing a key are joined (union-find).
    candidates = [s for s in subs if len([k for k in s.answers if k not in free_text])
                  >= NEAR_MIN_ANSWERED]
    questions = sorted({k for s in candidates for k in s.answers if k not in free_text})
    parent = list(range(len(candidates)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    first_with: dict[tuple, int] = {}
    for i, s in enumerate(candidates):
        row = [json.dumps(s.answers.get(q), sort_keys=True) for q in questions]
        for k in range(len(questions)):
            key = (s.audience, k, tuple(row[:k]), tuple(row[k + 1:]))
            j = first_with.setdefault(key, i)
            if j != i:
                parent[root(i)] = root(j)
    chains: dict[int, list] = defaultdict(list)
    for i, s in enumerate(candidates):
        chains[root(i)].append(s)
    for chain in chains.values():
        ids = {s.id for s in chain}
        if len(chain) >= GROUP_AT_LEAST and not ids <= grouped:
            findings.append(Finding(
                "near_identical", f"{len(chain)} {chain[0].audience} answers that differ "
                "from one another in at most one question", tuple(s.id for s in chain)))

    web = [s for s in subs if s.client]
    by_client = Counter(s.client for s in web)
    largest = None
    if web:
        names = {c: i + 1 for i, (c, _) in enumerate(by_client.most_common())}
        largest = by_client.most_common(1)[0][1] / len(subs)
        for client, n in by_client.most_common():
            share = n / len(subs)
            if n >= CONNECTION_AT_LEAST and share >= CONNECTION_SHARE:
                findings.append(Finding(
                    "one_connection", f"{n} answers ({share:.0%} of the round) from one "
                    f"connection (connection {names[client]}; a venue's shared Wi-Fi is one "
                    "connection too)", tuple(s.id for s in web if s.client == client)))

    timed = [s.seconds for s in subs if s.seconds is not None]
    fast = [s.id for s in subs if s.seconds is not None and s.seconds < FAST_SECONDS]
    if fast:
        findings.append(Finding("fast", f"{len(fast)} answers sent less than {FAST_SECONDS} "
                                "seconds after the first page", tuple(fast)))
    return AnomalyReport(len(subs), tuple(findings),
                         statistics.median(timed) if timed else None, len(by_client), largest)
