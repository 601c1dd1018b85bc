"""Statistics: pure functions over counts and arrays, returning small result objects. No I/O.

Library implementations are used where they exist (SciPy, statsmodels); what they lack (the
Greenland-Robins variance of the Mantel-Haenszel risk ratio, the REML estimator of tau^2, the
Higgins-Thompson-Spiegelhalter prediction interval) is written here and tested against published
reference results (R's metafor).
"""
