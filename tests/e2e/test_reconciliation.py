"""Webhooks get lost; the ledger must not: reconciliation finds what is missing and transfers it."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any, Protocol

import pytest

from backend.connectors.tripletex import TripletexClient
from tests.e2e import test_mystore_to_tripletex as ms
from tests.e2e import test_rackbeat_to_eaccounting as ea
from tests.e2e.flow import (
    Setup,
    book_invoice,
    onboard,
    rackbeat_get,
    set_faults,
    transfers,
    tripletex_state,
    wait_for_transfer,
)
from tests.e2e.test_purchase_orders import PO_ON, book_purchase_order
from tests.support.backends import Backend
from tests.support.stack import GraphQLError, Stack, running_stack, wait_for

RECONCILE = """mutation($id: ID!, $from: Date!, $to: Date!, $transfer: Boolean!) {
  reconcile(integrationId: $id, dateFrom: $from, dateTo: $to, transferMissing: $transfer) {
    mode ok missing different extra transferred
    lines { sourceRef status sourceAmount targetRef targetKind targetAmount transferId transferStatus } } }"""


class HasIntegration(Protocol):
    integration_id: str


async def reconcile(stack: Stack, setup: HasIntegration, transfer: bool = False, days_back: int = 7) -> dict[str, Any]:
    today = date.today()
    data = await stack.gql(RECONCILE, {"id": setup.integration_id,
                                       "from": (today - timedelta(days=days_back)).isoformat(),
                                       "to": (today + timedelta(days=1)).isoformat(), "transfer": transfer})
    return data["reconcile"]  # type: ignore[no-any-return]


def by_ref(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["sourceRef"]: line for line in report["lines"]}


async def test_a_lost_webhook_is_found_and_transferred(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    delivered = await book_invoice(stack, setup)
    await wait_for_transfer(stack, setup, str(delivered), ("SUCCEEDED",))
    await set_faults(stack, "rackbeat", setup.rackbeat["accountId"], webhook_drop_rate=1.0)
    lost = await book_invoice(stack, setup)
    report = await reconcile(stack, setup)
    lines = {line["sourceRef"]: line for line in report["lines"]}
    assert lines[str(delivered)]["status"] == "OK", json.dumps(report)
    assert lines[str(delivered)]["sourceAmount"] == lines[str(delivered)]["targetAmount"] == 510.0
    assert lines[str(lost)]["status"] == "MISSING" and lines[str(lost)]["transferId"] is None
    assert (report["ok"], report["missing"], report["different"], report["extra"]) == (1, 1, 0, 0)
    assert report["transferred"] == []
    assert len(await transfers(stack, setup)) == 1  # a report alone changes nothing

    report = await reconcile(stack, setup, transfer=True)
    assert len(report["transferred"]) == 1
    await wait_for_transfer(stack, setup, str(lost), ("SUCCEEDED",))
    again = await reconcile(stack, setup, transfer=True)
    assert (again["ok"], again["missing"], again["transferred"]) == (2, 0, [])
    assert len((await tripletex_state(stack, setup))["invoices"]) == 2


async def test_an_invoice_deleted_in_tripletex_order_mode_shows_as_missing(stack: Stack) -> None:
    setup = await onboard(stack, mode="ORDER")
    number = await book_invoice(stack, setup)
    done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    report = await reconcile(stack, setup)
    assert report["mode"] == "ORDER" and report["ok"] == 1, json.dumps(report)
    assert report["lines"][0]["targetAmount"] == 510.0
    r = await stack.sandbox("tripletex", "DELETE",
                            f"/_control/accounts/{setup.tripletex['accountId']}/orders/{done['targetRef']}")
    assert r.status_code in (200, 204)
    report = await reconcile(stack, setup)
    assert report["missing"] == 1 and report["lines"][0]["transferStatus"] == "SUCCEEDED"


async def test_the_workers_reconcile_by_themselves(be: Backend) -> None:
    async with running_stack(be, reconcile_interval_seconds=1) as stack:
        setup = await onboard(stack, mode="INVOICE")
        # booked the day before the integration was made (its webhook long gone): history, perhaps entered by
        # hand in Tripletex already; the periodic run leaves it to a person to decide
        before = await book_dated(stack, setup, date.today() - timedelta(days=1))
        await set_faults(stack, "rackbeat", setup.rackbeat["accountId"], webhook_drop_rate=1.0)
        lost = await book_invoice(stack, setup)
        found = await wait_for_transfer(stack, setup, str(lost), ("SUCCEEDED",), timeout=30)
        assert found["trigger"] == "reconcile"

        async def in_ledger() -> bool:
            return len((await tripletex_state(stack, setup))["invoices"]) == 1

        await wait_for(in_ledger)
        await asyncio.sleep(2.5)  # two more rounds of the periodic reconciliation
        assert [t["sourceRef"] for t in await transfers(stack, setup)] == [str(lost)]
        asked = by_ref(await reconcile(stack, setup))  # a person asking sees it, and may transfer it
        assert asked[str(before)]["status"] == "MISSING" and asked[str(lost)]["status"] == "OK"


async def book_dated(stack: Stack, setup: Setup, day: date) -> int:
    """A Rackbeat invoice booked with this invoice date, without a webhook."""
    headers = {"Authorization": f"Bearer {setup.rackbeat['token']}"}
    customer = (await rackbeat_get(stack, setup, "customers?limit=1"))["customers"][0]["number"]
    product = (await rackbeat_get(stack, setup, "products?limit=1"))["products"][0]["number"]
    draft = await stack.sandbox("rackbeat", "POST", "/api/customer-invoices/drafts", headers=headers, json={
        "customer_id": customer, "invoice_date": day.isoformat(),
        "lines": [{"item_id": product, "quantity": 1, "line_price": 100}]})
    assert draft.status_code == 201, draft.text
    number = int(draft.json()["customer_invoice"]["number"])
    booked = await stack.sandbox("rackbeat", "POST", f"/api/customer-invoices/{number}/book", headers=headers,
                                 json={"suppress_webhooks": True})
    assert booked.status_code == 200, booked.text
    return number


async def test_rackbeat_to_eaccounting_invoices_and_drafts(stack: Stack) -> None:
    """eAccounting holds what bokbro made under ``OurReference`` = RB-<number>: booked invoices, and drafts when
    the setting says DRAFT. A lost webhook shows as MISSING and is transferred; a draft counts as done only for
    the DRAFT setting (for INVOICED it is a transfer stopped half-way), and a booked invoice always counts."""
    setup = await ea.onboard(stack, status="INVOICED")
    delivered = await book_invoice(stack, setup.rb)
    assert (await ea.settled(stack, setup, delivered))["status"] == "SUCCEEDED"
    await set_faults(stack, "rackbeat", setup.rackbeat["accountId"], webhook_drop_rate=1.0)
    lost = await book_invoice(stack, setup.rb)

    report = await reconcile(stack, setup)
    lines = by_ref(report)
    assert lines[str(delivered)]["status"] == "OK", json.dumps(report)
    assert lines[str(delivered)]["targetKind"] == "INVOICE"
    assert lines[str(delivered)]["sourceAmount"] == lines[str(delivered)]["targetAmount"] == 510.0
    assert lines[str(lost)]["status"] == "MISSING" and lines[str(lost)]["transferId"] is None
    assert (report["ok"], report["missing"], report["different"], report["extra"]) == (1, 1, 0, 0)

    report = await reconcile(stack, setup, transfer=True)
    assert len(report["transferred"]) == 1
    assert (await ea.settled(stack, setup, lost))["status"] == "SUCCEEDED"
    again = await reconcile(stack, setup, transfer=True)
    assert (again["ok"], again["missing"], again["transferred"]) == (2, 0, []), json.dumps(again)
    invoices = (await ea.state(stack, setup))["invoices"]
    assert sorted(i["OurReference"] for i in invoices) == sorted(f"RB-{n}" for n in (delivered, lost))

    # DRAFT: a draft is what is expected, and the invoices booked before still count
    await ea.settings(stack, setup, status="DRAFT")
    drafted = await book_invoice(stack, setup.rb)
    report = await reconcile(stack, setup, transfer=True)
    assert by_ref(report)[str(drafted)]["status"] == "MISSING" and len(report["transferred"]) == 1
    assert (await ea.settled(stack, setup, drafted))["status"] == "SUCCEEDED"
    report = await reconcile(stack, setup)
    lines = by_ref(report)
    assert (report["ok"], report["missing"]) == (3, 0), json.dumps(report)
    assert lines[str(drafted)]["targetKind"] == "DRAFT" and lines[str(drafted)]["targetAmount"] == 510.0
    assert lines[str(delivered)]["targetKind"] == "INVOICE"

    # back to INVOICED: the draft is now a transfer stopped half-way; transferring it books it, once
    await ea.settings(stack, setup, status="INVOICED")
    report = await reconcile(stack, setup, transfer=True)
    assert by_ref(report)[str(drafted)]["status"] == "MISSING", json.dumps(report)

    async def booked() -> bool:
        return len(by_reference((await ea.state(stack, setup))["invoices"], drafted)) == 1

    await wait_for(booked)
    final = await reconcile(stack, setup)
    assert (final["ok"], final["missing"], final["extra"]) == (3, 0, 0), json.dumps(final)
    assert not by_reference((await ea.state(stack, setup))["drafts"], drafted)


def by_reference(items: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
    return ea.by_reference(items, number)


async def test_mystore_to_tripletex_completed_orders(stack: Stack) -> None:
    """Mystore orders whose status has the Completed property, by the day they were placed: a Vipps order is
    expected as a (paid) invoice, an invoice-to-business order as an order. A lost webhook is caught; an order
    that is not completed is not counted; the demo shop's older orders (placed more than a day ago) are not in
    the period."""
    setup = await ms.onboard(stack)
    paid = await ms.place(stack, setup, "vipps", customer_id=1)
    await ms.set_status(stack, setup, paid["orderId"], "Sendt")
    await ms.finished(stack, setup, paid["orderId"])
    await set_faults(stack, "mystore", setup.mystore["accountId"], webhook_drop_rate=1.0)
    b2b = await ms.place(stack, setup, "invoice", customer_id=2)
    await ms.set_status(stack, setup, b2b["orderId"], "Sendt")
    waiting = await ms.place(stack, setup, "vipps", customer_id=3)
    await ms.set_status(stack, setup, waiting["orderId"], "Under behandling")

    report = await reconcile(stack, setup, days_back=1)
    lines = by_ref(report)
    assert set(lines) == {str(paid["orderId"]), str(b2b["orderId"])}, json.dumps(report)
    vipps = lines[str(paid["orderId"])]
    assert vipps["status"] == "OK" and vipps["targetKind"] == "INVOICE", json.dumps(report)
    assert vipps["sourceAmount"] == vipps["targetAmount"] is not None
    assert lines[str(b2b["orderId"])]["status"] == "MISSING"

    report = await reconcile(stack, setup, transfer=True, days_back=1)
    assert len(report["transferred"]) == 1
    done = await ms.finished(stack, setup, b2b["orderId"])
    assert done["trigger"] == "reconcile"
    again = await reconcile(stack, setup, days_back=1)
    lines = by_ref(again)
    assert (again["ok"], again["missing"], again["extra"]) == (2, 0, 0), json.dumps(again)
    assert lines[str(b2b["orderId"])]["targetKind"] == "ORDER"
    assert lines[str(b2b["orderId"])]["sourceAmount"] == lines[str(b2b["orderId"])]["targetAmount"]
    state = await ms.tx_state(stack, setup)
    assert sorted(o["number"] for o in state["orders"]) == sorted(f"MS-{o['orderId']}" for o in (paid, b2b))
    assert len(state["invoices"]) == 1


def tripletex_client(stack: Stack, setup: Setup) -> TripletexClient:
    """Our own connector pointed at the sandbox: a bookkeeper's hand in Tripletex (the test arranges state)."""
    return TripletexClient(f"{stack.base_url}/sandbox/tripletex/v2", setup.tripletex["consumerToken"],
                           setup.tripletex["employeeToken"], http=stack.http)


