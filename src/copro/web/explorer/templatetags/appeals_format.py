"""The LA page's SEND Tribunal block: the appeal rate by year (a small line figure, the two
methods as separate lines, flagged years marked and explained) and its table, from the
findings' ``appeals`` (copro.appeals). Rendered by its own template, ``_appeals.html``, so that
the LA page includes it with one line."""

from django import template

register = template.Library()


@register.inclusion_tag("explorer/_appeals.html")
def appeals_block(findings, code: str):
    from copro.render import appeals_text as t
    from copro.render.appeals_series import series_figure

    appeals = getattr(findings, "appeals", None)
    s = appeals.of(code) if appeals is not None else None
    if s is None:
        return {"series": None}
    return {"series": s, "appeals": appeals, "sentence": t.series_sentence(s),
            "figure": series_figure(appeals, s), "headers": t.HEADERS,
            "rows": t.series_rows(appeals, s), "notes": t.series_notes(appeals, s),
            "flagged": [p for p in s.points if p.flag]}


@register.inclusion_tag("explorer/_appeals_association.html")
def appeals_association_block(findings):
    """The compare page's scatter: across local authorities, the ratio against the appeal
    rate, with the meta-regression line, its band and its words."""
    from copro.render import appeals_text as t
    from copro.render.appeals_figures import association_figure

    appeals = getattr(findings, "appeals", None)
    a = appeals.association if appeals is not None else None
    if a is None:
        return {"association": None}
    return {"association": a, "lines": t.association_lines(a),
            "figure": association_figure(a), "attribution": appeals.attribution}
