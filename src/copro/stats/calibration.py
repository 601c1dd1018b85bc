"""Weighting survey respondents to known population counts: pure functions, no I/O.

The families' survey asks who made the request and what was decided; DfE counts, for every local
authority, requests by the same two things. :func:`calibrate` gives each respondent a weight so
that the respondents' mix matches the counts, by **post-stratification on collapsed cells**:

- the answers are weighted **block by block** (a block: the answers of one publication, one
  round; see :mod:`copro.survey.results`), so what a block's weights rest on never changes once
  it is published;
- within a block, the cells of (who asked x what was decided) are **collapsed** until every
  group of cells holds at least ``min_cell`` answers (:func:`collapse`, whose rule depends only
  on the block's answers, never on the counts, which DfE revises): within each requester group,
  the smallest group of decisions is merged into its smaller neighbour in the order assessed,
  not assessed, pending, withdrawn, until each holds ``min_cell``; where a requester group as a
  whole holds fewer, the two requester groups are merged and their decisions collapsed the same
  way. A cell no one answered is merged like any small cell: its requests are stood for by the
  group it joins;
- each respondent's weight is their group's DfE count over the group's answers, scaled by the
  block's share of the answers weighted (so every block stands for the LA's requests in
  proportion to its answers); a block with fewer than ``min_cell`` answers weighted is left out;
- **bounded**: no weight may be more than ``trim`` times the mean weight. Rather than trimming
  (which breaks the match to DfE's counts, issue 24), a group whose weight would be above the
  bound is merged with another group of its block (:func:`_bound`) until none is, so every
  group's DfE count is still met exactly and weights stay the same within each group of
  :func:`collapse` (which the disclosure check, :mod:`copro.survey.publication`, relies on).

Where every block ends as one group the weights are all equal: the figures are reported "not
weighted", with the reason.

**The margins must hold** (issue 24). Merging meets each merged group's DfE count, not its
cells', so the weighted mix of who made the request, or of what was decided, can miss DfE's
(by 18 points and more in simulated samples that needed bounding). After weighting, each
margin's weighted mix is set beside DfE's (:func:`margin_gaps`); where any category misses by
more than :data:`MARGIN_TOLERANCE` (1 percentage point), the figures are "not weighted", with
the margin and the gap (:attr:`Calibration.gaps`; the weights tried are kept in
:attr:`Calibration.tried`, never published, so the survey can check whether the gap may be
stated). Every weighted figure therefore rests on weights whose mix of both margins is within 1
point of DfE's. Post-stratification is a few lines of numpy (:func:`poststratify`),
checked against svy 0.35's on fixed data kept in the tests. Figures from the weights
(:func:`weighted_share`, :func:`weighted_mean`) have intervals at **one effective sample size**,
Kish's (sum w)^2 / sum w^2 over the figure's base: Wilson's for a share, Student's t for a mean,
each widened on both sides by the most that weighting merged combinations as one could shift
the figure (:func:`_merging_bound`); their coverage is checked by simulation in the tests
(docs/survey-weighting.md has the table).

Weighting corrects for who answers only as far as answering depends on these two things.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from copro.stats.rates import rate
from copro.stats.results import Rate

POST_STRATIFICATION = "post-stratification"
TRIM = 5.0  # no weight above this many times the mean weight
#: A group of weighting cells holds at least this many answers (see :func:`collapse`).
MIN_CELL = 10
#: a weighted figure is published only where, weighted, each category of both margins (who made
#: the request; what was decided) is within this of DfE's share: 1 percentage point
MARGIN_TOLERANCE = 0.01
Z95 = 1.959963984540054

WEIGHTING_METHOD = (
    "weighted to the local authority's DfE counts of requests by who made them (families, "
    "schools) and what was decided (assessed, not assessed, pending, withdrawn): "
    f"post-stratification of each published round's answers, its combinations collapsed "
    f"until each holds at least {MIN_CELL} answers, and further where a weight would be more "
    f"than {TRIM:g} times the mean, so that every group's DfE count is met exactly; "
    f"weighted only where the weighted mix of who made the request and of what was decided "
    f"is then within {MARGIN_TOLERANCE * 100:g} point of DfE's")
SHARE_METHOD = ("weighted share; Wilson 95% interval at the effective sample size (Kish's, "
                "of the answers in its base), widened by the most that weighting merged "
                "combinations as one could shift it")
MEAN_METHOD = ("weighted mean; Student's t 95% interval at the effective sample size (Kish's, "
               "of the answers in its base), widened by the most that weighting merged "
               "combinations as one could shift it")
BOUNDS_FAIL = ("not weighted: meeting DfE's counts would need some families' answers to weigh "
               f"more than {TRIM:g} times the average, and once the combinations of who made "
               "the request and what was decided are merged until none does, every answer "
               "weighs the same")
ONE_GROUP = (f"not weighted: no round has {MIN_CELL} answers in more than one combination of "
             "who made the request and what was decided, so weighting would change nothing")
MISSES_MARGINS = ("not weighted: weighted, the answers would miss DfE's mix by more than "
                  f"{MARGIN_TOLERANCE * 100:g} point")
CORRECTS_ONLY = ("Weighting corrects for who answers only as far as answering depends on who "
                 "made the request and what was decided: if, among families whose request was "
                 "refused, those who answer differ from those who do not, it cannot correct "
                 "that.")


@dataclass(frozen=True)
class MarginGap:
    """One margin's largest gap between the weighted mix and DfE's: the category, its share of
    the weighted respondents (by weight) and of DfE's requests."""

    margin: str  # "rows" (who asked) or "columns" (what was decided)
    category: str
    weighted: float
    dfe: float

    @property
    def points(self) -> float:
        """The gap in percentage points (always >= 0)."""
        return abs(self.weighted - self.dfe) * 100

    @property
    def met(self) -> bool:
        """Whether the weighted mix is within :data:`MARGIN_TOLERANCE` of DfE's (floating-point
        slack of 1e-12 so an exact match is never a miss)."""
        return abs(self.weighted - self.dfe) <= MARGIN_TOLERANCE + 1e-12


