"""Synthetic SEN2 returns: realistic, schema-shaped, reproducible by seed, with the effect of who
asks on each stage set by the user, so tests can check that the audit recovers it.

Everything is invented: names, dates of birth, postcodes and pupil numbers are random, and the
files exist only to exercise the pipeline. Families and schools ask for different children
(families more often for older, autistic children), so a crude comparison differs from an
adjusted one, as in real data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from copro.counts import Area
from copro.sources.sen2_codes import age_band

SOURCES = ("1", "2", "3", "4", "5")  # family, education, health, social care, other
SOURCE_SHARES = (0.32, 0.52, 0.05, 0.03, 0.06)  # the rest (2%) have no RequestSource
NEEDS = ("ASD", "SEMH", "SLCN", "MLD", "SPLD", "PD", "SLD", "HI", "VI", "OTH")
NEED_LOGIT = dict(zip(NEEDS, (0.3, 0.2, -0.2, -0.3, -0.6, 0.5, 0.8, 0.2, 0.2, -0.2),
                      strict=True))
#: Case mix acts through age band and need (so an adjustment by both removes it exactly).
AGE_LOGIT = {"under 5": -0.3, "5 to 10": 0.0, "11 to 15": -0.3, "16 to 19": -0.6,
             "20 to 25": -0.8, "over 25": -0.8, "unknown": 0.0}
SURNAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies")
FORENAMES = ("Alex", "Sam", "Jordan", "Charlie", "Riley", "Jamie", "Morgan", "Taylor")


@dataclass(frozen=True)
class Effects:
    """Odds ratios, requests from education settings against families, for each stage."""

    assess: float = 2.0
    plan: float = 1.3
    within_6_weeks: float = 1.2
    within_20_weeks: float = 1.3
    area_sd: float = 0.0  # spread of the log odds ratio between areas


@dataclass(frozen=True)
class SynthSpec:
    areas: tuple[Area, ...]
    persons_per_area: int
    collection_year: int = 2026  # requests received in the calendar year before
    seed: int = 1
    effects: Effects = field(default_factory=Effects)
    legacy: bool = False  # an earlier layout: no RequestSource item at all


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _p(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def write_sen2(path: Path, area: Area, spec: SynthSpec, rng: np.random.Generator) -> int:
    """Write one LA's synthetic return; returns the number of persons written."""
    year = spec.collection_year - 1
    reference = date(spec.collection_year, 1, 15)
    start = date(year, 1, 1)
    e = spec.effects
    area_shift = rng.normal(0, e.area_sd) if e.area_sd else 0.0
    base = rng.normal(0.4, 0.3)
    n = spec.persons_per_area
    source_idx = rng.choice(6, size=n, p=(*SOURCE_SHARES, 1 - sum(SOURCE_SHARES)))
    received_offset = rng.integers(0, 365, size=n)
    with open(path, "w", encoding="utf-8") as out:
        w = out.write
        w('<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n<Header>\n<CollectionDetails>'
          f'<Collection>SEN2</Collection><Year>{spec.collection_year}</Year>'
          f'<ReferenceDate>{reference.isoformat()}</ReferenceDate></CollectionDetails>\n'
          f'<Source><SourceLevel>L</SourceLevel><LEA>{area.old_la_code}</LEA>'
          '<SoftwareCode>copro-synth</SoftwareCode><Release>1</Release><SerialNo>1</SerialNo>'
          f'<DateTime>{reference.isoformat()}T09:00:00</DateTime></Source>\n</Header>\n'
          '<Persons>\n')
        for i in range(n):
            s = int(source_idx[i])
            family, school = s == 0, s == 1
            age = int(np.clip(rng.normal(12 if family else 8, 4), 0, 24))
            need_p = np.array([4 if family else 2, 2, 2 if family else 3, 2, 1, 1, 1, .3, .3, 1])
            need = NEEDS[rng.choice(len(NEEDS), p=need_p / need_p.sum())]
            received = start + timedelta(days=int(received_offset[i]))
            birth = received - timedelta(days=int(age * 365.25 + rng.integers(0, 365)))
            w("<Person>")
            w(f"<Surname>{rng.choice(SURNAMES)}</Surname><Forename>{rng.choice(FORENAMES)}"
              f"</Forename><PersonBirthDate>{birth.isoformat()}</PersonBirthDate>"
              f"<Sex>{'MF'[int(rng.integers(0, 2))]}</Sex><Ethnicity>WBRI</Ethnicity>"
              f"<PostCode>ZZ99 {int(rng.integers(1, 9))}AB</PostCode>"
              f"<UPN>A{int(rng.integers(10**11, 10**12))}</UPN>"
              f"<UniqueLearnerNumber>{int(rng.integers(10**9, 10**10))}</UniqueLearnerNumber>")
            w("<Requests>")
            w(f"<ReceivedDate>{received.isoformat()}</ReceivedDate>")
            if not spec.legacy and s < 5:
                w(f"<RequestSource>{SOURCES[s]}</RequestSource>")
            w("<RYA>0</RYA>")
            school_shift = (math.log(e.assess) + area_shift) if school else 0.0
            x = (base + NEED_LOGIT[need] + AGE_LOGIT[age_band(age)] + school_shift
                 - (0.2 if s > 1 else 0))
            p6 = _p(1.2 + (math.log(e.within_6_weeks) if school else 0.0))
            within6 = rng.random() < p6
            decided = received + timedelta(days=int(rng.integers(14, 43) if within6
                                                    else rng.integers(43, 100)))
            withdrawn = rng.random() < 0.02
            if decided <= reference:
                assess = rng.random() < _p(x)
                code = "W" if withdrawn else ("A" if assess else "N")
                w(f"<RequestOutcomeDate>{decided.isoformat()}</RequestOutcomeDate>"
                  f"<RequestOutcome>{code}</RequestOutcome>")
                mediation = code == "N" and rng.random() < (0.25 if family else 0.1)
                w(f"<RequestMediation>{int(mediation)}</RequestMediation>"
                  f"<RequestTribunal>{int(mediation and rng.random() < 0.4)}</RequestTribunal>")
                if code == "A":
                    p20 = _p(0.3 + (math.log(e.within_20_weeks) if school else 0.0))
                    on_time = rng.random() < p20
                    issued = received + timedelta(days=int(rng.integers(90, 141) if on_time
                                                           else rng.integers(141, 260)))
                    w("<Assessment>")
                    if issued <= reference:
                        plan = rng.random() < _p(1.6 + (math.log(e.plan) if school else 0.0)
                                                 + NEED_LOGIT[need])
                        w(f"<AssessmentOutcome>{'I' if plan else 'N'}</AssessmentOutcome>"
                          f"<AssessmentOutcomeDate>{issued.isoformat()}</AssessmentOutcomeDate>")
                        if plan:
                            exception = not on_time and rng.random() < 0.1
                            w(f"<Week20>{int(exception)}</Week20>"
                              f"<NamedPlan><StartDate>{issued.isoformat()}</StartDate>"
                              "<PlanRes>0</PlanRes></NamedPlan>")
                    w("</Assessment>")
            w(f"<ActivePlans><SENneed><SENtype>{need}</SENtype><SENtypeRank>1</SENtypeRank>"
              "</SENneed></ActivePlans>")
            w("</Requests></Person>\n")
        w("</Persons>\n</Message>\n")
    return n


def write_synthetic(out_dir: Path, spec: SynthSpec, progress=None) -> list[Path]:
    """One file per area in ``out_dir``; reproducible for a given ``spec``. ``progress``, if
    given, is called with (area, index, count) before each area is written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.seed)
    paths = []
    for i, area in enumerate(spec.areas):
        if progress is not None:
            progress(area, i, len(spec.areas))
        path = out_dir / f"sen2-{spec.collection_year}-{area.old_la_code}.xml"
        write_sen2(path, area, spec, rng)
        paths.append(path)
    return paths
