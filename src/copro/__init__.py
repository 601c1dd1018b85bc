"""Coproduction Audit: does the outcome of a request for an EHC needs assessment depend on who asks?

Data flows one way::

    sources (DfE CSV, ...) -> counts.CountsTable -> stats -> audit.Findings -> render

The public API is small:

>>> from copro.sources.dfe import read_dfe_requests, bundled_dfe_path
>>> from copro.audit import audit
>>> findings = audit(read_dfe_requests(bundled_dfe_path()))
>>> findings.pooled["assessment"].mantel_haenszel.estimate  # doctest: +SKIP
"""

__version__ = "0.1.0"
