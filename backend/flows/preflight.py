"""What must be in place before the initial sync, judged from what the systems answered (pure: no I/O).

Two reports, each a list of named results with an explanation and the fix in English and Norwegian:

- ``rackbeat_prerequisites``: the groups Rackbeat needs (customer group, supplier group, a product group with
  stock and a service group without), as the help-centre article asks the user to create before "I have groups,
  next";
- ``tripletex_checks`` / ``eaccounting_checks``: the accounting side's preflight (bank account number, payment
  types shown on orders, VAT, customer- and invoice-number series, EHF, fiscal year).

The services gather the facts (``backend/services/preflight.py``); a fact that could not be read arrives as
``Unreadable`` and makes its check a WARNING that says why.

Where the published API cannot tell
-----------------------------------
This is the one place that lists what the published APIs (``reference/tripletex/openapi.json`` 2.74,
``reference/eaccounting/openapi.json``) do not answer, and so what a check can only ask the user to look at
(``verifiable=False``, status WARNING, "check by hand"):

- Tripletex "Vis på ordre" on payment types: ``PaymentType`` (``GET /invoice/paymentType``) has no such flag, so
  only the payment types' existence is checked.
- Tripletex's customer-number series start: no endpoint exposes it (the customer settings are not in the API).
  It is judged from the customers' numbers in use (``GET /customer`` sorted by ``-customerNumber``).
- Tripletex's invoice-number series and default send method of new company customers: both live in
  ``InvoiceSettings`` (``nextInvoiceNumber``, ``defaultSendTypeB2B``), which no published endpoint returns. The
  invoice-number policy is decided from what bokbro sends (it never sets ``invoiceNumber``); the EHF default is
  left to the user, with what bokbro does about it (it sets every company customer's send method itself).
- eAccounting's EHF: only whether AutoInvoice (the e-invoice network that carries EHF) is activated
  (``companysettings.AutoInvoice.AutoInvoiceActivationStatus``); when the answer lacks it, check by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

RECOMMENDED_CUSTOMER_NUMBER_START = 100_000
_START = "100 000"  # as a person writes it


class Status(Enum):
    OK = "OK"
    WARNING = "WARNING"
    FAILED = "FAILED"
    NOT_APPLICABLE = "NOT_APPLICABLE"


@dataclass(frozen=True)
class Unreadable:
    """A fact the system would not give (no access, an error): the check says so instead of guessing."""

    reason: str


@dataclass(frozen=True)
class Check:
    code: str  # stable, for scripts: BANK_ACCOUNT_NUMBER, VAT_SETUP, ...
    title: str
    title_no: str
    status: Status
    found: str | None  # what was found, in plain words (numbers, names)
    explanation: str  # what it means and how to fix it, in English
    explanation_no: str  # the same in Norwegian
    verifiable: bool = True  # False: the published API cannot tell; the user must check by hand


@dataclass(frozen=True)
class Group:
    number: str
    name: str


@dataclass(frozen=True)
class Requirement:
    code: str  # CUSTOMER_GROUP, SUPPLIER_GROUP, STOCK_PRODUCT_GROUP, SERVICE_PRODUCT_GROUP
    title: str
    title_no: str
    status: Status  # OK, FAILED (missing) or WARNING (could not be read)
    found: tuple[Group, ...]
    missing: bool | None  # None: the groups could not be read
    message: str
    message_no: str


# -- Rackbeat prerequisites --------------------------------------------------------------------------------

Groups = Sequence[dict[str, Any]] | Unreadable


def _published(groups: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups that can be used: a draft group is not (Rackbeat lets groups be drafts until published)."""
    return [g for g in groups if not g.get("is_draft")]


def _group(raw: dict[str, Any]) -> Group:
    return Group(str(raw.get("number", "")), str(raw.get("name") or ""))


