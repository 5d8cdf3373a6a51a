"""Onboarding's checks before the initial sync, end to end over real HTTP on both back-ends: Rackbeat's groups
(rackbeatPrerequisites), the accounting side's set-up (preflightChecks), and the connection test naming each
missing permission with how to grant it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from backend.connectors.tripletex import TripletexClient
from tests.support.stack import GraphQLError, Stack

START = "mutation($i: StartOnboardingInput!) { startOnboarding(input: $i) { id } }"
SAVE = "mutation($i: ConnectionInput!) { saveConnection(input: $i) { id } }"
TEST = "mutation($id: ID!) { testConnection(id: $id) { status checks { name ok message } } }"
PREREQUISITES = """query($id: ID!) { rackbeatPrerequisites(integrationId: $id) { integrationId ready
  requirements { code title titleNo status missing message messageNo found { number name } } } }"""
PREFLIGHT = """query($id: ID!) { preflightChecks(integrationId: $id) { integrationId system ok
  checks { code title titleNo status found explanation explanationNo verifiable } } }"""


async def integration(stack: Stack, source: str, target: str) -> str:
    data = await stack.gql(START, {"i": {"companyName": "Fjellsport AS", "contactPerson": "Kari Nordmann",
                                         "email": "kari@fjellsport.example", "source": source, "target": target}})
    return str(data["startOnboarding"]["id"])


async def connect_rackbeat(stack: Stack, integ: str, seed: str = "demo") -> dict[str, Any]:
    r = await stack.sandbox("rackbeat", "POST", "/_control/accounts", json={"seed": seed})
    assert r.status_code == 201, r.text
    rb: dict[str, Any] = r.json()
    await stack.gql(SAVE, {"i": {"integrationId": integ, "system": "RACKBEAT", "credentials": {"token": rb["token"]}}})
    return rb


async def connect_tripletex(stack: Stack, integ: str, **account: Any) -> tuple[str, dict[str, Any]]:
    r = await stack.sandbox("tripletex", "POST", "/_control/accounts", json={"seed": "empty", **account})
    assert r.status_code == 201, r.text
    tx: dict[str, Any] = r.json()
    conn = await stack.gql(SAVE, {"i": {"integrationId": integ, "system": "TRIPLETEX", "credentials": {
        "consumerToken": tx["consumerToken"], "employeeToken": tx["employeeToken"]}}})
    return str(conn["saveConnection"]["id"]), tx


async def connect_eaccounting(stack: Stack, integ: str, *, scopes: list[str] | None = None,
                              **account: Any) -> tuple[str, dict[str, Any]]:
    """Through bokbro's OAuth callback, as the customer's browser would (``scopes``: what the user consents to)."""
    r = await stack.sandbox("eaccounting", "POST", "/_control/accounts",
                            json={"seed": "empty", "redirectUri": f"{stack.base_url}/oauth/eaccounting/callback",
                                  **account})
    assert r.status_code == 201, r.text
    ea: dict[str, Any] = r.json()
    conn = await stack.gql(SAVE, {"i": {"integrationId": integ, "system": "EACCOUNTING", "credentials": {
        "clientId": ea["clientId"], "clientSecret": ea["clientSecret"]}}})
    conn_id = str(conn["saveConnection"]["id"])
    url = (await stack.gql("mutation($id: ID!) { authorizeEAccounting(connectionId: $id) }",
                           {"id": conn_id}))["authorizeEAccounting"]
    if scopes is None:
        page = await stack.http.get(url, follow_redirects=True)
    else:
        state = parse_qs(urlparse(url).query)["state"][0]
        code = (await stack.sandbox("eaccounting", "POST", f"/_control/accounts/{ea['accountId']}/authorize",
                                    json={"scopes": scopes})).json()["code"]
        page = await stack.http.get(f"{stack.base_url}/oauth/eaccounting/callback",
                                    params={"code": code, "state": state})
    assert page.status_code == 200, page.text
    return conn_id, ea


async def rackbeat_post(stack: Stack, rb: dict[str, Any], path: str, body: dict[str, Any]) -> None:
    r = await stack.sandbox("rackbeat", "POST", f"/api/{path}", json=body,
                            headers={"Authorization": f"Bearer {rb['token']}"})
    assert r.status_code == 201, r.text


def by_code(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["code"]: i for i in items}


# -- Rackbeat prerequisites -----------------------------------------------------------------------------------


async def test_all_four_groups_present_in_rackbeat(stack: Stack) -> None:
    integ = await integration(stack, "RACKBEAT", "TRIPLETEX")
    await connect_rackbeat(stack, integ, seed="demo")
    report = (await stack.gql(PREREQUISITES, {"id": integ}))["rackbeatPrerequisites"]
    assert report["ready"] is True and report["integrationId"] == integ, report
    reqs = by_code(report["requirements"])
    assert list(reqs) == ["CUSTOMER_GROUP", "SUPPLIER_GROUP", "STOCK_PRODUCT_GROUP", "SERVICE_PRODUCT_GROUP"]
    assert all(r["status"] == "OK" and r["missing"] is False for r in reqs.values()), reqs
    assert {"number": "1", "name": "Bedriftskunder"} in reqs["CUSTOMER_GROUP"]["found"]
    assert [g["name"] for g in reqs["SERVICE_PRODUCT_GROUP"]["found"]] == ["Tjenester"]  # has_inventory false
    assert "Tjenester" not in [g["name"] for g in reqs["STOCK_PRODUCT_GROUP"]["found"]]
    assert "Lagervarer" in [g["name"] for g in reqs["STOCK_PRODUCT_GROUP"]["found"]]


async def test_a_missing_service_group_and_customer_group_are_named_with_how_to_create_them(stack: Stack) -> None:
    integ = await integration(stack, "RACKBEAT", "EACCOUNTING")
    rb = await connect_rackbeat(stack, integ, seed="empty")
    await rackbeat_post(stack, rb, "supplier-groups", {"name": "Norske leverandører"})
    await rackbeat_post(stack, rb, "product-groups", {"number": 1, "name": "Lagervarer", "has_inventory": True})
    await rackbeat_post(stack, rb, "customer-groups", {"name": "Utkast", "is_draft": True})  # a draft does not count
    report = (await stack.gql(PREREQUISITES, {"id": integ}))["rackbeatPrerequisites"]
    reqs = by_code(report["requirements"])
    assert report["ready"] is False
    assert {c: r["status"] for c, r in reqs.items()} == {
        "CUSTOMER_GROUP": "FAILED", "SUPPLIER_GROUP": "OK", "STOCK_PRODUCT_GROUP": "OK",
        "SERVICE_PRODUCT_GROUP": "FAILED"}
    service, customer = reqs["SERVICE_PRODUCT_GROUP"], reqs["CUSTOMER_GROUP"]
    assert service["missing"] is True and service["found"] == []
    assert "Has inventory" in service["message"] and "switched off" in service["message"]
    assert "servicegruppe" in service["messageNo"].lower() and "Har lager" in service["messageNo"]
    assert customer["missing"] is True and "Customer groups" in customer["message"]
    assert "Kundegrupper" in customer["messageNo"]
    assert reqs["STOCK_PRODUCT_GROUP"]["found"] == [{"number": "1", "name": "Lagervarer"}]
    # the user creates what was missing; the next look finds it
    await rackbeat_post(stack, rb, "product-groups", {"name": "Tjenester", "has_inventory": False})
    await rackbeat_post(stack, rb, "customer-groups", {"name": "Bedriftskunder"})
    again = (await stack.gql(PREREQUISITES, {"id": integ}))["rackbeatPrerequisites"]
    assert again["ready"] is True, again


async def test_prerequisites_need_a_rackbeat_source_and_its_connection(stack: Stack) -> None:
    mystore = await integration(stack, "MYSTORE", "TRIPLETEX")
    with pytest.raises(GraphQLError) as err:
        await stack.gql(PREREQUISITES, {"id": mystore})
    assert err.value.codes == ["INVALID_INPUT"]
    unconnected = await integration(stack, "RACKBEAT", "TRIPLETEX")
    with pytest.raises(GraphQLError) as err:
        await stack.gql(PREREQUISITES, {"id": unconnected})
    assert err.value.codes == ["INVALID_INPUT"]
    with pytest.raises(GraphQLError) as err:
        await stack.gql(PREFLIGHT, {"id": unconnected})
    assert err.value.codes == ["INVALID_INPUT"]


async def test_a_partner_sees_only_its_own_integrations_checks(stack: Stack) -> None:
    mine = await integration(stack, "RACKBEAT", "TRIPLETEX")
    other = await integration(stack, "RACKBEAT", "TRIPLETEX")
    await connect_rackbeat(stack, other)
    await connect_tripletex(stack, other)
    token = (await stack.gql("mutation($i: ApiTokenInput!) { createApiToken(input: $i) { token } }",
                             {"i": {"name": "partner", "role": "PARTNER", "integrationIds": [mine]}}))
    partner = token["createApiToken"]["token"]
    for query in (PREREQUISITES, PREFLIGHT):
        with pytest.raises(GraphQLError) as err:
            await stack.gql(query, {"id": other}, token=partner)
        assert err.value.codes == ["NOT_FOUND"]


# -- preflight: Tripletex ------------------------------------------------------------------------------------


async def test_tripletex_without_a_bank_account_number_fails_with_both_explanations(stack: Stack) -> None:
    integ = await integration(stack, "RACKBEAT", "TRIPLETEX")
    _, tx = await connect_tripletex(stack, integ, bankAccount=False)
    report = (await stack.gql(PREFLIGHT, {"id": integ}))["preflightChecks"]
    assert report["system"] == "TRIPLETEX" and report["ok"] is False, report
    checks = by_code(report["checks"])
    assert list(checks) == ["BANK_ACCOUNT_NUMBER", "PAYMENT_TYPES_ON_ORDERS", "VAT_SETUP", "CUSTOMER_NUMBER_SERIES",
                            "INVOICE_NUMBER_SERIES", "EHF_DEFAULT_SEND_METHOD", "FISCAL_YEAR"]
    bank = checks["BANK_ACCOUNT_NUMBER"]
    assert bank["status"] == "FAILED" and bank["verifiable"] is True
    assert "refuses" in bank["explanation"] and "Invoice account" in bank["explanation"]
    assert "bankkontonummer" in bank["explanationNo"] and "Fakturakonto" in bank["explanationNo"]
    assert "1920" in bank["found"]
    # what the published API cannot tell is marked as such
    assert checks["PAYMENT_TYPES_ON_ORDERS"]["status"] == "WARNING"
    assert checks["PAYMENT_TYPES_ON_ORDERS"]["verifiable"] is False
    assert "Betalt til bank" in checks["PAYMENT_TYPES_ON_ORDERS"]["found"]
    assert "Vis på ordre" in checks["PAYMENT_TYPES_ON_ORDERS"]["explanationNo"]
    assert checks["EHF_DEFAULT_SEND_METHOD"]["status"] == "WARNING"
    assert checks["EHF_DEFAULT_SEND_METHOD"]["verifiable"] is False
    assert checks["VAT_SETUP"]["status"] == "OK" and "VAT_REGISTERED" in checks["VAT_SETUP"]["found"]
    assert checks["CUSTOMER_NUMBER_SERIES"]["status"] == "WARNING"  # no customers: cannot tell
    assert checks["INVOICE_NUMBER_SERIES"]["status"] == "OK"
    assert checks["FISCAL_YEAR"]["status"] == "NOT_APPLICABLE"
    # the user registers the number in Tripletex; the next run passes
    r = await stack.sandbox("tripletex", "POST", f"/_control/accounts/{tx['accountId']}/bank-account",
                            json={"registered": True})
    assert r.status_code == 200, r.text
    again = (await stack.gql(PREFLIGHT, {"id": integ}))["preflightChecks"]
    assert again["ok"] is True and by_code(again["checks"])["BANK_ACCOUNT_NUMBER"]["status"] == "OK", again


async def test_tripletex_customer_numbers_below_100000_are_warned_for_rackbeat(stack: Stack) -> None:
    integ = await integration(stack, "RACKBEAT", "TRIPLETEX")
    await connect_tripletex(stack, integ, seed="demo")
    series = by_code((await stack.gql(PREFLIGHT, {"id": integ}))["preflightChecks"]["checks"])["CUSTOMER_NUMBER_SERIES"]
    assert series["status"] == "WARNING" and series["found"] == "highest customer number in use: 10219", series
    assert "100 000" in series["explanation"] and "Kunde-innstillinger" in series["explanationNo"]


async def test_mystore_customer_numbers_must_stay_below_the_offset_and_no_vat_registration_is_warned(
        stack: Stack) -> None:
    """Webshop customers become 100 000 + their Mystore number: Tripletex's own customers must stay below it (the
    Mystore guide's "start at 100 000" would put both series in one range)."""
    integ = await integration(stack, "MYSTORE", "TRIPLETEX")
    _, tx = await connect_tripletex(stack, integ, seed="demo", vatRegistrationStatus="VAT_NOT_REGISTERED")
    checks = by_code((await stack.gql(PREFLIGHT, {"id": integ}))["preflightChecks"]["checks"])
    series = checks["CUSTOMER_NUMBER_SERIES"]
    assert series["status"] == "OK" and "highest customer number in use: 10219" in series["found"], series
    assert "cannot collide" in series["explanation"] and "kan ikke kollidere" in series["explanationNo"]
    # a customer made by hand in the webshop's range
    async with TripletexClient(f"{stack.base_url}/sandbox/tripletex/v2", tx["consumerToken"],
                               tx["employeeToken"]) as client:
        await client.create_customer({"name": "Håndlaget AS", "customerNumber": 100_050, "invoiceSendMethod": "EMAIL",
                                      "email": "post@handlaget.example"})
    series = by_code((await stack.gql(PREFLIGHT, {"id": integ}))["preflightChecks"]["checks"])["CUSTOMER_NUMBER_SERIES"]
    assert series["status"] == "WARNING" and "100050" in series["found"], series
    assert "below 100 000" in series["explanation"] and "kundenummer-forskyvning" in series["explanationNo"]
    vat = checks["VAT_SETUP"]
    assert vat["status"] == "WARNING" and "VAT_NOT_REGISTERED" in vat["found"]
    assert "Mystore" in vat["explanation"] and "Merverdiavgiftsregisteret" in vat["explanationNo"]
    assert checks["INVOICE_NUMBER_SERIES"]["status"] == "OK"
    # the webshop's invoice numbers instead of Tripletex's: the series must not overlap
    await stack.gql("mutation($id: ID!) { updateSettings(integrationId: $id, input: {invoiceNumberSource: SOURCE}) "
                    "{ invoiceNumberSource } }", {"id": integ})
    checks = by_code((await stack.gql(PREFLIGHT, {"id": integ}))["preflightChecks"]["checks"])
    invoices = checks["INVOICE_NUMBER_SERIES"]
    assert invoices["status"] == "WARNING" and "50 000" in invoices["explanation"], invoices
    assert "fakturaserien" in invoices["explanationNo"]


