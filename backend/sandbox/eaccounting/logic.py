"""eAccounting's business rules for what the gateway writes: customers, articles, article labels, invoice drafts,
conversion to invoices, direct invoices, e-mail, fiscal years and company settings.

Every write first checks the whole body (spec table + the rules here) and only then changes the company, so a
refused request leaves nothing behind. Every function raises ``ApiProblem`` with eAccounting's error shape.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backend.sandbox.eaccounting import guesses as g
from backend.sandbox.eaccounting.model import (
    Account,
    ApiProblem,
    Body,
    FieldError,
    Record,
    as_date,
    check_body,
    conflict,
    dec,
    decimals_of,
    invalid,
    msg,
    new_id,
    not_found,
    round2,
    validation,
)

# [GUESS] currency rates against NOK, for the *BaseCurrency totals of foreign-currency documents.
CURRENCY_RATES: dict[str, Decimal] = {"NOK": Decimal("1"), "SEK": Decimal("0.98"), "DKK": Decimal("1.55"),
                                      "EUR": Decimal("11.60"), "USD": Decimal("10.80"), "GBP": Decimal("13.60")}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# -- body checks ---------------------------------------------------------------------------------------------


def check(a: Account, schema: str, data: Any) -> Body:
    """The spec check of a body under the company's unknown-property mode; raises on problems."""
    body = check_body(schema, data, reject_unknown=a.unknown_properties == "reject")
    if body.ignored:
        a.ignored_properties.extend(body.ignored)
        del a.ignored_properties[:-50]
    if body.errors:
        raise validation(body.errors)
    return body


def _writable(body: Body, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in body.values.items() if k not in skip}


def _ref(a: Account, table: str, value: Any, field: str, what: str) -> Record:
    rec = a.get(table, value)
    if rec is None:
        raise not_found(what, field=field)
    return rec


# -- company settings ----------------------------------------------------------------------------------------


def company_currency(a: Account) -> str:
    return str(a.settings.get("CurrencyCode") or g.COMPANY_CURRENCY)


def company_country(a: Account) -> str:
    return str(a.settings.get("CountryCode") or g.COMPANY_COUNTRY)


def settings_view(a: Account) -> Record:
    view = dict(a.settings)
    view["NextCustomerInvoiceNumber"] = next_invoice_number(a)
    view["NextCustomerNumber"] = next_customer_number(a)
    return view


def update_settings(a: Account, data: Any) -> Record:
    body = check(a, "CompanySettingsApi", data)
    a.settings.update(_writable(body))
    return settings_view(a)


# -- customers -----------------------------------------------------------------------------------------------


def next_customer_number(a: Account) -> int:
    used = {str(c.get("CustomerNumber")) for c in a.table("customers").values()}
    number = max(int(a.settings.get("_next_customer_number") or g.FIRST_CUSTOMER_NUMBER), g.FIRST_CUSTOMER_NUMBER)
    while str(number) in used:
        number += 1
    return number


def _future_date_allowed(a: Account, rec: Record) -> bool:
    terms = a.get("termsofpayments", rec.get("TermsOfPaymentId"))
    currency = rec.get("CurrencyCode") or company_currency(a)
    return terms is not None and terms.get("TermsOfPaymentTypeId") == 0 and currency == company_currency(a)


