"""The demo data set: a deterministic, realistic Norwegian wholesaler ("Demo Lager AS").

Everything is made through the same resource rules as API writes, so seeded records look exactly like ones
a client created. The same content every time (fixed random seed); document dates are relative to today so
that "last month's invoices" exist whenever the demo runs.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from backend.sandbox.rackbeat.store import RESOURCES, Account, Record

RNG_SEED = 20_260_101
MASTER_DATA_EPOCH = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)

CUSTOMER_GROUPS = [(1, "Bedriftskunder"), (2, "Privatkunder"), (3, "Forhandlere"), (4, "Offentlig sektor")]
SUPPLIER_GROUPS = [(1, "Norske leverandører"), (2, "Utenlandske leverandører")]
# number, name, has_inventory, domestic VAT rate
PRODUCT_GROUPS = [
    (1, "Lagervarer", True, 25),
    (2, "Tjenester", False, 25),  # the "service group" for non-stock items
    (3, "Matvarer", True, 15),
    (4, "Bøker og trykksaker", True, 0),
    (5, "Strukturvarer", True, 25),
]
UNITS = [(1, "stk"), (2, "time"), (3, "kg"), (4, "meter"), (5, "pakke"), (6, "liter")]
PAYMENT_TERMS = [
    (1, "Netto 14 dager", "net", 14),
    (2, "Netto 30 dager", "net", 30),
    (3, "Kontant", "paid_in_cash", 0),
    (4, "Løpende måned + 30", "invoice_month", 30),
    (5, "Forskuddsbetaling", "prepaid", 0),
]
EMPLOYEES = [
    ("Kari Nordmann", "Daglig leder"),
    ("Ola Hansen", "Lagersjef"),
    ("Ingrid Johansen", "Innkjøper"),
    ("Lars Olsen", "Selger"),
    ("Nora Berg", "Regnskapsfører"),
    ("Jonas Haugen", "Lagermedarbeider"),
]

PLACES = [
    ("0155", "OSLO"), ("0250", "OSLO"), ("5003", "BERGEN"), ("5014", "BERGEN"), ("7010", "TRONDHEIM"),
    ("4006", "STAVANGER"), ("9008", "TROMSØ"), ("3015", "DRAMMEN"), ("1706", "SARPSBORG"),
    ("4610", "KRISTIANSAND S"), ("6002", "ÅLESUND"), ("8006", "BODØ"), ("2317", "HAMAR"), ("3110", "TØNSBERG"),
    ("1606", "FREDRIKSTAD"), ("2815", "GJØVIK"), ("6413", "MOLDE"), ("1530", "MOSS"), ("3717", "SKIEN"),
    ("5527", "HAUGESUND"), ("2609", "LILLEHAMMER"), ("8514", "NARVIK"), ("1337", "SANDVIKA"), ("1440", "DRØBAK"),
]
STREETS = ["Storgata", "Kongens gate", "Dronningens gate", "Strandveien", "Industriveien", "Sjøgata", "Kirkegata",
           "Fjordveien", "Parkveien", "Havnegata", "Nygata", "Bryggeveien", "Torggata", "Elvegata", "Skolegata",
           "Verkstedveien", "Fabrikkveien", "Lysaker torg", "Grenseveien", "Markveien"]
PREFIXES = ["Nordlys", "Fjord", "Vestland", "Trønder", "Lofoten", "Viken", "Agder", "Hardanger", "Polar", "Skog",
            "Fjell", "Havbris", "Midnattsol", "Granli", "Bjørk", "Eik", "Furu", "Kystlinje", "Brygge", "Elvebakken",
            "Solberg", "Nordkapp", "Jotun", "Rondane", "Dovre", "Telemark", "Setesdal", "Sogn", "Romsdal", "Helgeland"]
TRADES = ["Elektro", "Bygg", "Rør", "Maskin", "Handel", "Interiør", "Data", "Transport", "Eiendom", "Marine",
          "Catering", "Verksted", "Bilservice", "Trelast", "Maling", "Sport", "Hage", "Fisk", "Entreprenør", "Kjøkken"]
FIRST_NAMES = ["Kari", "Ola", "Ingrid", "Lars", "Nora", "Jonas", "Emma", "Henrik", "Sofie", "Magnus", "Ida",
               "Anders", "Marte", "Sindre", "Hanne", "Eirik", "Silje", "Torbjørn", "Astrid", "Håkon"]
LAST_NAMES = ["Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
              "Jensen", "Karlsen", "Berg", "Haugen", "Bakke", "Lie", "Dahl", "Strand", "Moen", "Solheim", "Aas"]
FOREIGN_CUSTOMERS = [
    ("Svenska Byggvaror AB", "SE", "SEK", "eu", "Göteborg", "411 04", "Kungsgatan 12"),
    ("Dansk Værktøj ApS", "DK", "DKK", "eu", "København", "1050", "Vesterbrogade 4"),
    ("Baumarkt Nord GmbH", "DE", "EUR", "eu", "Hamburg", "20095", "Mönckebergstraße 7"),
    ("Suomen Rauta Oy", "FI", "EUR", "eu", "Helsinki", "00100", "Mannerheimintie 3"),
    ("Highland Tools Ltd", "GB", "GBP", "abroad", "Aberdeen", "AB10 1AB", "Union Street 40"),
]
FOREIGN_SUPPLIERS = [
    ("Würth Industri Sverige AB", "SE", "SEK", "eu"),
    ("Fastenal Europe GmbH", "DE", "EUR", "eu"),
    ("Nordic Coffee Traders ApS", "DK", "DKK", "eu"),
    ("Shenzhen Lighting Co. Ltd", "CN", "USD", "abroad"),
    ("Italiana Utensili S.r.l.", "IT", "EUR", "eu"),
]

# code, name, variants, unit, price range (NOK excl. VAT)
STOCK_FAMILIES: list[tuple[str, str, list[str], int, tuple[int, int]]] = [
    ("SKR", "Treskrue", ["3,5x30", "4x40", "4x50", "5x60", "5x80", "6x100", "6x120"], 5, (49, 249)),
    ("BLT", "Maskinbolt", ["M6x40", "M8x40", "M8x60", "M10x80", "M12x100", "M16x120"], 1, (3, 45)),
    ("MUT", "Mutter", ["M6", "M8", "M10", "M12", "M16"], 5, (19, 99)),
    ("SKV", "Skive", ["M6", "M8", "M10", "M12", "M16"], 5, (15, 79)),
    ("KAB", "Installasjonskabel", ["2x1,5", "3x1,5", "3x2,5", "5x2,5", "5x6"], 4, (9, 89)),
    ("STK", "Stikkontakt", ["1-veis", "2-veis", "3-veis", "med jord", "utendørs IP44"], 1, (59, 399)),
    ("BRY", "Bryter", ["enpolet", "trappe", "dimmer LED", "dobbel"], 1, (79, 649)),
    ("LMP", "LED-pære", ["E27 806lm", "E27 1055lm", "E14 470lm", "GU10 345lm", "E27 dimbar"], 1, (29, 149)),
    ("DOW", "Plugg", ["5 mm", "6 mm", "8 mm", "10 mm", "12 mm"], 5, (39, 129)),
    ("MAL", "Veggmaling", ["hvit 3 l", "hvit 10 l", "grå 3 l", "eggehvit 10 l", "sort 1 l"], 1, (349, 1490)),
    ("PEN", "Pensel", ["25 mm", "50 mm", "75 mm", "100 mm"], 1, (49, 189)),
    ("TAP", "Tape", ["maskering 25 mm", "maskering 50 mm", "duct sølv", "elektriker sort"], 1, (29, 119)),
    ("HAN", "Arbeidshanske", ["str 8", "str 9", "str 10", "str 11", "vinter str 10"], 1, (69, 299)),
    ("SAG", "Håndsag", ["400 mm", "500 mm", "550 mm", "fintannet 350 mm"], 1, (199, 549)),
    ("HAM", "Snekkerhammer", ["300 g", "450 g", "600 g", "glassfiber 450 g"], 1, (179, 499)),
    ("BOR", "Trebor", ["4 mm", "6 mm", "8 mm", "10 mm", "12 mm", "sett 8 deler"], 1, (39, 399)),
    ("VIN", "Vinkelbeslag", ["40x40", "60x60", "90x90", "forsterket 90"], 1, (9, 69)),
    ("HNG", "Hengsel", ["60 mm", "80 mm", "100 mm", "rustfri 80 mm"], 1, (25, 149)),
    ("LIM", "Trelim", ["0,25 l", "0,75 l", "5 l", "utendørs 0,75 l"], 1, (69, 649)),
    ("SIL", "Silikon", ["hvit", "transparent", "sanitær hvit", "grå"], 1, (89, 179)),
    ("RØR", "Kobberrør", ["12 mm", "15 mm", "18 mm", "22 mm"], 4, (89, 249)),
    ("KRN", "Kuleventil", ["1/2\"", "3/4\"", "1\"", "15 mm"], 1, (149, 699)),
    ("FLI", "Fliselim", ["15 kg", "25 kg", "hurtig 15 kg"], 1, (299, 699)),
    ("ISO", "Isolasjon", ["50 mm", "100 mm", "150 mm", "200 mm"], 5, (349, 1290)),
    ("VER", "Vernebriller", ["klar", "tonet", "med sidebeskyttelse"], 1, (79, 249)),
]
FINISHES = ["", "forsinket", "rustfri A2", "rustfri A4", "sort", "hvit", "proff"]
FINISH_EDITIONS = ["", "proff", "storpakning", "basis", "premium", "miljø", "kampanje"]  # for non-metal families
METAL_FAMILIES = {"SKR", "BLT", "MUT", "SKV", "VIN", "HNG", "DOW"}
FOOD: list[tuple[str, list[str], tuple[int, int]]] = [
    ("Kaffe filtermalt", ["250 g", "500 g", "1 kg"], (59, 219)),
    ("Kaffebønner", ["500 g", "1 kg", "espresso 1 kg"], (119, 349)),
    ("Te", ["grønn 20 poser", "sort 20 poser", "urte 20 poser", "løs 100 g"], (29, 89)),
    ("Melkesjokolade", ["100 g", "200 g", "med nøtter 200 g"], (25, 69)),
    ("Knekkebrød", ["grov 520 g", "rug 300 g", "glutenfri 240 g"], (29, 59)),
    ("Syltetøy", ["jordbær 400 g", "bringebær 400 g", "tyttebær 400 g", "multe 300 g"], (35, 129)),
    ("Honning", ["flytende 350 g", "fast 450 g", "lynghonning 250 g"], (59, 149)),
    ("Brunost", ["gudbrandsdal 500 g", "geitost 250 g", "prim 400 g"], (59, 129)),
    ("Lefse", ["tynn 8 stk", "potetlefse 10 stk"], (35, 69)),
    ("Flatbrød", ["tynt 300 g", "byggflatbrød 250 g"], (29, 59)),
]
FOOD_VARIANTS = ["", "økologisk", "storpakning"]
BOOKS = ["Norsk kokebok", "Lagerstyring i praksis", "Regnskap for små bedrifter", "Snekkerhåndboka",
         "Elektrikerens tabeller", "Friluftsliv i Norge", "Fjellturer i Jotunheimen", "Hagebruk for alle",
         "Norsk byggskikk", "Fiske i norske elver"]
SERVICES = [
    ("Montering", 2, (650, 1150)), ("Frakt", 1, (149, 990)), ("Konsulenttime", 2, (950, 1650)),
    ("Timepris elektriker", 2, (790, 1190)), ("Timepris rørlegger", 2, (790, 1190)), ("Befaring", 1, (990, 2490)),
    ("Prosjektledelse", 2, (1100, 1600)), ("Opplæring", 2, (900, 1400)), ("Emballasje", 1, (49, 199)),
    ("Gebyr småordre", 1, (99, 149)), ("Serviceavtale", 1, (1990, 9990)), ("Utkjøring", 1, (390, 1290)),
]
LOTS = [
    ("SETT-BAD-01", "Baderomssett standard"),
    ("SETT/KJOKKEN-1", "Kjøkkenmonteringssett"),
    ("PAKKE-OPPSTART", "Oppstartspakke håndverker"),
    ("GAVEKURV-01", "Gavekurv norsk smak"),
    ("GAVEKURV/JUL", "Julegavekurv"),
    ("MONTERINGSSETT-A", "Monteringssett A"),
    ("VERKTOYSETT-10", "Verktøysett 10 deler"),
    ("MALINGSSETT-HVIT", "Malingssett hvit"),
]


def _dec(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 2)))


def _org_number(rng: random.Random) -> str:
    """A Norwegian organisation number with a valid mod-11 check digit."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = [rng.choice((8, 9))] + [rng.randrange(10) for _ in range(7)]
        rest = sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        check = 0 if rest == 0 else 11 - rest
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _ean13(prefix: str, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(12 - len(prefix)))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _slug(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a", " ": "-", ".": ""})
    return "".join(c for c in text.lower().translate(table) if c.isalnum() or c == "-").strip("-")


def _phone(rng: random.Random) -> str:
    return f"+47 {rng.choice((4, 9))}{rng.randrange(10)}{rng.randrange(10)} {rng.randrange(100):02d} " \
           f"{rng.randrange(1000):03d}"


def _stamp(rec: Record, when: datetime) -> None:
    rec["created_at"] = when
    rec["updated_at"] = when


def _make(acc: Account, path: str, body: dict[str, Any], when: datetime) -> Record:
    rec = RESOURCES[path].create(acc, body).rec
    _stamp(rec, when)
    return rec


def seed_demo(acc: Account) -> None:
    rng = random.Random(RNG_SEED)
    tick = iter(range(1_000_000))

    def at() -> datetime:
        return MASTER_DATA_EPOCH + timedelta(minutes=next(tick))

    for number, name in CUSTOMER_GROUPS:
        _make(acc, "customer-groups", {"number": number, "name": name}, at())
    for number, name in SUPPLIER_GROUPS:
        _make(acc, "supplier-groups", {"number": number, "name": name}, at())
    for number, name, stock, vat in PRODUCT_GROUPS:
        _make(acc, "product-groups", {"number": number, "name": name, "has_inventory": stock, "is_sellable": True,
                                      "vat_domestic": vat, "vat_eu": 0, "vat_abroad": 0, "vat_domestic_exempt": 0},
              at())
    for number, name in UNITS:
        _make(acc, "units", {"number": number, "name": name}, at())
    for number, name, kind, days in PAYMENT_TERMS:
        _make(acc, "payment-terms", {"number": number, "name": name, "type": kind, "maturity_days": days,
                                     "description": name}, at())
    for i, (name, title) in enumerate(EMPLOYEES, start=1):
        first, last = name.split(" ", 1)
        _make(acc, "employees", {"number": i, "name": name, "job_title": title,
                                 "contact_email": f"{_slug(first)}.{_slug(last)}@demolager.no",
                                 "contact_phone": _phone(rng)}, at())
    _customers(acc, rng, at)
    _suppliers(acc, rng, at)
    products = _products(acc, rng, at)
    _lots(acc, rng, products, at)
    _documents(acc, rng, products)


def _address(rng: random.Random) -> dict[str, Any]:
    zipcode, city = rng.choice(PLACES)
    return {"address_street": f"{rng.choice(STREETS)} {rng.randrange(1, 120)}", "address_zipcode": zipcode,
            "address_city": city, "address_country": "NO"}


def _customers(acc: Account, rng: random.Random, at: Any) -> None:
    used: set[str] = set()
    for i in range(220):
        number = 10001 + i
        body: dict[str, Any] = {"number": number, "payment_terms_id": 1 if i % 3 else 2, "locale": "nb",
                                "currency": "NOK", "vat_zone": "domestic"}
        if i == 0:
            # the first customer is a plain, complete Norwegian company (clients often take "the first one")
            body.update({"company_name": "Nordlys Elektro AS", "company_vat": "923609016",
                         "contact_email": "post@nordlys-elektro.no", "contact_phone": "+47 22 33 44 55",
                         "address_street": "Storgata 12", "address_zipcode": "0155", "address_city": "OSLO",
                         "address_country": "NO", "customer_group_id": 1, "ean": "7080003001234",
                         "our_reference": "Lars Olsen", "employee_id": 4})
        elif i % 37 == 17:
            name, country, currency, zone, city, zipcode, street = FOREIGN_CUSTOMERS[(i // 37) % 5]
            body.update({"company_name": name, "address_street": street, "address_zipcode": zipcode,
                         "address_city": city, "address_country": country, "currency": currency, "vat_zone": zone,
                         "locale": "en", "customer_group_id": 3, "payment_terms_id": 2,
                         "contact_email": f"order@{_slug(name.split()[0])}.example"})
        elif i % 7 == 3:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            body.update({"company_name": name, "customer_group_id": 2, "payment_terms_id": 1,
                         "contact_email": f"{_slug(name).replace('-', '.')}{number % 100}@example.no",
                         "contact_phone": _phone(rng), **_address(rng)})
        else:
            while True:
                name = f"{rng.choice(PREFIXES)} {rng.choice(TRADES)} {rng.choice(('AS', 'AS', 'AS', 'ASA', 'DA'))}"
                if name not in used:
                    break
            used.add(name)
            body.update({"company_name": name, "company_vat": _org_number(rng),
                         "customer_group_id": 4 if i % 23 == 5 else (3 if i % 5 == 1 else 1),
                         "contact_email": f"faktura@{_slug(name.rsplit(' ', 1)[0])}.no",
                         "contact_phone": _phone(rng), **_address(rng)})
        body["is_barred"] = i % 45 == 44
        _make(acc, "customers", body, at())


def _suppliers(acc: Account, rng: random.Random, at: Any) -> None:
    for i in range(60):
        number = 20001 + i
        body: dict[str, Any] = {"number": number, "payment_terms_id": 2, "locale": "nb", "currency": "NOK",
                                "vat_zone": "domestic", "supplier_group_id": 1}
        if i % 12 == 11:
            name, country, currency, zone = FOREIGN_SUPPLIERS[(i // 12) % 5]
            body.update({"company_name": name, "address_country": country, "currency": currency, "vat_zone": zone,
                         "supplier_group_id": 2, "locale": "en",
                         "contact_email": f"sales@{_slug(name.split()[0])}.example"})
        else:
            name = f"{PREFIXES[(i * 7) % len(PREFIXES)]} {TRADES[(i * 3) % len(TRADES)]} Engros AS"
            body.update({"company_name": name, "company_vat": _org_number(rng),
                         "contact_email": f"ordre@{_slug(name.rsplit(' ', 2)[0])}.no", "contact_phone": _phone(rng),
                         **_address(rng)})
        _make(acc, "suppliers", body, at())


def _products(acc: Account, rng: random.Random, at: Any) -> dict[str, list[Record]]:
    made: dict[str, list[Record]] = {"stock": [], "service": [], "food": [], "book": []}

    def add(kind: str, body: dict[str, Any]) -> None:
        made[kind].append(_make(acc, "products", body, at()))

    # 700 stock items (group 1); some numbers contain "/"
    seq = 0
    done = False
    for finish in FINISHES:
        for code, name, variants, unit, (low, high) in STOCK_FAMILIES:
            for variant in variants:
                seq += 1
                metal = code in METAL_FAMILIES
                label = " ".join(x for x in (name, variant, finish if metal else "") if x)
                if finish and not metal:
                    label = f"{label} ({FINISH_EDITIONS[FINISHES.index(finish)]})"
                if seq > 10 and seq % 9 == 0:
                    tail = _slug(variant).upper().replace("-", "")[:8] or "STD"
                    number = f"{code}/{tail}-{seq:04d}"
                else:
                    number = f"{code}-{seq:04d}"
                sales = _dec(rng, low, high)
                add("stock", {"number": number, "name": label, "group": 1, "unit_id": unit, "sales_price": sales,
                              "recommended_cost_price": (sales * Decimal(str(rng.uniform(0.5, 0.7)))).quantize(
                                  Decimal("0.01")),
                              "barcode": _ean13("70", rng), "stock_quantity": rng.randrange(0, 500),
                              "min_stock": rng.choice((0, 5, 10, 25)),
                              "default_supplier_id": 20001 + rng.randrange(60),
                              "description": f"{label}. Lagervare."})
                if seq >= 700:
                    done = True
                    break
            if done:
                break
        if done:
            break
    # 200 food items (group 3, 15 % VAT)
    seq = 0
    while seq < 200:
        for name, sizes, (low, high) in FOOD:
            for size in sizes:
                for variant in FOOD_VARIANTS:
                    if seq >= 200:
                        break
                    seq += 1
                    label = " ".join(x for x in (name, size, variant) if x)
                    if seq > len(FOOD) * 9:
                        label = f"{label} ({seq})"
                    sales = _dec(rng, low, high)
                    add("food", {"number": f"MAT-{1000 + seq}", "name": label, "group": 3,
                                 "unit_id": 3 if "kg" in size else 1, "sales_price": sales,
                                 "recommended_cost_price": (sales * Decimal("0.62")).quantize(Decimal("0.01")),
                                 "barcode": _ean13("70", rng), "stock_quantity": rng.randrange(0, 300)})
    # 100 books (group 4, 0 % VAT)
    for i in range(100):
        title = f"{BOOKS[i % len(BOOKS)]}, {1 + i // len(BOOKS)}. utgave"
        sales = _dec(rng, 199, 599)
        add("book", {"number": f"BOK-{i + 1:04d}", "name": title, "group": 4, "unit_id": 1, "sales_price": sales,
                     "recommended_cost_price": (sales * Decimal("0.55")).quantize(Decimal("0.01")),
                     "barcode": _ean13("978", rng), "stock_quantity": rng.randrange(0, 60)})
    # 60 services (group 2, no inventory)
    for i in range(60):
        name, unit, (low, high) = SERVICES[i % len(SERVICES)]
        level = ("", "kveld", "helg", "haster", "fastpris")[i // len(SERVICES)]
        label = " ".join(x for x in (name, level) if x)
        number = f"TJ-{i + 1:03d}" if i % 10 != 7 else f"TJ/{_slug(name).upper()[:8]}-{i + 1}"
        add("service", {"number": number, "name": label, "group": 2, "unit_id": unit,
                        "sales_price": _dec(rng, low, high)})
    return made


def _lots(acc: Account, rng: random.Random, products: dict[str, list[Record]], at: Any) -> None:
    for number, name in LOTS:
        pool = products["food"] if name.startswith(("Gavekurv", "Julegavekurv")) else products["stock"]
        parts = rng.sample(pool[:300], rng.randint(2, 5))
        lines = [{"product_id": p["number"], "quantity": rng.randint(1, 6)} for p in parts]
        sales = sum((p["sales_price"] * line["quantity"] for p, line in zip(parts, lines, strict=True)), Decimal(0))
        _make(acc, "lots", {"number": number, "name": name, "group": 5, "unit_id": 1, "lines": lines,
                            "sales_price": (sales * Decimal("0.9")).quantize(Decimal("0.01")),
                            "add_products_individually": False, "barcode": _ean13("70", rng)}, at())


def _documents(acc: Account, rng: random.Random, products: dict[str, list[Record]]) -> None:
    today = date.today()
    customers = [c for c in acc.coll("customers") if not c["is_barred"]][:40]
    lots = list(acc.coll("lots"))
    invoices = RESOURCES["customer-invoices"]
    for i in range(12):
        customer = customers[(i * 7) % len(customers)]
        lines: list[dict[str, Any]] = []
        for j in range(1 + i % 4):
            pool = (products["stock"], products["service"], products["food"], products["book"])[(i + j) % 4]
            item = pool[(i * 13 + j * 29) % len(pool)]
            line: dict[str, Any] = {"item_id": item["number"], "quantity": rng.randint(1, 12),
                                    "line_price": item["sales_price"]}
            if (i + j) % 3 == 0:
                line["discount_percentage"] = (5, 10, 15)[i % 3]
            lines.append(line)
        if i % 5 == 2:
            lot = lots[i % len(lots)]
            lines.append({"item_id": lot["number"], "quantity": 1, "line_price": lot["sales_price"]})
        day = today - timedelta(days=60 - 5 * i)
        body = {"customer_id": customer["number"], "lines": lines, "invoice_date": day.isoformat(),
                "heading": f"Ordre {5000 + i}", "our_reference": "Lars Olsen",
                "your_reference": customer["company_name"].split()[0]}
        rec = invoices.create(acc, body).rec
        when = datetime.combine(day, time(9, 0), tzinfo=UTC)
        _stamp(rec, when)
        if i < 8:
            invoices.book(acc, rec)  # type: ignore[attr-defined]
            rec["booked_at"] = when + timedelta(hours=1)
            rec["updated_at"] = rec["booked_at"]
    orders = RESOURCES["purchase-orders"]
    suppliers = list(acc.coll("suppliers"))[:10]
    for i in range(6):
        supplier = suppliers[i]
        parts = products["stock"][i * 20: i * 20 + 1 + i % 3]
        body = {"supplier_id": supplier["number"], "heading": f"Innkjøp uke {10 + i}",
                "lines": [{"item_id": p["number"], "quantity": rng.randint(10, 100), "line_price": p["cost_price"]}
                          for p in parts]}
        rec = orders.create(acc, body).rec
        day = today - timedelta(days=40 - 6 * i)
        when = datetime.combine(day, time(8, 0), tzinfo=UTC)
        _stamp(rec, when)
        if i < 3:
            orders.book(acc, rec)  # type: ignore[attr-defined]
            rec["booked_at"] = when + timedelta(hours=2)
            rec["updated_at"] = rec["booked_at"]
