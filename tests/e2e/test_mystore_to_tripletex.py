"""Mystore → Tripletex (seed 002): completed webshop orders become a paid Tripletex invoice or an editable order,
by payment method; over real HTTP, through the sandboxes' control APIs and bokbro's GraphQL and webhook routes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from backend.connectors.mystore import sign_webhook
from backend.sandbox.mystore.seed import CUSTOM_COMPLETED_STATUS
from tests.e2e.flow import TRANSFER_FIELDS, set_faults
from tests.support.stack import Stack, wait_for

SAVE = "mutation($i: ConnectionInput!) { saveConnection(input: $i) { id } }"
TEST = "mutation($id: ID!) { testConnection(id: $id) { status webhooksRegistered checks { name ok message } } }"
MAPPING_FIELDS = "id integrationId kind sourceKey targetKey options"


@dataclass
class MS:
    integration_id: str
    mystore: dict[str, Any]  # accountId, shop, token, webhookSecret
    tripletex: dict[str, Any]  # accountId, consumerToken, employeeToken


async def onboard(stack: Stack, *, bank_account: bool = True, vipps_sends_invoice: bool = False) -> MS:
    ms = await stack.sandbox("mystore", "POST", "/_control/accounts", json={"seed": "demo"})
    assert ms.status_code == 201, ms.text
    tx = await stack.sandbox("tripletex", "POST", "/_control/accounts",
                             json={"seed": "empty", "bankAccount": bank_account})
    assert tx.status_code == 201, tx.text
    integ = await stack.gql("mutation($i: StartOnboardingInput!) { startOnboarding(input: $i) { id } }",
                            {"i": {"companyName": "Garnly AS", "contactPerson": "Ida Berg",
                                   "email": "ida@garnly.example", "source": "MYSTORE", "target": "TRIPLETEX"}})
    setup = MS(integ["startOnboarding"]["id"], ms.json(), tx.json())
    for system, creds in (("MYSTORE", {"shop": setup.mystore["shop"], "token": setup.mystore["token"],
                                       "webhookSecret": setup.mystore["webhookSecret"]}),
                          ("TRIPLETEX", {"consumerToken": setup.tripletex["consumerToken"],
                                         "employeeToken": setup.tripletex["employeeToken"]})):
        conn = await stack.gql(SAVE, {"i": {"integrationId": setup.integration_id, "system": system,
                                            "credentials": creds}})
        tested = (await stack.gql(TEST, {"id": conn["saveConnection"]["id"]}))["testConnection"]
        if system == "MYSTORE":
            assert tested["status"] == "OK" and tested["webhooksRegistered"], tested
    # payment methods: take the suggestions (Vipps ↔ the Tripletex payment type named Vipps), invoice → ORDER
    suggested = (await stack.gql(
        "query($id: ID!) { suggestMappings(integrationId: $id) { kind sourceKey sourceName targetKey targetName "
        "options saved } }", {"id": setup.integration_id}))["suggestMappings"]
    by_code = {s["sourceKey"]: s for s in suggested}
    assert by_code["vipps"]["targetName"] == "Vipps" and by_code["vipps"]["options"]["transferAs"] == "INVOICE"
    assert by_code["invoice"]["options"] == {"transferAs": "ORDER", "sendInvoice": False, "markAsPaid": False}
    vipps = by_code["vipps"]
    saved = (await stack.gql(
        f"mutation($id: ID!, $m: [MappingInput!]!) {{ setMappings(integrationId: $id, input: $m) "
        f"{{ {MAPPING_FIELDS} }} }}",
        {"id": setup.integration_id, "m": [
            {"sourceKey": "vipps", "targetKey": vipps["targetKey"],
             "options": {**vipps["options"], "sendInvoice": vipps_sends_invoice}},
            {"sourceKey": "invoice", "options": {"transferAs": "ORDER"}}]}))["setMappings"]
    assert {m["sourceKey"] for m in saved} == {"vipps", "invoice"}
    listed = (await stack.gql(f"query($id: ID!) {{ mappings(integrationId: $id, kind: \"payment_method\") "
                              f"{{ {MAPPING_FIELDS} }} }}", {"id": setup.integration_id}))["mappings"]
    assert {m["sourceKey"]: m["options"]["markAsPaid"] for m in listed} == {"vipps": True, "invoice": False}
    return setup


async def mystore_api(stack: Stack, setup: MS, path: str) -> Any:
    r = await stack.sandbox("mystore", "GET", f"/shops/{setup.mystore['shop']}/{path}",
                            headers={"Authorization": f"Bearer {setup.mystore['token']}",
                                     "Accept": "application/vnd.api+json"})
    assert r.status_code == 200, r.text
    return r.json()


async def skus(stack: Stack, setup: MS, n: int = 2) -> list[str]:
    doc = await mystore_api(stack, setup, "products?page[size]=100")
    return [p["attributes"]["sku"] for p in doc["data"]
            if str(p["attributes"].get("tax_rate")) in ("25", "25.0", "25.00")
            and p["attributes"].get("status") == 1][:n]


async def place(stack: Stack, setup: MS, payment: str, *, customer: dict[str, Any] | None = None,
                customer_id: int | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "lines": [{"sku": sku, "quantity": 1 + i, "unitPriceInclVat": 200 + 100 * i}
                  for i, sku in enumerate(await skus(stack, setup))],
        "paymentMethod": payment, "shipping": {"method": "Posten", "price": 99}}
    if customer_id is not None:
        spec["customerId"] = customer_id
    else:
        spec["customer"] = customer
    r = await stack.sandbox("mystore", "POST", f"/_control/accounts/{setup.mystore['accountId']}/orders", json=spec)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def set_status(stack: Stack, setup: MS, order_id: int, status: str) -> None:
    r = await stack.sandbox("mystore", "POST",
                            f"/_control/accounts/{setup.mystore['accountId']}/orders/{order_id}/status",
                            json={"status": status})
    assert r.status_code == 200, r.text


async def delivered(stack: Stack, setup: MS, order_id: int, count: int) -> None:
    """Wait until ``count`` webhook deliveries for the order were answered."""
    async def done() -> bool:
        st = (await stack.sandbox("mystore", "GET", f"/_control/accounts/{setup.mystore['accountId']}/state")).json()
        return sum(1 for d in st["webhookDeliveries"] if d["orderId"] == order_id and d["status"]) >= count

    await wait_for(done, timeout=20)


async def transfers(stack: Stack, setup: MS) -> list[dict[str, Any]]:
    data = await stack.gql(f"query($id: ID) {{ transfers(integrationId: $id) {{ edges {{ node {{ {TRANSFER_FIELDS} "
                           "notes } } } }", {"id": setup.integration_id})
    return [e["node"] for e in data["transfers"]["edges"]]


async def finished(stack: Stack, setup: MS, order_id: int,
                   statuses: tuple[str, ...] = ("SUCCEEDED",)) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        return next((t for t in await transfers(stack, setup)
                     if t["sourceRef"] == str(order_id) and t["status"] in statuses), None)

    return await wait_for(done, timeout=30)  # type: ignore[no-any-return]


async def tx_state(stack: Stack, setup: MS) -> dict[str, Any]:
    r = await stack.sandbox("tripletex", "GET", f"/_control/accounts/{setup.tripletex['accountId']}/state")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def orders_numbered(state: dict[str, Any], number: str) -> list[dict[str, Any]]:
    return [o for o in state["orders"] if o.get("number") == number]


async def order_doc(stack: Stack, setup: MS, order_id: int) -> bytes:
    doc = await mystore_api(stack, setup, f"orders/{order_id}?include=order-products,order-status")
    return json.dumps(doc).encode()


async def post_webhook(stack: Stack, setup: MS, body: bytes, *, secret: str | None = None,
                       topic: str = "orders/update") -> Any:
    signature = sign_webhook(body, secret if secret is not None else setup.mystore["webhookSecret"])
    return await stack.http.post(f"{stack.base_url}/webhooks/mystore/{setup.integration_id}", content=body,
                                 headers={"X-No-Mystore-Topic": topic, "X-No-Mystore-Hmac-Sha256": signature,
                                          "X-No-Mystore-Host": setup.mystore["shop"],
                                          "Content-Type": "application/json"})


async def test_vipps_order_becomes_a_paid_invoice_once(stack: Stack) -> None:
    setup = await onboard(stack)
    order = await place(stack, setup, "vipps", customer_id=1)
    await delivered(stack, setup, order["orderId"], 1)  # orders/create: not completed yet → nothing
    assert not [t for t in await transfers(stack, setup) if t["sourceRef"] == str(order["orderId"])]
    await set_status(stack, setup, order["orderId"], "Sendt")
    done = await finished(stack, setup, order["orderId"])
    assert done["kind"] == "ORDER"

    state = await tx_state(stack, setup)
    number = f"MS-{order['orderId']}"
    [tx_order] = orders_numbered(state, number)
    [invoice] = [i for i in state["invoices"] if i["orderId"] == tx_order["id"]]
    assert str(invoice["id"]) == done["targetRef"]
    # totals are Mystore's, incl. the shipping line (and payment fee lines: none for Vipps)
    assert abs(invoice["amount"] - order["total"]) < 0.005, (invoice["amount"], order["total"])
    descriptions = [line["description"] for line in tx_order["orderLines"]]
    assert "Posten" in descriptions and len(descriptions) == order["lines"] + 1
    # registered as paid with the mapped payment type; not sent (the mapping says so)
    vipps_type = next(int(m["targetKey"]) for m in (await stack.gql(
        "query($id: ID!) { mappings(integrationId: $id) { sourceKey targetKey } }",
        {"id": setup.integration_id}))["mappings"] if m["sourceKey"] == "vipps")
    assert invoice["payments"] and invoice["payments"][0]["paymentTypeId"] == vipps_type
    assert abs(invoice["payments"][0]["paidAmount"] - order["total"]) < 0.005
    assert invoice["sentToCustomer"] is False
    # the customer: Mystore's customer number + 100000; products by SKU
    assert any(c.get("customerNumber") == 100001 for c in state["customers"])
    assert {p["number"] for p in state["products"]} >= set(await skus(stack, setup))

    # duplicated webhooks (the same status saved again, a replayed delivery, Mystore sending twice) → one document
    await set_faults(stack, "mystore", setup.mystore["accountId"], webhook_duplicate_rate=1.0, seed=1)
    await set_status(stack, setup, order["orderId"], "Sendt")
    body = await order_doc(stack, setup, order["orderId"])
    for _ in range(2):
        r = await post_webhook(stack, setup, body)
        assert r.status_code == 202 and r.json()["transferId"] == done["id"], r.text
    await delivered(stack, setup, order["orderId"], 4)
    state = await tx_state(stack, setup)
    assert len(orders_numbered(state, number)) == 1
    assert len([i for i in state["invoices"] if i["orderId"] == tx_order["id"]]) == 1
    assert len([t for t in await transfers(stack, setup) if t["sourceRef"] == str(order["orderId"])]) == 1


async def test_invoice_to_business_becomes_an_order_and_a_deleted_one_is_recreated(stack: Stack) -> None:
    setup = await onboard(stack)
    business = {"type": "business", "firstName": "Per", "lastName": "Hansen", "company": "Strikkeklubben AS",
                "organisationNumber": "923609016", "email": "post@strikkeklubben.example",
                "address": {"streetAddress": "Storgata 1", "postcode": "0150", "city": "Oslo", "countryCode": "NO"}}
    order = await place(stack, setup, "invoice", customer=business)
    await set_status(stack, setup, order["orderId"], "Sendt")
    done = await finished(stack, setup, order["orderId"])
    state = await tx_state(stack, setup)
    number = f"MS-{order['orderId']}"
    [tx_order] = orders_numbered(state, number)
    assert str(tx_order["id"]) == done["targetRef"]
    assert not state["invoices"], "an order paid by invoice is transferred as an editable order, not invoiced"
    assert abs(tx_order["amount"] - order["total"]) < 0.005, (tx_order["amount"], order["total"])
    assert len(tx_order["orderLines"]) == order["lines"] + 2  # + shipping + invoice fee
    [customer] = [c for c in state["customers"] if c.get("organizationNumber") == "923609016"]
    assert customer["name"] == "Strikkeklubben AS"

    # deleted in Tripletex → a resend makes it again (once)
    r = await stack.sandbox("tripletex", "DELETE",
                            f"/_control/accounts/{setup.tripletex['accountId']}/orders/{tx_order['id']}")
    assert r.status_code in (200, 204), r.text
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": done["id"]})

    async def recreated() -> dict[str, Any] | None:
        found = orders_numbered(await tx_state(stack, setup), number)
        return found[0] if found and found[0]["id"] != tx_order["id"] else None

    again = await wait_for(recreated, timeout=30)
    await finished(stack, setup, order["orderId"])
    assert len(orders_numbered(await tx_state(stack, setup), number)) == 1 and again["orderLines"]
    # the second order of the same guest business is the same Tripletex customer
    second = await place(stack, setup, "invoice", customer=business)
    await set_status(stack, setup, second["orderId"], "Sendt")
    await finished(stack, setup, second["orderId"])
    state = await tx_state(stack, setup)
    assert len([c for c in state["customers"] if c.get("organizationNumber") == "923609016"]) == 1


async def test_not_completed_statuses_and_bad_signatures_transfer_nothing(stack: Stack) -> None:
    setup = await onboard(stack)
    order = await place(stack, setup, "vipps", customer_id=2)
    await set_status(stack, setup, order["orderId"], "Under behandling")
    await delivered(stack, setup, order["orderId"], 2)
    assert not await transfers(stack, setup)

    # a completed order's document, signed with the wrong secret → 401, nothing queued
    await set_status(stack, setup, order["orderId"], "Kansellert")
    body = json.loads(await order_doc(stack, setup, order["orderId"]))
    for res in body.get("included", []):
        if res["type"] == "order-statuses":
            res["attributes"]["property"] = "completed"
    raw = json.dumps(body).encode()
    r = await post_webhook(stack, setup, raw, secret="not-the-secret")
    assert r.status_code == 401, r.text
    r = await stack.http.post(f"{stack.base_url}/webhooks/mystore/{setup.integration_id}", content=raw,
                              headers={"X-No-Mystore-Topic": "orders/update"})
    assert r.status_code == 401, r.text
    # a correctly signed but malformed body → 400
    r = await post_webhook(stack, setup, b'{"no": "order"}')
    assert r.status_code == 400, r.text
    r = await post_webhook(stack, setup, b"not json")
    assert r.status_code == 400, r.text
    await delivered(stack, setup, order["orderId"], 3)
    assert not await transfers(stack, setup)
    assert not (await tx_state(stack, setup))["orders"]


async def test_resend_with_send_email_off_is_not_sent_to_the_customer(stack: Stack) -> None:
    setup = await onboard(stack, bank_account=False, vipps_sends_invoice=True)
    order = await place(stack, setup, "vipps", customer_id=3)
    await set_status(stack, setup, order["orderId"], "Sendt")
    failed = await finished(stack, setup, order["orderId"], ("FAILED",))
    assert "bank account" in (failed["error"]["explanation"] or "")
    r = await stack.sandbox("tripletex", "POST", f"/_control/accounts/{setup.tripletex['accountId']}/bank-account",
                            json={"registered": True})
    assert r.status_code in (200, 204), r.text
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id, sendEmail: false) { id } }", {"id": failed["id"]})
    done = await finished(stack, setup, order["orderId"])
    [invoice] = (await tx_state(stack, setup))["invoices"]
    assert str(invoice["id"]) == done["targetRef"]
    assert invoice["sentToCustomer"] is False  # the mapping would send it; the resend said not to
    assert invoice["payments"], "still registered as paid"


TRANSFER_DOCUMENT = """mutation($id: ID!, $ref: String!, $mode: TransferMode) {
  transferDocument(integrationId: $id, kind: ORDER, sourceRef: $ref, mode: $mode) { id mode } }"""


async def test_transfer_document_and_resend_choose_invoice_or_order_per_order(stack: Stack) -> None:
    """The payment method's mapping is only the default: an invoice-to-business order can be sent as an invoice,
    a Vipps order as an editable order — and a resend as an invoice then invoices that same order, once, paid."""
    setup = await onboard(stack)
    await set_faults(stack, "mystore", setup.mystore["accountId"], webhook_drop_rate=1.0)  # by hand only
    b2b = await place(stack, setup, "invoice", customer_id=2)
    vipps = await place(stack, setup, "vipps", customer_id=3)
    for order in (b2b, vipps):
        await set_status(stack, setup, order["orderId"], "Sendt")

    await stack.gql(TRANSFER_DOCUMENT, {"id": setup.integration_id, "ref": str(b2b["orderId"]), "mode": "INVOICE"})
    as_invoice = await finished(stack, setup, b2b["orderId"])
    [invoice] = (await tx_state(stack, setup))["invoices"]
    assert str(invoice["id"]) == as_invoice["targetRef"] and as_invoice["mode"] == "INVOICE"
    assert not invoice["payments"], "an invoice to a business is not paid (its mapping: do not mark as paid)"

    await stack.gql(TRANSFER_DOCUMENT, {"id": setup.integration_id, "ref": str(vipps["orderId"]), "mode": "ORDER"})
    as_order = await finished(stack, setup, vipps["orderId"])
    state = await tx_state(stack, setup)
    assert len(state["invoices"]) == 1 and len(orders_numbered(state, f"MS-{vipps['orderId']}")) == 1

    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id, mode: INVOICE) { id } }", {"id": as_order["id"]})

    async def invoiced() -> dict[str, Any] | None:
        t = next(t for t in await transfers(stack, setup) if t["id"] == as_order["id"])
        return t if t["status"] == "SUCCEEDED" and t["mode"] == "INVOICE" and t["attempts"] == 2 else None

    await wait_for(invoiced)
    state = await tx_state(stack, setup)
    [order] = orders_numbered(state, f"MS-{vipps['orderId']}")
    [paid] = [i for i in state["invoices"] if i["orderId"] == order["id"]]
    assert paid["payments"], "a Vipps order invoiced later is still registered as paid"
    assert len(state["invoices"]) == 2 and len(state["orders"]) == 2


async def completed_vipps_invoice(stack: Stack, setup: MS, customer_id: int) -> dict[str, Any]:
    """Place a Vipps order, set it to "Sendt", wait for the transfer; Tripletex's invoice for it."""
    order = await place(stack, setup, "vipps", customer_id=customer_id)
    await set_status(stack, setup, order["orderId"], "Sendt")
    done = await finished(stack, setup, order["orderId"])
    state = await tx_state(stack, setup)
    [tx_order] = orders_numbered(state, f"MS-{order['orderId']}")
    [invoice] = [i for i in state["invoices"] if i["orderId"] == tx_order["id"]]
    assert str(invoice["id"]) == done["targetRef"]
    assert invoice["payments"], "a Vipps order is registered as paid, sent or not"
    return invoice  # type: ignore[no-any-return]