@dataclass(frozen=True)
class Calibration:
    """Each respondent's weight (``None`` for a respondent outside the weighting: not in one of
    the target's categories, or in a block too small to weight), the group of cells it was
    weighted in, and the two mixes side by side: each margin's shares among the respondents who
    gave that answer, and among DfE's requests."""

    weights: tuple[float | None, ...]
    #: each weighted respondent's group: (block's index, the cells collapsed together)
    groups: tuple[tuple[int, tuple[tuple[str, str], ...]] | None, ...]
    blocks: tuple[Hashable, ...]  # each respondent's block
    method: str | None  # POST_STRATIFICATION, or None when not weighted
    respondents: int  # respondents weighted
    effective_n: float | None  # Kish: (sum w)^2 / sum w^2
    merged_for_bound: int  # groups merged to keep every weight within the bound (not published)
    #: respondents' and the population's shares of each margin's categories
    respondents_mix: dict[str, dict[str, float]]
    population_mix: dict[str, dict[str, float]]
    not_weighted: str | None = None
    #: each weighted respondent's group after merging for the bound (unions of ``groups``)
    weight_groups: tuple = ()
    #: each respondent's (who asked, what was decided), and DfE's counts (never published)
    cells: tuple = ()
    counts: Mapping = field(default_factory=dict)
    #: each margin's largest gap between the weighted mix and DfE's (empty where no weights
    #: were computed); all met where weighted
    gaps: Mapping[str, MarginGap] = field(default_factory=dict)
    #: where not weighted because a margin misses: the weights tried (never published)
    tried: Calibration | None = None


@dataclass(frozen=True)
class WeightedFigure:
    """A weighted share (or mean) beside its raw value, with the effective sample size."""

    answers: int  # the raw base: respondents in the weighting who answered
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    effective_n: float | None  # Kish, over the base's weights
    method: str
    withheld: str | None = None
    #: how far the interval is widened on each side for combinations weighted as one
    merging: float = 0.0


