"""A partner token (createApiToken, role PARTNER) sees its own integration in the admin app and nothing else:
not in the list, not in the transfer log, not by typing another integration's address."""

from __future__ import annotations

from tests.browser.conftest import UI
from tests.e2e.flow import book_invoice, onboard, wait_for_transfer
from tests.support.stack import Stack


async def test_a_partner_sees_only_its_integration(stack: Stack, ui: UI) -> None:
    from playwright.async_api import expect

    mine = await onboard(stack)  # Fjellsport AS, with a transfer
    other = await onboard(stack)
    await stack.gql("""mutation { startOnboarding(input: {companyName: "Havbris Catering AS", contactPerson: "Ola",
        email: "ola@havbris.example", source: RACKBEAT, target: TRIPLETEX}) { id } }""")
    mine_number = await book_invoice(stack, mine)
    other_number = await book_invoice(stack, other)
    await wait_for_transfer(stack, mine, str(mine_number), ("SUCCEEDED",))
    await wait_for_transfer(stack, other, str(other_number), ("SUCCEEDED",))
    created = await stack.gql(
        "mutation($i: ApiTokenInput!) { createApiToken(input: $i) { token role integrationIds } }",
        {"i": {"name": "partner script", "role": "PARTNER", "integrationIds": [mine.integration_id]}})
    token = created["createApiToken"]["token"]
    assert created["createApiToken"]["role"] == "PARTNER"
    page = ui.page

    await ui.open()
    await ui.sign_in(token)
    await expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
    rows = page.locator("#integrations-table tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Fjellsport AS")
    await expect(page.get_by_text("1 integration", exact=True)).to_be_visible()
    assert "Havbris" not in await page.locator("main").inner_text()
    await ui.shot("partner-integrations")

    # the log of every integration the token sees holds only its own transfers
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Transfer log").click()
    await expect(page.get_by_role("heading", name="Transfer log", level=1)).to_be_visible()
    log_rows = page.locator(".vbody [role=row]")
    await expect(log_rows).to_have_count(1)
    await expect(log_rows.first).to_contain_text("Fjellsport AS")
    await expect(log_rows.first).to_have_attribute("data-status", "SUCCEEDED")
    await ui.shot("partner-transfer-log")

    # its own integration opens; another one's address answers "not found", as if it did not exist
    await log_rows.first.get_by_role("button").click()
    await expect(page.locator("aside.detail")).to_contain_text("Succeeded")
    await ui.shot("partner-transfer-detail")
    await ui.open(f"#/integrations/{mine.integration_id}/settings")
    await expect(page.get_by_role("heading", name="Fjellsport AS", level=1)).to_be_visible()
    await expect(page.get_by_label("Booked invoice")).to_be_checked()
    await ui.shot("partner-settings")
    await ui.open(f"#/integrations/{other.integration_id}")
    await expect(page.get_by_role("heading", name="Not found", level=1)).to_be_visible()
    await ui.shot("partner-other-integration-not-found")
    await ui.open(f"#/integrations/{other.integration_id}/transfers")
    await expect(page.get_by_role("heading", name="Not found", level=1)).to_be_visible()

    # signing out forgets the token; the operator token then sees all three
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert await page.evaluate("sessionStorage.getItem('bokbro.token')") is None
    await ui.sign_in()
    await ui.open("#/integrations")
    await expect(page.locator("#integrations-table tbody tr")).to_have_count(3)
    await ui.shot("operator-integrations")
    ui.assert_clean()
