"""Webhooks get lost; the ledger must not: reconciliation finds what is missing and transfers it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from tests.e2e.flow import Setup, book_invoice, onboard, set_faults, transfers, tripletex_state, wait_for_transfer
from tests.support.backends import Backend
from tests.support.stack import Stack, running_stack, wait_for

RECONCILE = """mutation($id: ID!, $from: Date!, $to: Date!, $transfer: Boolean!) {
  reconcile(integrationId: $id, dateFrom: $from, dateTo: $to, transferMissing: $transfer) {
    mode ok missing different extra transferred
    lines { sourceRef status sourceAmount targetRef targetAmount transferId transferStatus } } }"""


async def reconcile(stack: Stack, setup: Setup, transfer: bool = False) -> dict[str, Any]:
    today = date.today()
    data = await stack.gql(RECONCILE, {"id": setup.integration_id, "from": (today - timedelta(days=7)).isoformat(),
                                       "to": (today + timedelta(days=1)).isoformat(), "transfer": transfer})
    return data["reconcile"]  # type: ignore[no-any-return]


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
        await set_faults(stack, "rackbeat", setup.rackbeat["accountId"], webhook_drop_rate=1.0)
        lost = await book_invoice(stack, setup)
        found = await wait_for_transfer(stack, setup, str(lost), ("SUCCEEDED",), timeout=30)
        assert found["trigger"] == "reconcile"

        async def in_ledger() -> bool:
            return len((await tripletex_state(stack, setup))["invoices"]) == 1

        await wait_for(in_ledger)
