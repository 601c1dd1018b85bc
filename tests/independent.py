"""An independent computation of the audit's figures straight from DfE's CSV, for the tests.

It shares no code with copro: plain csv, the closed-form Wilson interval, the Katz formula.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

Z = 1.959963984540054
FAMILY = "Parent or young person"
SCHOOL = "School or other education setting"
TOTAL = "All requests for an EHC needs assessment"


def load(path: Path) -> dict:
    """{(level, name): {breakdown: row}}"""
    out: dict = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            level = row["geographic_level"]
            name = {"National": row["country_name"], "Regional": row["region_name"]}.get(
                level, row["la_name"])
            out.setdefault((level, name), {})[row["breakdown"]] = row
    return out


def num(row: dict | None, column: str) -> int:
    return 0 if row is None else int(row[column])


def wilson(k: int, n: int) -> tuple[float, float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return p, centre - half, centre + half


def assessment(rows: dict, breakdown: str) -> tuple[int, int]:
    r = rows.get(breakdown)
    a = num(r, "requests_decided_to_assess")
    return a, a + num(r, "requests_decided_not_to_assess")


def timeliness(rows: dict, breakdown: str) -> tuple[int, int]:
    r = rows.get(breakdown)
    s = num(r, "request_outcome_six_weeks")
    return s, s + num(r, "request_outcome_over_6_weeks")


def katz(a: int, n1: int, c: int, n2: int) -> tuple[float, float, float]:
    if 0 in (a, n1 - a, c, n2 - c):
        a, c, n1, n2 = a + 0.5, c + 0.5, n1 + 1, n2 + 1
    rr = (a / n1) / (c / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return rr, rr * math.exp(-Z * se), rr * math.exp(Z * se)


def comparable_las(data: dict, min_trials: int = 10) -> tuple[list[str], dict[str, str]]:
    """Names of LAs compared on the assessment rate, and the others with their reason."""
    compared, excluded = [], {}
    for (level, name), rows in data.items():
        if level != "Local authority":
            continue
        total = rows[TOTAL]["requests_received_in_year"]
        if total == "x":
            excluded[name] = "suppressed"
            continue
        unknown = num(rows.get("Not known"), "requests_received_in_year")
        if unknown / int(total) >= 0.5:
            excluded[name] = "source_not_recorded"
            continue
        if min(assessment(rows, SCHOOL)[1], assessment(rows, FAMILY)[1]) < min_trials:
            excluded[name] = "too_few_requests"
            continue
        compared.append(name)
    return sorted(compared), excluded
