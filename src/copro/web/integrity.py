"""The integrity key: it signs backups (:mod:`copro.web.backup`) and chains the audit log
(:mod:`copro.web.accounts.audit`), so that an edited backup or a deleted or edited audit entry is
noticed.

The key is ``COPRO_INTEGRITY_KEY``, else the file ``integrity_key`` in the data folder (made
once, readable by its owner only): never in the database, so never in a backup. Restoring a
backup on another machine needs the same key there (docs/deploy.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json


def _key() -> bytes:
    from django.conf import settings

    return settings.INTEGRITY_KEY.encode()


def mac(*parts: str) -> str:
    """HMAC-SHA-256 under the integrity key of ``parts`` (unambiguously joined)."""
    return hmac.new(_key(), json.dumps(parts, ensure_ascii=False).encode(),
                    hashlib.sha256).hexdigest()


def matches(expected: str, *parts: str) -> bool:
    return hmac.compare_digest(expected, mac(*parts))


def key_id() -> str:
    """A short name for the key (not the key): tells two keys apart in an error message."""
    return mac("copro integrity key id")[:12]
