"""Tripletex's business rules for the objects the gateway writes: customers, suppliers, products, orders,
order lines, invoices, payments, and purchase orders with their lines. Every function raises ``ApiProblem``
with the real error shape; callers run write requests inside ``Account.transaction()`` so that a refusal leaves
nothing behind."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from backend.sandbox.tripletex import guesses as g
from backend.sandbox.tripletex.dtos import DTOS
from backend.sandbox.tripletex.model import (
    Account,
    ApiProblem,
    Problem,
    Record,
    check_body,
    coerce,
    dec,
    invalid,
    is_entity,
    money,
    not_found,
    parse_date,
    precise,
    ref_id,
    validation,
    writable,
)

# DTOs the sandbox stores: a reference to one of them must name an existing object.
STORED = {"Customer", "Supplier", "Product", "ProductUnit", "Order", "OrderLine", "Invoice", "PaymentType",
          "VatType", "Account", "Currency", "Country", "Employee", "Project", "Department", "Address",
          "DeliveryAddress", "Company", "PurchaseOrder", "PurchaseOrderline"}
ADDRESSES = {"Address", "DeliveryAddress"}
NORWAY = 578
_ORG_NUMBER = re.compile(r"^\d{9}$")


def check_mapping(dto: str, body: Any, *, field_prefix: str = "", path_prefix: str = "") -> dict[str, Any]:
    """422 code 16000 for unknown properties and wrong JSON types, as Tripletex's JSON mapping does."""
    problems = check_body(dto, body, field_prefix=field_prefix, path_prefix=path_prefix)
    if problems:
        raise validation(problems, g.CODE_MAPPING)
    assert isinstance(body, dict)
    return body


def check_version(record: Record, body: dict[str, Any]) -> None:
    """Optimistic locking: a ``version`` in the body must be the current one (409, code 8000)."""
    if body.get("version") is not None and int(body["version"]) != int(record.get("version") or 0):
        raise ApiProblem(409, g.CODE_REVISION, "revision_conflict")


# -- references and nested objects -------------------------------------------------------------------------


def _resolve(a: Account, target: str, value: Any, field: str, problems: list[Problem]) -> int | None:
    if value is None:
        return None
    rid = ref_id(value)
    if rid is None:
        problems.append(Problem("not_null", f"{field}.id", f"{field}.id"))
        return None
    if target in STORED and a.get(target, rid) is None:
        if target == "VatType":
            problems.append(Problem("invalid_vat", field, field))
        else:
            problems.append(Problem("object_not_found", f"{field}.id", f"{field}.id"))
        return None
    return rid


def _address(a: Account, dto: str, value: Any, field: str, problems: list[Problem]) -> int | None:
    """An address is created inline; sent with its ``id`` it is the existing one (updated with what is sent)."""
    if value is None:
        return None
    rid = ref_id(value)
    if rid is not None:
        rec = a.get(dto, rid)
        if rec is None:
            problems.append(Problem("object_not_found", f"{field}.id", f"{field}.id"))
            return None
        changes = {k: v for k, v in value.items() if k not in ("id", "version")}
        if changes:
            a.before_change(dto, rec)
            apply_body(a, dto, rec, changes, field, problems)
            _address_strings(rec)
            a.touch(rec)
        return rid
    rec = {"country": NORWAY}
    apply_body(a, dto, rec, value, field, problems)
    _address_strings(rec)
    return int(a.add(dto, rec)["id"])


def _address_strings(rec: Record) -> None:
    parts = [str(rec.get(k) or "") for k in ("addressLine1", "addressLine2")]
    place = " ".join(p for p in (str(rec.get("postalCode") or ""), str(rec.get("city") or "")) if p)
    text = ", ".join(p for p in [*parts, place] if p)
    rec["displayName"] = text
    rec["addressAsString"] = text


def apply_body(a: Account, dto: str, record: Record, body: dict[str, Any], field_prefix: str,
               problems: list[Problem], *, skip: frozenset[str] = frozenset()) -> None:
    """Copy a (mapping-checked) body onto a record: scalars coerced, references resolved, read-only ignored."""
    record.update({k: v for k, v in writable(dto, body).items() if k not in skip})
    prefix = f"{field_prefix}." if field_prefix else ""
    for key, value in body.items():
        kind, target, ro, _enum = DTOS[dto][key]
        if ro or key in skip or key in ("changes", "url"):
            continue
        if kind == "array":
            if target is None:
                record[key] = list(value or [])
            elif not is_entity(target):
                record[key] = [dict(v) for v in value or []]
            continue
        if target is None:
            continue
        if target in ADDRESSES:
            record[key] = _address(a, target, value, prefix + key, problems)
        elif is_entity(target):
            record[key] = _resolve(a, target, value, prefix + key, problems)
        else:
            record[key] = dict(value) if value is not None else None


def _sale_vat(a: Account, vat_id: Any) -> Record | None:
    rec = a.get("VatType", vat_id)
    if rec is None or not rec.get("_active") or rec.get("_type") not in ("OUTGOING", "BOTH"):
        return None
    return rec


def vat_by_number(a: Account, number: str) -> Record:
    return next(v for v in a.table("VatType").values() if v["number"] == number)


