"""One LA's families' figures weighted to what DfE counted there: the families' answers to "who
made the request" and "was an assessment agreed" read as DfE's requester groups and decisions,
the LA's DfE counts as the population, and every families' share, the ladder's top-two share
and the partnership score recomputed with the weights (:mod:`copro.stats.calibration`).

Only requests from families (parent or young person) and from schools or colleges are weighted,
as DfE counts them; a respondent whose request was made by someone else, or who did not say who
made it or what was decided, is not in the weighted figures.

Disclosure control. A weighted figure is a sum, over the groups of weighting cells, of each
group's answers times the group's weight; a reader who knows DfE's counts and the method can
work the weights out, and then (the weights being different numbers) each group's own answers.
So a weighted figure is treated as publishing every group's answers on their own, beside the
raw figures, which publish each block's (:mod:`copro.survey.publication`). It is shown only when
no combination of those figures is carried by fewer than ``min_answers`` people
(:func:`~copro.survey.publication.revealing_combination`, the check publication runs across
blocks): the cells are collapsed until each group holds ``MIN_CELL`` answers
(:func:`copro.stats.calibration.collapse`), and a figure is withheld where a group holds fewer
than that in its base, or where the families left out of the weighting (a request made by
someone else, say) number from 1 to ``min_answers - 1`` in a block's base. Where the raw figure
is withheld, so is the weighted one. The groups' make-up and sizes are never published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from copro.counts import Count, Measure
from copro.groups import RequesterGroup
from copro.stats import calibration as cal
from copro.stats import survey as st
from copro.survey.publication import weighted_figure_reveals

WHO_QUESTION, DECIDED_QUESTION = "request_made_by", "assessment_agreed"
#: the families' answers -> DfE's requester groups ...
WHO_ASKED = {"me": "family", "school_or_college": "education"}
#: ... and DfE's decisions
DECIDED = {"yes": "assessed", "no": "not_assessed", "waiting": "pending",
           "withdrawn": "withdrawn"}
DFE_MEASURES = {"assessed": Measure.DECIDED_TO_ASSESS,
                "not_assessed": Measure.DECIDED_NOT_TO_ASSESS,
                "pending": Measure.NOT_YET_DECIDED, "withdrawn": Measure.WITHDRAWN}
DFE_GROUPS = {"family": RequesterGroup.FAMILY, "education": RequesterGroup.EDUCATION}
LABELS = {"family": "Parent or young person", "education": "School or college",
          "assessed": "Assessed", "not_assessed": "Not assessed",
          "pending": "Not yet decided", "withdrawn": "Withdrawn"}
DISCLOSURE = ("withheld: could reveal fewer than {n} families' answers (disclosure control: "
              "the weights follow from DfE's counts, and the figure set beside the figures as "
              "answered would give away a smaller group's answers)")
NO_COUNTS = "not weighted: DfE's counts for this local authority are missing or suppressed"
MARGIN_WORDS = {"rows": "who made the request", "columns": "what was decided"}
WHY_MISSED = ("combinations of who made the request and what was decided with fewer than "
              f"{cal.MIN_CELL} answers, or whose answers would weigh more than {cal.TRIM:g} "
              "times the average, are weighted together, and within a merged combination the "
              "answers keep their own mix, not DfE's")
TIMING = ("DfE's counts are for the latest published year; the survey asks about requests in "
          "the last 24 months, and a request a family calls still waiting may since have been "
          "decided.")


@dataclass(frozen=True)
class WeightedFigures:
    """The families' figures in one LA weighted to its DfE counts, beside the mixes."""

    method: str | None  # post-stratification, or None when not weighted
    respondents: int  # respondents weighted
    effective_n: float | None
    respondents_mix: dict[str, dict[str, float]] | None  # None when not weighted
    population_mix: dict[str, dict[str, float]] | None
    shares: dict[str, dict[str, cal.WeightedFigure]] = field(default_factory=dict)
    top_two: dict[str, cal.WeightedFigure] = field(default_factory=dict)
    partnership: cal.WeightedFigure | None = None
    not_weighted: str | None = None
    #: each margin's largest gap between the weighted mix and DfE's
    #: (:class:`copro.stats.calibration.MarginGap`; empty where no weights were computed, and
    #: ``None`` for a margin whose gap could reveal fewer than ``min_answers`` families' answers)
    gaps: dict[str, cal.MarginGap | None] = field(default_factory=dict)
    #: whether each margin's weighted mix is within the tolerance (stated even where the gap is
    #: not: every margin of a weighted figure is)
    met: dict[str, bool] = field(default_factory=dict)
    #: each margin's categories weighted (their shares among the weighted families), each
    #: withheld where the linear check says so
    weighted_mix: dict[str, dict[str, cal.WeightedFigure]] = field(default_factory=dict)
    description: str = cal.WEIGHTING_METHOD
    caveat: str = cal.CORRECTS_ONLY


