"""The audit's result: immutable objects that renderers read and never recompute."""

from __future__ import annotations

from dataclasses import dataclass, field

from copro.appeals import AppealFindings
from copro.counts import Area, DataProvenance
from copro.groups import RequesterGroup
from copro.outcomes import Outcome
from copro.stats.results import (
    BetaPrior,
    CaseMixAdjustment,
    FunnelLimits,
    MantelHaenszelRatio,
    Overdispersion,
    RandomEffects,
    RankInterval,
    Rate,
    RatioOfRatios,
    ShrunkenRatio,
    SignedRank,
    SignTest,
    TwoGroupComparison,
)

#: Why an area's groups could not be compared, in plain English.
NOT_COMPARABLE_REASONS = {
    "suppressed": "had figures suppressed, not held or not returned",
    "source_not_recorded": "did not record who made most requests",
    "too_few_requests": "had too few requests from one of the groups",
    "not_a_rate": "had more requests leading to it than requests in its base (not a rate)",
}

CAVEATS = (
    "A difference by source is evidence that the outcome of a request depends on who asks; it is "
    "not proof of unfair treatment: families and schools may ask for different children.",
    "These are request-stage figures: DfE does not publish plans issued or 20-week timeliness by "
    "source of request.",
    "This is not a league table: small areas have wide intervals, and an area's position among "
    "others says little without them.",
)


@dataclass(frozen=True)
class AuditOptions:
    """How the audit was run; recorded with every result."""

    group_a: RequesterGroup = RequesterGroup.EDUCATION
    group_b: RequesterGroup = RequesterGroup.FAMILY
    period: str | None = None  # None: the latest period in the data
    denominator: str = "decided"
    min_trials: int = 10  # fewer decisions than this in either group: too few to compare
    unknown_threshold: float = 0.5  # share of requests with source not known: not comparable
    partly_recorded_threshold: float = 0.1  # compared, but flagged
    tau2_methods: tuple[str, ...] = ("REML", "DL")  # the first is the headline method
    hksj: bool = False
    confidence: float = 0.95


#: How an area's ratio stands against the national ratio, decided by the interval of the ratio
#: of the two ratios (not by the point estimates); the keys of :class:`NationalContrast`.
CONTRAST_KINDS = {
    "larger": "the gap between the groups is larger than the national one, in the same direction",
    "smaller": "the gap is smaller than the national one (or none), in the same direction",
    "opposite": "the gap runs the other way from the national one (the area's own interval "
                "excludes 1 on the other side)",
    "similar": "the area's ratio cannot be told apart from the national one (the interval of "
               "their ratio includes 1)",
}


@dataclass(frozen=True)
class NationalContrast:
    """An area's risk ratio set against a reference ratio: the national one (England's, or the
    areas in the data together), or a local authority's region's: the ratio of the two with its
    interval and test, and what it says (``kind``, a key of :data:`CONTRAST_KINDS`, where
    "national" stands for the reference)."""

    reference_code: str
    reference_ratio: float
    ratio_of_ratios: RatioOfRatios
    kind: str


@dataclass(frozen=True)
class NeighbourBenchmark:
    """A local authority among its statistical neighbours (DfE's list) on one outcome: the
    neighbours' requests pooled into one ratio, the authority's ratio against it (decided by
    the interval of the ratio of the two, as against England), and its rank by ratio among
    itself and the neighbours compared, with the uncertainty of that rank. ``contrast`` has
    ``reference_code`` "neighbours"."""

    listed: tuple[str, ...]  # the neighbours' codes, closest first
    compared: tuple[str, ...]  # those whose two groups were compared, closest first
    pooled: MantelHaenszelRatio | None  # None with no neighbour compared
    contrast: NationalContrast | None
    rank: RankInterval | None  # 1 is the lowest ratio; None with no neighbour compared

    @property
    def not_compared(self) -> tuple[str, ...]:
        return tuple(c for c in self.listed if c not in self.compared)


@dataclass(frozen=True)
class AreaOutcome:
    """One outcome in one area: every group's rate, and group A against group B."""

    rates: dict[RequesterGroup, Rate | None]  # None where a count is missing
    missing: dict[RequesterGroup, str]  # the reason, for each group whose rate is missing
    comparison: TwoGroupComparison | None = None
    not_comparable: str | None = None  # a key of NOT_COMPARABLE_REASONS
    not_comparable_detail: str | None = None
    #: the area's ratio against the national ratio (compared areas other than the national one)
    against_national: NationalContrast | None = None
    #: a local authority's ratio against its region's, by the same rule (``reference_code`` is
    #: the region's)
    against_region: NationalContrast | None = None
    #: a compared local authority among its statistical neighbours (pooled ratio, rank)
    against_neighbours: NeighbourBenchmark | None = None
    #: the same successes of every request *received* (DfE's published base), where this
    #: outcome's own base is narrower (the assessment rate of requests decided); else empty
    of_received: dict[RequesterGroup, Rate | None] = field(default_factory=dict)


#: What can honestly be said of an area, the kind of answer a page leads with.
ANSWER_KINDS = {
    "compared": "the two groups were compared",
    "not_compared": "the area has figures, but the two groups could not be compared",
    "no_data": "DfE published no figures for the area (every count missing)",
}


@dataclass(frozen=True)
class AreaFindings:
    """Everything the audit says about one area (England, a region or a local authority)."""

    area: Area
    received: dict[RequesterGroup, int | None]
    unknown_share: float | None  # share of requests whose source was not known
    outcomes: dict[str, AreaOutcome]

    def answer_kind(self, key: str) -> str:
        """A key of :data:`ANSWER_KINDS` for outcome ``key``: compared; no data (no count for
        any group, every figure missing); else not compared."""
        o = self.outcomes[key]
        if o.comparison is not None:
            return "compared"
        if (all(v is None for v in self.received.values())
                and all(r is None for r in o.rates.values())):
            return "no_data"
        return "not_compared"


