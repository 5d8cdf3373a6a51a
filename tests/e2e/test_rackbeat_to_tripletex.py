"""Issue 2's story end to end, over real HTTP and WebSocket, on both back-ends: a booked Rackbeat invoice
lands in Tripletex, live in the transfer log, exactly once."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

from tests.e2e.flow import (
    TRANSFER_FIELDS,
    book_invoice,
    book_invoice_with_lines,
    onboard,
    rackbeat_get,
    set_faults,
    transfers,
    tripletex_state,
    wait_for_transfer,
)
from tests.support.backends import Backend
from tests.support.stack import Stack, running_stack, wait_for

SUBSCRIPTION = f"subscription($id: ID) {{ transferUpdated(integrationId: $id) {{ {TRANSFER_FIELDS} }} }}"


async def collect_until(queue: asyncio.Queue[dict[str, Any]], final: set[str], timeout: float = 30) -> list[str]:
    seen: list[str] = []
    async with asyncio.timeout(timeout):
        while True:
            event = await queue.get()
            assert "errors" not in event, event
            seen.append(event["transferUpdated"]["status"])
            if seen[-1] in final:
                return seen


async def test_booked_invoice_becomes_a_tripletex_invoice_live(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    async with stack.subscribe(SUBSCRIPTION, {"id": setup.integration_id}) as events:
        number = await book_invoice(stack, setup)
        statuses = await collect_until(events, {"SUCCEEDED", "FAILED"})
    assert statuses == ["QUEUED", "RUNNING", "SUCCEEDED"], statuses
    transfer = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    assert transfer["kind"] == "INVOICE" and transfer["mode"] == "INVOICE" and transfer["trigger"] == "webhook"
    assert transfer["targetRef"] and transfer["attempts"] == 1 and transfer["error"] is None
    state = await tripletex_state(stack, setup)
    assert len(state["invoices"]) == 1
    invoice = state["invoices"][0]
    assert str(invoice["id"]) == transfer["targetRef"]
    assert invoice["sentToCustomer"] is False  # sendToCustomer is always passed explicitly
    # customer and products were made sure to exist first
    assert len(state["customers"]) == 1 and len(state["products"]) == 2
    # the amounts match Rackbeat's: 2 × 100 − 10 % + 3 × 110 = 510 excl. VAT
    assert abs(float(invoice["amountExcludingVat"]) - 510.0) < 0.01


async def test_order_mode_makes_an_editable_order_and_no_invoice(stack: Stack) -> None:
    setup = await onboard(stack, mode="ORDER")
    number = await book_invoice(stack, setup)
    transfer = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED", "FAILED"))
    assert transfer["status"] == "SUCCEEDED" and transfer["mode"] == "ORDER", transfer
    state = await tripletex_state(stack, setup)
    assert len(state["orders"]) == 1 and state["invoices"] == []
    order = state["orders"][0]
    assert str(order["id"]) == transfer["targetRef"]
    assert order["isPrioritizeAmountsIncludingVat"] is False


async def test_duplicates_of_every_kind_leave_one_document(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    await set_faults(stack, "rackbeat", setup.rackbeat["accountId"], webhook_duplicate_rate=1.0, seed=1)
    number = await book_invoice(stack, setup)
    first = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    mutation = ("mutation($id: ID!, $ref: String!) { transferDocument(integrationId: $id, kind: INVOICE, "
                f"sourceRef: $ref) {{ {TRANSFER_FIELDS} }} }}")
    again = [await stack.gql(mutation, {"id": setup.integration_id, "ref": str(number)}) for _ in range(2)]
    assert {a["transferDocument"]["id"] for a in again} == {first["id"]}
    resent = await stack.gql(f"mutation($id: ID!) {{ resendTransfer(id: $id) {{ {TRANSFER_FIELDS} }} }}",
                             {"id": first["id"]})
    assert resent["resendTransfer"]["id"] == first["id"]

    async def settled() -> bool:
        t = (await transfers(stack, setup))[0]
        return t["status"] == "SUCCEEDED" and t["attempts"] == 2

    await wait_for(settled)
    listed = await transfers(stack, setup)
    assert len(listed) == 1 and listed[0]["targetRef"] == first["targetRef"]
    state = await tripletex_state(stack, setup)
    assert len(state["invoices"]) == 1 and len(state["orders"]) == 1


async def test_resend_recreates_an_order_that_was_deleted_in_tripletex(stack: Stack) -> None:
    setup = await onboard(stack, mode="ORDER")
    number = await book_invoice(stack, setup)
    first = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    r = await stack.sandbox("tripletex", "DELETE",
                            f"/_control/accounts/{setup.tripletex['accountId']}/orders/{first['targetRef']}")
    assert r.status_code in (200, 204), r.text
    assert (await tripletex_state(stack, setup))["orders"] == []
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": first["id"]})

    async def recreated() -> dict[str, Any] | None:
        t = (await transfers(stack, setup))[0]
        return t if t["status"] == "SUCCEEDED" and t["targetRef"] != first["targetRef"] else None

    await wait_for(recreated)
    assert len((await tripletex_state(stack, setup))["orders"]) == 1


async def test_a_refusal_fails_at_once_with_the_reason_and_an_explanation(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE", bank_account=False)
    number = await book_invoice(stack, setup)
    failed = await wait_for_transfer(stack, setup, str(number), ("FAILED", "SUCCEEDED"))
    assert failed["status"] == "FAILED", failed
    assert failed["attempts"] == 1  # a 422 is not retried
    assert failed["error"]["code"].startswith("TRIPLETEX_422")
    assert "bankkontonummer" in failed["error"]["message"] or "bank account" in failed["error"]["message"]
    assert "bank account number" in failed["error"]["explanation"]
    assert "bankkontonummer" in failed["error"]["explanationNo"]
    await asyncio.sleep(1.5)  # nothing retries behind our back
    again = (await transfers(stack, setup))[0]
    assert again["attempts"] == 1 and again["status"] == "FAILED"
    assert (await tripletex_state(stack, setup))["invoices"] == []
    # fix the cause, resend: it goes through
    r = await stack.sandbox("tripletex", "POST", f"/_control/accounts/{setup.tripletex['accountId']}/bank-account",
                            json={"registered": True})
    assert r.status_code in (200, 204), r.text
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": failed["id"]})
    done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    assert done["attempts"] == 2 and done["error"] is None
    assert len((await tripletex_state(stack, setup))["invoices"]) == 1


async def test_rate_limited_calls_wait_and_then_succeed(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    await set_faults(stack, "tripletex", setup.tripletex["accountId"], rate_limit_storm=2,
                     rate_limit_reset_seconds=1)
    async with stack.subscribe(SUBSCRIPTION, {"id": setup.integration_id}) as events:
        number = await book_invoice(stack, setup)
        statuses = await collect_until(events, {"SUCCEEDED", "FAILED"})
    assert statuses[-1] == "SUCCEEDED", statuses
    assert "RETRYING" in statuses
    done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    assert done["attempts"] >= 2
    assert len((await tripletex_state(stack, setup))["invoices"]) == 1


async def test_transfer_log_keeps_redacted_exchanges(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    number = await book_invoice(stack, setup)
    done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    r = await stack.http.post(f"{stack.base_url}/graphql", headers={"Authorization": f"Bearer {stack.token}"},
                              json={"query": "query($id: ID!) { transfer(id: $id) { attemptLog { number status "
                                             "exchanges } } }", "variables": {"id": done["id"]}})
    text = r.text
    attempt = r.json()["data"]["transfer"]["attemptLog"][0]
    systems = {e["system"] for e in attempt["exchanges"]}
    assert systems == {"rackbeat", "tripletex"}
    assert any(e["method"] == "POST" and "/invoice" in e["url"] for e in attempt["exchanges"])
    for secret in (setup.rackbeat["token"], setup.tripletex["consumerToken"], setup.tripletex["employeeToken"]):
        assert secret not in text


async def test_webhooks_are_verified(stack: Stack) -> None:
    setup = await onboard(stack)
    url = f"{stack.base_url}/webhooks/rackbeat/{setup.integration_id}"
    body = {"key": 1, "key_name": "number", "event": "invoice.booked", "data": {}}
    wrong = await stack.http.post(url, json=body, headers={"Rackbeat-Webhook-Token": "x" * 32,
                                                           "Rackbeat-Webhook-Event": "invoice.booked"})
    assert wrong.status_code == 401
    missing = await stack.http.post(url, json=body)
    assert missing.status_code == 401
    not_json = await stack.http.post(url, content=b"{not json", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400
    unknown = await stack.http.post(f"{stack.base_url}/webhooks/rackbeat/nope", json=body)
    assert unknown.status_code == 404
    assert await transfers(stack, setup) == []


async def test_outages_commit_then_500_and_timeouts_end_in_exactly_one_invoice(be: Backend) -> None:
    """Tripletex fails in every way a network service can: some calls answer 500 without acting, some act
    and then answer 500, some hang past our timeout. Retries must end in one invoice, never two."""
    async with running_stack(be, http_timeout_seconds=0.5, max_attempts=30, retry_max_seconds=0.5) as stack:
        setup = await onboard(stack, mode="INVOICE")
        await set_faults(stack, "tripletex", setup.tripletex["accountId"], error_5xx_rate=0.05,
                         commit_then_500_rate=0.1, timeout_rate=0.05, timeout_seconds=1.0, seed=11)
        numbers = [await book_invoice(stack, setup) for _ in range(3)]
        for number in numbers:
            done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED", "FAILED"), timeout=90)
            assert done["status"] == "SUCCEEDED", json.dumps(done)
        faults = (await stack.sandbox("tripletex", "GET",
                                      f"/_control/accounts/{setup.tripletex['accountId']}/faults")).json()
        injected = faults.get("injected") or (faults.get("faults") or {}).get("injected") or {}
        assert injected.get("commit_then_500", 0) >= 1, faults  # the dangerous case did happen
        state = await tripletex_state(stack, setup)
        assert len(state["invoices"]) == 3, [i.get("orderId") for i in state["invoices"]]
        assert len(state["orders"]) == 3
        assert len(state["customers"]) == 1
        listed = await transfers(stack, setup)
        assert sum(t["attempts"] for t in listed) > 3  # it really had to retry


async def test_invoices_for_one_new_customer_at_the_same_moment_make_one_customer(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    numbers = await asyncio.gather(*(book_invoice(stack, setup) for _ in range(4)))
    for number in numbers:
        done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED", "FAILED"))
        assert done["status"] == "SUCCEEDED", json.dumps(done)
        assert done["attempts"] == 1, json.dumps(done)  # no run died and had to be taken over
    state = await tripletex_state(stack, setup)
    assert len(state["invoices"]) == 4
    assert len(state["customers"]) == 1 and len(state["products"]) == 2


async def test_an_invoice_with_a_bom_line_is_exact_in_tripletex(stack: Stack) -> None:
    """A BOM (Rackbeat "lot") sold on an invoice: Tripletex has no BOMs, so the BOM is a product of its own (its
    number, name and price) and the line refers to it; the amounts are Rackbeat's to the øre (README, "BOMs in
    Tripletex")."""
    setup = await onboard(stack, mode="INVOICE")
    lot = (await rackbeat_get(stack, setup, "lots?limit=1"))["lots"][0]
    number = await book_invoice_with_lines(stack, setup, [
        {"item_id": lot["number"], "quantity": 2, "line_price": 450},
        {"quantity": 1, "line_price": 200}])
    done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED", "FAILED"))
    assert done["status"] == "SUCCEEDED", json.dumps(done)
    rb = (await rackbeat_get(stack, setup, f"customer-invoices/{number}"))["customer_invoice"]
    state = await tripletex_state(stack, setup)
    [invoice] = state["invoices"]
    assert Decimal(str(invoice["amountExcludingVat"])) == Decimal(str(rb["total_subtotal"])) == Decimal("1100")
    bom = next(p for p in state["products"] if p["number"] == str(lot["number"]))
    assert bom["name"] == lot["name"]
    [order] = state["orders"]
    lines = order["orderLines"]
    [bom_line] = [line for line in lines if (line["product"] or {}).get("id") == bom["id"]]
    assert Decimal(str(bom_line["count"])) == 2 and Decimal(str(bom_line["unitPriceExcludingVatCurrency"])) == 450


async def test_resend_with_email_sends_the_invoice_already_in_tripletex_once(stack: Stack) -> None:
    """An invoice went over without being sent (setting: do not send). A resend with ``sendEmail: true`` sends the
    invoice that is there — no second invoice — and a second such resend does not send it twice."""
    setup = await onboard(stack, mode="INVOICE")
    number = await book_invoice(stack, setup)
    done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    [invoice] = (await tripletex_state(stack, setup))["invoices"]
    assert invoice["sentToCustomer"] is False and invoice["sendCount"] == 0

    for attempt in (2, 3):
        await stack.gql("mutation($id: ID!) { resendTransfer(id: $id, sendEmail: true) { id } }", {"id": done["id"]})

        async def resent(attempts: int = attempt) -> dict[str, Any] | None:
            t = (await transfers(stack, setup))[0]
            return t if t["status"] == "SUCCEEDED" and t["attempts"] == attempts else None

        await wait_for(resent)
        [invoice] = (await tripletex_state(stack, setup))["invoices"]
        assert invoice["sentToCustomer"] is True and invoice["sendCount"] == 1, invoice
        assert str(invoice["id"]) == done["targetRef"]
