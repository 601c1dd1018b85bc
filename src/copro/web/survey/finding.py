"""The survey's finding in one plain sentence, read from an LA's published results document (the
JSON of :func:`copro.web.survey.published.area_document`): what families said of how decisions
about their request were made (the top two rungs of the ladder), set against what education
professionals said of the LA's decisions on their requests, and then every LA surveyed; each
share with its number and base, and "withheld" where disclosure control withheld a group. The
words a reader may not know are linked to their row of the data dictionary (docs/outputs.md,
"The survey's results"). No statistic is computed here: the shares are the document's."""

from __future__ import annotations

from dataclasses import dataclass

from copro.render.dictionary import anchor

#: The data dictionary's section for the survey's results (docs/outputs.md) and its page.
SECTION = "The survey's results"
DICTIONARY = "/data/dictionary"


def term_href(name: str) -> str:
    """The address of the data dictionary's row for ``name`` (a first-column name of the
    section :data:`SECTION`), as the dictionary page anchors its rows."""
    return f"{DICTIONARY}#{anchor(SECTION)}--{anchor(name)}"


@dataclass(frozen=True)
class Part:
    """Some words of the sentence; ``term``: the dictionary row they are linked to, if any."""

    text: str
    term: str | None = None

    @property
    def href(self) -> str | None:
        return term_href(self.term) if self.term else None


@dataclass(frozen=True)
class Finding:
    """The sentence as parts (words, some linked), and as plain text."""

    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts)


def _pct(share: dict) -> str:
    return f"{share['estimate'] * 100:.0f}%"


def _level(levels: list[dict], audience: str) -> dict:
    return next((x for x in levels if x.get("audience") == audience), {})


def _said(level: dict, who: str, min_answers: int) -> tuple[str, list[Part]]:
    """(``shown``, ``withheld`` or ``none``; the words) for one group's top-two share."""
    entry = (level.get("top_two") or {}).get("ladder")
    if level.get("withheld") or (entry or {}).get("withheld"):
        return "withheld", [Part(f"what {who} said is "), Part("withheld", "withheld"),
                            Part(f" (fewer than {min_answers} answers)")]
    share = (entry or {}).get("share")
    if not level.get("responses") or not entry or not entry.get("answers") or not share:
        return "none", [Part(f"no {who} answered")]
    return "shown", [Part(f"{_pct(share)} of {entry['answers']} {who}")]


def finding(document: dict, area_name: str) -> Finding | None:
    """The finding for ``area_name`` from its published results ``document``; None where no
    group of the LA has a figure published (families' or education professionals')."""
    n = document.get("min_answers", 10)
    levels, surveyed = document.get("levels", []), document.get("all_surveyed", [])
    fam, fam_parts = _said(_level(levels, "families"), "families", n)
    edu, edu_parts = _said(_level(levels, "education"), "education professionals", n)
    if fam != "shown" and edu != "shown":
        return None
    parts: list[Part] = [Part(f"In {area_name}, ")]
    if fam == "shown":
        parts += [*fam_parts, Part(" (those who placed themselves on the "),
                  Part("ladder", "ladder"), Part(") "),
                  Part("said decisions about their request were made with them", "top_two")]
        if edu == "shown":
            parts += [Part(", against "), *edu_parts,
                      Part(" about the local authority's decisions on their requests")]
        else:
            parts += [Part("; "), *edu_parts]
    else:
        parts += [*edu_parts, Part(" (those who placed themselves on the "),
                  Part("ladder", "ladder"), Part(") "),
                  Part("said the local authority's decisions on their requests were made "
                       "with them", "top_two"),
                  Part("; "), *fam_parts]
    across = [(state, words) for state, words in (
        _said(_level(surveyed, "families"), "families", n),
        _said(_level(surveyed, "education"), "education professionals", n)) if state == "shown"]
    if across:
        parts += [Part("; across "), Part("every local authority surveyed", "all_surveyed"),
                  Part(", the same was said by ")]
        for i, (_, words) in enumerate(across):
            parts += [*([Part(" and ")] if i else []), *words]
    parts.append(Part("."))
    return Finding(tuple(parts))


def weighted_summary(level: dict) -> str | None:
    """One line for the folded weighted figures of one LA's families (``level``: their
    document): the top-two share as answered and weighted, or why it is not weighted."""
    w = level.get("weighted")
    if not w:
        return None
    if w.get("not_weighted"):  # the reason, which may begin "not weighted: "
        # its first sentence: the rest (a margin's gap and why) is in the unfolded text
        reason = w["not_weighted"].removeprefix("not weighted: ").split(". ")[0].rstrip(".")
        return f"Not weighted here: {reason}."
    answered = ((level.get("top_two") or {}).get("ladder") or {})
    weighted = (w.get("top_two") or {}).get("ladder") or {}
    if answered.get("withheld") or not answered.get("share") or not weighted:
        return (f"{w['respondents_weighted']} families weighted, an effective sample size of "
                f"{w['effective_n']}.")
    said = f"{_pct(answered['share'])} of {answered['answers']} families as answered"
    if weighted.get("withheld"):
        return f"At the top two rungs of the ladder: {said}; the weighted share is withheld."
    return (f"At the top two rungs of the ladder: {said}, {_pct(weighted)} weighted (an "
            f"effective sample size of {weighted['effective_n']}).")


def reliability_summary(levels: list[dict]) -> str:
    """One line for the folded reliability (Cronbach's alpha) of one LA's groups (``levels``:
    entries with ``label`` and ``doc``)."""
    said = []
    for x in levels:
        r = (x.get("doc") or {}).get("reliability")
        if not r:
            continue
        if r.get("not_computed") or r.get("alpha") is None:
            said.append(f"{x['label'].lower()}: not computed yet")
        else:
            said.append(f"{x['label'].lower()}: alpha {r['alpha']:.2f} (95% CI "
                        f"{r['ci_low']:.2f} to {r['ci_high']:.2f})")
    if not said:
        return "Not computed: no group has a partnership score."
    line = "; ".join(said)
    return line[0].upper() + line[1:] + "."
