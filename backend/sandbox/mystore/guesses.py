"""Everything the Mystore sandbox does that the public reference could NOT confirm, in one place.

``reference/mystore/API.md`` tags each line [V] (verified), [3p] (third-party code) or [INF] (inference), and
its §11 lists what nobody outside Mystore has published: the Apiary blueprint's resource slugs and attribute
names for orders, lines, statuses, customers and payment methods, the webhook subscription payload, the error
format, write endpoints and scopes. Where the sandbox had to choose, the choice is a named constant here, with
its reason, so that one look at the blueprint or a real shop can correct all of them together. Nothing
outside this module should hard-code one of these names or values.

The connector (``backend/connectors/mystore.py``) does NOT import this module: it keeps its own copy of the
names it parses in one section ("Assumptions about Mystore's wire format"), so that the sandbox and the
connector cannot silently agree on a wrong guess through shared code. A test compares the two.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

# ---------------------------------------------------------------------------------------------------------
# Resource slugs = JSON:API types (API.md §4: "Implied by scope names; the URL form is INF")
# ---------------------------------------------------------------------------------------------------------
# [3p] products (confirmed slug). Everything else below is [INF]: the slug is the scope's resource part
# pluralised the way ``order-products`` is.
PRODUCTS: Final = "products"
ORDERS: Final = "orders"
ORDER_PRODUCTS: Final = "order-products"  # the order lines (scope read:order-products [V])
ORDER_STATUSES: Final = "order-statuses"  # scope read:order-status [V]; the slug's plural is a guess
ORDER_STATUS_HISTORY: Final = "order-status-history"
CUSTOMERS: Final = "customers"  # "whether there is a customers resource/scope is unknown" (§1)
PAYMENT_METHODS: Final = "payment-methods"  # "how an order names its payment method ... is unknown" (§7)
WEBHOOKS: Final = "webhooks"  # scope read:webhooks [V]; "POST /shops/{shop}/webhooks" is [INF] (§8)

# Relationship names (JSON:API members, laravel-json-api style: dashed, singular for to-one) [INF]
REL_ORDER_PRODUCTS: Final = "order-products"
REL_ORDER_STATUS: Final = "order-status"
REL_CUSTOMER: Final = "customer"
REL_PAYMENT_METHOD: Final = "payment-method"
REL_PRODUCT: Final = "product"
REL_ORDER: Final = "order"

# ---------------------------------------------------------------------------------------------------------
# Scopes (API.md §1)
# ---------------------------------------------------------------------------------------------------------
# [V: Lipscore] the read scopes a partner asks for.
VERIFIED_SCOPES: Final = (
    "read:categories", "read:products", "read:product-attributes", "read:product-variants",
    "read:product-specials", "read:product-options", "read:orders", "read:order-products",
    "read:order-product-attributes", "read:order-status", "read:order-status-history", "read:discounts",
    "read:currencies", "read:languages", "read:settings", "read:product-properties", "read:webhooks",
)
# [INF] scopes no source shows: a customers and a payment-methods read scope, and "matching write:* scopes".
INFERRED_SCOPES: Final = ("read:customers", "read:payment-methods", "write:orders", "write:webhooks")
KNOWN_SCOPES: Final = VERIFIED_SCOPES + INFERRED_SCOPES
# Which scope each resource needs. Reading a resource through ``include=`` needs that resource's scope too
# [INF: JSON:API servers usually authorise included resources like direct reads]; a missing one is a 403.
READ_SCOPES: Final = {
    PRODUCTS: "read:products",
    ORDERS: "read:orders",
    ORDER_PRODUCTS: "read:order-products",
    ORDER_STATUSES: "read:order-status",
    ORDER_STATUS_HISTORY: "read:order-status-history",
    CUSTOMERS: "read:customers",
    PAYMENT_METHODS: "read:payment-methods",
    WEBHOOKS: "read:webhooks",
}
WRITE_SCOPES: Final = {ORDERS: "write:orders", WEBHOOKS: "write:webhooks"}

# ---------------------------------------------------------------------------------------------------------
# Tokens and auth (API.md §1)
# ---------------------------------------------------------------------------------------------------------
# [3p] PATs are JWTs valid for 10 years whose payload lists ``no_mystore_hosts``. The sandbox's tokens are
# JWT-shaped (not verifiable) with those claims plus ``scopes``.
TOKEN_VALID_YEARS: Final = 10
# [INF] a token used on a shop that is not in its ``no_mystore_hosts`` is unauthenticated there (401), like a
# missing or unknown token; a known token lacking a scope is forbidden (403).
OTHER_SHOP_STATUS: Final = 401

# ---------------------------------------------------------------------------------------------------------
# Error objects (API.md §2: "The exact JSON:API error object shape is unverified")
# ---------------------------------------------------------------------------------------------------------
# [INF] Standard JSON:API error objects: ``status`` (a string), ``title``, ``detail``, optional ``code``,
# ``source.pointer`` / ``source.parameter`` and ``meta``. Top level: ``{"errors": [...]}`` only (no ``message``).
ERROR_TITLES: Final = {
    400: "Bad Request", 401: "Unauthenticated", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 409: "Conflict", 415: "Unsupported Media Type", 422: "Unprocessable Entity",
    429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout",
}
# [INF] machine-readable codes; a client should match on ``status`` and ``code``, never on ``detail``.
CODE_UNAUTHENTICATED: Final = "unauthenticated"
CODE_INSUFFICIENT_SCOPE: Final = "insufficient_scope"  # meta.required_scope names the missing scope
CODE_NOT_FOUND: Final = "not_found"
CODE_RATE_LIMITED: Final = "too_many_requests"
CODE_INVALID_PARAMETER: Final = "invalid_parameter"
CODE_INVALID_ATTRIBUTE: Final = "invalid_attribute"
CODE_CONFLICT: Final = "conflict"
CODE_MEDIA_TYPE: Final = "unsupported_media_type"
CODE_SERVER: Final = "server_error"
REQUIRED_SCOPE_META: Final = "required_scope"

# ---------------------------------------------------------------------------------------------------------
# Rate limit (API.md §3: 120/min per token [3p]; "Headers unknown")
# ---------------------------------------------------------------------------------------------------------
DEFAULT_RATE_LIMIT: Final = 120
DEFAULT_RATE_PERIOD_SECONDS: Final = 60.0
# [INF] Laravel's throttle middleware (the API looks like Laravel: ``_method=PATCH``): X-RateLimit-Limit and
# X-RateLimit-Remaining on every answer, Retry-After and X-RateLimit-Reset (seconds) on 429.
SEND_RATE_LIMIT_HEADERS: Final = True

# ---------------------------------------------------------------------------------------------------------
# Paging, sparse fieldsets, filters, sorting, includes (API.md §2)
# ---------------------------------------------------------------------------------------------------------
DEFAULT_PAGE_SIZE: Final = 50  # [3p] clients use 50 and 100; the server default is unknown
MAX_PAGE_SIZE: Final = 100  # [INF] larger values are refused with 400 (source.parameter "page[size]")
# [3p] garnly: "asking for a page past the end can give 404"; the sandbox answers 404 for page > last page
# when page > 1 (page 1 of an empty list is 200 with ``data: []``).
PAGE_PAST_END_STATUS: Final = 404
# [INF] laravel-json-api's paging meta and links (first/last always, prev/next only when they exist).
PAGE_META_KEY: Final = "page"
# [3p] "An unknown field name gives 400" for ``fields[type]``.
UNKNOWN_FIELD_STATUS: Final = 400
# [3p] filter syntax ``filter[<name>][path]=<attribute>&filter[<name>][value]=<v>&filter[<name>][operator]=gte``
# "verified against the blueprint" by one author; operators other than gte are [INF]. The default operator
# when none is given is [INF] "eq". A path may also name a to-one relationship, compared with its id [INF].
FILTER_OPERATORS: Final = frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "like", "in"})
DEFAULT_FILTER_OPERATOR: Final = "eq"
# [INF] standard JSON:API ``sort=attr,-attr``; unknown sort fields are 400. Default order: by id ascending.
# [INF] ``include=`` works for the relationships each resource lists below; unknown paths are 400.

# ---------------------------------------------------------------------------------------------------------
# Content negotiation (API.md §2: "send it as both Accept and (on writes) Content-Type" [3p])
# ---------------------------------------------------------------------------------------------------------
MEDIA_TYPE: Final = "application/vnd.api+json"
# [3p] one Python client sends application/json on some calls; the sandbox accepts both on writes and
# answers 415 for anything else.
ACCEPTED_WRITE_MEDIA_TYPES: Final = frozenset({MEDIA_TYPE, "application/json"})

# ---------------------------------------------------------------------------------------------------------
# Products (API.md §4: name/sku/ean/price/cost/quantity/quantity_physical/quantity_reserved/status/updated_at [3p])
# ---------------------------------------------------------------------------------------------------------
# [3p] ``name`` is an object per language, e.g. {"no": "..."}.
SHOP_LANGUAGE: Final = "no"
# [INF] ``price`` is EXCLUDING VAT with 4 decimals (osCommerce's ``products_price`` heritage); the VAT rate in
# percent is ``tax_rate`` (osCommerce has a tax-class id; a rate is what an API would expose).
PRODUCT_TAX_RATE_FIELD: Final = "tax_rate"
PRICE_DECIMALS: Final = Decimal("0.0001")

# ---------------------------------------------------------------------------------------------------------
# Order statuses (API.md §5: defaults [V: S-status]; Norwegian labels beyond "Sendt" are [INF])
# ---------------------------------------------------------------------------------------------------------
# [INF] "How the API exposes the property ... is unknown": an attribute ``property`` with one of these values.
STATUS_PROPERTY_FIELD: Final = "property"
PROPERTY_STANDARD: Final = "standard"
PROPERTY_COMPLETED: Final = "completed"
PROPERTY_CANCELLED: Final = "cancelled"
PROPERTY_NONE: Final = "none"
STATUS_PROPERTIES: Final = frozenset({PROPERTY_STANDARD, PROPERTY_COMPLETED, PROPERTY_CANCELLED, PROPERTY_NONE})
# [V] separate names for admins and customers; [INF] attribute names ``name`` (admin) and ``public_name``.
STATUS_PUBLIC_NAME_FIELD: Final = "public_name"
# id, admin name, customer-facing name, property. Ids 1..5 are [INF].
DEFAULT_STATUSES: Final = (
    (1, "Ikke behandlet", "Mottatt", PROPERTY_STANDARD),
    (2, "Under behandling", "Under behandling", PROPERTY_NONE),
    (3, "Sendt", "Sendt", PROPERTY_COMPLETED),  # [V: Linked2-PO] "Sendt"
    (4, "Kansellert", "Kansellert", PROPERTY_CANCELLED),
    (5, "Returnert", "Returnert", PROPERTY_NONE),
)
# [INF] Saving an order with the status it already has (the help article's resend recipe: pick another
# status in the dialog, pick "Sendt" again, press "Oppdater ordre") still writes a history row and fires
# ``orders/update``. Receivers must therefore expect orders/update with an unchanged status.
SAME_STATUS_UPDATE_FIRES_WEBHOOK: Final = True

# ---------------------------------------------------------------------------------------------------------
# Orders (API.md §4 heritage note: "This is a guess: take the real names from the blueprint")
# ---------------------------------------------------------------------------------------------------------
FIRST_ORDER_ID: Final = 1001  # [INF]
FIRST_CUSTOMER_ID: Final = 1  # [INF] "Mystore customer numbers are small integers" (S-tx-setup, conclusion INF)
# [INF] the customer block on the order (a copy taken at checkout, as osCommerce keeps one): one object
# attribute; ``number`` is the shop's customer number (= the customer's id), null for a guest checkout.
ORDER_CUSTOMER_FIELD: Final = "customer_details"
CUSTOMER_NUMBER_FIELD: Final = "number"
CUSTOMER_TYPE_FIELD: Final = "type"
CUSTOMER_TYPE_PRIVATE: Final = "private"
CUSTOMER_TYPE_BUSINESS: Final = "business"
ORG_NUMBER_FIELD: Final = "organisation_number"
ORDER_BILLING_ADDRESS_FIELD: Final = "billing_address"
ORDER_DELIVERY_ADDRESS_FIELD: Final = "delivery_address"
ADDRESS_FIELDS: Final = ("name", "company", "street_address", "street_address_2", "postcode", "city",
                         "country_code")
# [INF] payment method on the order: display text (osCommerce ``payment_method``) plus the module code,
# and a to-one relationship ``payment-method`` to the payment-methods resource.
ORDER_PAYMENT_METHOD_FIELD: Final = "payment_method"
ORDER_PAYMENT_CODE_FIELD: Final = "payment_method_code"
# [INF] shipping, payment fee and totals are NOT order lines (Linked2 had to invent line codes CF01/CP01 for
# them): they are osCommerce-style order totals, an array attribute ``totals`` of
# {code, title, value (incl. VAT), value_excl_vat, tax_rate, sort_order}.
ORDER_TOTALS_FIELD: Final = "totals"
TOTAL_SUBTOTAL: Final = "subtotal"
TOTAL_SHIPPING: Final = "shipping"
TOTAL_PAYMENT_FEE: Final = "payment_fee"
TOTAL_TAX: Final = "tax"
TOTAL_TOTAL: Final = "total"
# [INF] webshop prices are shown including VAT; lines and totals are computed from the incl.-VAT amounts
# (rounded to øre, half up) and the VAT is extracted from them.
SHIPPING_TAX_RATE: Final = Decimal("25")
PAYMENT_FEE_TAX_RATE: Final = Decimal("25")
ORDER_CURRENCY: Final = "NOK"
# [V: S-tx-setup] transferred orders get an invoice number and date back; unset until then [INF names].
INVOICE_NUMBER_FIELD: Final = "invoice_number"
INVOICE_DATE_FIELD: Final = "invoice_date"

# Order lines (``order-products``) [INF, osCommerce products_model/products_name/final_price/products_tax/
# products_quantity renamed]: sku, name (text in the order's language), quantity, unit_price (excl. VAT,
# 4 decimals), unit_price_incl_vat, tax_rate, total_excl_vat, total_vat, total_incl_vat.
LINE_UNIT_PRICE_FIELD: Final = "unit_price"
LINE_UNIT_PRICE_INCL_FIELD: Final = "unit_price_incl_vat"
LINE_TAX_RATE_FIELD: Final = "tax_rate"

# ---------------------------------------------------------------------------------------------------------
# Payment methods (API.md §7: Klarna, Vipps, "Mystore Kortbetaling" and invoice [V]; codes [INF])
# ---------------------------------------------------------------------------------------------------------
# id, module code, display name, fee incl. VAT. Fee amounts are [INF].
DEFAULT_PAYMENT_METHODS: Final = (
    (1, "vipps", "Vipps", Decimal("0")),
    (2, "klarna", "Klarna", Decimal("0")),
    (3, "mystore_card", "Mystore Kortbetaling", Decimal("0")),
    (4, "invoice", "Faktura", Decimal("49")),
    (5, "cash", "Kontant ved henting", Decimal("0")),
    (6, "giftcard", "Gavekort", Decimal("0")),
)
PAYMENT_FEE_TITLE: Final = "Fakturagebyr"  # [INF] the title of a payment-fee total

# ---------------------------------------------------------------------------------------------------------
# Webhooks (API.md §8)
# ---------------------------------------------------------------------------------------------------------
TOPIC_ORDERS_CREATE: Final = "orders/create"  # [V: Linked2]
TOPIC_ORDERS_UPDATE: Final = "orders/update"  # [V: Linked2]
# [3p: garnly] product topics can be registered; the sandbox never fires them.
REGISTERABLE_TOPICS: Final = frozenset({TOPIC_ORDERS_CREATE, TOPIC_ORDERS_UPDATE, "products/create",
                                        "products/update", "products/delete"})
# [INF] registration: POST /shops/{shop}/webhooks with attributes ``topic`` and ``address``; the SHOP's webhook
# secret signs every delivery (the secret is not part of the subscription; an unknown attribute such as
# ``secret`` is refused with 422 so that a mismatch is loud). The same topic + address twice is 422.
WEBHOOK_TOPIC_FIELD: Final = "topic"
WEBHOOK_ADDRESS_FIELD: Final = "address"
# [V] header names; [3p] the signature is base64(HMAC-SHA256(secret as UTF-8, raw body)).
HEADER_TOPIC: Final = "X-No-Mystore-Topic"
HEADER_HOST: Final = "X-No-Mystore-Host"
HEADER_HMAC: Final = "X-No-Mystore-Hmac-Sha256"
# [INF] X-No-Mystore-Host carries the shop's internal name (Linked2: "The name of the shop").
# [INF] the body is the order as ``GET orders/{id}?include=order-products,order-status`` would return it,
# sent as application/json (compact, UTF-8).
WEBHOOK_CONTENT_TYPE: Final = "application/json"
WEBHOOK_USER_AGENT: Final = "Mystore-Webhooks/2.0"
# [INF] "Retry policy unknown": this schedule sums to about 7.7 hours (Shopify-like). Tests set short ones
# through ``POST /_control/accounts/{id}/webhook-retry``. A delivery counts as failed on a non-2xx answer,
# a connection error or no answer within the timeout.
DEFAULT_WEBHOOK_RETRY_DELAYS: Final = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0)
WEBHOOK_CONNECT_TIMEOUT_SECONDS: Final = 3.0
WEBHOOK_RESPONSE_TIMEOUT_SECONDS: Final = 10.0
WEBHOOK_SECRET_BYTES: Final = 32
