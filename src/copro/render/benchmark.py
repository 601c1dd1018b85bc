"""An area beside its statistical neighbours, its region and England: the comparison local
authority teams benchmark with. It picks rows out of the findings (each group's rate, the ratio
and the shrunken ratio, all computed by the audit) and says in words what they show; it
computes no statistic."""

from __future__ import annotations

from dataclasses import dataclass

from copro.findings import NOT_COMPARABLE_REASONS, AreaFindings, Findings
from copro.render.numbers import interval, names, ratio
from copro.render.sentences import (
    benchmark_verdict,
    display_name,
    rank_sentence,
)
from copro.sources.neighbours import StatisticalNeighbours
from copro.stats.results import Rate, RiskRatio, ShrunkenRatio


def possessive(name: str) -> str:
    """'Leeds'', 'Kent's'."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


@dataclass(frozen=True)
class BenchmarkRow:
    """One line of the comparison: the area, a neighbour, its region or the national figures."""

    kind: str  # 'area', 'neighbour', 'region' or 'national'
    code: str
    name: str
    rank: int | None  # a neighbour's rank: 1 is the closest
    closeness: str | None  # DfE's band for a neighbour ('Very close' ... 'Not close')
    rate_b: Rate | None  # group B's rate (families, by default)
    rate_a: Rate | None  # group A's rate (schools)
    ratio: RiskRatio | None
    shrunken: ShrunkenRatio | None
    why_not: str | None  # why there is no ratio, in words

    @property
    def label(self) -> str:
        return self.name


def benchmark(findings: Findings, f: AreaFindings,
              neighbours: StatisticalNeighbours) -> list[BenchmarkRow]:
    """The area, its neighbours closest first, its region and the national figures, for the
    headline outcome; [] when the area has no neighbours in the list."""
    listed = neighbours.of(f.area.code)
    if not listed:
        return []
    by_code = {x.area.code: x for x in findings.local_authorities}
    rows = [_row(findings, "area", f, f.area.code, f.area.name)]
    for n in listed:
        rows.append(_row(findings, "neighbour", by_code.get(n.code), n.code,
                         by_code[n.code].area.name if n.code in by_code else n.name,
                         n.rank, n.closeness))
    region = findings.region_of(f.area)
    if region is not None:
        rows.append(_row(findings, "region", region, region.area.code, region.area.name))
    rows.append(_row(findings, "national", findings.national, findings.national.area.code,
                     display_name(findings, findings.national)))
    return rows


def _row(findings: Findings, kind: str, x: AreaFindings | None, code: str, name: str,
         rank: int | None = None, closeness: str | None = None) -> BenchmarkRow:
    key = findings.primary
    if x is None:
        return BenchmarkRow(kind, code, name, rank, closeness, None, None, None, None,
                            "not in these data")
    out = x.outcomes[key]
    eb = findings.pooled[key].empirical_bayes
    c = out.comparison
    why = None
    if c is None:
        why = NOT_COMPARABLE_REASONS.get(out.not_comparable or "", "not compared")
    return BenchmarkRow(kind, code, name, rank, closeness, out.rates.get(findings.group_b),
                        out.rates.get(findings.group_a), None if c is None else c.risk_ratio,
                        None if eb is None else eb.by_area.get(code), why)


def benchmark_sentences(findings: Findings, rows: list[BenchmarkRow]) -> list[str]:
    """What the comparison shows, in words: the area's rank among its neighbours with the
    uncertainty of that rank, the neighbours' pooled ratio, one plain sentence against them and
    England (all from the findings), the neighbours' range, and how many are not close."""
    if not rows:
        return []
    area, others = rows[0], [r for r in rows if r.kind == "neighbour"]
    compared = [r for r in others if r.ratio is not None]
    f = next((x for x in findings.local_authorities if x.area.code == area.code), None)
    out = []
    if area.ratio is not None and compared and f is not None:
        # the pooled ratio itself is in the answer (against_neighbours_sentence)
        out += [x for x in (rank_sentence(findings, f), benchmark_verdict(findings, f)) if x]
        low = min(compared, key=lambda r: r.ratio.estimate)
        high = max(compared, key=lambda r: r.ratio.estimate)
        out.append(
            f"{possessive(area.name)} ratio is {ratio(area.ratio.estimate)} (95% CI "
            f"{interval(area.ratio.ci_low, area.ratio.ci_high)}); among its {len(others)} "
            f"statistical neighbours it runs from {ratio(low.ratio.estimate)} "
            f"({low.name}) to {ratio(high.ratio.estimate)} ({high.name}).")
    elif area.ratio is None:
        out.append(f"{area.name} is not compared ({area.why_not}); its neighbours are listed "
                   "for reference.")
    missing = [r.name for r in others if r.ratio is None]
    if missing:
        out.append(f"Not compared: {names(missing)}.")
    far = [r for r in others if r.closeness == "Not close"]
    if far and len(far) == len(others):
        out.append(f"All {len(others)} of {possessive(area.name)} neighbours are “Not close” "
                   "in DfE's model: no authority is much like it, so read this comparison "
                   "with care.")
    elif far:
        out.append(f"{len(far)} of {possessive(area.name)} {len(others)} neighbours "
                   f"({names([r.name for r in far])}) are “Not close” in DfE's model.")
    return out


def benchmark_records(rows: list[BenchmarkRow]) -> list[dict]:
    """The comparison as plain records, for JSON."""
    def rate(r: Rate | None):
        return None if r is None else {"successes": r.successes, "trials": r.trials,
                                       "estimate": r.estimate, "ci_low": r.ci_low,
                                       "ci_high": r.ci_high}

    def est(x):
        return None if x is None else {"estimate": x.estimate, "ci_low": x.ci_low,
                                       "ci_high": x.ci_high}

    from copro.render.json_out import to_plain

    return to_plain([{"kind": r.kind, "code": r.code, "name": r.name, "rank": r.rank,
                      "closeness": r.closeness, "rate_b": rate(r.rate_b),
                      "rate_a": rate(r.rate_a), "ratio": est(r.ratio),
                      "shrunken_ratio": est(r.shrunken), "not_compared": r.why_not}
                     for r in rows])


CSV_HEADER = ["comparison", "code", "name", "neighbour_rank", "closeness",
              "rate_b", "rate_b_ci_low", "rate_b_ci_high", "rate_a", "rate_a_ci_low",
              "rate_a_ci_high", "ratio", "ratio_ci_low", "ratio_ci_high", "shrunken_ratio",
              "shrunken_ci_low", "shrunken_ci_high", "not_compared"]


def benchmark_csv_rows(rows: list[BenchmarkRow]) -> list[list]:
    """The comparison as CSV rows under :data:`CSV_HEADER`."""
    def three(x):
        if x is None or not getattr(x, "trials", 1):
            return [None] * 3
        return [x.estimate, x.ci_low, x.ci_high]

    return [[r.kind, r.code, r.name, r.rank, r.closeness, *three(r.rate_b), *three(r.rate_a),
             *three(r.ratio), *three(r.shrunken), r.why_not] for r in rows]
