"""The survey's results at every level, from stored answers: per LA and audience, per LA with
its audiences together, per audience for England and for England overall. Pure: answers in,
result objects out; the statistics are :mod:`copro.stats.survey`'s.

Every share has one base: the answers that chose one of the question's options other than "don't
know" / "prefer not to say" (those are counted beside the base, never in it). The ladder's top-two
share is therefore the sum of its rungs' shares, and a belief share is among those who gave a view.

Disclosure control is applied here, the same way at every level. The unit is a **block**: the
answers of one publication (one round) for one LA and audience. A figure, at any level (one LA
and audience, an LA's audiences together, England), pools only the blocks whose own figure rests
on at least 10 answers. So every figure is a sum of blocks of 10 or more, and neither a
subtraction across audiences or levels nor one between the figures before and after a round is
published can reveal fewer than 10 people's answers (a round of 3 answers is never added to
figures already public). Answers without a block (a coordinator's own view) form one block per
LA and audience.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from copro.stats import reliability as rel
from copro.stats import survey as st
from copro.survey import weighted as wt
from copro.survey.instrument import AUDIENCES, Instrument, Question, load_instrument

#: A respondent's score needs at least this share of the partnership items answered.
MIN_ITEMS_SHARE = 0.5


@dataclass(frozen=True)
class Answers:
    """One respondent's answers: question id -> value (a string, a tuple of strings for a
    multi-select, an int, or cleaned free text); questions not answered are absent."""

    area_code: str
    audience: str
    version: str
    answers: Mapping[str, object]
    #: the publication (round) the answer was published in; None: one block per LA and audience
    block: Hashable = None


@dataclass(frozen=True)
class LevelResults:
    """Every figure at one level. ``area_code`` None is England; ``audience`` None is every
    audience together."""

    area_code: str | None
    audience: str | None
    responses: int  # responses counted at this level (hidden when ``responses_withheld``)
    #: every respondent at this level sits in a block too small to show: the count is withheld
    #: (0 is said only when nobody answered)
    responses_withheld: bool
    areas: int  # local authorities contributing
    distributions: dict[str, st.Distribution] = field(default_factory=dict)
    top_two: dict[str, st.Proportion] = field(default_factory=dict)
    partnership: st.Mean | None = None
    beliefs: st.BeliefsAgainstData | None = None
    #: education professionals' own count: requests agreed of requests made (pooled)
    reported_agreed: st.Mean | None = None
    #: one LA's families only: their figures weighted to the LA's DfE counts
    weighted: wt.WeightedFigures | None = None
    #: whether the partnership items measure one thing (Cronbach's alpha)
    reliability: rel.Reliability | None = None
    #: one LA's families only: how they feel beside what happened to their requests
    feeling: st.FeelingAndOutcome | None = None


@dataclass(frozen=True)
class SurveyResults:
    version: str
    levels: dict[tuple[str | None, str | None], LevelResults]
    across: st.FeelingAndOutcomeAcrossLAs
    caveat: str = st.SELF_SELECTION_CAVEAT

    def level(self, area_code: str | None, audience: str | None) -> LevelResults | None:
        return self.levels.get((area_code, audience))


def _value_of(q: Question, a: Answers):
    v = a.answers.get(q.id)
    if v is None or v == "" or v == ():
        return None
    return tuple(v) if q.type == "multi" else v


def _partnership_items(instrument: Instrument) -> tuple[Question, ...]:
    return instrument.measure("partnership")


def _score_row(items: tuple[Question, ...], a: Answers) -> list[float | None]:
    row = []
    for q in items:
        v = a.answers.get(q.id)
        opt = next((o for o in q.options if o.value == v), None)
        row.append(float(opt.score) if opt is not None and opt.score is not None
                   and not opt.missing else None)
    return row


def _figures(instrument: Instrument, answers: list[Answers]):
    """Each figure's raw inputs for one cell: question -> answers, ladder -> rung answers, the
    respondents' partnership scores, (number) pairs, and the item rows of those with a score."""
    per_q = {q.id: [v for a in answers if (v := _value_of(q, a)) is not None]
             for q in instrument.questions if q.type in ("single", "multi")}
    items = _partnership_items(instrument)
    min_items = _min_items(items)
    item_rows = [_score_row(items, a) for a in answers]
    scores = st.respondent_scores(item_rows, min_items)
    scored_rows = [r for r in item_rows if sum(v is not None for v in r) >= min_items]
    pairs = []
    for q in instrument.questions:
        if q.type == "number" and q.not_more_than:
            pairs += [(a.answers[q.id], a.answers[q.not_more_than]) for a in answers
                      if isinstance(a.answers.get(q.id), int)
                      and isinstance(a.answers.get(q.not_more_than), int)
                      and a.answers[q.not_more_than] > 0]
    return per_q, scores, pairs, scored_rows