def _customer_record(a: Account, data: Any, existing: Record | None) -> Record:
    body = check(a, "CustomerApi", data)
    values = _writable(body)
    terms = _ref(a, "termsofpayments", values.get("TermsOfPaymentId"), "TermsOfPaymentId", "TermsOfPayment")
    problems: list[FieldError] = []
    cc = values.get("EmailAddresses") or []
    if len(cc) > 5:
        problems.append(FieldError("EmailAddresses", g.ERROR_INVALID, msg("cc_max")))
    elif cc and not values.get("EmailAddress"):
        problems.append(FieldError("EmailAddresses", g.ERROR_INVALID, msg("cc_needs_email")))
    if problems:
        raise validation(problems)
    number = values.get("CustomerNumber")
    if number in (None, ""):
        number = existing["CustomerNumber"] if existing else str(next_customer_number(a))
    number = str(number)
    key = number.lower()
    clash = next((c for c in a.table("customers").values()
                  if c["_key"] == key and (existing is None or c["Id"] != existing["Id"])), None)
    if clash is not None:
        raise conflict(msg("customer_number_in_use", number=number), "CustomerNumber")
    rec: Record = {
        "Id": existing["Id"] if existing else new_id(),
        "DiscountPercentage": Decimal(0), "ReverseChargeOnConstructionServices": False, "ForceBookkeepVat": False,
        "DeliveryBasedVat": False, "CurrencyCode": company_currency(a),
        **values,
        "CustomerNumber": number, "_key": key,
        "TermsOfPayment": dict(terms),
        "ChangedUtc": a.now(),
        "LastInvoiceDate": existing.get("LastInvoiceDate") if existing else None,
        "UnpaidInvoicesAmount": existing.get("UnpaidInvoicesAmount", Decimal(0)) if existing else Decimal(0),
    }
    if not rec.get("CurrencyCode"):
        rec["CurrencyCode"] = company_currency(a)
    rec["IsFutureInvoiceDateAllowed"] = _future_date_allowed(a, rec)
    return rec


def create_customer(a: Account, data: Any) -> Record:
    rec = _customer_record(a, data, None)
    return a.add("customers", rec)


def update_customer(a: Account, existing: Record, data: Any) -> Record:
    rec = _customer_record(a, data, existing)
    a.table("customers")[rec["Id"]] = rec
    return rec


def delete_customer(a: Account, rec: Record) -> None:
    if any(d.get("CustomerId") == rec["Id"] for t in ("drafts", "invoices") for d in a.table(t).values()):
        raise ApiProblem(400, g.CODE_CANNOT_DELETE, msg("cannot_delete_customer"))
    del a.table("customers")[rec["Id"]]


# -- suppliers (scope ea:purchase) ----------------------------------------------------------------------------
# [GUESS] suppliers follow the customers' rules: SupplierNumber unique (case-insensitive, as CustomerNumber), given
# one from a series when omitted (the next after the highest number in use), TermsOfPaymentId must exist.


def _supplier_record(a: Account, data: Any, existing: Record | None) -> Record:
    body = check(a, "SupplierApi", data)
    values = _writable(body)
    _ref(a, "termsofpayments", values.get("TermsOfPaymentId"), "TermsOfPaymentId", "TermsOfPayment")
    number = values.get("SupplierNumber")
    if number in (None, ""):
        used = [int(s["SupplierNumber"]) for s in a.table("suppliers").values() if str(s["SupplierNumber"]).isdigit()]
        number = existing["SupplierNumber"] if existing else str(max([g.FIRST_SUPPLIER_NUMBER - 1, *used]) + 1)
    number = str(number)
    key = number.lower()
    if any(s["_key"] == key and (existing is None or s["Id"] != existing["Id"]) for s in a.table("suppliers").values()):
        raise conflict(msg("supplier_number_in_use", number=number), "SupplierNumber")
    return {
        "Id": existing["Id"] if existing else new_id(), "CurrencyCode": company_currency(a), "IsActive": True,
        **values, "SupplierNumber": number, "_key": key, "ModifiedUtc": a.now(),
        "CreatedUtc": existing.get("CreatedUtc") if existing else a.now(),
    }


def create_supplier(a: Account, data: Any) -> Record:
    return a.add("suppliers", _supplier_record(a, data, None))


def update_supplier(a: Account, existing: Record, data: Any) -> Record:
    rec = _supplier_record(a, data, existing)
    a.table("suppliers")[rec["Id"]] = rec
    return rec


# -- articles and labels -------------------------------------------------------------------------------------


def _vat_fraction(coding: Record) -> Decimal:
    return dec(coding.get("VatRatePercent"))


