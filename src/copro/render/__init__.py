"""Renderers: read :class:`copro.findings.Findings` and present it; they compute no statistic."""