def _pct(a: Account, vat_id: Any) -> Decimal:
    rec = a.get("VatType", vat_id)
    return dec(rec["percentage"]) if rec else Decimal(0)


# -- customers and suppliers -------------------------------------------------------------------------------


def _country_of(a: Account, rec: Record) -> int | None:
    for key in ("physicalAddress", "postalAddress"):
        addr = a.get("Address", rec.get(key)) if rec.get(key) else None
        if addr and addr.get("country"):
            return int(addr["country"])
    return None


def _org_number_problems(a: Account, rec: Record) -> list[Problem]:
    org = str(rec.get("organizationNumber") or "")
    country = _country_of(a, rec)
    if org and country in (None, NORWAY) and not _ORG_NUMBER.match(org):
        return [Problem("org_number", "organizationNumber", "organizationNumber")]
    return []


def _has_postal_address(a: Account, rec: Record) -> bool:
    addr = a.get("Address", rec.get("postalAddress")) if rec.get("postalAddress") else None
    return addr is not None and any(str(addr.get(k) or "").strip() for k in ("addressLine1", "postalCode", "city"))


def _number_problems(a: Account, dto: str, rec: Record, key: str, message: str) -> list[Problem]:
    number = rec.get(key) or 0
    if number and any(o.get(key) == number and o["id"] != rec.get("id") for o in a.table(dto).values()):
        return [Problem(message, key, key, {"number": number})]
    return []


def _next_number(a: Account, dto: str, key: str, start: int) -> int:
    used = [int(o.get(key) or 0) for o in a.table(dto).values()]
    return max([start - 1, *used]) + 1


def _party_display(rec: Record, key: str) -> None:
    rec["displayName"] = f"{rec.get('name') or ''} ({rec.get(key)})" if rec.get(key) else str(rec.get("name") or "")


def create_customer(a: Account, body: dict[str, Any]) -> Record:
    check_mapping("Customer", body)
    rec: Record = {"isCustomer": True, "language": "NO", "currency": _nok(a), "emailAttachmentType": "LINK",
                   "invoicesDueIn": g.DEFAULT_INVOICES_DUE_IN_DAYS, "invoicesDueInType": "DAYS"}
    problems: list[Problem] = []
    apply_body(a, "Customer", rec, body, "", problems)
    if body.get("invoiceSendMethod") is None:
        rec["invoiceSendMethod"] = (g.PRIVATE_CUSTOMER_SEND_METHOD if rec.get("isPrivateIndividual")
                                    else g.COMPANY_CUSTOMER_SEND_METHOD)
    problems += _customer_rules(a, rec)
    if problems:
        raise validation(problems)
    if not rec.get("customerNumber"):
        rec["customerNumber"] = _next_number(a, "Customer", "customerNumber", g.CUSTOMER_NUMBER_START)
    _party_display(rec, "customerNumber")
    return a.add("Customer", rec)


def _customer_rules(a: Account, rec: Record) -> list[Problem]:
    problems: list[Problem] = []
    if not str(rec.get("name") or "").strip():
        problems.append(Problem("required", "name", "name"))
    problems += _number_problems(a, "Customer", rec, "customerNumber", "customer_number_in_use")
    problems += _org_number_problems(a, rec)
    if rec.get("invoiceSendMethod") == "EHF":
        if not _has_postal_address(a, rec):
            problems.append(Problem("ehf_postal_address", "postalAddress", "postalAddress"))
        if rec.get("singleCustomerInvoice"):
            problems.append(Problem("ehf_single_invoice", "singleCustomerInvoice", "singleCustomerInvoice"))
    return problems


def update_customer(a: Account, rec: Record, body: dict[str, Any]) -> Record:
    check_mapping("Customer", body)
    check_version(rec, body)
    a.before_change("Customer", rec)
    problems: list[Problem] = []
    apply_body(a, "Customer", rec, body, "", problems)
    problems += _customer_rules(a, rec)
    if problems:
        raise validation(problems)
    if not rec.get("customerNumber"):
        rec["customerNumber"] = _next_number(a, "Customer", "customerNumber", g.CUSTOMER_NUMBER_START)
    _party_display(rec, "customerNumber")
    a.touch(rec)
    return rec


def create_supplier(a: Account, body: dict[str, Any]) -> Record:
    check_mapping("Supplier", body)
    rec: Record = {"isSupplier": True, "language": "NO", "currency": _nok(a)}
    problems: list[Problem] = []
    apply_body(a, "Supplier", rec, body, "", problems)
    problems += _supplier_rules(a, rec)
    if problems:
        raise validation(problems)
    if not rec.get("supplierNumber"):
        rec["supplierNumber"] = _next_number(a, "Supplier", "supplierNumber", g.SUPPLIER_NUMBER_START)
    _party_display(rec, "supplierNumber")
    return a.add("Supplier", rec)


def _supplier_rules(a: Account, rec: Record) -> list[Problem]:
    problems: list[Problem] = []
    if not str(rec.get("name") or "").strip():
        problems.append(Problem("required", "name", "name"))
    problems += _number_problems(a, "Supplier", rec, "supplierNumber", "supplier_number_in_use")
    problems += _org_number_problems(a, rec)
    return problems