def _requirement(code: str, title: tuple[str, str], groups: Groups, how: tuple[str, str]) -> Requirement:
    if isinstance(groups, Unreadable):
        return Requirement(code, title[0], title[1], Status.WARNING, (), None,
                           f"Could not read the groups from Rackbeat ({groups.reason}). Check the Rackbeat "
                           f"connection and try again.",
                           f"Kunne ikke lese gruppene fra Rackbeat ({groups.reason}). Sjekk Rackbeat-tilkoblingen "
                           f"og prøv igjen.")
    found = tuple(_group(g) for g in groups)
    if found:
        names = ", ".join(f"{g.number} {g.name}".strip() for g in found)
        return Requirement(code, title[0], title[1], Status.OK, found, False,
                           f"Found: {names}.", f"Funnet: {names}.")
    return Requirement(code, title[0], title[1], Status.FAILED, (), True, how[0], how[1])


def rackbeat_prerequisites(customer_groups: Groups, supplier_groups: Groups,
                           product_groups: Groups) -> list[Requirement]:
    """One requirement per group the initial sync needs; product groups split by ``has_inventory``."""
    stock: Groups
    service: Groups
    if isinstance(product_groups, Unreadable):
        stock = service = product_groups
    else:
        usable = _published(product_groups)
        stock = [g for g in usable if g.get("has_inventory") is True]
        service = [g for g in usable if g.get("has_inventory") is False]
    return [
        _requirement(
            "CUSTOMER_GROUP", ("Customer group", "Kundegruppe"),
            customer_groups if isinstance(customer_groups, Unreadable) else _published(customer_groups),
            ("No customer group in Rackbeat. Customers from the initial sync must be put in one: create it in "
             "Rackbeat under Customers → Customer groups → Create, then check again.",
             "Ingen kundegruppe i Rackbeat. Kunder fra oppstartssynkroniseringen må legges i en: opprett den i "
             "Rackbeat under Kunder → Kundegrupper → Opprett, og sjekk på nytt.")),
        _requirement(
            "SUPPLIER_GROUP", ("Supplier group", "Leverandørgruppe"),
            supplier_groups if isinstance(supplier_groups, Unreadable) else _published(supplier_groups),
            ("No supplier group in Rackbeat. Create one under Suppliers → Supplier groups → Create, then check "
             "again.",
             "Ingen leverandørgruppe i Rackbeat. Opprett en under Leverandører → Leverandørgrupper → Opprett, og "
             "sjekk på nytt.")),
        _requirement(
            "STOCK_PRODUCT_GROUP", ("Product group for stock items", "Varegruppe (for varer med lager)"), stock,
            ("No product group with inventory in Rackbeat. Create one under Products → Product groups → Create "
             "with \"Has inventory\" switched on; stock items from the initial sync go there.",
             "Ingen varegruppe med lager i Rackbeat. Opprett en under Varer → Varegrupper → Opprett med «Har "
             "lager» slått på; lagervarer fra oppstartssynkroniseringen havner der.")),
        _requirement(
            "SERVICE_PRODUCT_GROUP", ("Service group (no inventory)", "Servicegruppe (for produkter uten lager)"),
            service,
            ("No service group in Rackbeat: a product group with \"Has inventory\" switched off, for services "
             "and other items without stock. Create it like any product group (Products → Product groups → "
             "Create) with inventory off.",
             "Ingen servicegruppe i Rackbeat: en varegruppe med «Har lager» slått av, for tjenester og andre "
             "varer uten lager. Opprett den som en vanlig varegruppe (Varer → Varegrupper → Opprett) uten lager.")),
    ]


# -- the accounting side -------------------------------------------------------------------------------------


def _unreadable(code: str, title: tuple[str, str], what: Unreadable) -> Check:
    return Check(code, title[0], title[1], Status.WARNING, None,
                 f"Could not be checked: {what.reason}. Make sure the connection has access (test the connection) "
                 f"and run the checks again.",
                 f"Kunne ikke sjekkes: {what.reason}. Sørg for at tilkoblingen har tilgang (test tilkoblingen) og "
                 f"kjør sjekkene på nytt.")


BANK = ("Company bank account number", "Selskapets bankkontonummer")
PAYMENT_TYPES = ("Payment types shown on orders", "Betalingstyper med «Vis på ordre»")
VAT = ("VAT set-up", "MVA-oppsett")
CUSTOMER_SERIES = ("Customer number series", "Nummerserie for kunder")
INVOICE_SERIES = ("Invoice number series", "Nummerserie for fakturaer")
EHF = ("EHF for new company customers", "EHF for nye bedriftskunder")
FISCAL_YEAR = ("Fiscal year", "Regnskapsår")


