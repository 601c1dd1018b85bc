"""The per-area table: one row per area, every figure with its interval; for CSV and XLSX."""

from __future__ import annotations

from copro.findings import AreaFindings, AreaOutcome, Findings, NeighbourBenchmark
from copro.groups import COMPARABLE_GROUPS, RequesterGroup


def columns(findings: Findings) -> list[str]:
    """Column names, in order (documented in docs/outputs.md)."""
    a, b = findings.group_a.value, findings.group_b.value
    cols = ["level", "area_code", "old_la_code", "area_name", "region_name",
            "received_all", *[f"received_{g.value}" for g in COMPARABLE_GROUPS],
            "unknown_source_share"]
    for o in findings.outcomes:
        for g in (a, b):
            cols += [f"{o.key}_{g}_successes", f"{o.key}_{g}_trials", f"{o.key}_{g}_rate",
                     f"{o.key}_{g}_ci_low", f"{o.key}_{g}_ci_high", f"{o.key}_{g}_missing"]
        if o.compared:
            cols += [f"{o.key}_compared", f"{o.key}_not_comparable_reason",
                     f"{o.key}_risk_ratio", f"{o.key}_rr_ci_low", f"{o.key}_rr_ci_high",
                     f"{o.key}_rr_zero_corrected", f"{o.key}_rr_shrunken",
                     f"{o.key}_rr_shrunken_ci_low", f"{o.key}_rr_shrunken_ci_high",
                     f"{o.key}_risk_difference",
                     f"{o.key}_rd_ci_low", f"{o.key}_rd_ci_high", f"{o.key}_fisher_p",
                     f"{o.key}_q_value", f"{o.key}_vs_national",
                     f"{o.key}_vs_national_ratio", f"{o.key}_vs_national_ci_low",
                     f"{o.key}_vs_national_ci_high", f"{o.key}_vs_region",
                     f"{o.key}_vs_region_ratio", f"{o.key}_vs_region_ci_low",
                     f"{o.key}_vs_region_ci_high", f"{o.key}_vs_neighbours",
                     f"{o.key}_vs_neighbours_ratio", f"{o.key}_vs_neighbours_ci_low",
                     f"{o.key}_vs_neighbours_ci_high", f"{o.key}_neighbours_compared",
                     f"{o.key}_neighbours_pooled_ratio", f"{o.key}_neighbours_pooled_ci_low",
                     f"{o.key}_neighbours_pooled_ci_high", f"{o.key}_neighbour_rank",
                     f"{o.key}_neighbour_rank_of", f"{o.key}_neighbour_rank_low",
                     f"{o.key}_neighbour_rank_high"]
        else:  # not pooled across areas (mediation, tribunal): each area's ratio only
            cols += [f"{o.key}_compared", f"{o.key}_not_comparable_reason",
                     f"{o.key}_risk_ratio", f"{o.key}_rr_ci_low", f"{o.key}_rr_ci_high",
                     f"{o.key}_rr_zero_corrected"]
        if o.key == "assessment" and o.trials != ("received",):
            cols += [f"{o.key}_{g}_of_received" for g in (a, b)]
    return cols


def rows(findings: Findings) -> list[list]:
    """England, the regions, then every local authority (alphabetical)."""
    return [_row(findings, f) for f in findings.all_areas()]


def _row(findings: Findings, f: AreaFindings) -> list:
    a, b = findings.group_a, findings.group_b
    area = f.area
    row = [area.level.value, area.code, area.old_la_code, area.name, area.region_name,
           f.received[RequesterGroup.ALL], *[f.received[g] for g in COMPARABLE_GROUPS],
           _num(f.unknown_share)]
    for o in findings.outcomes:
        out = f.outcomes[o.key]
        for g in (a, b):
            r = out.rates[g]
            if r is None:
                row += [None] * 5 + [out.missing.get(g)]
            else:
                row += [r.successes, r.trials, _num(r.estimate), _num(r.ci_low),
                        _num(r.ci_high), None]
        if not o.compared:
            row += _ratio_cells(out)
        else:
            c = out.comparison
            if c is None:
                row += [False, out.not_comparable_detail and
                        f"{out.not_comparable}: {out.not_comparable_detail}"] + [None] * 32
            else:
                rr, rd = c.risk_ratio, c.risk_difference
                eb = findings.pooled[o.key].empirical_bayes
                shrunk = None if eb is None else eb.by_area.get(area.code)
                row += [True, None, _num(rr.estimate), _num(rr.ci_low), _num(rr.ci_high),
                        rr.zero_corrected,
                        *([None] * 3 if shrunk is None else
                          [_num(shrunk.estimate), _num(shrunk.ci_low), _num(shrunk.ci_high)]),
                        _num(rd.estimate), _num(rd.ci_low),
                        _num(rd.ci_high), _num(c.fisher_p), _num(c.q_value)]
                for x in (out.against_national, out.against_region):
                    row += ([None] * 4 if x is None else
                            [x.kind, _num(x.ratio_of_ratios.estimate),
                             _num(x.ratio_of_ratios.ci_low), _num(x.ratio_of_ratios.ci_high)])
                row += _neighbour_cells(out.against_neighbours)
        if o.key == "assessment" and o.trials != ("received",):
            row += [None if (r := out.of_received.get(g)) is None else _num(r.estimate)
                    for g in (a, b)]
    return row


def _ratio_cells(out: AreaOutcome) -> list:
    """An outcome not pooled across areas: compared or not (and why), the ratio, its interval
    and whether 0.5 was added to every cell."""
    c = out.comparison
    if c is None:
        return [False, out.not_comparable_detail and
                f"{out.not_comparable}: {out.not_comparable_detail}", None, None, None, None]
    rr = c.risk_ratio
    return [True, None, _num(rr.estimate), _num(rr.ci_low), _num(rr.ci_high),
            rr.zero_corrected]


def _neighbour_cells(n: NeighbourBenchmark | None) -> list:
    """The area against its neighbours' pooled ratio, the pooled ratio, its rank among them."""
    if n is None:
        return [None] * 12
    x, p, r = n.contrast, n.pooled, n.rank
    return [*([None] * 4 if x is None else
              [x.kind, _num(x.ratio_of_ratios.estimate), _num(x.ratio_of_ratios.ci_low),
               _num(x.ratio_of_ratios.ci_high)]),
            len(n.compared),
            *([None] * 3 if p is None else [_num(p.estimate), _num(p.ci_low), _num(p.ci_high)]),
            *([None] * 4 if r is None else [r.rank, r.of, r.low, r.high])]


def _num(x: float | None) -> float | None:
    return None if x is None or x != x else x
