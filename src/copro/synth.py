"""Synthetic SEN2 returns: real returns in the layout and codes of their collection year
(2022 to 2026), reproducible by seed, with the effect of who asks on each stage set by the user,
so tests can check that the audit recovers it.

Everything is invented: names, dates of birth, postcodes and pupil numbers are random, and the
files exist only to exercise the pipeline. They follow the public SEN2 schemas in element
order and codes (the tests validate them against the schema of their year): the Header with
``DMO``/``DCO`` (and ``DSCO`` in 2026), ``Sex`` (``GenderCurrent`` before 2024) and
``Ethnicity``, ``RequestSource`` from 2025, outcome codes Y/N/A/W/H (T and S in 2022). A return
holds, besides the year's requests, historical requests (H: children whose plans date from
earlier years, with no decision in the period) and requests still open at the reference date
(A). Need is recorded as SEN2 records it: ``SENtype`` for children with a plan only.

Families and schools ask for different children: families more often for older children,
schools more often for boys, with a different mix of ethnic groups; the chance of each outcome
depends on those characteristics (all recorded before the request), so a crude comparison
differs from an adjusted one, as in real data. Need is drawn from the child's age and has no
effect of its own beyond age, so adjusting for age band, sex and ethnicity removes the case mix
exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from copro.counts import Area
from copro.sources.sen2_codes import ETHNICITY, age_band

SOURCES = ("1", "2", "3", "4", "5")  # family, education, health, social care, other
SOURCE_SHARES = (0.32, 0.52, 0.05, 0.03, 0.06)  # the rest (2%) have no RequestSource
NEEDS = ("ASD", "SEMH", "SLCN", "MLD", "SPLD", "PD", "SLD", "HI", "VI", "OTH")
#: Case mix acts through age band, sex and ethnic group (so an adjustment by them removes it).
AGE_LOGIT = {"under 5": -0.3, "5 to 10": 0.0, "11 to 15": -0.3, "16 to 19": -0.6,
             "20 to 25": -0.8, "over 25": -0.8, "unknown": 0.0}
MALE_LOGIT = 0.3
ETHNIC_CODES = ("WBRI", "WOTH", "MWBC", "AIND", "APKN", "BAFR", "BCRB", "CHNE", "OOTH", "NOBT")
ETHNIC_LOGIT = {"White": 0.0, "Mixed": -0.2, "Asian": -0.4, "Black": -0.5, "Chinese": -0.3,
                "Any other": -0.3, "not known": -0.1}
FAMILY_ETHNIC_SHARES = (0.70, 0.05, 0.04, 0.04, 0.04, 0.04, 0.03, 0.01, 0.03, 0.02)
OTHER_ETHNIC_SHARES = (0.58, 0.06, 0.05, 0.06, 0.06, 0.07, 0.05, 0.01, 0.04, 0.02)
HISTORICAL_SHARE = 0.15  # persons whose only request was decided in an earlier year
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
    legacy: bool = False  # no RequestSource item (voluntary in 2025; absent before anyway)


def _p(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _cdf(shares) -> np.ndarray:
    """The cumulative shares exactly as ``Generator.choice(len(shares), p=shares)`` makes them,
    for :func:`_choose`."""
    cdf = np.asarray(shares, dtype=np.double).cumsum()
    cdf /= cdf[-1]
    return cdf


def _choose(rng: np.random.Generator, cdf: np.ndarray) -> int:
    """``rng.choice(len(shares), p=shares)`` for ``cdf = _cdf(shares)``: the same one uniform
    draw and the same index (NumPy's own steps), without checking the shares again at every
    call (a return draws thousands; the checks took most of the writing time)."""
    return int(cdf.searchsorted(rng.random(), side="right"))


_FAMILY_ETHNIC_CDF = _cdf(FAMILY_ETHNIC_SHARES)
_OTHER_ETHNIC_CDF = _cdf(OTHER_ETHNIC_SHARES)
#: the weight of each need (NEEDS), for children aged 9 and over (True) and younger (False)
NEED_WEIGHTS = {True: np.array([3, 2, 1, 2, 1, 1, 1, .3, .3, 1]),
                False: np.array([2, 1, 3, 2, 1, 1, 1, .3, .3, 1])}
_NEED_CDF = {older: _cdf(weights / weights.sum()) for older, weights in NEED_WEIGHTS.items()}


class _Layout:
    """Element order and codes of one collection year."""

    def __init__(self, year: int, legacy: bool):
        if not 2022 <= year <= 2026:
            raise ValueError(f"synthetic returns are written for the 2022 to 2026 collections, "
                             f"not {year}")
        self.year = year
        self.source = year >= 2025 and not legacy
        self.withdrawn = "T" if year == 2022 else "W"
        self.sex = "GenderCurrent" if year <= 2023 else "Sex"

    def sex_code(self, male: bool) -> str:
        if self.sex == "Sex":
            return "M" if male else "F"
        return "1" if male else "2"

    def person(self, w, rng, birth: date, male: bool, ethnicity: str) -> None:
        # rng.integers(0, n) is the one draw rng.choice(names) makes (NumPy's own steps)
        w(f"<Surname>{SURNAMES[rng.integers(0, len(SURNAMES))]}</Surname><Forename>"
          f"{FORENAMES[rng.integers(0, len(FORENAMES))]}"
          f"</Forename><PersonBirthDate>{birth.isoformat()}</PersonBirthDate>"
          f"<{self.sex}>{self.sex_code(male)}</{self.sex}>")
        ethnic = f"<Ethnicity>{ethnicity}</Ethnicity>"
        ids = (f"<PostCode>ZZ99 {int(rng.integers(1, 9))}AB</PostCode>"
               f"<UPN>A{int(rng.integers(10**11, 10**12))}</UPN>"
               f"<UniqueLearnerNumber>{int(rng.integers(10**9, 10**10))}</UniqueLearnerNumber>")
        w(ids + ethnic if self.year == 2022 else ethnic + ids)

    def decision(self, w, code: str, decided: date | None) -> None:
        when = f"<RequestOutcomeDate>{decided.isoformat()}</RequestOutcomeDate>" if decided else ""
        what = f"<RequestOutcome>{code}</RequestOutcome>"
        w(what + when if self.year == 2022 else when + what)

    def assessment(self, w, code: str, decided: date | None, week20: int | None,
                   plan_start: date | None, need: str | None) -> None:
        w(f"<Assessment><AssessmentOutcome>{code}</AssessmentOutcome>")
        if decided is not None:
            w(f"<AssessmentOutcomeDate>{decided.isoformat()}</AssessmentOutcomeDate>")
        if week20 is not None:
            w(f"<Week20>{week20}</Week20>")
        if plan_start is not None:
            if self.year == 2022:  # the plan's date and its need sit in Assessment
                w(f"<StartDate>{plan_start.isoformat()}</StartDate>")
                if need:
                    w(f"<Placements><SENtype>{need}</SENtype><SENtypeRank>1</SENtypeRank>"
                      "</Placements>")
            else:
                w(f"<NamedPlan><StartDate>{plan_start.isoformat()}</StartDate>"
                  "<PlanRes>A</PlanRes></NamedPlan>")
        w("</Assessment>")
        if need and self.year >= 2023:  # need recorded for children with a plan only
            w(f"<ActivePlans><SENneed><SENtype>{need}</SENtype><SENtypeRank>1</SENtypeRank>"
              "</SENneed></ActivePlans>")


def write_sen2(path: Path, area: Area, spec: SynthSpec, rng: np.random.Generator) -> int:
    """Write one LA's synthetic return; returns the number of persons written."""
    layout = _Layout(spec.collection_year, spec.legacy)
    year = spec.collection_year - 1
    reference = date(spec.collection_year, 1, 15)
    start = date(year, 1, 1)
    e = spec.effects
    area_shift = rng.normal(0, e.area_sd) if e.area_sd else 0.0
    base = rng.normal(0.4, 0.3)
    n = spec.persons_per_area
    source_idx = rng.choice(6, size=n, p=(*SOURCE_SHARES, 1 - sum(SOURCE_SHARES)))
    received_offset = rng.integers(0, 365, size=n)
    historical = rng.random(n) < HISTORICAL_SHARE
    with open(path, "w", encoding="utf-8") as out:
        w = out.write
        w('<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n<Header>\n<CollectionDetails>'
          f'<Collection>SEN2</Collection><Year>{spec.collection_year}</Year>'
          f'<ReferenceDate>{reference.isoformat()}</ReferenceDate></CollectionDetails>\n'
          f'<Source><SourceLevel>L</SourceLevel><LEA>{area.old_la_code}</LEA>'
          '<SoftwareCode>copro-synth</SoftwareCode><Release>1</Release><SerialNo>001</SerialNo>'
          f'<DateTime>{reference.isoformat()}T09:00:00</DateTime><DMO>Y</DMO><DCO>Y</DCO>'
          + ('<DSCO>R</DSCO>' if spec.collection_year >= 2026 else '')
          + '</Source>\n</Header>\n<Persons>\n')
        for i in range(n):
            s = int(source_idx[i])
            family, school = s == 0, s == 1
            age = int(min(max(rng.normal(12 if family else 8, 4), 0.0), 24.0))
            male = rng.random() < (0.72 if school else 0.62)
            ethnicity = ETHNIC_CODES[_choose(rng, _FAMILY_ETHNIC_CDF if family
                                             else _OTHER_ETHNIC_CDF)]
            need = NEEDS[_choose(rng, _NEED_CDF[age >= 9])]
            received = start + timedelta(days=int(received_offset[i]))
            if historical[i]:  # a plan from an earlier year's request
                received -= timedelta(days=int(rng.integers(365, 6 * 365)))
            birth = received - timedelta(days=int(age * 365.25 + rng.integers(0, 365)))
            w("<Person>")
            layout.person(w, rng, birth, male, ethnicity)
            w("<Requests>")
            if historical[i]:
                if rng.random() < 0.5:  # not required for H
                    w(f"<ReceivedDate>{received.isoformat()}</ReceivedDate>")
                if layout.source and s < 5:
                    w(f"<RequestSource>{SOURCES[s]}</RequestSource>")
                w("<RYA>0</RYA>")
                layout.decision(w, "H", None)
                issued = received + timedelta(days=int(rng.integers(90, 200)))
                layout.assessment(w, "H", issued, 0, issued, need)
                w("</Requests></Person>\n")
                continue
            w(f"<ReceivedDate>{received.isoformat()}</ReceivedDate>")
            if layout.source and s < 5:
                w(f"<RequestSource>{SOURCES[s]}</RequestSource>")
            w("<RYA>0</RYA>")
            mix = AGE_LOGIT[age_band(age)] + (MALE_LOGIT if male else 0.0) + ETHNIC_LOGIT[
                ETHNICITY[ethnicity]]
            school_shift = (math.log(e.assess) + area_shift) if school else 0.0
            x = base + mix + school_shift - (0.2 if s > 1 else 0)
            p6 = _p(1.2 + (math.log(e.within_6_weeks) if school else 0.0))
            within6 = rng.random() < p6
            decided = received + timedelta(days=int(rng.integers(14, 43) if within6
                                                    else rng.integers(43, 100)))
            withdrawn = rng.random() < 0.02
            if decided > reference:  # no decision yet at the reference date
                layout.decision(w, "A", None)
                w("<RequestMediation>0</RequestMediation><RequestTribunal>0</RequestTribunal>")
                w("</Requests></Person>\n")
                continue
            assess = rng.random() < _p(x)
            code = layout.withdrawn if withdrawn else ("Y" if assess else "N")
            layout.decision(w, code, decided)
            mediation = code == "N" and rng.random() < (0.25 if family else 0.1)
            w(f"<RequestMediation>{int(mediation)}</RequestMediation>"
              f"<RequestTribunal>{int(mediation and rng.random() < 0.4)}</RequestTribunal>")
            if code == "Y":
                p20 = _p(0.3 + (math.log(e.within_20_weeks) if school else 0.0))
                on_time = rng.random() < p20
                issued = received + timedelta(days=int(rng.integers(90, 141) if on_time
                                                       else rng.integers(141, 260)))
                if issued > reference:  # decision whether to issue not yet made
                    layout.assessment(w, "A", None, None, None, None)
                else:
                    plan = rng.random() < _p(1.6 + (math.log(e.plan) if school else 0.0) + mix)
                    if plan:
                        exception = not on_time and rng.random() < 0.1
                        layout.assessment(w, "Y", issued, int(exception), issued, need)
                    else:
                        layout.assessment(w, "N", issued, None, None, None)
            w("</Requests></Person>\n")
        w("</Persons>\n</Message>\n")
    return n


def write_synthetic(out_dir: Path, spec: SynthSpec, progress=None) -> list[Path]:
    """One file per area in ``out_dir`` (made if missing), written as a set: all or none.
    Reproducible for a given ``spec``. ``progress``, if given, is called with (area, index,
    count) before each area is written."""
    from copro.render.files import write_files

    rng = np.random.default_rng(spec.seed)

    def writer(i: int, area: Area):
        def write(tmp: Path) -> None:
            if progress is not None:
                progress(area, i, len(spec.areas))
            write_sen2(tmp, area, spec, rng)
        return write

    return write_files(Path(out_dir), {
        f"sen2-{spec.collection_year}-{area.old_la_code}.xml": writer(i, area)
        for i, area in enumerate(spec.areas)})
