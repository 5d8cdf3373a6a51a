"""The once-only initial sync, as pure rules: which entities, in which order, and how an accounting-system record
becomes a Rackbeat record ("oppstartssynkronisering": Tripletex or eAccounting → Rackbeat).

No I/O here: the service streams the records, these functions say what to write and why something is skipped.
Every Rackbeat record is written with the accounting system's number as its own number, so the number is the
key that makes a write idempotent: a create refused as "number taken" means the record is already there (made by
an earlier attempt of ours, or by the user before the sync), and it is linked, never overwritten or duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Entities in dependency order: groups, units and terms before the products and customers that refer to them.
TRIPLETEX_ENTITIES: tuple[str, ...] = ("payment_terms", "employees", "customers", "suppliers", "products")
EACCOUNTING_ENTITIES: tuple[str, ...] = ("product_groups", "units", "payment_terms", "customers", "products")

ENTITY_NAMES = {
    "payment_terms": ("Payment terms", "Betalingsbetingelser"),
    "employees": ("Employees (an invitation is sent)", "Ansatte (invitasjon sendes)"),
    "customers": ("Customers", "Kunder"),
    "suppliers": ("Suppliers", "Leverandører"),
    "products": ("Products", "Varer"),
    "product_groups": ("Product groups (from article labels)", "Varegrupper (fra artikkeletiketter)"),
    "units": ("Units", "Enheter"),
}

# Group mappings the sync needs (mapping kinds; source key "default", target key the Rackbeat group number).
GROUP_KINDS = ("customer_group", "supplier_group", "product_group", "service_group")
NEEDS_GROUP = {"customers": "customer_group", "suppliers": "supplier_group",
               "products": "product_group"}  # products also need service_group (non-stock items)

# Not synchronised, said plainly: Rackbeat's API has no projects, so Tripletex projects cannot be carried over.
NOT_SUPPORTED = {
    "projects": "Rackbeat has no projects in its API; Tripletex projects are not carried over.",
}


@dataclass
class Planned:
    """One source record as it would be written to Rackbeat."""

    key: str  # the record's number in both systems (employees: the e-mail address)
    payload: dict[str, Any] | None  # None: not written (see skip)
    skip: str | None = None  # why it is not written (a reason code)
    skip_message: str | None = None
    notes: list[str] = field(default_factory=list)  # written, but with something left out (e.g. an invalid org no.)
    # the record's id in the accounting system: remembered in the external-id map (Rackbeat number → this id), so
    # that later real-time transfers update this record instead of making a second one
    source_id: str | None = None


def valid_org_number(value: str) -> bool:
    """A Norwegian organisation number: 9 digits with a modulus-11 check digit."""
    digits = value.replace(" ", "")
    if len(digits) != 9 or not digits.isdigit():
        return False
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    rest = sum(int(d) * w for d, w in zip(digits[:8], weights, strict=True)) % 11
    check = 0 if rest == 0 else 11 - rest
    return check != 10 and check == int(digits[8])


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _money(value: Any) -> str:
    return str(Decimal(str(value or 0)).quantize(Decimal("0.01")))


def _skip(key: str, code: str, message: str) -> Planned:
    return Planned(key=key, payload=None, skip=code, skip_message=message)


# -- payment terms ---------------------------------------------------------------------------------------------


def tripletex_term_key(record: dict[str, Any]) -> str | None:
    """The payment term a Tripletex customer or supplier has (``invoicesDueIn`` + ``invoicesDueInType``)."""
    days = record.get("invoicesDueIn")
    kind = _text(record.get("invoicesDueInType")) or "DAYS"
    if days is None:
        return None
    return f"{int(days)} {kind}"


def term_payload(source_key: str, name: str | None, days: int | None) -> dict[str, Any]:
    """A Rackbeat payment term for a Tripletex due term ("14 DAYS", "1 MONTHS", ...) or an eAccounting term."""
    if days is None:
        amount, _, unit = source_key.partition(" ")
        days = int(amount) if amount.isdigit() else 0
        if unit == "MONTHS":
            days *= 30
        if unit == "RECURRING_DAY_OF_MONTH":
            return {"name": name or f"Løpende måned + {days}", "type": "invoice_month", "maturity_days": days,
                    "description": name or source_key}
    kind = "paid_in_cash" if days == 0 else "net"
    label = name or ("Kontant" if days == 0 else f"Netto {days} dager")
    return {"name": label, "type": kind, "maturity_days": days, "description": label}


def matching_term(payload: dict[str, Any], terms: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A Rackbeat payment term of the same name, or else of the same type and days."""
    name = payload["name"].strip().lower()
    for t in terms:
        if _text(t.get("name")).lower() == name:
            return t
    for t in terms:
        if t.get("type") == payload["type"] and int(t.get("maturity_days") or 0) == payload["maturity_days"]:
            return t
    return None


