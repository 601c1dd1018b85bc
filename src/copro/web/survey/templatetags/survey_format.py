"""Formatting survey figures for pages; and the results block on each LA's page."""

from __future__ import annotations

from django import template

from copro.render import sentences

register = template.Library()


def _pct(x) -> str:
    return f"{x * 100:.0f}%"


@register.filter
def possessive(name: str) -> str:
    """"Kent's", "Leeds'" (copro.render.sentences.possessive)."""
    return sentences.possessive(str(name))


@register.filter
def share_ci(rate) -> str:
    """'45% (95% CI 30% to 60%)' from a rate document or a Rate; '–' if missing."""
    if not rate:  # None, or "" for a missing template variable
        return "–"
    get = rate.get if isinstance(rate, dict) else lambda k: getattr(
        rate, {"estimate": "estimate", "ci_low": "ci_low", "ci_high": "ci_high"}[k])
    return f"{_pct(get('estimate'))} (95% CI {_pct(get('ci_low'))} to {_pct(get('ci_high'))})"


@register.filter
def ratio_ci(m) -> str:
    if not m:
        return "–"
    return f"{m.estimate:.2f} (95% CI {m.ci_low:.2f} to {m.ci_high:.2f})"


#: A figure with no answers at all: not withheld (there is no small count to protect), empty.
NO_ANSWERS = "– no answers"


@register.filter
def doc_ladder(doc):
    """A level document's ladder top-two share (the forum's ladder for forum members)."""
    top = (doc or {}).get("top_two", {})
    p = top.get("ladder") or top.get("forum_ladder")
    return p["share"] if p else None


@register.filter
def of_base(entry, rate_key: str = "share") -> str:
    """A share with its base beside it: '56% (95% CI 35% to 75%) of 18 who placed themselves on
    the ladder'; '–' with the reason if withheld. ``entry`` is a figure's document (with
    ``answers`` and ``base``); ``rate_key`` names its share."""
    if not entry:
        return "–"
    if entry.get("withheld"):
        return f"– {entry['withheld']}"
    if entry.get("answers") == 0:
        return NO_ANSWERS
    rate = entry.get(rate_key)
    if not rate:
        return "–"
    return f"{share_ci(rate)} of {entry['answers']} {entry['base']}"


@register.filter
def doc_ladder_entry(doc):
    """A level document's ladder top-two figure with its base (the forum's ladder for forum
    members)."""
    top = (doc or {}).get("top_two", {})
    return top.get("ladder") or top.get("forum_ladder")


@register.filter
def belief_of_base(beliefs, key: str) -> str:
    """One belief share of the beliefs-against-data document, with its base."""
    if not beliefs:
        return "–"
    return of_base({**beliefs, "share": beliefs.get(key)})


@register.filter
def mean_of_base(m) -> str:
    """A partnership score with its base: '3.10 (95% CI 2.80 to 3.40) from 22 respondents'."""
    if not m:
        return "–"
    if m.get("withheld"):
        return f"– {m['withheld']}"
    if m.get("answers") == 0:
        return NO_ANSWERS
    if m.get("mean") is None:
        return "–"
    return (f"{m['mean']:.2f} (95% CI {m['ci_low']:.2f} to {m['ci_high']:.2f}) "
            f"from {m['answers']} {m['base']}")


@register.filter
def ladder_base(level):
    """How many the level's ladder top-two share is out of (None if withheld)."""
    if level is None:
        return None
    p = level.top_two.get("ladder") or level.top_two.get("forum_ladder")
    return p.answers if p is not None and p.rate is not None else None


@register.filter
def ladder_share(level):
    """The level's ladder top-two share (families/education ladder, else the forum's)."""
    if level is None:
        return None
    p = level.top_two.get("ladder") or level.top_two.get("forum_ladder")
    return p.rate if p is not None else None


@register.filter
def survey_level(levels, audience: str):
    """The level for ``audience`` among a list of level entries (the LA page's block)."""
    return next((x for x in levels or () if x.get("audience") == audience), None)


@register.filter
def round_name(r) -> str:
    """A round as a coordinator knows it: its label, or when it was opened (never its database
    id)."""
    if r.label:
        return r.label
    from django.utils.timezone import localtime

    return f"Round opened {localtime(r.opened_at):%-d %B %Y, %H:%M}"