# -- preflight: eAccounting -----------------------------------------------------------------------------------


async def test_eaccounting_without_a_fiscal_year_fails(stack: Stack) -> None:
    integ = await integration(stack, "RACKBEAT", "EACCOUNTING")
    _, ea = await connect_eaccounting(stack, integ, fiscalYear=False)
    report = (await stack.gql(PREFLIGHT, {"id": integ}))["preflightChecks"]
    assert report["system"] == "EACCOUNTING" and report["ok"] is False, report
    checks = by_code(report["checks"])
    year = checks["FISCAL_YEAR"]
    assert year["status"] == "FAILED" and year["found"] == "no fiscal year"
    assert "Fiscal years" in year["explanation"] and "regnskapsår" in year["explanationNo"].lower()
    assert checks["BANK_ACCOUNT_NUMBER"]["status"] == "OK" and "15032080119" in checks["BANK_ACCOUNT_NUMBER"]["found"]
    assert checks["VAT_SETUP"]["status"] == "OK"
    assert checks["PAYMENT_TYPES_ON_ORDERS"]["status"] == "NOT_APPLICABLE"
    assert checks["CUSTOMER_NUMBER_SERIES"]["verifiable"] is True  # eAccounting tells the next number
    assert "next customer number" in checks["CUSTOMER_NUMBER_SERIES"]["found"]
    assert "next invoice number" in checks["INVOICE_NUMBER_SERIES"]["found"]
    r = await stack.sandbox("eaccounting", "POST", f"/_control/accounts/{ea['accountId']}/fiscal-year",
                            json={"present": True})
    assert r.status_code == 200, r.text
    again = by_code((await stack.gql(PREFLIGHT, {"id": integ}))["preflightChecks"]["checks"])
    assert again["FISCAL_YEAR"]["status"] == "OK", again["FISCAL_YEAR"]


