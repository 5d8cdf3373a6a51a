"""Everything the Tripletex sandbox does that the reference could NOT confirm, in one place.

Sources: ``reference/tripletex/ENDPOINTS.md`` (the digest), ``openapi.json`` (2.74.00) and public logs of real
error bodies (quoted in ENDPOINTS.md §"Known business rules"). Where the sandbox had to choose, the choice is
a named constant here with the reason, so that one look at a real Tripletex account can correct all of them
together. Confirmed behaviour is marked [CONFIRMED] with its source; everything else is [GUESS].
Nothing outside this module hard-codes one of these values or messages.
"""

from __future__ import annotations

from typing import Final

# ---------------------------------------------------------------------------------------------------------
# Error envelope
# ---------------------------------------------------------------------------------------------------------
# [CONFIRMED] real 422 bodies carry this link and "Validering feilet." / developerMessage "VALIDATION_ERROR".
LINK: Final = "https://tripletex.no/v2-docs/"
VALIDATION_DEVELOPER_MESSAGE: Final = "VALIDATION_ERROR"

# [CONFIRMED] status → code table from the spec's overview (ENDPOINTS.md §0).
CODE_BAD_REQUEST: Final = 4000
CODE_AUTH: Final = 3000
CODE_PERMISSION: Final = 9000
CODE_NOT_FOUND: Final = 6000
CODE_REVISION: Final = 8000
CODE_ILLEGAL_FILTER: Final = 11000
CODE_VALUE_VALIDATION: Final = 15000
CODE_MAPPING: Final = 16000
CODE_SORTING: Final = 17000
CODE_VALIDATION: Final = 18000
CODE_PARAM: Final = 21000
CODE_INVALID_JSON: Final = 22000
CODE_RESULT_TOO_LARGE: Final = 23000
CODE_UNEXPECTED: Final = 1000
CODE_PATH_PARAM: Final = 12000
# [CONFIRMED] 409 code 10000 means "locked" (the spec's status/code table). [GUESS] that invoicing with a date in a
# period the company has closed (locked after the VAT return or the year-end) is what answers it, and the message.
CODE_LOCKED: Final = 10000
# [GUESS] the spec's table has no code for 429 ("—"); the sandbox sends 0 so that ``code`` stays an int32.
CODE_RATE_LIMIT: Final = 0
# [GUESS] a method the path does not have (e.g. PUT /invoice/{id}): JAX-RS answers 405; the code is a guess.
CODE_METHOD_NOT_ALLOWED: Final = 4000

# [CONFIRMED] for unknown body fields: 422, code 16000, "Request mapping failed", and one validation message
# per field (field = the property name, dotted for nested objects), "Feltet eksisterer ikke i objektet."
# (public agent logs). The English twin is a [GUESS].
# [GUESS] wrong JSON types (a string where a number belongs) get the same code with "Verdien er ikke av korrekt
# type for dette feltet." (the words "korrekt type" are seen in public error categorisers).

# [CONFIRMED] ``field`` is dotted without indexes, ``path`` carries them: {"field": "postings.account.name",
# "path": "postings[0].account.name"} (tripletex-api2 issue #112); list posts prefix the path with "[0]".
# [GUESS] business-rule messages whose field is not known from a real body follow the same convention.

