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
- weights are trimmed: none above ``trim`` times the mean weight, the weight taken off spread
  over the others so the total is kept (the matched mix is then close, not exact).

Where every block collapses to one group the weights are all equal: the figures are reported
"not weighted". The post-stratification itself is the ``svy`` library's
(``Sample.weighting.poststratify`` and ``.trim``). Figures from the weights
(:func:`weighted_share`, :func:`weighted_mean`) carry the weighting in their intervals by
linearisation: the estimate's influence values are replaced by their residuals from a weighted
regression on the groups (Deville & Särndal 1992; as R's ``survey`` package does for calibrated
designs), and a share's interval is Wilson's at the effective sample size that variance implies
(Korn & Graubard 1998), at most the number of answers. Beside every weighted figure: the raw
figure and Kish's effective sample size (sum w)^2 / sum w^2.

Weighting corrects for who answers only as far as answering depends on these two things.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from copro.stats.rates import rate
from copro.stats.results import Rate

POST_STRATIFICATION = "post-stratification"
TRIM = 5.0  # no weight above this many times the mean weight
#: A group of weighting cells holds at least this many answers (see :func:`collapse`).
MIN_CELL = 10
Z95 = 1.959963984540054

WEIGHTING_METHOD = (
    "weighted to the local authority's DfE counts of requests by who made them (families, "
    "schools) and what was decided (assessed, not assessed, pending, withdrawn): "
    f"post-stratification of each published round's answers, its combinations collapsed "
    f"until each holds at least {MIN_CELL} answers (svy); no weight above 5 times the mean "
    "weight")
SHARE_METHOD = ("weighted share; Wilson 95% interval at the effective sample size implied by "
                "the linearised variance of the calibrated estimator (at most the number of "
                "answers)")
MEAN_METHOD = ("weighted mean; normal 95% interval from the linearised variance of the "
               "calibrated estimator")
ONE_GROUP = (f"not weighted: no round has {MIN_CELL} answers in more than one combination of "
             "who made the request and what was decided, so weighting would change nothing")
CORRECTS_ONLY = ("Weighting corrects for who answers only as far as answering depends on who "
                 "made the request and what was decided: if, among families whose request was "
                 "refused, those who answer differ from those who do not, it cannot correct "
                 "that.")


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
    trimmed: int  # weights capped
    #: respondents' and the population's shares of each margin's categories
    respondents_mix: dict[str, dict[str, float]]
    population_mix: dict[str, dict[str, float]]
    not_weighted: str | None = None


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
              population: Mapping[tuple[str, str], int], trim: float = TRIM,
              min_answers: int = 10, blocks: Sequence[Hashable] | None = None,
              min_cell: int | None = None) -> Calibration:
    """Weights for respondents whose answers are ``rows[i]`` (who asked) and ``columns[i]``
    (what was decided), published in block ``blocks[i]`` (default: one block), to the
    ``population`` counts of each (row, column). A respondent with either answer ``None`` or
    outside the population's categories is not weighted; ``min_cell`` (default
    :data:`MIN_CELL`) is the fewest answers a group of cells may hold."""
    min_cell = MIN_CELL if min_cell is None else min_cell
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
    group_n = Counter(groups[i] for i in keep)
    block_n = Counter(groups[i][0] for i in keep)
    target = {g: sum(counts.get(c, 0) for c in g[1]) * block_n[g[0]] / len(keep)
              for g in group_n}
    w = _svy_poststratify([groups[i] for i in keep], target)
    w, trimmed = _svy_trim(w, trim)
    weights: list[float | None] = [None] * n
    for j, i in enumerate(keep):
        weights[i] = float(w[j])
    return Calibration(tuple(weights), tuple(groups), blocks, POST_STRATIFICATION, len(keep),
                       kish_effective_n(w), trimmed, respondents_mix, population_mix)


def _key(group) -> str:
    return f"{group[0]}:" + "+".join(f"{r}/{c}" for r, c in group[1])


def _svy_poststratify(groups: Sequence, target: Mapping) -> np.ndarray:
    """Each respondent's weight: their group's target over the group's respondents (a group
    whose target is 0 weighs 0)."""
    import polars as pl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import svy
    keys = [_key(g) for g in groups]
    positive = {_key(g): float(v) for g, v in target.items() if v > 0}
    frame = pl.DataFrame({"group": keys, "w": np.ones(len(keys))})
    inside = [k in positive for k in keys]
    out = np.zeros(len(keys))
    if not any(inside):
        return out
    sample = svy.Sample(frame.filter(pl.Series(inside)), svy.Design(wgt="w"))
    got = sample.weighting.poststratify(controls=positive, cells=["group"],
                                        wgt_name="calibrated")
    out[np.array(inside)] = got.data["calibrated"].to_numpy().astype(float)
    return out


