"""The FOI response template's layout: what is asked, by whom, and in which cells.

One place for the template writer and the returns reader, so they cannot drift apart.
"""

from __future__ import annotations

from copro.counts import Measure
from copro.groups import RequesterGroup

G = RequesterGroup

#: Rows: what the request asks for, in order, with the label shown to the LA.
MEASURES: tuple[tuple[Measure, str], ...] = (
    (Measure.RECEIVED, "Requests for an EHC needs assessment received"),
    (Measure.DECIDED_TO_ASSESS,
     "Of those, requests where the LA decided to carry out an EHC needs assessment"),
    (Measure.PLAN_ISSUED, "Of those, EHC plans issued"),
    (Measure.PLAN_WITHIN_20_WEEKS,
     "Of those, EHC plans issued within 20 weeks of the request (excluding exceptions)"),
)

#: Columns: who made the request.
GROUPS: tuple[tuple[RequesterGroup, str, str], ...] = (
    (G.FAMILY, "Parent or young person", "parent_or_young_person"),
    (G.EDUCATION, "School or other education setting", "school_or_education_setting"),
    (G.OTHER, "Anyone else (health or social care professional, other)", "other"),
    (G.ALL, "All requests", "all_requests"),
)

#: Groups an FOI return does not separate (they are inside 'anyone else').
NOT_ASKED = (G.HEALTH, G.SOCIAL_CARE, G.UNKNOWN)

SHEET = "Response"
TITLE_ROW = 1
INFO_ROWS = {"Local authority": 3, "ONS code": 4, "DfE code": 5, "Year": 6}
HEADER_ROW = 8
FIRST_MEASURE_ROW = 9
NOTES_HEADER = "Notes (e.g. why a figure is not held or withheld)"
CSV_COLUMNS = ("la_code", "la_name", "year", "measure", "measure_label",
               *[key for _, _, key in GROUPS], "notes")
