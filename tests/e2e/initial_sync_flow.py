"""Steps of the initial sync, as the onboarding wizard or a partner script takes them over GraphQL and HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from backend.connectors.tripletex import TripletexClient
from tests.support.stack import Stack

PROGRESS_FIELDS = """integrationId status direction runs percent currentEntity error
  entities { entity total created linked skipped failed done percent finished }"""

GROUPS = {  # what the user makes in Rackbeat before the sync ("I have groups, next")
    "customer-groups": {"name": "Kunder"},
    "supplier-groups": {"name": "Leverandører"},
    "product-groups": {"name": "Lagervarer", "has_inventory": True},
    "product-groups#service": {"name": "Tjenester", "has_inventory": False},
}


@dataclass
class SyncSetup:
    integration_id: str
    rackbeat: dict[str, Any]
    accounting: dict[str, Any]
    sandbox_base: str  # where the sandboxes are served (the stack itself, or a separate sandbox server)


async def rackbeat(stack: Stack, setup: SyncSetup, method: str, path: str, **kw: Any) -> httpx.Response:
    return await stack.sandbox("rackbeat", method, f"/api/{path.lstrip('/')}",
                               headers={"Authorization": f"Bearer {setup.rackbeat['token']}"}, **kw)


async def rackbeat_state(stack: Stack, setup: SyncSetup) -> dict[str, Any]:
    r = await stack.sandbox("rackbeat", "GET", f"/_control/accounts/{setup.rackbeat['accountId']}/state")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def make_groups(stack: Stack, token: str, which: tuple[str, ...] = tuple(GROUPS)) -> None:
    for key in which:
        path = key.split("#")[0]
        r = await stack.sandbox("rackbeat", "POST", f"/api/{path}", json=GROUPS[key],
                                headers={"Authorization": f"Bearer {token}"})
        assert r.status_code in (200, 201), r.text


async def fill_tripletex(sandbox_base: str, creds: dict[str, Any], *, customers: int = 24, suppliers: int = 6,
                         products: int = 30) -> None:
    """A small Tripletex company, made through Tripletex's API: customers (one with an invalid organisation number),
    suppliers, stock and non-stock products, and an employee with and one without an e-mail address."""
    async with httpx.AsyncClient(timeout=30) as http:
        tx = TripletexClient(f"{sandbox_base}/sandbox/tripletex/v2", creds["consumerToken"], creds["employeeToken"],
                             http=http)
        for i in range(customers):
            body: dict[str, Any] = {"name": f"Kunde {i} AS", "customerNumber": 10_000 + i, "isCustomer": True,
                                    "email": f"post{i}@kunde.example", "invoicesDueIn": 30 if i % 3 else 14,
                                    "invoicesDueInType": "DAYS",
                                    "postalAddress": {"addressLine1": f"Gate {i}", "postalCode": "0150",
                                                      "city": "Oslo"}}
            if i == 5:
                body["organizationNumber"] = "123456789"  # fails the modulus-11 check
            await tx.create_customer(body)
        for i in range(suppliers):
            await tx._value("POST", "supplier", json_body={"name": f"Leverandør {i} AS", "supplierNumber": 20_000 + i,
                                                           "isSupplier": True})
        for i in range(products):
            await tx.create_product({"name": f"Vare {i}", "number": str(1000 + i), "isStockItem": i % 5 != 0,
                                     "priceExcludingVatCurrency": 100 + i, "costExcludingVatCurrency": 50})


async def onboard_for_sync(stack: Stack, *, target: str = "TRIPLETEX", sandbox_base: str | None = None,
                           base_urls: dict[str, str] | None = None,
                           tripletex_account: dict[str, Any] | None = None, demo: bool = False) -> SyncSetup:
    """An integration Rackbeat ↔ Tripletex with an empty Rackbeat and a small Tripletex company made through its
    API; or, with ``demo``, both sandboxes' demo companies (Rackbeat's has groups and data of its own)."""
    assert target == "TRIPLETEX"
    seed = "demo" if demo else "empty"
    rb = (await stack.sandbox("rackbeat", "POST", "/_control/accounts", json={"seed": seed})).json()
    tx = (await stack.sandbox("tripletex", "POST", "/_control/accounts",
                              json={"seed": seed, **(tripletex_account or {})})).json()
    base = sandbox_base or stack.base_url
    if not demo:
        await fill_tripletex(base, tx)
    integ = await stack.gql(
        """mutation($i: StartOnboardingInput!) { startOnboarding(input: $i) { id } }""",
        {"i": {"companyName": "Fjellsport AS", "contactPerson": "Kari Nordmann", "email": "kari@fjellsport.example",
               "source": "RACKBEAT", "target": "TRIPLETEX"}})
    integration_id = integ["startOnboarding"]["id"]
    for system, creds in (("RACKBEAT", {"token": rb["token"]}),
                          ("TRIPLETEX", {"consumerToken": tx["consumerToken"], "employeeToken": tx["employeeToken"]})):
        conn: dict[str, Any] = {"integrationId": integration_id, "system": system, "credentials": creds}
        if base_urls:
            conn["baseUrl"] = base_urls[system]
        await stack.gql("mutation($i: ConnectionInput!) { saveConnection(input: $i) { id } }", {"i": conn})
    return SyncSetup(integration_id, rb, tx, base)


async def accept_suggested_groups(stack: Stack, integration_id: str) -> list[dict[str, Any]]:
    """Save the suggested group (and payment-term) mappings, as the wizard's "confirm" does."""
    found = (await stack.gql(
        "query($id: ID!) { suggestMappings(integrationId: $id) { kind sourceKey targetKey targetName saved } }",
        {"id": integration_id}))["suggestMappings"]
    items = [{"kind": s["kind"], "sourceKey": s["sourceKey"], "targetKey": s["targetKey"]}
             for s in found if s["targetKey"]]
    await stack.gql("mutation($id: ID!, $m: [MappingInput!]!) { setMappings(integrationId: $id, input: $m) { id } }",
                    {"id": integration_id, "m": items})
    return found  # type: ignore[no-any-return]


PREVIEW = """query($id: ID!, $e: [String!]) { previewInitialSync(integrationId: $id, entities: $e) {
  direction ready alreadyStarted blocking conflictCount notSupported
  entities { entity total create link skip sample }
  conflicts { entity sourceKey code message action } } }"""
START = f"""mutation($id: ID!, $e: [String!]) {{ startInitialSync(integrationId: $id, entities: $e) {{
  {PROGRESS_FIELDS} }} }}"""
PROGRESS = f"query($id: ID!) {{ initialSync(integrationId: $id) {{ {PROGRESS_FIELDS} }} }}"
SUBSCRIBE = f"subscription($id: ID!) {{ initialSyncProgress(integrationId: $id) {{ {PROGRESS_FIELDS} }} }}"
RECORDS = """query($id: ID!, $s: [InitialSyncRecordStatus!]) { initialSyncRecords(integrationId: $id, status: $s,
  first: 500) { entity sourceKey targetKey status errorCode errorMessage notes attempts } }"""
