"""Statistics of the co-production survey: pure functions over answers, no I/O.

- shares of answers with Wilson 95% intervals (statsmodels, via :mod:`copro.stats.rates`);
- one rule for the base of every share: the answers that chose a counted option; "don't know"
  and "prefer not to say" are counted beside it (``left_out``), never in it. So the ladder's
  top-two share (engaging or co-producing) is among those who placed themselves on the ladder,
  and equals the sum of its rungs' shares;
- the partnership score (each respondent's mean of the five-point items, 1-5) and its mean with a
  bootstrap 95% interval (``scipy.stats.bootstrap``, BCa, seeded so a page always shows the same);
- beliefs against the data: the share who believe schools' (or parents') requests are favoured,
  beside the LA's measured ratio of assessment rates and its interval;
- the illusion gap across LAs: Spearman's correlation between families' top-two share and the
  measured ratio, with a paired bootstrap interval over LAs;
- disclosure control: a figure is shown only when it rests on at least ``MIN_ANSWERS`` answers,
  and a figure for a wider level (an LA's audiences together, England) pools only the lowest-level
  cells whose own figure is shown, so subtracting shown figures from one another can only give
  other shown figures, never a hidden one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from copro.stats.rates import rate
from copro.stats.results import Rate

MIN_ANSWERS = 10
BOOTSTRAP_RESAMPLES = 9999
BOOTSTRAP_SEED = 20240601
BOOTSTRAP_MEAN = "bootstrap BCa interval of the mean (scipy.stats.bootstrap, 9,999 resamples)"
BOOTSTRAP_SPEARMAN = ("Spearman's rank correlation; paired bootstrap percentile interval over "
                      "local authorities (scipy.stats.bootstrap, 9,999 resamples; resamples "
                      "in which every LA has the same value are left out)")
WITHHELD = f"withheld: fewer than {MIN_ANSWERS} answers (disclosure control)"
TOO_FEW_AREAS = "not computed: fewer than 5 local authorities with enough answers"
MIN_AREAS = 5

SELF_SELECTION_CAVEAT = (
    "The people who answered chose to take part: they are not a random sample, and these "
    "figures do not represent all families or professionals in the local authority. People with "
    "strong views, good or bad, and people who know about the survey are more likely to answer. "
    "Read the figures as what these respondents said, with the number of answers beside each.")


@dataclass(frozen=True)
class OptionShare:
    """How many chose one option, of the answers counted, with the Wilson interval."""

    value: str
    rate: Rate


@dataclass(frozen=True)
class Distribution:
    """One question's answers at one level. ``shares`` is empty when withheld."""

    answers: int  # the base: answers that chose a counted option (respondents, multi-select)
    shares: tuple[OptionShare, ...]
    withheld: str | None = None
    #: answers left out of the base: only "don't know" / "prefer not to say" (None if withheld)
    left_out: int | None = None

    def share(self, value: str) -> Rate | None:
        return next((s.rate for s in self.shares if s.value == value), None)


@dataclass(frozen=True)
class Mean:
    """A mean with its interval, or withheld."""

    answers: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    method: str = BOOTSTRAP_MEAN
    withheld: str | None = None
    #: said where the interval (as computed, never moved) does not contain the estimate
    note: str | None = None


@dataclass(frozen=True)
class Proportion:
    """A proportion (its Wilson interval in ``rate``), or withheld."""

    answers: int
    rate: Rate | None
    withheld: str | None = None


def shown(answers: int, min_answers: int = MIN_ANSWERS) -> bool:
    """Whether a figure from this many answers may be shown."""
    return answers >= min_answers


def distribution(answers: Sequence, options: Sequence[str], multi: bool = False,
                 min_answers: int = MIN_ANSWERS,
                 counted: Sequence[str] | None = None) -> Distribution:
    """Shares of the ``counted`` options (all ``options`` unless given) among the answers that
    chose one of them: the one rule for every share of the survey. Answers of the other options
    ("don't know", "prefer not to say") are not in the base; their number is ``left_out``.
    ``None`` entries are not answers and are left out. For a multi-select question each answer
    is a collection of values, the base is the respondents who chose a counted option, and a
    share is the share of them who chose that option."""
    counted = tuple(options) if counted is None else tuple(counted)
    for o in counted:
        if o not in options:
            raise ValueError(f"counted option {o!r} is not one of the options")
    given = [a for a in answers if a is not None and (not multi or len(a) > 0)]
    for a in given:
        for v in (a if multi else (a,)):
            if v not in options:
                raise ValueError(f"answer {v!r} is not one of the options")
    base = [a for a in given if (any(v in counted for v in a) if multi else a in counted)]
    n = len(base)
    if not shown(n, min_answers):
        return Distribution(n, (), WITHHELD)
    if multi:
        counts = {o: sum(o in a for a in base) for o in counted}
    else:
        counts = {o: sum(a == o for a in base) for o in counted}
    return Distribution(n, tuple(OptionShare(o, rate(counts[o], n)) for o in counted),
                        left_out=len(given) - n)


