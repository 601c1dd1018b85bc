"""Every SEN2 code list copro reads, in one place.

These follow copro's reading of the DfE SEN2 person-level technical specifications (2023 to
2026 collections). Code lists change between collection years: a code not listed here is never
guessed at; it is counted and reported (``copro audit --sen2`` prints them), and the request it
belongs to is left out of the stage it would decide. Check these against the specification for
the year you audit, and add a year's codes here rather than anywhere else.
"""

from __future__ import annotations

from copro.groups import SEN2_REQUEST_SOURCE_GROUPS, RequesterGroup

#: RequestSource (2026 collection on): who made the request. Absent = not known.
REQUEST_SOURCE: dict[str, RequesterGroup] = dict(SEN2_REQUEST_SOURCE_GROUPS)

#: RequestOutcome: the decision whether to assess.
REQUEST_OUTCOME: dict[str, str] = {
    "A": "assess",  # decided to carry out an EHC needs assessment
    "N": "not_assess",  # decided not to assess
    "W": "withdrawn",  # request withdrawn or ceased before a decision
}

#: AssessmentOutcome: the decision after an assessment.
ASSESSMENT_OUTCOME: dict[str, str] = {
    "I": "plan",  # decided to issue an EHC plan
    "N": "no_plan",  # decided not to issue a plan
    "W": "withdrawn",  # assessment withdrawn or ceased before a decision
}

#: Week20: whether an exception to the 20-week limit (SEND Regulations 2014, reg. 13(3))
#: applies to the plan. Absent = not recorded (treated as no exception, and counted).
FLAGS: dict[str, bool] = {"1": True, "0": False, "true": True, "false": False,
                          "Y": True, "N": False}

#: SENtype: primary need (rank 1), as in the school census.
SEN_TYPES: dict[str, str] = {
    "SPLD": "Specific learning difficulty",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "HI": "Hearing impairment",
    "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "ASD": "Autistic spectrum disorder",
    "OTH": "Other difficulty or disability",
    "NSA": "SEN support but no specialist assessment of type of need",
}

#: Age at request (whole years) -> band used to adjust for case mix.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("under 5", 0, 4), ("5 to 10", 5, 10), ("11 to 15", 11, 15), ("16 to 19", 16, 19),
    ("20 to 25", 20, 25),
)


def age_band(age: int | None) -> str:
    if age is None or age < 0:
        return "unknown"
    return next((label for label, low, high in AGE_BANDS if low <= age <= high), "over 25")
