"""Preview a transfer (the exact requests, nothing sent), and resend all failed transfers after a fix."""

from __future__ import annotations

import json

from tests.e2e import test_mystore_to_tripletex as ms
from tests.e2e import test_rackbeat_to_eaccounting as ea
from tests.e2e.flow import book_invoice, onboard, set_faults, transfers, tripletex_state, wait_for_transfer
from tests.support.stack import Stack

PREVIEW = """query($id: ID!, $ref: String!, $mode: TransferMode) {
  previewTransfer(integrationId: $id, kind: INVOICE, sourceRef: $ref, mode: $mode) { outcome error reads requests } }"""
ORDER_PREVIEW = """query($id: ID!, $ref: String!) {
  previewTransfer(integrationId: $id, kind: ORDER, sourceRef: $ref) { outcome error reads requests } }"""


async def test_preview_shows_the_exact_requests_and_sends_nothing(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    await stack.gql("mutation($id: ID!) { updateSettings(integrationId: $id, input: {invoiceTransferMode: ORDER})"
                    " { invoiceTransferMode } }", {"id": setup.integration_id})
    number = await book_invoice(stack, setup)
    done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    # already transferred: the preview finds it and would send nothing
    again = (await stack.gql(PREVIEW, {"id": setup.integration_id, "ref": str(number), "mode": "ORDER"}))
    assert again["previewTransfer"]["requests"] == [], again
    assert "nothing would be sent" in again["previewTransfer"]["outcome"]
    # as an invoice, the existing order would be invoiced: one request, to the order's :invoice action
    as_invoice = (await stack.gql(PREVIEW, {"id": setup.integration_id, "ref": str(number), "mode": "INVOICE"}))
    requests = as_invoice["previewTransfer"]["requests"]
    assert [(r["method"], r["url"].split("?")[0].rsplit("/", 2)[-2:]) for r in requests] == [
        ("PUT", [done["targetRef"], ":invoice"])], requests
    assert "sendToCustomer=false" in requests[0]["url"]
    state = await tripletex_state(stack, setup)
    assert state["invoices"] == [] and len(state["orders"]) == 1  # nothing was sent


async def test_preview_of_a_new_document_lists_customer_products_and_the_invoice(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    number = await book_invoice(stack, setup, suppress_webhooks=True)  # booked, but nobody told bokbro
    preview = (await stack.gql(PREVIEW, {"id": setup.integration_id, "ref": str(number)}))["previewTransfer"]
    assert preview["error"] is None and preview["outcome"] == "4 request(s) would be sent", preview
    planned = [(r["method"], r["url"].split("/v2/")[1].split("?")[0]) for r in preview["requests"]]
    assert planned == [("POST", "customer"), ("POST", "product"), ("POST", "product"), ("POST", "invoice")]
    invoice = preview["requests"][3]
    assert "sendToCustomer=false" in invoice["url"]
    order = invoice["body"]["orders"][0]
    assert order["customer"] == {"id": -1} and order["isPrioritizeAmountsIncludingVat"] is False
    assert [line["product"]["id"] for line in order["orderLines"]] == [-2, -3]
    state = await tripletex_state(stack, setup)
    assert state["customers"] == [] and state["products"] == [] and state["invoices"] == []
    assert await transfers(stack, setup) == []  # a preview is not a transfer
    # an unknown invoice: the preview says why it would fail
    missing = (await stack.gql(PREVIEW, {"id": setup.integration_id, "ref": "999999"}))["previewTransfer"]
    assert missing["outcome"] == "the transfer would fail" and "999999" in missing["error"]


async def test_resend_all_failed_after_the_cause_is_fixed(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE", bank_account=False)
    numbers = [await book_invoice(stack, setup) for _ in range(3)]
    for n in numbers:
        failed = await wait_for_transfer(stack, setup, str(n), ("FAILED", "SUCCEEDED"))
        assert failed["status"] == "FAILED", json.dumps(failed)
    r = await stack.sandbox("tripletex", "POST", f"/_control/accounts/{setup.tripletex['accountId']}/bank-account",
                            json={"registered": True})
    assert r.status_code in (200, 204)
    resent = await stack.gql("mutation($id: ID!) { resendTransfers(filter: {integrationId: $id}) { id status } }",
                             {"id": setup.integration_id})
    assert len(resent["resendTransfers"]) == 3
    for n in numbers:
        await wait_for_transfer(stack, setup, str(n), ("SUCCEEDED",))
    assert len((await tripletex_state(stack, setup))["invoices"]) == 3
    # nothing failed is left; a second bulk resend finds nothing to do
    again = await stack.gql("mutation($id: ID!) { resendTransfers(filter: {integrationId: $id}) { id } }",
                            {"id": setup.integration_id})
    assert again["resendTransfers"] == []
    assert all(t["status"] == "SUCCEEDED" for t in await transfers(stack, setup))


async def test_preview_and_bulk_resend_rackbeat_to_eaccounting(stack: Stack) -> None:
    """The same on eAccounting: the preview plans the customer, the articles, the draft and booking it, and
    sends none of them; a bulk resend after the fix books each failed invoice once."""
    setup = await ea.onboard(stack, status="INVOICED")
    number = await book_invoice(stack, setup.rb, suppress_webhooks=True)
    preview = (await stack.gql(PREVIEW, {"id": setup.integration_id, "ref": str(number)}))["previewTransfer"]
    assert preview["error"] is None, preview
    planned = [(r["method"], r["url"].split("/v2/")[1].split("?")[0]) for r in preview["requests"]]
    assert planned == [("POST", "customers"), ("POST", "articles"), ("POST", "articles"),
                       ("POST", "customerinvoicedrafts"), ("POST", "customerinvoicedrafts/-4/convert")], planned
    draft = preview["requests"][3]["body"]
    assert draft["CustomerId"] == "-1" and draft["OurReference"] == f"RB-{number}"
    assert [row["ArticleId"] for row in draft["Rows"]] == ["-2", "-3"]
    counts = (await ea.state(stack, setup))["counts"]
    assert [counts[k] for k in ("customers", "articles", "drafts", "invoices")] == [0, 0, 0, 0]  # nothing was sent

    r = await stack.sandbox("eaccounting", "POST", f"/_control/accounts/{setup.eaccounting['accountId']}/fiscal-year",
                            json={"present": False})
    assert r.status_code == 200, r.text
    numbers = [await book_invoice(stack, setup.rb) for _ in range(2)]
    for n in numbers:
        assert (await ea.settled(stack, setup, n))["status"] == "FAILED"
    r = await stack.sandbox("eaccounting", "POST", f"/_control/accounts/{setup.eaccounting['accountId']}/fiscal-year",
                            json={"present": True})
    assert r.status_code == 200, r.text
    resent = await stack.gql("mutation($id: ID!) { resendTransfers(filter: {integrationId: $id, status: [FAILED]}) "
                             "{ id } }", {"id": setup.integration_id})
    assert len(resent["resendTransfers"]) == 2
    for n in numbers:
        assert (await ea.settled(stack, setup, n, attempts=2))["status"] == "SUCCEEDED"
    invoices = (await ea.state(stack, setup))["invoices"]
    assert sorted(i["OurReference"] for i in invoices) == sorted(f"RB-{n}" for n in numbers)


async def test_preview_and_bulk_resend_mystore_to_tripletex(stack: Stack) -> None:
    """A completed Vipps order: the preview plans the customer, the products and the paid invoice (the order
    inside it); a bulk resend after the bank account is registered invoices each failed order once."""
    setup = await ms.onboard(stack, bank_account=False)
    await set_faults(stack, "mystore", setup.mystore["accountId"], webhook_drop_rate=1.0)
    order = await ms.place(stack, setup, "vipps", customer_id=4)
    await ms.set_status(stack, setup, order["orderId"], "Sendt")
    preview = (await stack.gql(ORDER_PREVIEW, {"id": setup.integration_id,
                                               "ref": str(order["orderId"])}))["previewTransfer"]
    assert preview["error"] is None, preview
    planned = [(r["method"], r["url"].split("/v2/")[1].split("?")[0]) for r in preview["requests"]]
    assert planned == [("POST", "customer"), ("POST", "product"), ("POST", "product"), ("POST", "invoice")], planned
    invoice_url = preview["requests"][3]["url"]
    assert "paymentTypeId=" in invoice_url and "paidAmount=" in invoice_url, invoice_url
    assert preview["requests"][3]["body"]["orders"][0]["number"] == f"MS-{order['orderId']}"
    assert (await ms.tx_state(stack, setup))["invoices"] == []

    await set_faults(stack, "mystore", setup.mystore["accountId"])
    orders = [await ms.place(stack, setup, "vipps", customer_id=5 + i) for i in range(2)]
    for o in orders:
        await ms.set_status(stack, setup, o["orderId"], "Sendt")
        assert (await ms.finished(stack, setup, o["orderId"], ("FAILED",)))["status"] == "FAILED"
    r = await stack.sandbox("tripletex", "POST", f"/_control/accounts/{setup.tripletex['accountId']}/bank-account",
                            json={"registered": True})
    assert r.status_code in (200, 204), r.text
    resent = await stack.gql("mutation($id: ID!) { resendTransfers(filter: {integrationId: $id}) { id } }",
                             {"id": setup.integration_id})
    assert len(resent["resendTransfers"]) == 2
    for o in orders:
        await ms.finished(stack, setup, o["orderId"])
    state = await ms.tx_state(stack, setup)
    assert sorted(o["number"] for o in state["orders"]) == sorted(f"MS-{o['orderId']}" for o in orders)
    assert len(state["invoices"]) == 2 and all(i["payments"] for i in state["invoices"])
