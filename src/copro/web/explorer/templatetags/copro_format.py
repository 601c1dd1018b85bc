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

    def pp(x):
        return numbers.MISSING if numbers.is_missing(x) else f"{100 * x:+.1f}"

    return format_html('{}<span class="copro-ci">{} to {}</span>', pp(rd.estimate),
                       pp(rd.ci_low), pp(rd.ci_high))


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
