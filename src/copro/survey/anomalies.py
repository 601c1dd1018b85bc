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

And the round as a whole, against what it would look like if the answers were independent (so
that a paced attack from many addresses, each answer a little different, is seen too):

- **clustering**: answers gathered around one answer (its "centre": at most a quarter of the
  questions apart from it), counted against what answers with the round's own distribution of
  each question, independent of one another, would give (the chance of an answer falling that
  close is a Poisson-binomial probability; the count, binomial): every answer is tried as the
  centre, and the smallest p-value, multiplied by the number tried (Bonferroni), must be at
  most 0.001, with the count at least twice the expected. The answers named are the centre
  and those around it. Genuine answers are correlated (a contented family agrees with most
  items), which is why the bar is high; a paced attack of varied copies of one answer
  clears it by far;
- **arrival**: the most answers in any hour against the round's own rate over the time it has
  been open (or the LA's earlier rounds' rate, if given), by the Poisson tail probability times
  the number of hours (a Bonferroni bound over every window); only once the round has been open
  a day, so that a round has a history to be compared with.

And, given the LA's history (:mod:`copro.survey.history_checks`): a question whose answers are
far from earlier rounds' (``shift``), and many answers within an hour choosing the same answer
(``answer_burst``).

With any finding, the report says how the share at the top two rungs of each ladder question
would change without the answers found (``effects``).

