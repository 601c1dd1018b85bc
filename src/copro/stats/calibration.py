"""Weighting survey respondents to known population counts: pure functions, no I/O.

The families' survey asks who made the request and what was decided; DfE counts, for every local
authority, requests by the same two things. :func:`calibrate` gives each respondent a weight so
that the respondents' mix of (who asked x what was decided) matches the counts:

- **post-stratification** when every cell the counts hold has at least one respondent (and no
  respondent is in a cell the counts hold none of): each respondent's weight is their cell's
  count over the cell's respondents;
- **raking** (iterative proportional fitting) on the two margins otherwise: the weights match
  DfE's requests by who asked, and by what was decided, but not each combination;
- a category that no respondent is in (no respondent's request was withdrawn, say) cannot be
  matched: it is left out of the target, and the weighted figures describe the other requests
  (``left_out`` names it);
- weights are trimmed: none above ``trim`` times the mean weight, the weight taken off spread
  over the others so the total is kept (the matched mix is then close, not exact).

The weighting itself is the ``svy`` library's (``Sample.weighting.poststratify``, ``.rake`` and
``.trim``; the successor of ``samplics`` by the same authors, which is archived). Figures from the
weights (:func:`weighted_share`, :func:`weighted_mean`) carry the weighting in their intervals by
linearisation: the estimate's influence values are replaced by their residuals from a weighted
regression on the calibration cells or margins (Deville & Särndal 1992; as R's ``survey``
package does for calibrated designs), and a share's interval is Wilson's at the effective sample
size that variance implies (Korn & Graubard 1998), at most the number of answers. Beside every
weighted figure: the raw figure and Kish's effective sample size (sum w)^2 / sum w^2.

Weighting corrects for who answers only as far as answering depends on these two things.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from copro.stats.rates import rate
from copro.stats.results import Rate

POST_STRATIFICATION = "post-stratification"
RAKING = "raking"
TRIM = 5.0  # no weight above this many times the mean weight
Z95 = 1.959963984540054

WEIGHTING_METHOD = (
    "weighted to the local authority's DfE counts of requests by who made them (families, "
    "schools) and what was decided (assessed, not assessed, pending, withdrawn): "
    "post-stratification where every combination has answers, raking on the two margins where "
    "not (svy); no weight above 5 times the mean weight")
SHARE_METHOD = ("weighted share; Wilson 95% interval at the effective sample size implied by "
                "the linearised variance of the calibrated estimator (at most the number of "
                "answers)")
MEAN_METHOD = ("weighted mean; normal 95% interval from the linearised variance of the "
               "calibrated estimator")
NO_FIT = ("not weighted: the combinations of who made the request and what was decided among "
          "the families who answered cannot match both of DfE's counts")
CORRECTS_ONLY = ("Weighting corrects for who answers only as far as answering depends on who "
                 "made the request and what was decided: if, among families whose request was "
                 "refused, those who answer differ from those who do not, it cannot correct "
                 "that.")


@dataclass(frozen=True)
class Calibration:
    """Each respondent's weight (``None`` for a respondent outside the weighting: not in one of
    the target's categories), how the weights were made, and the two mixes side by side: each
    margin's shares among the respondents who gave that answer, and among DfE's requests."""

    weights: tuple[float | None, ...]
    cells: tuple[tuple[str, str] | None, ...]  # each respondent's (row, column), if weighted
    method: str | None  # POST_STRATIFICATION, RAKING, or None when not weighted
    respondents: int  # respondents weighted
    effective_n: float | None  # Kish: (sum w)^2 / sum w^2
    trimmed: int  # weights capped
    #: (margin, category) DfE counted that no weighted respondent is in: left out of the target
    left_out: tuple[tuple[str, str], ...]
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


def calibrate(rows: Sequence[str | None], columns: Sequence[str | None],
              population: Mapping[tuple[str, str], int], trim: float = TRIM,
              min_answers: int = 10) -> Calibration:
    """Weights for respondents whose answers are ``rows[i]`` (who asked) and ``columns[i]``
    (what was decided), to the ``population`` counts of each (row, column). A respondent with
    either answer ``None`` or outside the population's categories is not weighted."""
    row_levels = list(dict.fromkeys(r for r, _ in population))
    col_levels = list(dict.fromkeys(c for _, c in population))
    counts = {k: int(v) for k, v in population.items()}
    n = len(rows)
    if len(columns) != n:
        raise ValueError("rows and columns differ in length")
    if any(v < 0 for v in counts.values()):
        raise ValueError("a population count is negative")
    inside = [r in row_levels and c in col_levels for r, c in zip(rows, columns, strict=True)]
    idx = [i for i in range(n) if inside[i]]
    sample = [(rows[i], columns[i]) for i in idx]
    pop_rows = {r: sum(v for (a, _), v in counts.items() if a == r) for r in row_levels}
    pop_cols = {c: sum(v for (_, b), v in counts.items() if b == c) for c in col_levels}
    resp_rows = {r: sum(1 for a, _ in sample if a == r) for r in row_levels}
    resp_cols = {c: sum(1 for _, b in sample if b == c) for c in col_levels}
    # each margin's mix among all who gave that answer (the question's own shares, so the
    # panel shows nothing the question's distribution does not)
    respondents_mix = {"rows": _mix(row_levels, {r: sum(1 for a in rows if a == r)
                                                 for r in row_levels}),
                       "columns": _mix(col_levels, {c: sum(1 for b in columns if b == c)
                                                    for c in col_levels})}
    population_mix = {"rows": _mix(row_levels, pop_rows), "columns": _mix(col_levels, pop_cols)}

    def none(reason: str) -> Calibration:
        return Calibration((None,) * n, (None,) * n, None, len(sample), None, 0, (),
                           respondents_mix, population_mix, reason)

    if len(sample) < min_answers:
        return none(f"not weighted: fewer than {min_answers} families said both who made the "
                    f"request and what was decided")
    # categories no respondent is in cannot be matched: leave them out of the target; and a
    # respondent in a category the counts hold none of cannot be weighted (which may leave
    # another category with no respondent: repeat until nothing changes)
    rows_kept = [r for r in row_levels if resp_rows[r] > 0 and pop_rows[r] > 0]
    cols_kept = [c for c in col_levels if resp_cols[c] > 0 and pop_cols[c] > 0]
    while True:
        keep = [i for i, (r, c) in zip(idx, sample, strict=True)
                if r in rows_kept and c in cols_kept]
        answered_rows, answered_cols = {rows[i] for i in keep}, {columns[i] for i in keep}
        new_rows = [r for r in rows_kept if r in answered_rows
                    and sum(counts.get((r, c), 0) for c in cols_kept) > 0]
        new_cols = [c for c in cols_kept if c in answered_cols
                    and sum(counts.get((r, c), 0) for r in rows_kept) > 0]
        if new_rows == rows_kept and new_cols == cols_kept:
            break
        rows_kept, cols_kept = new_rows, new_cols
    left_out = tuple([("rows", r) for r in row_levels if pop_rows[r] > 0 and r not in rows_kept]
                     + [("columns", c) for c in col_levels
                        if pop_cols[c] > 0 and c not in cols_kept])
    if len(keep) < min_answers:
        return none(f"not weighted: fewer than {min_answers} families' requests are of a kind "
                    f"DfE counted in this local authority")
    kept = [(rows[i], columns[i]) for i in keep]
    target = {(r, c): counts.get((r, c), 0) for r in rows_kept for c in cols_kept}
    filled = {k for k, v in target.items() if v > 0}
    occupied = set(kept)
    if occupied == filled:
        method = POST_STRATIFICATION
        w = _svy_poststratify(kept, target)
    else:
        method = RAKING
        w = _svy_rake(kept, {r: sum(target[(r, c)] for c in cols_kept) for r in rows_kept},
                      {c: sum(target[(r, c)] for r in rows_kept) for c in cols_kept})
        if w is None:
            return none(NO_FIT)
    w, trimmed = _svy_trim(w, trim)
    weights: list[float | None] = [None] * n
    cells: list[tuple[str, str] | None] = [None] * n
    for j, i in enumerate(keep):
        weights[i] = float(w[j])
        cells[i] = kept[j]
    return Calibration(tuple(weights), tuple(cells), method, len(keep), kish_effective_n(w),
                       trimmed, left_out, respondents_mix, population_mix)


