"""Fingerprints of input files."""

from __future__ import annotations

import hashlib


def sha256_hex(data: bytes) -> str:
    """SHA-256 of the bytes read, so a report can say exactly which file it came from."""
    return hashlib.sha256(data).hexdigest()