def _article_record(a: Account, data: Any, existing: Record | None) -> Record:
    body = check(a, "ArticleApi", data)
    values = _writable(body)
    coding = _ref(a, "articleaccountcodings", values.get("CodingId"), "CodingId", "ArticleAccountCoding")
    unit = _ref(a, "units", values.get("UnitId"), "UnitId", "Unit")
    labels = []
    for i, label in enumerate(values.get("ArticleLabels") or []):
        found = _ref(a, "articlelabels", label.get("Id"), f"ArticleLabels[{i}].Id", "ArticleLabel")
        labels.append({"Id": found["Id"], "Name": found["Name"], "Description": found.get("Description")})
    number = str(values["Number"])
    key = number.lower()  # numbers are unique without regard to case [GUESS: SQL Server collation]
    clash = next((x for x in a.table("articles").values() if x["_key"] == key
                  and (existing is None or x["Id"] != existing["Id"])), None)
    if clash is not None:
        raise conflict(msg("article_number_in_use", number=number), "Number")
    rate = _vat_fraction(coding)
    net, gross = values.get("NetPrice"), values.get("GrossPrice")
    if net is not None:
        gross = round2(net * (1 + rate))
    elif gross is not None:
        net = round2(gross / (1 + rate))
    now = a.now()
    rec: Record = {
        "Id": existing["Id"] if existing else new_id(),
        "SendToWebshop": True, "StockBalance": Decimal(0), "PurchasePrice": Decimal(0), "FreightCosts": Decimal(0),
        **values,
        "NetPrice": net if net is not None else Decimal(0), "GrossPrice": gross if gross is not None else Decimal(0),
        "ArticleLabels": labels,
        "CodingName": coding["Name"], "UnitName": unit["Name"], "UnitAbbreviation": unit["Abbreviation"],
        "IsServiceArticle": coding.get("Type") == "Service",
        "CreatedUtc": existing["CreatedUtc"] if existing else now, "ChangedUtc": now, "_key": key,
    }
    if rec.get("PurchasePrice") is not None:
        rec["PurchasePrice"] = round2(dec(rec["PurchasePrice"]))
    rec["ShowStockInformation"] = not rec["IsServiceArticle"]
    rec["StockBalanceAvailable"] = rec["StockBalance"]
    return rec


def create_article(a: Account, data: Any) -> Record:
    return a.add("articles", _article_record(a, data, None))


def update_article(a: Account, existing: Record, data: Any) -> Record:
    rec = _article_record(a, data, existing)
    a.table("articles")[rec["Id"]] = rec
    return rec


def _label_record(a: Account, data: Any, existing: Record | None) -> Record:
    values = _writable(check(a, "ArticleLabelApi", data))
    name = str(values["Name"])
    if any(x["Name"].lower() == name.lower() and (existing is None or x["Id"] != existing["Id"])
           for x in a.table("articlelabels").values()):
        raise conflict(msg("label_name_in_use", name=name), "Name")
    return {"Id": existing["Id"] if existing else new_id(), "Description": None, **values}


def create_label(a: Account, data: Any) -> Record:
    return a.add("articlelabels", _label_record(a, data, None))


def update_label(a: Account, existing: Record, data: Any) -> Record:
    rec = _label_record(a, data, existing)
    a.table("articlelabels")[rec["Id"]] = rec
    for article in a.table("articles").values():
        for label in article.get("ArticleLabels") or []:
            if label["Id"] == rec["Id"]:
                label.update({"Name": rec["Name"], "Description": rec.get("Description")})
    return rec


def delete_label(a: Account, rec: Record) -> None:
    if any(label["Id"] == rec["Id"] for x in a.table("articles").values() for label in x.get("ArticleLabels") or []):
        raise ApiProblem(400, g.CODE_CANNOT_DELETE, msg("cannot_delete_label"))
    del a.table("articlelabels")[rec["Id"]]


# -- documents: rows and totals -------------------------------------------------------------------------------


def _is_domestic(a: Account, customer: Record) -> bool:
    country = customer.get("InvoiceCountryCode")
    return not country or str(country).upper() == company_country(a)


