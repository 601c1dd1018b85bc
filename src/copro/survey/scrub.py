"""Free text cleaned of identifiers before it is stored: email addresses, phone numbers, UK
postcodes and pupil numbers (UPN, ULN) are replaced by a marker saying what was removed.

Names cannot be found reliably by pattern; the question asks people not to write them, and free
text is never published.
"""

from __future__ import annotations

import re
import unicodedata

# the local part starts where a run of its characters starts (the lookbehind): tried from
# every character of a long run instead, the search took time quadratic in the text's length
EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+"
                   r"(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)+", re.IGNORECASE)
# UPN: a letter, 11 digits and a check character (a digit or a letter for a temporary UPN)
UPN = re.compile(r"\b[A-Z]\s?\d{2}(?:[\s-]?\d){9}[\s-]?[A-Z0-9]\b", re.IGNORECASE)
# UK phone numbers: +44 or 0, then 9 or 10 more digits, with spaces, dots, dashes or brackets
PHONE = re.compile(r"(?<![\w+])(?:\+\s?44\s?(?:\(0\)\s?)?|\(?0)(?:[\s().-]*\d){9,10}(?!\w)")
# ULN (10 digits) and any other long run of digits that could identify someone
LONG_NUMBER = re.compile(r"(?<!\w)\d(?:[\s-]?\d){7,}(?!\w)")
# UK postcodes, full (outward + inward), with or without the space
POSTCODE = re.compile(r"\b(?:GIR\s?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRVWXY\d]?)"
                      r"\s*\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)

_RULES = (
    (EMAIL, "[email removed]"),
    (UPN, "[pupil number removed]"),
    (POSTCODE, "[postcode removed]"),
    (PHONE, "[phone number removed]"),
    (LONG_NUMBER, "[number removed]"),
)


def scrub(text: str) -> tuple[str, dict[str, int]]:
    """``text`` with identifiers replaced, and how many of each kind were removed.

    Control characters are dropped and Unicode normalised (NFKC) first, so that full-width
    digits or look-alike characters cannot slip an identifier past the patterns.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")
    removed: dict[str, int] = {}
    for pattern, marker in _RULES:
        text, n = pattern.subn(marker, text)
        if n:
            removed[marker.strip("[]").replace(" removed", "")] = n
    return text.strip(), removed


def scrub_text(text: str) -> str:
    """Only the cleaned text."""
    return scrub(text)[0]
