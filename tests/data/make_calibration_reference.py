"""How tests/data/calibration_reference.json was made (kept for the record; not run by tests).

The reference values are **svy 0.35**'s (``Sample.weighting.poststratify`` and
``Sample.estimation.mean``, Taylor linearisation with the weights taken as given), computed
once, before copro dropped the ``svy`` dependency, with ``svy>=0.35,<0.36`` installed:

    python tests/data/make_calibration_reference.py > tests/data/calibration_reference.json

svy is an implementation independent of copro's (a Rust core); issue 24 reports that copro's
post-stratified weights and linearised SEs agreed with R's survey 4.1.1 to 1e-15 on the same
inputs. R itself is not installed here, so these are not R's numbers.
"""

import json
import warnings

import numpy as np

warnings.simplefilter("ignore")
import polars as pl  # noqa: E402
import svy  # noqa: E402

DATASETS = {
    # groups of answers (label -> answers' outcomes) and each group's population count
    "three_groups": ({"a": [1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0],
                      "b": [0, 0, 1, 0, 0, 0, 1, 0, 0, 0],
                      "c": [1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1]},
                     {"a": 540, "b": 722, "c": 130}),
    "scores": ({"x": [3.2, 4.0, 2.4, 1.8, 5.0, 3.6, 4.4, 2.0, 3.0, 3.8],
                "y": [1.0, 2.2, 1.4, 3.0, 2.6, 1.8, 2.0, 1.2, 2.4, 1.6, 3.4],
                "z": [4.8, 4.2, 3.6, 5.0, 4.4, 3.8, 4.0, 4.6, 3.2, 4.0, 4.2, 4.8, 3.0]},
               {"x": 200, "y": 650, "z": 150}),
    "zero_count": ({"p": [1, 0, 0, 1, 1, 0, 1, 0, 1, 1],
                    "q": [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1]},
                   {"p": 90, "q": 910}),
}


def main():
    out = {}
    for name, (answers, population) in DATASETS.items():
        groups = [g for g, ys in answers.items() for _ in ys]
        ys = [float(y) for g in answers for y in answers[g]]
        frame = pl.DataFrame({"group": groups, "w": np.ones(len(groups)), "y": ys})
        sample = svy.Sample(frame, svy.Design(wgt="w"))
        ps = sample.weighting.poststratify(controls={k: float(v) for k, v in population.items()},
                                           cells=["group"], wgt_name="ps")
        w = ps.data["ps"].to_numpy().astype(float)
        est = svy.Sample(pl.DataFrame({"w": w, "y": ys}), svy.Design(wgt="w")).estimation
        mean = est.mean("y")
        row = mean.to_polars().row(0, named=True) if hasattr(mean, "to_polars") else None
        out[name] = {"groups": groups, "y": ys, "population": population,
                     "weights": w.tolist(), "mean": row["est"] if row else None,
                     "mean_se_weights_fixed": row["se"] if row else None}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