@dataclass(frozen=True)
class TripletexFacts:
    invoice_bank_accounts: Sequence[dict[str, Any]] | Unreadable
    payment_types: Sequence[dict[str, Any]] | Unreadable
    vat_settings: dict[str, Any] | Unreadable
    outgoing_vat_types: Sequence[dict[str, Any]] | Unreadable
    highest_customer_number: int | Unreadable | None
    invoice_numbers_from_source: bool = False  # the integration's setting (else the accounting system decides)
    source: str = "RACKBEAT"  # RACKBEAT or MYSTORE: what the webshop/warehouse side is called in the texts
    # Mystore sources: webshop customers become ``offset + their Mystore number``; the highest such number bokbro
    # has made or matched so far (None: none yet)
    customer_number_offset: int | None = None
    highest_webshop_customer_number: int | None = None


@dataclass(frozen=True)
class EAccountingFacts:
    company_settings: dict[str, Any] | Unreadable
    vat_codes: Sequence[dict[str, Any]] | Unreadable
    fiscal_years: Sequence[dict[str, Any]] | Unreadable
    today: date = field(default_factory=date.today)
    invoice_numbers_from_source: bool = False
    source: str = "RACKBEAT"


def _source_name(source: str) -> str:
    return {"RACKBEAT": "Rackbeat", "MYSTORE": "the webshop (Mystore)"}.get(source, source.title())


def _source_name_no(source: str) -> str:
    return {"RACKBEAT": "Rackbeat", "MYSTORE": "nettbutikken (Mystore)"}.get(source, source.title())


def _tripletex_bank(accounts: Sequence[dict[str, Any]] | Unreadable) -> Check:
    if isinstance(accounts, Unreadable):
        return _unreadable("BANK_ACCOUNT_NUMBER", BANK, accounts)
    registered = [a for a in accounts if str(a.get("bankAccountNumber") or "").strip()]
    if registered:
        found = "; ".join(f"{a.get('number')} {a.get('name') or ''}: {a['bankAccountNumber']}".replace("  ", " ")
                          for a in registered)
        return Check("BANK_ACCOUNT_NUMBER", *BANK, Status.OK, found,
                     "The invoice bank account has a number: Tripletex can make invoices.",
                     "Fakturakontoen har et kontonummer: Tripletex kan lage fakturaer.")
    names = ", ".join(f"{a.get('number')} {a.get('name') or ''}".strip() for a in accounts) or "no bank account"
    return Check("BANK_ACCOUNT_NUMBER", *BANK, Status.FAILED, f"{names}: no bank account number",
                 "The company has no bank account number, and Tripletex refuses to create invoices until it has "
                 "one. Register it in Tripletex under Company → Company information → Invoice account (ledger "
                 "account 1920), then run the checks again.",
                 "Selskapet har ikke registrert bankkontonummer, og Tripletex nekter å lage fakturaer før det er "
                 "gjort. Registrer det i Tripletex under Selskap → Virksomhetsopplysninger → Fakturakonto "
                 "(konto 1920), og kjør sjekkene på nytt.")


def _tripletex_payment_types(types: Sequence[dict[str, Any]] | Unreadable) -> Check:
    if isinstance(types, Unreadable):
        return _unreadable("PAYMENT_TYPES_ON_ORDERS", PAYMENT_TYPES, types)
    if not types:
        return Check("PAYMENT_TYPES_ON_ORDERS", *PAYMENT_TYPES, Status.FAILED, "no payment types",
                     "Tripletex lists no payment types for invoices, so paid orders cannot be marked as paid. Go to "
                     "Invoice → Settings → Payment types, create the ones you use (e.g. Vipps, Klarna, card) and "
                     "switch on \"Show on order\".",
                     "Tripletex viser ingen betalingstyper for fakturaer, så betalte ordre kan ikke markeres som "
                     "betalt. Gå til Faktura → Innstillinger → Betalingstyper, opprett de dere bruker (f.eks. "
                     "Vipps, Klarna, kort) og slå på «Vis på ordre».")
    names = ", ".join(str(t.get("description") or t.get("displayName") or t.get("id")) for t in types)
    # The PaymentType DTO has no "show on order" flag (see the module's docstring): check by hand.
    return Check("PAYMENT_TYPES_ON_ORDERS", *PAYMENT_TYPES, Status.WARNING, names,
                 "Tripletex's API does not tell whether \"Show on order\" is switched on, so check by hand: in "
                 "Invoice → Settings → Payment types, every type you want to map a payment method to must have "
                 "\"Show on order\" switched on, or it cannot be chosen.",
                 "Tripletex' API forteller ikke om «Vis på ordre» er slått på, så sjekk dette selv: i Faktura → "
                 "Innstillinger → Betalingstyper må hver type dere vil koble en betalingsmetode til ha «Vis på "
                 "ordre» aktivert, ellers kan den ikke velges.",
                 verifiable=False)


