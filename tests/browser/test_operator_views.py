"""What an operator who supports many companies sees, in a real browser against a real bokbro: the list with each
integration's last transfer and failures of the last 24 hours, the transfers-per-hour chart on the overview (with
its totals, its text summary and its table), and the reconciliation view finding an invoice whose webhook never came,
transferring it, and the transfer succeeding in the live log."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import UI
from tests.e2e.flow import Setup, book_invoice, onboard, transfers, wait_for_transfer
from tests.support.stack import Stack

STATS = "query($id: ID!, $days: Int!) { transferStats(integrationId: $id, days: $days) { succeeded failed } }"


async def stat_totals(stack: Stack, integration_id: str, days: int) -> tuple[int, int]:
    buckets = (await stack.gql(STATS, {"id": integration_id, "days": days}))["transferStats"]
    return sum(b["succeeded"] for b in buckets), sum(b["failed"] for b in buckets)


async def bank_account(stack: Stack, setup: Setup, registered: bool) -> None:
    r = await stack.sandbox("tripletex", "POST", f"/_control/accounts/{setup.tripletex['accountId']}/bank-account",
                            json={"registered": registered})
    assert r.status_code in (200, 204), r.text


def log_row(ui: UI, number: int) -> Any:
    return ui.page.locator(".vbody [role=row]").filter(
        has=ui.page.get_by_role("button", name=f"Open invoice {number}", exact=True))


async def test_list_chart_and_reconciliation(stack: Stack, ui: UI) -> None:
    from playwright.async_api import expect

    setup = await onboard(stack, mode="INVOICE")  # Fjellsport AS
    await stack.gql("""mutation { startOnboarding(input: {companyName: "Havbris Catering AS",
        contactPerson: "Ola Nordmann", email: "ola@havbris.example", source: RACKBEAT, target: TRIPLETEX}) { id } }""")
    delivered = [await book_invoice(stack, setup), await book_invoice(stack, setup)]
    for number in delivered:
        await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    await bank_account(stack, setup, False)  # Tripletex refuses invoices until a bank account number is registered
    refused = await book_invoice(stack, setup)
    await wait_for_transfer(stack, setup, str(refused), ("FAILED",))
    succeeded, failed = await stat_totals(stack, setup.integration_id, 3)
    assert succeeded >= 2 and failed == 1
    page = ui.page

    # -- the list: last transfer (status and time) and failures in the last 24 h, per integration; search
    await ui.open()
    await ui.sign_in()
    table = page.locator("#integrations-table")
    fjellsport = table.locator("tbody tr").filter(has_text="Fjellsport AS")
    havbris = table.locator("tbody tr").filter(has_text="Havbris Catering AS")
    await expect(fjellsport.get_by_test_id("last-transfer")).to_contain_text("Failed")
    await expect(fjellsport.get_by_test_id("failures-24h")).to_have_text("✕1")
    await expect(havbris.get_by_test_id("last-transfer")).to_have_text("none yet")
    await expect(havbris.get_by_test_id("failures-24h")).to_have_text("0")
    await expect(table.locator("thead")).to_contain_text("Last transfer")
    await expect(table.locator("thead")).to_contain_text("Failures (24 h)")
    await ui.shot("integrations-last-transfer-and-failures")
    await page.get_by_label("Search integrations").fill("havbris")
    await expect(table.locator("tbody tr")).to_have_count(1)
    await expect(page.get_by_text("1 of 2 integrations")).to_be_visible()
    await page.get_by_label("Search integrations").fill("")
    await expect(table.locator("tbody tr")).to_have_count(2)

    # the failures link opens the integration's log filtered on failed transfers
    await fjellsport.get_by_role("link", name="1 failure in the last 24 hours: show the failed transfers").click()
    await expect(page.locator(".vbody [role=row]")).to_have_count(1)
    await expect(log_row(ui, refused)).to_have_attribute("data-status", "FAILED")
    assert "status=FAILED" in page.url

    # -- the overview's chart: 72 hours, totals as the API counts them, a text summary, the numbers as a table
    await page.get_by_role("navigation", name="Integration").get_by_role("link", name="Overview").click()
    chart = page.get_by_test_id("transfer-chart")
    await expect(chart.get_by_role("heading", name="Transfers per hour")).to_be_visible()
    svg = chart.get_by_role("img", name="Transfers per hour")
    await expect(svg).to_have_attribute("data-hours", "72")
    await expect(chart.get_by_test_id("chart-total-succeeded")).to_have_text(str(succeeded))
    await expect(chart.get_by_test_id("chart-total-failed")).to_have_text("1")
    await expect(chart.get_by_test_id("chart-summary")).to_contain_text(
        f"In the last 3 days: {succeeded} succeeded, 1 failed.")
    await expect(chart.locator("rect.chart-ok")).not_to_have_count(0)
    await expect(chart.locator("rect.chart-failed")).to_have_count(1)
    await chart.scroll_into_view_if_needed()
    await ui.shot("overview-transfers-per-hour")
    await chart.get_by_label("Last 7 days").check()
    await expect(svg).to_have_attribute("data-hours", "168")
    await expect(chart.get_by_test_id("chart-summary")).to_contain_text(
        f"In the last 7 days: {succeeded} succeeded, 1 failed.")
    await chart.get_by_text("Show the numbers as a table").click()
    rows = chart.locator("table tbody tr")
    await expect(rows.first).to_be_visible()
    cells = await rows.evaluate_all("rs => rs.map(r => [...r.querySelectorAll('td')].map(c => +c.textContent))")
    assert (sum(c[0] for c in cells), sum(c[1] for c in cells)) == (succeeded, 1)
    await ui.shot("overview-chart-7-days-table")
    await page.get_by_role("button", name="Norsk").click()
    await expect(chart.get_by_role("heading", name="Overføringer per time")).to_be_visible()
    await expect(chart.get_by_test_id("chart-summary")).to_contain_text(
        f"Siste 7 dager: {succeeded} fullført, 1 feilet.")
    await ui.shot("overview-chart-norsk")
    await page.get_by_role("button", name="English").click()

    # -- reconciliation: an invoice booked without a webhook, and the refused one, are missing in Tripletex
    await bank_account(stack, setup, True)  # the cause of the refusal fixed
    lost = await book_invoice(stack, setup, suppress_webhooks=True)
    await page.get_by_role("navigation", name="Integration").get_by_role("link", name="Reconciliation").click()
    await expect(page.get_by_role("heading", name="Reconciliation", level=2)).to_be_visible()
    await page.get_by_role("button", name="Reconcile", exact=True).click()
    result = page.get_by_test_id("reconciliation-result")
    await expect(result.get_by_test_id("recon-count-OK").locator(".recon-count")).to_have_text("2")
    await expect(result.get_by_test_id("recon-count-MISSING").locator(".recon-count")).to_have_text("2")
    await expect(result.get_by_test_id("recon-count-DIFFERENT").locator(".recon-count")).to_have_text("0")
    await expect(result.get_by_test_id("recon-count-EXTRA").locator(".recon-count")).to_have_text("0")
    lost_line = result.locator(f"tr[data-source-ref='{lost}']")
    await expect(lost_line).to_have_attribute("data-status", "MISSING")
    await expect(lost_line).to_contain_text("not transferred")
    await expect(result.locator(f"tr[data-source-ref='{refused}']")).to_contain_text("Failed")
    for number in delivered:
        await expect(result.locator(f"tr[data-source-ref='{number}']")).to_have_attribute("data-status", "OK")
        await expect(result.locator(f"tr[data-source-ref='{number}'] td").nth(2)).to_contain_text("Invoice ")
    assert [t for t in await transfers(stack, setup) if t["sourceRef"] == str(lost)] == []  # a report changes nothing
    await ui.shot("reconciliation-missing")

    await result.get_by_role("button", name="Transfer the missing (2)").click()
    await expect(result.get_by_test_id("transferred-missing")).to_contain_text("2 transfers queued")
    await ui.shot("reconciliation-transferred")

    # -- the transfers appear in the live log and succeed
    await result.get_by_role("link", name="Open the transfer log").click()
    await expect(log_row(ui, lost)).to_have_attribute("data-status", "SUCCEEDED", timeout=30_000)
    await expect(log_row(ui, lost)).to_contain_text("Reconciliation")
    await expect(log_row(ui, refused)).to_have_attribute("data-status", "SUCCEEDED", timeout=30_000)
    await ui.shot("log-reconciled-succeeded")

    # -- reconciled again: nothing is missing
    await page.get_by_role("navigation", name="Integration").get_by_role("link", name="Reconciliation").click()
    await page.get_by_role("button", name="Reconcile", exact=True).click()
    await expect(result.get_by_test_id("recon-count-OK").locator(".recon-count")).to_have_text("4")
    await expect(result.get_by_test_id("recon-count-MISSING").locator(".recon-count")).to_have_text("0")
    await expect(result.get_by_text("Nothing is missing.")).to_be_visible()
    await ui.shot("reconciliation-all-ok")
    done = await wait_for_transfer(stack, setup, str(lost), ("SUCCEEDED",))
    assert done["trigger"] == "reconcile"
    ui.assert_clean()