def update_supplier(a: Account, rec: Record, body: dict[str, Any]) -> Record:
    check_mapping("Supplier", body)
    check_version(rec, body)
    a.before_change("Supplier", rec)
    problems: list[Problem] = []
    apply_body(a, "Supplier", rec, body, "", problems)
    problems += _supplier_rules(a, rec)
    if problems:
        raise validation(problems)
    _party_display(rec, "supplierNumber")
    a.touch(rec)
    return rec


def delete_customer(a: Account, rec: Record) -> None:
    if any(o.get("customer") == rec["id"] for o in a.table("Order").values()):
        raise invalid("customer_in_use")
    a.delete("Customer", rec)


def _nok(a: Account) -> int:
    return next(int(c["id"]) for c in a.table("Currency").values() if c["code"] == "NOK")


# -- products ----------------------------------------------------------------------------------------------


def _product_rules(a: Account, rec: Record, body: dict[str, Any], problems: list[Problem]) -> None:
    if not str(rec.get("name") or "").strip():
        problems.append(Problem("required", "name", "name"))
    number = str(rec.get("number") or "")
    if number and any(str(o.get("number") or "") == number and o["id"] != rec.get("id")
                      for o in a.table("Product").values()):
        problems.append(Problem("product_number_in_use", "number", "number", {"number": number}))
    if rec.get("vatType") is not None and _sale_vat(a, rec["vatType"]) is None:
        if not any(p.field == "vatType" for p in problems):
            problems.append(Problem("invalid_vat", "vatType", "vatType"))
        return
    pct = _pct(a, rec.get("vatType"))
    excl, incl = body.get("priceExcludingVatCurrency"), body.get("priceIncludingVatCurrency")
    if excl is not None and incl is None:
        rec["priceIncludingVatCurrency"] = precise(dec(excl) * (1 + pct / 100))
    elif incl is not None and excl is None:
        rec["priceExcludingVatCurrency"] = precise(dec(incl) / (1 + pct / 100))
    elif excl is None and incl is None and "vatType" in body:
        rec["priceIncludingVatCurrency"] = precise(dec(rec.get("priceExcludingVatCurrency")) * (1 + pct / 100))
    rec["costPrice"] = rec.get("costExcludingVatCurrency") or 0
    rec["displayNumber"] = number
    rec["displayName"] = f"{number} {rec.get('name') or ''}".strip()


def create_product(a: Account, body: dict[str, Any]) -> Record:
    check_mapping("Product", body)
    rec: Record = {"currency": _nok(a), "isDeletable": True,
                   "vatType": vat_by_number(a, g.DEFAULT_PRODUCT_VAT_NUMBER)["id"]}
    problems: list[Problem] = []
    apply_body(a, "Product", rec, body, "", problems)
    _product_rules(a, rec, body, problems)
    if problems:
        raise validation(problems)
    return a.add("Product", rec)


def update_product(a: Account, rec: Record, body: dict[str, Any]) -> Record:
    check_mapping("Product", body)
    check_version(rec, body)
    a.before_change("Product", rec)
    problems: list[Problem] = []
    apply_body(a, "Product", rec, body, "", problems)
    _product_rules(a, rec, body, problems)
    if problems:
        raise validation(problems)
    a.touch(rec)
    return rec


def delete_product(a: Account, rec: Record) -> None:
    if any(line.get("product") == rec["id"] for line in a.table("OrderLine").values()):
        raise invalid("product_in_use")
    a.delete("Product", rec)


# -- orders and order lines --------------------------------------------------------------------------------


def invoices_of_order(a: Account, order_id: int) -> list[int]:
    return [iid for iid, meta in a.invoice_meta.items() if meta.get("order") == order_id]


def _date_problems(rec: Record, keys: tuple[str, ...], prefix: str, path: str,
                   mapping: list[Problem], required: list[Problem]) -> None:
    for key in keys:
        value = rec.get(key)
        if value in (None, ""):
            required.append(Problem("not_null", prefix + key, path + key))
        elif parse_date(value) is None:
            mapping.append(Problem("wrong_type", prefix + key, path + key))


