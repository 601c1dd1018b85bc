"""FOI request letters, one per local authority: Markdown, plain text and Word (.docx).

Each asks precisely for the study's breakdown by source of request and cites the Freedom of
Information Act 2000 (s.1 right of access, s.10 time for compliance). The requester's name and
contact details come from the user; nothing about them is stored by copro.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from copro.counts import Area
from copro.errors import CoproError
from copro.foi.layout import GROUPS, MEASURES


@dataclass(frozen=True)
class Requester:
    name: str
    email: str
    organisation: str | None = None
    address: str | None = None

    def __post_init__(self):
        if not self.name.strip():
            raise CoproError("--name: the requester's name is required (FOIA s.8: a request "
                             "must state the name of the applicant)")
        if "@" not in self.email and not self.address:
            raise CoproError("--email: give an email address (or --address) for the reply")


@dataclass(frozen=True)
class Letter:
    """The letter as paragraphs: ('title' | 'meta' | 'para' | 'item', text)."""

    area: Area
    parts: tuple[tuple[str, str], ...]

    def markdown(self) -> str:
        out = []
        for kind, text in self.parts:
            out.append({"title": f"# {text}\n", "meta": f"{text}  ", "item": text,
                        "para": f"\n{text}\n"}[kind])
        return "\n".join(out).replace("\n\n\n", "\n\n").strip() + "\n"

    def text(self) -> str:
        out = []
        for kind, text in self.parts:
            out.append({"title": f"{text}\n", "meta": text, "item": f"  {text}",
                        "para": f"\n{text}\n"}[kind])
        return "\n".join(out).replace("\n\n\n", "\n\n").strip() + "\n"

    def docx(self) -> bytes:
        from docx import Document

        doc = Document()
        for kind, text in self.parts:
            if kind == "title":
                doc.add_heading(text, level=1)
            elif kind == "item":
                doc.add_paragraph(text.split(". ", 1)[1], style="List Number")
            else:
                doc.add_paragraph(text)
        buf = io.BytesIO()
        doc.save(buf)
        return buf.getvalue()


def letter(area: Area, year: int, requester: Requester, template_name: str,
           today: date | None = None) -> Letter:
    """The request to ``area`` for requests received in calendar year ``year``."""
    today = today or date.today()
    who = requester.name + (f", {requester.organisation}" if requester.organisation else "")
    contact = " · ".join(x for x in (requester.email, requester.address) if x)
    groups = "; ".join(f"({chr(97 + i)}) {'a ' if i < 2 else ''}{label.lower()}"
                       for i, (_, label, _) in enumerate(GROUPS[:-1]))
    items = [f"{i + 1}. {label[0].lower() + label[1:]}"
             for i, (_, label) in enumerate(MEASURES)]
    parts = [
        ("title", f"Freedom of Information request: requests for an EHC needs assessment in "
                  f"{year}, by who made them"),
        ("meta", f"To: {area.name} (Freedom of Information)"),
        ("meta", f"From: {who}"),
        ("meta", f"Reply to: {contact}"),
        ("meta", f"Date: {today:%-d %B %Y}"),
        ("para", "Dear Freedom of Information team,"),
        ("para", f"Under section 1 of the Freedom of Information Act 2000, I request the "
                 f"following information held by {area.name}."),
        ("para", f"For requests for an Education, Health and Care (EHC) needs assessment "
                 f"received by the local authority between 1 January {year} and 31 December "
                 f"{year}, please give the numbers below separately for requests made by "
                 f"{groups}; and for all requests together:"),
        *[("item", text + ";") for text in items[:-1]],
        ("item", items[-1] + "."),
        ("para", "By “exceptions” I mean the exceptions to the 20-week time limit in "
                 "regulation 13(3) of the Special Educational Needs and Disability Regulations "
                 "2014. Each figure should count the requests received in the year, followed "
                 "to their outcome; if you can only count plans issued in the year, please "
                 "say so."),
        ("para", f"Please give the figures in the attached template ({template_name}), which is "
                 f"already filled in with your authority's name and codes; a CSV version is "
                 f"attached too. If a figure is not held, please write “not held” in its cell "
                 f"and say why in the Notes column; if you withhold a small number to protect "
                 f"confidentiality, please write it as “<5” (or your threshold) rather than "
                 f"leaving the cell blank."),
        ("para", "Since 2025 the source of each request is recorded in the SEN2 return (data "
                 "item RequestSource), so I expect this information to be held. If answering "
                 "every part would exceed the cost limit under section 12, please tell me "
                 "which parts you can answer within it (section 16, advice and assistance), "
                 "for example items 1 and 2 only."),
        ("para", "I understand that under section 10 you should respond promptly and no later "
                 "than the twentieth working day following the date of receipt."),
        ("para", "Yours faithfully,"),
        ("meta", who),
    ]
    return Letter(area, tuple(parts))
