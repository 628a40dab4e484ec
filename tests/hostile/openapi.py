"""Our OpenAPI schema, built in-process by drf-spectacular, and the GET operations in it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from drf_spectacular.generators import SchemaGenerator


def openapi_schema() -> dict:
    """The schema /api/v1/schema/ serves (same generator, no request)."""
    return SchemaGenerator().get_schema(request=None, public=True)


@dataclass(frozen=True)
class GetOperation:
    path: str  # template, e.g. /api/v1/layers/{slug}/features/
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]


def get_operations(schema: dict) -> list[GetOperation]:
    """Every GET operation with its path and query parameter names."""
    out = []
    for path, item in sorted(schema["paths"].items()):
        op = item.get("get")
        if op is None:
            continue
        params = [*item.get("parameters", []), *op.get("parameters", [])]
        out.append(
            GetOperation(
                path=path,
                path_params=tuple(re.findall(r"{(\w+)}", path)),
                query_params=tuple(p["name"] for p in params if p["in"] == "query"),
            )
        )
    return out