def create_order(a: Account, body: dict[str, Any], *, field_prefix: str = "", path_prefix: str = "",
                 default_customer: int | None = None) -> Record:
    """Create an order with its embedded lines (the body is mapping-checked by the caller)."""
    rec: Record = {"isPrioritizeAmountsIncludingVat": a.prices_including_vat, "isClosed": False,
                   "status": "NOT_CHOSEN", "orderLineSorting": "ID", "invoicesDueInType": "DAYS",
                   "orderLines": []}
    if default_customer is not None:
        rec["customer"] = default_customer
    problems: list[Problem] = []
    apply_body(a, "Order", rec, body, field_prefix.rstrip("."), problems,
               skip=frozenset({"orderLines", "orderGroups", "preliminaryInvoice"}))
    if body.get("isPrioritizeAmountsIncludingVat") is None:
        rec["isPrioritizeAmountsIncludingVat"] = a.prices_including_vat
    mapping: list[Problem] = []
    if rec.get("customer") is None and not any(p.field == f"{field_prefix}customer.id" for p in problems):
        problems.append(Problem("not_null", field_prefix + "customer", path_prefix + "customer"))
    _date_problems(rec, ("orderDate", "deliveryDate"), field_prefix, path_prefix, mapping, problems)
    if mapping:
        raise validation(mapping, g.CODE_MAPPING)
    if problems:
        raise validation(problems)
    customer = a.get("Customer", rec["customer"]) or {}
    rec.setdefault("currency", customer.get("currency") or _nok(a))
    if body.get("invoicesDueIn") is None:
        rec["invoicesDueIn"] = customer.get("invoicesDueIn", g.DEFAULT_INVOICES_DUE_IN_DAYS)
        rec["invoicesDueInType"] = customer.get("invoicesDueInType") or "DAYS"
    rec["customerName"] = customer.get("name", "")
    if not rec.get("number"):
        used = [int(o["number"]) for o in a.table("Order").values() if str(o.get("number") or "").isdigit()]
        rec["number"] = str(max([g.ORDER_NUMBER_START - 1, *used]) + 1)
    rec["displayName"] = f"{rec['number']} {rec['customerName']}".strip()
    order = a.add("Order", rec)
    line_problems: list[Problem] = []
    for i, line_body in enumerate(body.get("orderLines") or []):
        line = _new_line(a, order, line_body, f"{field_prefix}orderLines.", f"{path_prefix}orderLines[{i}].",
                         line_problems)
        if line is not None:
            order["orderLines"].append(line["id"])
    if line_problems:
        raise validation(line_problems)
    return order


def _new_line(a: Account, order: Record, body: dict[str, Any], fp: str, pp: str,
              problems: list[Problem]) -> Record | None:
    line: Record = {"order": order["id"], "currency": order.get("currency"), "isCharged": False}
    before = len(problems)
    apply_body(a, "OrderLine", line, body, fp.rstrip("."), problems, skip=frozenset({"order"}))
    _fill_line(a, order, line, body, fp, pp, problems, new=True)
    if len(problems) > before:
        return None
    return a.add("OrderLine", line)


def _fill_line(a: Account, order: Record, line: Record, body: dict[str, Any], fp: str, pp: str,
               problems: list[Problem], *, new: bool) -> None:
    """Everything Tripletex derives on an order line: VAT type, the other unit price, description, amounts."""
    product = a.get("Product", line.get("product")) if line.get("product") else None
    if body.get("vatType") is not None:
        if line.get("vatType") is not None and _sale_vat(a, line["vatType"]) is None:
            problems.append(Problem("invalid_vat", fp + "vatType", pp + "vatType"))
            return
        if line.get("vatType") is None:  # unknown id: _resolve already reported it under the plain name
            for p in problems:
                if p.field == f"{fp}vatType" and p.key == "invalid_vat":
                    p.path = pp + "vatType"
            return
    elif new or "product" in body:
        line["vatType"] = product["vatType"] if product and product.get("vatType") is not None else \
            vat_by_number(a, g.DEFAULT_LINE_VAT_NUMBER)["id"]
    pct = _pct(a, line.get("vatType"))
    incl_mode = bool(order.get("isPrioritizeAmountsIncludingVat"))
    excl_sent = body.get("unitPriceExcludingVatCurrency") is not None
    incl_sent = body.get("unitPriceIncludingVatCurrency") is not None
    if (excl_sent and incl_sent) or (incl_mode and excl_sent) or (not incl_mode and incl_sent):
        name = "unitPriceIncludingVatCurrency" if incl_mode else "unitPriceExcludingVatCurrency"
        problems.append(Problem("price_incl_vat" if incl_mode else "price_excl_vat", fp + name, pp + name))
        return
    if incl_mode:
        if incl_sent:
            incl = dec(body["unitPriceIncludingVatCurrency"])
        elif product is not None and (new or "product" in body):
            incl = dec(product.get("priceIncludingVatCurrency"))
        else:
            incl = dec(line.get("unitPriceIncludingVatCurrency"))
        line["unitPriceIncludingVatCurrency"] = precise(incl)
        line["unitPriceExcludingVatCurrency"] = precise(incl / (1 + pct / 100))
    else:
        if excl_sent:
            excl = dec(body["unitPriceExcludingVatCurrency"])
        elif product is not None and (new or "product" in body):
            excl = dec(product.get("priceExcludingVatCurrency"))
        else:
            excl = dec(line.get("unitPriceExcludingVatCurrency"))
        line["unitPriceExcludingVatCurrency"] = precise(excl)
        line["unitPriceIncludingVatCurrency"] = precise(excl * (1 + pct / 100))
    if product is not None and not str(line.get("description") or "").strip():
        line["description"] = product.get("orderLineDescription") or product.get("name") or ""
    if product is not None and body.get("unitCostCurrency") is None and (new or "product" in body):
        line["unitCostCurrency"] = product.get("costExcludingVatCurrency") or 0
    if order.get("discountPercentage") and body.get("discount") is None and new:
        line["discount"] = order["discountPercentage"]
    _line_amounts(line, pct, incl_mode)
    line["displayName"] = str(line.get("description") or "")