def _tripletex_vat(settings: dict[str, Any] | Unreadable, types: Sequence[dict[str, Any]] | Unreadable,
                   source: str) -> Check:
    if isinstance(types, Unreadable):
        return _unreadable("VAT_SETUP", VAT, types)
    codes = ", ".join(str(t.get("number")) for t in types)
    registration = None if isinstance(settings, Unreadable) else settings.get("vatRegistrationStatus")
    found = f"registration: {registration or 'unknown'}; outgoing VAT codes: {codes or 'none'}"
    src, src_no = _source_name(source), _source_name_no(source)
    if registration in ("VAT_NOT_REGISTERED", "VAT_APPLICANT"):
        return Check("VAT_SETUP", *VAT, Status.WARNING, found,
                     f"Tripletex has the company as not (yet) registered for VAT. Then invoices carry no VAT: make "
                     f"sure {src} sells without VAT too, or register the company in the VAT register and change "
                     f"the VAT settings in Tripletex (Accounts → Settings → VAT).",
                     f"Tripletex har selskapet som ikke (ennå) registrert i Merverdiavgiftsregisteret. Da får "
                     f"fakturaene ikke MVA: sørg for at {src_no} også selger uten MVA, eller registrer selskapet og "
                     f"endre MVA-innstillingene i Tripletex (Regnskap → Innstillinger → MVA).")
    high = any(str(t.get("number")) == "3" for t in types)
    if not high:
        return Check("VAT_SETUP", *VAT, Status.FAILED, found,
                     "The outgoing VAT code 3 (25 %) is not active in Tripletex, so sales lines with standard VAT "
                     "will be refused (\"Invalid VAT code\"). Activate the VAT codes you sell with under Accounts → "
                     "Settings → VAT.",
                     "Utgående MVA-kode 3 (25 %) er ikke aktiv i Tripletex, så salgslinjer med vanlig MVA blir "
                     "avvist («Ugyldig mva-kode»). Aktiver kodene dere selger med under Regnskap → Innstillinger → "
                     "MVA.")
    if registration is None:
        reason = settings.reason if isinstance(settings, Unreadable) else "not given"
        return Check("VAT_SETUP", *VAT, Status.WARNING, found,
                     f"The outgoing VAT codes are in place, but the VAT registration could not be read ({reason}). "
                     f"Check by hand that the company's VAT registration in Tripletex matches how {src} charges VAT.",
                     f"De utgående MVA-kodene er på plass, men MVA-registreringen kunne ikke leses ({reason}). "
                     f"Sjekk selv at MVA-oppsettet i Tripletex samsvarer med hvordan {src_no} fører MVA.",
                     verifiable=False)
    return Check("VAT_SETUP", *VAT, Status.OK, found,
                 f"The company is VAT-registered and the outgoing VAT codes are active. Make sure {src} charges VAT "
                 f"the same way.",
                 f"Selskapet er MVA-registrert og de utgående MVA-kodene er aktive. Sørg for at {src_no} fører MVA "
                 f"på samme måte.")


