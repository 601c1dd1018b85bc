"""A round against its local authority's history (issue 27, item 6): pure, answers in, findings
out. The history is what earlier rounds looked like (:class:`History`, gathered by
:mod:`copro.web.survey.round_history`): the answers to each question in the LA's other published
rounds (or, where those hold fewer than 10 answers, its statistical neighbours' published
answers pooled), and the answers an hour its closed web rounds took.

- **far from earlier rounds** (``shift``): for each single-choice question (numbers, several
  choices and written answers are not compared), a chi-squared test of homogeneity
  between this round's answers and the history's, its p-value by Monte Carlo (tables with the
  same margins drawn at random, seeded), multiplied by the number of questions tested
  (Bonferroni). A question is named only when that p is at most 0.001 **and** one answer is
  chosen at least twice as often as the history would give and by at least 6 answers more,
  confirmed by a one-sided Fisher exact test (also multiplied by the number of questions). The
  answers are not named one by one: a real change of opinion looks the same, and the
  coordinator decides;
- **one answer at once** (``answer_burst``): the most answers within any hour choosing the same
  answer to a question (at least 6, and at least twice what the history's answers an hour and
  share choosing it would give), tested against the history's share choosing it by a one-sided
  Fisher exact test, multiplied by the number of hours the round was open and the number of
  questions (Bonferroni), at most 0.001. The answers in that hour with that answer are named.

Each check gives at most one finding per audience: the question with the smallest p-value,
the other questions it found listed after it (for ``shift``, the simulation is run question by
question, most extreme by Fisher's test first, until one is confirmed: the others are listed
as found by Fisher's test alone).

Neither proves anything; they say where to look.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

#: Thresholds (see the module's docstring)
SHIFT_P = 0.001
SHIFT_FOLD = 2
SHIFT_AT_LEAST = 6  # answers more than the history would give
#: Monte Carlo tables. 9,999 cannot give a p below 1/10,000, which times 13 or more questions
#: is above 0.001: 99,999 can.
SHIFT_SIMULATIONS = 99_999
SHIFT_SEED = 27
MIN_ANSWERS = 10  # in the round and in the history, per question
BURST_P = 0.001
BURST_AT_LEAST = 6
BURST_FOLD = 2
BURST_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class History:
    """What earlier rounds looked like. ``answers``: (audience, question) -> answer -> number of
    answers; ``source``: audience -> where they come from, in words (e.g. "Kent's other
    published rounds, 40 answers"); ``per_hour``: answers an hour in the LA's closed web rounds
    (all audiences), if any."""

    answers: Mapping[tuple[str, str], Mapping[str, int]]
    source: Mapping[str, str]
    per_hour: float | None = None


@dataclass(frozen=True)
class HistoryFinding:
    kind: str  # shift, answer_burst
    description: str
    responses: tuple
    pvalue: float


def _choices(subs, audience: str, question: str) -> list:
    return [s for s in subs if s.audience == audience
            and isinstance(s.answers.get(question), str)]


def _tested(subs, history: History, free_text: Iterable[str]):
    """The (audience, question) pairs with enough answers both now and in the history."""
    skip = set(free_text)
    out = []
    for (audience, question), past in sorted(history.answers.items()):
        if question in skip or sum(past.values()) < MIN_ANSWERS:
            continue
        now = _choices(subs, audience, question)
        if len(now) >= MIN_ANSWERS:
            out.append((audience, question, now, past))
    return out


def chi_squared_monte_carlo(now: Mapping[str, int], past: Mapping[str, int],
                            simulations: int = SHIFT_SIMULATIONS,
                            seed: int = SHIFT_SEED) -> tuple[float, float]:
    """Chi-squared statistic of homogeneity of two rows of counts and its Monte Carlo p-value:
    ``(1 + tables at least as extreme) / (1 + simulations)``, tables drawn with both margins
    fixed (the first row a multivariate hypergeometric draw)."""
    import numpy as np

    keys = sorted(set(now) | set(past))
    table = np.array([[now.get(k, 0) for k in keys], [past.get(k, 0) for k in keys]])
    table = table[:, table.sum(axis=0) > 0]
    columns, rows = table.sum(axis=0), table.sum(axis=1)
    if table.shape[1] < 2:
        return 0.0, 1.0
    expected = np.outer(rows, columns) / rows.sum()

    def statistic(first):  # first: (..., columns) counts of the first row
        second = columns - first
        return (((first - expected[0]) ** 2 / expected[0]).sum(axis=-1)
                + ((second - expected[1]) ** 2 / expected[1]).sum(axis=-1))

    observed = float(statistic(table[0]))
    drawn = np.random.default_rng(seed).multivariate_hypergeometric(
        columns, int(rows[0]), size=simulations)
    extreme = int((statistic(drawn) >= observed - 1e-9).sum())
    return observed, (1 + extreme) / (1 + simulations)


def shifts(subs, history: History, free_text: Iterable[str] = ()) -> list[HistoryFinding]:
    """The "far from earlier rounds" check (module docstring)."""
    from scipy.stats import fisher_exact

    tested = _tested(subs, history, free_text)
    k = len(tested)
    candidates: dict[str, list] = {}  # audience -> questions with one answer far above
    for audience, question, now_subs, past in tested:
        now = Counter(s.answers[question] for s in now_subs)
        n, m = len(now_subs), sum(past.values())
        best = None
        for answer, observed in now.items():
            expected = n * past.get(answer, 0) / m
            if observed < SHIFT_FOLD * expected or observed - expected < SHIFT_AT_LEAST:
                continue
            p = fisher_exact([[observed, n - observed], [past.get(answer, 0),
                              m - past.get(answer, 0)]], alternative="greater").pvalue
            if best is None or p < best[0]:
                best = (p, answer, observed, expected)
        if best is not None and min(1.0, best[0] * k) <= SHIFT_P:
            fisher, answer, observed, expected = best
            candidates.setdefault(audience, []).append(
                (fisher, question, answer, observed, n, expected, now, past))
    out = []
    for audience, questions in sorted(candidates.items()):
        # the simulation (the costly part) question by question, most extreme first, until
        # one is confirmed: the others are listed by Fisher's test alone, and said to be
        confirmed = None
        for candidate in sorted(questions, key=lambda q: q[:2]):
            pvalue = min(1.0, chi_squared_monte_carlo(*candidate[-2:])[1] * k)
            if pvalue <= SHIFT_P:
                confirmed = candidate
                break
        if confirmed is None:
            continue
        fisher, question, answer, observed, n, expected, _, _ = confirmed
        others = sorted(q[1] for q in questions if q[1] != question)
        also = (f" Fisher's exact test also finds one answer chosen far more often than in "
                f"them for {', '.join(repr(q) for q in others)}." if others else "")
        out.append(HistoryFinding("shift", (
            f"{audience} '{question}': {observed} of {n} answers chose '{answer}', where "
            f"{history.source.get(audience, 'earlier rounds')} would give about "
            f"{expected:.0f} (chi-squared test against them, p = {pvalue:.1g} by simulation "
            f"after allowing for the {k} questions tested; Fisher's exact test for this "
            f"answer, p = {min(1.0, fisher * k):.1g}).{also} This may be a genuine change "
            "since then: you decide"), (), pvalue))
    return out


def answer_bursts(subs, history: History, free_text: Iterable[str] = (),
                  opened_at: datetime | None = None,
                  now: datetime | None = None) -> list[HistoryFinding]:
    """The "one answer at once" check (module docstring): at most one finding per question."""
    from scipy.stats import fisher_exact

    tested = _tested(subs, history, free_text)
    if not tested:
        return []
    times = sorted(s.at for s in subs)
    start, end = opened_at or times[0], now or times[-1]
    hours = max(1.0, (end - start).total_seconds() / 3600)
    tests = hours * len(tested)
    found: dict[str, list] = {}
    for audience, question, answered, past in tested:
        m = sum(past.values())
        answered = sorted(answered, key=lambda s: s.at)
        best = None
        for answer in sorted({s.answers[question] for s in answered}):
            share = past.get(answer, 0) / m
            chose = [s for s in answered if s.answers[question] == answer]
            lo = 0
            for hi, s in enumerate(chose):
                while chose[lo].at < s.at - BURST_WINDOW:
                    lo += 1
                c = hi - lo + 1
                if c < BURST_AT_LEAST:
                    continue
                window = [t for t in answered if chose[lo].at <= t.at <= s.at]
                expected = len(window) * share
                if history.per_hour is not None:
                    expected = max(expected, history.per_hour * share)
                if c < BURST_FOLD * expected:
                    continue
                p = fisher_exact([[c, len(window) - c], [past.get(answer, 0),
                                  m - past.get(answer, 0)]], alternative="greater").pvalue
                if best is None or p < best[0]:
                    best = (p, answer, c, len(window), chose[lo:hi + 1], share)
        if best is None:
            continue
        if min(1.0, best[0] * tests) <= BURST_P:
            found.setdefault(audience, []).append((best[0], question, *best[1:]))
    out = []
    for audience, questions in sorted(found.items()):
        p, question, answer, c, total, named, share = min(questions, key=lambda b: b[:2])
        pvalue = min(1.0, p * tests)
        others = sorted(b[1] for b in questions if b[1] != question)
        also = (f" The same hour, one answer dominated {', '.join(repr(q) for q in others)} "
                "too." if others else "")
        rate = (f" and about {history.per_hour:.1f} answers an hour"
                if history.per_hour is not None else "")
        out.append(HistoryFinding("answer_burst", (
            f"{c} of {total} {audience} answers within the hour from {named[0].at:%d %b %H:%M} "
            f"chose '{answer}' for '{question}', where "
            f"{history.source.get(audience, 'earlier rounds')} chose it {share:.0%} of the "
            f"time{rate} (Fisher's exact test, p = {pvalue:.1g} after allowing for every hour "
            f"open and the {len(tested)} questions tested).{also}"),
            tuple(s.id for s in named), pvalue))
    return out