def kish_effective_n(weights: Sequence[float]) -> float:
    """Kish's effective sample size, (sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w * w).sum())


def _mix(labels: Sequence[str], totals: Mapping[str, float]) -> dict[str, float]:
    s = sum(totals.values())
    return {k: (totals.get(k, 0.0) / s if s else 0.0) for k in labels}


def _collapse_row(cells: list[tuple[tuple[str, str], ...]], answers: Mapping, min_cell: int
                  ) -> list[tuple[tuple[str, str], ...]]:
    """Merge adjacent groups of one row (in decision order) until each holds ``min_cell``."""
    groups = list(cells)

    def size(g):
        return sum(answers.get(c, 0) for c in g)

    while len(groups) > 1 and any(size(g) < min_cell for g in groups):
        # the smallest group (the later on a tie) ...
        i = min(range(len(groups)), key=lambda j: (size(groups[j]), -j))
        # ... joins its smaller neighbour (the earlier on a tie)
        if i == 0:
            j = 1
        elif i == len(groups) - 1:
            j = i - 1
        else:
            j = i - 1 if size(groups[i - 1]) <= size(groups[i + 1]) else i + 1
        a, b = sorted((i, j))
        groups[a:b + 1] = [groups[a] + groups[b]]
    return groups


def collapse(answers: Mapping[tuple[str, str], int], row_levels: Sequence[str],
             col_levels: Sequence[str], min_cell: int | None = None
             ) -> list[tuple[tuple[str, str], ...]] | None:
    """One block's weighting cells collapsed until each group holds at least ``min_cell``
    answers (``answers``: the block's answers in each (row, column) cell); None when the block
    holds fewer than ``min_cell`` answers in all. The rule depends on the answers only: within
    each row, the smallest group of columns joins its smaller neighbour (columns in
    ``col_levels``' order) until every group holds ``min_cell``; where a row as a whole holds
    fewer, the rows are merged and their columns collapsed the same way. Every cell is in
    exactly one group."""
    min_cell = MIN_CELL if min_cell is None else min_cell
    if sum(answers.get((r, c), 0) for r in row_levels for c in col_levels) < min_cell:
        return None
    rows = [_collapse_row([((r, c),) for c in col_levels], answers, min_cell)
            for r in row_levels]
    if all(sum(answers.get(c, 0) for c in g) >= min_cell for row in rows for g in row):
        return [g for row in rows for g in row]
    merged = [tuple((r, c) for r in row_levels) for c in col_levels]
    return _collapse_row(merged, answers, min_cell)


def calibrate(rows: Sequence[str | None], columns: Sequence[str | None],
              population: Mapping[tuple[str, str], int], trim: float | None = None,
              min_answers: int = 10, blocks: Sequence[Hashable] | None = None,
              min_cell: int | None = None, tolerance: float | None = None) -> Calibration:
    """Weights for respondents whose answers are ``rows[i]`` (who asked) and ``columns[i]``
    (what was decided), published in block ``blocks[i]`` (default: one block), to the
    ``population`` counts of each (row, column). A respondent with either answer ``None`` or
    outside the population's categories is not weighted; ``min_cell`` (default
    :data:`MIN_CELL`) is the fewest answers a group of cells may hold; no weight is more than
    ``trim`` times the mean weight (:func:`_bound`); not weighted where, weighted, a margin's
    mix misses DfE's by more than ``tolerance`` (default :data:`MARGIN_TOLERANCE`; infinite to
    see the weights whatever the gap)."""
    min_cell = MIN_CELL if min_cell is None else min_cell
    tolerance = MARGIN_TOLERANCE if tolerance is None else tolerance
    trim = TRIM if trim is None else trim
    row_levels = list(dict.fromkeys(r for r, _ in population))
    col_levels = list(dict.fromkeys(c for _, c in population))
    counts = {k: int(v) for k, v in population.items()}
    n = len(rows)
    if len(columns) != n:
        raise ValueError("rows and columns differ in length")
    blocks = tuple(blocks) if blocks is not None else (None,) * n
    if len(blocks) != n:
        raise ValueError("rows and blocks differ in length")
    if any(v < 0 for v in counts.values()):
        raise ValueError("a population count is negative")
    inside = [i for i in range(n) if rows[i] in row_levels and columns[i] in col_levels]
    pop_rows = {r: sum(v for (a, _), v in counts.items() if a == r) for r in row_levels}
    pop_cols = {c: sum(v for (_, b), v in counts.items() if b == c) for c in col_levels}
    # each margin's mix among all who gave that answer (the question's own shares, so the
    # panel shows nothing the question's distribution does not)
    respondents_mix = {"rows": _mix(row_levels, {r: sum(1 for a in rows if a == r)
                                                 for r in row_levels}),
                       "columns": _mix(col_levels, {c: sum(1 for b in columns if b == c)
                                                    for c in col_levels})}
    population_mix = {"rows": _mix(row_levels, pop_rows), "columns": _mix(col_levels, pop_cols)}

    def none(reason: str, weighted: int = len(inside)) -> Calibration:
        return Calibration((None,) * n, (None,) * n, blocks, None, weighted, None, 0,
                           respondents_mix, population_mix, reason)

    if len(inside) < min_answers:
        return none(f"not weighted: fewer than {min_answers} families said both who made the "
                    f"request and what was decided")
    order = list(dict.fromkeys(blocks[i] for i in inside))
    groups: list[tuple[int, tuple[tuple[str, str], ...]] | None] = [None] * n
    for b, block in enumerate(order):
        members = [i for i in inside if blocks[i] == block]
        cell_n = Counter((rows[i], columns[i]) for i in members)
        collapsed = collapse(cell_n, row_levels, col_levels, min_cell)
        if collapsed is None:
            continue  # too few to weight: left out
        group_of = {cell: g for g in collapsed for cell in g}
        for i in members:
            groups[i] = (b, group_of[(rows[i], columns[i])])
    keep = [i for i in range(n) if groups[i] is not None]
    if len(keep) < min_answers:
        return none(f"not weighted: fewer than {min_answers} families' answers are in rounds "
                    f"with {min_cell} answers to weight", len(keep))
    if len({groups[i] for i in keep}) == len({groups[i][0] for i in keep}):
        return none(ONE_GROUP, len(keep))  # one group per block: every weight the same
    if sum(counts.values()) == 0:
        return none("not weighted: DfE counted no requests here", len(keep))
    final = _bound([groups[i] for i in keep], counts, trim)
    if len(set(final)) == len({g[0] for g in final}):
        return none(BOUNDS_FAIL, len(keep))
    w = poststratify(final, _targets(final, counts))
    weights: list[float | None] = [None] * n
    weight_groups: list = [None] * n
    for j, i in enumerate(keep):
        weights[i] = float(w[j])
        weight_groups[i] = final[j]
    merged = len(set(groups[i] for i in keep)) - len(set(final))
    result = Calibration(tuple(weights), tuple(groups), blocks, POST_STRATIFICATION,
                         len(keep), kish_effective_n(w), merged, respondents_mix,
                         population_mix, weight_groups=tuple(weight_groups),
                         cells=tuple(zip(rows, columns, strict=True)), counts=counts)
    gaps = margin_gaps(result, rows, columns)
    if all(g.met or g.points <= tolerance * 100 for g in gaps.values()):
        return replace(result, gaps=gaps)
    return replace(none(MISSES_MARGINS, len(keep)), gaps=gaps, tried=result)


def margin_gaps(calibration: Calibration, rows: Sequence[str | None],
                columns: Sequence[str | None]) -> dict[str, MarginGap]:
    """Each margin's category whose weighted share (:func:`weighted_margins`) is furthest from
    DfE's share, with both shares."""
    weighted = weighted_margins(calibration, rows, columns)
    out = {}
    for margin, dfe in calibration.population_mix.items():
        worst = max(dfe, key=lambda k: abs(weighted[margin][k] - dfe[k]))
        out[margin] = MarginGap(margin, worst, weighted[margin][worst], dfe[worst])
    return out


