"""Free text loses emails, phone numbers, postcodes and pupil numbers, and keeps the rest."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copro.survey.scrub import scrub


@pytest.mark.parametrize("text, kind, secret", [
    ("write to jo.bloggs+sen@example.co.uk please", "email", "jo.bloggs"),
    ("jo (at) example (dot) org", "email", "example"),
    ("ring 07700 900123 any time", "phone number", "900123"),
    ("ring +44 (0)113 496 0000", "phone number", "496"),
    ("office 0113-496-0000", "phone number", "496"),
    ("we are at LS1 4AP", "postcode", "4AP"),
    ("postcode sw1a1aa", "postcode", "sw1a1aa"),
    ("his UPN is A123456789012", "pupil number", "456789"),
    ("temporary UPN H80100000100A", "pupil number", "80100000100"),
    ("ULN 1234567890", "number", "1234567890"),
    ("full-width ０７７００ ９００１２３", "phone number", "900123"),
])
def test_identifiers_are_removed(text, kind, secret):
    cleaned, removed = scrub(text)
    assert secret.lower() not in cleaned.lower()
    assert removed.get(kind) == 1, (cleaned, removed)


@pytest.mark.parametrize("text", [
    "My son is 9 and we waited 20 weeks for a decision.",
    "Year 10, 2024-25: the panel met 3 times; 6 weeks late.",
    "The SENCO and the EP were great. EHCP took 52 weeks!",
    "We asked in March 2024 and heard back in May.",
])
def test_ordinary_text_is_kept(text):
    assert scrub(text) == (text, {})


phones = st.builds(lambda a, b: f"07{a:03d} {b:06d}", st.integers(0, 999),
                   st.integers(0, 999999))
emails = st.builds(lambda u, d: f"{u}@{d}.org.uk",
                   st.text("abcdefghijklmnopqrstuvwxyz.", min_size=1, max_size=12).filter(
                       lambda s: not s.startswith(".") and not s.endswith(".")),
                   st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10))
upns = st.builds(lambda c, d: f"{c}{d:012d}", st.sampled_from("ABCDEFGHJKLMNPRTUVWXYZ"),
                 st.integers(0, 10**12 - 1))
words = st.lists(st.sampled_from(["the", "panel", "said", "no", "we", "waited", "and",
                                  "school", "helped", "a", "lot"]), max_size=8).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(before=words, secret=st.one_of(phones, emails, upns), after=words)
def test_generated_identifiers_never_survive(before, secret, after):
    cleaned, removed = scrub(f"{before} {secret} {after}")
    assert secret not in cleaned
    digits = "".join(c for c in secret if c.isdigit())
    if len(digits) >= 8:
        assert digits not in "".join(c for c in cleaned if c.isdigit())
    assert sum(removed.values()) >= 1


#: Texts that made the old patterns try every position of a long run (quadratic time)
_HOSTILE = {
    "letters": lambda n: "a" * n,
    "digits": lambda n: "1" * n,
    "dotted": lambda n: "a." * (n // 2),
    "dashed digits": lambda n: "1 -" * (n // 3),
    "at and dot": lambda n: "a (at) b (dot) " * (n // 15),
    "zeros": lambda n: "(0)" * (n // 3),
}


def _best_time(run, repeats: int = 5) -> float:
    import time

    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("kind", sorted(_HOSTILE))
def test_cleaning_grows_linearly_with_the_text(kind):
    """A text ten times as long takes about as long as ten texts of the original length (the
    same number of characters): linear. Quadratic cleaning took ten times as long (0.95 s for
    3,000 letters, 9.6 s for 9,600); the bound of 4 leaves room for a noisy machine."""
    make = _HOSTILE[kind]
    short, long_ = make(2_000), make(20_000)
    ten_short = _best_time(lambda: [scrub(short) for _ in range(10)])
    one_long = _best_time(lambda: scrub(long_))
    assert one_long / max(ten_short, 1e-4) < 4, (kind, ten_short, one_long)


def test_a_long_written_answer_is_refused_before_it_is_cleaned():
    import time

    from copro.survey.answers import clean_answer
    from copro.survey.instrument import load_instrument

    q = next(q for q in load_instrument().questions if q.type == "text")
    text = "1-" * 600_000  # 1.2 MB of what the patterns must otherwise look at
    started = time.perf_counter()
    value, error = clean_answer(q, text)
    assert time.perf_counter() - started < 0.1
    assert value is None and error == f"Write {q.max_length} characters or fewer"
    # an answer of the longest length is still cleaned, and an identifier in it removed
    ok = ("x " * q.max_length)[:q.max_length - 40] + " 07700 900123"
    value, error = clean_answer(q, ok)
    assert error is None and "900123" not in value