def _customer_series(next_or_highest: int | None, *, is_next: bool, where: str, where_no: str,
                     verifiable: bool) -> Check:
    start = RECOMMENDED_CUSTOMER_NUMBER_START
    fix = (f"Set the start of the customer number series to {_START} ({where}): customers transferred from the "
           f"webshop or warehouse keep their own numbers, and customers made by hand then get numbers that cannot "
           f"collide with them.")
    fix_no = (f"Sett startverdi for kundenummer til {_START} ({where_no}): kunder som overføres fra nettbutikken "
              f"eller lageret beholder sine egne numre, og kunder opprettet for hånd får da numre som ikke kolliderer "
              f"med dem.")
    if next_or_highest is None:
        return Check("CUSTOMER_NUMBER_SERIES", *CUSTOMER_SERIES, Status.WARNING,
                     "next customer number not given" if is_next else "no customers yet",
                     "The API does not tell where the series starts (and there are no customers to judge it from): "
                     "check by hand. " + fix,
                     "API-et forteller ikke hvor serien starter (og det finnes ingen kunder å se det av): sjekk "
                     "dette selv. " + fix_no, verifiable=False)
    label = "next customer number" if is_next else "highest customer number in use"
    found = f"{label}: {next_or_highest}"
    if next_or_highest >= start:
        return Check("CUSTOMER_NUMBER_SERIES", *CUSTOMER_SERIES, Status.OK, found,
                     f"Customer numbers are at {_START} or above, as recommended.",
                     f"Kundenumrene er på {_START} eller høyere, som anbefalt.",
                     verifiable=verifiable)
    return Check("CUSTOMER_NUMBER_SERIES", *CUSTOMER_SERIES, Status.WARNING, found,
                 f"New customers made in the accounting system get numbers below {_START}, which can collide with "
                 f"the numbers of transferred customers. " + fix,
                 f"Nye kunder i regnskapssystemet får numre under {_START}, som kan kollidere med numrene til "
                 f"overførte kunder. " + fix_no, verifiable=verifiable)


def _webshop_customer_series(highest: int | None, offset: int, webshop_highest: int | None) -> Check:
    """Mystore → Tripletex: webshop customers are numbered ``offset + their Mystore number`` (100 000 + n by
    default), so the customers made by hand in Tripletex must stay BELOW the offset. (The Mystore guide's advice to
    start Tripletex's series at 100 000 is for an integration that keeps the webshop's own numbers; followed here
    it would put both series in the same range.) Judged from the highest number in use, as for other sources;
    numbers at or above the offset up to the highest webshop customer bokbro has made count as the webshop's."""
    o = f"{offset:,}".replace(",", " ")
    fix = (f"Keep Tripletex's customer number series below {o} (Customer → Customer settings; Tripletex's own start "
           f"is far below it), or raise the setting \"customer number offset\" above every number in use.")
    fix_no = (f"Hold nummerserien for kunder i Tripletex under {o} (Kunde → Kunde-innstillinger; Tripletex' egen "
              f"start er langt under), eller sett innstillingen «kundenummer-forskyvning» høyere enn alle numre i "
              f"bruk.")
    if highest is None:
        return Check("CUSTOMER_NUMBER_SERIES", *CUSTOMER_SERIES, Status.WARNING, "no customers yet",
                     f"Webshop customers get {o} + their Mystore customer number. The API does not tell where "
                     f"Tripletex's own series starts (and there are no customers to judge it from): check by hand. "
                     + fix,
                     f"Nettbutikkens kunder får {o} + kundenummeret i Mystore. API-et forteller ikke hvor Tripletex' "
                     f"egen serie starter (og det finnes ingen kunder å se det av): sjekk dette selv. " + fix_no,
                     verifiable=False)
    found = f"highest customer number in use: {highest}; webshop customers from {offset + 1}"
    if highest <= offset or (webshop_highest is not None and highest <= webshop_highest):
        return Check("CUSTOMER_NUMBER_SERIES", *CUSTOMER_SERIES, Status.OK, found,
                     f"Customers made in Tripletex are numbered below {o}, and webshop customers get {o} + their "
                     f"Mystore customer number: the two cannot collide.",
                     f"Kunder opprettet i Tripletex har numre under {o}, og nettbutikkens kunder får {o} + "
                     f"kundenummeret i Mystore: de to kan ikke kollidere.", verifiable=False)
    return Check("CUSTOMER_NUMBER_SERIES", *CUSTOMER_SERIES, Status.WARNING, found,
                 f"Tripletex has customer numbers from {o} up that bokbro did not make (highest {highest}); webshop "
                 f"customers are numbered {o} + their Mystore customer number and can meet them. " + fix,
                 f"Tripletex har kundenumre fra {o} og oppover som bokbro ikke har laget (høyeste {highest}); "
                 f"nettbutikkens kunder får {o} + kundenummeret i Mystore og kan treffe dem. " + fix_no,
                 verifiable=False)