async def test_send_invoice_automatically_follows_the_payment_method_mapping(stack: Stack) -> None:
    """"Send the invoice automatically" per payment method: on → the Tripletex invoice is sent to the customer;
    off (the default) → it is not. The pair proves the setting is honoured, not a constant."""
    sends = await onboard(stack, vipps_sends_invoice=True)
    sent = await completed_vipps_invoice(stack, sends, customer_id=1)
    assert sent["sentToCustomer"] is True, sent

    keeps = await onboard(stack)  # the default mapping: vipps_sends_invoice=False
    kept = await completed_vipps_invoice(stack, keeps, customer_id=1)
    assert kept["sentToCustomer"] is False, kept


async def test_a_custom_completed_status_transfers_and_other_statuses_do_not(stack: Stack) -> None:
    """The trigger is the status's Completed property, not the name "Sendt": the demo shop's own status
    "Klar for henting" (Completed) transfers the order; "Under behandling" and "Kansellert" (not Completed) do not."""
    setup = await onboard(stack)
    pickup = await place(stack, setup, "vipps", customer_id=2)
    await set_status(stack, setup, pickup["orderId"], CUSTOM_COMPLETED_STATUS)
    done = await finished(stack, setup, pickup["orderId"])
    state = await tx_state(stack, setup)
    [tx_order] = orders_numbered(state, f"MS-{pickup['orderId']}")
    [invoice] = [i for i in state["invoices"] if i["orderId"] == tx_order["id"]]
    assert str(invoice["id"]) == done["targetRef"]
    assert abs(invoice["amount"] - pickup["total"]) < 0.005, (invoice["amount"], pickup["total"])

    other = await place(stack, setup, "vipps", customer_id=3)
    await set_status(stack, setup, other["orderId"], "Under behandling")
    await set_status(stack, setup, other["orderId"], "Kansellert")
    await delivered(stack, setup, other["orderId"], 3)  # orders/create + two orders/update, all answered
    assert not [t for t in await transfers(stack, setup) if t["sourceRef"] == str(other["orderId"])]
    state = await tx_state(stack, setup)
    assert not orders_numbered(state, f"MS-{other['orderId']}")
    assert len(state["orders"]) == 1 and len(state["invoices"]) == 1, "only the order set to the Completed status"


