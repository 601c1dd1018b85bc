"""The full result as JSON (schema: docs/outputs.md)."""

from __future__ import annotations

import dataclasses
import json
import math
from enum import Enum

from copro.findings import Findings
from copro.render.sentences import headline

SCHEMA = "copro.audit/1"


#: a dataclass's public field names, by class (None: the class is not a dataclass)
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    names = _FIELDS.get(cls, ())
    if names == ():
        names = _FIELDS[cls] = (tuple(f.name for f in dataclasses.fields(cls)
                                      if not f.name.startswith("_"))
                                if dataclasses.is_dataclass(cls) else None)
    return names


def to_plain(obj):
    """Dataclasses, enums, tuples and NaN -> JSON-ready dicts, strings, lists and null."""
    cls = type(obj)
    if cls is str or cls is int or cls is bool or obj is None:  # most values: as they are
        return obj
    if cls is float:
        return obj if math.isfinite(obj) else None
    names = _field_names(cls)
    if names is not None:
        return {name: to_plain(getattr(obj, name)) for name in names}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k.value if isinstance(k, Enum) else k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_plain(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def findings_dict(findings: Findings) -> dict:
    """The JSON document as a dict."""
    body = to_plain(findings)
    return {"schema": SCHEMA, "tool": {"name": "copro", "version": findings.tool_version},
            "headline": headline(findings), **body}


def to_json(findings: Findings) -> str:
    return json.dumps(findings_dict(findings), ensure_ascii=False, allow_nan=False)