def _invoice_series(system: str, next_number: int | None, from_source: bool) -> Check:
    after = f"; next invoice number in {system}: {next_number}" if next_number else ""
    if from_source:
        return Check("INVOICE_NUMBER_SERIES", *INVOICE_SERIES, Status.WARNING,
                     "invoices carry the source document's number" + after,
                     f"The settings give invoices the source document's number, so {system}'s own series must not "
                     f"reach those numbers (bokbro refuses an invoice whose number is already taken). Set {system}'s "
                     f"invoice series well clear of them (e.g. 50 000 when the webshop starts at 6 000), or let "
                     f"{system} number the invoices (the recommended setting).",
                     f"Innstillingene gir fakturaene kildedokumentets nummer, så {system}s egen serie må ikke nå de "
                     f"numrene (bokbro avviser en faktura med et nummer som allerede er brukt). Sett fakturaserien i "
                     f"{system} godt unna (f.eks. 50 000 når nettbutikken starter på 6 000), eller la {system} "
                     f"bestemme fakturanummer (anbefalt).")
    return Check("INVOICE_NUMBER_SERIES", *INVOICE_SERIES, Status.OK, f"{system} numbers the invoices" + after,
                 f"{system} numbers every invoice from its own series (the recommended setting: no overlap is "
                 f"possible).",
                 f"{system} nummererer hver faktura fra sin egen serie (anbefalt innstilling: da kan ingen numre "
                 f"overlappe).")


def _tripletex_ehf() -> Check:
    # InvoiceSettings.defaultSendTypeB2B is not returned by any published endpoint (see the module's docstring).
    return Check("EHF_DEFAULT_SEND_METHOD", *EHF, Status.WARNING, None,
                 "Tripletex's API does not expose the default send method of new company customers, so check by "
                 "hand under Invoice → Settings → Electronic invoice/reminder/order → \"Send invoice to company "
                 "via\". bokbro sets the send method of every company customer it creates (EHF only when the "
                 "customer has a postal address, otherwise e-mail or manual), so transfers are not stopped by it; "
                 "if your company does not send EHF, choose e-mail there for customers made by hand.",
                 "Tripletex' API viser ikke standard utsendelsesmetode for nye bedriftskunder, så sjekk dette selv "
                 "under Faktura → Innstillinger → Elektronisk faktura/påminnelse/ordre → «Send faktura til bedrift "
                 "via». bokbro setter utsendelsesmetoden på hver bedriftskunde den oppretter (EHF bare når kunden "
                 "har postadresse, ellers e-post eller manuell), så overføringer stoppes ikke av den; sender ikke "
                 "selskapet EHF, velg e-post der for kunder som opprettes for hånd.",
                 verifiable=False)


def tripletex_checks(facts: TripletexFacts) -> list[Check]:
    highest = facts.highest_customer_number
    customer_series: Check
    if isinstance(highest, Unreadable):
        customer_series = _unreadable("CUSTOMER_NUMBER_SERIES", CUSTOMER_SERIES, highest)
    elif facts.customer_number_offset is not None:
        customer_series = _webshop_customer_series(highest, facts.customer_number_offset,
                                                   facts.highest_webshop_customer_number)
    else:
        # No endpoint gives the series' start: judged from the numbers in use (module docstring).
        customer_series = _customer_series(highest, is_next=False, where="Customer → Customer settings",
                                           where_no="Kunde → Kunde-innstillinger", verifiable=False)
    return [
        _tripletex_bank(facts.invoice_bank_accounts),
        _tripletex_payment_types(facts.payment_types),
        _tripletex_vat(facts.vat_settings, facts.outgoing_vat_types, facts.source),
        customer_series,
        _invoice_series("Tripletex", None, facts.invoice_numbers_from_source),
        _tripletex_ehf(),
        Check("FISCAL_YEAR", *FISCAL_YEAR, Status.NOT_APPLICABLE, None,
              "Tripletex opens accounting years by itself: nothing to set up.",
              "Tripletex åpner regnskapsår selv: ingenting å sette opp."),
    ]


