"""Every SEN2 code list copro reads, by collection year (2022 to 2026), in one place.

Source: the SEN2 schemas for the 2022 to 2026 collections written from DfE's "SEN2 guide for
local authorities" by Social Finance Digital Labs (``liia-tools-pipeline``, MIT licence; see
``shared/data/sen2-schemas/README.md``). DfE publishes no XSD of its own; these lists are the best
public statement of the codes, and the tests check them against those schemas.

A return is read with the lists of its collection year: the year of its reference date (the
collection's census day, in January). A code the year does not define is never guessed at: it
is counted and reported (``copro audit --sen2`` prints the element, the code and the number of
requests), and the request is left out of the stage the code would decide. Add a year's codes
here rather than anywhere else.

What the outcome codes mean for the figures (``REQUEST_OUTCOME``, ``ASSESSMENT_OUTCOME``):

- ``assess`` / ``not_assess`` / ``plan`` / ``no_plan``: a decision, counted at its stage;
- ``open``: no decision yet at the reference date (A): censored, never counted as a refusal;
- ``withdrawn``: withdrawn or ceased before a decision (W; in 2022 T, transferred to another
  LA before the decision): left out of the rates, counted as withdrawn;
- ``historical``: decided before the collection period (H): outside the year's cohort, counted
  and reported as such, never in a rate; for an assessment, also a plan transferred in;
- ``other_la``: 2022's S, a plan issued after another LA completed the assessment: the request's
  journey is not this LA's alone, so it is left out of the plan stage and reported (from 2023
  such plans are H).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from copro.groups import SEN2_REQUEST_SOURCE_GROUPS, RequesterGroup

YEARS = (2022, 2023, 2024, 2025, 2026)

# What a code means for copro (see the module docstring).
ASSESS, NOT_ASSESS, OPEN, WITHDRAWN, HISTORICAL = (
    "assess", "not_assess", "open", "withdrawn", "historical")
PLAN, NO_PLAN, OTHER_LA = "plan", "no_plan", "other_la"
#: A code the year's list does not have (never guessed): the request is counted at the stages
#: before the one the code decides, and in none from it on.
NOT_KNOWN = "not known"

#: RequestOutcome: the decision whether to assess.
_REQUEST_OUTCOME_2022 = {
    "Y": ASSESS,  # LA proceeded with an assessment
    "N": NOT_ASSESS,  # LA decided not to proceed with an assessment
    "A": OPEN,  # decision yet to be made
    "T": WITHDRAWN,  # transferred to another LA before the decision to assess was made
    "H": HISTORICAL,  # decision to assess made before the latest collection period
}
_REQUEST_OUTCOME_2023 = {
    "Y": ASSESS, "N": NOT_ASSESS, "A": OPEN,
    "W": WITHDRAWN,  # request withdrawn or ceased before the decision to assess was made
    "H": HISTORICAL,
}

#: AssessmentOutcome: the decision whether to issue a plan, after an assessment.
_ASSESSMENT_OUTCOME_2022 = {
    "Y": PLAN,  # it was decided an EHC plan would be issued
    "N": NO_PLAN,  # it was decided an EHC plan would not be issued
    "A": OPEN,  # decision not yet made
    "T": WITHDRAWN,  # transferred to another LA before the plan was issued
    "S": OTHER_LA,  # plan issued after the assessment was completed by another LA
    "H": HISTORICAL,  # decision to issue made before the latest collection period
}
_ASSESSMENT_OUTCOME_2023 = {
    "Y": PLAN, "N": NO_PLAN, "A": OPEN,
    "W": WITHDRAWN,  # withdrawn or ceased before the decision whether to issue was made
    "H": HISTORICAL,  # decided before the latest collection period, or plan transferred in
}

#: RequestSource: who made the request (voluntary in the 2025 collection, mandatory from
#: 2026; no such item before 2025). Absent = not known.
REQUEST_SOURCE: dict[str, RequesterGroup] = dict(SEN2_REQUEST_SOURCE_GROUPS)

#: yesnotype (RYA, mediation and tribunal items) and week20type: 1 yes, 0 no.
FLAGS: dict[str, bool] = {"1": True, "0": False}

#: Sex: GenderCurrent 0/1/2/9 in 2022 and 2023; Sex M/F from 2024.
SEX_UNKNOWN = "not known"
SEXES = ("female", "male", SEX_UNKNOWN)
_GENDER_CURRENT = {"0": SEX_UNKNOWN, "1": "male", "2": "female",
                   "9": SEX_UNKNOWN}  # 9: not specified (indeterminate)
_SEX = {"M": "male", "F": "female"}

#: Ethnicity (the same 108 codes in every year), by DfE's major ethnic group.
ETHNICITY_UNKNOWN = "not known"
_ETHNIC_GROUPS = {
    "White": "WBRI WCOR WENG WNIR WSCO WWEL WOWB WIRI WIRT WOTH WALB WBOS WCRO WGRE WGRK WGRC "
             "WITA WKOS WPOR WSER WTUR WTUK WTUC WEUR WEEU WWEU WOTW WROM WROG WROR WROO",
    "Mixed": "MWBC MWBA MWAS MWAP MWAI MWAO MOTH MAOE MABL MACH MBOE MBCH MCOE MWOE MWCH MOTM",
    "Asian": "ABRI AWEL AIND APKN AMPK AKPA AOPK ABAN AOTH AAFR AKAO ANEP ASNL ASLT ASRO AOTA",
    "Black": "BBRI BWEL BCRB BAFR BANN BCON BGHA BNGN BSLN BSOM BSUD BAOF BOTH BEUR BNAM BOTB",
    "Chinese": "CHNE CHKC CMAL CSNG CTWN COCH",
    "Any other": "OOTH OAFG ORAB OARA OEGY OFIL OIRN OIRQ OJPN OKOR OKRD OLAM OLEB OLIB OMAL "
                 "OMRC OPOL OTHA OVIE OYEM OOEG",
    ETHNICITY_UNKNOWN: "REFU NOBT",  # refused; information not yet obtained
}
ETHNICITY: dict[str, str] = {code: group for group, codes in _ETHNIC_GROUPS.items()
                             for code in codes.split()}
ETHNIC_GROUPS = tuple(_ETHNIC_GROUPS)

#: SENtype: type of need. DS (Down syndrome) from the 2025 collection. (NSA, "SEN support but
#: no specialist assessment", is a school-census code, not an SEN2 one.)
_SEN_TYPES_2022 = {
    "SPLD": "Specific learning difficulty",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "HI": "Hearing impairment",
    "VI": "Vision impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "ASD": "Autistic spectrum disorder",
    "OTH": "Other difficulty",
}
_SEN_TYPES_2025 = {**_SEN_TYPES_2022, "DS": "Down syndrome"}
NEED_NOT_RECORDED = "not recorded at request"
#: Every need stratum any year can give (for the counts' strata).
NEEDS = (*_SEN_TYPES_2025, NEED_NOT_RECORDED)

#: Header/Source DMO, DCO (and DSCO, from 2025): Y yes, N no, R recruitment in progress.
DESIGNATED_OFFICER = {"Y": "yes", "N": "no", "R": "recruitment in progress"}


@dataclass(frozen=True)
class CodeLists:
    """The code lists of one collection year."""

    year: int
    request_outcome: dict[str, str]
    assessment_outcome: dict[str, str]
    request_source: dict[str, RequesterGroup]  # empty before 2025: the item did not exist
    sex_element: str  # 'GenderCurrent' (2022, 2023) or 'Sex'
    sex: dict[str, str]
    ethnicity: dict[str, str]
    sen_types: dict[str, str]
    flags: dict[str, bool]


@cache
def code_lists(year: int) -> CodeLists:
    """The lists of collection ``year``; a year outside 2022-2026 gets the nearest year's
    (say so: :func:`lists_year`)."""
    year = lists_year(year)
    return CodeLists(
        year=year,
        request_outcome=_REQUEST_OUTCOME_2022 if year == 2022 else _REQUEST_OUTCOME_2023,
        assessment_outcome=_ASSESSMENT_OUTCOME_2022 if year == 2022 else _ASSESSMENT_OUTCOME_2023,
        request_source=REQUEST_SOURCE if year >= 2025 else {},
        sex_element="GenderCurrent" if year <= 2023 else "Sex",
        sex=_GENDER_CURRENT if year <= 2023 else _SEX,
        ethnicity=ETHNICITY,
        sen_types=_SEN_TYPES_2025 if year >= 2025 else _SEN_TYPES_2022,
        flags=FLAGS,
    )


def lists_year(year: int) -> int:
    """The collection year whose lists copro uses for ``year`` (the nearest it has)."""
    return min(max(year, YEARS[0]), YEARS[-1])


#: Age at request (whole years) -> band used to adjust for case mix.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("under 5", 0, 4), ("5 to 10", 5, 10), ("11 to 15", 11, 15), ("16 to 19", 16, 19),
    ("20 to 25", 20, 25),
)


def age_band(age: int | None) -> str:
    if age is None or age < 0:
        return "unknown"
    return next((label for label, low, high in AGE_BANDS if low <= age <= high), "over 25")