def _targets(groups: Sequence, counts: Mapping[tuple[str, str], int]) -> dict:
    """Each group's share of DfE's counts: the counts of its cells, times its block's share of
    the answers weighted (so every block stands for the LA's requests in proportion)."""
    block_n = Counter(g[0] for g in groups)
    return {g: sum(counts.get(c, 0) for c in g[1]) * block_n[g[0]] / len(groups)
            for g in set(groups)}


def poststratify(groups: Sequence[Hashable], target: Mapping[Hashable, float]) -> np.ndarray:
    """Post-stratification: each respondent's weight is their group's ``target`` over the
    number of respondents in the group (R's ``postStratify`` from equal starting weights;
    a group whose target is 0 weighs 0). Every group's weights then sum to its target."""
    size = Counter(groups)
    return np.array([float(target[g]) / size[g] for g in groups])


def _bound(groups: list, counts: Mapping[tuple[str, str], int], trim: float) -> list:
    """Each respondent's group after merging until no weight is above ``trim`` times the mean
    weight: while one is, the group with the largest weight joins the group of its block that
    brings the merged weight lowest, among the groups in the same requester rows if there are
    any, else among all the block's groups. Merging only ever joins whole groups, so every
    weight stays the same within each group of :func:`collapse`, and the merged groups' DfE
    counts are still met exactly."""
    if not math.isfinite(trim):
        return list(groups)
    current = list(groups)
    while True:
        target = _targets(current, counts)
        size = Counter(current)
        weight = {g: target[g] / size[g] for g in size}
        mean = sum(target.values()) / len(current)
        over = [g for g in size if weight[g] > trim * mean * (1 + 1e-12)]
        if not over:
            return current
        worst = max(over, key=lambda g: (weight[g], -size[g]))
        same_block = [g for g in size if g[0] == worst[0] and g != worst]
        if not same_block:
            return current  # alone in its block: the block weighs its mean (never over)
        rows_of = {r for r, _ in worst[1]}
        near = [g for g in same_block if {r for r, _ in g[1]} == rows_of] or same_block
        merged = [((target[g] + target[worst]) / (size[g] + size[worst]), j)
                  for j, g in enumerate(near)]
        partner = near[min(merged)[1]]
        joined = (worst[0], tuple(sorted(worst[1] + partner[1], key=_cell_order(counts))))
        current = [joined if g in (worst, partner) else g for g in current]


