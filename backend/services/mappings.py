"""Mappings between the source's and the target's vocabularies, per integration (the ``mapping`` table).

Kind ``payment_method``: a webshop payment method (Mystore's module code, e.g. ``vipps``) → a Tripletex payment
type id (``GET /invoice/paymentType``), with options
``{"transferAs": "INVOICE" | "ORDER", "sendInvoice": bool, "markAsPaid": bool}`` (seed 002: per payment method,
automatic sending of the invoice, or "do not mark the invoice as paid" for invoice enclosed / manual invoice).

Defaults when nothing is mapped: card, Vipps, Klarna, cash and gift cards are already paid → INVOICE, marked as
paid, not sent (the customer should get one invoice only, and Klarna invoices the customer itself); invoice
("faktura") → ORDER (invoiced by hand in Tripletex, as B2B usually is), not marked as paid.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from backend.db.models import Connection, InitialSyncRecord, Integration, Mapping, System, TransferMode
from backend.flows import initial_sync as initial_sync_rules
from backend.services import audit
from backend.services.auth import Principal
from backend.services.connector_factory import mystore_client, rackbeat_client, tripletex_client
from backend.services.context import AppContext
from backend.services.errors import ExternalSystemError, InvalidInput, NotFound

log = logging.getLogger(__name__)

PAYMENT_METHOD = "payment_method"
# Initial sync (Rackbeat integrations): the Rackbeat group new customers / suppliers / stock products / non-stock
# products ("service group") go into (source key "default", target key the Rackbeat group number), and the
# accounting system's payment terms → Rackbeat payment terms (source key: Tripletex "14 DAYS", eAccounting's
# TermsOfPayment id; target key: the Rackbeat payment term number).
GROUP_KINDS = ("customer_group", "supplier_group", "product_group", "service_group")
PAYMENT_TERM = "payment_term"
KINDS = frozenset({PAYMENT_METHOD, PAYMENT_TERM, *GROUP_KINDS})
OPTION_KEYS = frozenset({"transferAs", "sendInvoice", "markAsPaid"})

# words that mean the same thing in payment-method and payment-type names (Norwegian and English)
_SYNONYMS = {
    "card": "kort", "kortbetaling": "kort", "creditcard": "kort", "bankkort": "kort",
    "cash": "kontant", "kontanter": "kontant",
    "invoice": "faktura", "fakturabetaling": "faktura",
    "giftcard": "gavekort",
}
# payment-method words meaning "the customer pays later, on an invoice": transferred as an order
_INVOICE_WORDS = frozenset({"faktura", "efaktura", "ehf"})


@dataclass(frozen=True)
class PaymentOptions:
    transfer_as: TransferMode
    send_invoice: bool
    mark_as_paid: bool
    payment_type_id: int | None  # None: not mapped


@dataclass(frozen=True)
class MappingIn:
    kind: str
    source_key: str
    target_key: str
    options: Any = None  # a JSON object (validated by set_mappings)


@dataclass(frozen=True)
class Suggestion:
    kind: str
    source_key: str
    source_name: str
    target_key: str | None
    target_name: str | None
    options: dict[str, Any]
    mapped: bool  # True when this comes from a mapping already saved


def _words(text: str) -> set[str]:
    out = set()
    for word in re.split(r"[^0-9a-zæøå]+", text.lower()):
        if word:
            out.add(_SYNONYMS.get(word, word))
    joined = re.sub(r"[^0-9a-zæøå]+", "", text.lower())
    if joined:
        out.add(_SYNONYMS.get(joined, joined))
    return out


def default_options(code: str, name: str | None = None) -> dict[str, Any]:
    pays_later = bool(_words(f"{code} {name or ''}") & _INVOICE_WORDS)
    if pays_later:
        return {"transferAs": TransferMode.ORDER.value, "sendInvoice": False, "markAsPaid": False}
    return {"transferAs": TransferMode.INVOICE.value, "sendInvoice": False, "markAsPaid": True}


def _options(kind: str, raw: Any, code: str) -> dict[str, Any]:
    """Validated options with defaults filled in."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidInput("options must be a JSON object", field="options")
    if kind != PAYMENT_METHOD:
        return dict(raw)
    unknown = sorted(set(raw) - OPTION_KEYS)
    if unknown:
        raise InvalidInput(f"unknown option(s): {', '.join(unknown)}", field="options")
    out = {**default_options(code), **raw}
    if out["transferAs"] not in (TransferMode.INVOICE.value, TransferMode.ORDER.value):
        raise InvalidInput('transferAs is "INVOICE" or "ORDER"', field="options.transferAs")
    for flag in ("sendInvoice", "markAsPaid"):
        if not isinstance(out[flag], bool):
            raise InvalidInput(f"{flag} is true or false", field=f"options.{flag}")
    return out