# -- eAccounting ---------------------------------------------------------------------------------------------


def _ci(data: dict[str, Any], key: str) -> Any:
    """eAccounting's JSON is PascalCase; tolerate other casings."""
    if key in data:
        return data[key]
    lower = key.lower()
    return next((v for k, v in data.items() if k.lower() == lower), None)


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _eaccounting_bank(settings: dict[str, Any]) -> Check:
    number = str(_ci(settings, "BankAccount") or "").strip()
    iban = str(_ci(settings, "Iban") or "").strip()
    if number or iban:
        found = "; ".join(x for x in (f"bank account {number}" if number else "", f"IBAN {iban}" if iban else "") if x)
        return Check("BANK_ACCOUNT_NUMBER", *BANK, Status.OK, found,
                     "The company has a bank account number: invoices tell customers where to pay.",
                     "Selskapet har bankkontonummer: fakturaene viser kundene hvor de skal betale.")
    return Check("BANK_ACCOUNT_NUMBER", *BANK, Status.FAILED, "no bank account number",
                 "The company has no bank account number in eAccounting, so invoices do not say where to pay. "
                 "Register it under Settings → Company settings → Bank/payment details, then run the checks again.",
                 "Selskapet har ikke bankkontonummer i eAccounting, så fakturaene sier ikke hvor kunden skal "
                 "betale. Registrer det under Innstillinger → Firmainnstillinger → Bank/betalingsopplysninger, og "
                 "kjør sjekkene på nytt.")


def _eaccounting_vat(settings: dict[str, Any], codes: Sequence[dict[str, Any]] | Unreadable, source: str) -> Check:
    if isinstance(codes, Unreadable):
        return _unreadable("VAT_SETUP", VAT, codes)
    vat_number = str(_ci(settings, "VatCode") or "").strip()
    found = f"VAT number: {vat_number or 'none'}; VAT codes: {len(codes)}"
    src, src_no = _source_name(source), _source_name_no(source)
    if not codes:
        return Check("VAT_SETUP", *VAT, Status.FAILED, found,
                     "eAccounting lists no VAT codes, so articles cannot be given a VAT rate. Set up VAT under "
                     "Settings → Company settings → VAT.",
                     "eAccounting viser ingen MVA-koder, så varer kan ikke få MVA-sats. Sett opp MVA under "
                     "Innstillinger → Firmainnstillinger → MVA.")
    if not vat_number:
        return Check("VAT_SETUP", *VAT, Status.WARNING, found,
                     f"The company has no VAT number in eAccounting, as if it were not VAT-registered. If it is, "
                     f"enter the number (organisation number + MVA) under Settings → Company settings; if it is "
                     f"not, make sure {src} sells without VAT too.",
                     f"Selskapet har ikke MVA-nummer i eAccounting, som om det ikke er MVA-registrert. Er det "
                     f"registrert, legg inn nummeret (organisasjonsnummer + MVA) under Innstillinger → "
                     f"Firmainnstillinger; er det ikke, sørg for at {src_no} også selger uten MVA.")
    return Check("VAT_SETUP", *VAT, Status.OK, found,
                 f"The company has a VAT number and VAT codes. Make sure {src} charges VAT the same way.",
                 f"Selskapet har MVA-nummer og MVA-koder. Sørg for at {src_no} fører MVA på samme måte.")


