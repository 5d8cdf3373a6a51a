"""Known target errors → an explanation a bookkeeper understands, with the fix, in English and Norwegian.

Matched on system, HTTP status, error code and field — never on message text, which comes in the
token owner's language. Unknown errors keep the system's own message (shown beside the explanation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.connectors.base import ConnectorError


@dataclass(frozen=True)
class Explanation:
    key: str
    en: str
    no: str


@dataclass(frozen=True)
class Rule:
    system: str
    status: int | None
    code: str | None
    field: str | None  # the refused field's own name: the last part of its path, indices dropped
    explanation: Explanation


_RULES: tuple[Rule, ...] = (
    Rule("tripletex", 422, None, "unitPriceIncludingVatCurrency", Explanation(
        "vat_inclusive_price",
        "The unit price must be inclusive VAT since the unit price on the order is inclusive VAT. bokbro sends "
        "prices excluding VAT; check the invoice settings in Tripletex (Faktura → Innstillinger) and resend.",
        "Enhetsprisen må være med mva fordi ordren er satt til priser med mva. bokbro sender priser uten mva; "
        "sjekk fakturainnstillingene i Tripletex (Faktura → Innstillinger) og send på nytt.")),
    Rule("tripletex", 422, None, "unitPriceExcludingVatCurrency", Explanation(
        "vat_exclusive_price",
        "The unit price must be exclusive VAT since the unit price on the order is exclusive VAT. Check the "
        "price settings of the order in Tripletex and resend.",
        "Enhetsprisen må være uten mva fordi ordren er satt til priser uten mva. Sjekk prisinnstillingene på "
        "ordren i Tripletex og send på nytt.")),
    Rule("tripletex", 422, None, "postalAddress", Explanation(
        "ehf_needs_address",
        "The customer is set up for EHF (electronic invoice), and EHF needs a postal address. Add the address "
        "to the customer in Rackbeat, or turn off EHF as the default for new customers in Tripletex "
        "(Faktura → Innstillinger → Elektronisk faktura), then resend.",
        "Kunden er satt opp for EHF, og EHF krever postadresse. Legg inn adressen på kunden i Rackbeat, eller "
        "skru av EHF som standard for nye kunder i Tripletex (Faktura → Innstillinger → Elektronisk faktura), "
        "og send på nytt.")),
    Rule("tripletex", 422, None, "bankAccountNumber", Explanation(
        "no_bank_account",
        "Tripletex cannot create invoices before the company has registered a bank account number. Register "
        "it in Tripletex (Selskap → Bankkontoer, account 1920), then resend this transfer.",
        "Tripletex kan ikke lage fakturaer før selskapet har registrert et bankkontonummer. Registrer det i "
        "Tripletex (Selskap → Bankkontoer, konto 1920), og send overføringen på nytt.")),
    Rule("tripletex", 422, None, "vatType", Explanation(
        "invalid_vat_code",
        "The VAT code is invalid or inactive in Tripletex. Activate the VAT code in Tripletex (Regnskap → "
        "Mva-innstillinger) or correct the VAT on the product group in Rackbeat, then resend.",
        "Mva-koden er ugyldig eller inaktiv i Tripletex. Aktiver mva-koden i Tripletex (Regnskap → "
        "Mva-innstillinger) eller rett mva på varegruppen i Rackbeat, og send på nytt.")),
    Rule("tripletex", 422, None, "invoiceNumber", Explanation(
        "invoice_number_in_use",
        "The invoice number is already used in Tripletex, so the invoice was not made (never two invoices with one "
        "number). Move Tripletex's invoice series clear of the webshop's (Regnskap → Regnskapsinnstillinger → "
        "Bilagstyper / nummerserier, e.g. start at 50000), or let Tripletex number invoices (setting \"invoice "
        "numbers\": TARGET), then resend.",
        "Fakturanummeret er allerede brukt i Tripletex, så fakturaen ble ikke laget (aldri to fakturaer med samme "
        "nummer). Flytt fakturaserien i Tripletex unna nettbutikkens (Regnskap → Regnskapsinnstillinger → "
        "Bilagstyper / nummerserier, f.eks. start på 50000), eller la Tripletex bestemme fakturanummer "
        "(innstillingen «fakturanummer»: TARGET), og send på nytt.")),
    Rule("tripletex", 422, None, "number", Explanation(
        "product_number_in_use",
        "The product number is already in use in Tripletex by another product. Rename one of them, or make "
        "them the same product, then resend.",
        "Produktnummeret er allerede i bruk av et annet produkt i Tripletex. Endre ett av dem, eller gjør dem "
        "til samme produkt, og send på nytt.")),
    Rule("tripletex", 422, None, "orderLines", Explanation(
        "no_order_lines",
        "The invoice has no lines Tripletex accepts. Check the lines of the invoice in Rackbeat and resend.",
        "Fakturaen har ingen linjer Tripletex godtar. Sjekk fakturalinjene i Rackbeat og send på nytt.")),
    Rule("tripletex", 422, None, "paymentTypeId", Explanation(
        "payment_type_missing",
        "The Tripletex payment type this order's payment method is mapped to does not exist (any more), so the "
        "invoice could not be registered as paid and was not made. Map the payment method to an existing payment "
        "type (Mappings → payment methods; Tripletex: Faktura → Innstillinger → Betalingstyper), then resend.",
        "Betalingstypen i Tripletex som ordrens betalingsmetode er koblet til finnes ikke (lenger), så fakturaen kunne "
        "ikke registreres som betalt og ble ikke laget. Koble betalingsmetoden til en betalingstype som finnes "
        "(Koblinger → betalingsmetoder; Tripletex: Faktura → Innstillinger → Betalingstyper), og send på nytt.")),
    Rule("tripletex", 422, None, "organizationNumber", Explanation(
        "invalid_org_number",
        "The customer's organisation number is not valid in Tripletex (9 digits for Norway, no spaces). "
        "Correct it on the customer in Rackbeat and resend.",
        "Kundens organisasjonsnummer er ikke gyldig i Tripletex (9 siffer for Norge, uten mellomrom). Rett det "
        "på kunden i Rackbeat og send på nytt.")),
    Rule("tripletex", 409, "10000", None, Explanation(
        "closed_period",
        "Tripletex refused: the invoice date is in a period that is closed (locked) in Tripletex, for instance after "
        "the VAT return was filed. Open the period in Tripletex, or book the invoice in the source with a date in "
        "an open period, then resend.",
        "Tripletex avviste: fakturadatoen er i en periode som er lukket (låst) i Tripletex, for eksempel etter at "
        "mva-meldingen er sendt. Åpne perioden i Tripletex, eller bokfør fakturaen i kilden med en dato i en åpen "
        "periode, og send på nytt.")),
    Rule("tripletex", 401, None, None, Explanation(
        "auth",
        "Tripletex did not accept the API keys. Create a new employee token in Tripletex and save it on the "
        "connection, then resend.",
        "Tripletex godtok ikke API-nøklene. Lag en ny ansattnøkkel i Tripletex og lagre den på koblingen, og send "
        "på nytt.")),
    Rule("tripletex", 403, None, None, Explanation(
        "permission",
        "The Tripletex API key lacks a permission this transfer needs (customers, products, orders or "
        "invoices). Give the key access in Tripletex and resend.",
        "API-nøkkelen i Tripletex mangler en tilgang denne overføringen trenger (kunder, produkter, ordre eller "
        "fakturaer). Gi nøkkelen tilgang i Tripletex og send på nytt.")),
    Rule("tripletex", 429, None, None, Explanation(
        "rate_limit",
        "Tripletex asked us to slow down. bokbro waits and tries again by itself.",
        "Tripletex ba oss vente litt. bokbro venter og prøver igjen selv.")),
    # Visma eAccounting: matched on its documented ErrorCode (reference/eaccounting/API.md, "Error codes").
    Rule("eaccounting", None, "3001", None, Explanation(
        "fiscal_year_missing",
        "eAccounting has no fiscal year for the invoice date. Create the fiscal year in eAccounting (Settings → "
        "Fiscal years), then resend.",
        "eAccounting har ikke noe regnskapsår for fakturadatoen. Opprett regnskapsåret i eAccounting "
        "(Innstillinger → Regnskapsår), og send på nytt.")),
    Rule("eaccounting", None, "4026", None, Explanation(
        "locked_period",
        "The invoice date is in a period that is locked (closed) in eAccounting. Open the period in eAccounting, or "
        "book the invoice in Rackbeat with a date in an open period, then resend.",
        "Fakturadatoen er i en periode som er låst (avsluttet) i eAccounting. Åpne perioden i eAccounting, eller "
        "bokfør fakturaen i Rackbeat med en dato i en åpen periode, og send på nytt.")),
    Rule("eaccounting", 400, "2000", "Quantity", Explanation(
        "quantity_decimals",
        "eAccounting takes quantities with at most 2 decimals on invoice rows. Turn on \"Use the exact quantity\" "
        "in the settings (the line total is then kept exact), or round the quantity in Rackbeat, then resend.",
        "eAccounting tar antall med høyst 2 desimaler på fakturalinjer. Slå på «Bruk eksakt antall» i "
        "innstillingene (linjesummen holdes da eksakt), eller rund av antallet i Rackbeat, og send på nytt.")),
    Rule("eaccounting", 429, None, None, Explanation(
        "rate_limit",
        "eAccounting asked us to slow down. bokbro waits and tries again by itself.",
        "eAccounting ba oss vente litt. bokbro venter og prøver igjen selv.")),
    Rule("eaccounting", 401, None, None, Explanation(
        "eaccounting_auth",
        "eAccounting no longer accepts bokbro's access (the authorization was withdrawn or has expired). Open "
        "the authorization link again (authorizeEAccounting) and resend.",
        "eAccounting godtar ikke lenger bokbros tilgang (tilgangen er trukket tilbake eller utløpt). Åpne "
        "autorisasjonslenken på nytt (authorizeEAccounting) og send på nytt.")),
    Rule("eaccounting", 403, None, None, Explanation(
        "eaccounting_permission",
        "The eAccounting company has not given bokbro access to what this transfer needs (the sales or accounting "
        "module, or a scope). Authorize again with every scope bokbro asks for, then resend.",
        "eAccounting-selskapet har ikke gitt bokbro tilgang til det denne overføringen trenger (salgs- eller "
        "regnskapsmodulen, eller et scope). Autoriser på nytt med alle scopene bokbro ber om, og send på nytt.")),
    Rule("rackbeat", 401, None, None, Explanation(
        "rackbeat_auth",
        "Rackbeat did not accept the API key. Create a new API key in Rackbeat and save it on the connection.",
        "Rackbeat godtok ikke API-nøkkelen. Lag en ny API-nøkkel i Rackbeat og lagre den på koblingen.")),
    Rule("tripletex", 404, None, None, Explanation(
        "target_not_found",
        "Something this transfer refers to is gone from Tripletex (deleted there while the transfer ran: a customer, "
        "a product, an order). Resend: bokbro looks everything up again and makes what is missing.",
        "Noe denne overføringen viser til finnes ikke lenger i Tripletex (slettet der mens overføringen gikk: en "
        "kunde, et produkt, en ordre). Send på nytt: bokbro slår opp alt igjen og lager det som mangler.")),
    Rule("eaccounting", 400, "3000", None, Explanation(
        "target_not_found",
        "Something this transfer refers to is gone from eAccounting (deleted there while the transfer ran: a "
        "customer, an article, a draft). Resend: bokbro looks everything up again and makes what is missing.",
        "Noe denne overføringen viser til finnes ikke lenger i eAccounting (slettet der mens overføringen gikk: en "
        "kunde, en artikkel, et utkast). Send på nytt: bokbro slår opp alt igjen og lager det som mangler.")),
    Rule("eaccounting", 404, None, None, Explanation(
        "target_not_found",
        "Something this transfer refers to is gone from eAccounting (deleted there while the transfer ran). "
        "Resend: bokbro looks everything up again and makes what is missing.",
        "Noe denne overføringen viser til finnes ikke lenger i eAccounting (slettet der mens overføringen gikk). "
        "Send på nytt: bokbro slår opp alt igjen og lager det som mangler.")),
    Rule("rackbeat", 404, None, None, Explanation(
        "rackbeat_not_found",
        "The document was not found in Rackbeat. Check the number.",
        "Dokumentet finnes ikke i Rackbeat. Sjekk nummeret.")),
)


def field_name(path: str) -> str:
    """"orderLines[0].unitPriceIncludingVatCurrency" → "unitPriceIncludingVatCurrency": a rule names the field
    itself, so that "number" never matches "customerNumber" nor "orderLines" a field inside an order line."""
    return re.sub(r"\[\d*\]", "", path).rsplit(".", 1)[-1]


def explain(error: ConnectorError) -> Explanation | None:
    for rule in _RULES:
        if rule.system != error.system:
            continue
        if rule.status is not None and rule.status != error.status:
            continue
        if rule.code is not None and rule.code != error.code:
            continue
        if rule.field is not None:
            fields = [error.field or ""] + [str(d.get("field") or "") for d in error.details]
            if rule.field not in {field_name(f) for f in fields}:
                continue
        return rule.explanation
    if (error.status is not None and error.status >= 500) or error.status is None:
        return Explanation(
            "unavailable",
            f"{error.system.capitalize()} did not answer properly (it may be down or slow). bokbro retries by "
            "itself; nothing needs to be done unless this keeps failing.",
            f"{error.system.capitalize()} svarte ikke som det skulle (kan være nede eller tregt). bokbro prøver "
            "igjen selv; ingenting må gjøres med mindre dette fortsetter å feile.")
    return None
