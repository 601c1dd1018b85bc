"""How numbers are written: percentages, ratios, intervals, p-values, missing values."""

from __future__ import annotations

MISSING = "–"  # shown where a figure is missing; the reason is given beside it or in a footnote


#: beside a ratio where 0.5 was added to every count (a group's requests led to none, or all)
ZERO_CORRECTED = "*"
ZERO_CORRECTED_NOTE = ("* 0.5 added to every count before dividing: one group's requests led "
                       "to none of them (or all), so the ratio rests on that addition; read "
                       "its interval")


def is_missing(x: float | None) -> bool:
    return x is None or x != x


def pct(x: float | None, digits: int = 1) -> str:
    return MISSING if is_missing(x) else f"{100 * x:.{digits}f}%"


def ratio(x: float | None) -> str:
    return MISSING if is_missing(x) else f"{x:.2f}"


def points(x: float | None) -> str:
    """A difference in percentage points with its sign ('+20.0', '-2.3'); one that rounds to
    zero is '0.0', never '-0.0' or '+0.0' (a sign there claims a direction the figure lacks)."""
    if is_missing(x):
        return MISSING
    rounded = round(100 * x, 1)
    return "0.0" if rounded == 0 else f"{rounded:+.1f}"


def interval(low: float | None, high: float | None, fmt=ratio, joiner: str = " to ") -> str:
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"{fmt(low)}{joiner}{fmt(high)}"


def p_value(p: float | None) -> str:
    if is_missing(p):
        return MISSING
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"


def count(n: int | None) -> str:
    return MISSING if n is None else f"{n:,}"


def names(items: list[str], limit: int = 20) -> str:
    """'A, B and C'; long lists end with 'and N others'."""
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} others"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def missing_symbol(reason: str | None) -> str:
    """The symbol to show in place of a missing figure: the publisher's own where the reason
    ends with one ('not available (x)' -> 'x'), else the dash."""
    if reason and reason.endswith(")") and "(" in reason:
        symbol = reason[reason.rindex("(") + 1:-1]
        # a number in brackets is a count ('exceeds its base (4)'), never a symbol: shown in a
        # column of figures it would read as one
        if 0 < len(symbol) <= 4 and " " not in symbol and not any(c.isdigit() for c in symbol):
            return symbol
    return MISSING


def missing_legend(reasons) -> list[str]:
    """One entry per symbol used: "x = not available (the publisher's symbol)",
    '– = no FOI return'."""
    meaning: dict[str, list[str]] = {}
    for reason in reasons:
        if not reason:
            continue
        symbol = missing_symbol(reason)
        text = reason[:reason.rindex("(")].strip() if symbol != MISSING else reason
        if text not in meaning.setdefault(symbol, []):
            meaning[symbol].append(text)
    return [f"{symbol} = {'; '.join(texts)}" + (" (the publisher's symbol)" if symbol != MISSING
                                                 else "")
            for symbol, texts in meaning.items()]
