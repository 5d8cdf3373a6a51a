"""Regenerate ``schemas.py`` from eAccounting's published OpenAPI spec (OpenAPI 3.1, PascalCase).

    python -m backend.sandbox.eaccounting._generate_schemas openapi.json > backend/sandbox/eaccounting/schemas.py

Only the schemas the sandbox serves, and everything they reference, are kept. Per schema and property the
table says: the JSON kind, the referenced schema (objects and arrays of objects), the item kind of scalar
arrays, whether the spec marks it read-only and nullable, its format, maxLength, pattern, minimum, maximum
and enum. ``REQUIRED`` lists each schema's required properties, and ``SCOPES`` the scopes each operation
accepts (parsed from the operation text "Requires any of the following scopes"). The sandbox validates
request bodies, renders responses and enforces scopes from these tables only.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

ROOTS = (
    "CustomerApi", "ArticleApi", "ArticleLabelApi", "UnitApi", "TermsOfPaymentApi", "VatCodeApi", "FiscalYearApi",
    "CompanySettingsApi", "ArticleAccountCodingApi", "CustomerInvoiceDraftApi", "CustomerInvoiceApi",
    "CustomerInvoiceDraftValidationApi", "EmailApi", "CommonExtendedBadRequest", "CommonPaginationMetadata",
    "SupplierApi",
)
# The operations the sandbox serves (spec paths, relative to /v2).
PATHS = (
    "/customers", "/customers/{customerId}", "/articles", "/articles/{articleId}", "/articlelabels",
    "/articlelabels/{articleLabelId}", "/articlelabels/{articlelabelid}", "/articleaccountcodings",
    "/articleaccountcodings/{articleAccountCodingId}", "/units", "/units/{id}", "/termsofpayments",
    "/termsofpayments/{id}", "/vatcodes", "/vatcodes/{id}", "/fiscalyears", "/fiscalyears/{id}", "/companysettings",
    "/customerinvoicedrafts", "/customerinvoicedrafts/{invoiceDraftId}",
    "/customerinvoicedrafts/{customerInvoiceDraftId}", "/customerinvoicedrafts/{customerInvoiceDraftId}/convert",
    "/customerinvoices", "/customerinvoices/{invoiceId}", "/customerinvoices/{invoiceId}/email",
    "/suppliers", "/suppliers/{id}",
)
Prop = tuple[str, str | None, str | None, bool, bool, str | None, int | None, str | None, Any, Any, tuple[Any, ...]]
_SCOPE = re.compile(r"\*\s*(ea:[a-z_]+)")


def _ref(prop: dict[str, Any]) -> str | None:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    for key in ("allOf", "anyOf", "oneOf"):
        for part in prop.get(key, []):
            if "$ref" in part:
                return str(part["$ref"]).rsplit("/", 1)[-1]
    return None


def _types(prop: dict[str, Any]) -> tuple[str, bool]:
    raw = prop.get("type")
    types = raw if isinstance(raw, list) else [raw] if raw is not None else []
    nullable = "null" in types or bool(prop.get("nullable"))
    kinds = [t for t in types if t != "null"]
    return (str(kinds[0]) if kinds else "object"), nullable


def _num(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def extract(spec: dict[str, Any]) -> tuple[dict[str, dict[str, Prop]], dict[str, tuple[str, ...]]]:
    schemas = spec["components"]["schemas"]
    table: dict[str, dict[str, Prop]] = {}
    required: dict[str, tuple[str, ...]] = {}
    todo = list(ROOTS)
    while todo:
        name = todo.pop(0)
        if name in table:
            continue
        props: dict[str, Prop] = {}
        for key, prop in schemas[name].get("properties", {}).items():
            ref = _ref(prop)
            kind, nullable = _types(prop)
            item_kind: str | None = None
            if ref is not None:
                kind, nullable = "object", True
            elif kind == "array":
                items = prop.get("items", {})
                ref = _ref(items)
                if ref is None:
                    item_kind = _types(items)[0]
            props[key] = (kind, ref, item_kind, bool(prop.get("readOnly")), nullable, prop.get("format"),
                          prop.get("maxLength"), prop.get("pattern"), _num(prop.get("minimum")),
                          _num(prop.get("maximum")), tuple(prop.get("enum", ())))
            if ref is not None and ref not in table:
                todo.append(ref)
        table[name] = props
        required[name] = tuple(schemas[name].get("required", ()))
    return table, required


def scopes(spec: dict[str, Any]) -> dict[tuple[str, str], tuple[str, ...]]:
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for path in PATHS:
        for method, op in spec["paths"][path].items():
            if method not in ("get", "post", "put", "delete"):
                continue
            out[(method.upper(), path)] = tuple(_SCOPE.findall(str(op.get("description", ""))))
    return out


def render(table: dict[str, dict[str, Prop]], required: dict[str, tuple[str, ...]],
           scope_table: dict[tuple[str, str], tuple[str, ...]], title: str) -> str:
    lines = [
        "# ruff: noqa: E501",
        f'"""Property tables of the eAccounting schemas the sandbox serves. GENERATED from openapi.json ({title})',
        "by ``_generate_schemas.py``; do not edit by hand.",
        "",
        "SCHEMAS: schema → property → Prop(kind, ref, item_kind, read_only, nullable, fmt, max_length, pattern,",
        "minimum, maximum, enum). REQUIRED: schema → required properties. SCOPES: (method, spec path) → scopes.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, Final, NamedTuple",
        "",
        "",
        "class Prop(NamedTuple):",
        "    kind: str",
        "    ref: str | None",
        "    item_kind: str | None",
        "    read_only: bool",
        "    nullable: bool",
        "    fmt: str | None",
        "    max_length: int | None",
        "    pattern: str | None",
        "    minimum: Any",
        "    maximum: Any",
        "    enum: tuple[Any, ...]",
        "",
        "",
        "SCHEMAS: Final[dict[str, dict[str, Prop]]] = {",
    ]
    for name in sorted(table):
        lines.append(f"    {name!r}: {{")
        for key, prop in table[name].items():
            lines.append(f"        {key!r}: Prop{prop!r},")
        lines.append("    },")
    lines.append("}")
    lines.append("")
    lines.append("REQUIRED: Final[dict[str, tuple[str, ...]]] = {")
    for name in sorted(required):
        lines.append(f"    {name!r}: {required[name]!r},")
    lines.append("}")
    lines.append("")
    lines.append("SCOPES: Final[dict[tuple[str, str], tuple[str, ...]]] = {")
    for op in sorted(scope_table):
        lines.append(f"    {op!r}: {scope_table[op]!r},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        spec = json.load(fh)
    table, required = extract(spec)
    sys.stdout.write(render(table, required, scopes(spec), str(spec.get("info", {}).get("title"))))


if __name__ == "__main__":
    main()
