"""The DfE reader: the bundled file, every symbol, and every kind of malformed input."""

from pathlib import Path

import pytest

from copro.counts import Level, Measure
from copro.errors import CoproError, InputError
from copro.groups import RequesterGroup
from copro.sources.dfe import SYMBOLS, read_dfe_requests
from tests.conftest import dfe_row, la_rows, write_dfe

G = RequesterGroup


def test_bundled_file_is_the_one_its_provenance_note_describes(dfe_csv):
    """The bundled file is the project's own copy (no test reads anything outside the
    project): byte for byte the file whose SHA-256 and row count its README records."""
    import csv
    import hashlib
    import re

    note = (dfe_csv.parent / "README.md").read_text()
    section = note.split(f"## {dfe_csv.name}", 1)[1].split("\n## ", 1)[0]
    recorded = re.search(r"SHA-256\s+`([0-9a-f]{64})`", section)
    assert recorded, "the data README records no SHA-256 for the bundled file"
    assert hashlib.sha256(dfe_csv.read_bytes()).hexdigest() == recorded[1]
    rows = int(re.search(r"\((\d+) rows\)", section)[1])
    with dfe_csv.open(encoding="utf-8", newline="") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == rows
    assert "Open Government Licence v3.0" in section


def test_reads_bundled_file(dfe_csv):
    counts = read_dfe_requests(dfe_csv)
    levels = [a.level for a in counts.areas.values()]
    assert levels.count(Level.LOCAL_AUTHORITY) == 153
    assert levels.count(Level.REGIONAL) == 9
    assert levels.count(Level.NATIONAL) == 1
    assert counts.periods() == ["2025"]
    england = counts.cells("2025")["E92000001"][G.ALL]
    assert england[Measure.RECEIVED].value == 162702
    assert england[Measure.DECIDED_TO_ASSESS].value == 106062
    assert counts.provenance.rows_read == 859 and counts.provenance.rows_used == 859
    assert "Open Government Licence v3.0" in counts.provenance.attribution
    assert len(counts.provenance.sha256) == 64


def test_suppressed_area_keeps_its_reason_and_absent_sources_are_missing_too(dfe_csv):
    wight = read_dfe_requests(dfe_csv).cells("2025")["E06000046"]
    assert wight[G.ALL][Measure.RECEIVED].value is None
    assert wight[G.ALL][Measure.RECEIVED].missing_reason == "not available (x)"
    # no family row is published for the Isle of Wight: unknown, not zero
    assert wight[G.FAMILY][Measure.RECEIVED].missing_reason == "not available (x)"


def test_source_with_no_row_had_no_requests(dfe_csv):
    essex = read_dfe_requests(dfe_csv).cells("2025")["E10000012"]
    assert essex[G.FAMILY][Measure.RECEIVED].value == 0
    assert essex[G.UNKNOWN][Measure.RECEIVED].value == 4307


@pytest.mark.parametrize("symbol", sorted(SYMBOLS))
def test_every_dfe_symbol_becomes_missing_with_its_reason(tmp_path, symbol):
    rows = [dfe_row(mediation=symbol, tribunal=symbol),
            dfe_row(breakdown="All requests for an EHC needs assessment")]
    counts = read_dfe_requests(write_dfe(tmp_path / "x.csv", rows))
    cell = counts.cells("2025")["E06000999"][G.FAMILY][Measure.MEDIATION]
    assert cell.value is None
    assert cell.missing_reason == SYMBOLS[symbol]
    assert f"({symbol})" in cell.missing_reason


def test_full_file_layout_other_topics_levels_and_years(tmp_path):
    rows = la_rows("Testshire", "E06000999", (5, 5, 9, 1), (8, 2, 9, 1))
    rows += la_rows("Testshire", "E06000999", (5, 5, 9, 1), (8, 2, 9, 1), period="2026")
    rows.append(dfe_row(topic="Age", breakdown="Under 5"))  # another breakdown topic
    rows.append(dfe_row(level="Parliamentary constituency"))  # another geography
    counts = read_dfe_requests(write_dfe(tmp_path / "full.csv", rows))
    assert counts.periods() == ["2025", "2026"]
    assert counts.provenance.rows_read == 8 and counts.provenance.rows_used == 6