def _eaccounting_ehf(settings: dict[str, Any]) -> Check:
    auto = _ci(settings, "AutoInvoice")
    status = _ci(auto, "AutoInvoiceActivationStatus") if isinstance(auto, dict) else None
    if status is None:
        return Check("EHF_DEFAULT_SEND_METHOD", *EHF, Status.WARNING, None,
                     "eAccounting did not say whether AutoInvoice (which carries EHF) is activated: check by hand "
                     "under Settings → Company settings → AutoInvoice if your company customers want EHF.",
                     "eAccounting sa ikke om AutoInvoice (som sender EHF) er aktivert: sjekk dette selv under "
                     "Innstillinger → Firmainnstillinger → AutoInvoice hvis bedriftskundene vil ha EHF.",
                     verifiable=False)
    if int(status) == 2:
        return Check("EHF_DEFAULT_SEND_METHOD", *EHF, Status.OK, "AutoInvoice activated",
                     "AutoInvoice is activated: invoices to company customers that receive EHF go as EHF.",
                     "AutoInvoice er aktivert: fakturaer til bedriftskunder som mottar EHF sendes som EHF.")
    return Check("EHF_DEFAULT_SEND_METHOD", *EHF, Status.WARNING, "AutoInvoice not activated",
                 "AutoInvoice is not activated, so invoices cannot go as EHF (they are e-mailed or printed). If "
                 "company customers want EHF, activate it under Settings → Company settings → AutoInvoice.",
                 "AutoInvoice er ikke aktivert, så fakturaer kan ikke sendes som EHF (de sendes på e-post eller "
                 "skrives ut). Vil bedriftskundene ha EHF, aktiver det under Innstillinger → Firmainnstillinger → "
                 "AutoInvoice.")


def _eaccounting_fiscal_year(years: Sequence[dict[str, Any]] | Unreadable, today: date) -> Check:
    if isinstance(years, Unreadable):
        return _unreadable("FISCAL_YEAR", FISCAL_YEAR, years)
    spans = sorted((s, e) for s, e in ((_as_date(_ci(y, "StartDate")), _as_date(_ci(y, "EndDate"))) for y in years)
                   if s is not None and e is not None)
    found = "; ".join(f"{s.isoformat()} – {e.isoformat()}" for s, e in spans) or "no fiscal year"
    if any(s <= today <= e for s, e in spans):
        return Check("FISCAL_YEAR", *FISCAL_YEAR, Status.OK, found,
                     "A fiscal year covers today: invoices can be dated now.",
                     "Et regnskapsår dekker dagens dato: fakturaer kan dateres nå.")
    return Check("FISCAL_YEAR", *FISCAL_YEAR, Status.FAILED, found,
                 f"No fiscal year covers today ({today.isoformat()}), and eAccounting refuses invoices dated outside "
                 f"one (\"FiscalYearDoesNotExist\"). Create the fiscal year under Settings → Fiscal years, then run "
                 f"the checks again.",
                 f"Ingen regnskapsår dekker dagens dato ({today.isoformat()}), og eAccounting avviser fakturaer "
                 f"datert utenfor et regnskapsår («FiscalYearDoesNotExist»). Opprett regnskapsåret under "
                 f"Innstillinger → Regnskapsår, og kjør sjekkene på nytt.")


def eaccounting_checks(facts: EAccountingFacts) -> list[Check]:
    settings = facts.company_settings
    if isinstance(settings, Unreadable):
        from_settings = [_unreadable("BANK_ACCOUNT_NUMBER", BANK, settings),
                         _unreadable("VAT_SETUP", VAT, settings),
                         _unreadable("CUSTOMER_NUMBER_SERIES", CUSTOMER_SERIES, settings),
                         _invoice_series("eAccounting", None, facts.invoice_numbers_from_source),
                         _unreadable("EHF_DEFAULT_SEND_METHOD", EHF, settings)]
    else:
        next_customer = _ci(settings, "NextCustomerNumber")
        next_invoice = _ci(settings, "NextCustomerInvoiceNumber")
        from_settings = [
            _eaccounting_bank(settings),
            _eaccounting_vat(settings, facts.vat_codes, facts.source),
            _customer_series(int(next_customer) if next_customer is not None else None, is_next=True,
                             where="Settings → Company settings → Numbering",
                             where_no="Innstillinger → Firmainnstillinger → Nummerserier", verifiable=True),
            _invoice_series("eAccounting", int(next_invoice) if next_invoice is not None else None,
                            facts.invoice_numbers_from_source),
            _eaccounting_ehf(settings),
        ]
    bank, vat, customers, invoices, ehf = from_settings
    return [
        bank,
        Check("PAYMENT_TYPES_ON_ORDERS", *PAYMENT_TYPES, Status.NOT_APPLICABLE, None,
              "eAccounting invoices are transferred without payment types: nothing to set up.",
              "Fakturaer til eAccounting overføres uten betalingstyper: ingenting å sette opp."),
        vat, customers, invoices, ehf,
        _eaccounting_fiscal_year(facts.fiscal_years, facts.today),
    ]
