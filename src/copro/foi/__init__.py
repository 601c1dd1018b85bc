"""Freedom of Information campaign kit: letters, response templates, deadlines, a tracker.

The returns themselves are read by :mod:`copro.sources.foi` into the canonical counts table.
"""
