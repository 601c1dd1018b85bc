"""DfE's statistical neighbours: the bundled file read in full, and every rule of the strict
reader broken once (one clear error naming the line and column)."""

from __future__ import annotations

import hashlib

import pytest

from copro.errors import InputError
from copro.sources.neighbours import (
    CLOSENESS,
    bundled_neighbours,
    bundled_neighbours_path,
    read_neighbours,
)

HEADER = "la_code,la_name,SN,SN_code,SN_name,SN_prox\n"


def test_bundled_file_is_the_published_one_and_reads_whole():
    raw = bundled_neighbours_path().read_bytes()
    assert hashlib.sha256(raw).hexdigest() == (
        "efe44c0fedc2cfb976ae9b96daf6a047d377803f5d3e5bf5b35a1d72a5b26f0e")
    assert raw.endswith(b"\n\n")  # the published blank last line is kept, and read
    n = bundled_neighbours()
    assert len(n.by_area) == 153 and all(len(v) == 10 for v in n.by_area.values())
    leeds = n.of("E08000035")
    assert [x.name for x in leeds[:3]] == ["Portsmouth", "Southend-on-Sea", "Sheffield"]
    assert [x.rank for x in leeds] == list(range(1, 11))
    # 'Close ' with its trailing space is read as 'Close'; quoted names keep their comma
    assert {x.closeness for v in n.by_area.values() for x in v} <= set(CLOSENESS)
    assert any(x.name == "Bristol, City of" for x in leeds)
    # not mutual: Gateshead is among Hartlepool's neighbours, Hartlepool not among Gateshead's;
    # 938 of the 1,530 pairs are mutual, as the data's README says
    assert "E08000037" in {x.code for x in n.of("E06000001")}
    assert "E06000001" not in {x.code for x in n.of("E08000037")}
    pairs = {(a, x.code) for a, v in n.by_area.items() for x in v}
    assert len(pairs) == 1530 and sum((b, a) in pairs for a, b in pairs) == 938
    for only_far in ("E09000001", "E06000053"):  # City of London, Isles of Scilly
        assert {x.closeness for x in n.of(only_far)} == {"Not close"}
    assert n.of("E99999999") == ()
    assert "Open Government Licence v3.0" in n.attribution


def _file(tmp_path, rows: list[str], header: str = HEADER):
    path = tmp_path / "sn.csv"
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _two(tmp_path, change=None, header=HEADER, extra=()):
    """Two authorities, each the other's ten... there are only two: ten neighbours each need
    eleven authorities, so build eleven."""
    codes = [f"E060000{i:02d}" for i in range(1, 12)]
    rows = []
    for code in codes:
        others = [c for c in codes if c != code]
        for rank, other in enumerate(others, 1):
            rows.append(f"{code},Area {code[-2:]},{rank},{other},Area {other[-2:]},Close ")
    if change:
        rows = change(rows)
    return _file(tmp_path, [*rows, *extra], header)


def test_a_valid_small_file_reads(tmp_path):
    n = read_neighbours(_two(tmp_path))
    assert len(n.by_area) == 11 and n.of("E06000001")[0].closeness == "Close"


@pytest.mark.parametrize("change, message", [
    (lambda r: [r[0].replace(",Close ", ",Near")] + r[1:], "is not one of Extremely close"),
    (lambda r: [r[0].replace(",1,E", ",11,E", 1)] + r[1:], "is not a rank from 1 to 10"),
    (lambda r: [r[0].replace(",1,E", ",x,E", 1)] + r[1:], "is not a rank from 1 to 10"),
    (lambda r: [r[0].replace("E06000001,", "383,", 1)] + r[1:], "is not an ONS local"),
    (lambda r: [r[0].replace("E06000002,Area 02", "E06000001,Area 01")] + r[1:],
     "is listed as its own neighbour"),
    (lambda r: [r[0], r[1].replace("E06000003,Area 03", "E06000002,Area 02")] + r[2:],
     "is listed twice"),
    (lambda r: [r[0], r[0]] + r[2:], "has rank 1 twice"),
    (lambda r: r[1:], "has no neighbour of rank 1"),
    (lambda r: [r[0].replace(",Area 02,", ",Somewhere else,")] + r[1:],
     "is named 'Somewhere else' here and 'Area 02' elsewhere"),
    (lambda r: [r[0].replace("E06000002,Area 02", "E06000099,Area 99")] + r[1:],
     "is not itself a local authority"),
    (lambda r: [r[0] + ",extra"] + r[1:], "7 fields where the header has 6"),
    (lambda r: [r[0], ""] + r[1:], "a blank row in the middle"),
])
def test_each_rule_broken_is_one_clear_error(tmp_path, change, message):
    with pytest.raises(InputError) as err:
        read_neighbours(_two(tmp_path, change))
    assert message in str(err.value) and "sn.csv" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_missing_column_and_an_empty_file(tmp_path):
    with pytest.raises(InputError, match="missing column"):
        read_neighbours(_two(tmp_path, header="la_code,la_name,SN,SN_code,SN_name\n",
                             change=lambda r: [x.rsplit(",", 1)[0] for x in r]))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_neighbours(empty)


def test_cli_la_sets_leeds_beside_its_neighbours(tmp_path):
    from tests.in_process import run_copro

    r = run_copro("la", "Leeds", env={"COLUMNS": "120", "COPRO_CACHE_DIR": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.index("In Leeds, 73 in every 100 families' requests") < out.index("Rates by who")
    assert "beside its statistical neighbours" in out
    for name in ("1. Portsmouth (very close)", "3. Sheffield (very close)", "9. Croydon (close)"):
        assert name in out
    assert "Not compared: Milton Keynes and Southampton." in out
