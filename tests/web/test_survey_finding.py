"""The survey's finding in one sentence, from the published results document: each group's
share with its number and base, "withheld" where disclosure control withheld the group, "no ...
answered" where nobody did, every LA surveyed after; words linked to the dictionary's rows;
and the one-line summaries of the folded sections."""

from __future__ import annotations

from copro.web.survey.finding import finding, reliability_summary, term_href, weighted_summary

WITHHELD = "withheld: fewer than 10 answers (disclosure control)"


def _level(audience, n=None, top=None, withheld=False, ladder_withheld=False):
    """A level's document as published: ``n`` respondents, ``top`` top-two answers of ``n``."""
    if withheld:
        return {"audience": audience, "responses": None, "withheld": WITHHELD, "top_two": {}}
    if not n:
        return {"audience": audience, "responses": 0, "withheld": None}
    entry = ({"answers": None, "withheld": WITHHELD, "share": None} if ladder_withheld else
             {"answers": n, "withheld": None,
              "share": {"successes": top, "answers": n, "estimate": top / n}})
    return {"audience": audience, "responses": n + 2, "withheld": None,
            "top_two": {"ladder": entry}}


def _doc(levels, surveyed=None):
    return {"min_answers": 10, "levels": levels, "all_surveyed": surveyed or []}


def test_families_against_education_professionals_then_every_la_surveyed():
    f = finding(_doc([_level("families", 28, 12), _level("education", 12, 9),
                      _level("forum")],
                     [_level("families", 140, 70), _level("education", 40, 10),
                      _level("forum", withheld=True)]), "Leeds")
    assert f.text == (
        "In Leeds, 43% of 28 families (those who placed themselves on the ladder) said "
        "decisions about their request were made with them, against 75% of 12 education "
        "professionals about the local authority's decisions on their requests; across every "
        "local authority surveyed, the same was said by 50% of 140 families and 25% of 40 "
        "education professionals.")
    linked = {p.text: p.href for p in f.parts if p.term}
    assert linked == {
        "ladder": "/data/dictionary#the-survey-s-results--ladder",
        "said decisions about their request were made with them":
            "/data/dictionary#the-survey-s-results--top-two",
        "every local authority surveyed":
            "/data/dictionary#the-survey-s-results--all-surveyed"}


def test_a_withheld_group_is_withheld_and_a_group_nobody_answered_is_not():
    withheld = finding(_doc([_level("families", 28, 12), _level("education", withheld=True)]),
                       "Leeds")
    assert withheld.text == (
        "In Leeds, 43% of 28 families (those who placed themselves on the ladder) said "
        "decisions about their request were made with them; what education professionals "
        "said is withheld (fewer than 10 answers).")
    assert [p.href for p in withheld.parts if p.text == "withheld"] == [term_href("withheld")]
    # respondents shown, but fewer than 10 placed themselves on the ladder: withheld too
    few = finding(_doc([_level("families", 28, 12),
                        _level("education", 12, 9, ladder_withheld=True)]), "Leeds")
    assert few.text.endswith("; what education professionals said is withheld (fewer than 10 "
                             "answers).")
    nobody = finding(_doc([_level("families", 28, 12), _level("education")]), "Leeds")
    assert nobody.text.endswith("; no education professionals answered.")
    assert "withheld" not in nobody.text


def test_education_professionals_first_when_families_are_withheld():
    f = finding(_doc([_level("families", withheld=True), _level("education", 12, 9)]),
                "Leeds")
    assert f.text == (
        "In Leeds, 75% of 12 education professionals (those who placed themselves on the "
        "ladder) said the local authority's decisions on their requests were made with them; "
        "what families said is withheld (fewer than 10 answers).")


def test_no_finding_without_a_published_group():
    assert finding(_doc([_level("families", withheld=True), _level("education"),
                         _level("forum")]), "Leeds") is None
    assert finding(_doc([]), "Leeds") is None


def test_the_folded_sections_one_line_summaries():
    families = _level("families", 28, 12)
    assert weighted_summary(families) is None
    families["weighted"] = {"not_weighted": "no DfE counts for Leeds", "top_two": {}}
    assert weighted_summary(families) == "Not weighted here: no DfE counts for Leeds."
    families["weighted"]["not_weighted"] = "not weighted: fewer than 10 families said both"
    assert weighted_summary(families) == "Not weighted here: fewer than 10 families said both."
    # a margin missed: the first sentence only (the gap and why are in the unfolded text)
    families["weighted"]["not_weighted"] = (
        "not weighted: the answers could not be weighted to DfE's mix within 1 point. "
        "Weighted, what was decided would be 8.0 points from DfE's mix. This is because x")
    assert weighted_summary(families) == ("Not weighted here: the answers could not be weighted "
                                          "to DfE's mix within 1 point.")
    families["weighted"] = {"not_weighted": None, "respondents_weighted": 28,
                            "effective_n": 21.4,
                            "top_two": {"ladder": {"estimate": 0.391, "effective_n": 21.4,
                                                   "withheld": None}}}
    assert weighted_summary(families) == (
        "At the top two rungs of the ladder: 43% of 28 families as answered, 39% weighted (an "
        "effective sample size of 21.4).")
    families["weighted"]["top_two"]["ladder"] = {"withheld": WITHHELD}
    assert weighted_summary(families).endswith("; the weighted share is withheld.")
    levels = [{"label": "Families", "doc": {"reliability": {
                  "alpha": 0.812, "ci_low": 0.7, "ci_high": 0.88, "not_computed": None}}},
              {"label": "Education professionals", "doc": {"reliability": {
                  "alpha": None, "not_computed": "not computed: fewer than 10 ..."}}},
              {"label": "Parent carer forum members", "doc": {}}]
    assert reliability_summary(levels) == (
        "Families: alpha 0.81 (95% CI 0.70 to 0.88); education professionals: not computed "
        "yet.")
    assert reliability_summary(levels[2:]) == "Not computed: no group has a partnership score."