def best_match(method_code: str, method_name: str | None, types: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The payment type whose name matches the payment method's: the same name first, then a shared word."""
    names = [t for t in types if t.get("description") or t.get("displayName")]
    wanted = {w.lower() for w in (method_code, method_name or "") if w}
    for t in names:
        if str(t.get("description") or t.get("displayName")).strip().lower() in wanted:
            return t
    method_words = _words(f"{method_code} {method_name or ''}")
    for t in names:
        if _words(str(t.get("description") or t.get("displayName"))) & method_words:
            return t
    return None


async def _integration(ctx: AppContext, principal: Principal, integration_id: str) -> Integration:
    principal.require(integration_id)
    async with ctx.db.session() as s:
        row = await s.get(Integration, integration_id)
    if row is None:
        raise NotFound(f"integration {integration_id} not found")
    return row


async def list_mappings(ctx: AppContext, principal: Principal, integration_id: str,
                        kind: str | None = None) -> list[Mapping]:
    await _integration(ctx, principal, integration_id)
    stmt = select(Mapping).where(Mapping.integration_id == integration_id)
    if kind is not None:
        stmt = stmt.where(Mapping.kind == kind)
    async with ctx.db.session() as s:
        return list((await s.exec(stmt.order_by(col(Mapping.kind), col(Mapping.source_key)))).all())


async def set_mappings(ctx: AppContext, principal: Principal, integration_id: str,
                       items: list[MappingIn]) -> list[Mapping]:
    """Create or replace each mapping (one per kind and source key); others are left as they are. Returns
    every mapping of the kinds given."""
    await _integration(ctx, principal, integration_id)
    clean: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for item in items:
        if item.kind not in KINDS:
            raise InvalidInput(f"unknown mapping kind {item.kind!r} (known: {', '.join(sorted(KINDS))})",
                               field="kind")
        source_key, target_key = item.source_key.strip(), item.target_key.strip()
        if not source_key or len(source_key) > 200:
            raise InvalidInput("sourceKey must be 1-200 characters", field="sourceKey")
        options = _options(item.kind, item.options, source_key)
        if item.kind in GROUP_KINDS or item.kind == PAYMENT_TERM:
            if not target_key.isdigit():
                raise InvalidInput(f"{item.kind}: targetKey is a Rackbeat number", field="targetKey")
            if item.kind in GROUP_KINDS and source_key != "default":
                raise InvalidInput(f'{item.kind}: sourceKey is "default"', field="sourceKey")
        if item.kind == PAYMENT_METHOD:
            if target_key and not target_key.isdigit():
                raise InvalidInput("targetKey is a Tripletex payment type id", field="targetKey")
            if not target_key and options["transferAs"] == TransferMode.INVOICE.value and options["markAsPaid"]:
                raise InvalidInput(f"{source_key}: an invoice marked as paid needs a payment type (targetKey)",
                                   field="targetKey")
        clean[(item.kind, source_key)] = (target_key, options)
    async with ctx.db.session() as s:
        audit.track(s, principal, integration_id)  # audit rows go with the change, in this transaction
        for (kind, source_key), (target_key, options) in clean.items():
            row = (await s.exec(select(Mapping).where(Mapping.integration_id == integration_id,
                                                      Mapping.kind == kind, Mapping.source_key == source_key))).first()
            if row is None:
                row = Mapping(integration_id=integration_id, kind=kind, source_key=source_key, target_key=target_key)
            row.target_key = target_key
            row.options = options
            s.add(row)
        await s.commit()
    kinds = {k for k, _ in clean}
    rows = await list_mappings(ctx, principal, integration_id)
    return [r for r in rows if r.kind in kinds]


async def _connection(ctx: AppContext, integration_id: str, system: System) -> Connection:
    async with ctx.db.session() as s:
        row = (await s.exec(select(Connection).where(Connection.integration_id == integration_id,
                                                     Connection.system == system.value))).first()
    if row is None:
        raise InvalidInput(f"the integration has no {system.value.capitalize()} connection yet",
                           field="integrationId")
    return row


async def suggest_mappings(ctx: AppContext, principal: Principal, integration_id: str) -> list[Suggestion]:
    """For each of the webshop's payment methods: the saved mapping, or a suggestion (a Tripletex payment type
    of a matching name, and the default options)."""
    integration = await _integration(ctx, principal, integration_id)
    if integration.source == System.RACKBEAT.value:
        return await _suggest_rackbeat(ctx, principal, integration)
    if integration.source != System.MYSTORE.value or integration.target != System.TRIPLETEX.value:
        raise InvalidInput("payment-method mappings are for Mystore → Tripletex integrations", field="integrationId")
    shop = mystore_client(ctx, await _connection(ctx, integration_id, System.MYSTORE), None)
    ledger = tripletex_client(ctx, await _connection(ctx, integration_id, System.TRIPLETEX), None)
    methods = await shop.list_payment_methods()
    types = await ledger.list_payment_types()
    by_id = {str(t.get("id")): t for t in types}
    saved = {m.source_key: m for m in await list_mappings(ctx, principal, integration_id, PAYMENT_METHOD)}
    out: list[Suggestion] = []
    for method in methods:
        code = str(method.get("code") or method.get("name") or method.get("id"))
        name = str(method.get("name") or code)
        existing = saved.get(code)
        if existing is not None:
            target = by_id.get(existing.target_key)
            out.append(Suggestion(PAYMENT_METHOD, code, name, existing.target_key or None,
                                  str(target.get("description")) if target else None, dict(existing.options), True))
            continue
        options = default_options(code, name)
        match = best_match(code, name, types) if options["markAsPaid"] else None
        out.append(Suggestion(PAYMENT_METHOD, code, name, str(match["id"]) if match else None,
                              str(match.get("description")) if match else None, options, False))
    return out


async def payment_options(ctx: AppContext, integration_id: str, method_code: str | None) -> PaymentOptions:
    """How a document paid with ``method_code`` is transferred: its mapping, or the defaults."""
    row = None
    if method_code:
        async with ctx.db.session() as s:
            row = (await s.exec(select(Mapping).where(Mapping.integration_id == integration_id,
                                                      Mapping.kind == PAYMENT_METHOD,
                                                      Mapping.source_key == method_code))).first()
    options = {**default_options(method_code or ""), **(row.options if row is not None else {})}
    target = row.target_key if row is not None else ""
    return PaymentOptions(transfer_as=TransferMode(options["transferAs"]), send_invoice=bool(options["sendInvoice"]),
                          mark_as_paid=bool(options["markAsPaid"]),
                          payment_type_id=int(target) if target and target.isdigit() else None)


async def payment_terms_to_target(ctx: AppContext, integration_id: str) -> dict[str, str]:
    """Rackbeat payment term number → the accounting system's payment-terms key (eAccounting: the TermsOfPayment
    id), for customers carried to the accounting system. The ``payment_term`` mappings and the terms the initial
    sync made in Rackbeat both pair the two, the other way round; a saved mapping wins. Where several of the
    accounting system's terms map to one Rackbeat term, the first by key is used (map one to one to choose)."""
    async with ctx.db.session() as s:
        made = (await s.exec(select(InitialSyncRecord).where(
            InitialSyncRecord.integration_id == integration_id, InitialSyncRecord.entity == "payment_terms",
            col(InitialSyncRecord.target_key).is_not(None)))).all()
        mapped = (await s.exec(select(Mapping).where(Mapping.integration_id == integration_id,
                                                     Mapping.kind == PAYMENT_TERM))).all()
    pairs: dict[str, str] = {}
    for rows in (sorted((str(r.target_key), r.source_key) for r in made),
                 sorted((m.target_key, m.source_key) for m in mapped if m.target_key)):
        chosen: dict[str, str] = {}
        for rackbeat_term, key in rows:
            chosen.setdefault(rackbeat_term, key)
        pairs.update(chosen)
    return pairs


# -- Rackbeat integrations: groups and payment terms for the initial sync --------------------------------------

_SERVICE_WORDS = frozenset({"tjeneste", "tjenester", "service", "services", "ikke-lager", "nonstock", "frakt"})


def suggest_group(kind: str, groups: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Stock products need a group with inventory, non-stock ones a group without; a group whose name says
    "service"/"tjeneste" is preferred for the latter. Customer and supplier groups: the first one."""
    if kind == "product_group":
        groups = [g for g in groups if g.get("has_inventory")]
    elif kind == "service_group":
        groups = [g for g in groups if g.get("has_inventory") is False]
        named = [g for g in groups if _words(str(g.get("name") or "")) & _SERVICE_WORDS]
        groups = named or groups
    return groups[0] if groups else None


async def _suggest_rackbeat(ctx: AppContext, principal: Principal, integration: Integration) -> list[Suggestion]:
    from backend.services import initial_sync

    rb = rackbeat_client(ctx, await _connection(ctx, integration.id, System.RACKBEAT), None)
    saved = {(m.kind, m.source_key): m for m in await list_mappings(ctx, principal, integration.id)}
    out: list[Suggestion] = []
    lists = {"customer_group": await rb.list_customer_groups(), "supplier_group": await rb.list_supplier_groups()}
    lists["product_group"] = lists["service_group"] = await rb.list_product_groups()
    for kind in GROUP_KINDS:
        groups = lists[kind]
        by_number = {str(g.get("number")): g for g in groups}
        existing = saved.get((kind, "default"))
        if existing is not None:
            found = by_number.get(existing.target_key)
            out.append(Suggestion(kind, "default", kind.replace("_", " "), existing.target_key,
                                  str(found.get("name")) if found else None, {}, True))
            continue
        match = suggest_group(kind, groups)
        out.append(Suggestion(kind, "default", kind.replace("_", " "), str(match["number"]) if match else None,
                              str(match.get("name")) if match else None, {}, False))
    terms = await rb.list_payment_terms()
    try:
        source_terms = await initial_sync.source_terms(ctx, integration.id)
    except ExternalSystemError:  # e.g. too many customers to list: the groups are still worth suggesting
        log.warning("payment terms of integration %s could not be read for suggestions", integration.id,
                    exc_info=True)
        source_terms = []
    for key, name, payload in source_terms:
        existing = saved.get((PAYMENT_TERM, key))
        if existing is not None:
            found = next((t for t in terms if str(t.get("number")) == existing.target_key), None)
            out.append(Suggestion(PAYMENT_TERM, key, name, existing.target_key,
                                  str(found.get("name")) if found else None, {}, True))
            continue
        match = initial_sync_rules.matching_term(payload, terms)
        out.append(Suggestion(PAYMENT_TERM, key, name, str(match["number"]) if match else None,
                              str(match.get("name")) if match else None, {}, False))
    return out


@dataclass(frozen=True)
class Choice:
    key: str
    name: str
    detail: str | None = None


async def mapping_choices(ctx: AppContext, principal: Principal, integration_id: str, kind: str) -> list[Choice]:
    """Every value a mapping of ``kind`` may point at (what a mapping form offers): Rackbeat's groups or payment
    terms, or the target's payment types."""
    integration = await _integration(ctx, principal, integration_id)
    if kind in GROUP_KINDS or kind == PAYMENT_TERM:
        if integration.source != System.RACKBEAT.value:
            raise InvalidInput(f"{kind} mappings are for Rackbeat integrations", field="kind")
        rb = rackbeat_client(ctx, await _connection(ctx, integration_id, System.RACKBEAT), None)
        if kind == PAYMENT_TERM:
            return [Choice(str(t.get("number")), str(t.get("name") or ""),
                           f"{t.get('type')}, {t.get('maturity_days')} days") for t in await rb.list_payment_terms()]
        if kind == "customer_group":
            groups = await rb.list_customer_groups()
        elif kind == "supplier_group":
            groups = await rb.list_supplier_groups()
        else:
            groups = await rb.list_product_groups()
        return [Choice(str(g.get("number")), str(g.get("name") or ""),
                       None if "has_inventory" not in g else ("holds stock" if g["has_inventory"] else "no stock"))
                for g in groups]
    if kind == PAYMENT_METHOD:
        if integration.target != System.TRIPLETEX.value:
            raise InvalidInput("payment-method mappings point at Tripletex payment types", field="kind")
        ledger = tripletex_client(ctx, await _connection(ctx, integration_id, System.TRIPLETEX), None)
        return [Choice(str(t.get("id")), str(t.get("description") or t.get("displayName") or ""))
                for t in await ledger.list_payment_types()]
    raise InvalidInput(f"unknown mapping kind {kind!r} (known: {', '.join(sorted(KINDS))})", field="kind")
