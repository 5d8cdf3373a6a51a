"""Deterministic company data: what every eAccounting company has, and the "demo" data set on top.

Every company (even ``seed: "empty"``) has company settings, units, terms of payment, article account codings
and VAT codes (the same Ids in every company: see guesses.py), and unless ``fiscalYear: false`` a fiscal year
for the previous and the current calendar year. ``seed: "demo"`` adds 220 customers, 1,050 articles in eight
labels, drafts and booked invoices (some e-mailed), made through the same rules as API writes, the same on
every run (fixed random seed; document dates relative to the company's today).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from backend.sandbox.eaccounting import guesses as g
from backend.sandbox.eaccounting import logic
from backend.sandbox.eaccounting.model import Account

RNG_SEED = 20_260_301
CODINGS_CHANGED = datetime(2025, 1, 1, tzinfo=UTC)
_NAMESPACE = uuid.UUID("6f1f8a52-3c55-4e0e-9d51-0b8f3f1a7e21")


def ref_id(kind: str, key: str) -> str:
    """The fixed Id of a piece of reference data (the same in every company)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


# (name, code, abbreviation, English abbreviation)
UNITS = [("Stykk", "STK", "stk", "pcs"), ("Timer", "HUR", "t", "h"), ("Kilogram", "KGM", "kg", "kg"),
         ("Liter", "LTR", "l", "l"), ("Meter", "MTR", "m", "m"), ("Pakke", "PK", "pk", "pkg"),
         ("Dager", "DAY", "d", "d"), ("Kartong", "CT", "krt", "ctn")]
# (name, English name, days, type id, type text)
TERMS = [("14 dager netto", "14 days net", 14, 0, "Normal"), ("30 dager netto", "30 days net", 30, 0, "Normal"),
         ("10 dager netto", "10 days net", 10, 0, "Normal"), ("Kontant", "Cash", 0, 2, "Cash"),
         ("Løpende måned + 30 dager", "Current month + 30 days", 30, 1, "CurrentMonth"),
         ("Kortbetaling", "Card payment", 0, 3, "CardPayment")]
DEFAULT_TERMS = "14 dager netto"
# (name, English name, type, VAT rate code, VAT fraction, sales account)
CODINGS = [("Varer 25 %", "Goods 25 %", "Goods", "3", Decimal("0.25"), 3000),
           ("Tjenester 25 %", "Services 25 %", "Service", "3", Decimal("0.25"), 3010),
           ("Næringsmidler 15 %", "Foodstuffs 15 %", "Goods", "31", Decimal("0.15"), 3020),
           ("Persontransport 12 %", "Passenger transport 12 %", "Service", "33", Decimal("0.12"), 3030),
           ("Avgiftsfritt salg 0 %", "VAT exempt sales 0 %", "Goods", "5", Decimal("0"), 3100),
           ("Utenfor mva-loven", "Outside the VAT act", "Service", "6", Decimal("0"), 3200)]
# (code, description, percent, accounts)
VAT_CODES = [("3", "Utgående mva, høy sats", Decimal("25"), (2700,)),
             ("31", "Utgående mva, middels sats", Decimal("15"), (2701,)),
             ("33", "Utgående mva, lav sats", Decimal("12"), (2702,)),
             ("5", "Ingen utgående mva (innenfor mva-loven)", Decimal("0"), ()),
             ("6", "Ingen utgående mva (utenfor mva-loven)", Decimal("0"), ()),
             ("52", "Avgiftsfri utførsel av varer og tjenester", Decimal("0"), ()),
             ("1", "Fradrag inngående mva, høy sats", Decimal("25"), (2710,)),
             ("11", "Fradrag inngående mva, middels sats", Decimal("15"), (2711,)),
             ("13", "Fradrag inngående mva, lav sats", Decimal("12"), (2712,))]
LABELS = [("Verktøy", "Håndverktøy og elektroverktøy"), ("Elektro", "Elektromateriell"),
          ("Rør og VVS", "Rørdeler og sanitær"), ("Maling", "Maling, beis og tilbehør"),
          ("Hage", "Hage og utemiljø"), ("Kontor", "Kontorrekvisita"), ("Mat og drikke", "Næringsmidler"),
          ("Tjenester", "Arbeid, frakt og service")]