def _cell_order(counts: Mapping[tuple[str, str], int]):
    order = {c: i for i, c in enumerate(counts)}
    return lambda c: order.get(c, len(order))


def weighted_margins(calibration: Calibration, rows: Sequence[str | None],
                     columns: Sequence[str | None]) -> dict[str, dict[str, float]]:
    """Each margin's mix among the weighted respondents, by weight (what the page sets beside
    DfE's mix and the raw mix)."""
    w = {i: x for i, x in enumerate(calibration.weights) if x is not None}
    total = sum(w.values())
    out = {"rows": {}, "columns": {}}
    for margin, values in (("rows", rows), ("columns", columns)):
        for category in calibration.population_mix[margin]:
            out[margin][category] = (sum(x for i, x in w.items() if values[i] == category)
                                     / total if total else 0.0)
    return out


def _domain(calibration: Calibration, values: Sequence) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray]:
    units = [i for i, w in enumerate(calibration.weights) if w is not None]
    w = np.array([calibration.weights[i] for i in units])
    d = np.array([values[i] is not None for i in units], dtype=bool)
    y = np.array([float(values[i]) if values[i] is not None else 0.0 for i in units])
    return w[d], y[d], d


def _weighted_ratio(values: Sequence, calibration: Calibration, min_answers: int,
                    withheld: str | None, method: str
                    ) -> WeightedFigure | tuple[int, float, np.ndarray, np.ndarray, float]:
    """The weighted mean of ``values`` over those with a value (``None``: not in the base):
    (base, estimate, the base's weights and values, Kish's effective n of the base), or the
    withheld figure (not weighted; ``withheld``, the raw figure's reason; fewer than
    ``min_answers``)."""
    if calibration.method is None:
        return WeightedFigure(0, None, None, None, None, method,
                              withheld or calibration.not_weighted)
    w, y, d = _domain(calibration, values)
    base = int(d.sum())
    if not withheld and base >= min_answers and not w.sum() > 0:
        withheld = "withheld: DfE counted none of the requests these answers are about"
    if withheld or base < min_answers:
        return WeightedFigure(base, None, None, None, None, method,
                              withheld or f"withheld: fewer than {min_answers} answers "
                                          f"(disclosure control)")
    est = float((w * y).sum() / w.sum())
    return base, est, w, y, kish_effective_n(w[w > 0]), _merging_bound(calibration, values)


