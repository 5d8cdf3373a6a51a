"""Deterministic company data: what every Tripletex company has, and the "demo" data set on top.

Every company (even ``seed: "empty"``) has VAT types, currencies, countries, product units, ledger accounts,
incoming payment types, the token owner (an employee) and one department, as real companies do.
``seed: "demo"`` adds customers, suppliers, products, employees, projects and departments with Norwegian
names, the same on every run. ``seed: "scale"`` adds as many light customers, suppliers and products as asked.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from backend.sandbox.tripletex import guesses as g
from backend.sandbox.tripletex.model import Account, dec, precise

# (id, number, name, percentage, typeOfVat, active). Ids equal the numbers, as in real companies' standard
# codes; "32" is inactive (not used by the company), so that "Ugyldig mva-kode." can be provoked.
VAT_TYPES: list[tuple[int, str, str, Decimal, str, bool]] = [
    (0, "0", "Ingen avgiftsbehandling", Decimal("0"), "BOTH", True),
    (1, "1", "Fradrag inngående avgift, høy sats", Decimal("25"), "INCOMING", True),
    (11, "11", "Fradrag inngående avgift, middels sats", Decimal("15"), "INCOMING", True),
    (13, "13", "Fradrag inngående avgift, lav sats", Decimal("12"), "INCOMING", True),
    (3, "3", "Utgående avgift, høy sats", Decimal("25"), "OUTGOING", True),
    (31, "31", "Utgående avgift, middels sats", Decimal("15"), "OUTGOING", True),
    (32, "32", "Utgående avgift, råfisk", Decimal("11.11"), "OUTGOING", False),
    (33, "33", "Utgående avgift, lav sats", Decimal("12"), "OUTGOING", True),
    (5, "5", "Ingen utgående avgift (innenfor mva-loven)", Decimal("0"), "OUTGOING", True),
    (6, "6", "Ingen utgående avgift (utenfor mva-loven)", Decimal("0"), "OUTGOING", True),
    (51, "51", "Avgiftsfri innenlands omsetning med omvendt avgiftsplikt", Decimal("0"), "OUTGOING", True),
    (52, "52", "Avgiftsfri utførsel av varer og tjenester", Decimal("0"), "OUTGOING", True),
]
# (id, code, description, factor)
CURRENCIES = [(1, "NOK", "Norske kroner", 1), (2, "SEK", "Svenske kroner", 100), (3, "DKK", "Danske kroner", 100),
              (4, "USD", "Amerikanske dollar", 1), (5, "EUR", "Euro", 1), (6, "GBP", "Britiske pund", 1)]
# (ISO numeric as id, name, alpha2, alpha3)
COUNTRIES = [(578, "Norge", "NO", "NOR"), (752, "Sverige", "SE", "SWE"), (208, "Danmark", "DK", "DNK"),
             (246, "Finland", "FI", "FIN"), (352, "Island", "IS", "ISL"), (276, "Tyskland", "DE", "DEU"),
             (826, "Storbritannia", "GB", "GBR"), (840, "USA", "US", "USA"), (528, "Nederland", "NL", "NLD")]
# (name, nameEN, short, shortEN, UN/ECE common code)
UNITS = [("Stykk", "Piece", "stk", "pcs", "C62"), ("Time", "Hour", "t", "h", "HUR"),
         ("Kilogram", "Kilogram", "kg", "kg", "KGM"), ("Liter", "Litre", "l", "l", "LTR"),
         ("Meter", "Metre", "m", "m", "MTR"), ("Pakke", "Package", "pk", "pkg", "PK"),
         ("Kartong", "Carton", "krt", "ctn", "CT")]
# (number, name, isBankAccount, isInvoiceAccount)
LEDGER_ACCOUNTS = [(1500, "Kundefordringer", False, False), (1900, "Kontanter", False, False),
                   (1920, "Bankinnskudd", True, True), (1950, "Bankinnskudd for skattetrekk", True, False),
                   (2400, "Leverandørgjeld", False, False), (2700, "Utgående merverdiavgift", False, False),
                   (3000, "Salgsinntekt, avgiftspliktig", False, False),
                   (3100, "Salgsinntekt, avgiftsfri", False, False), (4300, "Innkjøp av varer for videresalg",
                                                                      False, False)]
# (description, debit account number)
PAYMENT_TYPES = [("Betalt til bank", 1920), ("Vipps", 1920), ("Kontant", 1900), ("Kort", 1920)]
BANK_ACCOUNT_NUMBER = "15032080119"  # a valid Norwegian (mod 11) account number

FIRST_NAMES = ["Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Per", "Astrid", "Knut", "Solveig", "Arne", "Marit",
               "Bjørn", "Hilde", "Tor", "Liv", "Erik", "Nora", "Magnus", "Ragnhild", "Håkon", "Silje", "Eirik",
               "Tone", "Geir", "Åse", "Jon", "Line", "Sondre", "Ida", "Vegard"]
LAST_NAMES = ["Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
              "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen",
              "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen",
              "Solberg", "Bakken", "Moen", "Strand"]
TRADES = ["Bygg", "Sport", "Elektro", "Rør", "Maling", "Regnskap", "Transport", "Interiør", "Fisk", "Bakeri",
          "Data", "Handel", "Maskin", "Trelast", "Blomster", "Kafé", "Sko", "Optikk", "Marine", "Landbruk"]
PLACES = [("0150", "Oslo"), ("5003", "Bergen"), ("7011", "Trondheim"), ("4006", "Stavanger"), ("9008", "Tromsø"),
          ("3015", "Drammen"), ("4611", "Kristiansand"), ("2317", "Hamar"), ("6002", "Ålesund"), ("8006", "Bodø"),
          ("1530", "Moss"), ("3616", "Kongsberg"), ("2609", "Lillehammer"), ("1606", "Fredrikstad"),
          ("3110", "Tønsberg"), ("6800", "Førde"), ("9510", "Alta"), ("2815", "Gjøvik"), ("5500", "Haugesund"),
          ("4836", "Arendal")]
STREETS = ["Storgata", "Kirkegata", "Strandveien", "Fjordgata", "Skolegata", "Industriveien", "Parkveien",
           "Sjøgata", "Bakkegata", "Hovedveien", "Torggata", "Brugata", "Granveien", "Bjørkeveien", "Havnegata"]
PRODUCTS = ["Ullgenser", "Turjakke", "Skallbukse", "Fjellsko", "Sovepose", "Liggeunderlag", "Ryggsekk", "Telt",
            "Hodelykt", "Termos", "Stormkjøkken", "Lue", "Votter", "Ullsokker", "Regnjakke", "Vindbukse",
            "Skiføre", "Langrennsski", "Staver", "Skibriller", "Isbor", "Fiskestang", "Snelle", "Vadebukse",
            "Kajakkpadle", "Redningsvest", "Kompass", "Kart", "Førstehjelpsskrin", "Tursokker", "Fleecejakke",
            "Dunjakke", "Stillongs", "Buff", "Gamasjer", "Brodder", "Truger", "Hengekøye", "Vannflaske",
            "Kaffekjele", "Bålpanne", "Tursag", "Kniv", "Øks", "Spade", "Pulk", "Akebrett", "Hodetelefon",
            "Solbriller", "Hansker"]
VARIANTS = ["XS", "S", "M", "L", "XL", "Svart", "Blå", "Rød", "Grønn", "Grå", "Barn", "Junior", "Dame", "Herre",
            "Pro", "Lett", "Vinter", "Sommer", "Classic", "Sport"]


def _mod11_ok(number: str) -> bool:
    weights = [3, 2, 7, 6, 5, 4, 3, 2]
    total = sum(int(d) * w for d, w in zip(number[:8], weights, strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(number[8])


def org_number(rng: random.Random) -> str:
    while True:
        base = str(rng.randint(81, 99)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
        if _mod11_ok(base):
            return base


def seed_reference(account: Account, *, bank_account: bool,
                   vat_registration: str = g.VAT_REGISTRATION_DEFAULT) -> None:
    """What every Tripletex company has."""
    for vid, vat_number, vat_name, pct, kind, active in VAT_TYPES:
        account.add("VatType", {"name": vat_name, "number": vat_number, "displayName": f"{vat_number} {vat_name}",
                                "percentage": float(pct), "deductionPercentage": 100.0 if kind == "INCOMING" else 0.0,
                                "_type": kind, "_active": active}, vid)
    for cid, code, description, factor in CURRENCIES:
        account.add("Currency", {"code": code, "description": description, "factor": factor, "displayName": code,
                                 "isDisabled": False}, cid)
    for nid, name, a2, a3 in COUNTRIES:
        account.add("Country", {"name": name, "displayName": name, "isoAlpha2Code": a2, "isoAlpha3Code": a3,
                                "isoNumericCode": f"{nid:03d}"}, nid)
    for name, name_en, short, short_en, common in UNITS:
        account.add("ProductUnit", {"name": name, "nameEN": name_en, "nameShort": short, "nameShortEN": short_en,
                                    "commonCode": common, "displayName": name, "displayNameShort": short,
                                    "isDeletable": False})
    accounts: dict[int, int] = {}
    for acc_number, acc_name, is_bank, is_invoice in LEDGER_ACCOUNTS:
        number, name = acc_number, acc_name
        rec = account.add("Account", {
            "number": number, "numberPretty": str(number), "name": name, "displayName": f"{number} {name}",
            "isBankAccount": is_bank, "isInvoiceAccount": is_invoice, "currency": 1,
            "bankAccountNumber": BANK_ACCOUNT_NUMBER if (is_invoice and bank_account) else "",
            "bankAccountCountry": 578 if is_bank else None, "type": "ASSETS" if number < 2000 else
            ("LIABILITIES" if number < 3000 else ("OPERATING_REVENUES" if number < 4000 else "OPERATING_EXPENSES")),
            "ledgerType": "GENERAL", "vatType": 3 if number == 3000 else (5 if number == 3100 else None),
            "isCloseable": False, "requireReconciliation": is_bank})
        accounts[number] = rec["id"]
    for seq, (description, debit) in enumerate(PAYMENT_TYPES, start=1):
        account.add("PaymentType", {"description": description, "displayName": description,
                                    "debitAccount": accounts[debit], "creditAccount": accounts[1500],
                                    "sequence": seq, "currencyId": 1, "currencyCode": "NOK"})
    dept = account.add("Department", {"name": "Hovedavdeling", "departmentNumber": "1", "displayName":
                                      "1 Hovedavdeling", "isInactive": False})
    owner = account.add("Employee", _employee("Kari", "Nordmann", "1", dept["id"], "kari.nordmann@example.no"))
    dept["departmentManager"] = owner["id"]
    account.employee_id = owner["id"]
    account.add("Company", {"name": "Fjellvik Handel AS", "displayName": "Fjellvik Handel AS",
                            "organizationNumber": "914780591", "email": "post@fjellvik.example",
                            "phoneNumber": "+47 22 00 00 00", "type": "AS", "currency": 1,
                            "startDate": "2015-01-01"}, account.company_id)
    account.add("VatSettings", {"vatRegistrationStatus": vat_registration})
    account.consumer_token_id = account.add("ConsumerToken", {"apiConsumer": None})["id"]
    account.employee_token_id = account.add("EmployeeToken", {"employee": owner["id"]})["id"]


def _employee(first: str, last: str, number: str, dept: int, email: str) -> dict[str, Any]:
    return {"firstName": first, "lastName": last, "displayName": f"{first} {last}", "employeeNumber": number,
            "email": email, "userType": "STANDARD", "department": dept, "companyId": 0,
            "allowInformationRegistration": True}


def _address(account: Account, rng: random.Random, dto: str = "Address") -> int:
    postal, city = rng.choice(PLACES)
    street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
    rec = account.add(dto, {"addressLine1": street, "addressLine2": "", "postalCode": postal, "city": city,
                            "country": 578, "displayName": f"{street}, {postal} {city}",
                            "addressAsString": f"{street}, {postal} {city}"})
    return int(rec["id"])


def seed_demo(account: Account) -> None:
    rng = random.Random(20240601)  # fixed: the demo is the same on every run
    depts = [min(account.table("Department"))]
    for number, name in (("2", "Salg"), ("3", "Lager"), ("4", "Administrasjon")):
        depts.append(account.add("Department", {"name": name, "departmentNumber": number,
                                                "displayName": f"{number} {name}", "isInactive": False})["id"])
    employees = [account.employee_id]
    for i in range(2, 13):
        first, last = FIRST_NAMES[(i * 7) % len(FIRST_NAMES)], LAST_NAMES[(i * 11) % len(LAST_NAMES)]
        employees.append(account.add("Employee", _employee(
            first, last, str(i), rng.choice(depts), f"{first}.{last}{i}@example.no".lower()))["id"])
    customers: list[int] = []
    for i in range(220):
        private = i % 5 == 4
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last}" if private else f"{last} {rng.choice(TRADES)} AS"
        email = f"{first}.{last}{i}@example.no".lower() if private else f"post{i}@{last.lower()}.example"
        rec = account.add("Customer", {
            "name": name, "displayName": f"{name} ({10_000 + i})", "customerNumber": 10_000 + i,
            "organizationNumber": "" if private else org_number(rng), "email": email, "invoiceEmail": email,
            "phoneNumber": f"+47 {rng.randint(40000000, 99999999)}", "isCustomer": True,
            "isPrivateIndividual": private, "isInactive": i % 37 == 36,
            "invoiceSendMethod": "EMAIL" if private else rng.choice(["EHF", "EHF", "EMAIL"]),
            "language": "NO", "currency": 1, "invoicesDueIn": 14, "invoicesDueInType": "DAYS",
            "postalAddress": _address(account, rng), "physicalAddress": _address(account, rng),
            "accountManager": rng.choice(employees)})
        customers.append(rec["id"])
    for i in range(60):
        last = rng.choice(LAST_NAMES)
        name = f"{last} {rng.choice(TRADES)} Engros AS"
        account.add("Supplier", {
            "name": name, "displayName": f"{name} ({20_000 + i})", "supplierNumber": 20_000 + i,
            "organizationNumber": org_number(rng), "email": f"faktura{i}@{last.lower()}.example",
            "invoiceEmail": f"faktura{i}@{last.lower()}.example", "isSupplier": True, "isInactive": False,
            "language": "NO", "currency": 1, "postalAddress": _address(account, rng),
            "physicalAddress": _address(account, rng)})
    units = sorted(account.table("ProductUnit"))
    vat_choices = [3, 3, 3, 3, 31, 33, 5]
    for i in range(1_050):
        base, variant = PRODUCTS[i % len(PRODUCTS)], VARIANTS[(i // len(PRODUCTS)) % len(VARIANTS)]
        vat = vat_choices[rng.randrange(len(vat_choices))]
        pct = dec(account.table("VatType")[vat]["percentage"])
        price = Decimal(rng.randint(49, 4999)) + Decimal("0.00")
        cost = (price * Decimal(rng.randint(35, 70)) / 100).quantize(Decimal("0.01"))
        account.add("Product", {
            "name": f"{base} {variant}", "number": str(1000 + i), "displayNumber": str(1000 + i),
            "description": f"{base} {variant}", "ean": f"70{rng.randint(10**10, 10**11 - 1)}",
            "priceExcludingVatCurrency": float(price), "priceIncludingVatCurrency": precise(price * (1 + pct / 100)),
            "costExcludingVatCurrency": float(cost), "costPrice": float(cost), "isStockItem": i % 9 != 0,
            "isInactive": i % 97 == 96, "vatType": vat, "currency": 1, "productUnit": units[0] if i % 13 else units[1],
            "displayName": f"{1000 + i} {base} {variant}", "isDeletable": True})
    for i in range(24):
        customer = customers[(i * 9) % len(customers)]
        start = date(2024, 1 + i % 12, 1 + i % 27)
        name = f"{rng.choice(['Ombygging', 'Vedlikehold', 'Levering', 'Montering', 'Rådgivning'])} " \
               f"{account.table('Customer')[customer]['name']}"
        account.add("Project", {
            "name": name, "number": str(100 + i), "displayName": f"{100 + i} {name}",
            "projectManager": rng.choice(employees), "department": rng.choice(depts), "customer": customer,
            "startDate": start.isoformat(), "isClosed": i % 6 == 5, "isInternal": False, "isOffer": False,
            "isFixedPrice": i % 4 == 0, "currency": 1, "accessType": "WRITE"})


def seed_scale(account: Account, *, customers: int = 0, suppliers: int = 0, products: int = 0) -> None:
    """A large company for scale checks: ``customers``, ``suppliers`` and ``products`` light records, the same on
    every run and cheap to make (no addresses or other linked records; no random numbers). Customers are numbered
    from 100,000, suppliers from 800,000, products from "1000000"; every tenth product is a service (not stock);
    customers alternate between 14 and 30 days' terms."""
    table = account.table
    created = {"employeeId": account.employee_id, "timestamp": "2024-06-01T00:00:00", "changeType": "CREATE"}
    unit = min(table("ProductUnit"))

    def put(dto: str, record: dict[str, Any]) -> None:  # account.add without its per-record bookkeeping
        rid = next(account.ids)
        record.update(id=rid, version=0, changes=[created], _changed="2024-06-01T00:00:00")  # a change appends
        table(dto)[rid] = record

    for i in range(customers):
        number = 100_000 + i
        put("Customer", {"name": f"Kunde {number} AS", "displayName": f"Kunde {number} AS ({number})",
                         "customerNumber": number, "email": f"k{number}@scale.example", "isCustomer": True,
                         "isInactive": False, "invoicesDueIn": 14 if i % 2 else 30, "invoicesDueInType": "DAYS",
                         "currency": 1, "language": "NO"})
    for i in range(suppliers):
        number = 800_000 + i
        put("Supplier", {"name": f"Leverandør {number} AS", "displayName": f"Leverandør {number} AS ({number})",
                         "supplierNumber": number, "email": f"l{number}@scale.example", "isSupplier": True,
                         "isInactive": False, "currency": 1, "language": "NO"})
    for i in range(products):
        code = str(1_000_000 + i)
        put("Product", {"name": f"Vare {code}", "number": code, "displayNumber": code,
                        "displayName": f"{code} Vare {code}", "priceExcludingVatCurrency": float(100 + i % 900),
                        "priceIncludingVatCurrency": float(100 + i % 900) * 1.25,
                        "costExcludingVatCurrency": float(50 + i % 400), "isStockItem": i % 10 != 0,
                        "isInactive": False, "vatType": 3, "currency": 1, "productUnit": unit})