PLACES = [("0155", "OSLO"), ("0250", "OSLO"), ("5003", "BERGEN"), ("7010", "TRONDHEIM"), ("4006", "STAVANGER"),
          ("9008", "TROMSØ"), ("3015", "DRAMMEN"), ("1706", "SARPSBORG"), ("4610", "KRISTIANSAND S"),
          ("6002", "ÅLESUND"), ("8006", "BODØ"), ("2317", "HAMAR"), ("3110", "TØNSBERG"), ("1606", "FREDRIKSTAD")]
STREETS = ["Storgata", "Kongens gate", "Strandveien", "Industriveien", "Sjøgata", "Kirkegata", "Fjordveien",
           "Parkveien", "Havnegata", "Nygata", "Bryggeveien", "Torggata", "Elvegata", "Verkstedveien"]
PREFIXES = ["Nordlys", "Fjord", "Vestland", "Trønder", "Lofoten", "Viken", "Agder", "Hardanger", "Polar", "Skog",
            "Fjell", "Havbris", "Midnattsol", "Granli", "Bjørk", "Eik", "Furu", "Kystlinje", "Brygge", "Solberg"]
TRADES = ["Elektro", "Bygg", "Rør", "Maskin", "Handel", "Interiør", "Data", "Transport", "Eiendom", "Marine",
          "Catering", "Verksted", "Bilservice", "Trelast", "Maling", "Sport", "Hage", "Fisk", "Entreprenør", "Kjøkken"]
FIRST_NAMES = ["Kari", "Ola", "Ingrid", "Lars", "Nora", "Jonas", "Emma", "Henrik", "Sofie", "Magnus", "Ida",
               "Anders", "Marte", "Sindre", "Hanne", "Eirik", "Silje", "Astrid", "Håkon", "Tone"]
LAST_NAMES = ["Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Berg",
              "Haugen", "Bakke", "Lie", "Dahl", "Strand", "Moen", "Solheim"]
FOREIGN = [("Svenska Byggvaror AB", "SE", "SEK", "Göteborg", "411 04"), ("Dansk Værktøj ApS", "DK", "DKK",
           "København", "1050"), ("Baumarkt Nord GmbH", "DE", "EUR", "Hamburg", "20095"),
           ("Suomen Rauta Oy", "FI", "EUR", "Helsinki", "00100"), ("Highland Tools Ltd", "GB", "GBP", "Aberdeen",
                                                                  "AB10 1AB")]
# (label, coding, unit, words, price range)
PRODUCT_LINES = [
    ("Verktøy", "Varer 25 %", "Stykk", ["Hammer", "Skrutrekker", "Tang", "Sag", "Vater", "Meisel", "Fil", "Bor"],
     (49, 1900)),
    ("Elektro", "Varer 25 %", "Stykk", ["Stikkontakt", "Bryter", "Kabel", "Sikring", "Koblingsboks", "Lyspære"],
     (19, 890)),
    ("Rør og VVS", "Varer 25 %", "Stykk", ["Rørbend", "Kuleventil", "Pakning", "Sluk", "Blandebatteri"], (29, 2900)),
    ("Maling", "Varer 25 %", "Liter", ["Interiørmaling", "Beis", "Grunning", "Lakk", "Sparkel"], (89, 1200)),
    ("Hage", "Varer 25 %", "Stykk", ["Spade", "Rive", "Hageslange", "Blomsterkasse", "Gjødsel"], (39, 1500)),
    ("Kontor", "Varer 25 %", "Pakke", ["Kopipapir", "Penner", "Permer", "Konvolutter", "Post-it"], (15, 450)),
    ("Mat og drikke", "Næringsmidler 15 %", "Kilogram", ["Kaffe", "Te", "Sukker", "Kjeks", "Juice"], (25, 390)),
    ("Tjenester", "Tjenester 25 %", "Timer", ["Montering", "Service", "Konsulenttime", "Frakt", "Rådgivning"],
     (450, 1450)),
]
VARIANTS = ["Basic", "Pro", "XL", "Mini", "Eco", "Premium", "Standard", "Plus", "Compact", "Heavy Duty", "Classic",
            "Sport", "Lett", "Ekstra", "Original", "Nordic", "Industri", "Hobby", "Profesjonell", "Junior", "Max"]