def _line_amounts(line: Record, pct: Decimal, incl_mode: bool) -> None:
    factor = 1 - dec(line.get("discount")) / 100
    count = dec(line.get("count"))
    if incl_mode:
        incl = count * dec(line.get("unitPriceIncludingVatCurrency")) * factor
        excl = incl / (1 + pct / 100)
    else:
        excl = count * dec(line.get("unitPriceExcludingVatCurrency")) * factor
        incl = excl * (1 + pct / 100)
    line["amountExcludingVatCurrency"] = money(excl)
    line["amountIncludingVatCurrency"] = money(incl)


def _editable_order(a: Account, order: Record) -> None:
    if invoices_of_order(a, int(order["id"])):
        raise invalid("order_invoiced_change")


def update_order(a: Account, order: Record, body: dict[str, Any], *, update_lines: bool) -> Record:
    check_mapping("Order", body)
    check_version(order, body)
    _editable_order(a, order)
    a.before_change("Order", order)
    problems: list[Problem] = []
    apply_body(a, "Order", order, body, "", problems,
               skip=frozenset({"orderLines", "orderGroups", "preliminaryInvoice"}))
    mapping: list[Problem] = []
    _date_problems(order, ("orderDate", "deliveryDate"), "", "", mapping, problems)
    if mapping:
        raise validation(mapping, g.CODE_MAPPING)
    if problems:
        raise validation(problems)
    if body.get("orderLines") is not None:
        kept: list[int] = []
        for i, line_body in enumerate(body["orderLines"]):
            line_id = ref_id(line_body)
            existing = a.get("OrderLine", line_id) if line_id is not None else None
            fp, pp = "orderLines.", f"orderLines[{i}]."
            if existing is not None and existing.get("order") == order["id"]:
                _change_line(a, order, existing, line_body, fp, pp, problems)
                kept.append(int(existing["id"]))
            else:
                line = _new_line(a, order, line_body, fp, pp, problems)
                if line is not None:
                    order["orderLines"].append(line["id"])
                    kept.append(int(line["id"]))
        if update_lines:
            for lid in [x for x in order["orderLines"] if x not in kept]:
                line = a.get("OrderLine", lid)
                if line is not None:
                    a.delete("OrderLine", line)
            order["orderLines"] = [x for x in order["orderLines"] if x in kept]
        if problems:
            raise validation(problems)
    a.touch(order)
    return order


def _change_line(a: Account, order: Record, line: Record, body: dict[str, Any], fp: str, pp: str,
                 problems: list[Problem]) -> None:
    a.before_change("OrderLine", line)
    apply_body(a, "OrderLine", line, body, fp.rstrip("."), problems, skip=frozenset({"order"}))
    _fill_line(a, order, line, body, fp, pp, problems, new=False)
    a.touch(line)


def create_order_line(a: Account, body: dict[str, Any], *, path_prefix: str = "") -> Record:
    check_mapping("OrderLine", body, path_prefix=path_prefix)
    order = a.get("Order", ref_id(body.get("order"))) if body.get("order") is not None else None
    if order is None:
        key = "object_not_found" if body.get("order") is not None else "not_null"
        raise invalid(key, "order.id" if body.get("order") is not None else "order", path_prefix + "order")
    _editable_order(a, order)
    problems: list[Problem] = []
    line = _new_line(a, order, body, "", path_prefix, problems)
    if problems or line is None:
        raise validation(problems)
    a.before_change("Order", order)
    order["orderLines"].append(line["id"])
    a.touch(order)
    return line


def update_order_line(a: Account, line: Record, body: dict[str, Any]) -> Record:
    check_mapping("OrderLine", body)
    check_version(line, body)
    order = a.get("Order", line["order"])
    if order is None:
        raise not_found()
    _editable_order(a, order)
    problems: list[Problem] = []
    _change_line(a, order, line, {k: v for k, v in body.items() if k != "order"}, "", "", problems)
    if problems:
        raise validation(problems)
    return line


def delete_order_line(a: Account, line: Record) -> None:
    order = a.get("Order", line["order"])
    if order is not None:
        _editable_order(a, order)
        a.before_change("Order", order)
        order["orderLines"] = [x for x in order["orderLines"] if x != line["id"]]
        a.touch(order)
    a.delete("OrderLine", line)


def delete_order(a: Account, order: Record) -> None:
    if invoices_of_order(a, int(order["id"])):
        raise invalid("order_invoiced_delete")
    for lid in list(order.get("orderLines") or []):
        line = a.get("OrderLine", lid)
        if line is not None:
            a.delete("OrderLine", line)
    a.delete("Order", order)


# -- purchase orders and their lines ------------------------------------------------------------------------

PO_OPEN = "STATUS_OPEN"


def _purchase_order_rules(a: Account, rec: Record, problems: list[Problem]) -> None:
    """Required fields (guesses.PURCHASE_ORDER_REQUIRED) and dates; wrong date formats are mapping errors."""
    mapping: list[Problem] = []
    for key in ("supplier", "deliveryDate", "ourContact", "creationDate", "receivedDate"):
        value = rec.get(key)
        if key.endswith("Date") and value not in (None, ""):
            if parse_date(value) is None:
                mapping.append(Problem("wrong_type", key, key))
        elif value in (None, "") and key in g.PURCHASE_ORDER_REQUIRED \
                and not any(p.field == f"{key}.id" for p in problems):
            problems.append(Problem("not_null", key, key))
    if mapping:
        raise validation(mapping, g.CODE_MAPPING)
    if problems:
        raise validation(problems)


