"""The response template each local authority is asked to fill in: XLSX (with data validation
and an instructions sheet) and the CSV equivalent, pre-filled with the authority's name and codes.
"""

from __future__ import annotations

import csv
import io

from copro.counts import Area
from copro.foi.layout import (
    CSV_COLUMNS,
    FIRST_MEASURE_ROW,
    GROUPS,
    HEADER_ROW,
    INFO_ROWS,
    MEASURES,
    NOTES_HEADER,
    SHEET,
    TITLE_ROW,
)

INSTRUCTIONS = (
    "How to fill in this template",
    "",
    "1. On the 'Response' sheet, enter one whole number in each cell of the table: the number "
    "of requests for an EHC needs assessment received in the year, then, of those, how many the "
    "local authority decided to assess, how many ended in an EHC plan, and how many of those "
    "plans were issued within 20 weeks of the request (excluding exceptions under regulation "
    "13(3) of the SEND Regulations 2014).",
    "2. Give the numbers separately for requests made by a parent or young person, by a school "
    "or other education setting, and by anyone else; and for all requests together. The three "
    "should add up to the total.",
    "3. If a figure is not held, write 'not held' in the cell and say why in the Notes "
    "column. If you withhold a small number, write '<5' (or '<' and your threshold) in the "
    "cell rather than leaving it blank.",
    "4. Please do not change the layout, the labels or the codes at the top: the answers are "
    "read by software (Coproduction Audit, copro).",
    "5. Return the completed file with your response to the request.",
)


#: What a cell of the table takes: the same as the letter and the Instructions sheet ask for.
WHAT_TO_ENTER = ("A whole number, 0 or more; '<5' (or '<' and your threshold) for a small "
                 "number you withhold; 'not held' if the figure is not held (say why in Notes).")


def xlsx(area: Area, year: int) -> bytes:
    """The template as an Excel workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.cell(TITLE_ROW, 1, "Requests for an EHC needs assessment, by who made the request "
                          "(Freedom of Information response)").font = Font(bold=True, size=13)
    info = {"Local authority": area.name, "ONS code": area.code,
            "DfE code": area.old_la_code or "", "Year": f"{year} (requests received 1 January "
                                                        f"to 31 December {year})"}
    for label, row in INFO_ROWS.items():
        ws.cell(row, 1, label).font = Font(bold=True)
        ws.cell(row, 2, info[label])
    headers = ["Measure", *[label for _, label, _ in GROUPS], NOTES_HEADER]
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(HEADER_ROW, col, text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, (_, label) in enumerate(MEASURES):
        ws.cell(FIRST_MEASURE_ROW + i, 1, label).alignment = Alignment(wrap_text=True)
    first = f"B{FIRST_MEASURE_ROW}"
    # A whole number of 0 or more, a withheld small number ('<5', '<10') or 'not held': what
    # the letter and the Instructions sheet ask for. A warning, not a stop: an LA's own wording
    # is still read (or reported, naming the cell) by copro.
    rule = DataValidation(
        type="custom", allow_blank=True, showErrorMessage=True, showInputMessage=True,
        errorStyle="warning",
        formula1=(f'OR(AND(ISNUMBER({first}),{first}>=0,{first}=INT({first})),'
                  f'LEFT(TRIM({first}),1)="<",LOWER(TRIM({first}))="not held")'),
        errorTitle="A number of requests, '<5' or 'not held'",
        error=WHAT_TO_ENTER, promptTitle="Number of requests", prompt=WHAT_TO_ENTER)
    last_col = chr(ord("A") + len(GROUPS))
    rule.add(f"B{FIRST_MEASURE_ROW}:{last_col}{FIRST_MEASURE_ROW + len(MEASURES) - 1}")
    ws.add_data_validation(rule)
    ws.column_dimensions["A"].width = 52
    for col in range(2, len(headers) + 1):
        ws.column_dimensions[chr(ord("A") + col - 1)].width = 22
    ws.row_dimensions[HEADER_ROW].height = 45
    sheet = wb.create_sheet("Instructions")
    for line in INSTRUCTIONS:
        sheet.append([line])
    sheet.column_dimensions["A"].width = 120
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_text(area: Area, year: int) -> str:
    """The template as CSV: one row per measure, one column per requester group."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for measure, label in MEASURES:
        out.writerow([area.code, area.name, year, measure.value, label,
                      *[""] * len(GROUPS), ""])
    return buf.getvalue()