async def test_resend_with_email_sends_the_invoice(stack: Stack) -> None:
    """The mapping says not to send Vipps invoices (the customer has Vipps' receipt); the order failed (no bank
    account yet). Resent with ``sendEmail: true`` once fixed, its invoice is made and sent to the customer."""
    setup = await onboard(stack, bank_account=False, vipps_sends_invoice=False)
    order = await place(stack, setup, "vipps", customer_id=3)
    await set_status(stack, setup, order["orderId"], "Sendt")
    failed = await finished(stack, setup, order["orderId"], ("FAILED",))
    r = await stack.sandbox("tripletex", "POST", f"/_control/accounts/{setup.tripletex['accountId']}/bank-account",
                            json={"registered": True})
    assert r.status_code in (200, 204), r.text
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id, sendEmail: true) { id } }", {"id": failed["id"]})
    done = await finished(stack, setup, order["orderId"])
    [invoice] = (await tx_state(stack, setup))["invoices"]
    assert str(invoice["id"]) == done["targetRef"] and invoice["sentToCustomer"] is True and invoice["payments"]


async def test_a_payment_type_that_no_longer_exists_is_explained_then_fixed_by_the_mapping(stack: Stack) -> None:
    """Vipps is mapped to a Tripletex payment type that is not there (deleted in Tripletex, or a script's typo):
    Tripletex refuses the paid invoice; the transfer fails at once saying to map the payment method again, and
    after the mapping is fixed a resend makes one paid invoice."""
    setup = await onboard(stack)
    save = "mutation($id: ID!, $m: [MappingInput!]!) { setMappings(integrationId: $id, input: $m) { id } }"
    good = next(m for m in (await stack.gql(f"query($id: ID!) {{ mappings(integrationId: $id, kind: "
                                            f"\"payment_method\") {{ {MAPPING_FIELDS} }} }}",
                                            {"id": setup.integration_id}))["mappings"] if m["sourceKey"] == "vipps")
    await stack.gql(save, {"id": setup.integration_id, "m": [
        {"kind": "payment_method", "sourceKey": "vipps", "targetKey": "99999", "options": good["options"]}]})
    order = await place(stack, setup, "vipps", customer_id=2)
    await set_status(stack, setup, order["orderId"], "Sendt")
    failed = await finished(stack, setup, order["orderId"], ("FAILED", "SUCCEEDED"))
    assert failed["status"] == "FAILED" and failed["attempts"] == 1, json.dumps(failed)
    assert failed["error"]["code"].startswith("TRIPLETEX_422"), failed["error"]
    assert "payment type" in failed["error"]["explanation"] and "Betalingstyper" in failed["error"]["explanationNo"]
    state = await tx_state(stack, setup)
    assert state["invoices"] == [] and state["orders"] == []

    await stack.gql(save, {"id": setup.integration_id, "m": [
        {"kind": "payment_method", "sourceKey": "vipps", "targetKey": good["targetKey"], "options": good["options"]}]})
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": failed["id"]})

    async def done() -> dict[str, Any] | None:
        t = next(t for t in await transfers(stack, setup) if t["id"] == failed["id"])
        return t if t["status"] == "SUCCEEDED" else None

    await wait_for(done)
    [invoice] = (await tx_state(stack, setup))["invoices"]
    assert invoice["payments"], "registered as paid with the right payment type"
