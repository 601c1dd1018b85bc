"""The co-production survey outside the website: the versioned instrument, free-text cleaning,
reading answers collected in other survey tools, and the instrument as a printable form."""
