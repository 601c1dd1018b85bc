"""A cache of audit results: the same file, options and copro code give the same findings, so a
second `copro audit`, `copro la` or `copro report` on them need not recompute (nor load SciPy).

Entries are keyed by the SHA-256 of the input file's bytes, the audit options and a fingerprint
of copro's own code, so a changed file, option or version never reads a stale result. The cache
lives in ``$COPRO_CACHE_DIR``, else ``$XDG_CACHE_HOME/copro``, else ``~/.cache/copro``; set
``COPRO_NO_CACHE=1`` (or pass ``--no-cache``) to bypass it. It holds only aggregate findings,
never a person's data. A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import cache
from pathlib import Path

from copro.findings import AuditOptions, Findings

FORMAT = "copro-findings-1"


def cache_dir() -> Path | None:
    """Where results are kept, or None when caching is switched off."""
    if os.environ.get("COPRO_NO_CACHE"):
        return None
    if os.environ.get("COPRO_CACHE_DIR"):
        return Path(os.environ["COPRO_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "copro"


@cache
def code_fingerprint() -> str:
    """SHA-256 over copro's own source files, the register of local authorities (which
    gives every area its code) and the bundled tables the findings carry beside the audit
    (SEND Tribunal appeals, statistical neighbours), so that a change to any invalidates
    results."""
    root = Path(__file__).parent
    h = hashlib.sha256()
    for path in sorted([*root.rglob("*.py"), root / "data" / "la-register.csv",
                        *(root / "data").glob("dfe-send-tribunal-*.csv"),
                        root / "data" / "dfe-statistical-neighbours-2025.csv"]):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def key(data_sha256: str, options: AuditOptions) -> str:
    text = "\n".join((FORMAT, data_sha256, repr(options), code_fingerprint()))
    return hashlib.sha256(text.encode()).hexdigest()


def load(entry: str) -> Findings | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with (folder / f"{entry}.pickle").open("rb") as fh:
            found = pickle.load(fh)
    except Exception:  # missing, unreadable or from an incompatible version: recompute
        return None
    return found if isinstance(found, Findings) else None


def store(entry: str, findings: Findings) -> None:
    folder = cache_dir()
    if folder is None:
        return
    from copro import temps

    name = f"{entry}.pickle"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temps.sweep(folder, name)  # left by a run killed while storing this entry
        tmp = temps.make_file(folder, name)
    except OSError:
        return  # a read-only or full disk only costs speed
    try:
        with open(tmp.path, "wb") as fh:
            pickle.dump(findings, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp.path, folder / name)
    except OSError:
        pass
    finally:
        tmp.discard()