def _min_items(items: tuple[Question, ...]) -> int:
    return max(1, int(len(items) * MIN_ITEMS_SHARE + 0.5))


def _aligned_scores(instrument: Instrument, answers: list[Answers]) -> list[float | None]:
    """Each respondent's partnership score, or None, in the answers' order."""
    items = _partnership_items(instrument)
    min_items = _min_items(items)
    out: list[float | None] = []
    for a in answers:
        got = [v for v in _score_row(items, a) if v is not None]
        out.append(sum(got) / len(got) if len(got) >= min_items else None)
    return out


def survey_results(responses: Iterable[Answers],
                   measured: Mapping[str | None, st.MeasuredRatio] | None = None,
                   instrument: Instrument | None = None,
                   min_answers: int = st.MIN_ANSWERS,
                   margins: Mapping[str, Mapping[tuple[str, str], int] | None] | None = None
                   ) -> SurveyResults:
    """Results at every level. ``measured`` gives each LA's ratio of assessment rates (and
    England's under the key None) for beliefs against the data, how families feel against what
    happened to their requests, and the same across LAs. Answers of
    any instrument version are read by question id (a question keeps its id only while its
    meaning is unchanged). ``margins`` gives each LA's DfE counts of requests by (who asked,
    what was decided) (:func:`copro.survey.weighted.margins_from_counts`; None where missing):
    with them, each LA's families' figures are also weighted to its counts."""
    instrument = instrument or load_instrument()
    measured = measured or {}
    units: dict[tuple[str, str, Hashable], list[Answers]] = defaultdict(list)
    for r in responses:
        units[(r.area_code, r.audience, r.block)].append(r)
    cells = sorted({(a, au) for a, au, _ in units})
    questions = {q.id: q for q in instrument.questions if q.type in ("single", "multi")}
    ladders = [q for q in instrument.measure("ladder")]
    belief = next(iter(instrument.measure("belief")), None)

    # the lowest level: each block (a publication of one LA and audience)
    raw = {key: _figures(instrument, ans) for key, ans in units.items()}
    levels: dict = {}

    def build(area, audience, parts: list[tuple]):
        """A level from the blocks in ``parts``: each figure pools the blocks whose own figure
        is shown (at least ``min_answers`` answers)."""
        cell = area is not None and audience is not None
        n_resp = [len(units[p]) for p in parts]
        shown_n = sum(n for n in n_resp if st.shown(n, min_answers))
        # a level (one LA and audience, an LA, every LA surveyed) whose respondents all sit in
        # blocks too small to show: withheld, never "0" (that would say nobody answered)
        withheld = shown_n == 0 and sum(n_resp) > 0
        responses_n = sum(n_resp) if withheld else shown_n
        contributing = {p[0] for p, n in zip(parts, n_resp, strict=True)
                        if st.shown(n, min_answers)}
        res = LevelResults(area, audience, responses_n, withheld, len(contributing))
        def unless_none(figure, cells: list, base):
            """A figure no one answered in any block is empty, not withheld: 0 is not a small
            count for disclosure control to protect (a figure whose answers all sit in
            withheld blocks stays withheld)."""
            if figure.withheld and sum(base(c) for c in cells) == 0:
                return replace(figure, withheld=None)
            return figure

        for qid, q in questions.items():
            if audience is not None and audience not in q.audiences:
                continue
            multi = q.type == "multi"
            base = st.counted_base(q.answered_values, multi)
            pooled = st.pool_shown({p: raw[p][0][qid] for p in parts}, base, min_answers)
            res.distributions[qid] = unless_none(
                st.distribution(pooled, q.values, multi, min_answers, counted=q.answered_values),
                [raw[p][0][qid] for p in parts], base)
        for q in ladders:
            if audience is not None and audience not in q.audiences:
                continue
            rungs, top = q.answered_values, [o.value for o in q.options if o.top]

            def base(ans, rungs=rungs):
                return sum(a in rungs for a in ans)

            pooled = st.pool_shown({p: raw[p][0][q.id] for p in parts}, base, min_answers)
            res.top_two[q.id] = unless_none(st.share_of(pooled, top, rungs, min_answers),
                                            [raw[p][0][q.id] for p in parts], base)
        if audience is None or any(audience in q.audiences
                                   for q in _partnership_items(instrument)):
            scores = st.pool_shown({p: raw[p][1] for p in parts}, len, min_answers)
            res = _with(res, partnership=unless_none(st.mean_with_bootstrap(
                scores, min_answers), [raw[p][1] for p in parts], len))
            # the items of the same respondents as the score: cells whose score is shown
            rows = [r for p in parts if st.shown(len(raw[p][1]), min_answers)
                    for r in raw[p][3]]
            res = _with(res, reliability=rel.scale_reliability(rows))
        if audience in (None, "education"):
            pairs = st.pool_shown({p: raw[p][2] for p in parts}, len, min_answers)
            res = _with(res, reported_agreed=unless_none(st.share_of_totals(
                [a for a, _ in pairs], [m for _, m in pairs], min_answers),
                [raw[p][2] for p in parts], len))
        if belief is not None and (audience is None or audience in belief.audiences):
            favours = {o.value: o.favours for o in belief.options if o.favours}
            res = _with(res, beliefs=st.beliefs_against_data(
                res.distributions[belief.id], favours, measured.get(area)))
        if cell and audience == "families" and margins is not None and not withheld:
            res = _with(res, weighted=_weighted(res, [
                a for p in parts if st.shown(len(units[p]), min_answers)
                for a in _as_pooled(p)]))
        return res

    def _as_pooled(p) -> list[Answers]:
        """Block ``p``'s answers with every answer its own raw figure withholds left out (a
        question with fewer than ``min_answers`` answers in the block; the partnership items
        where the block's score is withheld), so a weighted figure pools what its raw figure
        pools and nothing the raw figures hide."""
        per_q, scores = raw[p][0], raw[p][1]
        hidden = {qid for qid, q in questions.items()
                  if not st.shown(st.counted_base(q.answered_values, q.type == "multi")(
                      per_q[qid]), min_answers)}
        if not st.shown(len(scores), min_answers):
            hidden |= {q.id for q in _partnership_items(instrument)}
        if not hidden:
            return units[p]
        return [replace(a, answers={k: v for k, v in a.answers.items() if k not in hidden})
                for a in units[p]]

    def _weighted(res: LevelResults, answers: list[Answers]) -> wt.WeightedFigures:
        shares = {qid: (questions[qid].answered_values, questions[qid].type == "multi", d)
                  for qid, d in res.distributions.items()}
        tops = {qid: ([o.value for o in q.options if o.top], q.answered_values,
                      res.top_two[qid]) for q in ladders
                if (qid := q.id) in res.top_two}
        return wt.weighted_figures([a.answers for a in answers], margins.get(answers[0].area_code),
                                   shares, tops, _aligned_scores(instrument, answers),
                                   res.partnership, min_answers,
                                   blocks=[a.block for a in answers])

    areas = sorted({k[0] for k in cells})
    for area, audience in cells:
        levels[(area, audience)] = build(area, audience, [
            k for k in units if k[0] == area and k[1] == audience])
    for area in areas:
        levels[(area, None)] = build(area, None, [k for k in units if k[0] == area])
    for audience in AUDIENCES:
        levels[(None, audience)] = build(None, audience, [k for k in units if k[1] == audience])
    levels[(None, None)] = build(None, None, list(units))

    family_ladder = next((q for q in ladders if "families" in q.audiences), None)
    points = []
    for area in areas:
        cell = levels.get((area, "families"))
        if cell is None or family_ladder is None or cell.responses_withheld:
            continue
        top = cell.top_two.get(family_ladder.id)
        if top is None:
            continue
        ratio = measured.get(area)
        levels[(area, "families")] = _with(cell, feeling=st.feeling_and_outcome(top, ratio))
        if top.rate is not None and ratio is not None:
            points.append(st.FeelingPoint(area, top.rate, ratio))
    return SurveyResults(instrument.version, levels, st.feeling_and_outcome_across_las(points))


def _with(res: LevelResults, **changes) -> LevelResults:
    from dataclasses import replace

    return replace(res, **changes)
