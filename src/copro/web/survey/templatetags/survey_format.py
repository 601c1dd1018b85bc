"""Formatting survey figures for pages; and the results block on each LA's page."""

from __future__ import annotations

from django import template

register = template.Library()


def _pct(x) -> str:
    return f"{x * 100:.0f}%"


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


@register.filter
def doc_ladder(doc):
    """A level document's ladder top-two share (the forum's ladder for forum members)."""
    top = (doc or {}).get("top_two", {})
    p = top.get("ladder") or top.get("forum_ladder")
    return p["share"] if p else None


@register.filter
def ladder_share(level):
    """The level's ladder top-two share (families/education ladder, else the forum's)."""
    if level is None:
        return None
    p = level.top_two.get("ladder") or level.top_two.get("forum_ladder")
    return p.rate if p is not None else None


@register.inclusion_tag("survey/area_block.html")
def survey_results_block(code: str):
    """The LA page's survey block: published figures for this LA beside its measured ratio."""
    from copro.web.survey import store
    from copro.web.survey.published import area_context

    ctx = area_context(store.published_results(), code)
    ctx["area_name"] = store.local_authorities().get(code, code)
    ctx["on_la_page"] = True
    return ctx
