"""The in-memory state of one Mystore shop, and the shop's rules (placing orders, moving their status).

Records are plain dicts keyed by an integer ``id``. Public attributes carry the names the API renders
(``guesses`` holds every unconfirmed one); references to other records are kept in ``_``-prefixed fields
(``_status``, ``_customer``, ``_payment``, ``_order``, ``_product``) and become JSON:API relationships when
rendered (``resources``). Money is ``Decimal``: unit prices excl. VAT with 4 decimals (as the shop stores
them), everything a shopper sees incl. VAT rounded to øre, half up.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from backend.sandbox.common import Faults
from backend.sandbox.mystore import guesses as g

Record = dict[str, Any]
Q2 = Decimal("0.01")
HUNDRED = Decimal(100)

TABLES = (g.PRODUCTS, g.CUSTOMERS, g.ORDER_STATUSES, g.PAYMENT_METHODS, g.ORDERS, g.ORDER_PRODUCTS,
          g.ORDER_STATUS_HISTORY, g.WEBHOOKS)
FIRST_IDS = {g.ORDERS: g.FIRST_ORDER_ID, g.CUSTOMERS: g.FIRST_CUSTOMER_ID}


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def money(value: Decimal) -> Decimal:
    return value.quantize(Q2, rounding=ROUND_HALF_UP)


def unit_price(value: Decimal) -> Decimal:
    return value.quantize(g.PRICE_DECIMALS, rounding=ROUND_HALF_UP)


def incl_vat(excl: Decimal, rate: Decimal) -> Decimal:
    return money(excl * (HUNDRED + rate) / HUNDRED)


def excl_vat(incl: Decimal, rate: Decimal) -> Decimal:
    return money(incl * HUNDRED / (HUNDRED + rate))


def new_token(shop: str, scopes: frozenset[str]) -> str:
    """A personal access token shaped like Mystore's JWTs (header.payload.signature; not verifiable)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    issued = now()
    payload = {
        "aud": "1",
        "jti": secrets.token_hex(40),
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(days=365 * g.TOKEN_VALID_YEARS)).timestamp()),
        "sub": "personal-access-token",
        "scopes": sorted(scopes),
        "no_mystore_hosts": [shop],
    }
    header = b64(json.dumps({"typ": "JWT", "alg": "RS256"}).encode())
    return f"{header}.{b64(json.dumps(payload).encode())}.{b64(secrets.token_bytes(256))}"


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(g.WEBHOOK_SECRET_BYTES)