@dataclass(frozen=True)
class NotComparable:
    """An area left out of a comparison, and why."""

    area: Area
    reason: str  # a key of NOT_COMPARABLE_REASONS
    detail: str


@dataclass(frozen=True)
class Coverage:
    """Which local authorities a comparison covers; nothing is dropped without a reason."""

    local_authorities: int
    compared: tuple[Area, ...]
    not_comparable: tuple[NotComparable, ...]
    partly_recorded: tuple[tuple[Area, float], ...]  # compared, though some sources not known


@dataclass(frozen=True)
class BelowHalf:
    """Local authorities (of those compared) where a group's rate is below 50%."""

    group: RequesterGroup
    areas: int
    significantly: int  # the whole 95% interval below 50%
    of: int


@dataclass(frozen=True)
class RatioSummary:
    """A pooled log risk ratio back-transformed to a ratio, with its intervals."""

    estimate: float
    ci_low: float
    ci_high: float
    prediction_low: float | None
    prediction_high: float | None
    method: str


@dataclass(frozen=True)
class FunnelPoint:
    """One local authority on a funnel plot."""

    area_code: str
    area_name: str
    successes: int
    trials: int
    rate: float
    band: str  # 'within', 'above 95%', 'below 99.8%', ... (exact binomial limits)
    band_multiplicative: str = "within"  # 99.8% limits inflated by the over-dispersion factor
    band_additive: str = "within"  # 99.8% limits with the between-area variance added


@dataclass(frozen=True)
class Funnel:
    """One group's rate in every local authority against its number of decisions, with control
    limits around England's rate for that group."""

    group: RequesterGroup
    limits: FunnelLimits
    points: tuple[FunnelPoint, ...]
    min_trials: int
    overdispersion: Overdispersion | None = None  # None with fewer than two points

    @property
    def flagged(self) -> tuple[FunnelPoint, ...]:
        """Areas outside the exact 99.8% limits."""
        return tuple(p for p in self.points if p.band.endswith("99.8%"))

    @property
    def flagged_additive(self) -> tuple[FunnelPoint, ...]:
        """Areas still outside the 99.8% limits once the between-area variance is allowed for."""
        return tuple(p for p in self.points if p.band_additive != "within")

    @property
    def flagged_multiplicative(self) -> tuple[FunnelPoint, ...]:
        """Areas still outside the 99.8% limits inflated by the over-dispersion factor."""
        return tuple(p for p in self.points if p.band_multiplicative != "within")


@dataclass(frozen=True)
class EmpiricalBayes:
    """Each compared local authority's ratio shrunk towards the common one: both groups' rates
    are replaced by their beta-binomial posterior means (priors estimated across the areas)."""

    prior_a: BetaPrior
    prior_b: BetaPrior
    ratios: tuple[ShrunkenRatio, ...]  # one per compared local authority

    @property
    def by_area(self) -> dict[str, ShrunkenRatio]:
        return {r.area_code: r for r in self.ratios}


@dataclass(frozen=True)
class PooledOutcome:
    """Across local authorities: national rates, pooled ratios, counts of areas, coverage."""

    outcome: Outcome
    national: TwoGroupComparison | None
    national_basis: str
    mantel_haenszel: MantelHaenszelRatio | None
    random_effects: dict[str, RandomEffects]  # by tau^2 method, log scale
    random_effects_ratio: dict[str, RatioSummary]  # the same, as ratios
    below_half: dict[RequesterGroup, BelowHalf]
    sign_test: SignTest | None
    signed_rank: SignedRank | None
    coverage: Coverage
    funnels: dict[RequesterGroup, Funnel] = field(default_factory=dict)
    adjusted: CaseMixAdjustment | None = None  # case-level data only
    empirical_bayes: EmpiricalBayes | None = None  # with at least two areas compared


@dataclass(frozen=True)
class Findings:
    """The whole audit of one period: national, regional, per local authority, pooled."""

    options: AuditOptions
    period: str
    outcomes: tuple[Outcome, ...]
    national: AreaFindings
    regions: tuple[AreaFindings, ...]
    local_authorities: tuple[AreaFindings, ...]
    pooled: dict[str, PooledOutcome]
    provenance: DataProvenance
    tool_version: str
    caveats: tuple[str, ...] = field(default=CAVEATS)
    #: SEND Tribunal appeals beside the audit (a separate public source): each authority's
    #: series 2014 on and the across-authority association (copro.appeals)
    appeals: AppealFindings | None = None

    @property
    def group_a(self) -> RequesterGroup:
        return self.options.group_a

    @property
    def group_b(self) -> RequesterGroup:
        return self.options.group_b

    @property
    def primary(self) -> str:
        """Key of the headline outcome: the first compared (plan rate where plans are known,
        else assessment rate)."""
        return next(o.key for o in self.outcomes if o.compared)

    @property
    def secondary(self) -> str | None:
        """Key of the second compared outcome (a timeliness rate), if any."""
        keys = [o.key for o in self.outcomes if o.compared]
        return keys[1] if len(keys) > 1 else None

    def outcome(self, key: str) -> Outcome:
        return next(o for o in self.outcomes if o.key == key)

    def all_areas(self) -> tuple[AreaFindings, ...]:
        return (self.national, *self.regions, *self.local_authorities)

    def region_of(self, area: Area) -> AreaFindings | None:
        return next((r for r in self.regions if r.area.code == area.region_code), None)