def create_purchase_order(a: Account, body: dict[str, Any]) -> Record:
    check_mapping("PurchaseOrder", body)
    lines = body.get("orderLines") or []
    if lines:  # read-only on PurchaseOrder: lines are posted to /purchaseOrder/orderline afterwards
        field = g.EMBEDDED_PURCHASE_ORDER_LINE_FIELD
        raise validation([Problem("not_null", field, f"orderLines[{i}].purchaseOrder") for i in range(len(lines))])
    rec: Record = {"status": PO_OPEN, "isClosed": False, "orderLineSorting": "ID",
                   "creationDate": a.today().isoformat(), "orderLines": []}
    problems: list[Problem] = []
    apply_body(a, "PurchaseOrder", rec, body, "", problems, skip=frozenset({"number", "orderLines"}))
    if rec.get("creationDate") in (None, ""):
        rec["creationDate"] = a.today().isoformat()
    _purchase_order_rules(a, rec, problems)
    if rec.get("currency") is None:
        supplier = a.get("Supplier", rec["supplier"]) or {}
        rec["currency"] = supplier.get("currency") or _nok(a)
    used = [int(o["number"]) for o in a.table("PurchaseOrder").values() if str(o.get("number") or "").isdigit()]
    rec["number"] = str(max([g.PURCHASE_ORDER_NUMBER_START - 1, a.purchase_order_numbers_used, *used]) + 1)
    a.purchase_order_numbers_used = int(rec["number"])  # a series: a deleted order's number is not reused
    return a.add("PurchaseOrder", rec)


def update_purchase_order(a: Account, rec: Record, body: dict[str, Any]) -> Record:
    check_mapping("PurchaseOrder", body)
    check_version(rec, body)
    a.before_change("PurchaseOrder", rec)
    problems: list[Problem] = []
    apply_body(a, "PurchaseOrder", rec, body, "", problems, skip=frozenset({"number", "orderLines"}))
    _purchase_order_rules(a, rec, problems)
    a.touch(rec)
    return rec


def _open_purchase_order(order: Record) -> None:
    if order.get("status") != PO_OPEN:
        raise invalid("purchase_order_not_open", "status")


def delete_purchase_order(a: Account, rec: Record) -> None:
    _open_purchase_order(rec)
    for lid in list(rec.get("orderLines") or []):
        line = a.get("PurchaseOrderline", lid)
        if line is not None:
            a.delete("PurchaseOrderline", line)
    a.delete("PurchaseOrder", rec)


def _purchase_line_amounts(a: Account, order: Record, line: Record, body: dict[str, Any], *, new: bool) -> None:
    """What Tripletex derives on a purchase order line (guesses.py: prices from the product's cost)."""
    product = a.get("Product", line.get("product")) if line.get("product") else None
    pct = _pct(a, product.get("vatType")) if product else Decimal(0)
    product_changed = new or "product" in body
    if body.get("unitPriceExcludingVatCurrency") is not None:
        excl = dec(body["unitPriceExcludingVatCurrency"])
    elif body.get("unitPriceIncVatCurrency") is not None:
        excl = dec(body["unitPriceIncVatCurrency"]) / (1 + pct / 100)
    elif product is not None and product_changed:
        excl = dec(product.get("costExcludingVatCurrency"))
    else:
        excl = dec(line.get("unitPriceExcludingVatCurrency"))
    line["unitPriceExcludingVatCurrency"] = precise(excl)
    line["unitPriceIncVatCurrency"] = precise(excl * (1 + pct / 100))
    for key in ("unitCostCurrency", "unitListPriceCurrency"):
        if body.get(key) is None and (new or "unitPriceExcludingVatCurrency" in body or product_changed):
            line[key] = precise(excl)
    if new and body.get("discount") is None and order.get("discount"):
        line["discount"] = order["discount"]
    if product is not None and product_changed and not str(body.get("description") or "").strip():
        line["description"] = product.get("name") or ""
    amount = dec(line.get("count")) * excl * (1 - dec(line.get("discount")) / 100)
    line["amountExcludingVatCurrency"] = money(amount)
    line["amountIncludingVatCurrency"] = money(amount * (1 + pct / 100))


def create_purchase_order_line(a: Account, body: Any, *, path_prefix: str = "") -> Record:
    body = check_mapping("PurchaseOrderline", body, path_prefix=path_prefix)
    sent = body.get("purchaseOrder")
    order = a.get("PurchaseOrder", ref_id(sent)) if sent is not None else None
    if order is None:
        if sent is None:
            raise invalid("not_null", "purchaseOrder", path_prefix + "purchaseOrder")
        raise invalid("object_not_found", "purchaseOrder.id", path_prefix + "purchaseOrder.id")
    _open_purchase_order(order)
    line: Record = {"purchaseOrder": order["id"], "currency": order.get("currency")}
    problems: list[Problem] = []
    apply_body(a, "PurchaseOrderline", line, body, "", problems, skip=frozenset({"purchaseOrder"}))
    for p in problems:
        if p.path is not None and path_prefix:
            p.path = path_prefix + p.path
    if problems:
        raise validation(problems)
    _purchase_line_amounts(a, order, line, body, new=True)
    line = a.add("PurchaseOrderline", line)
    a.before_change("PurchaseOrder", order)
    order["orderLines"].append(line["id"])
    a.touch(order)
    return line