class Invalid(Exception):
    """A request (API write or control call) broke a rule. ``pointer`` names the offending member:
    a JSON pointer into the request document (``/data/attributes/topic``) or a control-body path."""

    def __init__(self, message: str, pointer: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer


@dataclass
class Account:
    """One shop: its data, its tokens and webhook secret, and what the control API set for it."""

    account_id: str
    shop: str
    webhook_secret: str
    tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    tables: dict[str, dict[int, Record]] = field(default_factory=lambda: {t: {} for t in TABLES})
    faults: Faults | None = None
    rate_limit: int = g.DEFAULT_RATE_LIMIT
    rate_period: float = g.DEFAULT_RATE_PERIOD_SECONDS
    hits: dict[str, deque[float]] = field(default_factory=dict)
    retry_delays: list[float] = field(default_factory=lambda: list(g.DEFAULT_WEBHOOK_RETRY_DELAYS))
    webhook_timeout: float = g.WEBHOOK_RESPONSE_TIMEOUT_SECONDS
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    _next_ids: dict[str, int] = field(default_factory=dict)

    def table(self, name: str) -> dict[int, Record]:
        return self.tables[name]

    def get(self, name: str, record_id: int | None) -> Record | None:
        return None if record_id is None else self.tables[name].get(record_id)

    def add(self, name: str, rec: Record) -> Record:
        """Store ``rec`` under the next id of its table (or its own ``id`` when it has one)."""
        table = self.tables[name]
        if "id" not in rec:
            rec["id"] = self._next_ids.get(name, FIRST_IDS.get(name, 1))
        self._next_ids[name] = max(self._next_ids.get(name, FIRST_IDS.get(name, 1)), int(rec["id"]) + 1)
        table[int(rec["id"])] = rec
        return rec

    def records(self, name: str) -> Iterator[Record]:
        return iter(list(self.tables[name].values()))

    def issue_token(self, scopes: frozenset[str]) -> str:
        token = new_token(self.shop, scopes)
        self.tokens[token] = scopes
        return token

    # -- lookups by what a shopper or an operator names ------------------------------------------------
    def status_named(self, ref: Any) -> Record | None:
        """An order status by id (int or digit string) or by its admin name (case-insensitive)."""
        if isinstance(ref, bool):
            return None
        if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
            return self.get(g.ORDER_STATUSES, int(ref))
        if isinstance(ref, str):
            wanted = ref.strip().lower()
            return next((s for s in self.records(g.ORDER_STATUSES) if s["name"].lower() == wanted), None)
        return None

    def initial_status(self) -> Record:
        return next((s for s in self.records(g.ORDER_STATUSES) if s[g.STATUS_PROPERTY_FIELD] == g.PROPERTY_STANDARD),
                    next(self.records(g.ORDER_STATUSES)))

    def payment_method_named(self, ref: Any) -> Record | None:
        if isinstance(ref, bool):
            return None
        if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
            return self.get(g.PAYMENT_METHODS, int(ref))
        if isinstance(ref, str):
            wanted = ref.strip().lower()
            return next((p for p in self.records(g.PAYMENT_METHODS)
                         if p["code"] == wanted or p["name"].lower() == wanted), None)
        return None

    def product_by(self, product_id: Any, sku: Any) -> Record | None:
        if product_id is not None and not isinstance(product_id, bool):
            try:
                return self.get(g.PRODUCTS, int(product_id))
            except (TypeError, ValueError):
                return None
        if isinstance(sku, str):
            return next((p for p in self.records(g.PRODUCTS) if p["sku"] == sku), None)
        return None


# ---------------------------------------------------------------------------------------------------------
# Default set-up of every shop
# ---------------------------------------------------------------------------------------------------------


def seed_defaults(acc: Account) -> None:
    """What a new Mystore shop has before anyone touches it: the default statuses and payment modules."""
    stamp = now()
    for sort, (status_id, name, public, prop) in enumerate(g.DEFAULT_STATUSES, start=1):
        acc.add(g.ORDER_STATUSES, {"id": status_id, "name": name, g.STATUS_PUBLIC_NAME_FIELD: public,
                                   g.STATUS_PROPERTY_FIELD: prop, "sort_order": sort, "created_at": stamp,
                                   "updated_at": stamp})
    for sort, (method_id, code, name, fee) in enumerate(g.DEFAULT_PAYMENT_METHODS, start=1):
        acc.add(g.PAYMENT_METHODS, {"id": method_id, "code": code, "name": name, "active": True, "fee": fee,
                                    "fee_tax_rate": g.PAYMENT_FEE_TAX_RATE, "sort_order": sort})


def add_status(acc: Account, body: dict[str, Any]) -> Record:
    name = body.get("name")
    prop = body.get("property", g.PROPERTY_NONE)
    if not isinstance(name, str) or not name.strip():
        raise Invalid("name is required", "/name")
    if acc.status_named(name) is not None:
        raise Invalid(f"a status named {name!r} exists", "/name")
    if prop not in g.STATUS_PROPERTIES:
        raise Invalid(f"property must be one of {sorted(g.STATUS_PROPERTIES)}", "/property")
    public = body.get("publicName") or name
    stamp = now()
    sort = 1 + max((s["sort_order"] for s in acc.records(g.ORDER_STATUSES)), default=0)
    return acc.add(g.ORDER_STATUSES, {"name": name.strip(), g.STATUS_PUBLIC_NAME_FIELD: str(public),
                                      g.STATUS_PROPERTY_FIELD: prop, "sort_order": sort, "created_at": stamp,
                                      "updated_at": stamp})


# ---------------------------------------------------------------------------------------------------------
# Orders: placed the way a shopper would (control API, demo seed), moved by the shop owner
# ---------------------------------------------------------------------------------------------------------


def _text(body: dict[str, Any], key: str, pointer: str, *, required: bool = False, max_len: int = 255) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise Invalid(f"{key} is required", pointer)
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise Invalid(f"{key} must be a text of at most {max_len} characters", pointer)
    return value.strip()


def _decimal(value: Any, pointer: str, *, minimum: Decimal = Decimal(0)) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Invalid("must be a number", pointer)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise Invalid("must be a number", pointer) from exc
    if not number.is_finite() or number < minimum:
        raise Invalid(f"must be a number of at least {minimum}", pointer)
    return number


def _address(raw: Any, pointer: str, fallback: dict[str, Any] | None = None) -> dict[str, Any]:
    if raw is None:
        return dict(fallback or {})
    if not isinstance(raw, dict):
        raise Invalid("must be an object", pointer)
    country = _text(raw, "countryCode", f"{pointer}/countryCode", max_len=2) or "NO"
    return {
        "name": _text(raw, "name", f"{pointer}/name"),
        "company": _text(raw, "company", f"{pointer}/company"),
        "street_address": _text(raw, "streetAddress", f"{pointer}/streetAddress", required=True),
        "street_address_2": _text(raw, "streetAddress2", f"{pointer}/streetAddress2"),
        "postcode": _text(raw, "postcode", f"{pointer}/postcode", required=True, max_len=10),
        "city": _text(raw, "city", f"{pointer}/city", required=True),
        "country_code": country.upper(),
    }


def _full_name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


def customer_block(customer: Record) -> tuple[dict[str, Any], dict[str, Any]]:
    """The customer block and billing address an order copies from a registered customer."""
    business = customer["type"] == g.CUSTOMER_TYPE_BUSINESS
    block = {
        g.CUSTOMER_NUMBER_FIELD: customer["id"],
        g.CUSTOMER_TYPE_FIELD: customer["type"],
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "company": customer["company"],
        g.ORG_NUMBER_FIELD: customer[g.ORG_NUMBER_FIELD] if business else None,
        "email": customer["email"],
        "phone": customer["phone"],
    }
    address = {"name": _full_name(customer["first_name"], customer["last_name"]), "company": customer["company"],
               **{k: customer["address"].get(k) for k in g.ADDRESS_FIELDS[2:]}}
    return block, address


def _guest(raw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(raw, dict):
        raise Invalid("customer must be an object (or give customerId)", "/customer")
    kind = raw.get("type", g.CUSTOMER_TYPE_PRIVATE)
    if kind not in (g.CUSTOMER_TYPE_PRIVATE, g.CUSTOMER_TYPE_BUSINESS):
        raise Invalid(f"type must be {g.CUSTOMER_TYPE_PRIVATE!r} or {g.CUSTOMER_TYPE_BUSINESS!r}", "/customer/type")
    first = _text(raw, "firstName", "/customer/firstName", required=True)
    last = _text(raw, "lastName", "/customer/lastName", required=True)
    company = _text(raw, "company", "/customer/company", required=kind == g.CUSTOMER_TYPE_BUSINESS)
    org = _text(raw, "organisationNumber", "/customer/organisationNumber", max_len=20)
    email = _text(raw, "email", "/customer/email", required=True)
    if email is None or "@" not in email:
        raise Invalid("email must be an e-mail address", "/customer/email")
    block = {
        g.CUSTOMER_NUMBER_FIELD: None,
        g.CUSTOMER_TYPE_FIELD: kind,
        "first_name": first,
        "last_name": last,
        "company": company,
        g.ORG_NUMBER_FIELD: org if kind == g.CUSTOMER_TYPE_BUSINESS else None,
        "email": email,
        "phone": _text(raw, "phone", "/customer/phone", max_len=30),
    }
    address = _address(raw.get("address"), "/customer/address")
    address["name"] = _full_name(first, last)
    address["company"] = company
    return block, address


def _total(code: str, title: str, incl: Decimal, excl: Decimal | None, rate: Decimal | None,
           sort: int) -> dict[str, Any]:
    return {"code": code, "title": title, "value": incl, "value_excl_vat": excl, "tax_rate": rate,
            "sort_order": sort}


def place_order(acc: Account, spec: dict[str, Any], *, at: datetime | None = None) -> Record:
    """Create an order as a shopper's checkout would; raise ``Invalid`` (nothing stored) on a bad spec.

    ``spec``: ``customerId`` (a registered customer) or ``customer`` (a guest: type, firstName, lastName,
    company, organisationNumber, email, phone, address{streetAddress, postcode, city, countryCode}); ``lines``
    of ``productId`` or ``sku`` with ``quantity`` and optional ``unitPriceInclVat``; ``paymentMethod`` (code,
    name or id); optional ``shipping`` {method, price (incl. VAT)}, ``deliveryAddress``, ``comment`` and
    ``status`` (the initial status; default the one with the Standard property).
    """
    stamp = at or now()
    customer_id = spec.get("customerId")
    customer: Record | None = None
    if customer_id is not None:
        customer = acc.get(g.CUSTOMERS, customer_id) if isinstance(customer_id, int) else None
        if customer is None:
            raise Invalid(f"no customer {customer_id!r}", "/customerId")
        block, billing = customer_block(customer)
    else:
        block, billing = _guest(spec.get("customer"))
    delivery = _address(spec.get("deliveryAddress"), "/deliveryAddress", billing)
    if not delivery.get("name"):
        delivery["name"] = billing.get("name")

    method = acc.payment_method_named(spec.get("paymentMethod"))
    if method is None or not method["active"]:
        raise Invalid(f"unknown or inactive payment method {spec.get('paymentMethod')!r}", "/paymentMethod")
    status = acc.initial_status() if spec.get("status") is None else acc.status_named(spec.get("status"))
    if status is None:
        raise Invalid(f"unknown order status {spec.get('status')!r}", "/status")

    raw_lines = spec.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise Invalid("an order needs at least one line", "/lines")
    lines: list[Record] = []
    for i, raw in enumerate(raw_lines):
        if not isinstance(raw, dict):
            raise Invalid("a line must be an object", f"/lines/{i}")
        product = acc.product_by(raw.get("productId"), raw.get("sku"))
        if product is None:
            raise Invalid("no such product (give productId or sku)", f"/lines/{i}")
        qty = raw.get("quantity", 1)
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            raise Invalid("quantity must be a whole number of at least 1", f"/lines/{i}/quantity")
        rate = Decimal(product[g.PRODUCT_TAX_RATE_FIELD])
        if raw.get("unitPriceInclVat") is not None:
            unit_incl = money(_decimal(raw["unitPriceInclVat"], f"/lines/{i}/unitPriceInclVat"))
            unit_excl = unit_price(unit_incl * HUNDRED / (HUNDRED + rate))
        else:
            unit_excl = Decimal(product["price"])
            unit_incl = incl_vat(unit_excl, rate)
        total_incl = money(unit_incl * qty)
        total_excl = excl_vat(total_incl, rate)
        lines.append({
            "_product": product["id"],
            "sku": product["sku"],
            "name": str(raw.get("name") or product["name"].get(g.SHOP_LANGUAGE) or product["sku"]),
            "quantity": qty,
            g.LINE_UNIT_PRICE_FIELD: unit_excl,
            g.LINE_UNIT_PRICE_INCL_FIELD: unit_incl,
            g.LINE_TAX_RATE_FIELD: rate,
            "total_excl_vat": total_excl,
            "total_vat": total_incl - total_excl,
            "total_incl_vat": total_incl,
        })

    totals: list[dict[str, Any]] = []
    sub_incl = sum((line["total_incl_vat"] for line in lines), Decimal(0))
    sub_excl = sum((line["total_excl_vat"] for line in lines), Decimal(0))
    totals.append(_total(g.TOTAL_SUBTOTAL, "Delsum", sub_incl, sub_excl, None, 1))
    charges: list[tuple[Decimal, Decimal]] = []  # (incl, excl) of shipping and fees
    shipping = spec.get("shipping")
    shipping_method: str | None = None
    if shipping is not None:
        if not isinstance(shipping, dict):
            raise Invalid("shipping must be an object", "/shipping")
        shipping_method = _text(shipping, "method", "/shipping/method", required=True)
        price = money(_decimal(shipping.get("price", 0), "/shipping/price"))
        excl = excl_vat(price, g.SHIPPING_TAX_RATE)
        totals.append(_total(g.TOTAL_SHIPPING, str(shipping_method), price, excl, g.SHIPPING_TAX_RATE, 2))
        charges.append((price, excl))
    fee = money(Decimal(method["fee"]))
    if fee > 0:
        rate = Decimal(method["fee_tax_rate"])
        excl = excl_vat(fee, rate)
        totals.append(_total(g.TOTAL_PAYMENT_FEE, f"{g.PAYMENT_FEE_TITLE} ({method['name']})", fee, excl, rate, 3))
        charges.append((fee, excl))
    total_incl = sub_incl + sum((c[0] for c in charges), Decimal(0))
    total_excl = sub_excl + sum((c[1] for c in charges), Decimal(0))
    totals.append(_total(g.TOTAL_TAX, "Herav mva.", total_incl - total_excl, None, None, 8))
    totals.append(_total(g.TOTAL_TOTAL, "Totalt", total_incl, total_excl, None, 9))

    comment = _text(spec, "comment", "/comment", max_len=2000)
    order = acc.add(g.ORDERS, {
        "created_at": stamp,
        "updated_at": stamp,
        "currency": g.ORDER_CURRENCY,
        "currency_value": Decimal(1),
        "language": g.SHOP_LANGUAGE,
        g.ORDER_CUSTOMER_FIELD: block,
        g.ORDER_BILLING_ADDRESS_FIELD: billing,
        g.ORDER_DELIVERY_ADDRESS_FIELD: delivery,
        g.ORDER_PAYMENT_METHOD_FIELD: method["name"],
        g.ORDER_PAYMENT_CODE_FIELD: method["code"],
        "shipping_method": shipping_method,
        "comment": comment,
        g.ORDER_TOTALS_FIELD: totals,
        g.INVOICE_NUMBER_FIELD: None,
        g.INVOICE_DATE_FIELD: None,
        "_status": status["id"],
        "_customer": customer["id"] if customer else None,
        "_payment": method["id"],
        "_lines": [],
    })
    for line in lines:
        line["_order"] = order["id"]
        acc.add(g.ORDER_PRODUCTS, line)
        order["_lines"].append(line["id"])
        product = acc.get(g.PRODUCTS, line["_product"])
        if product is not None:
            product["quantity"] -= line["quantity"]
    _history(acc, order, status, comment=None, notify=True, at=stamp)
    if status[g.STATUS_PROPERTY_FIELD] == g.PROPERTY_CANCELLED:
        _restock(acc, order)
    return order


def _history(acc: Account, order: Record, status: Record, *, comment: str | None, notify: bool,
             at: datetime) -> None:
    acc.add(g.ORDER_STATUS_HISTORY, {"_order": order["id"], "_status": status["id"], "comment": comment,
                                     "notify_customer": notify, "created_at": at})


def _restock(acc: Account, order: Record) -> None:
    for line_id in order["_lines"]:
        line = acc.get(g.ORDER_PRODUCTS, line_id)
        product = acc.get(g.PRODUCTS, line["_product"]) if line else None
        if line is not None and product is not None:
            product["quantity"] += line["quantity"]


def set_status(acc: Account, order: Record, status: Record, *, comment: str | None = None,
               notify_customer: bool = False, at: datetime | None = None) -> bool:
    """Move ``order`` to ``status`` (writes a history row). Returns whether ``orders/update`` fires.

    The Cancelled property puts the items back in stock (S-status); leaving a cancelled status takes them
    out again.
    """
    stamp = at or now()
    old = acc.get(g.ORDER_STATUSES, order["_status"])
    changed = order["_status"] != status["id"]
    was_cancelled = old is not None and old[g.STATUS_PROPERTY_FIELD] == g.PROPERTY_CANCELLED
    is_cancelled = status[g.STATUS_PROPERTY_FIELD] == g.PROPERTY_CANCELLED
    if changed and is_cancelled and not was_cancelled:
        _restock(acc, order)
    if changed and was_cancelled and not is_cancelled:
        for line_id in order["_lines"]:
            line = acc.get(g.ORDER_PRODUCTS, line_id)
            product = acc.get(g.PRODUCTS, line["_product"]) if line else None
            if line is not None and product is not None:
                product["quantity"] -= line["quantity"]
    order["_status"] = status["id"]
    order["updated_at"] = stamp
    _history(acc, order, status, comment=comment, notify=notify_customer, at=stamp)
    return changed or g.SAME_STATUS_UPDATE_FIRES_WEBHOOK


def summary(acc: Account, order: Record) -> dict[str, Any]:
    """An order as the control API's state lists it."""
    status = acc.get(g.ORDER_STATUSES, order["_status"]) or {}
    total = next((t["value"] for t in order[g.ORDER_TOTALS_FIELD] if t["code"] == g.TOTAL_TOTAL), Decimal(0))
    block = order[g.ORDER_CUSTOMER_FIELD]
    return {
        "orderId": order["id"],
        "status": status.get("name"),
        "statusId": status.get("id"),
        "statusProperty": status.get(g.STATUS_PROPERTY_FIELD),
        "paymentMethod": order[g.ORDER_PAYMENT_CODE_FIELD],
        "customerNumber": block[g.CUSTOMER_NUMBER_FIELD],
        "customerType": block[g.CUSTOMER_TYPE_FIELD],
        "lines": len(order["_lines"]),
        "total": float(total),
        "createdAt": order["created_at"].isoformat(),
        "updatedAt": order["updated_at"].isoformat(),
    }


# ---------------------------------------------------------------------------------------------------------
# Webhook subscriptions
# ---------------------------------------------------------------------------------------------------------


def add_webhook(acc: Account, attributes: dict[str, Any]) -> Record:
    unknown = sorted(set(attributes) - {g.WEBHOOK_TOPIC_FIELD, g.WEBHOOK_ADDRESS_FIELD})
    if unknown:
        raise Invalid(f"unknown attribute {unknown[0]!r}", f"/data/attributes/{unknown[0]}")
    topic = attributes.get(g.WEBHOOK_TOPIC_FIELD)
    address = attributes.get(g.WEBHOOK_ADDRESS_FIELD)
    if topic not in g.REGISTERABLE_TOPICS:
        raise Invalid(f"The topic must be one of: {', '.join(sorted(g.REGISTERABLE_TOPICS))}.",
                      f"/data/attributes/{g.WEBHOOK_TOPIC_FIELD}")
    if not isinstance(address, str) or not address.startswith(("http://", "https://")) or " " in address:
        raise Invalid("The address must be an http(s) URL.", f"/data/attributes/{g.WEBHOOK_ADDRESS_FIELD}")
    if any(w[g.WEBHOOK_TOPIC_FIELD] == topic and w[g.WEBHOOK_ADDRESS_FIELD] == address
           for w in acc.records(g.WEBHOOKS)):
        raise Invalid("The address has already been taken for this topic.",
                      f"/data/attributes/{g.WEBHOOK_ADDRESS_FIELD}")
    stamp = now()
    return acc.add(g.WEBHOOKS, {g.WEBHOOK_TOPIC_FIELD: topic, g.WEBHOOK_ADDRESS_FIELD: address,
                                "created_at": stamp, "updated_at": stamp})
