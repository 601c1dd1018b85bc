"""What the statistics return: small immutable result objects, each with its method's name.

Kept apart from the methods so that a result can be read (e.g. from the cache) without loading
SciPy or statsmodels.
"""

from __future__ import annotations

from dataclasses import dataclass

WILSON = "Wilson score"
KATZ = "Katz log interval; 0.5 added to every cell of a table with a zero cell"
NEWCOMBE = "Newcombe hybrid score interval"
FISHER = ("Fisher's exact test, two-sided (as R's fisher.test: tables up to 1e-7 more probable "
          "than the one observed count as no more probable)")
BH = "Benjamini-Hochberg q-value"
MANTEL_HAENSZEL = ("Mantel-Haenszel pooled risk ratio; Greenland-Robins variance; "
                   "Cochran's Q test of homogeneity")
SIGN_TEST = "exact binomial sign test, two-sided; areas with equal rates excluded"
SIGNED_RANK = "Wilcoxon signed-rank test, two-sided; zero differences dropped"
SPIEGELHALTER = ("exact binomial control limits, interpolated (Spiegelhalter 2005), around "
                 "the overall rate (a national row, or all the areas' requests together)")
EMPIRICAL_BAYES = "beta-binomial empirical Bayes, marginal maximum likelihood"
EB_RATIO = ("ratio of empirical-Bayes (beta-binomial) posterior mean rates; interval by the "
            "delta method on the log scale")
RATIO_OF_RATIOS = ("ratio of two risk ratios, its 95% interval and z-test from the difference of "
                   "their logs, the two Katz standard errors combined as independent (Altman & "
                   "Bland 2003, 'Interaction revisited: the difference between two estimates', "
                   "BMJ 326:219)")
RANK_INTERVAL = ("rank by simulation: each log risk ratio drawn from a normal distribution "
                 "with its Katz standard error, the area ranked in every draw; the interval "
                 "holds the middle 95% of its ranks (Marshall & Spiegelhalter 1998, "
                 "'Reliability of league tables of in vitro fertilisation clinics', BMJ "
                 "316:1701)")
OVERDISPERSION = ("Spiegelhalter (2005) section 5: z-scores winsorised at 10% in each tail; "
                  "multiplicative factor phi = mean squared z; additive random-effects variance "
                  "tau^2 by the DerSimonian-Laird moment estimator; normal limits")


@dataclass(frozen=True)
class Rate:
    """``successes`` of ``trials``, with a confidence interval (NaN where ``trials`` is 0)."""

    successes: int
    trials: int
    estimate: float
    ci_low: float
    ci_high: float
    confidence: float = 0.95
    method: str = WILSON

    @property
    def below_half(self) -> bool:
        """Point estimate below 50%."""
        return self.trials > 0 and self.estimate < 0.5

    @property
    def significantly_below_half(self) -> bool:
        """The whole interval lies below 50% (its upper bound is below 0.5)."""
        return self.trials > 0 and self.ci_high < 0.5


@dataclass(frozen=True)
class RiskRatio:
    """rate_a / rate_b with its interval; ``log_se`` is the SE of the log ratio."""

    estimate: float
    ci_low: float
    ci_high: float
    log_estimate: float
    log_se: float
    zero_corrected: bool
    confidence: float = 0.95
    method: str = KATZ


@dataclass(frozen=True)
class RiskDifference:
    """rate_a - rate_b with its interval."""

    estimate: float
    ci_low: float
    ci_high: float
    confidence: float = 0.95
    method: str = NEWCOMBE


@dataclass(frozen=True)
class TwoGroupComparison:
    """Group A against group B for one outcome in one area."""

    rate_a: Rate
    rate_b: Rate
    risk_ratio: RiskRatio
    risk_difference: RiskDifference
    fisher_p: float
    q_value: float | None = None  # filled in across areas by :func:`with_q_values`
    fisher_method: str = FISHER
    q_method: str = BH


@dataclass(frozen=True)
class RatioOfRatios:
    """One area's risk ratio divided by a reference ratio (England's), with its interval and
    the two-sided p-value of the test that the two ratios are equal."""

    estimate: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    confidence: float = 0.95
    method: str = RATIO_OF_RATIOS


@dataclass(frozen=True)
class RankInterval:
    """An area's rank among others by a ratio (1 is the lowest), with the interval in which its
    rank falls in ``confidence`` of the simulated draws."""

    rank: int
    of: int
    low: int
    high: int
    draws: int
    seed: int
    confidence: float = 0.95
    method: str = RANK_INTERVAL


@dataclass(frozen=True)
class MantelHaenszelRatio:
    """Pooled risk ratio (group A / group B) with its interval and test of homogeneity."""

    estimate: float
    ci_low: float
    ci_high: float
    log_se: float
    strata: int
    homogeneity_q: float
    homogeneity_df: int
    homogeneity_p: float
    confidence: float = 0.95
    #: strata where both groups are at 0% or both at 100%: left out of Q (as metafor's rma.mh)
    homogeneity_left_out: int = 0
    method: str = MANTEL_HAENSZEL


