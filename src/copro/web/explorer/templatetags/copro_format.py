"""How numbers are written on the pages: copro.render.numbers, as template filters."""

from django import template
from django.utils.html import format_html

from copro.render import numbers

register = template.Library()


@register.filter
def pct(x, digits=1):
    return numbers.pct(x, int(digits))


@register.filter
def ratio(x):
    return numbers.ratio(x)


@register.filter
def count(n):
    return numbers.count(n)


@register.filter
def points_stacked(c):
    """The risk difference in percentage points for a narrow column, its interval below."""
    if c is None:
        return numbers.MISSING
    rd = c.risk_difference

    return format_html('{}<span class="copro-ci">{} to {}</span>', numbers.points(rd.estimate),
                       numbers.points(rd.ci_low), numbers.points(rd.ci_high))


@register.filter
def dictget(mapping, key):
    return mapping.get(key, ())


@register.filter
def rate_stacked(r):
    """A Rate for a narrow table column: the estimate, and its interval on a line below."""
    if r is None or not r.trials:
        return numbers.MISSING
    return format_html('{}<span class="copro-ci">{}</span>', numbers.pct(r.estimate),
                       numbers.interval(r.ci_low, r.ci_high, numbers.pct))


@register.filter
def ratio_stacked(c):
    """A comparison's risk ratio for a narrow column, its interval on a line below."""
    if c is None:
        return numbers.MISSING
    rr = c.risk_ratio
    return format_html('{}<span class="copro-ci">{}</span>', numbers.ratio(rr.estimate),
                       numbers.interval(rr.ci_low, rr.ci_high))


@register.filter
def estimate_stacked(x):
    """Anything with estimate, ci_low and ci_high (a ratio, a shrunken ratio), stacked."""
    if x is None:
        return numbers.MISSING
    return format_html('{}<span class="copro-ci">{}</span>', numbers.ratio(x.estimate),
                       numbers.interval(x.ci_low, x.ci_high))


#: Technical terms as they appear in the pages' sentences -> their entry in "About this
#: measure" on the methods page (longest first, so '95% CI' is matched before 'CI').
TERMS = (
    ("random-effects meta-analysis", "random-effects"),
    ("95% prediction interval", "prediction-interval"),
    ("Hartung-Knapp-Sidik-Jonkman", "random-effects"),
    ("95% interval of the rank", "rank-among-neighbours"),
    ("statistical neighbours", "statistical-neighbours"),
    ("pooled ratio", "neighbours-pooled"),
    ("over-dispersion", "over-dispersion"),
    ("Mantel-Haenszel", "mantel-haenszel"),
    ("exact sign test", "sign-test"),
    ("funnel plot", "funnel-plot"),
    ("99.8% limits", "funnel-plot"),
    ("95% limits", "funnel-plot"),
    ("95% CI", "confidence-interval"),
    ("empirical Bayes", "shrunken"),
    ("shrunken ratio", "shrunken"),
    ("assessment rate", "assessment-rate"),
    ("significantly", "confidence-interval"),
    ("REML", "random-effects"),
    ("I²", "i2"),
)


@register.filter
def explained(text):
    """Plain text with its first use of each technical term linked to its plain-words
    explanation on the methods page ('About this measure'); the rest escaped."""
    import re

    from django.urls import reverse
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    text = str(text)
    base = reverse("explorer:methods")
    pattern = re.compile("|".join([*(re.escape(t) for t, _ in TERMS), r"\bp [<=] [\d.]+"]))
    anchors = dict(TERMS)
    seen: set[str] = set()
    out, at = [], 0
    for m in pattern.finditer(str(text)):
        term = m.group(0)
        anchor = "p-value" if term.startswith("p ") else anchors[term]
        if anchor in seen:
            continue
        seen.add(anchor)
        out.append(escape(text[at:m.start()]))
        out.append(f'<a class="govuk-link copro-term" href="{base}#{anchor}">'
                   f'{escape(term)}</a>')
        at = m.end()
    out.append(escape(str(text)[at:]))
    return mark_safe("".join(out))


@register.filter
def code_spans(text):
    """Markdown-ish text with `code` spans as <code> and *emphasis* as <em>; the rest
    escaped (the data dictionary, read from docs/outputs.md)."""
    import re

    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    html = escape(str(text))
    html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
    return mark_safe(re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"<em>\1</em>", html))


@register.filter
def rank_stacked(neighbours):
    """An area's rank among its neighbours ('2nd of 9') with its 95% interval beneath."""
    from copro.render.sentences import ordinal

    r = None if neighbours is None else neighbours.rank
    if r is None:
        return numbers.MISSING
    return format_html('{} of {}<span class="copro-ci">{} to {}</span>', ordinal(r.rank), r.of,
                       ordinal(r.low), ordinal(r.high))


#: An outcome's key -> its plain-words entry on the methods page.
OUTCOME_TERMS = {"assessment": "assessment-rate", "plan": "assessment-rate",
                 "timeliness": "timeliness", "plan_timeliness": "timeliness",
                 "mediation": "mediation-rate", "tribunal": "mediation-rate"}


@register.filter
def term_anchor(outcome_key):
    """The methods page's anchor explaining an outcome ('assessment' -> 'assessment-rate')."""
    return OUTCOME_TERMS.get(outcome_key, "plain-words")