async def test_an_order_changed_in_tripletex_is_different_and_not_transferred(stack: Stack) -> None:
    """ORDER mode: the bookkeeper changes a line of the transferred order by hand (3 × 110 → 4 × 110). The line is
    DIFFERENT with both amounts (510 booked, 620 held), and transferring what is missing leaves it alone."""
    setup = await onboard(stack, mode="ORDER")
    number = await book_invoice(stack, setup)
    done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    report = await reconcile(stack, setup)
    assert by_ref(report)[str(number)]["status"] == "OK", json.dumps(report)

    tx = tripletex_client(stack, setup)
    order = await tx.get_order(int(done["targetRef"]))
    assert order is not None and order["number"] == f"RB-{number}", order
    line = next(x for x in order["orderLines"] if x["unitPriceExcludingVatCurrency"] == 110)
    assert line["count"] == 3, line
    await tx._request("PUT", f"order/orderline/{line['id']}", json_body={"id": line["id"], "count": 4})
    changed = await tx.get_order(int(done["targetRef"]))
    assert changed is not None
    assert sum(x["amountExcludingVatCurrency"] for x in changed["orderLines"]) == 620.0, changed

    report = await reconcile(stack, setup, transfer=True)
    lines = by_ref(report)
    assert set(lines) == {str(number)}, json.dumps(report)
    different = lines[str(number)]
    assert different["status"] == "DIFFERENT", json.dumps(report)
    assert (different["sourceAmount"], different["targetAmount"]) == (510.0, 620.0), json.dumps(report)
    assert (different["targetKind"], different["targetRef"]) == ("ORDER", done["targetRef"])
    assert different["transferId"] == done["id"] and different["transferStatus"] == "SUCCEEDED"
    assert (report["ok"], report["missing"], report["different"], report["extra"]) == (0, 0, 1, 0)
    assert report["transferred"] == []
    assert [t["id"] for t in await transfers(stack, setup)] == [done["id"]]
    orders = (await tripletex_state(stack, setup))["orders"]
    assert [o["number"] for o in orders] == [f"RB-{number}"]