def margins_from_counts(cells: Mapping[RequesterGroup, Mapping[Measure, Count]] | None
                        ) -> dict[tuple[str, str], int] | None:
    """An LA's DfE counts as the weighting's population: (who asked, what was decided) ->
    requests; None when any of them is missing (suppressed, say)."""
    if not cells:
        return None
    out = {}
    for who, group in DFE_GROUPS.items():
        for decided, measure in DFE_MEASURES.items():
            count = cells.get(group, {}).get(measure)
            if count is None or count.missing:
                return None
            out[(who, decided)] = int(count.value)
    return out


def disclosive(values: Sequence[object], calibration: cal.Calibration,
               min_answers: int = st.MIN_ANSWERS) -> bool:
    """Whether publishing a weighted figure over ``values`` (``None``: not in its base) beside
    the raw figures could reveal fewer than ``min_answers`` people's answers
    (:func:`copro.survey.publication.weighted_figure_reveals`)."""
    return weighted_figure_reveals(values, calibration.blocks, calibration.groups,
                                   min_answers)


def _protected(figure: cal.WeightedFigure, values: Sequence[object],
               calibration: cal.Calibration, min_answers: int) -> cal.WeightedFigure:
    if figure.withheld is not None or not disclosive(values, calibration, min_answers):
        return figure
    return cal.WeightedFigure(figure.answers, None, None, None, None, figure.method,
                              DISCLOSURE.format(n=min_answers))


def weighted_figures(answers: Sequence[Mapping[str, object]],
                     population: Mapping[tuple[str, str], int] | None,
                     shares: Mapping[str, tuple[Sequence[str], bool, st.Distribution]],
                     top_two: Mapping[str, tuple[Sequence[str], Sequence[str], st.Proportion]],
                     scores: Sequence[float | None], partnership: st.Mean | None,
                     min_answers: int = st.MIN_ANSWERS,
                     blocks: Sequence[object] | None = None) -> WeightedFigures:
    """The weighted figures of one LA's families. ``answers`` are their answers; ``shares``
    maps each question to (counted options, multi-select?, its raw distribution);
    ``top_two`` maps each ladder to (its top options, its rungs, its raw share); ``scores``
    are the respondents' partnership scores (None: no score), in ``answers``' order;
    ``blocks`` each answer's block (its publication; default: one block)."""
    if population is None:
        return WeightedFigures(None, 0, None, None, None, not_weighted=NO_COUNTS)
    rows = [WHO_ASKED.get(a.get(WHO_QUESTION)) for a in answers]
    cols = [DECIDED.get(a.get(DECIDED_QUESTION)) for a in answers]
    c = cal.calibrate(rows, cols, population, min_answers=min_answers, blocks=blocks)
    if c.method is None and c.tried is not None:
        gaps = _stated_gaps(c, answers, shares, min_answers)
        return WeightedFigures(None, c.respondents, None, None, None,
                               not_weighted=missed_margins(gaps, c.gaps), gaps=gaps,
                               met={m: g.met for m, g in c.gaps.items()})
    if c.method is None:
        return WeightedFigures(None, c.respondents, None, None, None,
                               not_weighted=c.not_weighted)

    def share(chosen, withheld):
        return _protected(cal.weighted_share(chosen, c, min_answers, withheld), chosen, c,
                          min_answers)

    out_shares: dict[str, dict[str, cal.WeightedFigure]] = {}
    for qid, (counted, multi, raw) in shares.items():
        values = [a.get(qid) for a in answers]
        in_base = [v is not None and (any(x in counted for x in v) if multi else v in counted)
                   for v in values]
        out_shares[qid] = {
            o: share([((o in v) if multi else v == o) if b else None
                      for v, b in zip(values, in_base, strict=True)], raw.withheld)
            for o in counted}
    out_top = {}
    for qid, (top, rungs, raw) in top_two.items():
        values = [a.get(qid) for a in answers]
        out_top[qid] = share([(v in top) if v in rungs else None for v in values],
                             raw.withheld)
    weighted_score = None
    if partnership is not None:
        weighted_score = _protected(
            cal.weighted_mean(scores, c, min_answers, partnership.withheld), scores, c,
            min_answers)
    mix: dict[str, dict[str, cal.WeightedFigure]] = {}
    for margin, qid, mapping in (("rows", WHO_QUESTION, WHO_ASKED),
                                 ("columns", DECIDED_QUESTION, DECIDED)):
        raw = shares.get(qid)
        counted = set(raw[0]) if raw else set(mapping)
        values = [a.get(qid) for a in answers]
        mix[margin] = {
            category: share([(mapping.get(v) == category) if v in counted else None
                             for v in values], raw[2].withheld if raw else None)
            for category in c.population_mix[margin]}
    return WeightedFigures(c.method, c.respondents, c.effective_n,
                           c.respondents_mix, c.population_mix, out_shares, out_top,
                           weighted_score, weighted_mix=mix,
                           gaps={m: (None if mix[m][g.category].withheld else g)
                                 for m, g in c.gaps.items()},
                           met={m: g.met for m, g in c.gaps.items()})