async def test_eaccounting_without_the_accounting_scope_says_what_could_not_be_checked(stack: Stack) -> None:
    integ = await integration(stack, "RACKBEAT", "EACCOUNTING")
    await connect_eaccounting(stack, integ, scopes=["ea:api", "offline_access", "ea:sales"])
    checks = by_code((await stack.gql(PREFLIGHT, {"id": integ}))["preflightChecks"]["checks"])
    assert checks["VAT_SETUP"]["status"] == "WARNING" and "Could not be checked" in checks["VAT_SETUP"]["explanation"]
    assert checks["FISCAL_YEAR"]["status"] == "OK"  # fiscal years take the sales scope too


# -- the connection test: each missing permission, and how to grant it ---------------------------------------


async def test_rackbeat_to_tripletex_names_each_missing_access_and_how_to_grant_it(stack: Stack) -> None:
    integ = await integration(stack, "RACKBEAT", "TRIPLETEX")
    conn_id, tx = await connect_tripletex(stack, integ)
    tested = (await stack.gql(TEST, {"id": conn_id}))["testConnection"]
    assert tested["status"] == "OK", tested
    assert {"customers", "suppliers", "products", "sales orders", "customer invoices"} <= \
        {c["name"] for c in tested["checks"]}
    r = await stack.sandbox("tripletex", "POST", f"/_control/accounts/{tx['accountId']}/access",
                            json={"denied": ["supplier", "invoice"]})
    assert r.status_code == 200, r.text
    tested = (await stack.gql(TEST, {"id": conn_id}))["testConnection"]
    failing = {c["name"]: c["message"] for c in tested["checks"] if not c["ok"]}
    assert tested["status"] == "FAILED"
    assert set(failing) == {"suppliers", "customer invoices", "invoice payment types"}, failing
    assert "no access to suppliers" in failing["suppliers"] and "Leverandører" in failing["suppliers"]
    assert "API access" in failing["customer invoices"] and "Faktura" in failing["customer invoices"]


async def test_rackbeat_to_eaccounting_names_a_missing_scope_and_how_to_grant_it(stack: Stack) -> None:
    integ = await integration(stack, "RACKBEAT", "EACCOUNTING")
    conn_id, _ = await connect_eaccounting(stack, integ, scopes=["ea:api", "offline_access", "ea:accounting"])
    tested = (await stack.gql(TEST, {"id": conn_id}))["testConnection"]
    checks = {c["name"]: c for c in tested["checks"]}
    assert tested["status"] == "FAILED"
    assert checks["ea:api"]["ok"] and checks["ea:accounting"]["ok"] and checks["offline_access"]["ok"]
    sales = checks["ea:sales"]
    assert not sales["ok"] and "lacks ea:sales" in sales["message"] and "authorize again" in sales["message"]
