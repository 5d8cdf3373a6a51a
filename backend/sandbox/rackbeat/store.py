"""The in-memory state of one Rackbeat account, and the rules of each resource.

Records are plain dicts whose public fields carry Rackbeat's own names (so that filters and ``order_by``
work on them directly); references to other records are kept by internal id in ``_``-prefixed fields, so
that renumbering a customer or product does not break what points at it. ``render`` turns a record into
the JSON Rackbeat would answer (nested objects, ``self``, timestamps, numbers).
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import string
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar
from urllib.parse import quote

from backend.sandbox.common import Faults
from backend.sandbox.rackbeat import guesses as g
from backend.sandbox.rackbeat.validation import Errors, Invalid, as_int

Record = dict[str, Any]
Q2 = Decimal("0.01")
HUNDRED = Decimal("100")


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def money(value: Decimal) -> Decimal:
    return value.quantize(Q2, rounding=ROUND_HALF_UP)


def jsonable(value: Any) -> Any:
    """Decimal → JSON number, dates → ISO-8601 strings (timestamps with offset)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def urlfriendly(number: str) -> str:
    """The number percent-encoded once (``ABC/1`` → ``ABC%2F1``); clients put it in URLs encoded once more."""
    return quote(number, safe="")


def new_api_token(user_account_id: int, user_id: int) -> str:
    """A long-lived token shaped like Rackbeat's Laravel-Passport JWTs (not a verifiable one)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"typ": "JWT", "alg": "RS256"}).encode())
    payload = b64(json.dumps({"aud": "1", "jti": secrets.token_hex(40), "sub": str(user_id), "scopes": [],
                              "ua": user_account_id}).encode())
    return f"{header}.{payload}.{b64(secrets.token_bytes(256))}"


def new_webhook_token() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(g.WEBHOOK_TOKEN_LENGTH))


class NotFound(Exception):
    def __init__(self, model: str, key: Any) -> None:
        super().__init__(f"No query results for model [{model}] {key}")


# ---------------------------------------------------------------------------------------------------------
# Collections and accounts
# ---------------------------------------------------------------------------------------------------------


class Collection:
    """Records of one resource, by public key and by internal id, in creation order."""

    def __init__(self, key_field: str) -> None:
        self.key_field = key_field
        self._by_key: dict[Any, Record] = {}
        self._by_id: dict[int, Record] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Record]:
        return iter(list(self._by_id.values()))

    def add(self, rec: Record) -> None:
        self._by_key[rec[self.key_field]] = rec
        self._by_id[rec["_id"]] = rec

    def remove(self, rec: Record) -> None:
        self._by_key.pop(rec[self.key_field], None)
        self._by_id.pop(rec["_id"], None)

    def rekey(self, rec: Record, new_key: Any) -> None:
        self._by_key.pop(rec[self.key_field], None)
        rec[self.key_field] = new_key
        self._by_key[new_key] = rec

    def get(self, key: Any) -> Record | None:
        return self._by_key.get(key)

    def by_id(self, internal_id: int | None) -> Record | None:
        return None if internal_id is None else self._by_id.get(internal_id)

    def keys(self) -> list[Any]:
        return [r[self.key_field] for r in self._by_id.values()]

    def next_number(self, start: int) -> int:
        numbers = [k for k in self._by_key if isinstance(k, int)]
        return max(numbers) + 1 if numbers else start


@dataclass
class Account:
    account_id: str
    user_account_id: int
    token: str
    company_name: str
    user: dict[str, Any]
    address: dict[str, Any]
    data: dict[str, Collection] = field(default_factory=dict)
    faults: Faults | None = None
    rate_limit: int = g.DEFAULT_RATE_LIMIT
    rate_period: float = g.DEFAULT_RATE_PERIOD_SECONDS
    hits: dict[str, deque[float]] = field(default_factory=dict)
    retry_delays: list[float] = field(default_factory=lambda: list(g.DEFAULT_WEBHOOK_RETRY_DELAYS))
    webhook_timeout: float = g.WEBHOOK_RESPONSE_TIMEOUT_SECONDS
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        for res in RESOURCES.values():
            if res.stored:
                self.data.setdefault(res.path, Collection(res.key_field))

    def new_id(self) -> int:
        return next(self._ids)

    def coll(self, path: str) -> Collection:
        return self.data[path]


@dataclass
class Change:
    """What a write did, for the webhook it may fire."""

    event: str | None
    rec: Record
    old_key: Any = None
    changed: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------
# Field specs: the simple scalar fields of a resource, read the same way on create and update
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class F:
    name: str
    kind: str = "str"  # str | email | int | dec | bool | date | zone | currency | any
    required: bool = False
    default: Any = None
    max_len: int = 255
    minimum: Any = None
    maximum: Any = None


def _read(e: Errors, body: dict[str, Any], spec: F, *, creating: bool) -> Any:
    required = spec.required and (creating or spec.name in body)
    if spec.kind == "str":
        return e.string(body, spec.name, required=required, max_len=spec.max_len)
    if spec.kind == "email":
        if required and not body.get(spec.name):
            e.add(spec.name, f"The {spec.name.replace('_', ' ')} field is required.")
        return e.email(body, spec.name)
    if spec.kind == "int":
        return e.integer(body, spec.name, required=required, minimum=spec.minimum, maximum=spec.maximum)
    if spec.kind == "dec":
        return e.decimal(body, spec.name, required=required, minimum=spec.minimum, maximum=spec.maximum)
    if spec.kind == "bool":
        return e.boolean(body, spec.name, required=required)
    if spec.kind == "date":
        return e.date(body, spec.name)
    if spec.kind == "zone":
        zone = e.string(body, spec.name, required=required)
        if zone is not None and zone not in g.VAT_ZONE_FIELDS:
            e.add(spec.name, f"The selected {spec.name.replace('_', ' ')} is invalid.")
            return None
        return zone
    if spec.kind == "currency":
        cur = e.string(body, spec.name, required=required, max_len=3)
        if cur is not None:
            if len(cur) != 3 or not cur.isalpha():
                e.add(spec.name, f"The {spec.name} must be 3 characters.")
                return None
            return cur.upper()
        return None
    if spec.kind == "any":
        return body.get(spec.name)
    raise AssertionError(spec.kind)  # pragma: no cover


@dataclass(frozen=True)
class Ref:
    """A reference to another record by its public number: ``payment_terms_id`` → payment-terms."""

    name: str
    target: str
    stored: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    message: str | None = None


class Resource:
    path: ClassVar[str]
    singular: ClassVar[str]
    plural: ClassVar[str]
    model: ClassVar[str]
    key_field: ClassVar[str] = "number"
    int_key: ClassVar[bool] = True
    stored: ClassVar[bool] = True
    renumberable: ClassVar[bool] = False
    first_number: ClassVar[int] = g.FIRST_NUMBER
    fields: ClassVar[tuple[F, ...]] = ()
    refs: ClassVar[tuple[Ref, ...]] = ()
    events: ClassVar[dict[str, str]] = {}
    search_fields: ClassVar[tuple[str, ...]] = ("number", "name")
    writable: ClassVar[bool] = True
    lead: ClassVar[tuple[str, ...]] = ()  # rendered fields to put right after the key

    # -- keys --------------------------------------------------------------------------------------------
    def parse_key(self, raw: str) -> Any:
        if self.int_key:
            return as_int(raw)
        return raw

    def url_key(self, rec: Record) -> str:
        key = rec[self.key_field]
        return urlfriendly(key) if isinstance(key, str) else str(key)

    def self_url(self, base: str, rec: Record) -> str:
        return f"{base}/api/{self.path}/{self.url_key(rec)}"

    def find(self, acc: Account, key: Any) -> Record:
        rec = acc.coll(self.path).get(key) if key is not None else None
        if rec is None:
            raise NotFound(self.model, key)
        return rec

    def _key_taken(self, acc: Account, key: Any, rec: Record | None) -> bool:
        other = acc.coll(self.path).get(key)
        return other is not None and other is not rec

    def _read_key(self, e: Errors, acc: Account, body: dict[str, Any], rec: Record | None) -> Any:
        if self.key_field not in body or (rec is not None and not self.renumberable):
            return None
        if self.int_key:
            key: Any = e.integer(body, "number", minimum=1)
        else:
            key = e.string(body, "number", required=True, max_len=g.PRODUCT_NUMBER_MAX_LENGTH)
        if key is not None and self._key_taken(acc, key, rec):
            e.add("number", "The number has already been taken.")
            return None
        return key

    # -- writes ------------------------------------------------------------------------------------------
    def _refs(self, e: Errors, acc: Account, body: dict[str, Any], out: dict[str, Any], *, creating: bool) -> None:
        for ref in self.refs:
            name = next((n for n in (ref.name, *ref.aliases) if n in body), ref.name)
            present = name in body
            if not present and not creating:
                continue
            value = body.get(name)
            if value is None or value == "":
                if ref.required:
                    e.add(ref.name, f"The {ref.name.replace('_', ' ')} field is required.")
                elif present:
                    out[ref.stored] = None
                continue
            target = RESOURCES[ref.target]
            key = target.parse_key(str(value)) if not isinstance(value, dict) else None
            found = acc.coll(ref.target).get(key) if key is not None else None
            if found is None:
                e.add(ref.name, ref.message or f"The selected {ref.name.replace('_', ' ')} is invalid.")
                continue
            out[ref.stored] = found["_id"]

    def defaults(self, acc: Account, out: dict[str, Any]) -> None:
        """Fill what a create leaves out (after validation passed)."""

    def check(self, e: Errors, acc: Account, body: dict[str, Any], out: dict[str, Any], rec: Record | None) -> None:
        """Resource-specific rules; ``rec`` is None on create."""

    def computed(self, acc: Account, rec: Record) -> None:
        """Recompute derived fields after a write."""

    def create(self, acc: Account, body: dict[str, Any]) -> Change:
        e = Errors()
        key = self._read_key(e, acc, body, None)
        out: dict[str, Any] = {}
        for spec in self.fields:
            value = _read(e, body, spec, creating=True)
            out[spec.name] = spec.default if value is None and spec.name not in e.errors else value
        self._refs(e, acc, body, out, creating=True)
        self.check(e, acc, body, out, None)
        e.raise_if_any()
        coll = acc.coll(self.path)
        stamp = now()
        rec: Record = {"_id": acc.new_id()}
        if self.key_field == "id":
            rec["id"] = rec["_id"]
        else:
            rec["number"] = key if key is not None else coll.next_number(self.first_number)
        rec.update(out)
        rec["created_at"] = stamp
        rec["updated_at"] = stamp
        self.defaults(acc, rec)
        self.computed(acc, rec)
        coll.add(rec)
        return Change(self.events.get("created"), rec)

    def update(self, acc: Account, rec: Record, body: dict[str, Any]) -> Change:
        e = Errors()
        new_key = self._read_key(e, acc, body, rec)
        out: dict[str, Any] = {}
        for spec in self.fields:
            if spec.name in body:
                out[spec.name] = _read(e, body, spec, creating=False)
        self._refs(e, acc, body, out, creating=False)
        self.check(e, acc, body, out, rec)
        e.raise_if_any()
        changed = [k for k, v in out.items() if rec.get(k) != v]
        rec.update(out)
        old_key = rec[self.key_field]
        if new_key is not None and new_key != old_key:
            acc.coll(self.path).rekey(rec, new_key)
            changed.insert(0, self.key_field)
        self.computed(acc, rec)
        if changed:
            rec["updated_at"] = now()
        names = {ref.stored: ref.name for ref in self.refs}
        public = [names.get(c, c) for c in changed]
        return Change(self.events.get("updated"), rec, old_key=old_key, changed=public)

    def delete(self, acc: Account, rec: Record) -> Change:
        self.check_delete(acc, rec)
        acc.coll(self.path).remove(rec)
        return Change(self.events.get("deleted"), rec, old_key=rec[self.key_field])

    def check_delete(self, acc: Account, rec: Record) -> None:
        """Raise ``Invalid`` when the record is in use."""

    # -- reads -------------------------------------------------------------------------------------------
    def render(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        out: dict[str, Any] = {self.key_field: rec[self.key_field]}
        for spec in self.fields:
            out[spec.name] = jsonable(rec.get(spec.name))
        out.update(self.nested(acc, rec, base))
        out["created_at"] = jsonable(rec["created_at"])
        out["updated_at"] = jsonable(rec["updated_at"])
        out["self"] = self.self_url(base, rec)
        if self.lead:
            first = {self.key_field: out[self.key_field], **{k: out[k] for k in self.lead if k in out}}
            out = {**first, **{k: v for k, v in out.items() if k not in first}}
        return out

    def nested(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        return {}

    def brief(self, acc: Account, internal_id: int | None, base: str) -> dict[str, Any] | None:
        rec = acc.coll(self.path).by_id(internal_id)
        return None if rec is None else self.render(acc, rec, base)

    def records(self, acc: Account) -> Iterable[Record]:
        return iter(acc.coll(self.path))

    def list_filter(self, acc: Account, params: dict[str, str]) -> Callable[[Record], bool] | None:
        """A resource-specific filter from query parameters (raise ``Invalid`` on bad values)."""
        return None


def _in_use(field_name: str, what: str) -> Invalid:
    return Invalid({field_name: [f"The {what} is in use and cannot be deleted."]})


# ---------------------------------------------------------------------------------------------------------
# Groups, units, payment terms, employees
# ---------------------------------------------------------------------------------------------------------


class CustomerGroups(Resource):
    path, singular, plural, model = "customer-groups", "customer_group", "customer_groups", "CustomerGroup"
    fields = (F("name", required=True), F("is_draft", "bool", default=False))

    def check_delete(self, acc: Account, rec: Record) -> None:
        if any(c.get("_group") == rec["_id"] for c in acc.coll("customers")):
            raise _in_use("number", "customer group")


class SupplierGroups(Resource):
    path, singular, plural, model = "supplier-groups", "supplier_group", "supplier_groups", "SupplierGroup"
    fields = (F("name", required=True),)

    def check_delete(self, acc: Account, rec: Record) -> None:
        if any(c.get("_group") == rec["_id"] for c in acc.coll("suppliers")):
            raise _in_use("number", "supplier group")


class Units(Resource):
    path, singular, plural, model = "units", "unit", "units", "Unit"
    fields = (F("name", required=True), F("is_draft", "bool", default=False))

    def check_delete(self, acc: Account, rec: Record) -> None:
        if any(p.get("_unit") == rec["_id"] for p in itertools.chain(acc.coll("products"), acc.coll("lots"))):
            raise _in_use("number", "unit")


class ProductGroups(Resource):
    path, singular, plural, model = "product-groups", "product_group", "product_groups", "ProductGroup"
    fields = (
        F("name", required=True),
        F("has_inventory", "bool", required=True),
        F("is_sellable", "bool", default=True),
        # [INF] rates in percent per VAT zone, see guesses.VAT_ZONE_FIELDS
        F("vat_domestic", "dec", default=g.DEFAULT_VAT_PERCENTAGE, minimum=Decimal(0), maximum=HUNDRED),
        F("vat_eu", "dec", default=Decimal(0), minimum=Decimal(0), maximum=HUNDRED),
        F("vat_abroad", "dec", default=Decimal(0), minimum=Decimal(0), maximum=HUNDRED),
        F("vat_domestic_exempt", "dec", default=Decimal(0), minimum=Decimal(0), maximum=HUNDRED),
        F("should_spread_cost", "bool", default=False),
        F("is_draft", "bool", default=False),
    )

    def _items(self, acc: Account, rec: Record) -> list[Record]:
        return [p for p in itertools.chain(acc.coll("products"), acc.coll("lots")) if p.get("_group") == rec["_id"]]

    def check(self, e: Errors, acc: Account, body: dict[str, Any], out: dict[str, Any], rec: Record | None) -> None:
        if rec is None or "has_inventory" not in out or out["has_inventory"] == rec["has_inventory"]:
            return
        if any(p.get("stock_quantity") or p.get("_moved") for p in self._items(acc, rec)):
            e.add("has_inventory", "The inventory setting cannot be changed after stock transactions in the group.")

    def check_delete(self, acc: Account, rec: Record) -> None:
        if self._items(acc, rec):
            raise _in_use("number", "product group")

    def nested(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        return {"num_products": len(self._items(acc, rec))}


class PaymentTerms(Resource):
    path, singular, plural, model = "payment-terms", g.PAYMENT_TERM_SINGULAR, "payment_terms", "PaymentTerm"
    fields = (
        F("name", required=True),
        F("description"),
        F("type", required=True),
        F("maturity_days", "int", required=True, minimum=0, maximum=32767),
    )
    events = {"created": g.PAYMENT_TERMS_CREATED, "updated": g.PAYMENT_TERMS_UPDATED}

    def nested(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        return {"type_translated": g.PAYMENT_TERM_TYPES.get(str(rec.get("type")), str(rec.get("type")))}

    def check_delete(self, acc: Account, rec: Record) -> None:
        users = itertools.chain(acc.coll("customers"), acc.coll("suppliers"))
        if any(c.get("_payment_terms") == rec["_id"] for c in users):
            raise _in_use("number", "payment term")


class Employees(Resource):
    path, singular, plural, model = "employees", "employee", "employees", "Employee"
    fields = (
        F("name", required=True),
        F("initials", max_len=10),
        F("contact_phone"),
        F("contact_email", "email"),
        F("locale", default="nb", max_len=10),
        F("job_title"),
        F("should_notify", "bool", default=False),
        F("default_location_id", "int"),
    )
    events = {"created": g.EMPLOYEE_CREATED, "updated": g.EMPLOYEE_UPDATED}
    search_fields = ("number", "name", "contact_email", "initials")

    def defaults(self, acc: Account, out: dict[str, Any]) -> None:
        if not out.get("initials"):
            out["initials"] = "".join(w[0] for w in str(out["name"]).split()[:3]).upper()


# ---------------------------------------------------------------------------------------------------------
# Customers and suppliers
# ---------------------------------------------------------------------------------------------------------

_CONTACT_FIELDS = (
    F("company_name", required=True),
    F("company_vat", max_len=50),
    F("address_street"),
    F("address_street2"),
    F("address_city"),
    F("address_zipcode", max_len=20),
    F("address_country"),
    F("contact_email", "email"),
    F("contact_phone", max_len=50),
    F("locale", default="nb", max_len=10),
    F("currency", "currency", default=g.ACCOUNT_CURRENCY),
    F("vat_zone", "zone", default=g.DEFAULT_VAT_ZONE),
)


class _Contacts(Resource):
    renumberable = True
    group_resource: ClassVar[str]
    group_field: ClassVar[str]
    search_fields = ("number", "company_name", "company_vat", "contact_email", "contact_phone", "address_city")

    def nested(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        terms = RESOURCES["payment-terms"].brief(acc, rec.get("_payment_terms"), base)
        group = RESOURCES[self.group_resource].brief(acc, rec.get("_group"), base)
        employee = RESOURCES["employees"].brief(acc, rec.get("_employee"), base)
        return {
            "payment_terms_id": terms["number"] if terms else None,
            "payment_terms": terms,
            self.group_field + "_id": group["number"] if group else None,
            g.CUSTOMER_GROUP_OBJECT_FIELD if self.path == "customers" else g.SUPPLIER_GROUP_OBJECT_FIELD: group,
            "employee_id": employee["number"] if employee else None,
            "employee": employee,
            "is_deleted": False,
        }

    def list_filter(self, acc: Account, params: dict[str, str]) -> Callable[[Record], bool] | None:
        name = params.get("company_name")
        ean = params.get("ean")
        if name is None and ean is None:
            return None

        def keep(rec: Record) -> bool:
            if name is not None and name.lower() not in str(rec.get("company_name") or "").lower():
                return False
            return ean is None or str(rec.get("ean") or "") == ean

        return keep


class Customers(_Contacts):
    path, singular, plural, model = "customers", "customer", "customers", "Customer"
    group_resource, group_field = "customer-groups", "customer_group"
    fields = (
        *_CONTACT_FIELDS,
        F("ean", max_len=13),
        F("our_reference"),
        F("their_reference"),
        F("attention"),
        F("max_credit", "dec", minimum=Decimal(0)),
        F("general_discount_percentage", "dec", default=Decimal(0), minimum=Decimal(0), maximum=HUNDRED),
        F("layout_id", "int"),
        F("is_barred", "bool", default=False),
    )
    refs = (
        Ref("payment_terms_id", "payment-terms", "_payment_terms", required=True),
        Ref("customer_group_id", "customer-groups", "_group"),
        Ref("employee_id", "employees", "_employee"),
    )
    events = {"created": g.CUSTOMER_CREATED, "updated": g.CUSTOMER_UPDATED, "deleted": g.CUSTOMER_DELETED}

    def check_delete(self, acc: Account, rec: Record) -> None:
        if any(i.get("_customer") == rec["_id"] for i in acc.coll("customer-invoices")):
            raise _in_use("number", "customer")


class Suppliers(_Contacts):
    path, singular, plural, model = "suppliers", "supplier", "suppliers", "Supplier"
    group_resource, group_field = "supplier-groups", "supplier_group"
    fields = (*_CONTACT_FIELDS, F("is_barred", "bool", default=False))
    refs = (
        Ref("payment_terms_id", "payment-terms", "_payment_terms", required=True),
        Ref("supplier_group_id", "supplier-groups", "_group"),
        Ref("employee_id", "employees", "_employee"),
    )
    events = {"created": g.SUPPLIER_CREATED, "updated": g.SUPPLIER_UPDATED, "deleted": g.SUPPLIER_DELETED}

    def check_delete(self, acc: Account, rec: Record) -> None:
        if any(i.get("_supplier") == rec["_id"] for i in acc.coll("purchase-orders")):
            raise _in_use("number", "supplier")


# ---------------------------------------------------------------------------------------------------------
# Products, lots (BOMs) and the read-only items view
# ---------------------------------------------------------------------------------------------------------


class _Items(Resource):
    int_key = False
    renumberable = True
    item_type: ClassVar[str]
    search_fields = ("number", "name", "barcode", "description")
    lead = ("urlfriendly_number", "type", "name", "group_id", "group", "unit_id", "unit", "sales_price",
            "cost_price", "stock_quantity")

    def _key_taken(self, acc: Account, key: Any, rec: Record | None) -> bool:
        paths = ("products", "lots") if g.ITEMS_SHARE_NUMBER_SPACE else (self.path,)
        for path in paths:
            other = acc.coll(path).get(key)
            if other is not None and other is not rec:
                return True
        return False

    def _read_key(self, e: Errors, acc: Account, body: dict[str, Any], rec: Record | None) -> Any:
        if rec is None and "number" not in body:
            e.add("number", "The number field is required.")
            return None
        return super()._read_key(e, acc, body, rec)

    def group_of(self, acc: Account, rec: Record) -> Record | None:
        return acc.coll("product-groups").by_id(rec.get("_group"))

    def _common_extra(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        group = self.group_of(acc, rec)
        unit = acc.coll("units").by_id(rec.get("_unit"))
        group_out = None
        if group is not None:
            group_out = {"number": group["number"], "name": group["name"], "has_inventory": group["has_inventory"],
                         "is_sellable": group["is_sellable"],
                         **{f: jsonable(group[f]) for f in g.VAT_ZONE_FIELDS.values()},
                         "self": RESOURCES["product-groups"].self_url(base, group)}
        unit_out = None if unit is None else {"number": unit["number"], "name": unit["name"],
                                              "self": RESOURCES["units"].self_url(base, unit)}
        stock = rec.get("stock_quantity") or Decimal(0)
        in_order = rec.get("in_order_quantity") or Decimal(0)
        return {
            "urlfriendly_number": urlfriendly(rec["number"]),
            "type": self.item_type,
            "group_id": group["number"] if group else None,  # [INF] the group's number, not an internal id
            "group": group_out,
            "unit_id": unit["number"] if unit else None,
            "unit": unit_out,
            "inventory_enabled": bool(group and group["has_inventory"]),
            "available_quantity": jsonable(stock - in_order),
            "deleted_at": None,
        }

    def check(self, e: Errors, acc: Account, body: dict[str, Any], out: dict[str, Any], rec: Record | None) -> None:
        # an item with stock movements cannot move to a group with another stock setting [HD]
        if rec is None or out.get("_group") in (None, rec.get("_group")):
            return
        old = acc.coll("product-groups").by_id(rec.get("_group"))
        new = acc.coll("product-groups").by_id(out["_group"])
        if old and new and old["has_inventory"] != new["has_inventory"] and \
                (rec.get("stock_quantity") or rec.get("_moved")):
            e.add("group", "The item has stock transactions and cannot move to a group with another stock setting.")

    def check_delete(self, acc: Account, rec: Record) -> None:
        kind = self.item_type
        used = any(
            line.get("_item") == (kind, rec["_id"])
            for doc in itertools.chain(acc.coll("customer-invoices"), acc.coll("purchase-orders"))
            for line in doc["lines"]
        ) or any(line.get("_product") == rec["_id"] for lot in acc.coll("lots") for line in lot["lines"])
        if used:
            raise Invalid({"number": [f"The {kind} is used in lines and cannot be deleted."]})


_ITEM_REFS = (
    Ref("group", "product-groups", "_group", required=True, aliases=("group_id",)),
    Ref("unit_id", "units", "_unit", aliases=("unit",)),
)


class Products(_Items):
    path, singular, plural, model, item_type = "products", "product", "products", "Product", "product"
    fields = (
        F("name", required=True),
        F("description", max_len=5000),
        F("barcode", max_len=50),
        F("sales_price", "dec", required=True),
        F("recommended_sales_price", "dec"),
        F("recommended_cost_price", "dec"),
        F("cost_addition_percentage", "dec", default=Decimal(0)),
        F("min_order", "dec", default=Decimal(0)),
        F("min_sales", "dec", default=Decimal(0)),
        F("min_stock", "dec", default=Decimal(0)),
        F("stock_quantity", "dec", default=Decimal(0)),
        F("in_order_quantity", "dec", default=Decimal(0)),
        F("purchased_quantity", "dec", default=Decimal(0)),
        F("used_in_production_quantity", "dec", default=Decimal(0)),
        F("default_supplier_id", "int"),
        F("default_location_id", "int"),
        F("discount_group"),
        F("variation_id", "int"),
        F("is_barred", "bool", default=False),
        F("physical", "any"),
    )
    refs = _ITEM_REFS
    events = {"created": g.PRODUCT_CREATED, "updated": g.PRODUCT_UPDATED, "deleted": g.PRODUCT_DELETED}

    def defaults(self, acc: Account, out: dict[str, Any]) -> None:
        # cost_price is read-only in Rackbeat (it moves with purchases); it starts at the expected cost [INF]
        out["cost_price"] = out.get("recommended_cost_price") or Decimal(0)

    def nested(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        sales = rec.get("sales_price") or Decimal(0)
        cost = rec.get("cost_price") or Decimal(0)
        return {
            "cost_price": jsonable(cost),
            "sales_profit": jsonable(money(sales - cost)),
            "is_convertable": True,
            **self._common_extra(acc, rec, base),
        }


class Lots(_Items):
    path, singular, plural, model, item_type = "lots", "lot", "lots", "Lot", "lot"
    fields = (
        F("name", required=True),
        F("description", max_len=5000),
        F("barcode", max_len=50),
        F("sales_price", "dec", default=Decimal(0)),
        F("recommended_sales_price", "dec"),
        F("recommended_cost_price", "dec"),
        F("cost_addition_percentage", "dec", default=Decimal(0)),
        F("stock_quantity", "dec", default=Decimal(0)),
        F("in_order_quantity", "dec", default=Decimal(0)),
        F("purchased_quantity", "dec", default=Decimal(0)),
        F("used_in_production_quantity", "dec", default=Decimal(0)),
        F("min_produced", "dec", default=Decimal(0)),
        F("add_products_individually", "bool", default=False),
        F("cost_is_locked", "bool", default=False),
        F("recommended_cost_is_locked", "bool", default=False),
        F("adjust_to_zero", "bool", default=False),
        F("default_location_id", "int"),
        F("discount_group"),
        F("is_barred", "bool", default=False),
    )
    refs = _ITEM_REFS
    events = {"created": g.LOT_CREATED, "updated": g.LOT_UPDATED, "deleted": g.LOT_DELETED}

    def check(self, e: Errors, acc: Account, body: dict[str, Any], out: dict[str, Any], rec: Record | None) -> None:
        super().check(e, acc, body, out, rec)
        if rec is not None and "lines" not in body:
            return
        lines = body.get("lines")
        if not isinstance(lines, list) or not lines:
            e.add("lines", "The lines field is required." if lines in (None, []) else "The lines must be an array.")
            return
        parsed: list[Record] = []
        for i, raw in enumerate(lines):
            if not isinstance(raw, dict):
                e.add(f"lines.{i}", f"The lines.{i} must be an object.")
                continue
            ref = raw.get("product_id", raw.get(g.LOT_LINE_ITEM_FIELD))
            path = f"lines.{i}.product_id"
            product = acc.coll("products").get(str(ref)) if ref not in (None, "") else None
            if ref in (None, ""):
                e.add(path, g.ITEM_NEEDED_MESSAGE)
            elif product is None:
                e.add(path, f"The selected {path} is invalid.")
            qty = e.decimal(raw, "quantity", required=True, minimum=Decimal("0.000001"), path=f"lines.{i}.quantity")
            if product is not None and qty is not None:
                parsed.append({"id": acc.new_id(), "_product": product["_id"], "quantity": qty,
                               "variations": raw.get("variations") or []})
        out["lines"] = parsed

    def computed(self, acc: Account, rec: Record) -> None:
        rec.setdefault("lines", [])
        cost = Decimal(0)
        for line in rec["lines"]:
            product = acc.coll("products").by_id(line["_product"])
            if product is not None:
                cost += line["quantity"] * (product.get("cost_price") or Decimal(0))
        rec["cost_price"] = money(cost)

    def nested(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        lines = []
        for line in rec["lines"]:
            product = acc.coll("products").by_id(line["_product"])
            unit_price = (product.get("cost_price") or Decimal(0)) if product else Decimal(0)
            lines.append({
                "id": line["id"],
                "product_id": product["number"] if product else None,
                g.LOT_LINE_ITEM_FIELD: product["number"] if product else None,
                "name": product["name"] if product else None,
                "quantity": jsonable(line["quantity"]),
                "location_id": None,
                "unit_price": jsonable(unit_price),
                "line_price": jsonable(money(unit_price * line["quantity"])),
                "variations": line["variations"],
            })
        return {"cost_price": jsonable(rec["cost_price"]), "lines": lines, **self._common_extra(acc, rec, base)}


class Items(_Items):
    """``items``: products and lots together, read-only (``type`` says which)."""

    path, singular, plural, model, item_type = "items", "item", "items", "Item", "item"
    stored = False
    writable = False

    def find(self, acc: Account, key: Any) -> Record:
        for path in ("products", "lots"):
            rec = acc.coll(path).get(key)
            if rec is not None:
                return rec
        raise NotFound(self.model, key)

    def records(self, acc: Account) -> Iterable[Record]:
        return itertools.chain(acc.coll("products"), acc.coll("lots"))

    def render(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        view = RESOURCES["lots"] if "lines" in rec else RESOURCES["products"]
        return view.render(acc, rec, base)

    def list_filter(self, acc: Account, params: dict[str, str]) -> Callable[[Record], bool] | None:
        kind = params.get("type")
        if kind is None:
            return None
        return lambda rec: ("lot" if "lines" in rec else "product") == kind


# ---------------------------------------------------------------------------------------------------------
# Documents: customer invoices and purchase orders
# ---------------------------------------------------------------------------------------------------------


def item_by_number(acc: Account, number: Any) -> tuple[str, Record] | None:
    if number in (None, ""):
        return None
    for kind, path in (("product", "products"), ("lot", "lots")):
        rec = acc.coll(path).get(str(number))
        if rec is not None:
            return kind, rec
    return None


def vat_rate(acc: Account, item: Record, zone: str) -> Decimal:
    group = acc.coll("product-groups").by_id(item.get("_group"))
    if group is None:
        return g.DEFAULT_VAT_PERCENTAGE
    rate = group.get(g.VAT_ZONE_FIELDS.get(zone, "vat_domestic"))
    return g.DEFAULT_VAT_PERCENTAGE if rate is None else Decimal(rate)


class _Documents(Resource):
    party_path: ClassVar[str]
    party_field: ClassVar[str]  # customer_id | supplier_id
    party_stored: ClassVar[str]  # _customer | _supplier
    party_message: ClassVar[str]
    booked_event: ClassVar[str]
    default_price: ClassVar[str]  # item field used when a line has no line_price
    search_fields = ("number", "heading", "our_reference", "your_reference")

    def _party(self, acc: Account, rec: Record) -> Record | None:
        return acc.coll(self.party_path).by_id(rec.get(self.party_stored))

    def _lines(self, e: Errors, acc: Account, raw_lines: Any, zone: str) -> list[Record]:
        if not isinstance(raw_lines, list) or not raw_lines:
            e.add("lines", "The lines field is required." if raw_lines in (None, []) else "The lines must be an array.")
            return []
        lines: list[Record] = []
        for i, raw in enumerate(raw_lines):
            if not isinstance(raw, dict):
                e.add(f"lines.{i}", f"The lines.{i} must be an object.")
                continue
            ref = next((raw[k] for k in ("item_id", "product_id", "lot_id", "child_id") if raw.get(k) not in
                        (None, "")), None)
            found = item_by_number(acc, ref)
            if ref is None:
                e.add(f"lines.{i}.item_id", g.ITEM_NEEDED_MESSAGE)
            elif found is None:
                e.add(f"lines.{i}.item_id", f"The selected lines.{i}.item_id is invalid.")
            qty = e.decimal(raw, "quantity", required=True, path=f"lines.{i}.quantity")
            price = e.decimal(raw, "line_price", path=f"lines.{i}.line_price")
            discount = e.decimal(raw, "discount_percentage", minimum=Decimal(0), maximum=HUNDRED,
                                 path=f"lines.{i}.discount_percentage")
            name = e.string(raw, "name", path=f"lines.{i}.name")
            if found is None or qty is None or e.has(f"lines.{i}.line_price") or \
                    e.has(f"lines.{i}.discount_percentage"):
                continue
            kind, item = found
            if price is None:
                price = item.get(self.default_price) or item.get("sales_price") or Decimal(0)
            discount = discount or Decimal(0)
            unit = acc.coll("units").by_id(item.get("_unit"))
            lines.append({
                "id": acc.new_id(),
                "_item": (kind, item["_id"]),
                "item_id": item["number"],
                "child_id": item["number"],  # the 2018 name of the same thing
                "child_type": kind,
                "name": name or item["name"],
                "quantity": qty,
                "line_price": price,
                "discount_percentage": discount,
                g.LINE_VAT_FIELD: vat_rate(acc, item, zone),
                "unit_id": unit["number"] if unit else None,
                "location_id": None,
                "cost_price": item.get("cost_price") or Decimal(0),
                "variations": raw.get("variations") or [],
            })
        return lines

    def _totals(self, rec: Record) -> None:
        subtotal = Decimal(0)
        vat = Decimal(0)
        for line in rec["lines"]:
            total = money(line["quantity"] * line["line_price"] * (HUNDRED - line["discount_percentage"]) / HUNDRED)
            line[g.LINE_TOTAL_FIELD] = total
            subtotal += total
            vat += money(total * line[g.LINE_VAT_FIELD] / HUNDRED)
        rec["total_subtotal"] = money(subtotal)
        rec[g.TOTAL_VAT_FIELD] = money(vat)
        rec["total_total"] = money(subtotal + vat)
        rate = g.CURRENCY_RATES.get(str(rec.get("currency")), Decimal(1))
        rec["currency_rate"] = rate
        rec["total_base_currency"] = money(rec["total_total"] * rate)

    def check(self, e: Errors, acc: Account, body: dict[str, Any], out: dict[str, Any], rec: Record | None) -> None:
        if rec is not None and rec.get("is_booked"):
            raise Invalid({g.BOOKED_FIELD: [g.BOOKED_IMMUTABLE_MESSAGE]})
        party = self._party(acc, rec) if rec is not None else None
        if rec is None or self.party_field in body:
            ref = body.get(self.party_field)
            party = acc.coll(self.party_path).get(as_int(ref)) if ref not in (None, "") else None
            if ref in (None, ""):
                e.add(self.party_field, f"The {self.party_field.replace('_', ' ')} field is required.")
            elif party is None:
                e.add(self.party_field, self.party_message)
            else:
                out[self.party_stored] = party["_id"]
        zone = out.get("vat_zone") or (rec or {}).get("vat_zone") or (party or {}).get("vat_zone") \
            or g.DEFAULT_VAT_ZONE
        if rec is None or "lines" in body:
            out["lines"] = self._lines(e, acc, body.get("lines"), zone)
        if rec is None and party is not None:
            for f in ("currency", "vat_zone", "address_street", "address_street2", "address_city",
                      "address_zipcode", "address_country"):
                if out.get(f) is None:
                    out[f] = party.get(f)
            out["currency"] = out.get("currency") or g.ACCOUNT_CURRENCY

    def computed(self, acc: Account, rec: Record) -> None:
        rec.setdefault("lines", [])
        self._totals(rec)

    def book(self, acc: Account, rec: Record) -> Change:
        if rec.get("is_booked"):
            raise Invalid({g.BOOKED_FIELD: [g.ALREADY_BOOKED_MESSAGE]})
        rec["is_booked"] = True
        rec["booked_at"] = now()
        rec["updated_at"] = rec["booked_at"]
        self.on_book(acc, rec)
        return Change(self.booked_event, rec)

    def on_book(self, acc: Account, rec: Record) -> None:
        """Side effects of booking (stock movements)."""

    def check_delete(self, acc: Account, rec: Record) -> None:
        if rec.get("is_booked"):
            raise Invalid({g.BOOKED_FIELD: [g.BOOKED_IMMUTABLE_MESSAGE]})

    def _render_lines(self, rec: Record) -> list[dict[str, Any]]:
        keys = ("id", "item_id", "child_id", "child_type", "name", "quantity", "line_price", "discount_percentage",
                g.LINE_VAT_FIELD, "unit_id", "location_id", "cost_price", g.LINE_TOTAL_FIELD, "variations")
        return [{k: jsonable(line.get(k)) for k in keys} for line in rec["lines"]]


class CustomerInvoices(_Documents):
    path, singular, plural, model = "customer-invoices", "customer_invoice", "customer_invoices", "CustomerInvoice"
    first_number = g.FIRST_INVOICE_NUMBER
    party_path, party_field, party_stored = "customers", "customer_id", "_customer"
    party_message = g.CUSTOMER_INVALID_MESSAGE
    booked_event = g.INVOICE_BOOKED_EVENT
    default_price = "sales_price"
    lead = ("customer_id", "customer", "is_booked", "booked_at", g.INVOICE_DATE_FIELD, "due_date", "currency",
            "total_subtotal", g.TOTAL_VAT_FIELD, "total_total", "lines")
    fields = (
        F("currency", "currency"),
        F("heading"),
        F("note", max_len=5000),
        F("our_reference"),
        F("your_reference"),
        F(g.INVOICE_DATE_FIELD, "date"),
        F("due_date", "date"),
        F("vat_zone", "zone"),
        F("address_street"),
        F("address_street2"),
        F("address_city"),
        F("address_zipcode", max_len=20),
        F("address_country"),
        F("layout_id", "int"),
    )
    refs = (Ref("payment_terms_id", "payment-terms", "_payment_terms"),)

    def defaults(self, acc: Account, out: dict[str, Any]) -> None:
        customer = acc.coll("customers").by_id(out.get("_customer"))
        if out.get("_payment_terms") is None and customer is not None:
            out["_payment_terms"] = customer.get("_payment_terms")
        if out.get(g.INVOICE_DATE_FIELD) is None:
            out[g.INVOICE_DATE_FIELD] = date.today()
        if out.get("due_date") is None:
            terms = acc.coll("payment-terms").by_id(out.get("_payment_terms"))
            days = int(terms["maturity_days"]) if terms else 14
            out["due_date"] = out[g.INVOICE_DATE_FIELD] + timedelta(days=days)
        out.update({"is_booked": False, "booked_at": None, "is_paid": False, g.PARTLY_PAID_FIELD: False,
                    "is_overpaid": False})

    def on_book(self, acc: Account, rec: Record) -> None:
        for line in rec["lines"]:
            kind, internal_id = line["_item"]
            item = acc.coll("products" if kind == "product" else "lots").by_id(internal_id)
            group = acc.coll("product-groups").by_id(item.get("_group")) if item else None
            if item is not None and group is not None and group["has_inventory"]:
                item["stock_quantity"] = (item.get("stock_quantity") or Decimal(0)) - line["quantity"]
                item["_moved"] = True

    def nested(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        customer = RESOURCES["customers"].brief(acc, rec.get("_customer"), base)
        terms = RESOURCES["payment-terms"].brief(acc, rec.get("_payment_terms"), base)
        paid = bool(rec.get("is_paid"))
        return {
            "customer_id": customer["number"] if customer else None,
            "customer": customer,
            "order_id": None,
            "payment_terms_id": terms["number"] if terms else None,
            "payment_terms": terms,
            "lines": self._render_lines(rec),
            "currency_rate": jsonable(rec["currency_rate"]),
            "total_subtotal": jsonable(rec["total_subtotal"]),
            g.TOTAL_VAT_FIELD: jsonable(rec[g.TOTAL_VAT_FIELD]),
            "total_total": jsonable(rec["total_total"]),
            "total_base_currency": jsonable(rec["total_base_currency"]),
            "balance": 0.0 if paid else jsonable(rec["total_total"]),
            "is_booked": rec["is_booked"],
            "is_paid": paid,
            g.PARTLY_PAID_FIELD: rec[g.PARTLY_PAID_FIELD],
            "is_overpaid": rec["is_overpaid"],
            "booked_at": jsonable(rec["booked_at"]),
        }

    def list_filter(self, acc: Account, params: dict[str, str]) -> Callable[[Record], bool] | None:
        e = Errors()
        customer_number = e.integer(params, "customer_number")
        since = e.date(params, g.INVOICE_DATE_FROM_PARAM)
        until = e.date(params, g.INVOICE_DATE_TO_PARAM)
        e.raise_if_any()
        customer = acc.coll("customers").get(customer_number) if customer_number is not None else None
        if customer_number is None and since is None and until is None:
            return None

        def keep(rec: Record) -> bool:
            if customer_number is not None and (customer is None or rec.get("_customer") != customer["_id"]):
                return False
            day = rec.get(g.INVOICE_DATE_FIELD)
            if since is not None and (day is None or day < since):
                return False
            return until is None or (day is not None and day <= until)

        return keep


class PurchaseOrders(_Documents):
    path, singular, plural, model = "purchase-orders", "purchase_order", "purchase_orders", "PurchaseOrder"
    first_number = g.FIRST_PURCHASE_ORDER_NUMBER
    party_path, party_field, party_stored = "suppliers", "supplier_id", "_supplier"
    party_message = g.SUPPLIER_INVALID_MESSAGE
    booked_event = g.PURCHASE_ORDER_BOOKED_EVENT
    default_price = "cost_price"
    lead = ("supplier_id", "supplier", "is_booked", "booked_at", "currency", "total_subtotal", g.TOTAL_VAT_FIELD,
            "total_total", "lines")
    fields = (
        F("currency", "currency"),
        F("heading"),
        F("note", max_len=5000),
        F("our_reference"),
        F("their_reference"),
        F("vat_zone", "zone"),
        F("delivery_time_in_days", "int", minimum=0),
        F("delivery_date", "date"),
        F("address_street"),
        F("address_street2"),
        F("address_city"),
        F("address_zipcode", max_len=20),
        F("address_country"),
    )
    refs = (Ref("employee_id", "employees", "_employee"),)

    def defaults(self, acc: Account, out: dict[str, Any]) -> None:
        out.update({"is_booked": False, "booked_at": None, "is_sent": False, "is_received": False,
                    "is_partly_received": False, "is_invoiced": False, "is_partly_invoiced": False})

    def on_book(self, acc: Account, rec: Record) -> None:
        for line in rec["lines"]:
            kind, internal_id = line["_item"]
            item = acc.coll("products" if kind == "product" else "lots").by_id(internal_id)
            if item is not None:
                item["purchased_quantity"] = (item.get("purchased_quantity") or Decimal(0)) + line["quantity"]

    def nested(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        supplier = RESOURCES["suppliers"].brief(acc, rec.get("_supplier"), base)
        employee = RESOURCES["employees"].brief(acc, rec.get("_employee"), base)
        return {
            "supplier_id": supplier["number"] if supplier else None,
            "supplier": supplier,
            "employee_id": employee["number"] if employee else None,
            "employee": employee,
            "lines": self._render_lines(rec),
            "currency_rate": jsonable(rec["currency_rate"]),
            "total_subtotal": jsonable(rec["total_subtotal"]),
            g.TOTAL_VAT_FIELD: jsonable(rec[g.TOTAL_VAT_FIELD]),
            "total_total": jsonable(rec["total_total"]),
            "total_base_currency": jsonable(rec["total_base_currency"]),
            **{k: jsonable(rec[k]) for k in ("is_booked", "is_sent", "is_received", "is_partly_received",
                                             "is_invoiced", "is_partly_invoiced", "booked_at")},
        }

    def list_filter(self, acc: Account, params: dict[str, str]) -> Callable[[Record], bool] | None:
        e = Errors()
        supplier_number = e.integer(params, "supplier_number")
        e.raise_if_any()
        if supplier_number is None:
            return None
        supplier = acc.coll("suppliers").get(supplier_number)
        return lambda rec: supplier is not None and rec.get("_supplier") == supplier["_id"]


# ---------------------------------------------------------------------------------------------------------
# Webhooks (keyed by id)
# ---------------------------------------------------------------------------------------------------------


class Webhooks(Resource):
    path, singular, plural, model = "webhooks", "webhook", "webhooks", "Webhook"
    key_field = "id"
    fields = (F("event", required=True), F("url", required=True, max_len=2000), F("is_active", "bool", default=True))
    search_fields = ("event", "url")

    def check(self, e: Errors, acc: Account, body: dict[str, Any], out: dict[str, Any], rec: Record | None) -> None:
        event = out.get("event")
        if event is not None and event not in g.REGISTERABLE_EVENTS:
            e.add("event", "The selected event is invalid.")
        if out.get("url") is not None:
            e.url(out, "url")

    def defaults(self, acc: Account, out: dict[str, Any]) -> None:
        out["token"] = new_webhook_token()
        out["plugin"] = None
        out["failures_since_last_success"] = 0

    def find_same(self, acc: Account, event: str, url: str) -> Record | None:
        return next((w for w in acc.coll(self.path) if w["event"] == event and w["url"] == url), None)

    def render(self, acc: Account, rec: Record, base: str) -> dict[str, Any]:
        return {
            "id": rec["id"],
            "event": rec["event"],
            "url": rec["url"],
            "is_active": rec["is_active"],
            "plugin": rec["plugin"],
            "failures_since_last_success": rec["failures_since_last_success"],
            "created_at": jsonable(rec["created_at"]),
            "updated_at": jsonable(rec["updated_at"]),
            "self": self.self_url(base, rec),
        }

    def list_filter(self, acc: Account, params: dict[str, str]) -> Callable[[Record], bool] | None:
        event = params.get("event")
        return None if event is None else (lambda rec: rec["event"] == event)


RESOURCES: dict[str, Resource] = {
    r.path: r
    for r in (
        CustomerGroups(), SupplierGroups(), ProductGroups(), Units(), PaymentTerms(), Employees(),
        Customers(), Suppliers(), Products(), Lots(), Items(), CustomerInvoices(), PurchaseOrders(), Webhooks(),
    )
}
DOCUMENTS: dict[str, _Documents] = {
    "customer-invoices": RESOURCES["customer-invoices"],  # type: ignore[dict-item]
    "purchase-orders": RESOURCES["purchase-orders"],  # type: ignore[dict-item]
}
WEBHOOKS: Webhooks = RESOURCES["webhooks"]  # type: ignore[assignment]