@register.inclusion_tag("survey/area_block.html")
def survey_results_block(code: str):
    """The LA page's survey block: published figures for this LA beside its measured ratio."""
    from copro.web.survey import store
    from copro.web.survey.published import area_context

    ctx = area_context(store.published_results(), code)
    ctx["area_name"] = store.local_authorities().get(code, code)
    ctx["on_la_page"] = True
    return ctx


@register.filter
def survey_term(name: str) -> str:
    """The data dictionary's row for a word of the survey's results ('top_two' ->
    '/data/dictionary#the-survey-s-results--top-two')."""
    from copro.web.survey.finding import term_href

    return term_href(name)


@register.inclusion_tag("survey/la_finding.html")
def survey_finding_block(code: str):
    """The LA page's lead to its survey part, right after the answer: the survey's finding and
    a jump link; nothing where the LA has no survey figure published."""
    from copro.web.survey import store
    from copro.web.survey.finding import finding
    from copro.web.survey.published import area_document

    document, _ = area_document(store.published_results(), code)
    shown = any(level.get("responses") for level in document["levels"])
    return {"shown": shown,
            "finding": finding(document, store.local_authorities().get(code, code))}


@register.filter
def weighted_share(f) -> str:
    """A weighted share's document as '62% (95% CI 41% to 79%)'; '–' with the reason if
    withheld."""
    if not f:
        return "–"
    if f.get("withheld"):
        return f"– {f['withheld']}"
    return share_ci(f)


@register.filter
def effective_n(f) -> str:
    """A weighted figure's Kish effective sample size, of how many answers: '14.5 of 21'."""
    if not f or f.get("effective_n") is None:
        return "–"
    return f"{f['effective_n']:.1f} of {f['answers']}"


@register.filter
def pct(x) -> str:
    return "–" if x is None or x == "" else _pct(x)


@register.filter
def alpha_ci(r) -> str:
    """Cronbach's alpha over its interval on the line under it; the reason if not computed."""
    if not r:
        return "–"
    if r.get("not_computed"):
        return "– " + r["not_computed"].removeprefix("not computed: ").replace(
            "respondents answered every partnership item", "answered every statement")
    return _cell(f"{r['alpha']:.2f}", f"{r['ci_low']:.2f} to {r['ci_high']:.2f}")


def _cell(estimate: str, interval: str, *more: str):
    from django.utils.html import format_html, format_html_join

    return format_html('{}<span class="copro-ci">{}</span>{}', estimate, interval,
                       format_html_join("", '<span class="copro-ci">{}</span>',
                                        ((m,) for m in more)))


def _withheld_cell(reason: str):
    return "– " + reason.removeprefix("withheld: ").removeprefix("not weighted: ").split(" (")[0]


@register.filter
def figure_cell(entry, kind: str = "share"):
    """A raw figure in a narrow cell: the estimate, its interval on the line under it, and its
    base ('of 24'); '– fewer than 10 answers' when withheld."""
    if not entry:
        return "–"
    if entry.get("withheld"):
        return _withheld_cell(entry["withheld"])
    if kind == "mean":
        if entry.get("mean") is None:
            return "–"
        return _cell(f"{entry['mean']:.2f}", f"{entry['ci_low']:.2f} to {entry['ci_high']:.2f}",
                     f"of {entry['answers']}")
    r = entry.get("share")
    if not r:
        return "–"
    return _cell(_pct(r["estimate"]), f"{_pct(r['ci_low'])} to {_pct(r['ci_high'])}",
                 f"of {entry['answers']}")


@register.filter
def weighted_cell(f, kind: str = "share"):
    """A weighted figure in a narrow cell: the estimate, its interval, and its effective n of
    the answers weighted ('effective n' over '8.7 of 24', to keep the column narrow)."""
    if not f:
        return "–"
    if f.get("withheld"):
        return _withheld_cell(f["withheld"])
    if kind == "mean":
        est, ci = f"{f['estimate']:.2f}", f"{f['ci_low']:.2f} to {f['ci_high']:.2f}"
    else:
        est, ci = _pct(f["estimate"]), f"{_pct(f['ci_low'])} to {_pct(f['ci_high'])}"
    return _cell(est, ci, "effective n", effective_n(f))


@register.filter
def add_hour(t):
    """The end of a clock hour (the turned-away counts' hours)."""
    from datetime import timedelta

    return t + timedelta(hours=1)