def test_extra_columns_and_byte_order_mark_are_fine(tmp_path):
    rows = [dict(dfe_row(), extra="1")]
    path = write_dfe(tmp_path / "bom.csv", rows)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    counts = read_dfe_requests(path)
    assert counts.cells("2025")["E06000999"][G.FAMILY][Measure.RECEIVED].value == 10


def _error(tmp_path, rows, columns=None) -> InputError:
    path = write_dfe(tmp_path / "bad.csv", rows, columns)
    with pytest.raises(InputError) as info:
        read_dfe_requests(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    return info.value


def test_missing_column(tmp_path):
    row = dfe_row()
    columns = [c for c in row if c != "requests_decided_to_assess"]
    err = _error(tmp_path, [row], columns)
    assert err.line == 1 and "'requests_decided_to_assess'" in err.message


def test_non_numeric_count(tmp_path):
    err = _error(tmp_path, [dfe_row(), dfe_row(breakdown="Other", received="ten")])
    assert (err.line, err.column) == (3, "requests_received_in_year")
    assert "found 'ten'" in err.message and "whole number" in err.message


def test_decimal_count_is_not_a_count(tmp_path):
    err = _error(tmp_path, [dfe_row(six="8.5")])
    assert err.column == "request_outcome_six_weeks"


def test_negative_count(tmp_path):
    err = _error(tmp_path, [dfe_row(tribunal=-2)])
    assert (err.line, err.column) == (2, "tribunal_related_request")
    assert "negative" in err.message


def test_outcomes_not_adding_up(tmp_path):
    err = _error(tmp_path, [dfe_row(received=11)])
    assert err.line == 2 and "add up" in err.message and "11" in err.message


def test_duplicate_area(tmp_path):
    err = _error(tmp_path, [dfe_row(), dfe_row(breakdown="Other"), dfe_row()])
    assert err.line == 4 and "twice" in err.message and "line 2" in err.message


def test_unknown_source_label(tmp_path):
    err = _error(tmp_path, [dfe_row(breakdown="Grandparent")])
    assert err.column == "breakdown" and "'Grandparent'" in err.message


def test_row_with_wrong_number_of_fields(tmp_path):
    path = write_dfe(tmp_path / "short.csv", [dfe_row()])
    path.write_text(path.read_text() + "2025,Calendar year\n")
    with pytest.raises(InputError) as info:
        read_dfe_requests(path)
    assert info.value.line == 3 and "fields" in info.value.message


def test_empty_and_non_utf8_and_unrelated_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_dfe_requests(empty)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")  # a UTF-16 byte-order mark, then nonsense
    with pytest.raises(InputError, match=r"missing column.*read as UTF-16"):
        read_dfe_requests(binary)
    other = write_dfe(tmp_path / "other.csv", [dfe_row(topic="Age", breakdown="Under 5")])
    with pytest.raises(InputError, match="no rows"):
        read_dfe_requests(other)


def test_missing_file():
    with pytest.raises(CoproError, match="no such file"):
        read_dfe_requests(Path("/nonexistent/requests.csv"))


def test_counts_table_as_a_dataframe(dfe_csv):
    counts = read_dfe_requests(dfe_csv)
    frame = counts.to_frame()
    assert list(frame.columns) == ["area_code", "period", "group", "measure", "value",
                                   "missing_reason"]
    assert len(frame) == len(counts.records) == 163 * 7 * 9
    england = frame[(frame.area_code == "E92000001") & (frame.group == "all")
                    & (frame.measure == "received")]
    assert int(england.value.iloc[0]) == 162702
    missing = frame[frame.value.isna()]
    assert (missing.missing_reason.notna()).all() and len(missing) > 0
