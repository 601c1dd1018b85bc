"""Aggregate: derived requests -> counts by area, period, requester group and case-mix stratum
(:class:`Aggregator`), then the canonical counts table (:func:`to_counts`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from copro.counts import Area, CountsTable, DataProvenance, Level
from copro.groups import RequesterGroup
from copro.sources.sen2.derive import (
    FACTORS,
    GROUPS,
    MEASURES,
    STRATA,
    G,
    Request,
    stratum_levels,
)

ALL_AREAS = Area("ALL", "All local authorities in the case-level data", Level.NATIONAL)
CHUNK = 65536  # requests buffered before they are added with numpy


@dataclass
class Aggregator:
    """Counts of requests by area, period, group and stratum, for every measure.

    Requests are buffered as integer keys and measure bits and added in chunks with
    ``numpy.bincount``; only cells that hold requests get a row, so memory is fixed by the
    number of non-empty cells, not of requests."""

    blocks: list[tuple[str, str]] = field(default_factory=list)  # (area, period) pairs
    #: measure x row (cell), in columns of spare capacity beyond ``_size``
    _by_measure: np.ndarray = field(
        default_factory=lambda: np.zeros((len(MEASURES), 0), np.int64))
    _keys: list[int] = field(default_factory=list)
    _bits: list[int] = field(default_factory=list)
    _block_index: dict = field(default_factory=dict)
    #: cell key -> row of ``counts`` (-1: no request yet); 4 bytes per possible cell
    _row_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    _size: int = 0  # rows of ``counts`` in use
    _year_base: dict = field(default_factory=dict)  # (area, year) -> key of its first cell

    @property
    def counts(self) -> np.ndarray:
        """Counts by row (one per non-empty cell) and measure."""
        return self._by_measure[:, :self._size].T

    def key(self, area: str, period: str, group: int, stratum: int) -> int:
        """The cell of one request: (area, period) block, group, stratum."""
        block = self._block_index.get((area, period))
        if block is None:
            block = self._block_index[(area, period)] = len(self.blocks)
            self.blocks.append((area, period))
            self._row_index = np.concatenate(
                [self._row_index, np.full(len(GROUPS) * STRATA, -1, np.int32)])
        return (block * len(GROUPS) + group) * STRATA + stratum

    def add_request(self, area: str, r: Request) -> None:
        """Count one derived request in its cell (area, the year it was received, group,
        stratum)."""
        year = r.received.year
        base = self._year_base.get((area, year))
        if base is None:
            base = self._year_base[(area, year)] = self.key(area, str(year), 0, 0)
        self._keys.append(base + GROUPS.index(r.group) * STRATA + r.stratum())
        self._bits.append(r.bits())
        if len(self._keys) >= CHUNK:
            self.flush()

    def add(self, key: int, bits: int) -> None:
        self._keys.append(key)
        self._bits.append(bits)
        if len(self._keys) >= CHUNK:
            self.flush()

    def _rows_of(self, cells: np.ndarray) -> np.ndarray:
        """The rows of ``counts`` for distinct cell keys (new cells get new rows)."""
        rows = self._row_index[cells].astype(np.int64)
        new = rows < 0
        if new.any():
            rows[new] = np.arange(self._size, self._size + int(new.sum()))
            self._row_index[cells[new]] = rows[new]
            self._size += int(new.sum())
            capacity = self._by_measure.shape[1]
            if self._size > capacity:
                grown = np.zeros((len(MEASURES), max(self._size, 2 * capacity)), np.int64)
                grown[:, :capacity] = self._by_measure
                self._by_measure = grown
        return rows

    def add_chunk(self, keys: np.ndarray, bits: np.ndarray) -> None:
        """Add many requests at once (integer keys as from :meth:`key`, measure bits)."""
        if not len(keys):
            return
        low = int(keys.min())
        span = int(keys.max()) - low + 1
        if span <= 4 * len(keys):  # keys close together (one file's areas): no sort needed
            present = np.bincount(keys - low, minlength=span) > 0
            cells = np.flatnonzero(present)
            position = np.cumsum(present) - 1
            inverse = position[keys - low]
            cells += low
        else:
            cells, inverse = np.unique(keys, return_inverse=True)
        rows = self._rows_of(cells)[inverse]
        size = self._size
        for m in range(len(MEASURES)):
            hit = ((bits >> m) & 1).astype(bool)
            self._by_measure[m, :size] += np.bincount(rows[hit], minlength=size)

    def merge(self, other: Aggregator) -> None:
        """Add another aggregator's counts (e.g. from another process) to these."""
        cells = list(other.cells())
        if not cells:
            return
        keys = np.array([self.key(area, period, GROUPS.index(group), stratum)
                         for area, period, group, stratum, _ in cells], np.int64)
        rows = self._rows_of(keys)
        self._by_measure[:, rows] += np.array([values for *_, values in cells], np.int64).T

    def flush(self) -> None:
        if self._keys:
            self.add_chunk(np.asarray(self._keys, np.int64), np.asarray(self._bits, np.int64))
            self._keys.clear()
            self._bits.clear()

    def cells(self) -> Iterator[tuple[str, str, RequesterGroup, int, np.ndarray]]:
        """Non-empty cells: (area, period, group, stratum index, counts by measure)."""
        self.flush()
        keys = np.flatnonzero(self._row_index >= 0)
        for k, row in zip(keys.tolist(), self._row_index[keys].tolist(), strict=True):
            rest, stratum = divmod(k, STRATA)
            block, group = divmod(rest, len(GROUPS))
            area, period = self.blocks[block]
            yield area, period, GROUPS[group], stratum, self._by_measure[:, row]



def to_counts(agg: Aggregator, areas: dict[str, Area], provenance: DataProvenance
              ) -> CountsTable:
    """Area x group x measure counts (and the same by the pre-request characteristics in
    ``FACTORS``, as strata), with the total over every area as the national row."""
    by_group: dict[tuple, np.ndarray] = {}
    strata = []
    for area, period, group, stratum, values in agg.cells():
        for a in (area, ALL_AREAS.code):
            for g in (group, G.ALL):
                k = (a, period, g)
                by_group[k] = by_group.get(k, 0) + values
        strata.append((area, period, group.value, stratum_levels(stratum),
                       tuple(int(v) for v in values)))
    records = []
    periods = {k[1] for k in by_group}
    for a in [*areas, ALL_AREAS.code]:
        for period in periods:
            for g in (*GROUPS, G.ALL):
                values = by_group.get((a, period, g), np.zeros(len(MEASURES), np.int64))
                records += [(a, period, g.value, m.value, int(v), None)
                            for m, v in zip(MEASURES, values, strict=True)]
    all_areas = {**areas, ALL_AREAS.code: ALL_AREAS}
    return CountsTable.from_records(records, all_areas, provenance,
                                    strata=(tuple(m.value for m in MEASURES), FACTORS,
                                            tuple(strata)))