def _rows(a: Account, customer: Record, rows: list[dict[str, Any]], *, invoice: bool,
          replace_zero_price: bool) -> list[Record]:
    """Rows of a draft (``invoice=False``) or a direct invoice, checked and computed."""
    domestic = _is_domestic(a, customer) and (customer.get("CurrencyCode") or company_currency(a)) == \
        company_currency(a)
    price_decimals = 2 if domestic else 4
    problems: list[FieldError] = []
    out: list[Record] = []
    for i, row in enumerate(rows):
        field = f"Rows[{i}]"
        is_text = row.get("ArticleId") is None if invoice else bool(row.get("IsTextRow"))
        line = row.get("LineNumber") if row.get("LineNumber") is not None else g.FIRST_LINE_NUMBER + i
        base: Record = {"Id": new_id(), "LineNumber": line, "IsTextRow": is_text,
                        "ReversedConstructionServicesVatFree": bool(row.get("ReversedConstructionServicesVatFree")),
                        "WorkCostType": 0, "IsWorkCost": False, "GreenTechnologyType": 0,
                        "IsDiscountInFixedAmount": False, "DiscountFixedAmount": None,
                        "CostCenterItemId1": row.get("CostCenterItemId1"),
                        "CostCenterItemId2": row.get("CostCenterItemId2"),
                        "CostCenterItemId3": row.get("CostCenterItemId3"), "ProjectId": row.get("ProjectId")}
        if is_text:
            text = row.get("Text")
            if not text:
                problems.append(FieldError(f"{field}.Text", g.ERROR_REQUIRED, msg("text_row_needs_text")))
                continue
            out.append({**base, "ArticleId": None, "Text": text, "Quantity": Decimal(0), "UnitPrice": Decimal(0),
                        "DiscountPercentage": Decimal(0), "VatRate": None, "VatRateId": None, "PercentVat": Decimal(0),
                        "Amount": Decimal(0), "AmountNoVat": Decimal(0), "IsVatFree": False})
            continue
        article_id = row.get("ArticleId")
        if article_id is None:
            problems.append(FieldError(f"{field}.ArticleId", g.ERROR_REQUIRED, msg("article_required")))
            continue
        article = a.get("articles", article_id)
        if article is None:
            raise not_found("Article", field=f"{field}.ArticleId")
        price = dec(row.get("UnitPrice"))
        if price == 0 and replace_zero_price:
            price = dec(article.get("NetPrice"))
        if decimals_of(price) > price_decimals:
            problems.append(FieldError(f"{field}.UnitPrice", g.ERROR_FORMAT,
                                       msg("unit_price_decimals", decimals=price_decimals)))
            continue
        quantity = dec(row.get("Quantity"))
        discount = dec(row.get("DiscountPercentage"))
        coding = a.get("articleaccountcodings", article["CodingId"]) or {}
        vat_free = bool(row.get("IsVatFree")) or bool(row.get("ReversedConstructionServicesVatFree"))
        rate = Decimal(0) if vat_free or not _is_domestic(a, customer) else _vat_fraction(coding)
        amount = round2(quantity * price * (1 - discount))
        unit = a.get("units", article["UnitId"]) or {}
        out.append({**base, "ArticleId": article["Id"], "ArticleNumber": article["Number"],
                    "IsServiceArticle": article.get("IsServiceArticle", False),
                    "Text": row.get("Text") or article["Name"], "UnitPrice": price, "Quantity": quantity,
                    "DiscountPercentage": discount, "VatRate": rate, "VatRateId": coding.get("VatRate"),
                    "PercentVat": rate, "Amount": amount, "AmountNoVat": amount, "IsVatFree": vat_free,
                    "UnitId": article["UnitId"], "UnitName": row.get("UnitName") or unit.get("Name"),
                    "UnitAbbreviation": row.get("UnitAbbreviation") or unit.get("Abbreviation"),
                    "UnitAbbreviationEnglish": row.get("UnitAbbreviationEnglish") or unit.get("AbbreviationEnglish"),
                    "PurchasePrice": dec(article.get("PurchasePrice")),
                    "FreightCosts": dec(article.get("FreightCosts"))})
    if problems:
        raise validation(problems)
    return out