def _merging_bound(calibration: Calibration, values: Sequence) -> float:
    """The most that weighting merged combinations as one can shift a weighted figure whose
    values span a range of 1: within each group, the answers' mix of combinations (among
    the figure's base) stands for DfE's, and the two differ by their total variation distance;
    summed over groups by each group's share of the weight. Times the values' range, it
    bounds the figure's bias from merging (0 where nothing was merged)."""
    counts = calibration.counts
    units = [i for i, w in enumerate(calibration.weights) if w is not None
             and values[i] is not None]
    total = sum(calibration.weights[i] for i in units)
    if not total:
        return 0.0
    by_group: dict = {}
    for i in units:
        by_group.setdefault(calibration.weight_groups[i], []).append(i)
    bound = 0.0
    for g, members in by_group.items():
        cells = g[1]
        if len(cells) == 1:
            continue
        pop = sum(counts.get(c, 0) for c in cells)
        got = Counter(calibration.cells[i] for i in members)
        tv = 0.5 * sum(abs(got.get(c, 0) / len(members)
                           - (counts.get(c, 0) / pop if pop else 0.0)) for c in cells)
        bound += sum(calibration.weights[i] for i in members) / total * tv
    return bound


def weighted_share(chosen: Sequence[bool | None], calibration: Calibration,
                   min_answers: int = 10, withheld: str | None = None) -> WeightedFigure:
    """The weighted share of respondents with ``chosen[i]`` True among those with a value
    (``None``: not in the share's base), with Wilson's 95% interval at the base's effective
    sample size (Kish). Withheld with ``withheld`` (the raw figure's reason), or when fewer
    than ``min_answers`` weighted respondents are in the base."""
    got = _weighted_ratio(chosen, calibration, min_answers, withheld, SHARE_METHOD)
    if isinstance(got, WeightedFigure):
        return got
    base, p, _, _, n_eff, bound = got
    low, high = _wilson(p, n_eff)
    return WeightedFigure(base, p, max(0.0, low - bound), min(1.0, high + bound), n_eff,
                          SHARE_METHOD, merging=bound)


def _wilson(p: float, n: float) -> tuple[float, float]:
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def weighted_mean(values: Sequence[float | None], calibration: Calibration,
                  min_answers: int = 10, withheld: str | None = None) -> WeightedFigure:
    """The weighted mean of ``values`` (``None``: no value), with Student's t 95% interval at
    the base's effective sample size (Kish): standard error the weighted standard deviation
    over its square root, on its degrees of freedom less one."""
    from scipy.stats import t

    got = _weighted_ratio(values, calibration, min_answers, withheld, MEAN_METHOD)
    if isinstance(got, WeightedFigure):
        return got
    base, m, w, y, n_eff, bound = got
    bound *= float(y.max() - y.min())
    if n_eff <= 1:
        return WeightedFigure(base, m, None, None, n_eff, MEAN_METHOD,
                              "withheld: an effective sample size of 1 has no interval")
    var = float((w * (y - m) ** 2).sum() / w.sum()) * n_eff / (n_eff - 1)
    half = float(t.ppf(0.975, n_eff - 1)) * math.sqrt(var / n_eff)
    return WeightedFigure(base, m, m - half - bound, m + half + bound, n_eff, MEAN_METHOD,
                          merging=bound)


def raw_share(chosen: Sequence[bool | None]) -> Rate | None:
    """The unweighted share (Wilson interval) of the same base, for beside the weighted one."""
    base = [c for c in chosen if c is not None]
    return rate(sum(bool(c) for c in base), len(base)) if base else None
