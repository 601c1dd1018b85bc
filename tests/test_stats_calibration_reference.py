"""The post-stratification against an independent implementation's numbers, kept as data
(tests/data/calibration_reference.json: svy 0.35's ``poststratify`` and ``estimation.mean``,
how they were made is in tests/data/make_calibration_reference.py). R's survey package is not
installed; issue 24 reports copro's post-stratified weights agreeing with R's survey 4.1.1 to
1e-15, and svy's agree with those."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from copro.stats.calibration import kish_effective_n, poststratify

REFERENCE = json.loads((Path(__file__).parent / "data" / "calibration_reference.json")
                       .read_text())


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_post_stratified_weights_and_mean_agree_with_the_reference(name):
    ref = REFERENCE[name]
    w = poststratify(ref["groups"], ref["population"])
    assert np.allclose(w, ref["weights"], rtol=1e-8, atol=1e-8)
    y = np.array(ref["y"])
    assert float((w * y).sum() / w.sum()) == pytest.approx(ref["mean"], rel=1e-8)
    # each group's weights sum to its population count (the margins are met exactly)
    for g, count in ref["population"].items():
        assert w[[x == g for x in ref["groups"]]].sum() == pytest.approx(count, rel=1e-12)
    assert kish_effective_n(w) == pytest.approx(
        np.sum(ref["weights"]) ** 2 / np.sum(np.square(ref["weights"])), rel=1e-12)
