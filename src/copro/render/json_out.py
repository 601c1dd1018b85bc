"""The full result as JSON (schema: docs/outputs.md)."""

from __future__ import annotations

import dataclasses
import json
import math
from enum import Enum

from copro.findings import Findings
from copro.render.sentences import headline

SCHEMA = "copro.audit/1"


def to_plain(obj):
    """Dataclasses, enums, tuples and NaN -> JSON-ready dicts, strings, lists and null."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if not f.name.startswith("_")}
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