def _svy_trim(w: np.ndarray, trim: float) -> tuple[np.ndarray, int]:
    """Cap weights at ``trim`` times their mean, spreading the excess over the others. Weights
    of 0 (a group whose requests DfE counted none of) stay 0, out of the mean."""
    positive = w > 0
    if not positive.all():
        out, trimmed = _svy_trim(w[positive], trim) if positive.any() else (w[positive], 0)
        full = np.zeros_like(w)
        full[positive] = out
        return full, trimmed
    cap = trim * float(np.mean(w))
    if not np.any(w > cap * (1 + 1e-9)):
        return w, 0
    import polars as pl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import svy
    sample = svy.Sample(pl.DataFrame({"w": w}), svy.Design(wgt="w"))
    out = sample.weighting.trim(upper=float(cap), redistribute=True, min_cell_size=1,
                                wgt_name="trimmed")
    trimmed_w = out.data["trimmed"].to_numpy().astype(float)
    return trimmed_w, int(np.sum(w > cap * (1 + 1e-9)))


def _design_matrix(calibration: Calibration, units: Sequence[int]) -> np.ndarray:
    """The calibration's model: one column per group of cells, for the weighted respondents
    ``units``."""
    groups = [calibration.groups[i] for i in units]
    keys = sorted(set(groups))
    return np.array([[float(g == k) for k in keys] for g in groups])


def _linearised_variance(calibration: Calibration, units: list[int], z: np.ndarray) -> float:
    """Variance of a calibrated estimator with influence values ``z`` (one per weighted
    respondent, 0 outside the figure's domain): residuals of ``z`` from the weighted regression
    on the calibration model, then the with-replacement variance of the weighted total."""
    w = np.array([calibration.weights[i] for i in units])
    x = _design_matrix(calibration, units)
    sw = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(x * sw[:, None], z * sw, rcond=None)
    e = z - x @ beta
    n = len(units)
    u = w * e
    return float(n / (n - 1) * np.sum((u - u.mean()) ** 2)) if n > 1 else 0.0


def _domain(calibration: Calibration, values: Sequence) -> tuple[list[int], np.ndarray,
                                                                   np.ndarray, np.ndarray]:
    units = [i for i, w in enumerate(calibration.weights) if w is not None]
    w = np.array([calibration.weights[i] for i in units])
    d = np.array([values[i] is not None for i in units], dtype=float)
    y = np.array([float(values[i]) if values[i] is not None else 0.0 for i in units])
    return units, w, d, y


def _weighted_ratio(values: Sequence, calibration: Calibration, min_answers: int,
                    withheld: str | None, method: str
                    ) -> WeightedFigure | tuple[int, float, float, float]:
    """The weighted ratio of ``values`` over those with a value (``None``: not in the base):
    (base, estimate, linearised variance, Kish's effective n of the base), or the withheld
    figure (not weighted; ``withheld``, the raw figure's reason; fewer than ``min_answers``)."""
    if calibration.method is None:
        return WeightedFigure(0, None, None, None, None, method,
                              withheld or calibration.not_weighted)
    units, w, d, y = _domain(calibration, values)
    base = int(d.sum())
    if not withheld and base >= min_answers and not (w * d).sum() > 0:
        withheld = "withheld: DfE counted none of the requests these answers are about"
    if withheld or base < min_answers:
        return WeightedFigure(base, None, None, None, None, method,
                              withheld or f"withheld: fewer than {min_answers} answers "
                                          f"(disclosure control)")
    wd = w * d
    est = float((wd * y).sum() / wd.sum())
    z = d * (y - est) / wd.sum()
    return (base, est, _linearised_variance(calibration, units, z),
            kish_effective_n(wd[d > 0]))


def weighted_share(chosen: Sequence[bool | None], calibration: Calibration,
                   min_answers: int = 10, withheld: str | None = None) -> WeightedFigure:
    """The weighted share of respondents with ``chosen[i]`` True among those with a value
    (``None``: not in the share's base). Withheld with ``withheld`` (the raw figure's reason),
    or when fewer than ``min_answers`` weighted respondents are in the base."""
    got = _weighted_ratio(chosen, calibration, min_answers, withheld, SHARE_METHOD)
    if isinstance(got, WeightedFigure):
        return got
    base, p, var, n_eff = got
    # Korn & Graubard: the sample size at which a simple random sample has this variance, never
    # more than the respondents themselves (nor, when nothing varies, a zero-width interval)
    n_star = min(base, p * (1 - p) / var) if var > 0 and 0 < p < 1 else min(base, n_eff)
    low, high = _wilson(p, n_star)
    return WeightedFigure(base, p, min(low, p), max(high, p), n_eff, SHARE_METHOD)


def _wilson(p: float, n: float) -> tuple[float, float]:
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def weighted_mean(values: Sequence[float | None], calibration: Calibration,
                  min_answers: int = 10, withheld: str | None = None) -> WeightedFigure:
    """The weighted mean of ``values`` (``None``: no value) with its linearised interval."""
    got = _weighted_ratio(values, calibration, min_answers, withheld, MEAN_METHOD)
    if isinstance(got, WeightedFigure):
        return got
    base, m, var, n_eff = got
    se = math.sqrt(var)
    return WeightedFigure(base, m, m - Z95 * se, m + Z95 * se, n_eff, MEAN_METHOD)


def raw_share(chosen: Sequence[bool | None]) -> Rate | None:
    """The unweighted share (Wilson interval) of the same base, for beside the weighted one."""
    base = [c for c in chosen if c is not None]
    return rate(sum(bool(c) for c in base), len(base)) if base else None
