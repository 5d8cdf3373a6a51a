"""Regenerate ``dtos.py`` from Tripletex's published OpenAPI spec.

    python -m backend.sandbox.tripletex._generate_dtos openapi.json > backend/sandbox/tripletex/dtos.py

Only the DTOs the sandbox serves, and everything they reference, are kept. The table says, per DTO and
property: the JSON kind, the DTO it refers to (for objects and lists of objects), whether the spec marks it
read-only, and the enum values. The sandbox accepts exactly these property names in request bodies and in
``fields`` filters, so that it refuses what Tripletex refuses.
"""

from __future__ import annotations

import json
import sys
from typing import Any

ROOTS = (
    "Customer", "Supplier", "Product", "ProductUnit", "Order", "OrderLine", "Invoice", "PaymentType", "VatType",
    "Account", "Currency", "Country", "Employee", "Project", "Department", "SessionToken", "LoggedInUserInfo",
    "Address", "DeliveryAddress", "PostSessionTokenBody", "PurchaseOrder", "PurchaseOrderline",
    "VatSettings",
)


def _target(prop: dict[str, Any]) -> str | None:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "allOf" in prop:
        for part in prop["allOf"]:
            if "$ref" in part:
                return str(part["$ref"]).rsplit("/", 1)[-1]
    return None


def extract(spec: dict[str, Any]) -> dict[str, dict[str, tuple[str, str | None, bool, tuple[str, ...]]]]:
    schemas = spec["components"]["schemas"]
    out: dict[str, dict[str, tuple[str, str | None, bool, tuple[str, ...]]]] = {}
    todo = list(ROOTS)
    while todo:
        name = todo.pop(0)
        if name in out:
            continue
        props: dict[str, tuple[str, str | None, bool, tuple[str, ...]]] = {}
        for key, prop in schemas[name].get("properties", {}).items():
            ro = bool(prop.get("readOnly"))
            target = _target(prop)
            if target is not None:
                props[key] = ("object", target, ro, ())
            elif prop.get("type") == "array":
                item = prop.get("items", {})
                item_target = _target(item)
                if item_target is not None:
                    props[key] = ("array", item_target, ro, ())
                else:
                    props[key] = ("array", None, ro, tuple(item.get("enum", ())))
            else:
                props[key] = (str(prop.get("type", "object")), None, ro, tuple(prop.get("enum", ())))
            if props[key][1] is not None and props[key][1] not in out:
                todo.append(str(props[key][1]))
        out[name] = props
    return out


def render(table: dict[str, dict[str, tuple[str, str | None, bool, tuple[str, ...]]]], version: str) -> str:
    lines = [
        "# ruff: noqa: E501",
        f'"""Property table of the Tripletex DTOs the sandbox serves. GENERATED from openapi.json ({version}) by',
        '``_generate_dtos.py``; do not edit by hand.',
        "",
        "DTO name → property name → (kind, referenced DTO or None, read-only, enum values).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Final",
        "",
        "Prop = tuple[str, str | None, bool, tuple[str, ...]]",
        "",
        "DTOS: Final[dict[str, dict[str, Prop]]] = {",
    ]
    for name in sorted(table):
        lines.append(f"    {name!r}: {{")
        for key, (kind, target, ro, enum) in table[name].items():
            lines.append(f"        {key!r}: ({kind!r}, {target!r}, {ro!r}, {enum!r}),")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        spec = json.load(fh)
    sys.stdout.write(render(extract(spec), str(spec.get("info", {}).get("version"))))


if __name__ == "__main__":
    main()