# ---------------------------------------------------------------------------------------------------------
# Messages: key → (Norwegian, English). The account's language picks one.
# ---------------------------------------------------------------------------------------------------------
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # [CONFIRMED] Norwegian / English top-level message of 422 validation errors.
    "validation_failed": ("Validering feilet.", "Validation failed."),
    # [CONFIRMED] Norwegian (public logs: "Request mapping failed" was the message even for Norwegian users).
    "mapping_failed": ("Request mapping failed", "Request mapping failed"),
    "field_does_not_exist": ("Feltet eksisterer ikke i objektet.", "The field does not exist in the object."),
    "wrong_type": ("Verdien er ikke av korrekt type for dette feltet.",  # [GUESS]
                   "The value is not of the correct type for this field."),
    # [CONFIRMED] "Feltet må fylles ut." / "Kan ikke være null." are real; which one a given field gets is a guess.
    "required": ("Feltet må fylles ut.", "The field must be filled in."),
    "not_null": ("Kan ikke være null.", "Cannot be null."),
    # [CONFIRMED] Norwegian text; English [GUESS].
    "no_bank_account": ("Faktura kan ikke opprettes før selskapet har registrert et bankkontonummer.",
                        "Invoice cannot be created before the company has registered a bank account number."),
    "no_order_lines": ("Fakturaen inneholder ingen ordrelinjer.", "The invoice contains no order lines."),
    # [GUESS] text of the 409/10000 refusal of a voucher dated in a locked (closed) period.
    "period_locked": ("Perioden er låst. Bilag kan ikke registreres med dato {date}.",
                      "The period is locked. Vouchers cannot be registered dated {date}."),
    "invalid_vat": ("Ugyldig mva-kode.", "Invalid VAT code."),
    "product_number_in_use": ("Produktnummeret {number} er i bruk.", "The product number {number} is in use."),
    # [CONFIRMED] both languages (Tripletex FAQ).
    "price_incl_vat": ("Enhetspris må være med mva siden enhetspris på ordre er med mva.",
                       "The unit price must be inclusive VAT since the unit price on the order is inclusive VAT."),
    "price_excl_vat": ("Enhetspris må være uten mva siden enhetspris på ordre er uten mva.",
                       "The unit price must be exclusive VAT since the unit price on the order is exclusive VAT."),
    # [CONFIRMED] English (Tripletex FAQ); Norwegian [GUESS].
    "org_number": ("Organisasjonsnummeret må bestå av 9 siffer og kan ikke inneholde mellomrom.",
                   "The organization number must consist of 9 numbers and cannot have any spaces."),
    # [GUESS] all of the following texts.
    "ehf_postal_address": ("Postadresse må fylles ut for kunder som skal motta EHF.",
                           "A postal address is required for customers that receive EHF."),
    "ehf_single_invoice": ("Samlefaktura kan ikke brukes sammen med EHF.",
                           "Single customer invoice cannot be combined with EHF."),
    "customer_number_in_use": ("Kundenummeret {number} er i bruk.", "The customer number {number} is in use."),
    "supplier_number_in_use": ("Leverandørnummeret {number} er i bruk.",
                               "The supplier number {number} is in use."),
    "object_not_found": ("Objektet finnes ikke.", "Object not found"),
    "not_found": ("Objektet finnes ikke.", "Object not found"),
    "revision_conflict": ("Objektet er endret av en annen bruker. Hent det på nytt og prøv igjen.",
                          "The object has been changed by someone else. Fetch it again and retry."),
    "unauthorized": ("Ikke innlogget eller ugyldig sesjon.", "Unauthorized"),
    "no_company_access": ("Du har ikke tilgang til dette selskapet.", "You do not have access to this company."),
    "bad_tokens": ("Ugyldig consumerToken eller employeeToken.", "Invalid consumerToken or employeeToken."),
    "expiration_in_past": ("Utløpsdato må være etter dagens dato.", "The expiration date must be after today."),
    "param_required": ("Parameteren {name} må fylles ut.", "The parameter {name} is required."),
    "param_invalid": ("Ugyldig verdi for parameteren {name}.", "Invalid value for the parameter {name}."),
    "both_or_neither": ("paymentTypeId og paidAmount må oppgis sammen.",
                        "paymentTypeId and paidAmount must be given together."),
    "payment_type_not_found": ("Betalingstypen finnes ikke.", "The payment type does not exist."),
    "one_order_per_invoice": ("En faktura må ha nøyaktig én ordre.", "An invoice must have exactly one order."),
    "order_already_invoiced": ("Ordren er allerede fakturert.", "The order has already been invoiced."),
    "order_closed": ("Ordren er lukket og kan ikke faktureres.", "The order is closed and cannot be invoiced."),
    "order_invoiced_delete": ("Ordren kan ikke slettes fordi den er fakturert.",
                              "The order cannot be deleted because it has been invoiced."),
    "order_invoiced_change": ("Ordren er fakturert og kan ikke endres.",
                              "The order has been invoiced and cannot be changed."),
    "customer_in_use": ("Kunden kan ikke slettes fordi den har ordre eller fakturaer.",
                        "The customer cannot be deleted because it has orders or invoices."),
    "product_in_use": ("Produktet kan ikke slettes fordi det er brukt på ordrelinjer.",
                       "The product cannot be deleted because it is used on order lines."),
    "bank_account_number": ("Ugyldig kontonummer.", "Invalid account number."),
    "illegal_fields": ("Illegal field in fields filter: {name}. {name} does not match a field in the model: {dto}",
                       "Illegal field in fields filter: {name}. {name} does not match a field in the model: {dto}"),
    "fields_syntax": ("Illegal fields filter: {value}", "Illegal fields filter: {value}"),
    "sorting": ("Illegal sorting field: {name}", "Illegal sorting field: {name}"),
    "result_too_large": ("Result set too large. Limit of 10.000 reached.",
                         "Result set too large. Limit of 10.000 reached."),  # [CONFIRMED] FAQ wording
    "invalid_json": ("Ugyldig JSON.", "Invalid JSON."),
    "method_not_allowed": ("Metoden er ikke tillatt.", "Method not allowed."),
    "path_param": ("Ugyldig verdi i stien: {value}", "Invalid path parameter: {value}"),
    "rate_limited": ("For mange forespørsler.", "Too many requests."),
    "module_missing": ("Selskapet har ikke tilgang til denne modulen.",
                       "The company does not have access to this module."),
    "no_access": ("Du har ikke tilgang til denne funksjonen.", "You do not have permission to access this feature."),
    "purchase_order_not_open": ("Innkjøpsordren er sendt eller mottatt og kan ikke endres eller slettes.",
                                "The purchase order has been sent or received and cannot be changed or deleted."),
}