def counted_base(counted: Iterable[str], multi: bool = False) -> Callable[[Sequence], int]:
    """The base of :func:`distribution` as a function of a cell's answers (for
    :func:`pool_shown`)."""
    counted = frozenset(counted)

    def base(answers: Sequence) -> int:
        return sum(1 for a in answers if a is not None
                   and (any(v in counted for v in a) if multi else a in counted))
    return base


def share_of(answers: Sequence, chosen: Iterable[str], counted: Iterable[str],
             min_answers: int = MIN_ANSWERS) -> Proportion:
    """The share of answers in ``chosen`` among the answers in ``counted`` (e.g. the ladder's
    top two rungs among all rungs, "don't know" left out)."""
    chosen, counted = set(chosen), set(counted)
    base = [a for a in answers if a in counted]
    n = len(base)
    if not shown(n, min_answers):
        return Proportion(n, None, WITHHELD)
    return Proportion(n, rate(sum(a in chosen for a in base), n))


def respondent_scores(items: Sequence[Sequence[float | None]], min_items: int) -> list[float]:
    """Each respondent's score: the mean of the items they answered on the scale, for those who
    answered at least ``min_items`` of them (others have no score)."""
    scores = []
    for row in items:
        answered = [v for v in row if v is not None]
        if len(answered) >= min_items:
            scores.append(float(np.mean(answered)))
    return scores


def mean_with_bootstrap(values: Sequence[float], min_answers: int = MIN_ANSWERS,
                        confidence: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES,
                        seed: int = BOOTSTRAP_SEED) -> Mean:
    """The mean of ``values`` with a bootstrap BCa interval (``scipy.stats.bootstrap``). When
    every value is the same the interval is that value (nothing varies to resample)."""
    from scipy.stats import bootstrap

    x = np.asarray(values, dtype=float)
    n = x.size
    if not shown(n, min_answers):
        return Mean(n, None, None, None, withheld=WITHHELD)
    est = float(x.mean())
    if np.all(x == x[0]):
        return Mean(n, est, est, est)
    res = bootstrap((x,), np.mean, confidence_level=confidence, n_resamples=resamples,
                    method="BCa", rng=np.random.default_rng(seed), vectorized=True)
    low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return Mean(n, est, low, high, note=_outside(est, low, high))


BOOTSTRAP_TOTALS = ("share of the totals (sum of parts over sum of totals); bootstrap percentile "
                    "interval resampling respondents (scipy.stats.bootstrap, 9,999 resamples)")


