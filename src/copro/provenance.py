"""Reading input files, and fingerprinting them."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_hex(data: bytes) -> str:
    """SHA-256 of the bytes read, so a report can say exactly which file it came from."""
    return hashlib.sha256(data).hexdigest()


def read_input(path: Path, kind: str = "dfe") -> bytes:
    """The bytes of an input file, or a one-line error a person can act on (through the input
    boundary: a regular file within its kind's size limit)."""
    from copro.inputs import read_bytes

    return read_bytes(Path(path), kind)
