"""Reader for DfE's statistical neighbours: for each local authority, the ten whose children's
services context is most like its own (the model behind the Local Authority Interactive Tool).

Local authority teams benchmark against these neighbours rather than against their region.
The bundled file (``dfe-statistical-neighbours-2025.csv``, long form: one row per authority and
neighbour) is read strictly: every column present once, ONS-shaped codes, ranks 1 to 10 for each
authority, no authority its own neighbour or the same neighbour twice, every neighbour itself an
authority in the file under the same name, and one of DfE's five closeness bands (the published
file writes ``Close`` with a trailing space; spaces round a value are ignored). Codes are read
through the register (:mod:`copro.register`), so an older ONS code for an authority becomes its
current one, as in every other source. The list is not
mutual: B may be among A's neighbours without A among B's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from copro.errors import InputError
from copro.inputs import csv_rows, decode_text, header_index, shown
from copro.provenance import read_input, sha256_hex
from copro.register import canonical_code

BUNDLED_FILE = "dfe-statistical-neighbours-2025.csv"
ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence "
               "v3.0. Source: Department for Education, Children's services statistical "
               "neighbour benchmarking tool (2025).")
COLUMNS = ("la_code", "la_name", "SN", "SN_code", "SN_name", "SN_prox")
#: DfE's closeness bands, closest first.
CLOSENESS = ("Extremely close", "Very close", "Close", "Somewhat close", "Not close")
NEIGHBOURS = 10
_ONS = re.compile(r"E\d{8}")


@dataclass(frozen=True)
class Neighbour:
    """One of an authority's statistical neighbours: rank 1 is the closest."""

    rank: int
    code: str
    name: str
    closeness: str  # one of CLOSENESS


@dataclass(frozen=True)
class StatisticalNeighbours:
    """Every authority's ten neighbours, with where they came from."""

    by_area: dict[str, tuple[Neighbour, ...]]
    names: dict[str, str]
    source: str
    sha256: str
    attribution: str

    def of(self, code: str) -> tuple[Neighbour, ...]:
        """The neighbours of the authority with ONS ``code``, closest first; () if unknown."""
        return self.by_area.get(code, ())


def bundled_neighbours_path() -> Path:
    return Path(str(resources.files("copro") / "data" / BUNDLED_FILE))


_bundled: StatisticalNeighbours | None = None


def bundled_neighbours() -> StatisticalNeighbours:
    """The bundled 2025 file, read once per process."""
    global _bundled
    if _bundled is None:
        _bundled = read_neighbours(bundled_neighbours_path())
    return _bundled


def read_neighbours(path: Path | str, raw: bytes | None = None) -> StatisticalNeighbours:
    """Read a statistical neighbours file (DfE's long form); a file that breaks any rule in
    the module's description raises :class:`InputError` naming the line and column."""
    path = Path(path)
    raw = read_input(path, "neighbours") if raw is None else raw
    text, _ = decode_text(raw)
    rows = csv_rows(path, text)
    first = next(rows, None)
    if first is None:
        raise InputError(path, "the file is empty; expected a header row", line=1)
    header = [h.strip() for h in first[1]]
    index = header_index(path, header, COLUMNS)
    missing = [c for c in COLUMNS if c not in index]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}; expected "
                               f"{', '.join(COLUMNS)}", line=1)
    found: dict[str, dict[int, Neighbour]] = {}
    names: dict[str, str] = {}
    lines: dict[tuple[str, int], int] = {}
    blank_at = None
    for line, fields in rows:
        if not any(f.strip() for f in fields):
            blank_at = blank_at or line
            continue
        if blank_at is not None:
            raise InputError(path, "a blank row in the middle of the file", line=blank_at)
        if len(fields) != len(header):
            raise InputError(path, f"{len(fields)} fields where the header has {len(header)}",
                             line=line)
        value = {c: fields[i].strip() for c, i in index.items()}
        for column in ("la_code", "SN_code"):
            if not _ONS.fullmatch(value[column]):
                raise InputError(path, f"'{shown(value[column])}' is not an ONS local "
                                       "authority code (E and 8 digits)", line, column)
        for column in ("la_name", "SN_name"):
            if not value[column]:
                raise InputError(path, "the name is blank", line, column)
        if not value["SN"].isdigit() or not 1 <= int(value["SN"]) <= NEIGHBOURS:
            raise InputError(path, f"'{shown(value['SN'])}' is not a rank from 1 to "
                                   f"{NEIGHBOURS}", line, "SN")
        if value["SN_prox"] not in CLOSENESS:
            raise InputError(path, f"'{shown(value['SN_prox'])}' is not one of "
                                   f"{', '.join(CLOSENESS)}", line, "SN_prox")
        # an older code (E10000027) becomes the authority's current one (E06000066)
        code, rank = canonical_code(value["la_code"]), int(value["SN"])
        other = canonical_code(value["SN_code"])
        if other == code:
            raise InputError(path, f"{code} is listed as its own neighbour", line, "SN_code")
        _same_name(path, names, code, value["la_name"], line, "la_name")
        ranks = found.setdefault(code, {})
        if rank in ranks:
            raise InputError(path, f"{code} has rank {rank} twice", line, "SN")
        if any(n.code == other for n in ranks.values()):
            raise InputError(path, f"{other} is listed twice among {code}'s neighbours", line,
                             "SN_code")
        lines[code, rank] = line
        ranks[rank] = Neighbour(rank, other, value["SN_name"], value["SN_prox"])
    if not found:
        raise InputError(path, "no rows after the header")
    for code, ranks in found.items():
        if sorted(ranks) != list(range(1, NEIGHBOURS + 1)):
            gaps = sorted(set(range(1, NEIGHBOURS + 1)) - set(ranks))
            raise InputError(path, f"{code} has no neighbour of rank "
                                   f"{', '.join(map(str, gaps))}; expected ranks 1 to "
                                   f"{NEIGHBOURS}")
        for n in ranks.values():
            if n.code not in names:
                raise InputError(path, f"neighbour {n.code} is not itself a local authority "
                                       "in the file", lines[code, n.rank], "SN_code")
            _same_name(path, names, n.code, n.name, lines[code, n.rank], "SN_name")
    by_area = {code: tuple(ranks[r] for r in sorted(ranks)) for code, ranks in found.items()}
    return StatisticalNeighbours(by_area, names, path.name, sha256_hex(raw), ATTRIBUTION)


def _same_name(path: Path, names: dict[str, str], code: str, name: str, line: int,
               column: str) -> None:
    known = names.setdefault(code, name)
    if known != name:
        raise InputError(path, f"{code} is named '{shown(name)}' here and '{shown(known)}' "
                               "elsewhere", line, column)
