"""The register of local authorities: one identity per authority, every code and name it goes by.

Read from the bundled ``la-register.csv`` (see ``copro/data/README.md``). Each identity has one
canonical code, the authority's current ONS code (Somerset: E06000066), and also answers to
the older ONS codes DfE's files still use (Somerset's E10000027 in the requests file), DfE's
three-digit code (933), its names and the short names people use ('Bucks', 'Hull', 'BCP').
Authorities abolished in a reorganisation (Cumbria, Northamptonshire, Bournemouth, Poole,
Dorset County Council) are identities of their own, with the year they ended and links to
their successors, so that older files keep their meaning. Every source, the neighbours, the
hex map, the web addresses, search and the command line resolve codes and names here.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from copro.counts import Area, Level
from copro.errors import CoproError

REGISTER_FILE = "la-register.csv"
COLUMNS = ("code", "name", "dfe_code", "region_code", "region_name", "other_ons_codes",
           "other_names", "ended", "successors")
ONS_CODE = re.compile(r"E\d{8}")
DFE_CODE = re.compile(r"\d{3}")


@dataclass(frozen=True)
class Identity:
    """One local authority, past or present, and everything it is called."""

    code: str  # canonical: the current ONS code (for an abolished authority, its last one)
    name: str  # as DfE publishes it ('Kingston upon Hull, City of')
    dfe_code: str | None  # DfE's three-digit LA code
    region_code: str | None
    region_name: str | None
    other_codes: tuple[str, ...]  # older ONS codes still used in DfE's files
    other_names: tuple[str, ...]  # other spellings and short names ('St Helens', 'Hull')
    ended: int | None  # the year an abolished authority ended (1 April); None if current
    successors: tuple[str, ...]  # canonical codes of the authorities that replaced it

    @property
    def current(self) -> bool:
        return self.ended is None

    @property
    def codes(self) -> tuple[str, ...]:
        """Every code this authority answers to, canonical first."""
        return (self.code, *self.other_codes, *((self.dfe_code,) if self.dfe_code else ()))

    def area(self) -> Area:
        return Area(code=self.code, name=self.name, level=Level.LOCAL_AUTHORITY,
                    region_code=self.region_code, region_name=self.region_name,
                    old_la_code=self.dfe_code)


@cache
def identities() -> tuple[Identity, ...]:
    """Every identity in the bundled register, as listed (current ones first)."""
    text = (resources.files("copro") / "data" / REGISTER_FILE).read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    if tuple(rows[0]) != COLUMNS:
        raise ValueError(f"{REGISTER_FILE}: expected the columns {', '.join(COLUMNS)}")
    out = []
    for row in rows[1:]:
        v = dict(zip(COLUMNS, row, strict=True))
        out.append(Identity(v["code"], v["name"], v["dfe_code"] or None,
                            v["region_code"] or None, v["region_name"] or None,
                            _split(v["other_ons_codes"]), _split(v["other_names"]),
                            int(v["ended"]) if v["ended"] else None, _split(v["successors"])))
    _check(out)
    return tuple(out)


def _split(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(";") if x.strip())


def _check(ids: list[Identity]) -> None:
    """No code means two authorities; every successor is in the register."""
    seen: dict[str, str] = {}
    for i in ids:
        for c in i.codes:
            if not (ONS_CODE.fullmatch(c) or DFE_CODE.fullmatch(c)):
                raise ValueError(f"{REGISTER_FILE}: {i.name}: '{c}' is not an ONS or DfE code")
            if seen.setdefault(c, i.code) != i.code:
                raise ValueError(f"{REGISTER_FILE}: {c} is both {seen[c]} and {i.code}")
        for s in i.successors:
            if s == i.code or s not in seen and s not in {x.code for x in ids}:
                raise ValueError(f"{REGISTER_FILE}: {i.name}'s successor {s} is not listed")


@cache
def _by_code() -> dict[str, Identity]:
    return {c.upper(): i for i in identities() for c in i.codes}


def by_code(code: str) -> Identity | None:
    """The authority with this ONS code (current or older) or DfE code; None if unknown."""
    return _by_code().get(code.strip().upper())


def canonical_code(code: str) -> str:
    """The canonical (current ONS) code for any code of an authority; an unknown code, or
    England's and regions' codes, unchanged."""
    found = by_code(code)
    return code if found is None else found.code


def current_successors(identity: Identity) -> tuple[Identity, ...]:
    """The current authorities that replaced an abolished one (itself if current)."""
    if identity.current:
        return (identity,)
    out: list[Identity] = []
    for code in identity.successors:
        for s in current_successors(by_code(code)):
            if s not in out:
                out.append(s)
    return tuple(out)


def normalise_name(text: str) -> str:
    """Lower case, '&' as 'and', punctuation as spaces: how names are matched."""
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower().replace("&", "and")).split())


#: Words people put round a council's name, stripped from names and queries alike before
#: matching ('Royal Borough of Greenwich', 'Leeds City Council', 'Bristol, City of').
_PREFIXES = ("the ", "royal borough of ", "london borough of ", "metropolitan borough of ",
             "borough of ", "city and county of ", "city of ", "county of ", "county ")
_SUFFIXES = (" metropolitan borough council", " metropolitan district council",
             " borough council", " county council", " city council", " district council",
             " unitary authority", " council", " metropolitan borough", " city of",
             " county of", " city", " county", " borough")
#: Names kept whole: 'City of London' is not 'London' (the region).
_WHOLE = {"city of london"}


def name_key(text: str) -> str:
    """A name without the council words round it: 'Leeds City Council' -> 'leeds'."""
    key = normalise_name(text)
    if key in _WHOLE:
        return key
    changed = True
    while changed:
        changed = False
        for p in _PREFIXES:
            if key.startswith(p) and len(key) > len(p):
                key, changed = key[len(p):], True
        for s in _SUFFIXES:
            if key.endswith(s) and len(key) > len(s):
                key, changed = key[:-len(s)], True
    return key


@cache
def _by_name() -> dict[str, tuple[Identity, ...]]:
    """Every name's key -> the authorities it may mean (a short name may mean several:
    'Northants'); where current and abolished authorities share a key, the current win."""
    index: dict[str, list[Identity]] = {}
    for i in identities():
        for n in (i.name, *i.other_names):
            for k in dict.fromkeys((normalise_name(n), name_key(n))):
                if i not in index.setdefault(k, []):
                    index[k].append(i)
    out = {}
    for k, v in index.items():
        current = tuple(x for x in v if x.current)
        out[k] = current if current else tuple(v)
    return out


def resolve(query: str) -> tuple[Identity, ...]:
    """Every authority ``query`` may mean: one for a code or a name, several for a shared
    short name ('Beds': Bedford, Central Bedfordshire, Luton); () if nothing matches.
    An abolished authority is returned as itself: see :func:`current_successors`."""
    q = query.strip()
    found = by_code(q)
    if found is not None:
        return (found,)
    index = _by_name()
    return index.get(normalise_name(q)) or index.get(name_key(q)) or ()


@cache
def local_authorities() -> tuple[Area, ...]:
    """Every current local authority (153 in 2025), alphabetical, as areas."""
    return tuple(sorted((i.area() for i in identities() if i.current), key=lambda a: a.name))


def find_local_authority(query: str) -> Area:
    """One current local authority by name, short name, ONS code (current or older) or
    3-digit DfE code (case-insensitive); a query that matches none or several, or names an
    abolished authority, raises :class:`CoproError` saying which to give instead."""
    matches = resolve(query)
    if len(matches) == 1 and matches[0].current:
        return matches[0].area()
    raise CoproError(not_one_message(query, matches))


def not_one_message(query: str, matches: tuple[Identity, ...]) -> str:
    """One line: why ``query`` does not name exactly one current authority, and what would."""
    if len(matches) == 1:
        old = matches[0]
        now = current_successors(old)
        return (f"{old.name} ({old.code}) was replaced in {old.ended} by "
                f"{_either(now)}; give one of these")
    if matches:
        return f"'{query}' may mean {_either(matches)}; give one of these"
    names = {normalise_name(i.name): i.name for i in identities() if i.current}
    close = [names[n] for n in difflib.get_close_matches(normalise_name(query), list(names),
                                                         n=3, cutoff=0.6)]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"no local authority called '{query}'{hint}"


def _either(ids) -> str:
    parts = [f"{i.name} ({i.code})" for i in ids]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def slug(area: Area) -> str:
    """A file-name-safe label: 'E08000035-leeds'."""
    return f"{area.code}-{normalise_name(area.name).replace(' ', '-')}"
