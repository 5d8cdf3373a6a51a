"""Steps of the Rackbeat → Tripletex story, as a partner script would take them over GraphQL and HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.stack import Stack, wait_for

TRANSFER_FIELDS = """id integrationId kind sourceRef targetRef mode status attempts trigger
  error { code message explanation explanationNo } createdAt updatedAt"""


@dataclass
class Setup:
    integration_id: str
    rackbeat: dict[str, Any]  # control-API answer: accountId, token, ...
    tripletex: dict[str, Any]  # accountId, consumerToken, employeeToken, ...


async def create_accounts(stack: Stack, *, bank_account: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    rb = await stack.sandbox("rackbeat", "POST", "/_control/accounts", json={"seed": "demo"})
    assert rb.status_code == 201, rb.text
    tx = await stack.sandbox("tripletex", "POST", "/_control/accounts",
                             json={"seed": "empty", "bankAccount": bank_account})
    assert tx.status_code == 201, tx.text
    return rb.json(), tx.json()


async def onboard(stack: Stack, *, mode: str = "INVOICE", bank_account: bool = True,
                  base_urls: dict[str, str] | None = None) -> Setup:
    rb, tx = await create_accounts(stack, bank_account=bank_account)
    integ = await stack.gql(
        """mutation($i: StartOnboardingInput!) { startOnboarding(input: $i) { id } }""",
        {"i": {"companyName": "Fjellsport AS", "contactPerson": "Kari Nordmann", "email": "kari@fjellsport.example",
               "source": "RACKBEAT", "target": "TRIPLETEX"}})
    integration_id = integ["startOnboarding"]["id"]
    save = "mutation($i: ConnectionInput!) { saveConnection(input: $i) { id } }"
    test = "mutation($id: ID!) { testConnection(id: $id) { status webhooksRegistered checks { name ok message } } }"
    for system, creds in (("RACKBEAT", {"token": rb["token"]}),
                          ("TRIPLETEX", {"consumerToken": tx["consumerToken"], "employeeToken": tx["employeeToken"]})):
        conn_input = {"integrationId": integration_id, "system": system, "credentials": creds}
        if base_urls:
            conn_input["baseUrl"] = base_urls[system]
        conn = await stack.gql(save, {"i": conn_input})
        tested = (await stack.gql(test, {"id": conn["saveConnection"]["id"]}))["testConnection"]
        failing = [c for c in tested["checks"] if not c["ok"]]
        if system == "TRIPLETEX" and not bank_account:
            assert [c["name"] for c in failing] == ["bank account number"], tested
        else:
            assert tested["status"] == "OK", tested
        if system == "RACKBEAT":
            assert tested["webhooksRegistered"], tested
    await stack.gql("mutation($id: ID!, $m: TransferMode!) { updateSettings(integrationId: $id, "
                    "input: {invoiceTransferMode: $m}) { invoiceTransferMode } }", {"id": integration_id, "m": mode})
    return Setup(integration_id, rb, tx)


async def rackbeat_get(stack: Stack, setup: Setup, path: str) -> Any:
    r = await stack.sandbox("rackbeat", "GET", f"/api/{path.lstrip('/')}",
                            headers={"Authorization": f"Bearer {setup.rackbeat['token']}"})
    assert r.status_code in (200, 206), r.text
    return r.json()


async def book_invoice(stack: Stack, setup: Setup, *, lines: int = 2, suppress_webhooks: bool = False) -> int:
    """Make and book a customer invoice in the Rackbeat sandbox, the way Rackbeat's clients do."""
    headers = {"Authorization": f"Bearer {setup.rackbeat['token']}"}
    customers = await rackbeat_get(stack, setup, "customers?limit=1")
    products = await rackbeat_get(stack, setup, f"products?limit={lines}")
    body = {
        "customer_id": customers["customers"][0]["number"],
        "lines": [
            {"item_id": p["number"], "quantity": 2 + i, "line_price": 100 + 10 * i,
             **({"discount_percentage": 10} if i == 0 else {})}
            for i, p in enumerate(products["products"])
        ],
    }
    draft = await stack.sandbox("rackbeat", "POST", "/api/customer-invoices/drafts", json=body, headers=headers)
    assert draft.status_code == 201, draft.text
    number = int(draft.json()["customer_invoice"]["number"])
    booked = await stack.sandbox("rackbeat", "POST", f"/api/customer-invoices/{number}/book",
                                 json={"suppress_webhooks": True} if suppress_webhooks else {},
                                 headers=headers)
    assert booked.status_code == 200, booked.text
    return number


async def tripletex_state(stack: Stack, setup: Setup) -> dict[str, Any]:
    r = await stack.sandbox("tripletex", "GET", f"/_control/accounts/{setup.tripletex['accountId']}/state")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def transfers(stack: Stack, setup: Setup, **filters: Any) -> list[dict[str, Any]]:
    data = await stack.gql(
        f"""query($id: ID, $status: [TransferStatus!]) {{ transfers(integrationId: $id, status: $status) {{
            edges {{ node {{ {TRANSFER_FIELDS} }} }} }} }}""",
        {"id": setup.integration_id, **filters})
    return [e["node"] for e in data["transfers"]["edges"]]


async def wait_for_transfer(stack: Stack, setup: Setup, source_ref: str, statuses: tuple[str, ...],
                            timeout: float = 30) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        for t in await transfers(stack, setup):
            if t["sourceRef"] == source_ref and t["status"] in statuses:
                return t
        return None

    return await wait_for(done, timeout=timeout)  # type: ignore[no-any-return]


async def set_faults(stack: Stack, system: str, account_id: str, **faults: Any) -> None:
    r = await stack.sandbox(system, "POST", f"/_control/accounts/{account_id}/faults", json=faults)
    assert r.status_code in (200, 204), r.text


async def book_invoice_with_lines(stack: Stack, setup: Setup, lines: list[dict[str, Any]], *,
                                  customer: int | None = None) -> int:
    """Make and book a Rackbeat customer invoice with exactly these lines (``item_id`` None: the n-th product of
    the demo data, n being the line's position), for the first customer unless one is given."""
    headers = {"Authorization": f"Bearer {setup.rackbeat['token']}"}
    products = (await rackbeat_get(stack, setup, f"products?limit={len(lines)}"))["products"]
    if customer is None:
        customer = int((await rackbeat_get(stack, setup, "customers?limit=1"))["customers"][0]["number"])
    body = {"customer_id": customer,
            "lines": [{**line, "item_id": line.get("item_id") or products[i]["number"]}
                      for i, line in enumerate(lines)]}
    draft = await stack.sandbox("rackbeat", "POST", "/api/customer-invoices/drafts", json=body, headers=headers)
    assert draft.status_code == 201, draft.text
    number = int(draft.json()["customer_invoice"]["number"])
    booked = await stack.sandbox("rackbeat", "POST", f"/api/customer-invoices/{number}/book", json={},
                                 headers=headers)
    assert booked.status_code == 200, booked.text
    return number
