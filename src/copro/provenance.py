"""Reading input files, and fingerprinting them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from copro.errors import CoproError


def sha256_hex(data: bytes) -> str:
    """SHA-256 of the bytes read, so a report can say exactly which file it came from."""
    return hashlib.sha256(data).hexdigest()


def read_input(path: Path) -> bytes:
    """The bytes of an input file, or a one-line error a person can act on."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CoproError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CoproError(f"{path}: is a directory; expected a file") from None
    except OSError as exc:
        raise CoproError(f"{path}: cannot be read ({exc.strerror})") from None