# [GUESS] the top-level ``message`` of non-validation errors (401, 404, 409, 429, 500) is the validation text
# itself; real bodies for these were not available.

# ---------------------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------------------
# [CONFIRMED] expirationDate must be after today; the token "expires at midnight on expirationDate".
# [GUESS] read as: valid while today < expirationDate (it dies at the midnight that starts expirationDate).
SESSION_VALID_ON_EXPIRATION_DATE: Final = False
# [GUESS] wrong consumer/employee token on :create → 401 code 3000 (same as a bad session).
BAD_TOKENS_STATUS: Final = 401
# [GUESS] a Basic-auth username that is neither 0, blank nor the own company id → 403 code 9000.

# ---------------------------------------------------------------------------------------------------------
# Rate limiting
# ---------------------------------------------------------------------------------------------------------
# [CONFIRMED] per employee per API consumer, headers X-Rate-Limit-Limit/-Remaining/-Reset, 429 until the
# period ends. [GUESS] the numbers (none are published): generous defaults, set per account by the control API.
DEFAULT_RATE_LIMIT: Final = 10_000
DEFAULT_RATE_PERIOD_SECONDS: Final = 60.0
# [CONFIRMED] issue #103: real 429 answers may LACK X-Rate-Limit-Reset. The sandbox sends it by default (the
# documented behaviour); ``{"omitResetOn429": true}`` on the control API reproduces the bug.
RESET_HEADER_ON_429: Final = True

