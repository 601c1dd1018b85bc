"""Checking one respondent's answers against the instrument: the single place where an answer is
accepted, whether it came from the web form or from another survey tool's export.

Every question is optional. A question hidden by its condition (e.g. "was a plan issued" when no
assessment was agreed) keeps no answer. Free text is cleaned of identifiers here, before anything
stores it.
"""

from __future__ import annotations

from collections.abc import Mapping

from copro.survey.instrument import Instrument, Question
from copro.survey.scrub import scrub_text

#: The longest written answer taken where the instrument states no length.
MAX_TEXT = 2000


def is_shown(q: Question, answers: Mapping[str, object]) -> bool:
    """Whether ``q`` is asked, given the answers so far."""
    if q.show_if is None:
        return True
    other, values = q.show_if
    return answers.get(other) in values


def clean_answer(q: Question, raw) -> tuple[object | None, str | None]:
    """``(value, None)`` or ``(None, error message)``. Empty means not answered (no error)."""
    if raw is None or raw == "" or raw == [] or raw == ():
        return None, None
    if q.type == "single":
        value = str(raw)
        if value not in q.values:
            return None, f"Select one of the options for '{q.easy_read}'"
        return value, None
    if q.type == "multi":
        values = [raw] if isinstance(raw, str) else list(raw)
        unknown = [v for v in values if v not in q.values]
        if unknown:
            return None, f"Select only options in the list for '{q.easy_read}'"
        chosen = tuple(v for v in q.values if v in values)  # instrument order, no repeats
        exclusive = [v for v in chosen if q.option(v).exclusive]
        if exclusive and len(chosen) > 1:
            label = q.option(exclusive[0]).label
            return None, f"Select '{label}' on its own, or choose other options"
        return chosen, None
    if q.type == "number":
        text = str(raw).strip().replace(",", "")
        try:
            value = int(float(text)) if text.endswith(".0") else int(text)
        except ValueError:
            return None, "Enter a whole number, like 4"
        if q.minimum is not None and value < q.minimum:
            return None, f"Enter a number that is {q.minimum} or more"
        if q.maximum is not None and value > q.maximum:
            return None, f"Enter a number that is {q.maximum} or fewer"
        return value, None
    # the length is checked before any cleaning (bounded work, whatever arrives), and again
    # after it (a removed identifier's marker can be longer than the identifier)
    limit = q.max_length or MAX_TEXT
    too_long = f"Write {limit} characters or fewer"
    if len(str(raw)) > limit:
        return None, too_long
    text = scrub_text(str(raw))
    if len(text) > limit:
        return None, too_long
    return (text or None), None


#: The start of the error for a number over the one it may not exceed; the respondent's form
#: adds their own number, a report about someone else's answers (an import) does not.
AGREED_OVER_MADE = "The number agreed cannot be more than the number made"


def clean_answers(instrument: Instrument, audience: str, raw: Mapping[str, object]
                  ) -> tuple[dict[str, object], dict[str, str]]:
    """The answers this audience may give, checked: ``(answers, errors by question id)``."""
    answers: dict[str, object] = {}
    errors: dict[str, str] = {}
    for q in instrument.questions_for(audience):
        if not is_shown(q, answers):
            continue
        value, error = clean_answer(q, raw.get(q.id))
        if error:
            errors[q.id] = error
        elif value is not None:
            answers[q.id] = value
    for q in instrument.questions_for(audience):
        if q.not_more_than and q.id in answers and q.not_more_than in answers:
            if answers[q.id] > answers[q.not_more_than]:
                errors[q.id] = f"{AGREED_OVER_MADE} ({answers[q.not_more_than]})"
                del answers[q.id]
    return answers, errors
