"""Schemathesis hooks for .ci/openapi: the limits openapi.yaml cannot express.

`sort`, `fields` and `query` are limited on the wire (1,024, 2,048 and 4,096 bytes of
raw JSON; `query` also to 12 levels of nesting) and `fields` refuses overlapping paths
(`{"a":1,"a.b":1}`). JSON Schema describes the parsed value, so it cannot bound the
serialized bytes, and OpenAPI cannot say "no key is a prefix of another". Schema-valid
cases beyond these rules get the contract's 400, rightly; they are dropped from the
positive cases so that positive_data_acceptance checks what the schema does promise.
Negative cases are left alone.
"""

import json

import schemathesis

RAW_LIMITS = {"sort": 1024, "fields": 2048, "query": 4096}
MAX_QUERY_DEPTH = 12


def wire_text(value):
    """The parameter as schemathesis sends it (JSON content is `json.dumps`ed)."""
    return value if isinstance(value, str) else json.dumps(value)


def depth(value):
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


def overlapping(paths):
    return any(a != b and b.startswith(a + ".") for a in paths for b in paths)


def parsed(value):
    """The JSON value of a parameter (schemathesis may hold it serialized already)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def within_documented_limits(query):
    for name, limit in RAW_LIMITS.items():
        if name in query and len(wire_text(query[name]).encode()) > limit:
            return False
    value = parsed(query.get("query"))
    if isinstance(value, (dict, list)) and depth(value) > MAX_QUERY_DEPTH:
        return False
    fields = parsed(query.get("fields"))
    if isinstance(fields, dict) and overlapping([k for k in fields if k != "_id"]):
        return False
    return True


@schemathesis.hook
def filter_case(context, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return True
    return within_documented_limits(case.query or {})