# ---------------------------------------------------------------------------------------------------------
# Numbers and defaults
# ---------------------------------------------------------------------------------------------------------
# [GUESS] first automatically assigned customer / supplier number (Tripletex's GUI proposes these ranges).
CUSTOMER_NUMBER_START: Final = 10_000
SUPPLIER_NUMBER_START: Final = 20_000
INVOICE_NUMBER_START: Final = 1
ORDER_NUMBER_START: Final = 1
# [GUESS] order ``number`` is free text on the API; it is auto-assigned ("1", "2", ...) when absent and NOT
# checked for uniqueness.
ORDER_NUMBER_UNIQUE: Final = False
# [CONFIRMED] since 2.74 products have no automatic number (2.75.01 adds it for Logistics Basis only).
# [GUESS] a product without vatType gets the high outgoing rate "3"; an order line without product and vatType
# gets "0" (public sandbox logs: "omitting line vatType defaults to 0%").
DEFAULT_PRODUCT_VAT_NUMBER: Final = "3"
DEFAULT_LINE_VAT_NUMBER: Final = "0"
# [CONFIRMED] new company customers default to EHF (FAQ, changelog 2.32.2). [GUESS] private individuals → EMAIL.
COMPANY_CUSTOMER_SEND_METHOD: Final = "EHF"
PRIVATE_CUSTOMER_SEND_METHOD: Final = "EMAIL"
# [GUESS] what "has a postal address" means for EHF: at least one of addressLine1, postalCode, city non-blank.
# [GUESS] default payment terms of a new customer, and of an invoice whose order has none.
DEFAULT_INVOICES_DUE_IN_DAYS: Final = 14
# [GUESS] when the order omits isPrioritizeAmountsIncludingVat the company setting decides; the default company
# setting is "excluding VAT". ``{"pricesIncludingVat": true}`` on account creation flips it.
COMPANY_PRICES_INCLUDING_VAT: Final = False
# [GUESS] which price field a VAT-mode violation names: the field the order's mode REQUIRES (the message says
# "must be inclusive/exclusive VAT"), e.g. "orderLines.unitPriceIncludingVatCurrency" on an order with
# isPrioritizeAmountsIncludingVat=true whose line sent unitPriceExcludingVatCurrency.
# [GUESS] field of "no order lines": "orderLines"; of the bank-account rule: none (CONFIRMED: field null);
# of an invalid VAT code on a line: "orderLines.vatType"; of both-or-neither: "paidAmount".
NO_ORDER_LINES_FIELD: Final = "orderLines"
BOTH_OR_NEITHER_FIELD: Final = "paidAmount"
# [GUESS] invoicing closes the order (isClosed=true); an order can be invoiced once; an invoiced order can be
# neither changed nor deleted (422).
CLOSE_ORDER_ON_INVOICE: Final = True
# [GUESS] invoices are not rounded to whole kroner (amountRoundoff = 0).
ROUND_INVOICE_TO_WHOLE_KRONER: Final = False
# [GUESS] POST /invoice also requires invoiceDueDate (public sandbox notes: "Required: orders, invoiceDate,
# invoiceDueDate"); PUT /order/{id}/:invoice computes it from the order's invoicesDueIn.
INVOICE_DUE_DATE_REQUIRED: Final = True
# [CONFIRMED] "Result set too large" above 10,000 matches.
MAX_RESULT_SET: Final = 10_000
# [GUESS] unknown query parameters are ignored (JAX-RS behaviour). Note the customer-number filter is called
# ``customerAccountNumber`` in the spec; ``customerNumber`` is ignored like any unknown parameter.
# [GUESS] ``productNumber`` values are matched whole (repeat the parameter for several), never split on commas,
# because product numbers may contain commas; the deprecated ``number`` parameter IS a comma list.
# [OBSERVED, not reproduced] a public log says POST /order echoed ``orderLines: []`` although lines were created;
# the sandbox echoes the created lines (as refs), which is what the spec describes.