def seed_reference(a: Account, *, fiscal_year: bool, company_name: str, rounding: bool) -> None:
    """What every company has."""
    for name, code, abbreviation, english in UNITS:
        a.add("units", {"Id": ref_id("unit", code), "Name": name, "Code": code, "Abbreviation": abbreviation,
                        "AbbreviationEnglish": english})
    for name, english, days, type_id, type_text in TERMS:
        a.add("termsofpayments", {"Id": ref_id("terms", name), "Name": name, "NameEnglish": english,
                                  "NumberOfDays": days, "TermsOfPaymentTypeId": type_id,
                                  "TermsOfPaymentTypeText": type_text, "AvailableForSales": True,
                                  "AvailableForPurchase": type_id in (0, 1)})
    for name, english, kind, vat_code, fraction, account in CODINGS:
        a.add("articleaccountcodings", {
            "Id": ref_id("coding", name), "Name": name, "NameEnglish": english, "Type": kind, "VatRate": vat_code,
            "IsActive": True, "VatRatePercent": fraction, "DomesticSalesSubjectToVatAccountNumber": account,
            "DomesticSalesVatExemptAccountNumber": 3100, "ForeignSalesVatExemptOutsideEuAccountNumber": 3150,
            "ChangedUtc": CODINGS_CHANGED})
    for code, description, percent, accounts in VAT_CODES:
        related = {f"AccountNumber{i + 1}": n for i, n in enumerate(accounts)}
        a.add("vatcodes", {"Id": ref_id("vatcode", code), "Code": code, "Description": description,
                           "VatRate": percent, "OssCodeType": 0, "RelatedAccounts": related})
    a.settings = {
        "Name": company_name, "Email": "post@example.no", "Phone": "22 00 00 00", "Address1": "Storgata 1",
        "CountryCode": g.COMPANY_COUNTRY, "PostalCode": "0155", "City": "OSLO", "Website": "https://example.no",
        "CurrencyCode": g.COMPANY_CURRENCY, "TermsOfPaymentId": ref_id("terms", DEFAULT_TERMS),
        "CorporateIdentityNumber": "999888777", "VatCode": "NO999888777MVA", "BankAccount": "15032080119",
        "AccountNumberDigits": 4, "ProductVariant": 1, "TypeOfBusiness": 1, "VatPeriod": 5,
        "ActivatedModules": ["api_standard"], "CompanyStatus": 1, "KeepOriginalDraftDate": False,
        "DomesticCurrencyRounding": 1 if rounding else 0, "ShowPricesExclVatPC": False,
        "CompanyText": {"InvoiceEmailDomestic": "Vedlagt følger faktura ####. Takk for handelen!",
                        "CustomerInvoiceTextDomestic": "Betalingsbetingelser: se forfallsdato."},
        "CompanyIdentifier": a.id, "UsesPaymentReferenceNumber": False,
    }
    if fiscal_year:
        year = a.today().year
        logic.ensure_fiscal_year(a, year - 1)
        logic.ensure_fiscal_year(a, year)


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def seed_demo(a: Account) -> None:
    rng = random.Random(RNG_SEED)
    terms_ids = [ref_id("terms", t[0]) for t in TERMS if t[3] in (0, 1)]
    customers: list[dict[str, Any]] = []
    for i in range(220):
        postal, city = rng.choice(PLACES)
        body: dict[str, Any] = {
            "CustomerNumber": str(10_001 + i), "IsActive": i % 37 != 36, "TermsOfPaymentId": rng.choice(
                terms_ids[:2] * 4 + terms_ids), "InvoiceAddress1": f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
            "InvoicePostalCode": postal, "InvoiceCity": city, "InvoiceCountryCode": "NO",
        }
        if i % 6 == 5:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            body.update({"Name": f"{first} {last}", "IsPrivatePerson": True,
                         "EmailAddress": f"{first}.{last}{i}@example.no".lower().replace("å", "a").replace(
                             "ø", "o").replace("æ", "ae"), "MobilePhone": f"9{rng.randint(1000000, 9999999)}"})
        else:
            name = f"{rng.choice(PREFIXES)} {rng.choice(TRADES)} AS"
            org = str(rng.randint(910_000_000, 999_999_999))
            body.update({"Name": name, "IsPrivatePerson": False, "CorporateIdentityNumber": org,
                         "VatNumber": f"NO{org}MVA", "EmailAddress": f"faktura{i}@example.no",
                         "Telephone": f"2{rng.randint(1000000, 9999999)}",
                         "ContactPersonName": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"})
        customers.append(body)
    for j, (name, country, currency, city, postal) in enumerate(FOREIGN):
        customers.append({"CustomerNumber": str(20_001 + j), "Name": name, "IsActive": True, "IsPrivatePerson": False,
                          "TermsOfPaymentId": ref_id("terms", "30 dager netto"), "InvoiceAddress1": "Main Street 1",
                          "InvoicePostalCode": postal, "InvoiceCity": city, "InvoiceCountryCode": country,
                          "CurrencyCode": currency, "EmailAddress": f"invoice{j}@example.com"})
    made_customers = [logic.create_customer(a, c) for c in customers]

    labels = {name: logic.create_label(a, {"Name": name, "Description": description}) for name, description in LABELS}
    units = {u["Name"]: u["Id"] for u in a.table("units").values()}
    codings = {c["Name"]: c["Id"] for c in a.table("articleaccountcodings").values()}
    articles = []
    number = 1000
    for k in range(1050):
        label, coding, unit, words, (low, high) = PRODUCT_LINES[k % len(PRODUCT_LINES)]
        number += rng.randint(1, 3)
        word = words[(k // len(PRODUCT_LINES)) % len(words)]
        variant = VARIANTS[(k // (len(PRODUCT_LINES) * len(words))) % len(VARIANTS)]
        net = _money(rng, low, high)
        body = {"Number": str(number) if k % 10 else f"{label[:2].upper()}-{number}/{k % 7}",
                "Name": f"{word} {variant}"[:50], "CodingId": codings[coding], "UnitId": units[unit],
                "IsActive": k % 53 != 52, "NetPrice": net,
                "PurchasePrice": (net * rng.randint(40, 70) / 100).quantize(Decimal("0.01")),
                "ArticleLabels": [{"Id": labels[label]["Id"], "Name": label}], "IsStock": coding.startswith("Varer")}
        articles.append(logic.create_article(a, body))

    # Documents: booked invoices over the last two months (some e-mailed), and a few open drafts.
    had_fiscal_years = bool(a.table("fiscalyears"))
    temporary = []
    if not had_fiscal_years:
        temporary = [logic.ensure_fiscal_year(a, a.today().year - 1), logic.ensure_fiscal_year(a, a.today().year)]
    active = [c for c in made_customers if c["IsActive"] and c["CurrencyCode"] == g.COMPANY_CURRENCY]
    sellable = [x for x in articles if x["IsActive"]]
    for n in range(30):
        customer = active[(n * 7) % len(active)]
        rows = [{"ArticleId": rng.choice(sellable)["Id"], "Quantity": Decimal(rng.randint(1, 12)),
                 "UnitPrice": None, "DiscountPercentage": Decimal(rng.choice([0, 0, 0, 5, 10])) / 100}
                for _ in range(rng.randint(1, 5))]
        for row in rows:
            article = a.get("articles", row["ArticleId"]) or {}
            row["UnitPrice"] = article.get("NetPrice")
        invoice_date = a.today() - timedelta(days=60 - 2 * n)
        invoice = logic.create_invoice(a, {"CustomerId": customer["Id"], "EuThirdParty": False,
                                           "RotReducedInvoicingType": 0, "InvoiceDate": invoice_date.isoformat(),
                                           "YourReference": f"Ordre {5000 + n}", "Rows": rows})
        if n % 3 == 0:
            logic.email_invoice(a, invoice, {})
    for n in range(5):
        customer = active[(n * 11 + 3) % len(active)]
        article = sellable[(n * 97) % len(sellable)]
        logic.create_draft(a, {"CustomerId": customer["Id"], "EuThirdParty": False, "RotReducedInvoicingType": 0,
                               "YourReference": f"Ordre {6000 + n}",
                               "Rows": [{"IsTextRow": False, "ReversedConstructionServicesVatFree": False,
                                         "ArticleId": article["Id"], "Quantity": Decimal(n + 1),
                                         "UnitPrice": article["NetPrice"]}]})
    for fy in temporary:
        del a.table("fiscalyears")[fy["Id"]]
