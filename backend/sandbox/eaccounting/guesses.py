"""Everything the eAccounting sandbox does that the reference could NOT confirm, in one place.

Sources: ``reference/eaccounting/API.md`` (the digest, with its own [spec]/[docs]/[3p]/[infer] marks) and
``openapi.json`` (Visma's 2026 PascalCase spec). Where the sandbox had to choose, the choice is a named constant
here with the reason, so that one look at a real eAccounting company can correct all of them together.
Confirmed behaviour is marked [CONFIRMED] with its source; everything else is [GUESS].
Nothing outside this module hard-codes one of these values or messages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

# ---------------------------------------------------------------------------------------------------------
# OAuth2 / identity server (API.md §2)
# ---------------------------------------------------------------------------------------------------------
# [CONFIRMED docs /authentication] codes are single-use and live 5 minutes; access tokens live 3600 s.
CODE_LIFETIME_SECONDS: Final = 300
ACCESS_TOKEN_LIFETIME_SECONDS: Final = 3600
# [CONFIRMED API.md §2] token response keys and ``token_type``. [GUESS] no ``scope`` key (the docs list four keys).
TOKEN_TYPE: Final = "bearer"
# [CONFIRMED docs "Change to our new Identity Server": "the same Refresh Token cannot be used more than once";
# community KB: "Every new refresh token cancels the previous one"] rotating refresh tokens.
# [GUESS] NO grace or reuse window: the old refresh token is refused the moment it has been used once, also for
# a retry a second later (IdentityServer's OneTimeOnly mode has none). This is what makes a single-flight
# refresh in the client mandatory. The changelog says newer clients may get *reusable* refresh tokens instead;
# ``{"refreshTokens": "reusable"}`` on account creation switches the sandbox to that mode.
REFRESH_TOKEN_REUSE_GRACE_SECONDS: Final = 0
DEFAULT_REFRESH_TOKEN_MODE: Final = "rotating"
# [GUESS] access tokens issued before a refresh stay valid until they expire (JWTs are not revoked by a refresh).
OLD_ACCESS_TOKEN_SURVIVES_REFRESH: Final = True
# [GUESS] a second use of a code is refused with invalid_grant, and the tokens the first use issued are NOT revoked.
# [GUESS] IdentityServer answers token-endpoint errors with HTTP 400 (also ``invalid_client``, where RFC 6749
# would allow 401), body {"error": ...} (+ "error_description" when there is one).
TOKEN_ERROR_STATUS: Final = 400
# [GUESS] client credentials are also accepted in the form body (client_id + client_secret), as IdentityServer does;
# the docs only show HTTP Basic.
ACCEPT_CLIENT_SECRET_IN_BODY: Final = True
# [GUESS] an unknown client_id or an unregistered redirect_uri on /connect/authorize answers 400 with a JSON body
# (the real server shows an HTML error page); nothing is redirected. Other errors (response_type, scope) redirect
# with ``error=`` as RFC 6749 §4.1.2.1 says.
AUTHORIZE_ERROR_STATUS: Final = 400
# [CONFIRMED docs] ``ea:api`` and ``offline_access`` are the mandatory scopes; without ``offline_access`` there is
# no refresh token. [GUESS] requesting a scope the client is not registered for → redirect with invalid_scope.
KNOWN_SCOPES: Final = frozenset({"ea:api", "offline_access", "ea:sales", "ea:sales_readonly", "ea:accounting",
                                 "ea:accounting_readonly", "ea:purchase", "ea:purchase_readonly"})
DEFAULT_CLIENT_SCOPES: Final = ("ea:api", "ea:sales", "ea:accounting", "ea:purchase", "offline_access")
# [CONFIRMED spec] the scopes each operation accepts are parsed from the spec's operation texts (schemas.SCOPES).
# That includes the spec's own oddity that POST /customerinvoices and POST /customerinvoices/{id}/email accept
# ``ea:sales_readonly`` (API.md §6 suspects a documentation quirk); the sandbox follows the spec.
# [GUESS] a token without ``ea:api`` is refused like a missing scope (403), whatever else it has.

# ---------------------------------------------------------------------------------------------------------
# Error bodies (API.md §4)
# ---------------------------------------------------------------------------------------------------------
# [CONFIRMED spec CommonExtendedBadRequest] {"ErrorCode", "DeveloperErrorMessage", "ErrorId", "Errors"}.
# [CONFIRMED docs] error codes 2000 validation, 3000 not found, 3001 no fiscal year, 4000 conflict (duplicate),
# 4001 cannot be deleted, 4002 no access to module, 4010 rate limit.
CODE_VALIDATION: Final = 2000
CODE_NOT_FOUND: Final = 3000
CODE_NO_FISCAL_YEAR: Final = 3001
CODE_CONFLICT: Final = 4000
CODE_CANNOT_DELETE: Final = 4001
CODE_FORBIDDEN: Final = 4002
CODE_RATE_LIMIT: Final = 4010
CODE_LOCKED_PERIOD: Final = 4026  # [CONFIRMED docs error codes] "voucher in a locked period"
# [GUESS] unexpected server errors (and injected 5xx/504): no code is published; 1000 is used here.
CODE_INTERNAL: Final = 1000
# [GUESS] ``Errors[].ErrorCode`` strings and ``Key`` values: the spec types them as strings, no values are
# published. Field names are PascalCase paths as ASP.NET model state writes them: "Rows[0].Quantity".
ERROR_REQUIRED: Final = "Required"
ERROR_MAX_LENGTH: Final = "MaxLength"
ERROR_FORMAT: Final = "InvalidFormat"  # pattern (decimals), uuid, date-time
ERROR_RANGE: Final = "Range"
ERROR_TYPE: Final = "InvalidType"
ERROR_INVALID: Final = "InvalidValue"
ERROR_UNKNOWN_PROPERTY: Final = "UnknownProperty"  # only with ``{"unknownProperties": "reject"}``
# [GUESS] the top-level DeveloperErrorMessage of a 2000 is the first problem's message.
# [3P: a live 403 body quoted in public tests: {"ErrorCode":4002,"DeveloperErrorMessage":"ForbiddenRequestException
# - No access to module: api_standard","ErrorId":"x","Errors":[]}] 403s carry the envelope with 4002.
# [GUESS] a token without the scope an operation needs gets exactly that shape (403, 4002, the text below).
MISSING_SCOPE_MESSAGE: Final = "ForbiddenRequestException - Insufficient scope. Requires any of: {scopes}"
# [GUESS] responses carry every property of the schema; a value the company has none for is null where the spec
# allows null, else the type's zero value; a sub-object (``$ref``) is always an object (with those defaults), as
# the spec does not allow null there (ContributionMargin, DirectDebitCustomerSettings, company sub-settings).
# [CONFIRMED spec: 401 has no body schema] [GUESS] 401 = empty body + WWW-Authenticate (ASP.NET JwtBearer default).
WWW_AUTHENTICATE_MISSING: Final = 'Bearer'
WWW_AUTHENTICATE_INVALID: Final = 'Bearer error="invalid_token"'
WWW_AUTHENTICATE_EXPIRED: Final = 'Bearer error="invalid_token", error_description="The token expired"'
# [GUESS] unknown routes answer 404 and known paths with another method 405 (with ``Allow``), both with an
# empty body: ASP.NET Core endpoint routing answers before Visma's error filter runs. So POST /units → 405.
ROUTING_ERRORS_HAVE_BODY: Final = False
# [CONFIRMED API.md §4] "not found" on GET /customers/{id}, /articles/{id}, drafts, invoices, labels is documented
# as 400; /units/{id}, /vatcodes/{id}, /fiscalyears/{id} and DELETE /articlelabels/{id} document 404.
# [GUESS] both carry ErrorCode 3000.
NOT_FOUND_404_RESOURCES: Final = frozenset({"units", "vatcodes", "fiscalyears", "articlelabels:DELETE"})
# [GUESS] a path id that is not a GUID → 400 2000 on that parameter (model binding), not 404.
# [GUESS] an unknown id *referenced in a body* (CustomerId, ArticleId, TermsOfPaymentId, CodingId, UnitId,
# ArticleLabels[].Id) → 400 3000 naming the field (API.md §9 checklist).

MESSAGES: Final[dict[str, str]] = {
    "required": "The {field} field is required.",
    "max_length": "The field {field} must be a string with a maximum length of {max}.",
    "pattern": "The field {field} must match the regular expression '{pattern}'.",
    "range": "The field {field} must be between {min} and {max}.",
    "type": "The JSON value could not be converted for {field}.",
    "uuid": "The value is not a valid GUID.",
    "date": "The value is not a valid date-time.",
    "enum": "The value is not one of the allowed values.",
    "unknown_property": "The property {field} does not exist.",
    "invalid_json": "The request body is not valid JSON.",
    "body_object": "The request body must be a JSON object.",
    "not_found": "{what} not found",  # [GUESS]
    "customer_number_in_use": "Customer number {number} is already in use",  # [GUESS]
    # [GUESS] the spec says SupplierNumber is a "unique identifier"; refused like a taken CustomerNumber.
    "supplier_number_in_use": "Supplier number {number} is already in use",
    "article_number_in_use": "Article number {number} is already in use",  # [GUESS]
    "label_name_in_use": "Article label {name} already exists",  # [GUESS]
    "cannot_delete_customer": "The customer has transactions and cannot be deleted. Set IsActive to false instead.",
    "cannot_delete_label": "The article label is used by articles and cannot be deleted.",
    "no_fiscal_year": "FiscalYearDoesNotExist - There is no fiscal year for the date {date}",  # [GUESS] text
    "locked_period": "The voucher date {date} is in a locked period",  # [GUESS] text; the code is documented
    "future_date": "The invoice date cannot be in the future for this customer.",  # [GUESS]
    "text_row_needs_text": "A text row must have at least one character of Text.",
    "article_required": "ArticleId is required when IsTextRow is false.",
    "unit_price_decimals": "UnitPrice allows {decimals} decimals for this customer and currency.",
    "rows_required": "The invoice must have at least one row.",
    "cc_needs_email": "EmailAddresses (CC) requires EmailAddress to be set.",
    "cc_max": "At most 5 CC e-mail addresses can be given.",
    "no_recipient": "The invoice has no recipient: give Email or set EmailAddress on the customer.",
    "validation_mismatch": "The converted {what} {actual} differs from the expected {expected}.",
    "page": "The query parameter {name} must be a positive integer.",
    "filter": "Invalid $filter: {detail}",
    "orderby": "Invalid $orderby: {detail}",
    "fiscal_year_dates": "A fiscal year must start on the first of a month and last at most 18 months.",
    "fiscal_year_overlap": "The fiscal year overlaps an existing fiscal year.",
    "rate_limited": "API calls quota exceeded! maximum admitted {limit} per {period}. Try again in {seconds} seconds.",
    "internal": "An unexpected error occurred.",
}
# [CONFIRMED docs /rate-limits] the 429 text; "Minute" is the period word for 60 s. [GUESS] other periods
# are written as "{n}s".

# ---------------------------------------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------------------------------------
# [GUESS] unknown properties are IGNORED, and property names match case-insensitively: both are the defaults of
# .NET's JSON binders (System.Text.Json web defaults and Newtonsoft), and Visma published a camelCase rendering
# of the same API for a while. The spec's ``additionalProperties: false`` is read as documentation only.
# ``{"unknownProperties": "reject"}`` on account creation refuses them (400 2000 naming each), for development.
# Ignored names are listed in the control state (``ignoredProperties``) either way.
DEFAULT_UNKNOWN_PROPERTIES: Final = "ignore"
# [GUESS] read-only properties in a body are accepted and ignored (API.md §6 "R/O = read-only (ignored on write)").
# [GUESS] numbers must be JSON numbers (a string "12" for a number is a 2000 InvalidType, System.Text.Json's default);
# null for a non-nullable value property (bool, number, enum) is a 2000 InvalidType too.
# [CONFIRMED spec] decimals are checked with the spec's ``pattern`` on the number's shortest text form (so 1.10 is
# 2 decimals, 1.005 is 3): Quantity 2, DiscountPercentage 4, NetPrice/GrossPrice 2.
# [CONFIRMED spec] row UnitPrice: 2 decimals for a domestic customer in the company currency, else 4.

# ---------------------------------------------------------------------------------------------------------
# Lists (API.md §3)
# ---------------------------------------------------------------------------------------------------------
DEFAULT_PAGE_SIZE: Final = 50  # [3P maesn]
# [GUESS] the maximum is not verified (500 and 1000 are both seen in clients); larger requests are capped to this,
# silently, and Meta.PageSize says what was used.
MAX_PAGE_SIZE: Final = 500
# [GUESS] $page past the last page answers 200 with an empty Data; $page/$pagesize < 1 or non-numeric → 400 2000.
# [GUESS] Meta.TotalNumberOfPages is 0 for an empty result.
# [GUESS] $filter: ``<Property> <eq|ne|gt|ge|lt|le> <literal>`` joined by ``and``/``or`` (no parentheses),
# literals 'text' (with '' for a quote), numbers, true/false, null, and date-times (bare or quoted).
# ``contains(Prop,'x')``/``startswith(Prop,'x')`` are supported. A property the schema lacks → 400 2000.
# [GUESS] default order: creation order (oldest first). $orderby ``Prop [asc|desc]`` (comma-separated) is supported.
# [GUESS] text comparisons in $filter (eq, contains, startswith) and the uniqueness of CustomerNumber and article
# Number ignore case, as SQL Server's default collation does.

# ---------------------------------------------------------------------------------------------------------
# Rate limiting (API.md §5)
# ---------------------------------------------------------------------------------------------------------
# [CONFIRMED docs] 600 per minute, counted per client and per endpoint/URL; 429 with ErrorCode 4010.
DEFAULT_RATE_LIMIT: Final = 600
DEFAULT_RATE_PERIOD_SECONDS: Final = 60.0
# [GUESS] "endpoint/URL" = the request path, lower-cased, without the query (so /customers/{a} and /customers/{b}
# are counted apart); the method does not matter.
# [GUESS] no Retry-After header (none is documented; the message carries the seconds). The wording matches the
# AspNetCoreRateLimit library, which would send Retry-After by default, so ``{"retryAfterHeader": true}`` on the
# rate-limit control route turns one on.
SEND_RETRY_AFTER_ON_429: Final = False

# ---------------------------------------------------------------------------------------------------------
# Numbers, VAT and rounding
# ---------------------------------------------------------------------------------------------------------
# [CONFIRMED API.md §8.4] ROUND_HALF_UP (away from zero) on Decimals, never Python's round().
# [GUESS] row Amount = round2(Quantity × UnitPrice × (1 − DiscountPercentage)); VAT is computed per VAT rate on
# the sum of that rate's row amounts and rounded once per rate (the VatSpecification lines); TotalVatAmount is the
# sum of those. TotalAmount INCLUDES VAT (net + VAT + roundings), as RemainingAmount starts out equal to it.
VAT_PER_RATE: Final = True
# [GUESS] VAT rates on sales documents and codings are FRACTIONS (0.25) — row VatRate, PercentVat,
# CustomerInvoiceVatApi.VatPercent, ArticleAccountCoding.VatRatePercent — while VatCodeApi.VatRate is a percent (25),
# as its spec text says ("The VAT rate as a percentage").
VAT_RATE_AS_FRACTION: Final = True
# [GUESS] a row's VAT rate comes from the article's coding for a domestic customer and is 0 when the customer's
# InvoiceCountryCode is set and differs from the company's (export); text rows have VatRate null and Amount 0.
# [GUESS] DomesticCurrencyRounding: a new company has 0 (None); ``{"wholeKroneRounding": true}`` on account creation
# sets 1 (HalfAwayFromZero): the gross total is rounded to whole units and the difference is TotalRoundings.
# [GUESS] IncludesVat is false for every document (ShowPricesExclVatPC is false in the sandbox companies), so
# UnitPrice is always excluding VAT.
# [GUESS] article prices: NetPrice wins when both are sent; the other one is computed with the coding's VAT rate.
# [GUESS] row UnitPrice omitted counts as 0 (the .NET default); with ReplaceUnitPriceWhenZero=true a 0 is replaced
# by the article's NetPrice. Text defaults to the article's Name.
# [GUESS] LineNumber is 0-based in the order of the JSON rows when it is not sent.
FIRST_LINE_NUMBER: Final = 0

# ---------------------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------------------
# [GUESS] invoice numbers start at 1 in a new company (NextCustomerInvoiceNumber); customer numbers too, skipping
# numbers in use.
FIRST_INVOICE_NUMBER: Final = 1
FIRST_CUSTOMER_NUMBER: Final = 1
FIRST_SUPPLIER_NUMBER: Final = 1  # [GUESS] as customers
# [CONFIRMED 3p struqtur/visma-client, old swagger text] convert date rule: keep (query or company setting) → the
# draft's date (else its creation date); otherwise the draft's date if it is in the future, else today.
# ``overrideCompanyKeepOriginalDraftDate`` makes the query parameter win over the company setting.
# [CONFIRMED docs changelog, code not given] converting with a future date can be refused.
# [GUESS] it is refused (400 2000 on InvoiceDate) unless the customer's IsFutureInvoiceDateAllowed is true, which is
# read as: the customer's terms of payment are of type 0 (Normal) and its currency is the company's.
# [CONFIRMED docs error codes] an invoice date outside every fiscal year → 3001 FiscalYearDoesNotExist.
# [GUESS] it is a 400 with Errors null (the docs give no field).
# [INFER API.md] the draft disappears on conversion; the invoice's CreatedFromDraftId points back to it.
# [GUESS] DueDate = invoice date + NumberOfDays (type 1 "CurrentMonth": from the end of the invoice month) unless
# the document gives one. PaymentStatus is 1 (Unpaid), or 2 (Overdue) once DueDate has passed.
# [GUESS] POST /customerinvoices with a CreatedFromDraftId of an existing draft deletes that draft.
# [GUESS] the convert validation body: a total that differs by more than 0.005 → 400 2000 naming the property
# ("TotalAmountInvoiceCurrency", "Rows[LineNumber=n].TotalAmountNoVatInvoiceCurrency").
VALIDATION_TOLERANCE: Final = Decimal("0.005")
# [CONFIRMED spec] /email: Email defaults to the customer's EmailAddress; CcRecipients omitted or [] → the customer's
# EmailAddresses, null → no CC; "####" in Subject is replaced by the invoice number. 200 with no body.
# [GUESS] no recipient at all → 400 2000 on "Email"; the default subject and message below.
DEFAULT_EMAIL_SUBJECT: Final = "Faktura #### fra {company}"
DEFAULT_EMAIL_MESSAGE: Final = "Vedlagt følger faktura ####."
# [GUESS] a customer with drafts or invoices cannot be deleted (4001); an article label used by an article neither.
# [GUESS] PUT keeps CustomerNumber when it is omitted or null; everything else the body omits is reset (full replace).
# [GUESS] article label names are unique (4000).
# [GUESS] fiscal years: 12-month calendar years in the seed; POST accepts a start on the 1st of a month and at most
# 18 months, not overlapping another one.

# ---------------------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------------------
# [GUESS] units, terms of payment, article account codings and VAT codes are the same (same Ids) in every sandbox
# company, as country templates; customers, articles, labels and documents are the company's own.
# [GUESS] the sandbox companies are Norwegian (NOK, NO), as bokbro's customers are.
COMPANY_CURRENCY: Final = "NOK"
COMPANY_COUNTRY: Final = "NO"