def update_purchase_order_line(a: Account, line: Record, body: dict[str, Any]) -> Record:
    check_mapping("PurchaseOrderline", body)
    check_version(line, body)
    order = a.get("PurchaseOrder", line["purchaseOrder"])
    if order is None:
        raise not_found()
    _open_purchase_order(order)
    a.before_change("PurchaseOrderline", line)
    problems: list[Problem] = []
    apply_body(a, "PurchaseOrderline", line, body, "", problems, skip=frozenset({"purchaseOrder"}))
    if problems:
        raise validation(problems)
    _purchase_line_amounts(a, order, line, body, new=False)
    a.touch(line)
    return line


def delete_purchase_order_line(a: Account, line: Record) -> None:
    order = a.get("PurchaseOrder", line["purchaseOrder"])
    if order is not None:
        _open_purchase_order(order)
        a.before_change("PurchaseOrder", order)
        order["orderLines"] = [x for x in order["orderLines"] if x != line["id"]]
        a.touch(order)
    a.delete("PurchaseOrderline", line)


# -- invoices ----------------------------------------------------------------------------------------------


def check_prepayment(payment_type_id: Any, paid_amount: Any) -> tuple[int, float] | None:
    """``paymentTypeId`` and ``paidAmount``: both or neither."""
    if (payment_type_id is None) != (paid_amount is None):
        raise invalid("both_or_neither", g.BOTH_OR_NEITHER_FIELD)
    if payment_type_id is None:
        return None
    return int(payment_type_id), float(paid_amount)


def _due(order: Record, invoice_date: date) -> date:
    n = int(order.get("invoicesDueIn") or 0)
    kind = order.get("invoicesDueInType") or "DAYS"
    if kind == "MONTHS":
        month = invoice_date.month - 1 + n
        year, month = invoice_date.year + month // 12, month % 12 + 1
        day = min(invoice_date.day, 28)
        return date(year, month, day)
    if kind == "RECURRING_DAY_OF_MONTH":
        nxt = (invoice_date.replace(day=1) + timedelta(days=32)).replace(day=1)
        return nxt.replace(day=min(max(n, 1), 28)) if n < 31 else (nxt + timedelta(days=32)).replace(day=1) - \
            timedelta(days=1)
    return invoice_date + timedelta(days=n)


def _kid(number: int) -> str:
    digits = f"{number:07d}"
    total = 0
    for i, d in enumerate(reversed(digits)):
        x = int(d) * (2 if i % 2 == 0 else 1)
        total += x - 9 if x > 9 else x
    return digits + str((10 - total % 10) % 10)


def invoice_order(a: Account, order: Record, *, invoice_date: date, due_date: date | None, send: bool,
                  send_type: str | None, prepayment: tuple[int, float] | None, comment: str = "",
                  invoice_number: int | None = None, via: str) -> Record:
    """Turn an order into a charged invoice (the rules of PUT /order/{id}/:invoice and POST /invoice)."""
    if not a.bank_account_registered():
        raise invalid("no_bank_account")
    if a.locked_until is not None and invoice_date <= a.locked_until:
        raise ApiProblem(409, g.CODE_LOCKED, "period_locked", args={"date": invoice_date.isoformat()})
    if invoices_of_order(a, int(order["id"])):
        raise invalid("order_already_invoiced")
    if order.get("isClosed"):
        raise invalid("order_closed")
    found = [a.get("OrderLine", lid) for lid in order.get("orderLines") or []]
    lines = [x for x in found if x is not None]
    if not lines:
        raise invalid("no_order_lines", g.NO_ORDER_LINES_FIELD)
    if prepayment is not None and a.get("PaymentType", prepayment[0]) is None:
        raise invalid("payment_type_not_found", "paymentTypeId")
    excl = sum((dec(x.get("amountExcludingVatCurrency")) for x in lines), Decimal(0))
    incl = sum((dec(x.get("amountIncludingVatCurrency")) for x in lines), Decimal(0))
    roundoff = Decimal(0)
    if g.ROUND_INVOICE_TO_WHOLE_KRONER:
        roundoff = incl.quantize(Decimal(1)) - incl
        incl += roundoff
    paid = dec(prepayment[1]) if prepayment else Decimal(0)
    used = [int(i.get("invoiceNumber") or 0) for i in a.table("Invoice").values()]
    number = invoice_number or max([g.INVOICE_NUMBER_START - 1, *used]) + 1
    customer = a.get("Customer", order.get("customer")) or {}
    method = send_type or customer.get("invoiceSendMethod") or "EMAIL"
    rec: Record = {
        "invoiceNumber": number, "invoiceDate": invoice_date.isoformat(),
        "invoiceDueDate": (due_date or _due(order, invoice_date)).isoformat(),
        "customer": order.get("customer"), "orders": [order["id"]], "orderLines": [x["id"] for x in lines],
        "currency": order.get("currency"), "kid": _kid(number), "comment": comment,
        "invoiceComment": order.get("invoiceComment") or "", "deliveryDate": order.get("deliveryDate"),
        "amount": money(incl), "amountCurrency": money(incl), "amountExcludingVat": money(excl),
        "amountExcludingVatCurrency": money(excl), "amountRoundoff": money(roundoff),
        "amountRoundoffCurrency": money(roundoff), "amountOutstanding": money(incl - paid),
        "amountCurrencyOutstanding": money(incl - paid), "amountOutstandingTotal": money(incl - paid),
        "amountCurrencyOutstandingTotal": money(incl - paid), "sumRemits": 0.0, "isCreditNote": False,
        "isCharged": True, "isApproved": True, "isCredited": False, "creditedInvoice": 0,
        "voucher": next(a.ids), "ehfSendStatus": "SENT" if send and method == "EHF" else "DO_NOT_SEND",
        "invoiceRemarks": "", "isPeriodizationPossible": False,
    }
    invoice = a.add("Invoice", rec)
    a.before_change("Order", order)
    if g.CLOSE_ORDER_ON_INVOICE:
        order["isClosed"] = True
    a.touch(order)
    for line in lines:
        a.before_change("OrderLine", line)
        line["isCharged"] = True
    a.invoice_meta[int(invoice["id"])] = {
        "order": int(order["id"]), "sentToCustomer": send, "sendType": method if send else None, "via": via,
        "sentOnCreate": send,
        "payments": ([{"paymentDate": invoice_date.isoformat(), "paymentTypeId": prepayment[0],
                       "paidAmount": prepayment[1], "prepayment": True}] if prepayment else []),
    }
    return invoice