# ---------------------------------------------------------------------------------------------------------
# Purchase orders (/purchaseOrder, /purchaseOrder/orderline)
# ---------------------------------------------------------------------------------------------------------
# [CONFIRMED] every /purchaseOrder operation says "Only available for Logistics Basic" (spec 2.74.00 summaries).
# [GUESS] a company without the module gets 403 code 9000 on all of them (ENDPOINTS.md §0: "missing
# entitlements give 403 (code 9000)"). The sandbox's companies have the module unless the account is created
# with ``{"logisticsBasic": false}`` on the control API.
LOGISTICS_BASIC_DEFAULT: Final = True
# [CONFIRMED] the spec describes PurchaseOrder.number as "Purchase order number - read only" (without the
# readOnly flag). [GUESS] read as: Tripletex assigns it from its own series ("1", "2", ...; never reused) and a
# number sent on POST or PUT is ignored, like other read-only fields. A gateway therefore cannot find a purchase
# order again by the SOURCE system's number: it must keep the id (or the assigned number) it got back.
PURCHASE_ORDER_NUMBER_START: Final = 1
# [OBSERVED, third-party] public notes of an agent run against a real test company: "POST /purchaseOrder
# {supplier, ourContact, deliveryDate}" and "Required: deliveryDate, supplier.id, ourContact.id" (the spec marks
# nothing required). [GUESS] all three are enforced: missing → 422 code 18000 "Kan ikke være null." on the field;
# a supplier or employee id that does not exist → "Objektet finnes ikke." on ``supplier.id`` / ``ourContact.id``.
PURCHASE_ORDER_REQUIRED: Final = ("supplier", "deliveryDate", "ourContact")
# [CONFIRMED] PurchaseOrder.orderLines is readOnly in the spec. [OBSERVED, third-party] the same notes: "orderLines
# CANNOT be included in POST /purchaseOrder body (causes "purchaseOrder: Kan ikke være null")"; lines are posted
# afterwards with POST /purchaseOrder/orderline(/list). [GUESS] the sandbox refuses a POST with a non-empty
# ``orderLines`` list (422 code 18000, field below, path "orderLines[i].purchaseOrder") and creates nothing; on
# PUT the read-only list is ignored.
EMBEDDED_PURCHASE_ORDER_LINE_FIELD: Final = "purchaseOrder"
# [GUESS] defaults of a new purchase order: status STATUS_OPEN, isClosed false, creationDate today, currency the
# supplier's (else NOK), orderLineSorting ID.
# [GUESS] the date filters of GET /purchaseOrder (deliveryDateFrom/To, creationDateFrom/To) are optional and BOTH
# ends are inclusive, as the spec's parameter descriptions say ("to and incl.") — unlike /order and /invoice.
# [GUESS] a purchase order that is no longer STATUS_OPEN (sent, received, closed, ...) cannot be deleted, and its
# lines cannot be added, changed or deleted (422 code 18000). Header fields stay writable (status is writable).
# [GUESS] deleting a purchase order deletes its lines.
# [CONFIRMED] spec: the line's unit prices "If it's not specified, it takes the value from purchase price in
# productDTO". [GUESS] "purchase price" = Product.costExcludingVatCurrency (the product's purchase cost; the RO
# ``purchasePriceCurrency`` is not stored by the sandbox); without a product the price is 0.
# [GUESS] line amounts: amountExcludingVatCurrency = count × unitPriceExcludingVatCurrency × (1 − discount/100),
# rounded to øre; amountIncludingVatCurrency and unitPriceIncVatCurrency add the percentage of the product's VAT
# type (0 without a product). A line without ``discount`` takes the purchase order's ``discount``; a line sent
# with only unitPriceIncVatCurrency gets the excluding price derived from it. unitCostCurrency and
# unitListPriceCurrency default to the unit price; description to the product's name; currency to the order's.
# [GUESS] a line needs neither product nor description (the spec marks nothing required); a product id that does
# not exist → 422 "Objektet finnes ikke." on ``product.id``.

# ---------------------------------------------------------------------------------------------------------
# What an employee token may reach, and the company's VAT registration
# ---------------------------------------------------------------------------------------------------------
# [CONFIRMED] an API key (employee token) acts with the access of the employee it belongs to; the access can be
# narrowed when the key is made ("Egendefinert tilgang"), and a call outside it is answered 403 code 9000
# (ENDPOINTS.md §0; the help-centre article asks the user to make sure the key reaches customers, suppliers,
# products and customer invoices). [GUESS] the areas are the API's first path segments below, each switched on
# or off as a whole; the sandbox's control API ``POST /_control/accounts/{id}/access {"denied": [...]}`` takes
# them away. Which message Tripletex writes is a guess (only status and code are matched by clients).
ACCESS_AREAS: Final = frozenset({"customer", "supplier", "product", "order", "invoice", "ledger", "purchaseOrder",
                                 "employee", "project", "department"})
# [CONFIRMED spec] ``GET /ledger/vatSettings`` answers the company's ``VatSettings`` with
# ``vatRegistrationStatus`` ∈ VAT_NOT_REGISTERED | VAT_APPLICANT | VAT_REGISTERED | VAT_COMPENSATION.
# [GUESS] a sandbox company is VAT-registered unless created with ``{"vatRegistrationStatus": ...}``.
VAT_REGISTRATION_DEFAULT: Final = "VAT_REGISTERED"