def totals(a: Account, rows: list[Record], currency: str) -> Record:
    """Net per row, VAT per rate on the rate's sum, whole-unit rounding when the company rounds (ROUND_HALF_UP)."""
    by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.get("VatRate") is not None:
            by_rate[dec(row["VatRate"])] += dec(row["Amount"])
    spec = [{"AmountInvoiceCurrency": net, "VatAmountInvoiceCurrency": round2(net * rate), "VatPercent": rate}
            for rate, net in sorted(by_rate.items(), reverse=True)]
    net = sum((s["AmountInvoiceCurrency"] for s in spec), Decimal(0))
    vat = sum((s["VatAmountInvoiceCurrency"] for s in spec), Decimal(0))
    gross = net + vat
    roundings = Decimal(0)
    if a.settings.get("DomesticCurrencyRounding") == 1 and currency == company_currency(a):
        roundings = gross.quantize(Decimal(1), rounding=ROUND_HALF_UP) - gross
    total = gross + roundings
    rate = CURRENCY_RATES.get(currency, Decimal(1))
    return {"net": net, "vat": vat, "roundings": roundings, "total": total, "spec": spec,
            "total_base": round2(total * rate), "vat_base": round2(vat * rate), "roundings_base": round2(
                roundings * rate), "rate": rate}


def due_date(terms: Record | None, invoice_date: date) -> date:
    days = int((terms or {}).get("NumberOfDays") or 0)
    if (terms or {}).get("TermsOfPaymentTypeId") == 1:
        last = calendar.monthrange(invoice_date.year, invoice_date.month)[1]
        return invoice_date.replace(day=last) + timedelta(days=days)
    return invoice_date + timedelta(days=days)


_HEADER_FROM_CUSTOMER = ("InvoiceAddress1", "InvoiceAddress2")
_DELIVERY = {"DeliveryCustomerName": "DeliveryCustomerName", "DeliveryAddress1": "DeliveryAddress1",
             "DeliveryAddress2": "DeliveryAddress2", "DeliveryPostalCode": "DeliveryPostalCode",
             "DeliveryCity": "DeliveryCity", "DeliveryCountryCode": "DeliveryCountryCode"}


def _document_header(a: Account, values: dict[str, Any], customer: Record) -> Record:
    terms_id = values.get("TermsOfPaymentId") or customer.get("TermsOfPaymentId")
    _ref(a, "termsofpayments", terms_id, "TermsOfPaymentId", "TermsOfPayment")
    header: Record = {
        **{k: v for k, v in values.items() if k != "Rows"},
        "TermsOfPaymentId": terms_id,
        "CustomerNumber": customer["CustomerNumber"], "CustomerName": customer["Name"],
        "InvoiceCustomerName": customer["Name"], "InvoicePostalCode": customer.get("InvoicePostalCode"),
        "InvoiceCity": customer.get("InvoiceCity"), "InvoiceCountryCode": customer.get("InvoiceCountryCode"),
        "CustomerIsPrivatePerson": bool(customer.get("IsPrivatePerson")), "IncludesVat": False,
        "ReverseChargeOnConstructionServices": bool(customer.get("ReverseChargeOnConstructionServices")),
    }
    for key in _HEADER_FROM_CUSTOMER:
        if header.get(key) is None:
            header[key] = customer.get(key)
    for key, source in _DELIVERY.items():
        if header.get(key) is None:
            header[key] = customer.get(source)
    for key in ("InvoiceDate", "DueDate", "DeliveryDate"):
        if header.get(key) is not None:
            header[key] = as_date(header[key])
    return header


# -- drafts --------------------------------------------------------------------------------------------------