def create_invoice(a: Account, body: dict[str, Any], *, send: bool, prepayment_query: tuple[Any, Any]) -> Record:
    check_mapping("Invoice", body)
    ptype, paid = prepayment_query
    if ptype is None and paid is None:
        ptype, paid = body.get("paymentTypeId"), body.get("paidAmount")
    prepayment = check_prepayment(ptype, paid)
    problems: list[Problem] = []
    mapping: list[Problem] = []
    dates = ("invoiceDate", "invoiceDueDate") if g.INVOICE_DUE_DATE_REQUIRED else ("invoiceDate",)
    _date_problems(body, dates, "", "", mapping, problems)
    if "invoiceDueDate" not in dates and body.get("invoiceDueDate") not in (None, "") \
            and parse_date(body["invoiceDueDate"]) is None:
        mapping.append(Problem("wrong_type", "invoiceDueDate", "invoiceDueDate"))
    orders = body.get("orders")
    if not orders or len(orders) != 1:
        problems.append(Problem("one_order_per_invoice", "orders", "orders"))
    if mapping:
        raise validation(mapping, g.CODE_MAPPING)
    if problems:
        raise validation(problems)
    assert isinstance(orders, list)
    customer = _resolve(a, "Customer", body.get("customer"), "customer", problems)
    if problems:
        raise validation(problems)
    order_body = orders[0]
    existing_id = ref_id(order_body)
    if existing_id is not None:
        order = a.get("Order", existing_id)
        if order is None:
            raise invalid("object_not_found", "orders.id", "orders[0].id")
    else:
        order = create_order(a, order_body, field_prefix="orders.", path_prefix="orders[0].",
                             default_customer=customer)
    invoice_date = parse_date(body["invoiceDate"])
    assert invoice_date is not None
    number = coerce("Invoice", "invoiceNumber", body.get("invoiceNumber")) or None
    return invoice_order(a, order, invoice_date=invoice_date, due_date=parse_date(body.get("invoiceDueDate")),
                         send=send, send_type=None, prepayment=prepayment, comment=str(body.get("comment") or ""),
                         invoice_number=number, via="POST /invoice")


def register_payment(a: Account, invoice: Record, *, payment_date: date, payment_type_id: int, paid_amount: float,
                     paid_amount_currency: float | None) -> Record:
    if a.get("PaymentType", payment_type_id) is None:
        raise invalid("payment_type_not_found", "paymentTypeId")
    a.before_change("Invoice", invoice)
    paid = dec(paid_amount)
    paid_currency = dec(paid_amount_currency) if paid_amount_currency is not None else paid
    for key, amount in (("amountOutstanding", paid), ("amountOutstandingTotal", paid),
                        ("amountCurrencyOutstanding", paid_currency),
                        ("amountCurrencyOutstandingTotal", paid_currency)):
        invoice[key] = money(dec(invoice.get(key)) - amount)
    a.touch(invoice)
    a.invoice_meta.setdefault(int(invoice["id"]), {"payments": []}).setdefault("payments", []).append(
        {"paymentDate": payment_date.isoformat(), "paymentTypeId": payment_type_id, "paidAmount": paid_amount,
         "prepayment": False})
    return invoice