None of these proves anything (a venue's shared Wi-Fi is one connection; a family may answer
alike); they say where to look.
"""

from __future__ import annotations

import json
import math
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from copro.survey.history_checks import History, answer_bursts, shifts
from copro.survey.instrument import load_instrument

#: Thresholds (the coordinator's report: where to look, not a verdict).
BURST_PER_MINUTE = 10
GROUP_AT_LEAST = 3
NEAR_MIN_ANSWERED = 5
CONNECTION_SHARE = 0.2
CONNECTION_AT_LEAST = 5
FAST_SECONDS = 30
#: Round-level checks (see the module's docstring)
CLOSE_FRACTION = 0.25
CLUSTER_P = 0.001
CLUSTER_FOLD = 2
CLUSTER_AT_LEAST = 6  # answers named; fewer could not move a published figure of 10 much
CLUSTER_MAX = 600  # answers compared pairwise (a random, seeded subset of a larger audience)
ARRIVAL_WINDOW_MINUTES = 60
ARRIVAL_P = 0.001
ARRIVAL_AT_LEAST = 10
ARRIVAL_HISTORY_HOURS = 24
#: Ladder questions whose top-two share the effect of flagged answers is reported on
TOP_TWO = {"ladder": ("engaging", "co_producing"), "forum_ladder": ("engaging", "co_producing")}
#: How the pages name each ladder question (each audience by the instrument's own label)
LADDER_WORDS = {"ladder": "saying decisions about requests were made with them",
                "forum_ladder": "saying the local authority works with the forum as a partner"}


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
    kind: str  # burst, identical, near_identical, one_connection, fast, cluster, arrival,
    # shift, answer_burst
    description: str
    responses: tuple
    pvalue: float | None = None  # the round-level checks' test (None for the others)


@dataclass(frozen=True)
class Effect:
    """How a top-two share would change without the flagged answers."""

    audience: str
    question: str
    share_all: float
    n_all: int
    share_without: float | None
    n_without: int

    def description(self) -> str:
        """In a coordinator's words: who, the share saying decisions were made with them, with
        every answer and without the answers found (or why there is nothing to compare)."""
        found = self.n_all - self.n_without
        if self.share_without is None:
            without = (f"every one of the {self.n_all} was among the answers found, so none is "
                       f"left to compare")
        else:
            without = (f"{self.share_without:.0%} of the {self.n_without} left without the "
                       f"{found} found")
        audiences = load_instrument().audiences
        who = audiences[self.audience].label if self.audience in audiences else self.audience
        return (f"{who} "
                f"{LADDER_WORDS.get(self.question, self.question)} (top two rungs of the "
                f"ladder): {self.share_all:.0%} of all {self.n_all} answers; {without}")


@dataclass(frozen=True)
class AnomalyReport:
    submissions: int
    findings: tuple[Finding, ...]
    median_seconds: float | None
    connections: int  # distinct connections (web answers)
    largest_connection_share: float | None
    effects: tuple[Effect, ...] = ()

    @property
    def flagged(self) -> frozenset:
        """Every answer named by a finding (for issue 28's list of flagged answers)."""
        return frozenset(i for f in self.findings for i in f.responses)


def _key(answers: Mapping[str, object], free_text: Iterable[str]) -> str:
    skip = set(free_text)
    return json.dumps({k: v for k, v in answers.items() if k not in skip}, sort_keys=True)


def anomaly_report(submissions: Iterable[Submission], free_text: Iterable[str] = (),
                   opened_at: datetime | None = None, now: datetime | None = None,
                   history_per_hour: float | None = None,
                   history: History | None = None) -> AnomalyReport:
    """The round's findings. ``opened_at``/``now``: the time the round has been open (for the
    arrival check; by default from its first to its last answer); ``history_per_hour``: the
    LA's earlier rounds' answers an hour while open, if known; ``history``: earlier rounds'
    answers, for the checks against them (none without it)."""
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
    findings += _clusters(subs, free_text)
    arrival = _arrival(subs, opened_at, now, history_per_hour)
    if arrival is not None:
        findings.append(arrival)
    if history is not None and subs:
        findings += [Finding(f.kind, f.description, f.responses, f.pvalue)
                     for f in shifts(subs, history, free_text)
                     + answer_bursts(subs, history, free_text, opened_at, now)]
    flagged = {i for f in findings for i in f.responses}
    return AnomalyReport(len(subs), tuple(findings),
                         statistics.median(timed) if timed else None, len(by_client), largest,
                         _effects(subs, flagged) if flagged else ())


def _clusters(subs: list[Submission], free_text: tuple) -> list[Finding]:
    """The clustering check (module docstring), per audience."""
    import numpy as np
    from scipy.stats import binom

    out = []
    for audience in sorted({s.audience for s in subs}):
        group = [s for s in subs if s.audience == audience and len(
            [k for k in s.answers if k not in free_text]) >= NEAR_MIN_ANSWERED]
        if len(group) > CLUSTER_MAX:
            group = random.Random(0).sample(group, CLUSTER_MAX)
        n = len(group)
        if n < 2 * CLUSTER_AT_LEAST:
            continue
        questions = sorted({k for s in group for k in s.answers if k not in free_text})
        codes: dict[str, int] = {}
        matrix = np.array([[codes.setdefault(json.dumps(s.answers.get(q), sort_keys=True),
                                             len(codes)) for q in questions] for s in group])
        close = math.floor(CLOSE_FRACTION * len(questions))
        apart = (matrix[:, None, :] != matrix[None, :, :]).sum(axis=2)
        # each answer proposes a centre: the commonest answer to each question among the
        # answers around it (within twice ``close``), which need not be anyone's answer
        centres = np.array([[np.bincount(matrix[apart[i] <= 2 * close, j]).argmax()
                             for j in range(len(questions))] for i in range(n)])
        near = (centres[:, None, :] != matrix[None, :, :]).sum(axis=2) <= close
        observed = near.sum(axis=1)
        # the chance that an independent answer with the round's distribution of each question
        # falls within ``close`` of the centre
        share = np.stack([(centres[:, j][:, None] == matrix[:, j][None, :]).mean(axis=1)
                          for j in range(len(questions))], axis=1)
        chance = np.array([_at_most(1 - row, close) for row in share])
        pvalues = binom.sf(observed - 1, n, chance)
        centre = int(np.argmin(pvalues))
        pvalue = min(1.0, float(pvalues[centre]) * n)  # Bonferroni over the centres tried
        expected = n * chance[centre]
        named = [group[j].id for j in np.flatnonzero(near[centre])]
        if (pvalue <= CLUSTER_P and observed[centre] >= CLUSTER_FOLD * max(expected, 1)
                and len(named) >= CLUSTER_AT_LEAST):
            out.append(Finding(
                "cluster", f"{len(named)} {audience} answers within {close} of "
                f"{len(questions)} questions of one pattern of answers, where independent "
                f"answers with the round's own answers to each question would give about "
                f"{expected:.0f} (binomial test, p = {pvalue:.1g} after allowing for "
                f"every answer tried as the centre)", tuple(named), pvalue))
    return out


def _at_most(p_differ, k: int) -> float:
    """P(at most ``k`` of independent events with probabilities ``p_differ`` happen): the
    Poisson-binomial distribution, by its recurrence."""
    dist = [1.0] + [0.0] * len(p_differ)
    for p in p_differ:
        for m in range(len(dist) - 1, 0, -1):
            dist[m] = dist[m] * (1 - p) + dist[m - 1] * p
        dist[0] *= 1 - p
    return float(sum(dist[:k + 1]))


def _arrival(subs, opened_at, now, history_per_hour) -> Finding | None:
    """The arrival check (module docstring): the busiest hour against the round's rate."""
    from datetime import timedelta

    from scipy.stats import poisson

    if len(subs) < ARRIVAL_AT_LEAST:
        return None
    times = sorted(s.at for s in subs)
    start, end = opened_at or times[0], now or times[-1]
    hours = (end - start).total_seconds() / 3600
    if hours < ARRIVAL_HISTORY_HOURS and history_per_hour is None:
        return None
    window = timedelta(minutes=ARRIVAL_WINDOW_MINUTES)
    best, first = 0, 0
    lo = 0
    for hi, t in enumerate(times):
        while times[lo] < t - window:
            lo += 1
        if hi - lo + 1 > best:
            best, first = hi - lo + 1, lo
    rate = history_per_hour if history_per_hour is not None else len(subs) / max(hours, 1)
    expected = rate * ARRIVAL_WINDOW_MINUTES / 60
    windows = max(1.0, hours * 60 / ARRIVAL_WINDOW_MINUTES)
    pvalue = min(1.0, float(poisson.sf(best - 1, expected)) * windows)
    if best < ARRIVAL_AT_LEAST or pvalue > ARRIVAL_P:
        return None
    at = times[first]
    ids = tuple(s.id for s in subs if at <= s.at <= at + window)
    return Finding("arrival", f"{best} answers in the hour from {at:%d %b %H:%M}, where the "
                   f"round's rate would give about {expected:.1f} (Poisson, p < "
                   f"{max(pvalue, 1e-6):.0e} over every hour it was open)", ids, pvalue)


def _share(group, question, top) -> float | None:
    return sum(s.answers[question] in top for s in group) / len(group) if group else None


def _effects(subs: list[Submission], flagged: set) -> tuple[Effect, ...]:
    """The top-two share of each ladder question with and without the flagged answers."""
    out = []
    for audience in sorted({s.audience for s in subs}):
        for question, top in TOP_TWO.items():
            every = [s for s in subs if s.audience == audience and question in s.answers]
            rest = [s for s in every if s.id not in flagged]
            if not every or len(rest) == len(every):
                continue

            out.append(Effect(audience, question, _share(every, question, top), len(every),
                              _share(rest, question, top), len(rest)))
    return tuple(out)