def share_of_totals(parts: Sequence[float], totals: Sequence[float],
                    min_answers: int = MIN_ANSWERS, confidence: float = 0.95,
                    resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> Mean:
    """Respondents' reported counts pooled: sum(parts) / sum(totals) (e.g. requests agreed of
    requests made), with a bootstrap interval that resamples respondents, since one
    respondent's requests are not independent of each other. Respondents with a total of 0
    are left out."""
    from scipy.stats import bootstrap

    x, n = np.asarray(parts, dtype=float), np.asarray(totals, dtype=float)
    keep = n > 0
    x, n = x[keep], n[keep]
    if not shown(int(n.size), min_answers):
        return Mean(int(n.size), None, None, None, BOOTSTRAP_TOTALS, WITHHELD)
    est = float(x.sum() / n.sum())
    if np.all(x / n == est):
        return Mean(int(n.size), est, est, est, BOOTSTRAP_TOTALS)

    def ratio(a, b, axis=-1):
        return a.sum(axis=axis) / b.sum(axis=axis)

    res = bootstrap((x, n), ratio, paired=True, vectorized=True, confidence_level=confidence,
                    n_resamples=resamples, method="percentile",
                    rng=np.random.default_rng(seed))
    low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return Mean(int(n.size), est, low, high, BOOTSTRAP_TOTALS, note=_outside(est, low, high))


def _outside(est: float, low: float, high: float) -> str | None:
    """Issue 24: an interval is reported as computed; where it misses its estimate, that is
    said (a skewed bootstrap distribution), not hidden by stretching the interval."""
    if low <= est <= high:
        return None
    return ("the bootstrap interval does not contain the estimate: the resampled values are "
            "skewed, so read the interval rather than the estimate")


# --- beliefs against the data ----------------------------------------------------------------

@dataclass(frozen=True)
class MeasuredRatio:
    """The LA's ratio of assessment rates, education settings over families, from the audit."""

    estimate: float
    ci_low: float
    ci_high: float
    method: str

    @property
    def favours(self) -> str:
        """'education', 'family' or 'neither clearly' (the interval includes 1)."""
        if self.ci_low > 1:
            return "education"
        if self.ci_high < 1:
            return "family"
        return "neither clearly"


@dataclass(frozen=True)
class BeliefsAgainstData:
    """Who is right in this LA: what respondents believe beside what the DfE figures show."""

    answers: int
    believe_schools: Rate | None
    believe_parents: Rate | None
    believe_same: Rate | None
    measured: MeasuredRatio | None
    data_favours: str | None  # 'education', 'family', 'neither clearly', None if no ratio
    right: Rate | None  # the share whose belief the data bear out, when the data are clear
    withheld: str | None = None


def beliefs_against_data(beliefs: Distribution, favours: Mapping[str, str],
                         measured: MeasuredRatio | None) -> BeliefsAgainstData:
    """``beliefs`` is the distribution of the belief question; ``favours`` maps each option to
    'education', 'family' or 'neither'. The base is the distribution's: those who gave a view
    ("don't know" left out, as in every share)."""
    if beliefs.withheld:
        return BeliefsAgainstData(beliefs.answers, None, None, None, measured,
                                  measured.favours if measured else None, None,
                                  beliefs.withheld)
    by_group = {g: None for g in ("education", "family", "neither")}
    for s in beliefs.shares:
        group = favours.get(s.value)
        if group is not None:
            by_group[group] = s.rate
    data_favours = measured.favours if measured else None
    right = by_group.get(data_favours) if data_favours in ("education", "family") else None
    return BeliefsAgainstData(beliefs.answers, by_group["education"], by_group["family"],
                              by_group["neither"], measured, data_favours, right)


# --- the illusion gap across LAs -------------------------------------------------------------

@dataclass(frozen=True)
class GapPoint:
    area_code: str
    perceived: Rate  # families' top-two share with its Wilson interval
    measured: MeasuredRatio


@dataclass(frozen=True)
class IllusionGap:
    points: tuple[GapPoint, ...]
    spearman: float | None
    ci_low: float | None
    ci_high: float | None
    method: str = BOOTSTRAP_SPEARMAN
    not_computed: str | None = None


def _spearman_rows(x, y, axis=-1):
    """Spearman's rho along the last axis (vectorised for the bootstrap): Pearson's r of the
    ranks (ties get their average rank, as in ``scipy.stats.spearmanr``)."""
    from scipy.stats import rankdata

    rx, ry = rankdata(x, axis=axis), rankdata(y, axis=axis)
    rx = rx - rx.mean(axis=axis, keepdims=True)
    ry = ry - ry.mean(axis=axis, keepdims=True)
    denom = np.sqrt((rx * rx).sum(axis=axis) * (ry * ry).sum(axis=axis))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (rx * ry).sum(axis=axis) / np.where(denom > 0, denom, 1),
                        np.nan)


def illusion_gap(points: Sequence[GapPoint], confidence: float = 0.95,
                 resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED,
                 min_areas: int = MIN_AREAS) -> IllusionGap:
    """Spearman's rho between perceived partnership and the measured ratio over ``points`` (LAs
    with enough answers and a measured ratio), with a paired bootstrap percentile interval."""
    from scipy.stats import DegenerateDataWarning, bootstrap, spearmanr

    pts = tuple(sorted(points, key=lambda p: p.area_code))
    if len(pts) < min_areas:
        return IllusionGap(pts, None, None, None, not_computed=TOO_FEW_AREAS)
    x = np.array([p.perceived.estimate for p in pts])
    y = np.array([p.measured.estimate for p in pts])
    rho = float(spearmanr(x, y).statistic)
    if np.isnan(rho):
        return IllusionGap(pts, None, None, None,
                           not_computed="not computed: every LA has the same value")
    with warnings.catch_warnings():
        # a resample that repeats one LA has no ranks to correlate: it is left out below
        warnings.simplefilter("ignore", DegenerateDataWarning)
        res = bootstrap((x, y), _spearman_rows, paired=True, vectorized=True,
                        confidence_level=confidence, n_resamples=resamples,
                        method="percentile", rng=np.random.default_rng(seed))
    low, high = nan_percentile_interval(res.bootstrap_distribution, confidence)
    return IllusionGap(pts, rho, low, high)


def nan_percentile_interval(distribution, confidence: float) -> tuple[float, float]:
    """The percentile interval of a bootstrap ``distribution`` leaving out the resamples whose
    statistic is undefined (NaN): ``scipy.stats.bootstrap``'s own would be NaN."""
    alpha = (1 - confidence) / 2
    low, high = np.nanquantile(distribution, [alpha, 1 - alpha])
    return float(low), float(high)


# --- disclosure control across levels --------------------------------------------------------

def pool_shown(cells: Mapping[Hashable, Sequence], base: Callable[[Sequence], int],
               min_answers: int = MIN_ANSWERS) -> list:
    """The answers of every cell whose own figure is shown (``base(answers) >= min_answers``),
    pooled for a wider level. A wider figure built this way is the sum of shown figures, so no
    difference between shown figures can reveal a withheld cell."""
    pooled: list = []
    for answers in cells.values():
        if shown(base(answers), min_answers):
            pooled.extend(answers)
    return pooled