# -- Tripletex → Rackbeat --------------------------------------------------------------------------------------


def _address(address: Any) -> dict[str, Any]:
    a: dict[str, Any] = address if isinstance(address, dict) else {}
    country: dict[str, Any] = a["country"] if isinstance(a.get("country"), dict) else {}
    out = {"address_street": _text(a.get("addressLine1")), "address_street2": _text(a.get("addressLine2")),
           "address_zipcode": _text(a.get("postalCode")), "address_city": _text(a.get("city")),
           "address_country": _text(country.get("isoAlpha2Code"))}
    return {k: v for k, v in out.items() if v}


def tripletex_contact(record: dict[str, Any], number_field: str, *, group: int, terms: dict[str, int],
                      default_term: int) -> Planned:
    """A Tripletex customer or supplier → a Rackbeat customer or supplier (same number)."""
    number = record.get(number_field)
    key = _text(number)
    if not key.isdigit() or int(key) < 1:
        return _skip(key or f"id {record.get('id')}", "NO_NUMBER",
                     f"{_text(record.get('name')) or 'A record'} has no {number_field} in Tripletex")
    name = _text(record.get("name"))
    if not name:
        return _skip(key, "NO_NAME", f"number {key} has no name")
    planned = Planned(key=key, payload=None, source_id=_text(record.get("id")) or None)
    payload: dict[str, Any] = {"number": int(key), "company_name": name[:255]}
    org = _text(record.get("organizationNumber")).replace(" ", "")
    if org:
        if valid_org_number(org):
            payload["company_vat"] = org
        else:
            planned.notes.append(f"organisation number {org!r} is not valid; written without it")
    email = _text(record.get("invoiceEmail")) or _text(record.get("email"))
    if email:
        payload["contact_email"] = email
    phone = _text(record.get("phoneNumber")) or _text(record.get("phoneNumberMobile"))
    if phone:
        payload["contact_phone"] = phone[:50]
    currency = record.get("currency")
    if isinstance(currency, dict) and currency.get("code"):
        payload["currency"] = str(currency["code"])
    payload.update(_address(record.get("postalAddress")))
    term = tripletex_term_key(record)
    payload["payment_terms_id"] = terms.get(term, default_term) if term else default_term
    payload["customer_group_id" if number_field == "customerNumber" else "supplier_group_id"] = group
    planned.payload = payload
    return planned


def tripletex_product(record: dict[str, Any], *, stock_group: int, service_group: int) -> Planned:
    key = _text(record.get("number"))
    if not key:
        return _skip(f"id {record.get('id')}", "NO_NUMBER",
                     f"{_text(record.get('name')) or 'A product'} has no product number in Tripletex")
    name = _text(record.get("name"))
    if not name:
        return _skip(key, "NO_NAME", f"product {key} has no name")
    stock_item = bool(record.get("isStockItem"))
    payload: dict[str, Any] = {
        "number": key, "name": name[:255], "group": stock_group if stock_item else service_group,
        "sales_price": _money(record.get("priceExcludingVatCurrency")),
        "recommended_cost_price": _money(record.get("costExcludingVatCurrency")),
    }
    if record.get("ean"):
        payload["barcode"] = _text(record["ean"])[:50]
    if stock_item and record.get("stockOfGoods") not in (None, 0):
        payload["stock_quantity"] = str(record["stockOfGoods"])
    return Planned(key=key, payload=payload, source_id=_text(record.get("id")) or None)


