"""The demo data set: a deterministic, realistic Norwegian webshop ("Demobutikken").

Products, customers (private and business), a custom status with the Completed property, and orders placed
through the same checkout rules as the control API (``store.place_order``) then moved through their
statuses, so that seeded orders look exactly like ones a shopper made. The same content every time (fixed
random seed); order dates are relative to today so that "last month's orders" exist whenever the demo runs.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from backend.sandbox.mystore import guesses as g
from backend.sandbox.mystore.store import (
    HUNDRED,
    Account,
    add_status,
    incl_vat,
    now,
    place_order,
    set_status,
    unit_price,
)

RNG_SEED = 20_260_202
MASTER_DATA_EPOCH = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ORDER_COUNT = 320
CUSTOM_COMPLETED_STATUS = "Klar for henting"  # a renamed/added status with the Completed property

# family code, name, variants, VAT rate, price points incl. VAT
COLOURS = ["naturhvit", "sort", "lys grå", "koksgrå", "marine", "himmelblå", "petrol", "flaskegrønn", "oliven",
           "sennep", "rust", "vinrød", "rosa", "lilla", "beige", "brun", "korall", "mint", "lyng", "sand", "gul",
           "oransje", "turkis", "kobolt", "plomme", "syrin", "skifer", "kremhvit"]
YARN = [("Alpakka", "ALP"), ("Merinoull", "MER"), ("Tynn ull", "TYN"), ("Bomull", "BOM"), ("Mohair", "MOH"),
        ("Sokkegarn", "SOK"), ("Tweed", "TWE"), ("Lin", "LIN"), ("Silke-ull", "SIL"), ("Babyull", "BAB"),
        ("Eco Wool", "ECO"), ("Lettlopi", "LOP"), ("Fritidsgarn", "FRI"), ("Superwash", "SWS"), ("Kid Silk", "KID"),
        ("Tjukk ull", "TJU"), ("Islandsk ull", "ISL"), ("Strikkegarn", "STR"), ("Ullmix", "ULM"),
        ("Alpakka silk", "APS"), ("Pelsgarn", "PEL"), ("Bambusgarn", "BMB"), ("Kasjmir", "KAS"), ("Lammeull", "LAM")]
YARN_PRICES = [49, 59, 69, 79, 89, 99, 119, 129, 149]
NEEDLE_SIZES = ["2 mm", "2,5 mm", "3 mm", "3,5 mm", "4 mm", "4,5 mm", "5 mm", "6 mm", "7 mm", "8 mm"]
NEEDLES = [("Rundpinne 40 cm", "RP40"), ("Rundpinne 60 cm", "RP60"), ("Rundpinne 80 cm", "RP80"),
           ("Strømpepinner", "STP"), ("Jumperpinner", "JMP"), ("Heklenål", "HKL"), ("Utskiftbare tupper", "UTT"),
           ("Bambus rundpinne 80 cm", "BRP")]
NEEDLE_PRICES = [59, 79, 99, 129, 149, 179]
KITCHEN = [("Kaffekopp", "KOP"), ("Tekanne", "TEK"), ("Skjærefjøl", "SKJ"), ("Brødkurv", "BRK"),
           ("Kjøkkenhåndkle", "KJH"), ("Grytelapp", "GRY"), ("Forkle", "FOR"), ("Serveringsfat", "SRV"),
           ("Lysestake", "LYS"), ("Duk", "DUK"), ("Pute", "PUT"), ("Pledd", "PLD"), ("Kurv", "KRV"), ("Vase", "VAS"),
           ("Bordbrikke", "BBR"), ("Termokopp", "TER")]
KITCHEN_VARIANTS = ["hvit", "sort", "grå", "blå", "grønn", "natur", "rød", "beige", "liten", "stor"]
KITCHEN_PRICES = [99, 149, 199, 249, 299, 349, 449, 599, 799]
FOOD = [("Kaffe filtermalt", "KAF"), ("Kaffebønner", "KAB"), ("Te", "TEA"), ("Sjokolade", "SJO"),
        ("Honning", "HON"), ("Syltetøy", "SYL"), ("Kjeks", "KJE"), ("Karameller", "KAR")]
FOOD_VARIANTS = ["klassisk", "økologisk", "mørk", "lys", "julevariant", "storpakning"]
FOOD_PRICES = [39, 49, 59, 79, 99, 129]
BOOK_TOPICS = ["Strikk", "Hekling", "Votter", "Sokker", "Gensere", "Babystrikk", "Luer", "Sjal", "Mønsterbok",
               "Broderi"]
BOOK_KINDS = ["for nybegynnere", "klassikere", "fra Setesdal", "i vinternatt", "til hele familien", "på 1-2-3"]
BOOK_PRICES = [199, 249, 299, 349, 399]
PLACES = [("0155", "OSLO"), ("0250", "OSLO"), ("5003", "BERGEN"), ("7010", "TRONDHEIM"), ("4006", "STAVANGER"),
          ("9008", "TROMSØ"), ("3015", "DRAMMEN"), ("4610", "KRISTIANSAND S"), ("6002", "ÅLESUND"), ("8006", "BODØ"),
          ("2317", "HAMAR"), ("3110", "TØNSBERG"), ("1606", "FREDRIKSTAD"), ("2609", "LILLEHAMMER"),
          ("1337", "SANDVIKA")]
STREETS = ["Storgata", "Kongens gate", "Strandveien", "Sjøgata", "Kirkegata", "Fjordveien", "Parkveien", "Havnegata",
           "Nygata", "Bryggeveien", "Torggata", "Skolegata", "Markveien", "Løkkeveien", "Bakkegata"]
FIRST_NAMES = ["Kari", "Ola", "Ingrid", "Lars", "Nora", "Jonas", "Emma", "Henrik", "Sofie", "Magnus", "Ida", "Anders",
               "Marte", "Sindre", "Hanne", "Eirik", "Silje", "Torbjørn", "Astrid", "Håkon", "Åse", "Øystein"]
LAST_NAMES = ["Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Berg", "Haugen",
              "Bakke", "Lie", "Dahl", "Strand", "Moen", "Solheim", "Aas", "Sæther", "Løken", "Ødegård"]
COMPANY_PREFIXES = ["Nordlys", "Fjord", "Vestland", "Trønder", "Lofoten", "Viken", "Agder", "Hardanger", "Polar",
                    "Fjell", "Havbris", "Granli", "Bjørk", "Furu", "Solberg", "Jotun", "Sogn", "Romsdal", "Helgeland"]
COMPANY_TRADES = ["Garn", "Interiør", "Husflid", "Barnehage", "Skole", "Kafé", "Gaver", "Design", "Strikkeklubb",
                  "Hotell", "Kontor", "Frisør", "Helsesenter"]
SHIPPING = [("Posten Servicepakke", Decimal("99")), ("Bring Hjemlevering", Decimal("149")),
            ("Posten Pakke i postkassen", Decimal("69"))]
PICKUP = ("Hentes i butikk", Decimal("0"))
FREE_SHIPPING_FROM = Decimal("1500")


def _org_number(rng: random.Random) -> str:
    """A Norwegian organisation number with a valid mod-11 check digit."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = [rng.choice((8, 9))] + [rng.randrange(10) for _ in range(7)]
        rest = sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        check = 0 if rest == 0 else 11 - rest
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _ean13(rng: random.Random) -> str:
    body = "70" + "".join(str(rng.randrange(10)) for _ in range(10))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _slug(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a", " ": "", "-": ""})
    return "".join(c for c in text.lower().translate(table) if c.isalnum())


def _phone(rng: random.Random) -> str:
    return f"+47 {rng.choice((4, 9))}{rng.randrange(10)}{rng.randrange(10)} {rng.randrange(100):02d} " \
           f"{rng.randrange(1000):03d}"


def _products(acc: Account, rng: random.Random) -> None:
    families: list[tuple[str, str, list[str], Decimal, list[int]]] = []
    for name, code in YARN:
        families.append((f"{name} garn", f"GARN-{code}", COLOURS, Decimal(25), YARN_PRICES))
    for name, code in NEEDLES:
        families.append((name, f"PIN-{code}", NEEDLE_SIZES, Decimal(25), NEEDLE_PRICES))
    for name, code in KITCHEN:
        families.append((name, f"HJEM-{code}", KITCHEN_VARIANTS, Decimal(25), KITCHEN_PRICES))
    for name, code in FOOD:
        families.append((name, f"MAT-{code}", FOOD_VARIANTS, Decimal(15), FOOD_PRICES))
    for topic in BOOK_TOPICS:
        families.append((f"{topic}", f"BOK-{_slug(topic)[:4].upper()}", BOOK_KINDS, Decimal(0), BOOK_PRICES))
    stamp = MASTER_DATA_EPOCH
    for family, code, variants, rate, prices in families:
        base_price = rng.choice(prices)
        for i, variant in enumerate(variants, start=1):
            price_incl = Decimal(base_price if rng.random() < 0.8 else rng.choice(prices))
            excl = unit_price(price_incl * HUNDRED / (HUNDRED + rate))
            quantity = rng.randrange(0, 250)
            stamp += timedelta(minutes=7)
            acc.add(g.PRODUCTS, {
                "name": {g.SHOP_LANGUAGE: f"{family} {variant}"},
                "sku": f"{code}-{i:03d}",
                "ean": _ean13(rng),
                "price": excl,
                "cost": unit_price(excl * Decimal(str(round(rng.uniform(0.35, 0.6), 2)))),
                g.PRODUCT_TAX_RATE_FIELD: rate,
                "quantity": quantity,
                "quantity_physical": quantity,
                "quantity_reserved": 0,
                "status": 0 if rng.random() < 0.03 else 1,
                "weight": Decimal(str(round(rng.uniform(0.05, 2.5), 3))),
                "created_at": stamp,
                "updated_at": stamp,
            })


def _address(rng: random.Random) -> dict[str, Any]:
    postcode, city = rng.choice(PLACES)
    return {"street_address": f"{rng.choice(STREETS)} {rng.randrange(1, 120)}", "street_address_2": None,
            "postcode": postcode, "city": city, "country_code": "NO"}


def _customers(acc: Account, rng: random.Random, count: int = 240) -> None:
    stamp = MASTER_DATA_EPOCH
    companies: set[str] = set()
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        business = n % 3 == 2
        company: str | None = None
        if business:
            while company is None or company in companies:
                company = f"{rng.choice(COMPANY_PREFIXES)} {rng.choice(COMPANY_TRADES)} AS"
            companies.add(company)
            email = f"post@{_slug(company[:-3])}.no"
        else:
            email = f"{_slug(first)}.{_slug(last)}{n + 1}@example.no"
        stamp += timedelta(hours=5)
        acc.add(g.CUSTOMERS, {
            "type": g.CUSTOMER_TYPE_BUSINESS if business else g.CUSTOMER_TYPE_PRIVATE,
            "first_name": first,
            "last_name": last,
            "company": company,
            g.ORG_NUMBER_FIELD: _org_number(rng) if business else None,
            "email": email,
            "phone": _phone(rng),
            "address": _address(rng),
            "newsletter": rng.random() < 0.4,
            "created_at": stamp,
            "updated_at": stamp,
        })


def _payment_for(rng: random.Random, business: bool, pickup: bool) -> str:
    if pickup:
        return "cash" if rng.random() < 0.6 else "vipps"
    if business:
        return "invoice" if rng.random() < 0.7 else "mystore_card"
    roll = rng.random()
    for code, share in (("vipps", 0.38), ("klarna", 0.28), ("mystore_card", 0.22), ("invoice", 0.08)):
        if roll < share:
            return code
        roll -= share
    return "giftcard"


def _orders(acc: Account, rng: random.Random) -> None:
    products = [p for p in acc.records(g.PRODUCTS) if p["status"] == 1]
    customers = list(acc.records(g.CUSTOMERS))
    sent = acc.status_named("Sendt")
    in_progress = acc.status_named("Under behandling")
    cancelled = acc.status_named("Kansellert")
    returned = acc.status_named("Returnert")
    pickup_done = acc.status_named(CUSTOM_COMPLETED_STATUS)
    assert sent and in_progress and cancelled and returned and pickup_done
    start = now() - timedelta(days=90)
    for n in range(ORDER_COUNT):
        placed = start + timedelta(minutes=int(n * 90 * 24 * 60 / ORDER_COUNT) + rng.randrange(0, 240))
        guest = rng.random() < 0.15
        customer = rng.choice(customers)
        business = customer["type"] == g.CUSTOMER_TYPE_BUSINESS and not guest
        pickup = rng.random() < 0.08
        lines = [{"productId": p["id"], "quantity": rng.choice((1, 1, 1, 2, 2, 3, 5, 10))}
                 for p in rng.sample(products, rng.choice((1, 1, 2, 2, 3, 4, 5)))]
        spec: dict[str, Any] = {"lines": lines, "paymentMethod": _payment_for(rng, business, pickup)}
        if guest:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            address = _address(rng)
            spec["customer"] = {"type": g.CUSTOMER_TYPE_PRIVATE, "firstName": first, "lastName": last,
                                "email": f"{_slug(first)}.{_slug(last)}.gjest{n}@example.no", "phone": _phone(rng),
                                "address": {"streetAddress": address["street_address"],
                                            "postcode": address["postcode"], "city": address["city"],
                                            "countryCode": "NO"}}
        else:
            spec["customerId"] = customer["id"]
        if rng.random() < 0.1:
            spec["comment"] = rng.choice(("Kan leveres på døren.", "Gaveinnpakning, takk!", "Ring før levering.",
                                          "Bestillingsnr. vårt: PO-" + str(4000 + n)))
        estimate = sum((incl_vat(p["price"], p[g.PRODUCT_TAX_RATE_FIELD]) * line["quantity"]
                        for line in lines for p in [acc.get(g.PRODUCTS, line["productId"])] if p), Decimal(0))
        if pickup:
            spec["shipping"] = {"method": PICKUP[0], "price": float(PICKUP[1])}
        else:
            method, price = rng.choice(SHIPPING)
            spec["shipping"] = {"method": method, "price": 0.0 if estimate >= FREE_SHIPPING_FROM else float(price)}
        order = place_order(acc, spec, at=placed)
        age = now() - placed
        if age < timedelta(days=2):
            continue  # recent: still "Ikke behandlet"
        roll = rng.random()
        handled = placed + timedelta(hours=rng.randrange(2, 30))
        if age < timedelta(days=5) and roll < 0.5:
            set_status(acc, order, in_progress, at=handled)
        elif roll < 0.05:
            set_status(acc, order, cancelled, comment="Kunden angret kjøpet.", notify_customer=True, at=handled)
        else:
            if not pickup:
                set_status(acc, order, in_progress, at=handled)
            final = pickup_done if pickup else sent
            set_status(acc, order, final, notify_customer=True, at=handled + timedelta(hours=rng.randrange(1, 48)))
            if not pickup and roll > 0.97:
                set_status(acc, order, returned, comment="Retur mottatt.", at=handled + timedelta(days=9))


def seed_demo(acc: Account) -> None:
    rng = random.Random(RNG_SEED)
    add_status(acc, {"name": CUSTOM_COMPLETED_STATUS, "publicName": "Klar til henting",
                     "property": g.PROPERTY_COMPLETED})
    _products(acc, rng)
    _customers(acc, rng)
    _orders(acc, rng)
