"""The operator's walk through the admin app, in a real browser against a real bokbro: sign in, find the
integration, change a setting, watch a booked invoice arrive live, read why another one failed, fix the cause,
resend it from the UI and see it succeed — all without reloading the page."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import UI
from tests.e2e.flow import book_invoice, onboard, tripletex_state, wait_for_transfer
from tests.support.stack import Stack

SETTINGS_QUERY = "query($id: ID!) { integration(id: $id) { settings { invoiceTransferMode sendInvoiceToCustomer } } }"


async def settings_of(stack: Stack, integration_id: str) -> dict[str, Any]:
    return (await stack.gql(SETTINGS_QUERY, {"id": integration_id}))["integration"]["settings"]


def row(ui: UI, number: int) -> Any:
    """The log's row of Rackbeat invoice ``number``."""
    return ui.page.locator(".vbody [role=row]").filter(
        has=ui.page.get_by_role("button", name=f"Open invoice {number}", exact=True))


async def save_mode(ui: UI, label: str) -> None:
    from playwright.async_api import expect

    page = ui.page
    await page.get_by_label(label, exact=True).check()
    await expect(page.get_by_text("You have unsaved changes.")).to_be_visible()
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_test_id("settings-saved")).to_contain_text("Settings saved at")


async def test_operator_walk_from_sign_in_to_a_resent_invoice(stack: Stack, ui: UI) -> None:
    from playwright.async_api import expect

    setup = await onboard(stack, mode="INVOICE")  # "Fjellsport AS", Rackbeat → Tripletex, connected
    await stack.gql("""mutation { startOnboarding(input: {companyName: "Havbris Catering AS",
        contactPerson: "Ola Nordmann", email: "ola@havbris.example", source: RACKBEAT, target: EACCOUNTING}) {
        id } }""")
    page = ui.page

    # -- sign in: a wrong token is refused with a clear message, the right one opens the integrations list
    await ui.open()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await ui.shot("sign-in")
    await ui.sign_in("op_this_is_not_a_token", accepted=False)
    await expect(page.get_by_role("alert")).to_contain_text("This token was not accepted")
    await ui.shot("sign-in-refused")
    await ui.sign_in()

    # -- integrations: both are listed with source → target, status and connection status; search narrows
    await expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
    table = page.locator("#integrations-table")
    await expect(table.locator("tbody tr")).to_have_count(2)
    fjellsport = table.locator("tbody tr").filter(has_text="Fjellsport AS")
    await expect(fjellsport).to_contain_text("Rackbeat → Tripletex")
    await expect(fjellsport).to_contain_text("Rackbeat: OK")
    await expect(fjellsport).to_contain_text("Tripletex: OK")
    await expect(table.locator("tbody tr").filter(has_text="Havbris Catering AS")).to_contain_text("Onboarding")
    await ui.shot("integrations")
    await page.get_by_label("Search integrations").fill("fjell")
    await expect(table.locator("tbody tr")).to_have_count(1)
    await expect(page.get_by_text("1 of 2 integrations")).to_be_visible()
    await ui.shot("integrations-search")

    # -- the integration: company and each connection's checks with their messages
    await page.get_by_role("link", name="Fjellsport AS").click()
    await expect(page.get_by_role("heading", name="Fjellsport AS", level=1)).to_be_visible()
    tripletex = page.locator("section.connection").filter(has_text="Tripletex connection")
    await expect(tripletex).to_contain_text("bank account number — the company has a bank account number")
    await expect(page.locator("section.connection").filter(has_text="Rackbeat connection")).to_contain_text(
        "registered, pointing at bokbro")
    await ui.shot("integration-overview")

    # -- settings: both explained, saved with a confirmation; the server has the new value
    await page.get_by_role("navigation", name="Integration").get_by_role("link", name="Settings").click()
    await expect(page.get_by_text("Lands as a draft order that you check and invoice")).to_be_visible()
    await expect(page.get_by_test_id("not-synced")).to_contain_text(
        "Stock levels and the financial value of the inventory are not synchronised")
    await save_mode(ui, "Editable sales order")
    await ui.shot("settings-saved")
    assert (await settings_of(stack, setup.integration_id))["invoiceTransferMode"] == "ORDER"

    # -- the transfer log, live: an invoice booked in Rackbeat appears and succeeds without a reload
    await page.get_by_role("navigation", name="Integration").get_by_role("link", name="Transfer log").click()
    await expect(page.get_by_text("No transfers yet.")).to_be_visible()
    await expect(page.locator(".live")).to_have_attribute("data-live", "live")
    await page.wait_for_timeout(500)  # the subscription takes effect on the server just after the socket is up
    await page.evaluate("window.__sameDocument = true")
    first = await book_invoice(stack, setup)
    await expect(row(ui, first)).to_have_attribute("data-status", "SUCCEEDED", timeout=30_000)
    await expect(row(ui, first)).to_contain_text("Editable sales order")
    await ui.shot("log-live-succeeded")

    # -- back to booked invoices; then the cause of a failure: Tripletex has no bank account number
    await page.get_by_role("navigation", name="Integration").get_by_role("link", name="Settings").click()
    await save_mode(ui, "Booked invoice")
    assert (await settings_of(stack, setup.integration_id))["invoiceTransferMode"] == "INVOICE"
    await page.get_by_role("navigation", name="Integration").get_by_role("link", name="Transfer log").click()
    await expect(row(ui, first)).to_be_visible()
    bank = f"/_control/accounts/{setup.tripletex['accountId']}/bank-account"
    assert (await stack.sandbox("tripletex", "POST", bank, json={"registered": False})).status_code in (200, 204)
    second = await book_invoice(stack, setup)
    await expect(row(ui, second)).to_have_attribute("data-status", "FAILED", timeout=30_000)
    await expect(page.locator(".vbody [role=row]")).to_have_count(2)
    await ui.shot("log-live-failed")

    # -- filters: status, kind, and the source-ref search (server-side, in the URL)
    await page.get_by_label("Status", exact=True).select_option("FAILED")
    await expect(page.locator(".vbody [role=row]")).to_have_count(1)
    await expect(row(ui, second)).to_be_visible()
    await ui.shot("log-filter-failed")
    await page.get_by_label("Status", exact=True).select_option("")
    await page.get_by_label("Kind", exact=True).select_option("CUSTOMER")
    await expect(page.get_by_text("No transfer matches the filters.")).to_be_visible()
    await page.get_by_label("Kind", exact=True).select_option("INVOICE")
    await page.get_by_label("Search source reference").fill(str(first))
    await expect(page.locator(".vbody [role=row]")).to_have_count(1)
    await expect(row(ui, first)).to_be_visible()
    assert f"q={first}" in page.url
    await ui.shot("log-search")
    await page.get_by_role("button", name="Clear filters").click()
    await expect(page.locator(".vbody [role=row]")).to_have_count(2)

    # -- the failed one's details, opened with the keyboard: the error explained, in English and Norwegian
    await page.get_by_role("button", name=f"Open invoice {first}", exact=True).focus()
    await page.keyboard.press("ArrowUp")
    await expect(page.get_by_role("button", name=f"Open invoice {second}", exact=True)).to_be_focused()
    await page.keyboard.press("Enter")
    panel = page.locator("aside.detail")
    await expect(panel.get_by_role("heading", name=f"Invoice {second}")).to_be_focused()
    error = panel.get_by_test_id("transfer-error")
    await expect(error).to_contain_text("bank account number")
    await expect(error).to_contain_text("TRIPLETEX_422")
    await expect(panel.locator(".attempt")).to_have_count(1)
    await ui.shot("detail-failed-explained")
    refused = panel.locator(".exchanges details").filter(has_text="→ 422")
    await expect(refused).to_have_count(1)
    await refused.locator("summary").click()
    await expect(refused.locator("pre").last).to_be_visible()  # the redacted request and response bodies
    await refused.locator("summary").scroll_into_view_if_needed()
    await ui.shot("detail-failed-exchange")
    await page.get_by_role("button", name="Norsk").click()
    await expect(error).to_contain_text("bankkontonummer")
    await error.scroll_into_view_if_needed()
    await expect(panel.get_by_role("heading", name=f"Faktura {second}")).to_be_visible()
    await ui.shot("detail-failed-norsk")
    await page.get_by_role("button", name="English").click()
    await expect(panel.get_by_role("heading", name=f"Invoice {second}")).to_be_visible()

    # -- fix the cause, resend as a booked invoice from the panel, watch it succeed
    assert (await stack.sandbox("tripletex", "POST", bank, json={"registered": True})).status_code in (200, 204)
    await panel.get_by_label("Booked invoice", exact=True).check()
    await panel.get_by_role("button", name="Resend", exact=True).click()
    await expect(panel.get_by_text("Queued again.")).to_be_visible()
    await expect(row(ui, second)).to_have_attribute("data-status", "SUCCEEDED", timeout=30_000)
    await expect(panel.locator(".facts").first).to_contain_text("Succeeded")
    await expect(panel.locator(".attempt")).to_have_count(2)
    await expect(panel.locator(".attempt").first).to_contain_text("Attempt 2")
    await expect(panel.locator(".attempt").first.locator(".badge")).to_have_text("✓Succeeded")
    await expect(panel.get_by_test_id("transfer-error")).to_have_count(0)
    await panel.get_by_role("heading", name=f"Invoice {second}").scroll_into_view_if_needed()
    await ui.shot("detail-resent-succeeded")

    # -- Escape closes the panel and gives the focus back to the row
    await page.keyboard.press("Escape")
    await expect(panel).to_have_count(0)
    await expect(page.get_by_role("button", name=f"Open invoice {second}", exact=True)).to_be_focused()
    await ui.shot("log-after-resend")

    # all of it in one document: nothing reloaded the page
    assert await page.evaluate("window.__sameDocument === true")
    done = await wait_for_transfer(stack, setup, str(second), ("SUCCEEDED",))
    assert done["attempts"] == 2 and done["mode"] == "INVOICE"
    first_done = await wait_for_transfer(stack, setup, str(first), ("SUCCEEDED",))
    assert first_done["mode"] == "ORDER"
    assert len((await tripletex_state(stack, setup))["invoices"]) == 1
    ui.assert_clean()