def _draft_record(a: Account, data: Any, existing: Record | None) -> Record:
    body = check(a, "CustomerInvoiceDraftApi", data)
    values = _writable(body)
    customer = _ref(a, "customers", values.get("CustomerId"), "CustomerId", "Customer")
    rows = _rows(a, customer, values.get("Rows") or [], invoice=False,
                 replace_zero_price=bool(values.get("ReplaceUnitPriceWhenZero")))
    header = _document_header(a, values, customer)
    currency = str(customer.get("CurrencyCode") or company_currency(a))
    t = totals(a, rows, currency)
    return {**header, "Id": existing["Id"] if existing else new_id(), "Rows": rows,
            "InvoiceCurrencyCode": currency,
            "CreatedUtc": existing["CreatedUtc"] if existing else a.now(),
            "TotalAmount": t["total"], "TotalVatAmount": t["vat"], "TotalRoundings": t["roundings"],
            "TotalAmountBaseCurrency": t["total_base"], "TotalVatAmountBaseCurrency": t["vat_base"]}


def create_draft(a: Account, data: Any) -> Record:
    return a.add("drafts", _draft_record(a, data, None))


def update_draft(a: Account, existing: Record, data: Any) -> Record:
    rec = _draft_record(a, data, existing)
    a.table("drafts")[rec["Id"]] = rec
    return rec


def delete_draft(a: Account, rec: Record) -> None:
    del a.table("drafts")[rec["Id"]]


# -- invoices ------------------------------------------------------------------------------------------------


def next_invoice_number(a: Account) -> int:
    numbers = [int(i["InvoiceNumber"]) for i in a.table("invoices").values()]
    return max([g.FIRST_INVOICE_NUMBER - 1, *numbers]) + 1


def _check_invoice_date(a: Account, customer: Record, invoice_date: date) -> None:
    if invoice_date > a.today() and not customer.get("IsFutureInvoiceDateAllowed"):
        raise invalid("InvoiceDate", "future_date")
    if a.fiscal_year_of(invoice_date) is None:
        raise ApiProblem(400, g.CODE_NO_FISCAL_YEAR, msg("no_fiscal_year", date=invoice_date.isoformat()))
    if a.locked_until is not None and invoice_date <= a.locked_until:
        raise ApiProblem(400, g.CODE_LOCKED_PERIOD, msg("locked_period", date=invoice_date.isoformat()))


def _book(a: Account, header: Record, rows: list[Record], customer: Record, invoice_date: date,
          created_from_draft: str | None, send_type: int | None) -> Record:
    """Book an invoice: number, voucher, due date, totals; the customer's ledger figures follow."""
    currency = str(customer.get("CurrencyCode") or company_currency(a))
    t = totals(a, rows, currency)
    terms = a.get("termsofpayments", header.get("TermsOfPaymentId"))
    number = next_invoice_number(a)
    now = a.now()
    invoice_rows = [{k: v for k, v in row.items() if k not in ("VatRateId", "ReversedConstructionServicesVatFree")}
                    for row in rows]
    rec: Record = {
        **{k: v for k, v in header.items() if k not in ("ReplaceUnitPriceWhenZero",)},
        "Id": new_id(), "InvoiceNumber": number, "CustomerId": customer["Id"], "Rows": invoice_rows,
        "InvoiceDate": invoice_date, "DueDate": header.get("DueDate") or due_date(terms, invoice_date),
        "CurrencyCode": currency, "CurrencyRate": header.get("CurrencyRate") or t["rate"],
        "CustomerEmail": customer.get("EmailAddress"), "ElectronicAddress": customer.get("ElectronicAddress"),
        "TotalAmount": t["total_base"], "TotalVatAmount": t["vat_base"], "TotalRoundings": t["roundings_base"],
        "TotalAmountInvoiceCurrency": t["total"], "TotalVatAmountInvoiceCurrency": t["vat"],
        "RemainingAmount": t["total_base"], "RemainingAmountInvoiceCurrency": t["total"],
        "SetOffAmountInvoiceCurrency": Decimal(0),
        "VatSpecification": t["spec"], "PaymentStatus": 1, "CreatedFromDraftId": created_from_draft,
        "VoucherNumber": f"F {number}", "VoucherId": new_id(), "CreatedUtc": now, "ModifiedUtc": now,
        "SendType": send_type, "IsNotDelivered": False, "HasAutoInvoiceError": False,
    }
    a.add("invoices", rec)
    a.invoice_meta[rec["Id"]] = {"emails": 0, "createdVia": "convert" if created_from_draft else "post"}
    customer["LastInvoiceDate"] = invoice_date
    customer["UnpaidInvoicesAmount"] = dec(customer.get("UnpaidInvoicesAmount")) + t["total_base"]
    return rec


