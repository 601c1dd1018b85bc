"""Whether a publication could be differenced: a linear check over everything ever published.

Every published survey figure is a sum over **blocks** (the answers of one round for one LA and
audience; :mod:`copro.survey.results` pools only blocks whose own figure rests on at least
``MIN_ANSWERS`` answers). So whatever a reader does with published figures (subtract the figures
before a round was published from those after, one level from another, add and subtract many),
what they can work out is a linear combination of published blocks. This module checks, for each
kind of figure (the count of responses, each question's answers, the partnership score, the
education professionals' own counts), that no non-zero combination of the blocks ever published
is carried by fewer than ``MIN_ANSWERS`` people:

1. the people in any published block are split into *atoms*: people who are in exactly the same
   published blocks. Every combination of blocks is constant on each atom, so it is carried by
   whole atoms; if every atom has at least ``MIN_ANSWERS`` people, nothing smaller can be
   worked out;
2. where some atoms are smaller, the check asks (by the ranks of the matrices) whether the
   space of combinations meets the space of vectors carried by the small atoms alone; it does
   exactly when some combination of published blocks reveals answers of small atoms only.
   (:mod:`copro.disclosure`'s check for the audit asks a narrower question, which single
   counts the sums determine, so it is not reused here.)

Weighted figures (:mod:`copro.survey.weighted`) are checked the same way, one figure at a time
(:func:`weighted_figure_reveals`): a weighted figure is a sum over groups of weighting cells of
each group's answers times its weight, and anyone can work the weights out from DfE's counts
and the method, so it is taken to publish each group's answers on their own, beside each
block's (the raw figures). It is shown only when no combination of those is carried by fewer
than ``MIN_ANSWERS`` people. Groups are formed within a block, so they never change once
published, and the groups of every earlier publication are among those checked.

Pure: blocks of respondent ids in, problems out (no database).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from copro.stats import survey as st
from copro.survey.instrument import Instrument, Question

#: A respondent's answers, by question id (what :class:`copro.survey.results.Answers` holds).
AnswerMap = Mapping[str, object]


@dataclass(frozen=True)
class Problem:
    """A kind of figure whose published blocks can be combined to reveal fewer than
    ``MIN_ANSWERS`` people (``smallest``: the size of the smallest atom involved)."""

    figure: str
    smallest: int

    def __str__(self) -> str:
        return (f"{self.figure}: published figures could be subtracted to reveal the answers "
                f"of {self.smallest} {'person' if self.smallest == 1 else 'people'}")


def revealing_combination(blocks: Sequence[frozenset], min_size: int = st.MIN_ANSWERS
                          ) -> int | None:
    """None when no non-zero linear combination of the ``blocks`` (sets of respondents, each a
    figure's support) is carried by fewer than ``min_size`` people only; else the size of the
    smallest atom in such a combination."""
    blocks = [b for b in blocks if b]
    if not blocks:
        return None
    signature: dict[Hashable, list[int]] = defaultdict(list)
    for i, b in enumerate(blocks):
        for person in b:
            signature[person].append(i)
    atoms: dict[tuple[int, ...], int] = defaultdict(int)
    for where in signature.values():
        atoms[tuple(where)] += 1
    small = [a for a, n in atoms.items() if n < min_size]
    if not small:
        return None
    keys = list(atoms)
    col = {a: j for j, a in enumerate(keys)}
    # each block as a vector over atoms (its atoms are wholly in it or wholly outside)
    matrix = np.zeros((len(blocks), len(keys)))
    for a in keys:
        for i in a:
            matrix[i, col[a]] = 1.0
    unit = np.zeros((len(small), len(keys)))
    for r, a in enumerate(small):
        unit[r, col[a]] = 1.0
    rank = np.linalg.matrix_rank
    # dim(span(blocks) ∩ span(small atoms)) = rank(B) + rank(E) - rank([B; E])
    meet = rank(matrix) + len(small) - rank(np.vstack([matrix, unit]))
    if meet <= 0:
        return None
    return min(atoms[a] for a in small)


def _supports(instrument: Instrument) -> dict[str, tuple[Callable[[AnswerMap], bool],
                                                         Callable[[AnswerMap], bool]]]:
    """Each kind of figure: (who is in its support, who is in its base). A block's figure is
    published when its base has ``MIN_ANSWERS`` people; all of its support is then revealed
    (the base and the "don't know" answers counted beside it)."""
    def answered(q: Question):
        def given(a: AnswerMap) -> bool:
            v = a.get(q.id)
            return v not in (None, "", (), [])

        counted = set(q.answered_values)

        def in_base(a: AnswerMap) -> bool:
            v = a.get(q.id)
            if isinstance(v, (list, tuple)):
                return any(x in counted for x in v)
            return v in counted
        return given, in_base

    out: dict = {"responses": (lambda a: True, lambda a: True)}
    for q in instrument.questions:
        if q.type in ("single", "multi"):
            out[q.id] = answered(q)
    items = instrument.measure("partnership")
    min_items = max(1, int(len(items) * 0.5 + 0.5))

    def scored(a: AnswerMap) -> bool:
        n = 0
        for q in items:
            opt = next((o for o in q.options if o.value == a.get(q.id)), None)
            n += opt is not None and opt.score is not None and not opt.missing
        return n >= min_items
    out["partnership"] = (scored, scored)
    pairs = [q for q in instrument.questions if q.type == "number" and q.not_more_than]

    def reported(a: AnswerMap) -> bool:
        return any(isinstance(a.get(q.id), int) and isinstance(a.get(q.not_more_than), int)
                   and a[q.not_more_than] > 0 for q in pairs)
    if pairs:
        out["reported_agreed"] = (reported, reported)
    return out


def differencing_problems(blocks: Iterable[tuple[Hashable, Iterable[Hashable]]],
                          answers: Mapping[Hashable, AnswerMap], instrument: Instrument,
                          min_answers: int = st.MIN_ANSWERS) -> list[Problem]:
    """Check everything ever published: ``blocks`` are (key, respondent ids) of every block
    ever published (including the one about to be), ``answers`` each respondent's answers.
    Empty when nothing fewer than ``min_answers`` people answered can be worked out. A
    respondent whose answers are no longer known (deleted since) is taken to be in every
    figure of the blocks that held them, which is what was published then."""
    blocks = [(k, frozenset(ids)) for k, ids in blocks]
    problems = []
    for figure, (support, base) in _supports(instrument).items():
        shown = []
        for _, ids in blocks:
            members = frozenset(i for i in ids if i not in answers or support(answers[i]))
            if sum(1 for i in members if i not in answers or base(answers[i])) >= min_answers:
                shown.append(members)
        smallest = revealing_combination(shown, min_answers)
        if smallest is not None:
            problems.append(Problem(figure, smallest))
    return problems


def weighted_figure_reveals(values: Sequence[object], blocks: Sequence[Hashable],
                            groups: Sequence[Hashable | None],
                            min_answers: int = st.MIN_ANSWERS) -> bool:
    """Whether a weighted figure over ``values`` (one per respondent; ``None``: not in the
    figure's base), published beside the raw figures, could reveal fewer than
    ``min_answers`` people's answers. ``blocks[i]`` is respondent i's block (the raw figures
    publish each block's base), ``groups[i]`` the group of weighting cells whose weight they
    share (``None``: not weighted); the weighted figure is taken to publish each group's part
    of the base on its own, as it does to a reader who knows the weights."""
    sets: dict[tuple, set[int]] = defaultdict(set)
    for i, v in enumerate(values):
        if v is None:
            continue
        sets[("block", blocks[i])].add(i)
        if groups[i] is not None:
            sets[("group", groups[i])].add(i)
    return revealing_combination([frozenset(s) for s in sets.values()], min_answers) is not None
