"""The register of LA identities (copro/data/la-register.csv): it agrees with every bundled
file that names an authority, resolves every code and name people use to one canonical
identity (or, for a shared short name, to each it may mean), and every source reads through it."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import pytest

from copro.errors import CoproError
from copro.register import (
    Identity,
    _check,
    by_code,
    canonical_code,
    current_successors,
    find_local_authority,
    identities,
    local_authorities,
    name_key,
    resolve,
)

DATA = Path(str(resources.files("copro") / "data"))
CASES = Path(__file__).parent / "data" / "la-search-cases.csv"


def _dfe_las() -> dict[str, dict]:
    with (DATA / "dfe-ehc-requests-by-source-2025.csv").open(encoding="utf-8") as fh:
        return {r["new_la_code"]: r for r in csv.DictReader(fh)
                if r["geographic_level"] == "Local authority"}


def _neighbour_names() -> dict[str, str]:
    with (DATA / "dfe-statistical-neighbours-2025.csv").open(encoding="utf-8") as fh:
        return {r["la_code"]: r["la_name"] for r in csv.DictReader(fh) if r["la_code"]}


def test_register_agrees_with_the_dfe_and_neighbours_files():
    dfe, neighbours = _dfe_las(), _neighbour_names()
    current = {i.code: i for i in identities() if i.current}
    assert len(current) == len(dfe) == len(neighbours) == 153
    assert set(current) == set(neighbours)  # the canonical code is the current ONS code
    for code, row in dfe.items():
        i = by_code(code)
        assert i is not None and i.current, code
        assert i.name == row["la_name"] and i.dfe_code == row["old_la_code"], code
        assert i.region_code == row["region_code"] and i.region_name == row["region_name"]
        assert by_code(row["old_la_code"]) is i
        assert (code == i.code) == (code not in i.other_codes)
    for code, name in neighbours.items():
        assert name in (current[code].name, *current[code].other_names), code
    # the three DfE codes by their old county codes, each the alias of its current code
    assert {c: canonical_code(c) for c in ("E10000002", "E10000023", "E10000027")} == {
        "E10000002": "E06000060", "E10000023": "E06000065", "E10000027": "E06000066"}
    assert [a.code for a in local_authorities()] == sorted(
        current, key=lambda c: current[c].name)
    assert canonical_code("E92000001") == "E92000001"  # England, a region: not authorities
    assert canonical_code("E12000003") == "E12000003"


def test_every_hexmap_code_resolves_and_the_map_has_every_current_authority():
    from copro.web.explorer.hexmap import hexes

    raw = json.loads((DATA / "uk-upper-tier-local-authorities.hexjson").read_text("utf-8"))
    assert all(by_code(code) is not None for code in raw["hexes"])
    assert {h.code for h in hexes()} == {a.code for a in local_authorities()}


def test_abolished_authorities_are_identities_with_their_successors():
    cumbria = by_code("909")
    assert cumbria is by_code("E10000006") and cumbria.name == "Cumbria"
    assert not cumbria.current and cumbria.ended == 2023
    assert [s.name for s in current_successors(cumbria)] == ["Cumberland",
                                                             "Westmorland and Furness"]
    assert [s.code for s in current_successors(by_code("928"))] == ["E06000061", "E06000062"]
    for old in ("837", "836"):  # Bournemouth, Poole
        assert [s.code for s in current_successors(by_code(old))] == ["E06000058"]
    assert by_code("835").name == "Dorset County Council" and by_code("838").name == "Dorset"
    assert resolve("Dorset") == (by_code("E06000059"),)  # the current Dorset, not the county
    with pytest.raises(CoproError, match=r"Cumbria \(E10000006\) was replaced in 2023 by "
                                         r"Cumberland \(E06000063\) or Westmorland"):
        find_local_authority("Cumbria")


def _cases() -> list[dict]:
    with CASES.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["query"])
def test_search_cases(case):
    """The tested list of how people name councils (tests/data/la-search-cases.csv)."""
    found = [s.code for i in resolve(case["query"]) for s in current_successors(i)]
    assert sorted(found) == sorted(case["codes"].split(";")), case["why"]


def test_every_name_and_short_name_in_the_register_finds_its_authority():
    for i in identities():
        for name in (i.name, *i.other_names):
            assert i in resolve(name) or not i.current, (i.name, name)
        for code in i.codes:
            assert resolve(code) == (i,)


def test_council_words_are_stripped_from_names_and_queries_alike():
    assert name_key("Leeds City Council") == name_key("City of Leeds") == "leeds"
    assert name_key("Royal Borough of Windsor and Maidenhead") == "windsor and maidenhead"
    assert name_key("Kingston upon Hull, City of") == "kingston upon hull"
    assert name_key("City of London") == "city of london"  # not the London region
    assert resolve("London") == ()
    assert resolve("Atlantis") == () and resolve("") == ()
    with pytest.raises(CoproError, match="'Northants' may mean North Northamptonshire "
                                         r"\(E06000061\) or West Northamptonshire"):
        find_local_authority("Northants")


def test_a_register_that_gives_one_code_two_authorities_is_refused():
    a = Identity("E06000001", "A", "801", None, None, (), (), None, ())
    b = Identity("E06000002", "B", "801", None, None, (), (), None, ())
    with pytest.raises(ValueError, match="801 is both E06000001 and E06000002"):
        _check([a, b])
    gone = Identity("E10000099", "Gone", None, None, None, (), (), 2020, ("E06000099",))
    with pytest.raises(ValueError, match="successor E06000099 is not listed"):
        _check([a, gone])


def test_sources_read_codes_through_the_register(tmp_path):
    """DfE's requests file as published (Somerset as E10000027), and a neighbours file that
    uses an old code, both give the current code."""
    from copro.sources.dfe import bundled_dfe_path, read_dfe_requests
    from copro.sources.neighbours import bundled_neighbours_path, read_neighbours

    table = read_dfe_requests(bundled_dfe_path())
    somerset = table.areas["E06000066"]
    assert somerset.name == "Somerset" and somerset.old_la_code == "933"
    assert not {"E10000002", "E10000023", "E10000027"} & set(table.areas)
    old = tmp_path / "neighbours.csv"
    old.write_text(bundled_neighbours_path().read_text(encoding="utf-8")
                   .replace("E06000066", "E10000027"), encoding="utf-8")
    n = read_neighbours(old)
    assert "E06000066" in n.by_area and "E10000027" not in n.by_area
    assert [x.code for x in n.of("E10000016")][-1] == "E06000066"  # Kent's 10th: Somerset
