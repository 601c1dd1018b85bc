"""Data sources: each reads one kind of input and returns a :class:`copro.counts.CountsTable`."""
