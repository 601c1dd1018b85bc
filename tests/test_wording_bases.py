"""What `copro la` and the pages say, read as a journalist checks each sentence: every rate
names its own base (decided, received, with a final outcome), groups are requests, not people,
the neighbours' pooled ratio is said once, a set of areas is never 'X together's', the README
quotes what copro prints, and a piped `copro la` has no spaces at the ends of its lines."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from copro.audit import audit
from copro.findings import AuditOptions
from copro.groups import RequesterGroup
from copro.register import find_local_authority
from copro.render.sentences import (
    actions,
    against_neighbours_sentence,
    plain_answer,
    possessive,
    rank_sentence,
    why_not_compared,
)
from copro.sources.dfe import bundled_dfe_path, read_dfe_requests
from copro.synth import SynthSpec, write_synthetic

ROOT = Path(__file__).resolve().parents[1]


def _copro(*args, columns: int | None = None) -> str:
    from copro.cli import cli

    env = {"COLUMNS": str(columns) if columns else ""}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def counts():
    return read_dfe_requests(bundled_dfe_path())


@pytest.fixture(scope="module")
def decided(counts):
    return audit(counts)


def _la(findings, name):
    return next(f for f in findings.local_authorities if f.area.name == name)


def test_the_readme_quotes_what_copro_la_prints():
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index("copro la Leeds"):]
    quote = " ".join(line[2:] for line in block.split("```", 2)[1].splitlines()
                     if line.startswith("> "))
    printed = " ".join(_copro("la", "Leeds").split())
    parts = [p.strip() for p in quote.split("[...]")]
    assert len(parts) == 2 and all(parts)
    for part in parts:
        assert part in printed, part


def test_copro_la_at_80_columns_has_no_trailing_spaces_and_no_long_lines():
    for name in ("Leeds", "City of London", "Isle of Wight"):
        lines = _copro("la", name, columns=80).splitlines()
        assert lines
        assert [x for x in lines if x != x.rstrip()] == [], name
        assert max(len(x) for x in lines) <= 80, name


def test_each_rate_names_its_own_base_when_the_base_is_requests_received(counts):
    received = audit(counts, AuditOptions(denominator="received"))
    answer = plain_answer(received, _la(received, "Leeds"))
    assert "(600 of the 908 received)" in answer.lead
    assert "decided" not in answer.lead
    assert "that were decided" not in answer.against_national
    assert re.search(r"\(21,016 of the [\d,]+ received\)", answer.against_national)
    assert answer.published is None  # DfE's own base already: nothing to reconcile


def test_the_decided_base_is_named_beside_leeds_and_england(decided):
    answer = plain_answer(decided, _la(decided, "Leeds"))
    assert "(600 of the 818 that were decided)" in answer.lead
    assert "(21,016 of the 44,292 that were decided)" in answer.against_national


def test_the_neighbours_pooled_ratio_is_said_once(decided):
    text = against_neighbours_sentence(decided, _la(decided, "Leeds"))
    assert text.count("1.53") == 1, text
    assert "(95% CI 1.48 to 1.59)" in text


def test_the_rank_names_the_groups_and_the_outcome_compared(decided):
    text = rank_sentence(decided, _la(decided, "Leeds"))
    assert text.startswith("Ranked by the ratio of the two assessment rates (schools' requests "
                           "over families' requests), Leeds has the 2nd lowest of the 9")
    assert "where families' requests fare best against schools' requests" in text


def test_what_you_can_do_names_the_groups_compared():
    text = actions("Kent", "2025", RequesterGroup.HEALTH, RequesterGroup.FAMILY)[0]
    assert "families' requests and requests from health care professionals" in text
    assert "schools" not in text


def test_a_comparison_refused_for_few_requests_names_the_base_and_the_groups_as_requests(
        decided):
    city = _la(decided, "City of London")
    answer = plain_answer(decided, city)
    assert ("(3 schools' requests and 2 families' requests that were decided; at least 10 each "
            "needed)") in answer.verdict
    assert "Schools 3" not in answer.verdict and "Families 2" not in answer.verdict
    cell = why_not_compared(decided, city)
    assert "families' requests: 2 of the 2 that were decided" in cell
    assert "schools' requests: 2 of the 3 that were decided" in cell
    assert "decided: families" not in cell
    printed = " ".join(_copro("la", "City of London").split())
    assert "schools' requests and families' requests cannot be compared on the assessment rate" \
        in printed


def test_a_set_of_areas_takes_that_of_never_together_s():
    assert possessive("Essex, Kent and Leeds together") == "that of Essex, Kent and Leeds together"
    assert possessive("Leeds") == "Leeds'" and possessive("England") == "England's"


def test_case_level_data_name_their_own_base_and_never_together_s(tmp_path):
    write_synthetic(tmp_path, SynthSpec(tuple(find_local_authority(x)
                                              for x in ("Leeds", "Kent", "Essex")), 1500))
    printed = " ".join(_copro("la", "Kent", "--sen2", str(tmp_path)).split())
    assert "together's" not in printed
    lead = printed[printed.index("In Kent, "):][:300]
    assert "with a final outcome)" in lead, lead
    assert "that were decided)" not in lead, lead


def test_appeals_left_out_counts_every_authority_by_its_reason(decided):
    from copro.render.appeals_text import left_out_line

    a = decided.appeals.association
    gone = len(a.left_out) + len(a.not_compared)
    assert a.k + gone == len(decided.local_authorities)
    line = left_out_line(a)
    by_reason = line.split("local authorities: ", 1)[1]
    counts = [int(n) for n in re.findall(r"(?:^|; )(\d+) ", by_reason)]
    assert sum(counts) == gone, line
    assert f"of the {len(decided.local_authorities)} local authorities" in line
    not_compared = sum(1 for f in decided.local_authorities
                       if f.outcomes[decided.primary].comparison is None)
    assert sum(int(n) for n in re.findall(r"(\d+) not compared", line)) == not_compared


def test_the_notes_with_every_download_name_each_rates_own_base(counts, decided):
    from copro.render.files import about_text

    received = audit(counts, AuditOptions(denominator="received"))
    text = about_text(received)
    assert "assessment rate, of the requests received" in text
    assert "requests decided (assess or not)" not in text
    assert "DfE's published assessment percentage's base" not in text
    text = about_text(decided)
    assert "assessment rate, of the requests that were decided" in text
    assert "DfE's published assessment percentage's base is requests received" in text


def test_the_answer_figure_describes_each_rate_on_its_own_base(counts):
    from copro.render.dot_figures import two_rates_words

    received = audit(counts, AuditOptions(denominator="received"))
    leeds = _la(received, "Leeds")
    o = leeds.outcomes[received.primary]
    _title, words = two_rates_words(received, leeds, [o.rates[received.group_b],
                                                      o.rates[received.group_a]])
    assert "of the 908 families' requests received" in words
    assert "decisions" not in words


def test_dfe_s_figure_where_nothing_awaits_a_decision_is_not_reconciled_by_zero(decided):
    from copro.render.sentences import published_sentence

    text = published_sentence(decided, _la(decided, "Dorset"))
    assert "the 0 still awaiting" not in text
    assert "every one of the 19 families' requests received was decided" in text


def test_the_detailed_findings_name_each_rates_own_base(decided):
    from copro.render.sentences import area_sentences

    text = " ".join(area_sentences(decided, _la(decided, "Leeds")))
    assert "93.3% against 73.3% of the requests that were decided)" in text
    assert "88.1% against 87.8% of the requests decided in the year)" in text


def test_the_funnel_counts_what_the_rates_base_counts(counts):
    from copro.render.sentences import methods, not_on_funnel

    received = audit(counts, AuditOptions(denominator="received"))
    assert received.outcome(received.primary).counted == "requests received"
    funnel_line = next(x for x in methods(received) if x.startswith("Funnel plot"))
    assert funnel_line.endswith("at least 10 requests received.")
    few = _la(received, "City of London")  # 2 requests from families
    assert "requests received on requests from families" in not_on_funnel(received, few)


def test_figures_not_from_dfe_are_not_said_to_be_dfe_s(decided):
    from dataclasses import replace

    from copro.render.sentences import published_sentence

    foi = replace(decided, provenance=replace(decided.provenance, publication_url=None))
    text = published_sentence(foi, _la(foi, "Leeds"))
    assert "DfE publishes" not in text
    assert "66.1% of the 908 families' requests received in Leeds" in text
    assert "DfE publishes this rate" in published_sentence(decided, _la(decided, "Leeds"))


def test_a_suppressed_reason_names_the_groups_requests_not_the_groups():
    from copro.audit import _not_comparable

    a, b = RequesterGroup.EDUCATION, RequesterGroup.FAMILY
    options = AuditOptions()
    both = _not_comparable({}, {a: "withheld (c)", b: "withheld (c)"}, 0.0, options)
    assert both == ("suppressed", "Schools' requests and families' requests: withheld (c)")
    one = _not_comparable({}, {b: "not available (x)"}, 0.0, options)
    assert one == ("suppressed", "Families' requests: not available (x)")