def _margin_values(margin: str, category: str, answers: Sequence[Mapping[str, object]],
                   shares: Mapping) -> list[bool | None]:
    """Who said ``category`` of ``margin`` (the base: everyone who answered the question with
    one of its counted options), as the weighted mix computes it."""
    qid, mapping = {"rows": (WHO_QUESTION, WHO_ASKED), "columns": (DECIDED_QUESTION, DECIDED)
                    }[margin]
    raw = shares.get(qid)
    counted = set(raw[0]) if raw else set(mapping)
    return [(mapping.get(a.get(qid)) == category) if a.get(qid) in counted else None
            for a in answers]


def _stated_gaps(c: cal.Calibration, answers: Sequence[Mapping[str, object]],
                 shares: Mapping, min_answers: int) -> dict[str, cal.MarginGap | None]:
    """Each margin's gap under the weights tried, or None where stating it would publish a
    weighted share that the disclosure check withholds (the gap and DfE's share give it)."""
    out: dict[str, cal.MarginGap | None] = {}
    for margin, gap in c.gaps.items():
        qid = WHO_QUESTION if margin == "rows" else DECIDED_QUESTION
        raw = shares.get(qid)
        values = _margin_values(margin, gap.category, answers, shares)
        hidden = (raw is not None and raw[2].withheld is not None) or disclosive(
            values, c.tried, min_answers)
        out[margin] = None if hidden else gap
    return out


def missed_margins(stated: Mapping[str, cal.MarginGap | None],
                   gaps: Mapping[str, cal.MarginGap]) -> str:
    """Why the answers are not weighted, in words: each margin whose weighted mix misses DfE's
    by more than :data:`copro.stats.calibration.MARGIN_TOLERANCE`, how far (where the gap may
    be stated) and why."""
    limit = f"{cal.MARGIN_TOLERANCE * 100:g} point"
    parts = []
    for margin, gap in gaps.items():
        if gap.met:
            continue
        shown = stated.get(margin)
        if shown is None:
            parts.append(f"{MARGIN_WORDS[margin]} would be more than {limit} from DfE's mix "
                         "(by how much could reveal fewer families' answers than the threshold)")
        else:
            parts.append(f"{MARGIN_WORDS[margin]} would be {shown.points:.1f} points from DfE's "
                         f"mix (“{LABELS[shown.category]}”: {shown.weighted:.1%} of the families, "
                         f"weighted, against {shown.dfe:.1%} of DfE's requests)")
    return (f"not weighted: the answers could not be weighted to DfE's mix within {limit}. "
            f"Weighted, {'; and '.join(parts)}. This is because {WHY_MISSED}, so the figures "
            "are shown as answered")
