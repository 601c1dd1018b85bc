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
- how families feel against what happens to their requests: per LA, the top-two share beside
  families' assessment rate relative to schools', and whether they point the same way, decided
  by the intervals; across LAs, whether LAs where families feel more involved treat their
  requests more equally: a correlation corrected for each LA's sampling error, with a
  two-stage bootstrap interval (LAs, then answers within LAs);
- disclosure control: a figure is shown only when it rests on at least ``MIN_ANSWERS`` answers,
  and a figure for a wider level (an LA's audiences together, England) pools only the lowest-level
  cells whose own figure is shown, so subtracting shown figures from one another can only give
  other shown figures, never a hidden one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from copro.stats.rates import rate
from copro.stats.results import Rate

MIN_ANSWERS = 10
BOOTSTRAP_RESAMPLES = 9999
BOOTSTRAP_SEED = 20240601
BOOTSTRAP_MEAN = "bootstrap BCa interval of the mean (scipy.stats.bootstrap, 9,999 resamples)"
WITHHELD = f"withheld: fewer than {MIN_ANSWERS} answers (disclosure control)"

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
    #: the standard error of the log ratio (derived from the interval when not given)
    log_se: float | None = None

    @property
    def log_standard_error(self) -> float:
        """The log ratio's standard error: ``log_se``, or the 95% interval's width on the log
        scale over 2 x 1.96 (the Katz interval is symmetric there)."""
        if self.log_se is not None:
            return self.log_se
        return (math.log(self.ci_high) - math.log(self.ci_low)) / (2 * 1.959963984540054)

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


# --- how families feel against what happens to their requests ------------------------------

#: Each LA's families' share at the top two rungs is "most" when its Wilson interval lies above
#: this, "fewer than half" when below it.
HALF = 0.5
FEELING_RULE = (
    "Decided by the intervals: most families felt involved as partners when the 95% interval of "
    "the top-two share lies wholly above 50%, fewer than half when it lies wholly below; "
    "families' requests were less (more) likely than schools' to lead to an assessment when the "
    "95% interval of families' rate relative to schools' lies wholly below (above) 1. Where "
    "either interval includes its line, we can't tell whether the two point the same way.")


@dataclass(frozen=True)
class FeelingAndOutcome:
    """One LA: how its families feel (the top-two share of the ladder) beside what happened to
    families' requests (their assessment rate relative to schools', from DfE's figures), and
    whether the two point the same way, decided by the intervals (:data:`FEELING_RULE`)."""

    perceived: Proportion  # families' top-two share (withheld under MIN_ANSWERS)
    measured: MeasuredRatio | None  # schools' rate over families' (None: no DfE comparison)
    #: 'most', 'fewer than half', 'cannot tell'; None when withheld
    feeling: str | None
    #: 'less likely', 'more likely', 'cannot tell'; None without a measured ratio
    outcome: str | None
    #: 'same way', 'different ways', 'cannot tell'
    pointing: str
    rule: str = FEELING_RULE

    @property
    def families_relative(self) -> tuple[float, float, float] | None:
        """Families' assessment rate relative to schools' (the measured ratio inverted) with its
        interval: (estimate, low, high)."""
        if self.measured is None:
            return None
        m = self.measured
        return 1 / m.estimate, 1 / m.ci_high, 1 / m.ci_low

    def sentence(self) -> str:
        """Whether feeling and outcome point the same way here, in one sentence."""
        feel = {"most": "Most families who answered here felt involved as partners",
                "fewer than half": ("Fewer than half of the families who answered here felt "
                                    "involved as partners")}.get(self.feeling or "")
        outcome = {"less likely": ("their requests were less likely than schools' to lead to "
                                   "an assessment"),
                   "more likely": ("their requests were more likely than schools' to lead to "
                                   "an assessment")}.get(self.outcome or "")
        if self.pointing == "different ways":
            return f"{feel}, yet {outcome}."
        if self.pointing == "same way":
            return f"{feel}, and {outcome}: the two point the same way."
        if self.feeling is None:
            return (f"No figure: fewer than {MIN_ANSWERS} families placed themselves on the "
                    "ladder, so we can't tell how families here feel.")
        if self.outcome is None:
            return ("There is no DfE comparison of families' and schools' requests here, so we "
                    "can't tell whether how families feel matches what happened to their "
                    "requests.")
        if feel and not outcome:
            return (f"{feel}, but we can't tell whether their requests did better or worse than "
                    "schools': the interval of families' rate relative to schools' includes 1.")
        if outcome and not feel:
            return (f"We can't tell whether most families here felt involved as partners (the "
                    f"interval of the share includes 50%); {outcome}.")
        return ("We can't tell whether most families here felt involved as partners (the "
                "interval of the share includes 50%), nor whether their requests did better or "
                "worse than schools' (the interval of the ratio includes 1).")


def feeling_and_outcome(perceived: Proportion,
                        measured: MeasuredRatio | None) -> FeelingAndOutcome:
    """Set families' top-two share beside their measured standing and say, by the intervals,
    whether they point the same way (:data:`FEELING_RULE`)."""
    feeling = None
    if perceived.rate is not None:
        r = perceived.rate
        feeling = ("most" if r.ci_low > HALF else "fewer than half" if r.ci_high < HALF
                   else "cannot tell")
    outcome = None
    if measured is not None:
        outcome = {"education": "less likely", "family": "more likely"}.get(
            measured.favours, "cannot tell")
    pointing = "cannot tell"
    if feeling in ("most", "fewer than half") and outcome in ("less likely", "more likely"):
        good_feeling, good_outcome = feeling == "most", outcome == "more likely"
        pointing = "same way" if good_feeling == good_outcome else "different ways"
    return FeelingAndOutcome(perceived, measured, feeling, outcome, pointing)


# --- across LAs: do LAs where families feel more involved treat their requests more equally? ---

ACROSS_QUESTION = ("Do local authorities where families feel more involved treat their "
                   "requests more equally?")
ACROSS_METHOD = (
    "Pearson's correlation across local authorities between families' top-two share and the log "
    "of families' assessment rate relative to schools', corrected for each LA's own sampling "
    "error (Spearman's correction for attenuation: each variable's spread across LAs less the "
    "mean of the LAs' own error variances, p(1-p)/(n-1) for a share of n answers and the Katz "
    "variance for the log ratio); 95% two-stage bootstrap percentile interval: LAs resampled, "
    "then each resampled LA's share redrawn from its answers (binomial) and its log ratio from "
    "its standard error (normal), the correction removing both stages' error; a resample in "
    "which the LAs differ no more than their error is taken at the bound of -1 or 1 its "
    "covariance points to (9,999 resamples, seeded)")
TOO_FEW_AREAS = "not computed: fewer than {min_areas} local authorities with enough answers"
#: Set by the coverage simulation (tests/test_stats_feeling_coverage.py; docs/survey-weighting.md)
MIN_AREAS = 20
NO_SPREAD = ("no estimate: the local authorities' figures differ no more than their own sampling "
             "error would make them differ, so the correction has nothing left to correlate; "
             "the interval is still shown")


@dataclass(frozen=True)
class FeelingPoint:
    """One LA in the across-LA figure."""

    area_code: str
    perceived: Rate  # families' top-two share with its Wilson interval
    measured: MeasuredRatio  # schools' rate over families'


@dataclass(frozen=True)
class FeelingAndOutcomeAcrossLAs:
    """The answer to :data:`ACROSS_QUESTION`: a correlation whose interval carries each LA's
    sampling error. ``estimate`` is None where it cannot be estimated (``note`` says why)."""

    points: tuple[FeelingPoint, ...]
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    method: str = ACROSS_METHOD
    not_computed: str | None = None
    note: str | None = None
    question: str = ACROSS_QUESTION

    @property
    def answer(self) -> str | None:
        """'yes' (interval above 0), 'no, the reverse' (below 0) or 'cannot tell'."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return "yes" if self.ci_low > 0 else "the reverse" if self.ci_high < 0 else "cannot tell"


def corrected_correlation(x, y, error_x, error_y):
    """Pearson's correlation of ``x`` and ``y`` along the last axis, corrected for attenuation by
    known error variances (each point's own, averaged): cov(x, y) / sqrt((var x - mean error_x)
    (var y - mean error_y)). Where a corrected variance is not positive the correlation is
    undefined; it is returned as NaN in ``estimate`` and, for the bootstrap, as the bound (-1 or
    1, 0 if the covariance is 0) in ``bounded``. Returns ``(estimate, bounded)``."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    k = x.shape[-1]
    xm = x - x.mean(axis=-1, keepdims=True)
    ym = y - y.mean(axis=-1, keepdims=True)
    sxy = (xm * ym).sum(axis=-1) / (k - 1)
    vx = (xm * xm).sum(axis=-1) / (k - 1) - np.asarray(error_x).mean(axis=-1)
    vy = (ym * ym).sum(axis=-1) / (k - 1) - np.asarray(error_y).mean(axis=-1)
    ok = (vx > 0) & (vy > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(ok, sxy / np.sqrt(np.where(ok, vx * vy, 1.0)), np.nan)
    estimate = np.clip(r, -1, 1)
    bounded = np.where(ok, estimate, np.sign(sxy))
    return estimate, bounded


def _share_error(p, n):
    """The unbiased estimate of a share's sampling variance, p(1-p)/(n-1)."""
    return p * (1 - p) / np.maximum(n - 1, 1)


def feeling_and_outcome_across_las(points: Sequence[FeelingPoint], confidence: float = 0.95,
                                   resamples: int = BOOTSTRAP_RESAMPLES,
                                   seed: int = BOOTSTRAP_SEED,
                                   min_areas: int = MIN_AREAS) -> FeelingAndOutcomeAcrossLAs:
    """The correlation across LAs between families' top-two share and the log of families'
    assessment rate relative to schools', corrected for each LA's own sampling error, with a
    two-stage bootstrap interval (:data:`ACROSS_METHOD`). Needs ``min_areas`` LAs."""
    pts = tuple(sorted(points, key=lambda p: p.area_code))
    if len(pts) < min_areas:
        return FeelingAndOutcomeAcrossLAs(pts, None, None, None,
                                          not_computed=TOO_FEW_AREAS.format(min_areas=min_areas))
    n = np.array([p.perceived.trials for p in pts], dtype=float)
    x = np.array([p.perceived.successes for p in pts], dtype=float) / n
    y = np.array([-math.log(p.measured.estimate) for p in pts])
    se = np.array([p.measured.log_standard_error for p in pts])
    est, _ = corrected_correlation(x, y, _share_error(x, n), se ** 2)
    rng = np.random.default_rng(seed)
    k = len(pts)
    idx = rng.integers(0, k, size=(resamples, k))
    nn = n[idx]
    xs = rng.binomial(nn.astype(int), x[idx]) / nn
    ys = rng.normal(y[idx], se[idx])
    # the resampled values carry the LAs' error twice: once in the answers, once in the redraw
    _, dist = corrected_correlation(xs, ys, _share_error(x[idx], nn) + _share_error(xs, nn),
                                    2 * se[idx] ** 2)
    alpha = (1 - confidence) / 2
    low, high = (float(v) for v in np.quantile(dist, [alpha, 1 - alpha]))
    if np.isnan(est):
        return FeelingAndOutcomeAcrossLAs(pts, None, low, high, note=NO_SPREAD)
    estimate = float(est)
    return FeelingAndOutcomeAcrossLAs(pts, estimate, low, high,
                                      note=_outside(estimate, low, high))


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
