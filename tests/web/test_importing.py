"""`copro db import` for FOI returns and SEN2 returns: stored as aggregate counts with their
provenance, and read back into the same counts table the readers produce."""

from __future__ import annotations

import pytest

from copro.register import find_local_authority
from copro.web.explorer.importing import import_foi, import_sen2
from copro.web.explorer.models import Count, Dataset
from copro.web.explorer.store import counts_table
from tests.test_foi import LEEDS, fill_xlsx, study_values

pytestmark = pytest.mark.django_db


def test_foi_returns_round_trip(tmp_path):
    from copro.sources.foi import read_foi_returns

    vals = study_values((100, 60, 50, 30), (200, 170, 160, 120), (10, 8, 8, 6))
    fill_xlsx(tmp_path / "leeds.xlsx", LEEDS, 2025, vals)
    imported, rejected = import_foi(tmp_path)
    assert imported.created and rejected == []
    d = imported.dataset
    assert d.kind == Dataset.Kind.FOI_RETURNS and "Freedom of Information" in d.licence
    expected, _ = read_foi_returns(tmp_path)
    back = counts_table(d)
    assert sorted(back.records, key=repr) == sorted(expected.records, key=repr)
    assert d.sha256 == expected.provenance.sha256
    assert import_foi(tmp_path)[0].created is False  # the same returns: one dataset


def test_sen2_stored_as_aggregate_counts_with_small_counts_withheld(tmp_path):
    from copro.synth import SynthSpec, write_synthetic

    write_synthetic(tmp_path, SynthSpec((find_local_authority("Leeds"),
                                         find_local_authority("Kent")), 300))
    imported = import_sen2(tmp_path, suppress_below=5)
    d = imported.dataset
    assert d.kind == Dataset.Kind.SEN2_AGGREGATE and d.suppress_below == 5
    values = list(Count.objects.filter(dataset=d).values_list("value", flat=True))
    assert values and not any(v is not None and 1 <= v <= 4 for v in values)
    withheld = Count.objects.filter(dataset=d, value__isnull=True)
    assert withheld.exists()  # 300 persons per LA leave some small counts to withhold
    assert all("withheld" in c.missing_reason for c in withheld)
    # nothing person-level: only the canonical table's columns exist
    assert {f.name for f in Count._meta.fields} == {
        "id", "dataset", "area_code", "period", "group", "measure", "value", "missing_reason"}


def test_sen2_totals_below_the_threshold_are_not_stored(tmp_path):
    """The public sample (2 persons, 3 requests): its description and rows say 'fewer than
    5', never the numbers the counts withhold."""
    import shutil
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "data" / "sen2-schemas"
    shutil.copy(sample / "sen2_sample_2024.xml", tmp_path)
    d = import_sen2(tmp_path, suppress_below=5).dataset
    assert "2 persons" not in d.description and "3 requests" not in d.description
    assert "fewer than 5 persons" in d.description
    assert d.rows_read is None and d.rows_used is None