def tripletex_employee(record: dict[str, Any]) -> Planned:
    email = _text(record.get("email")).lower()
    name = " ".join(p for p in (_text(record.get("firstName")), _text(record.get("lastName"))) if p)
    if not email:
        return _skip(name or f"id {record.get('id')}", "NO_EMAIL", f"{name or 'An employee'} has no e-mail address, "
                     "so no invitation can be sent")
    if not name:
        return _skip(email, "NO_NAME", f"the employee {email} has no name")
    payload: dict[str, Any] = {"name": name, "contact_email": email, "should_notify": True}
    phone = _text(record.get("phoneNumberMobile"))
    if phone:
        payload["contact_phone"] = phone
    return Planned(key=email, payload=payload)


# -- eAccounting → Rackbeat ------------------------------------------------------------------------------------


def eaccounting_label(record: dict[str, Any]) -> Planned:
    name = _text(record.get("Name"))
    if not name:
        return _skip(_text(record.get("Id")), "NO_NAME", "an article label has no name")
    # labels say nothing about stock: a label group holds stock, like Rackbeat's own product groups by default
    return Planned(key=_text(record.get("Id")), payload={"name": name[:255], "has_inventory": True,
                                                         "is_sellable": True})


def eaccounting_unit(record: dict[str, Any]) -> Planned:
    name = _text(record.get("Name")) or _text(record.get("Abbreviation")) or _text(record.get("Code"))
    if not name:
        return _skip(_text(record.get("Id")), "NO_NAME", "a unit has no name")
    return Planned(key=_text(record.get("Id")), payload={"name": name[:255]})


def eaccounting_customer(record: dict[str, Any], *, group: int, terms: dict[str, int], default_term: int) -> Planned:
    key = _text(record.get("CustomerNumber"))
    name = _text(record.get("Name"))
    if not key.isdigit() or int(key) < 1:
        return _skip(key or name or _text(record.get("Id")), "NO_NUMBER",
                     f"{name or 'A customer'}: customer number {key!r} is not a whole number, which Rackbeat needs")
    if not name:
        return _skip(key, "NO_NAME", f"customer {key} has no name")
    planned = Planned(key=key, payload=None, source_id=_text(record.get("Id")) or None)
    payload: dict[str, Any] = {"number": int(key), "company_name": name[:255], "customer_group_id": group,
                               "payment_terms_id": terms.get(_text(record.get("TermsOfPaymentId")), default_term)}
    org = _text(record.get("CorporateIdentityNumber")).replace(" ", "")
    if org:
        if valid_org_number(org):
            payload["company_vat"] = org
        else:
            planned.notes.append(f"organisation number {org!r} is not valid; written without it")
    for src, dst in (("EmailAddress", "contact_email"), ("Telephone", "contact_phone"),
                     ("InvoiceAddress1", "address_street"), ("InvoiceAddress2", "address_street2"),
                     ("InvoicePostalCode", "address_zipcode"), ("InvoiceCity", "address_city"),
                     ("InvoiceCountryCode", "address_country"), ("CurrencyCode", "currency")):
        if _text(record.get(src)):
            payload[dst] = _text(record.get(src))
    planned.payload = payload
    return planned


def eaccounting_article(record: dict[str, Any], *, stock_group: int, service_group: int,
                        label_groups: dict[str, int], units: dict[str, int]) -> Planned:
    key = _text(record.get("Number"))
    name = _text(record.get("Name"))
    if not key:
        return _skip(name or _text(record.get("Id")), "NO_NUMBER", f"{name or 'An article'} has no article number")
    if not name:
        return _skip(key, "NO_NAME", f"article {key} has no name")
    stock = bool(record.get("IsStock")) and not record.get("IsServiceArticle")
    group = service_group
    if stock:
        labels = record.get("ArticleLabels") or []
        label_ids = [_text(lb.get("Id") if isinstance(lb, dict) else lb) for lb in labels]
        group = next((label_groups[i] for i in label_ids if i in label_groups), stock_group)
    payload: dict[str, Any] = {"number": key, "name": name[:255], "group": group,
                               "sales_price": _money(record.get("NetPrice")),
                               "recommended_cost_price": _money(record.get("PurchasePrice"))}
    unit = units.get(_text(record.get("UnitId")))
    if unit is not None:
        payload["unit_id"] = unit
    if stock and record.get("StockBalance") not in (None, 0):
        payload["stock_quantity"] = str(record["StockBalance"])
    return Planned(key=key, payload=payload, source_id=_text(record.get("Id")) or None)