def convert_draft(a: Account, draft: Record, data: Any, *, keep_query: bool, override: bool) -> Record:
    body = check(a, "CustomerInvoiceDraftValidationApi", data if data is not None else {})
    customer = _ref(a, "customers", draft.get("CustomerId"), "CustomerId", "Customer")
    keep = keep_query if override else keep_query or bool(a.settings.get("KeepOriginalDraftDate"))
    draft_date = as_date(draft.get("InvoiceDate"))
    today = a.today()
    if keep:
        invoice_date = draft_date or as_date(draft.get("CreatedUtc")) or today
    else:
        invoice_date = draft_date if draft_date is not None and draft_date > today else today
    _check_invoice_date(a, customer, invoice_date)
    _check_expected(body, draft)
    header = {k: v for k, v in draft.items() if k not in (
        "Id", "Rows", "CreatedUtc", "TotalAmount", "TotalVatAmount", "TotalRoundings", "TotalAmountBaseCurrency",
        "TotalVatAmountBaseCurrency", "InvoiceCurrencyCode", "IsDirectDebit")}
    if draft_date != invoice_date:
        header["DueDate"] = None
    invoice = _book(a, header, [dict(r) for r in draft["Rows"]], customer, invoice_date, draft["Id"], None)
    del a.table("drafts")[draft["Id"]]
    return invoice


def _check_expected(body: Body, draft: Record) -> None:
    """The optional convert body: the amounts the caller expects, checked before anything is booked."""
    problems: list[FieldError] = []
    expected_pairs = (("TotalAmountInvoiceCurrency", draft["TotalAmount"]),
                      ("TotalVatAmountInvoiceCurrency", draft["TotalVatAmount"]),
                      ("TotalRoundingsInvoiceCurrency", draft["TotalRoundings"]))
    for name, actual in expected_pairs:
        expected = body.values.get(name)
        if expected is not None and abs(dec(expected) - dec(actual)) > g.VALIDATION_TOLERANCE:
            problems.append(FieldError(name, g.ERROR_INVALID, msg("validation_mismatch", what=name, actual=actual,
                                                                   expected=expected)))
    by_line = {r.get("LineNumber"): r for r in draft["Rows"]}
    for row in body.values.get("Rows") or []:
        line = by_line.get(row.get("LineNumber"))
        if line is None:
            continue
        net = dec(line["Amount"])
        gross = net + round2(net * dec(line.get("VatRate")))
        for name, actual in (("TotalAmountNoVatInvoiceCurrency", net), ("TotalAmountIncVatInvoiceCurrency", gross)):
            expected = row.get(name)
            if expected is not None and abs(dec(expected) - actual) > g.VALIDATION_TOLERANCE:
                field = f"Rows[LineNumber={row.get('LineNumber')}].{name}"
                problems.append(FieldError(field, g.ERROR_INVALID, msg("validation_mismatch", what=field,
                                                                        actual=actual, expected=expected)))
    if problems:
        raise validation(problems)


def create_invoice(a: Account, data: Any) -> Record:
    body = check(a, "CustomerInvoiceApi", data)
    values = _writable(body)
    customer = _ref(a, "customers", values.get("CustomerId"), "CustomerId", "Customer")
    if not values.get("Rows"):
        raise invalid("Rows", "rows_required", g.ERROR_REQUIRED)
    rows = _rows(a, customer, values["Rows"], invoice=True,
                 replace_zero_price=bool(values.get("ReplaceUnitPriceWhenZero")))
    header = _document_header(a, values, customer)
    invoice_date = as_date(values.get("InvoiceDate")) or a.today()
    _check_invoice_date(a, customer, invoice_date)
    draft_id = values.get("CreatedFromDraftId")
    invoice = _book(a, header, rows, customer, invoice_date, draft_id, values.get("SendType"))
    if draft_id and a.get("drafts", draft_id) is not None:
        del a.table("drafts")[str(draft_id)]
    return invoice


