"""Statistics: pure functions over counts and arrays, returning small result objects. No I/O.

Library implementations are used where they exist (SciPy, statsmodels). Written here, each with
its reason in its docstring: the vectorised Fisher p-values (R's ``fisher.test`` rule; SciPy's
function takes one table at a time and has a different tie tolerance), the Katz log ratio with
metafor's zero-cell correction, the Greenland-Robins variance and Cochran's Q of the
Mantel-Haenszel risk ratio, the REML estimator of tau^2 (a root of its score found by SciPy's
``brentq``), Q, I^2 and H^2 as metafor reports them, the Higgins-Thompson-Spiegelhalter
prediction interval, the funnel's control limits and over-dispersion, and the shrunken ratios'
interval. They are tested against R's metafor where it has the method (Mantel-Haenszel, REML,
DL, PM, HKSJ), against exact computations (Fisher's p-values in integer arithmetic, REML's
tau^2 in 60-digit arithmetic) and against worked examples or their formulas otherwise.
"""
