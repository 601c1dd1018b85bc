"""The instrument written out: a printable form (HTML to print or save as PDF, and Markdown) and
a question list to build the same survey in Microsoft Forms, Google Forms, SmartSurvey or JISC
Online Surveys, worded exactly so that `copro survey import` can match the export back."""

from __future__ import annotations

import csv
import io
from html import escape

from copro.survey.instrument import Instrument, Question

_TYPE_NAMES = {"single": "Choice (one answer)", "multi": "Choice (several answers)",
               "number": "Number (whole number)", "text": "Long text"}


def _wording(q: Question, audience: str, easy_read: bool) -> str:
    return q.easy_read if easy_read else q.text(audience)


def _label(o, easy_read: bool) -> str:
    return o.easy_read if easy_read else o.label


def _condition(instrument: Instrument, q: Question, audience: str, easy_read: bool) -> str:
    if q.show_if is None:
        return ""
    other = instrument.question(q.show_if[0])
    labels = " or ".join(f"'{_label(other.option(v), easy_read)}'" for v in q.show_if[1])
    return f"Only if you answered {labels} to \"{_wording(other, audience, easy_read)}\""


def numbered(instrument: Instrument, audience: str):
    """(number, page, question) in the order asked."""
    n = 0
    for page, questions in instrument.pages_for(audience):
        for q in questions:
            n += 1
            yield n, page, q


def form_markdown(instrument: Instrument, audience: str, easy_read: bool = False) -> str:
    """The survey as a Markdown form with tick boxes."""
    aud = instrument.audiences[audience]
    lines = [f"# {instrument.title}", "", f"**{aud.label}.** "
             f"{aud.easy_read if easy_read else aud.description}", "", instrument.about, "",
             f"Survey version {instrument.version}.", ""]
    current = None
    for n, page, q in numbered(instrument, audience):
        if page.id != current:
            current = page.id
            lines += [f"## {page.easy_read if easy_read else page.title}", ""]
        lines.append(f"**{n}. {_wording(q, audience, easy_read)}**")
        for note in (_condition(instrument, q, audience, easy_read), q.hint):
            if note:
                lines.append(f"_{note}_")
        lines.append("")
        if q.type in ("single", "multi"):
            lines.append("Tick one." if q.type == "single" else "Tick all that apply.")
            lines += [f"- [ ] {_label(o, easy_read)}" for o in q.options]
        elif q.type == "number":
            lines.append("Number: ________")
        else:
            lines += ["_" * 60] * 4
        lines.append("")
    return "\n".join(lines)


_CSS = """
body{font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.4;max-width:46em;
margin:2em auto;padding:0 1em;color:#0b0c0c}
h1{font-size:1.8em}h2{font-size:1.3em;border-top:2px solid #0b0c0c;padding-top:.5em;
margin-top:1.5em}
fieldset{border:0;margin:0 0 1.2em;padding:0;break-inside:avoid}
legend{font-weight:bold;margin-bottom:.3em}
.hint{color:#505a5f;margin:.2em 0}
ul{list-style:none;padding:0}li{margin:.3em 0}
.box{display:inline-block;width:1em;height:1em;border:2px solid #0b0c0c;margin-right:.5em;
vertical-align:middle}
.round{border-radius:50%}
.line{border-bottom:1px solid #0b0c0c;height:2em}
@media print{body{margin:0;max-width:none}}
"""


def form_html(instrument: Instrument, audience: str, easy_read: bool = False, *,
              local_authority: str = "", forum: str = "", return_to: str = "",
              closing: str = "") -> str:
    """The survey as a self-contained printable HTML page (no script, no external files);
    with the LA, the forum, where to return the form and the closing date, when given."""
    aud = instrument.audiences[audience]
    who = ", ".join(x for x in (local_authority, forum) if x)
    out = ['<!doctype html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(instrument.title)} ({escape(aud.label)})</title>",
           f"<style>{_CSS}</style></head><body><main>",
           *([f"<p><strong>{escape(who)}</strong></p>"] if who else []),
           f"<h1>{escape(instrument.title)}</h1>",
           f"<p><strong>{escape(aud.label)}.</strong> "
           f"{escape(aud.easy_read if easy_read else aud.description)}</p>",
           f"<p>{escape(instrument.about)}</p>",
           f"<p class=\"hint\">Survey version {escape(instrument.version)}.</p>"]
    if return_to or closing:
        out.append("<p><strong>Please return this form"
                   + (f" by {escape(closing)}" if closing else "")
                   + (f" to: {escape(return_to)}" if return_to else "") + ".</strong></p>")
    current = None
    for n, page, q in numbered(instrument, audience):
        if page.id != current:
            current = page.id
            out.append(f"<h2>{escape(page.easy_read if easy_read else page.title)}</h2>")
        out.append(f"<fieldset><legend>{n}. {escape(_wording(q, audience, easy_read))}"
                   "</legend>")
        for note in (_condition(instrument, q, audience, easy_read), q.hint):
            if note:
                out.append(f'<p class="hint">{escape(note)}</p>')
        if q.type in ("single", "multi"):
            shape = "box round" if q.type == "single" else "box"
            tick = "Tick one." if q.type == "single" else "Tick all that apply."
            out.append(f'<p class="hint">{tick}</p><ul>')
            out += [f'<li><span class="{shape}" aria-hidden="true"></span>'
                    f"{escape(_label(o, easy_read))}</li>" for o in q.options]
            out.append("</ul>")
        elif q.type == "number":
            out.append('<p>Number: <span class="box" style="width:5em"></span></p>')
        else:
            out += ['<div class="line"></div>'] * 4
        out.append("</fieldset>")
    out.append("</main></body></html>")
    return "\n".join(out)


QUESTION_LIST_HEADER = ("number", "page", "question_id", "type", "question", "options",
                        "hint", "condition", "required")


def question_list_rows(instrument: Instrument, audience: str, easy_read: bool = False):
    for n, page, q in numbered(instrument, audience):
        options = "; ".join(_label(o, easy_read) for o in q.options)
        yield (n, page.easy_read if easy_read else page.title, q.id, _TYPE_NAMES[q.type],
               _wording(q, audience, easy_read), options, q.hint or "",
               _condition(instrument, q, audience, easy_read), "no")


def question_list_csv(instrument: Instrument, audience: str, easy_read: bool = False) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(QUESTION_LIST_HEADER)
    w.writerows(question_list_rows(instrument, audience, easy_read))
    return buf.getvalue()


def question_list_markdown(instrument: Instrument, audience: str,
                           easy_read: bool = False) -> str:
    """Step-by-step list for building the survey in another tool."""
    aud = instrument.audiences[audience]
    lines = [f"# Building the {aud.label.lower()} survey in another tool",
             "",
             "Copy each question's wording and options exactly (`copro survey import` matches the "
             "export by wording). Make every question optional. Do not add questions asking for "
             "names, email addresses, dates of birth, addresses, school names or pupil numbers, "
             "and switch off the tool's collection of names and email addresses "
             "(Microsoft Forms: \"Anyone can respond\"; Google Forms: \"Collect email addresses\" "
             "off).", "", f"Survey version {instrument.version}.", ""]
    for n, page, qid, kind, text, options, hint, condition, _ in question_list_rows(
            instrument, audience, easy_read):
        lines.append(f"{n}. **{text}** ({kind}; section \"{page}\"; id `{qid}`)")
        if options:
            lines += [f"   - {o}" for o in options.split("; ")]
        if hint:
            lines.append(f"   - hint: {hint}")
        if condition:
            lines.append(f"   - {condition} (branching)")
    lines.append("")
    return "\n".join(lines)