def refresh_status(a: Account, invoice: Record) -> Record:
    """PaymentStatus as of the company's today: 0 paid, 1 unpaid, 2 overdue."""
    if dec(invoice.get("RemainingAmount")) == 0:
        invoice["PaymentStatus"] = 0
    else:
        due = as_date(invoice.get("DueDate"))
        invoice["PaymentStatus"] = 2 if due is not None and due < a.today() else 1
    return invoice


def email_invoice(a: Account, invoice: Record, data: Any) -> dict[str, Any]:
    raw = data if isinstance(data, dict) else {}
    body = check(a, "EmailApi", data if data is not None else {})
    customer = a.get("customers", invoice.get("CustomerId")) or {}
    to = body.values.get("Email") or customer.get("EmailAddress")
    if not to:
        raise invalid("Email", "no_recipient", g.ERROR_REQUIRED)
    if not _EMAIL.match(str(to)):
        raise invalid("Email", "type", g.ERROR_FORMAT)
    cc_sent: Any = next((raw[k] for k in raw if str(k).lower() == "ccrecipients"), [])
    if cc_sent is None:
        cc: list[str] = []
    else:
        cc = list(body.values.get("CcRecipients") or []) or list(customer.get("EmailAddresses") or [])
    company = str(a.settings.get("Name") or "")
    subject = str(body.values.get("Subject") or g.DEFAULT_EMAIL_SUBJECT.format(company=company))
    message = str(body.values.get("Message") or (a.settings.get("CompanyText") or {}).get("InvoiceEmailDomestic")
                  or g.DEFAULT_EMAIL_MESSAGE)
    number = str(invoice["InvoiceNumber"])
    delivered = not a.email_delivery_fails
    mail = {"invoiceId": invoice["Id"], "invoiceNumber": invoice["InvoiceNumber"], "to": to, "cc": cc,
            "subject": subject.replace("####", number), "message": message.replace("####", number),
            "sentUtc": a.now(), "delivered": delivered}
    a.emails.append(mail)
    meta = a.invoice_meta.setdefault(invoice["Id"], {"emails": 0})
    meta["emails"] = int(meta.get("emails") or 0) + 1
    invoice["IsNotDelivered"] = not delivered
    invoice["ModifiedUtc"] = a.now()
    return mail


# -- fiscal years --------------------------------------------------------------------------------------------


def fiscal_year(start: date, end: date) -> Record:
    return {"Id": new_id(), "StartDate": start, "EndDate": end, "IsLockedForAccounting": False,
            "BookkeepingMethod": 0}


def create_fiscal_year(a: Account, data: Any) -> Record:
    body = check(a, "FiscalYearApi", data)
    start, end = as_date(body.values.get("StartDate")), as_date(body.values.get("EndDate"))
    if start is None or end is None:
        raise invalid("StartDate" if start is None else "EndDate", "required", g.ERROR_REQUIRED)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if start.day != 1 or end <= start or months > 18:
        raise invalid("EndDate", "fiscal_year_dates")
    for fy in a.table("fiscalyears").values():
        fy_start, fy_end = as_date(fy["StartDate"]), as_date(fy["EndDate"])
        if fy_start is not None and fy_end is not None and start <= fy_end and end >= fy_start:
            raise invalid("StartDate", "fiscal_year_overlap")
    return a.add("fiscalyears", fiscal_year(start, end))


def ensure_fiscal_year(a: Account, year: int) -> Record:
    existing = a.fiscal_year_of(date(year, 6, 30))
    return existing or a.add("fiscalyears", fiscal_year(date(year, 1, 1), date(year, 12, 31)))