async def test_an_order_under_our_reference_that_rackbeat_never_booked_is_extra(stack: Stack) -> None:
    """An order numbered like ours (RB-<n>) dated today that Rackbeat never booked is EXTRA with the amount
    Tripletex holds (1 × 250); an order under another prefix is not ours and not reported; EXTRA is never
    transferred."""
    setup = await onboard(stack, mode="ORDER")
    tx = tripletex_client(stack, setup)
    customer = await tx.create_customer({"name": "Fjord Sport AS", "isCustomer": True, "isPrivateIndividual": False,
                                         "invoiceSendMethod": "EHF",
                                         "postalAddress": {"addressLine1": "Storgata 1", "postalCode": "0150",
                                                           "city": "Oslo"}})
    vat = await tx.find_vat_type("3")
    assert vat is not None
    today = date.today().isoformat()

    def order(number: str, count: int, price: int) -> dict[str, Any]:
        return {"customer": {"id": customer["id"]}, "orderDate": today, "deliveryDate": today, "number": number,
                "isPrioritizeAmountsIncludingVat": False,
                "orderLines": [{"description": "Ullgenser", "count": count, "unitPriceExcludingVatCurrency": price,
                                "vatType": {"id": vat["id"]}}]}

    extra = await tx.create_order(order("RB-990001", 1, 250))
    await tx.create_order(order("MANUAL-1", 2, 75))

    report = await reconcile(stack, setup, transfer=True)
    assert [line["sourceRef"] for line in report["lines"]] == ["990001"], json.dumps(report)
    line = report["lines"][0]
    assert line["status"] == "EXTRA", json.dumps(report)
    assert line["targetAmount"] == 250.0 and line["sourceAmount"] is None
    assert (line["targetKind"], line["targetRef"]) == ("ORDER", str(extra["id"]))
    assert line["transferId"] is None and line["transferStatus"] is None
    assert (report["ok"], report["missing"], report["different"], report["extra"]) == (0, 0, 0, 1)
    assert report["transferred"] == []
    assert await transfers(stack, setup) == []
    again = await reconcile(stack, setup, transfer=True)
    assert (again["extra"], again["transferred"]) == (1, []), json.dumps(again)
    assert await transfers(stack, setup) == []