@dataclass(frozen=True)
class RandomEffects:
    """A random-effects summary on the effect's own scale (log risk ratio here).

    ``prediction_low``/``prediction_high``: the range in which a new area's effect is expected
    to fall (Higgins, Thompson & Spiegelhalter 2009, t with k-2 df); None when k < 3.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float  # proportion, 0..1
    h2: float
    q: float
    q_df: int
    q_p: float
    k: int
    prediction_low: float | None
    prediction_high: float | None
    tau2_method: str
    hksj: bool
    confidence: float = 0.95

    method: str = ""


@dataclass(frozen=True)
class SignTest:
    """Areas where group A's rate is higher / lower / equal, and the exact sign test."""

    favour_a: int
    favour_b: int
    ties: int
    p_value: float | None
    method: str = SIGN_TEST


@dataclass(frozen=True)
class SignedRank:
    """Wilcoxon signed-rank test on the per-area differences (rate A - rate B)."""

    statistic: float | None
    p_value: float | None
    n: int
    method: str = SIGNED_RANK


@dataclass(frozen=True)
class FunnelLimits:
    """Control limits at each number of trials ``n`` (the grid the funnel is drawn on)."""

    target: float
    n: tuple[int, ...]
    low_95: tuple[float, ...]
    high_95: tuple[float, ...]
    low_998: tuple[float, ...]
    high_998: tuple[float, ...]
    method: str = SPIEGELHALTER


@dataclass(frozen=True)
class BetaPrior:
    """The Beta(alpha, beta) distribution of true rates across areas, estimated from them."""

    alpha: float
    beta: float
    areas: int
    log_likelihood: float
    method: str = EMPIRICAL_BAYES

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


@dataclass(frozen=True)
class ShrunkenRatio:
    """Group A's empirical-Bayes rate over group B's in one area, with its interval."""

    area_code: str
    estimate: float
    ci_low: float
    ci_high: float
    rate_a: float
    rate_b: float
    confidence: float = 0.95
    method: str = EB_RATIO


@dataclass(frozen=True)
class Overdispersion:
    """How much more areas' rates vary than chance explains, and limits that allow for it."""

    phi: float  # multiplicative over-dispersion factor (1 = none)
    tau2: float  # additive between-area variance of the rate (0 = none)
    areas: int
    n: tuple[int, ...]  # grid of numbers of trials, as in FunnelLimits
    low_998_multiplicative: tuple[float, ...]
    high_998_multiplicative: tuple[float, ...]
    low_998_additive: tuple[float, ...]
    high_998_additive: tuple[float, ...]
    method: str = OVERDISPERSION


@dataclass(frozen=True)
class OddsRatio:
    """An odds ratio (group A against group B) from a model, with its interval."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str
    confidence: float = 0.95


@dataclass(frozen=True)
class CaseMixAdjustment:
    """Group A against group B, unadjusted and adjusted for case mix, side by side.

    Where an estimate cannot be made (separation, no stratum with both groups, too few events)
    it is None and ``*_missing`` says why in words."""

    outcome_key: str
    requests: int
    strata: int  # strata with requests from both groups
    crude_rr: float
    crude_rr_low: float
    crude_rr_high: float
    stratified: MantelHaenszelRatio | None  # Mantel-Haenszel over the strata
    crude_or: OddsRatio | None
    adjusted_or: OddsRatio | None
    strata_definition: str
    adjusted_for: str  # 'age at request, sex and ethnicity'
    stratified_missing: str | None = None
    crude_or_missing: str | None = None
    adjusted_or_missing: str | None = None


@dataclass(frozen=True)
class MetaRegression:
    """A mixed-effects meta-regression with one moderator: effect_i = intercept + slope x_i
    + u_i + e_i, u_i ~ N(0, tau^2) between areas, e_i ~ N(0, v_i) sampling error (as R's
    ``metafor::rma(yi, vi, mods = ~ x)``)."""

    intercept: float
    intercept_se: float
    slope: float
    slope_se: float
    slope_ci_low: float
    slope_ci_high: float
    slope_p: float
    tau2: float  # residual between-area variance
    tau2_without: float  # tau^2 of the model without the moderator
    r2: float | None  # share of tau^2 the moderator accounts for (0..1; None if tau^2 is 0)
    i2: float  # residual heterogeneity, 0..1
    qe: float  # test for residual heterogeneity
    qe_df: int
    qe_p: float
    k: int
    knapp_hartung: bool
    covariance: float  # of intercept and slope (for the fitted line's band)
    confidence: float = 0.95
    method: str = ""
