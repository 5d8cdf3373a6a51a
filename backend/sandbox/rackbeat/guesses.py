"""Everything the Rackbeat sandbox does that the public reference could NOT confirm, in one place.

The reference (``reference/rackbeat/API.md``) tags inferred statements ``[INF]`` and lists open questions
in its §5. Where the sandbox had to choose, the choice is a named constant here, with the reason, so that
one look at a real Rackbeat account can correct all of them together. Nothing outside this module should
hard-code one of these names or values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

# ---------------------------------------------------------------------------------------------------------
# Webhook event names (API.md §2.13, §5)
# ---------------------------------------------------------------------------------------------------------
# [INF] The name of the "customer invoice booked" event is NOT confirmed. Candidates are "invoice.booked" and
# "customer_invoice.booked". The sandbox fires exactly one name (this one) and nothing under the other name;
# registering a webhook for the other name is refused with 422 (unknown event), so a mismatch is loud.
INVOICE_BOOKED_EVENT: Final = "invoice.booked"
# [INF] The purchase-order equivalent; same uncertainty.
PURCHASE_ORDER_BOOKED_EVENT: Final = "purchase_order.booked"

# Confirmed by [DEV]/[DASH]: employee.created/updated, payment_terms.created/updated, product.deleted,
# lot.created, plugin.uninstalled. Everything else below is [INF] (the "<entity>.<action>" pattern).
CUSTOMER_CREATED: Final = "customer.created"  # [INF]
CUSTOMER_UPDATED: Final = "customer.updated"  # [INF]
CUSTOMER_DELETED: Final = "customer.deleted"  # [INF]
SUPPLIER_CREATED: Final = "supplier.created"  # [INF]
SUPPLIER_UPDATED: Final = "supplier.updated"  # [INF]
SUPPLIER_DELETED: Final = "supplier.deleted"  # [INF]
PRODUCT_CREATED: Final = "product.created"  # [INF]
PRODUCT_UPDATED: Final = "product.updated"  # [INF]
PRODUCT_DELETED: Final = "product.deleted"  # confirmed [DEV]
LOT_CREATED: Final = "lot.created"  # confirmed [DEV]
LOT_UPDATED: Final = "lot.updated"  # [INF]
LOT_DELETED: Final = "lot.deleted"  # [INF]
EMPLOYEE_CREATED: Final = "employee.created"  # confirmed [DEV]
EMPLOYEE_UPDATED: Final = "employee.updated"  # confirmed [DEV]
PAYMENT_TERMS_CREATED: Final = "payment_terms.created"  # confirmed [DEV]
PAYMENT_TERMS_UPDATED: Final = "payment_terms.updated"  # confirmed [DEV]

# Events a webhook may be registered for. Confirmed names the sandbox never fires are accepted too.
REGISTERABLE_EVENTS: Final = frozenset(
    {
        INVOICE_BOOKED_EVENT,
        PURCHASE_ORDER_BOOKED_EVENT,
        CUSTOMER_CREATED, CUSTOMER_UPDATED, CUSTOMER_DELETED,
        SUPPLIER_CREATED, SUPPLIER_UPDATED, SUPPLIER_DELETED,
        PRODUCT_CREATED, PRODUCT_UPDATED, PRODUCT_DELETED,
        LOT_CREATED, LOT_UPDATED, LOT_DELETED,
        EMPLOYEE_CREATED, EMPLOYEE_UPDATED,
        PAYMENT_TERMS_CREATED, PAYMENT_TERMS_UPDATED,
        "delivery_terms.created", "delivery_terms.updated", "order.created", "plugin.uninstalled",
    }
)

# [INF] The body's ``data`` is "event specific" [DEV]; the sandbox sends the object as GET would return it.
# Receivers should treat webhooks as notifications and fetch the current state by ``key`` anyway.

# ---------------------------------------------------------------------------------------------------------
# Webhook delivery (API.md §2.13): "exponential backoff for about 24 hours", 3 s connect, 15 s response
# ---------------------------------------------------------------------------------------------------------
# [INF] The exact schedule is not published; this one sums to about 25 hours. Tests set short ones through
# ``POST /_control/accounts/{id}/webhook-retry``.
DEFAULT_WEBHOOK_RETRY_DELAYS: Final = (1.0, 5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0,
                                       28800.0, 36000.0)
WEBHOOK_CONNECT_TIMEOUT_SECONDS: Final = 3.0
WEBHOOK_RESPONSE_TIMEOUT_SECONDS: Final = 15.0
WEBHOOK_TOKEN_LENGTH: Final = 32  # confirmed [DEV]

# ---------------------------------------------------------------------------------------------------------
# Rate limit (API.md §1.7): only the clients' own 480/min/token is known.
# ---------------------------------------------------------------------------------------------------------
DEFAULT_RATE_LIMIT: Final = 480
DEFAULT_RATE_PERIOD_SECONDS: Final = 60.0
# [INF] Whether the real server sends ``Retry-After`` is unconfirmed; the sandbox sends it (seconds until the
# oldest request leaves the window), like Laravel's throttle middleware does.
SEND_RETRY_AFTER_ON_429: Final = True
RATE_LIMIT_MESSAGE: Final = "Too Many Attempts."  # [INF] Laravel's throttle message

# ---------------------------------------------------------------------------------------------------------
# Auth and messages (Laravel defaults) [INF]
# ---------------------------------------------------------------------------------------------------------
UNAUTHENTICATED_MESSAGE: Final = "Unauthenticated."
VALIDATION_MESSAGE: Final = "The given data was invalid."
# [INF] The reference says the old token stops working after ``tokens/replace-current``.
OLD_TOKEN_STOPS_WORKING: Final = True

# ---------------------------------------------------------------------------------------------------------
# Pagination [INF]
# ---------------------------------------------------------------------------------------------------------
DEFAULT_LIMIT: Final = 20  # confirmed [DEV]
MAX_LIMIT: Final = 1000  # [LR] "max 1000, min 1"; larger values are capped, not refused [INF]
# [INF] Laravel's paginator reports at least one page, also for an empty result.
MIN_PAGES: Final = 1

# ---------------------------------------------------------------------------------------------------------
# Customer invoice fields that no source confirmed (API.md §2.10, §5)
# ---------------------------------------------------------------------------------------------------------
INVOICE_DATE_FIELD: Final = "invoice_date"  # [INF] the invoice-date field name
TOTAL_VAT_FIELD: Final = "total_vat"  # [INF] "No VAT-total field name was confirmed by any source."
LINE_TOTAL_FIELD: Final = "line_total"  # [INF] quantity × line_price × (1 − discount/100), rounded to 2
LINE_VAT_FIELD: Final = "vat_percentage"  # [3P] order-line payloads
PARTLY_PAID_FIELD: Final = "is_partly_paid"  # [INF] the 2018 spec spells it ``is_party_paid``
# [INF] A date filter on ``GET customer-invoices``; not documented anywhere. Inclusive, YYYY-MM-DD.
INVOICE_DATE_FROM_PARAM: Final = "invoice_date_from"
INVOICE_DATE_TO_PARAM: Final = "invoice_date_to"
# [INF] Whether PUT is allowed on a booked invoice is unknown; the sandbox refuses it (and DELETE, and a second
# ``book``) with 422 on this field.
BOOKED_FIELD: Final = "is_booked"
BOOKED_IMMUTABLE_MESSAGE: Final = "A booked document cannot be changed."
ALREADY_BOOKED_MESSAGE: Final = "The document is already booked."
# [DEV] example messages for documents
CUSTOMER_INVALID_MESSAGE: Final = "The selected Customer is invalid."
SUPPLIER_INVALID_MESSAGE: Final = "The selected Supplier is invalid."
ITEM_NEEDED_MESSAGE: Final = "Product needed"

# VAT is rounded per line and summed [INF]; amounts to 2 decimals, half up.
VAT_ROUNDING_PER_LINE: Final = True

# ---------------------------------------------------------------------------------------------------------
# VAT (API.md §2.4): whether the product-group VAT fields hold rates or codes is unknown.
# ---------------------------------------------------------------------------------------------------------
# [INF] They hold RATES in percent here, one per VAT zone; a line's ``vat_percentage`` is the item group's
# rate for the customer's (or supplier's) ``vat_zone``. Zones beyond "domestic" are inferred too.
VAT_ZONE_FIELDS: Final = {
    "domestic": "vat_domestic",
    "eu": "vat_eu",
    "abroad": "vat_abroad",
    "domestic_exempt": "vat_domestic_exempt",
}
DEFAULT_VAT_ZONE: Final = "domestic"
DEFAULT_VAT_PERCENTAGE: Final = Decimal("25")  # Norwegian standard rate, used when a group has none

# [INF] Payment-term ``type`` values are undocumented; Rackbeat grew out of e-conomic, so these are plausible.
# Any non-empty string is accepted; these get an English ``type_translated``.
PAYMENT_TERM_TYPES: Final = {
    "net": "Net",
    "invoice_month": "Invoice month",
    "paid_in_cash": "Paid in cash",
    "prepaid": "Prepaid",
    "due_date": "Due date",
}

# [INF] Currency rates against the account currency (NOK), for ``currency_rate`` / ``total_base_currency``.
CURRENCY_RATES: Final = {
    "NOK": Decimal("1"),
    "SEK": Decimal("0.98"),
    "DKK": Decimal("1.55"),
    "EUR": Decimal("11.60"),
    "USD": Decimal("10.80"),
    "GBP": Decimal("13.60"),
}
ACCOUNT_CURRENCY: Final = "NOK"

# ---------------------------------------------------------------------------------------------------------
# Numbering (API.md §1.5)
# ---------------------------------------------------------------------------------------------------------
FIRST_PURCHASE_ORDER_NUMBER: Final = 1001  # [HD]
FIRST_INVOICE_NUMBER: Final = 1  # [INF]
FIRST_NUMBER: Final = 1  # [INF] customers, suppliers, groups, units, terms, employees
PRODUCT_NUMBER_MAX_LENGTH: Final = 25  # [HD]
# [INF] Products and lots share one number space (both are "items" and ``items/{n}`` finds either).
ITEMS_SHARE_NUMBER_SPACE: Final = True

# [INF] Nested group objects on customers and suppliers, and the lot-line key used by current payloads.
CUSTOMER_GROUP_OBJECT_FIELD: Final = "customer_group"
SUPPLIER_GROUP_OBJECT_FIELD: Final = "supplier_group"
LOT_LINE_ITEM_FIELD: Final = "item_id"  # shown beside the 2018 ``product_id``
# [INF] Singular envelope key of one payment term (the reference lists ``payment_term``/``payment_terms``).
PAYMENT_TERM_SINGULAR: Final = "payment_term"
