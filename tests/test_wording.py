"""What the outputs say, read as a newcomer would: a subset of local authorities is never
called England, a single-area audit reads sensibly, numbers agree in number with their nouns,
and methods are named once, in words."""

import re

import pytest

from copro.register import find_local_authority
from copro.synth import SynthSpec, write_synthetic
from tests.in_process import run_copro
from tests.test_foi import assert_not_called_england


def _run(*args) -> str:
    proc = run_copro(*args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    out = tmp_path_factory.mktemp("three")
    write_synthetic(out, SynthSpec(tuple(find_local_authority(x)
                                         for x in ("Leeds", "Kent", "Essex")), 1500))
    return out


@pytest.fixture(scope="module")
def one(tmp_path_factory):
    out = tmp_path_factory.mktemp("one")
    write_synthetic(out, SynthSpec((find_local_authority("Kent"),), 800))
    return out


def test_three_areas_are_not_called_england(three, tmp_path):
    _run("report", "--sen2", str(three), "--all-las", "--out", str(tmp_path / "r"))
    index = (tmp_path / "r" / "index.html").read_text()
    kent = (tmp_path / "r" / "la" / "kent.html").read_text()
    audit_text = _run("audit", "--sen2", str(three))  # once: the same command, same output
    for text in (index, kent, audit_text, _run("audit", "--sen2", str(three), "--json"),
                 _run("la", "Kent", "--sen2", str(three))):
        assert_not_called_england(text)
    assert "each of its 3" not in index
    assert "Essex, Kent and Leeds together" in kent
    assert "does it matter who asks? Essex, Kent and Leeds" in audit_text


def test_single_area_audit_reads_sensibly(one, tmp_path):
    out = _run("audit", "--sen2", str(one))
    assert out.splitlines()[0].endswith("Kent, 2025") or "Kent," in out.splitlines()[0]
    assert "In Kent in " in out
    for absurd in ("Across the 1 local authorities", "1 local authorities", "sign test",
                   "Where the gap is largest", "Where the gap is smallest", "Not compared: 0",
                   "below 50% for", "DfE does not publish plans issued"):
        assert absurd not in out, absurd
    assert_not_called_england(out)
    _run("report", "--sen2", str(one), "--out", str(tmp_path / "r"))
    page = (tmp_path / "r" / "index.html").read_text()
    assert "DfE does not publish plans issued" not in page
    assert "1 local authorities" not in page and "Across the 1 " not in page
    for pooled_figure in ("scatter", "forest", "funnel", "timeliness"):  # one area: no spread
        assert f'<figure id="figure-{pooled_figure}">' not in page
    assert_not_called_england(page)


def test_numbers_agree_with_their_nouns(tmp_path):
    _run("report", "--out", str(tmp_path / "r"))
    page = (tmp_path / "r" / "index.html").read_text()
    for text in (_run("audit"), _run("la", "North East"), page):
        assert not re.search(r"\b1 (local )?authorities\b", text)
        assert not re.search(r"\b1 remain\b", text)
    assert "In the North East," in _run("la", "North East")
    assert "In North East" not in _run("la", "North East")


def test_methods_named_once_in_words(tmp_path):
    _run("report", "--out", str(tmp_path / "r"))
    page = (tmp_path / "r" / "index.html").read_text()
    out = _run("audit")
    for text in (page, out):
        assert "tau^2" not in text and "τ²" in text
        assert text.count("Random-effects meta-analysis of the log ratios") == 1
    hksj = _run("audit", "--hksj")
    assert "Hartung-Knapp-Sidik-Jonkman" in hksj.split("Notes")[0]  # in the finding itself
    assert "Hartung-Knapp-Sidik-Jonkman" not in out.split("Notes")[0]


def test_suppressed_area_explains_its_symbols():
    out = _run("la", "Isle of Wight")
    assert "not available (x)" not in out.split("Rates by who")[1].split("In place of")[0]
    assert "x = not available" in out
    # not "Schools: ...": all were withheld (words joined: sentences wrap where COLUMNS is set)
    assert "every group: not available (x)" in " ".join(out.split())


def test_cli_help_and_options_say_what_they_do():
    assert "--cases" in _run("audit", "--help").split("--suppress-below")[1][:200]
    assert _run("audit", "--tau2", "dl") == _run("audit", "--tau2", "DL")


def test_why_an_area_is_off_the_funnel_is_its_own_reason(tmp_path, bundled_findings):
    """Essex (4,307 requests, source not recorded) was said to have 'fewer than 10 decisions,
    or its figures are not available'; Darlington's families are on the funnel, its schools too
    few; Isle of Wight's figures are withheld."""
    from copro.render.sentences import not_on_funnel

    findings = bundled_findings
    by = {f.area.name: f for f in findings.local_authorities}
    assert "did not record who made most of its requests" in not_on_funnel(
        findings, by["Essex"])
    assert "not available (" in not_on_funnel(findings, by["Isle of Wight"])
    _run("report", "--la", "Essex", "--out", str(tmp_path))
    page = (tmp_path / "essex.html").read_text()
    assert "fewer than 10 decisions" not in page
    assert "did not record who made most of its requests" in page


def test_over_dispersion_counts_say_which_limits(bundled_findings):
    """The count said to remain outside belongs to the limits named beside it (it once followed
    'their rates vary 20.2 times as much...; allowing for that' but counted by the other
    method)."""
    findings = bundled_findings
    funnel = findings.pooled[findings.primary].funnels[findings.group_b]
    additive, multiplicative = funnel.flagged_additive, funnel.flagged_multiplicative
    assert len(additive) != len(multiplicative)  # the two methods differ on these data
    out = " ".join(_run("audit").split())
    start = out.index("Funnel plot, families'")
    text = out[start:out.index(".", out.index("instead", start))]
    n = len(additive)
    assert (f"(limits that add a between-area variance), {n} remain{'s' if n == 1 else ''} "
            "outside") in text
    assert all(p.area_name in text for p in additive)
    assert text.endswith(f"widened by the factor {funnel.overdispersion.phi:.1f} instead, "
                         f"{len(multiplicative)}")


def test_a_reason_in_brackets_holds_no_brackets_of_its_own():
    """City of London's 'too few requests' reason sits inside the sentence's brackets: it
    read '(Schools 3, Families 2 (at least 10 each needed))'."""
    text = _run("la", "City of London")
    assert "each needed" in text
    for line in (x for x in text.splitlines() if "each needed" in x):
        depth = 0
        for ch in line:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            assert depth <= 1, line