def _svy_sample(kept: Sequence[tuple[str, str]]):
    import polars as pl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import svy
    frame = pl.DataFrame({"row": [r for r, _ in kept], "column": [c for _, c in kept],
                          "w": np.ones(len(kept))})
    return svy, svy.Sample(frame, svy.Design(wgt="w"))


def _svy_poststratify(kept, target: Mapping[tuple[str, str], int]) -> np.ndarray:
    _, sample = _svy_sample(kept)
    out = sample.weighting.poststratify(
        controls={k: float(v) for k, v in target.items() if v > 0}, cells=["row", "column"],
        wgt_name="calibrated")
    return out.data["calibrated"].to_numpy().astype(float)


def _svy_rake(kept, row_totals: Mapping[str, int], col_totals: Mapping[str, int]
              ) -> np.ndarray | None:
    """Raked weights, or None when no weights match both margins (the answered combinations
    tie one margin to the other, e.g. every family's request refused and every school's
    agreed)."""
    svy, sample = _svy_sample(kept)
    try:
        out = sample.weighting.rake(
            controls={"row": {k: float(v) for k, v in row_totals.items()},
                      "column": {k: float(v) for k, v in col_totals.items()}},
            wgt_name="calibrated", max_iter=1000)
    except svy.errors.WeightingError:
        return None
    return out.data["calibrated"].to_numpy().astype(float)


def _svy_trim(w: np.ndarray, trim: float) -> tuple[np.ndarray, int]:
    """Cap weights at ``trim`` times their mean, spreading the excess over the others."""
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
    """The calibration's model: one column per cell (post-stratification) or per category of
    each margin (raking), for the weighted respondents ``units``."""
    cells = [calibration.cells[i] for i in units]
    if calibration.method == POST_STRATIFICATION:
        keys = sorted(set(cells))
        return np.array([[float(c == k) for k in keys] for c in cells])
    rows = sorted({r for r, _ in cells})
    cols = sorted({c for _, c in cells})
    return np.array([[float(r == k) for k in rows] + [float(c == k) for k in cols]
                     for r, c in cells])


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
