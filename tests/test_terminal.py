"""The terminal output as a user reads it: tables fit the width they are given, intervals are
never cut, the "largest gap" table is ordered by the shrunken ratio with the raw one beside it."""

import json
import os
import re
import subprocess

import pytest

from tests.test_cli import COPRO

INTERVAL = re.compile(r"\([-+]?[\d.,]+–[-+]?[\d.,]+\)")


def _run(*args, columns: int | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    proc = subprocess.run([COPRO, *args], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _table_lines(out: str) -> list[str]:
    """Lines of tables: every line but sentences, notes and titles (those wrap softly)."""
    return [line for line in out.splitlines()
            if line.startswith(" ") or set(line.strip()) == {"─"}]


@pytest.mark.parametrize("args", [("audit",), ("la", "Leeds"), ("la", "Isle of Wight")])
def test_tables_fit_80_columns_and_never_cut_an_interval(args):
    out = _run(*args, columns=80)
    lines = _table_lines(out)
    assert not any("…" in line for line in lines)
    assert lines and max(len(line) for line in lines) <= 80
    for line in lines:  # every interval that starts on a line ends on it
        for start in re.finditer(r"\([-+]?\d", line):
            assert INTERVAL.match(line, start.start()), line
    assert INTERVAL.search(out)


def test_piped_output_follows_columns():
    wide, narrow = _run("audit", columns=150), _run("audit", columns=80)
    rule = max(len(x) for x in _table_lines(wide) if set(x.strip()) == {"─"})
    assert 110 < rule <= 150  # not fixed at 110
    assert max(len(x) for x in _table_lines(narrow)) <= 80
    default = _run("audit")
    assert max(len(x) for x in _table_lines(default)) <= 110


def test_piped_sentences_are_one_line_each_only_without_columns():
    """As docs/outputs.md says: piped with COLUMNS not set, each sentence is one line however
    long; with COLUMNS set, every line, sentences too, fits it."""
    lead = ("In Leeds, 73 in every 100 families' requests led to an assessment (600 of the 818 "
            "that were decided); 93 in every 100 from schools (1,410 of 1,511).")
    unset = _run("la", "Leeds")
    assert lead in unset.splitlines(), "the answer's first sentence on one line"
    assert max(len(line) for line in unset.splitlines()) > 110  # sentences are not wrapped
    narrow = _run("la", "Leeds", columns=80)
    assert lead not in narrow.splitlines()
    assert max(len(line) for line in narrow.splitlines()) <= 80
    assert " ".join(narrow.split()).count(" ".join(lead.split())) == 1


def test_largest_gap_ordered_by_shrunken_ratio_with_raw_beside():
    findings = json.loads(_run("audit", "--json"))
    eb = {r["area_code"]: r
          for r in findings["pooled"]["assessment"]["empirical_bayes"]["ratios"]}
    names = {a["area"]["code"]: a["area"]["name"] for a in findings["local_authorities"]}
    by_shrunken = sorted(eb, key=lambda c: (-eb[c]["estimate"], names[c]))
    out = _run("audit", columns=200)
    block = out[out.index("Where the gap is largest"):out.index("Where the gap is smallest")]
    rows = [line for line in block.splitlines()[4:] if line.strip()]
    listed = [next(n for n in sorted(names.values(), key=len, reverse=True)
                   if line.strip().startswith(n)) for line in rows]
    assert listed == [names[c] for c in by_shrunken[:len(listed)]]
    first = eb[by_shrunken[0]]
    assert f"{first['estimate']:.2f} ({first['ci_low']:.2f}–{first['ci_high']:.2f})" in rows[0]
    # Dorset (19 decisions on families' requests) no longer leads on its raw ratio of 8.00
    assert not rows[0].strip().startswith("Dorset")
    dorset = next(line for line in rows if line.strip().startswith("Dorset"))
    assert "8.00 (2.15–29.67)" in dorset


def test_synth_shows_progress(tmp_path):
    proc = subprocess.run([COPRO, "synth", "--out", str(tmp_path), "--la", "Kent", "--la",
                           "Leeds", "--persons", "200"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == "copro: writing Kent (1 of 2, 200 persons)"
    assert lines[1] == "copro: writing Leeds (2 of 2, 200 persons)"


def test_a_count_in_a_reason_is_never_shown_as_the_symbol():
    """Waltham Forest's families' mediation (5) exceeds its base (4): the cell once showed '4',
    a number in a column of rates. The publisher's symbols (x, c, low) are kept."""
    from copro.render.numbers import MISSING, missing_legend, missing_symbol

    reason = "not a rate: mediation (5) exceeds its base (4)"
    assert missing_symbol(reason) == MISSING
    assert missing_symbol("not available (x)") == "x"
    assert missing_symbol("low (low)") == "low"
    assert missing_legend([reason]) == [f"{MISSING} = {reason}"]
    out = subprocess.run([COPRO, "la", "Waltham Forest"], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "COLUMNS": "120"})
    assert out.returncode == 0, out.stderr
    families = next(line for line in out.stdout.splitlines()
                    if line.lstrip().startswith("Families"))
    assert " 4 " not in families.split("100.0", 1)[1]
    assert "4 = not a rate" not in out.stdout and "exceeds its base (4)" in out.stdout


def test_la_columns_put_families_first_everywhere():
    """The scorecard, the report and the website put families before schools; the terminal's
    comparison table once put schools first, so a figure copied across swapped sides."""
    out = subprocess.run([COPRO, "la", "Leeds"], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "COLUMNS": "120"})
    assert out.returncode == 0, out.stderr
    header = next(line for line in out.stdout.splitlines() if " Outcome " in line)
    assert header.index("Families") < header.index("Schools")
    leeds = next(line for line in out.stdout.splitlines()
                 if line.lstrip().startswith("Leeds") and "assessment" in line)
    assert leeds.index("73.3%") < leeds.index("93.3%")  # families' rate, then schools'


def test_q_reads_as_p_does_and_a_negative_difference_has_a_minus_sign():
    out = subprocess.run([COPRO, "la", "Leeds"], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "COLUMNS": "160"})
    assert out.returncode == 0, out.stderr
    assert "q < 0.001" in out.stdout and "q <0" not in out.stdout
    assert re.search(r"\(−\d+\.\d–\+\d+\.\d\)", out.stdout)  # −2.3–+3.0, not -2.3–+3.0
    assert not re.search(r"\(-\d", out.stdout)


def test_a_difference_that_rounds_to_zero_has_no_sign():
    """Leeds' mediation difference's upper end is -0.0004: printed '−0.0' it claimed a direction
    the figure does not have. Every renderer writes points through numbers.points."""
    from copro.render import numbers, report
    from copro.render.terminal import _points

    assert [numbers.points(x) for x in (-0.0004, 0.0004, 0.0, -0.0)] == ["0.0"] * 4
    assert numbers.points(-0.0006) == "-0.1" and numbers.points(0.2) == "+20.0"
    assert numbers.points(None) == numbers.MISSING
    assert _points(-0.0004) == "0.0" and _points(-0.023) == "−2.3"
    assert report._environment().filters["points"](-0.0004) == "0.0"
