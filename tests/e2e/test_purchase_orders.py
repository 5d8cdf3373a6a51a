"""Rackbeat purchase orders → Tripletex purchase orders (issue 5), when the setting is on: over real HTTP, through
Rackbeat's webhook and transferDocument, exactly once — also when Tripletex acts and then answers 500."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.flow import Setup, onboard, rackbeat_get, set_faults, transfers, tripletex_state, wait_for_transfer
from tests.support.backends import Backend
from tests.support.stack import Stack, running_stack

PO_ON = """mutation($id: ID!, $on: Boolean!) { updateSettings(integrationId: $id, input: {transferPurchaseOrders: $on})
  { transferPurchaseOrders } }"""
TRANSFER = """mutation($id: ID!, $ref: String!) { transferDocument(integrationId: $id, kind: PURCHASE_ORDER,
  sourceRef: $ref) { id status } }"""


async def book_purchase_order(stack: Stack, setup: Setup, *, lines: int = 2, suppress_webhooks: bool = False,
                              supplier: int | None = None) -> int:
    headers = {"Authorization": f"Bearer {setup.rackbeat['token']}"}
    if supplier is None:
        supplier = int((await rackbeat_get(stack, setup, "suppliers?limit=1"))["suppliers"][0]["number"])
    products = (await rackbeat_get(stack, setup, f"products?limit={lines}"))["products"]
    body = {"supplier_id": supplier,
            "lines": [{"item_id": p["number"], "quantity": 5 + i, "line_price": 40 + 5 * i} for i, p in
                      enumerate(products)]}
    draft = await stack.sandbox("rackbeat", "POST", "/api/purchase-orders/drafts", json=body, headers=headers)
    assert draft.status_code == 201, draft.text
    number = int(draft.json()["purchase_order"]["number"])
    booked = await stack.sandbox("rackbeat", "POST", f"/api/purchase-orders/{number}/book",
                                 json={"suppress_webhooks": True} if suppress_webhooks else {}, headers=headers)
    assert booked.status_code == 200, booked.text
    return number


def ours(state: dict[str, Any], number: int) -> list[dict[str, Any]]:
    return [po for po in state["purchaseOrders"] if po.get("internalComment") == f"bokbro:RB-PO-{number}"]


async def test_purchase_orders_follow_only_when_the_setting_is_on(stack: Stack) -> None:
    setup = await onboard(stack)
    # off (the default): the webhook is acknowledged and nothing is transferred; asking by hand explains why
    off = await book_purchase_order(stack, setup)
    row = (await stack.gql(TRANSFER, {"id": setup.integration_id, "ref": str(off)}))["transferDocument"]
    failed = await wait_for_transfer(stack, setup, str(off), ("FAILED",))
    assert failed["id"] == row["id"] and "transfer purchase orders" in failed["error"]["explanation"]
    assert len(await transfers(stack, setup)) == 1  # the webhook made no transfer of its own
    assert not (await tripletex_state(stack, setup))["purchaseOrders"]

    assert (await stack.gql(PO_ON, {"id": setup.integration_id, "on": True}))["updateSettings"] == {
        "transferPurchaseOrders": True}
    number = await book_purchase_order(stack, setup, lines=3)
    done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED", "FAILED"))
    assert done["status"] == "SUCCEEDED" and done["kind"] == "PURCHASE_ORDER" and done["trigger"] == "webhook", done
    state = await tripletex_state(stack, setup)
    [po] = ours(state, number)
    assert str(po["id"]) == done["targetRef"]
    assert len(po["orderLines"]) == 3
    # 5 × 40 + 6 × 45 + 7 × 50 = 820 excl. VAT, as booked in Rackbeat
    rb = (await rackbeat_get(stack, setup, f"purchase-orders/{number}"))["purchase_order"]
    assert abs(po["amountExcludingVat"] - float(rb["total_subtotal"])) < 0.01
    assert abs(po["amountExcludingVat"] - 820) < 0.01
    [supplier] = state["suppliers"]
    assert supplier["supplierNumber"] == int(rb["supplier_id"]) and po["supplier"]["id"] == supplier["id"]

    # asked again by hand, and the earlier one resent after the setting went on: still one each
    again = (await stack.gql(TRANSFER, {"id": setup.integration_id, "ref": str(number)}))["transferDocument"]
    assert again["id"] == done["id"]
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": failed["id"]})
    await wait_for_transfer(stack, setup, str(off), ("SUCCEEDED",))
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": done["id"]})
    await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    state = await tripletex_state(stack, setup)
    assert len(ours(state, number)) == 1 and len(ours(state, off)) == 1 and len(state["purchaseOrders"]) == 2


async def test_purchase_orders_survive_commit_then_500_exactly_once(be: Backend) -> None:
    async with running_stack(be, http_timeout_seconds=0.5, max_attempts=30, retry_max_seconds=0.5) as stack:
        setup = await onboard(stack)
        await stack.gql(PO_ON, {"id": setup.integration_id, "on": True})
        await set_faults(stack, "tripletex", setup.tripletex["accountId"], error_5xx_rate=0.05,
                         commit_then_500_rate=0.2, timeout_rate=0.03, timeout_seconds=1.0, seed=5)
        numbers = [await book_purchase_order(stack, setup) for _ in range(4)]
        for number in numbers:
            done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED", "FAILED"), timeout=90)
            assert done["status"] == "SUCCEEDED", json.dumps(done)
        state = await tripletex_state(stack, setup)
        for number in numbers:
            [po] = ours(state, number)
            assert len(po["orderLines"]) == 2, po
        assert len(state["purchaseOrders"]) == 4 and len(state["suppliers"]) == 1
        faults = (await stack.sandbox("tripletex", "GET",
                                      f"/_control/accounts/{setup.tripletex['accountId']}/faults")).json()
        injected = faults.get("injected") or (faults.get("faults") or {}).get("injected") or {}
        assert injected.get("commit_then_500", 0) >= 1, faults  # the dangerous case did happen
