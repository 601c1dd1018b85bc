"""Each LA's DfE counts of requests by who made them and what was decided, from the site's
current DfE dataset (the explorer's counts table; nothing recomputed): the population the
families' survey answers are weighted to (:mod:`copro.survey.weighted`)."""

from __future__ import annotations

import threading

from copro.survey.weighted import margins_from_counts

_lock = threading.Lock()
_margins: dict[tuple, dict] = {}


def dfe_margins() -> dict[str, dict[tuple[str, str], int] | None]:
    """ONS code -> (who asked, what was decided) -> requests, for the dataset's audited period
    (the latest unless the dataset names one); None for an LA whose counts are missing. Empty
    when no DfE dataset is imported."""
    from copro.web.explorer.store import counts_table, current_dataset

    dataset = current_dataset()
    if dataset is None:
        return {}
    key = (dataset.pk, dataset.sha256)
    with _lock:
        hit = _margins.get(key)
    if hit is not None:
        return hit
    table = counts_table(dataset)
    period = table.default_period or table.periods()[-1]
    out = {code: margins_from_counts(groups) for code, groups in table.cells(period).items()}
    with _lock:
        _margins.clear()
        _margins[key] = out
    return out