async def test_purchase_orders_are_recovered_also_when_invoices_are_not_transferred(stack: Stack) -> None:
    """Invoices off (startOrderFlowFrom DONT_TRANSFER), purchase orders on: a purchase order whose webhook was lost
    is still found and transferred; no invoice is touched. With both off there is nothing to reconcile."""
    setup = await onboard(stack, mode="INVOICE")
    await stack.gql(PO_ON, {"id": setup.integration_id, "on": True})
    await stack.gql("mutation($id: ID!) { updateSettings(integrationId: $id, input: {startOrderFlowFrom: "
                    "DONT_TRANSFER}) { startOrderFlowFrom } }", {"id": setup.integration_id})
    invoice = await book_invoice(stack, setup, suppress_webhooks=True)
    po = await book_purchase_order(stack, setup, suppress_webhooks=True)
    report = await reconcile(stack, setup, transfer=True)
    assert report["lines"] == [] and len(report["transferred"]) == 1, json.dumps(report)

    async def po_done() -> bool:
        return any(t["kind"] == "PURCHASE_ORDER" and t["sourceRef"] == str(po) and t["status"] == "SUCCEEDED"
                   for t in await transfers(stack, setup))

    await wait_for(po_done)
    assert not [t for t in await transfers(stack, setup) if t["sourceRef"] == str(invoice) and t["kind"] == "INVOICE"]
    assert (await tripletex_state(stack, setup))["invoices"] == []

    await stack.gql(PO_ON, {"id": setup.integration_id, "on": False})
    with pytest.raises(GraphQLError) as refused:
        await reconcile(stack, setup)
    assert "nothing to reconcile" in str(refused.value)
