"""Issue 4, finishing onboarding, over real HTTP on both back-ends: the e-mail with the signed settings link
(captured without SMTP, sent over a real local SMTP server with it), what the link may and may not do, expired,
altered and revoked links, the audit of who changed which setting, and a failing SMTP server."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from backend.services import auth as auth_service
from backend.services import onboarding as onboarding_service
from tests.support.backends import Backend
from tests.support.servers import free_port
from tests.support.smtp_server import smtp_server
from tests.support.stack import OPERATOR_TOKEN, GraphQLError, Stack, running_stack

START = "mutation($i: StartOnboardingInput!) { startOnboarding(input: $i) { id } }"
FINISH = """mutation($id: ID!) { finishOnboarding(integrationId: $id) { integrationId status alreadyFinished
  settingsLinkExpiresAt email { id to subject textBody htmlBody status error attempts } } }"""
EMAILS = "query($id: ID!) { sentEmails(integrationId: $id) { id to subject textBody status error attempts sentAt } }"
CHANGES = """query($id: ID!) { settingChanges(integrationId: $id) { field oldValue newValue changedBy actorKind
  actorId changedAt } }"""
UPDATE = """mutation($id: ID!, $m: TransferMode!) { updateSettings(integrationId: $id, input: {invoiceTransferMode: $m})
  { invoiceTransferMode } }"""
SET_MAPPINGS = """mutation($id: ID!, $target: String!) { setMappings(integrationId: $id, input: [{sourceKey: "vipps",
  targetKey: $target}]) { sourceKey targetKey } }"""
LINK = re.compile(r"(http://\S+/#/settings-link\?token=(bbl1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+))")

SMTP_USER, SMTP_PASSWORD = "mailer", "pa55-w0rd:with/odd@chars"
SMTP_PASSWORD_IN_URL = "pa55-w0rd%3Awith%2Fodd%40chars"


async def start(stack: Stack, company: str = "Fjord Verktøy AS", email: str = "ola@fjord.example") -> str:
    data = await stack.gql(START, {"i": {"companyName": company, "contactPerson": "Ola Nordmann", "email": email,
                                         "source": "RACKBEAT", "target": "TRIPLETEX"}})
    return str(data["startOnboarding"]["id"])


def link_of(text: str) -> tuple[str, str]:
    found = LINK.search(text)
    assert found, text
    return found.group(1), found.group(2)


async def codes_of(stack: Stack, query: str, variables: dict[str, object] | None = None, *,
                   token: str) -> list[str]:
    with pytest.raises(GraphQLError) as err:
        await stack.gql(query, variables, token=token)
    return err.value.codes


@pytest.fixture
async def api(be: Backend) -> AsyncIterator[Stack]:
    async with running_stack(be, sandboxes=False, embedded_worker=False) as s:
        yield s


async def test_finishing_captures_an_email_whose_link_opens_only_that_companys_settings(api: Stack) -> None:
    mine = await start(api)
    other = await start(api, "Someone Else AS", "else@else.example")
    await api.gql(UPDATE, {"id": mine, "m": "ORDER"})  # the operator, before finishing

    done = (await api.gql(FINISH, {"id": mine}))["finishOnboarding"]
    assert done["status"] == "ACTIVE" and done["alreadyFinished"] is False
    email = done["email"]
    assert email["status"] == "CAPTURED" and email["to"] == "ola@fjord.example" and email["error"] is None
    assert "Fjord Verktøy AS" in email["subject"]
    text = email["textBody"]
    assert "Hei Ola Nordmann" in text and "Hello Ola Nordmann" in text  # Norwegian and English
    assert "Rackbeat → Tripletex" in text and "redigerbar ordre" in text and "editable orders" in text
    url, token = link_of(text)
    assert url.startswith(f"{api.base_url}/#/settings-link?token=")  # a fragment: never sent to a server
    assert token in email["htmlBody"]
    expires = datetime.fromisoformat(done["settingsLinkExpiresAt"])
    assert timedelta(days=13) < expires - datetime.now(UTC) <= timedelta(days=14)
    assert (await api.gql(EMAILS, {"id": mine}))["sentEmails"][0]["id"] == email["id"]

    # finishing again changes nothing and sends nothing
    again = (await api.gql(FINISH, {"id": mine}))["finishOnboarding"]
    assert again["alreadyFinished"] is True and again["email"] is None and again["status"] == "ACTIVE"
    assert len((await api.gql(EMAILS, {"id": mine}))["sentEmails"]) == 1

    # the link reads its own integration: settings, mappings, transfer log; the list holds only it
    seen = await api.gql("{ integrations { id companyName status settings { invoiceTransferMode } } }", token=token)
    assert seen["integrations"] == [{"id": mine, "companyName": "Fjord Verktøy AS", "status": "ACTIVE",
                                     "settings": {"invoiceTransferMode": "ORDER"}}]
    own = await api.gql("""query($id: ID!) { integration(id: $id) { id } mappings(integrationId: $id) { id }
        transfers(integrationId: $id) { edges { cursor } } }""", {"id": mine}, token=token)
    assert own["integration"]["id"] == mine and own["transfers"]["edges"] == []
    # ... and changes its settings and mappings
    assert (await api.gql(UPDATE, {"id": mine, "m": "INVOICE"}, token=token))["updateSettings"] == {
        "invoiceTransferMode": "INVOICE"}
    assert (await api.gql(SET_MAPPINGS, {"id": mine, "target": "7"}, token=token))["setMappings"] == [
        {"sourceKey": "vipps", "targetKey": "7"}]

    # another integration does not exist for it
    assert (await api.gql("query($id: ID!) { integration(id: $id) { id } }", {"id": other},
                          token=token))["integration"] is None
    assert await codes_of(api, UPDATE, {"id": other, "m": "ORDER"}, token=token) == ["NOT_FOUND"]
    assert await codes_of(api, "query($id: ID!) { transfers(integrationId: $id) { edges { cursor } } }",
                          {"id": other}, token=token) == ["NOT_FOUND"]
    # nothing beyond settings: no tokens, no connections (credentials), no e-mails, no onboarding, no transfers
    forbidden = [
        ('mutation { createApiToken(input: {name: "x", role: OPERATOR}) { token } }', {}),
        ("mutation($id: ID!) { saveConnection(input: {integrationId: $id, system: RACKBEAT, "
         'credentials: {token: "x"}}) { id } }', {"id": mine}),
        ("mutation($id: ID!) { testConnection(id: $id) { id } }", {"id": mine}),
        (EMAILS, {"id": mine}),
        (FINISH, {"id": other}),
        ("mutation($id: ID!) { resendSettingsLink(integrationId: $id) { id } }", {"id": mine}),
        ("mutation($id: ID!) { revokeSettingsLinks(integrationId: $id) }", {"id": mine}),
        ('mutation($id: ID!) { transferDocument(integrationId: $id, kind: INVOICE, sourceRef: "1") { id } }',
         {"id": mine}),
        # an allowed field does not carry a forbidden one in with it, nor does an alias or a fragment hide it
        ('mutation($id: ID!) { updateSettings(integrationId: $id, input: {}) { invoiceTransferMode } '
         'x: createApiToken(input: {name: "x", role: OPERATOR}) { token } }', {"id": mine}),
        ('query { ...F } fragment F on Query { integrations { id } sentEmails(integrationId: "x") { id } }', {}),
    ]
    for query, variables in forbidden:
        assert await codes_of(api, query, variables, token=token) == ["FORBIDDEN"], query
    assert (await api.gql("{ integrations { id } }"))["integrations"]  # the operator still sees everything

    # the audit: who changed what, from what to what, newest first
    changes = (await api.gql(CHANGES, {"id": mine}))["settingChanges"]
    by_field = [(c["field"], c["oldValue"], c["newValue"], c["actorKind"], c["changedBy"]) for c in changes]
    assert by_field == [
        ("mapping.payment_method.vipps", None,
         json.dumps({"options": {"markAsPaid": True, "sendInvoice": False, "transferAs": "INVOICE"},
                     "targetKey": "7"}, sort_keys=True), "SETTINGS_LINK", "settings link"),
        ("invoice_transfer_mode", "ORDER", "INVOICE", "SETTINGS_LINK", "settings link"),
        ("invoice_transfer_mode", "INVOICE", "ORDER", "TOKEN", "bootstrap"),
    ], by_field
    assert changes[0]["actorId"].startswith("link:")
    # the link may read its integration's audit too
    assert len((await api.gql(CHANGES, {"id": mine}, token=token))["settingChanges"]) == 3
    # changing a mapping again records old → new; an unchanged save records nothing
    await api.gql(SET_MAPPINGS, {"id": mine, "target": "8"}, token=token)
    await api.gql(SET_MAPPINGS, {"id": mine, "target": "8"}, token=token)
    await api.gql(UPDATE, {"id": mine, "m": "INVOICE"}, token=token)
    changes = (await api.gql(CHANGES, {"id": mine}))["settingChanges"]
    assert len(changes) == 4 and changes[0]["field"] == "mapping.payment_method.vipps"
    assert '"targetKey": "7"' in changes[0]["oldValue"] and '"targetKey": "8"' in changes[0]["newValue"]


async def test_expired_altered_and_revoked_links_are_refused(api: Stack) -> None:
    mine = await start(api)
    other = await start(api, "Someone Else AS", "else@else.example")
    done = (await api.gql(FINISH, {"id": mine}))["finishOnboarding"]
    _, token = link_of(done["email"]["textBody"])
    await api.gql("{ integrations { id } }", token=token)

    async def refused(bad: str) -> str:
        r = await api.http.post(f"{api.base_url}/graphql", json={"query": "{ integrations { id } }"},
                                headers={"Authorization": f"Bearer {bad}"})
        errors = r.json()["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"], errors
        return str(errors[0]["message"])

    # expired: made through the service with a past expiry
    ctx = api.app.state.ctx
    operator = await auth_service.authenticate(ctx, f"Bearer {OPERATOR_TOKEN}")
    past = await onboarding_service.make_settings_link(ctx, operator, mine,
                                                       expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert "expired" in await refused(past.token)
    fresh = await onboarding_service.make_settings_link(ctx, operator, mine)
    await api.gql("{ integrations { id } }", token=fresh.token)

    # altered: another integration's id in the payload, a changed signature, a truncated token
    prefix, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["i"] = other
    forged = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).decode().rstrip("=")
    assert "not valid" in await refused(f"{prefix}.{forged}.{signature}")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert "not valid" in await refused(f"{prefix}.{payload}.{flipped}")
    assert "not valid" in await refused(f"{prefix}.{payload}")

    # revoked: every earlier link stops working; a fresh one, sent again, works
    assert (await api.gql("mutation($id: ID!) { revokeSettingsLinks(integrationId: $id) }", {"id": mine}))
    assert "revoked" in await refused(token)
    assert "revoked" in await refused(fresh.token)
    resent = (await api.gql("mutation($id: ID!) { resendSettingsLink(integrationId: $id) { status textBody } }",
                            {"id": mine}))["resendSettingsLink"]
    assert resent["status"] == "CAPTURED"
    _, new_token = link_of(resent["textBody"])
    assert new_token != token
    await api.gql("{ integrations { id } }", token=new_token)
    assert len((await api.gql(EMAILS, {"id": mine}))["sentEmails"]) == 2


async def test_a_partner_reads_its_integrations_emails_and_a_settings_link_needs_finishing(api: Stack) -> None:
    mine = await start(api)
    other = await start(api, "Someone Else AS", "else@else.example")
    partner = (await api.gql(
        "mutation($i: ApiTokenInput!) { createApiToken(input: $i) { token } }",
        {"i": {"name": "partner", "role": "PARTNER", "integrationIds": [mine]}}))["createApiToken"]["token"]
    assert await codes_of(api, "mutation($id: ID!) { resendSettingsLink(integrationId: $id) { id } }",
                          {"id": mine}, token=partner) == ["CONFLICT"]  # not finished yet
    done = (await api.gql(FINISH, {"id": mine}, token=partner))["finishOnboarding"]
    assert done["email"]["status"] == "CAPTURED"
    assert len((await api.gql(EMAILS, {"id": mine}, token=partner))["sentEmails"]) == 1
    assert await codes_of(api, EMAILS, {"id": other}, token=partner) == ["NOT_FOUND"]
    assert await codes_of(api, FINISH, {"id": other}, token=partner) == ["NOT_FOUND"]
    assert await codes_of(api, "mutation($id: ID!) { resendEmail(id: $id) { id } }", {"id": done["email"]["id"]},
                          token=partner) == ["CONFLICT"]  # captured: nothing to resend


async def test_with_smtp_the_email_is_sent_to_a_real_smtp_server(be: Backend,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with smtp_server(username=SMTP_USER, password=SMTP_PASSWORD) as server:
        url = f"smtp://{SMTP_USER}:{SMTP_PASSWORD_IN_URL}@127.0.0.1:{server.port}"
        async with running_stack(be, sandboxes=False, embedded_worker=False, smtp_url=url,
                                 mail_from="bokbro <no-reply@bokbro.test>") as api:
            mine = await start(api)
            done = (await api.gql(FINISH, {"id": mine}))["finishOnboarding"]
            assert done["status"] == "ACTIVE"
            assert done["email"]["status"] == "SENT" and done["email"]["attempts"] == 1, done
            assert len(server.messages) == 1
            got = server.messages[0]
            assert got.login == SMTP_USER  # it logged in with the configured (percent-decoded) password
            assert got.recipients == ["ola@fjord.example"] and got.sender == "no-reply@bokbro.test"
            assert got.message["To"] == "ola@fjord.example" and "Fjord Verktøy AS" in got.message["Subject"]
            assert got.message.get_body(preferencelist=("html",)) is not None
            _, token = link_of(got.text())
            assert (await api.gql("{ integrations { id } }", token=token))["integrations"] == [{"id": mine}]
            sent = (await api.gql(EMAILS, {"id": mine}))["sentEmails"]
            assert sent[0]["status"] == "SENT" and sent[0]["sentAt"]
            assert await codes_of(api, "mutation($id: ID!) { resendEmail(id: $id) { id } }", {"id": sent[0]["id"]},
                                  token=OPERATOR_TOKEN) == ["CONFLICT"]  # sent once is enough
            assert SMTP_PASSWORD not in json.dumps(sent)
    assert not [r for r in caplog.records if SMTP_PASSWORD in r.getMessage() or SMTP_PASSWORD_IN_URL in
                r.getMessage()]


async def test_a_failing_smtp_server_keeps_the_activation_and_resend_works_once_it_is_up(
        be: Backend, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    port = free_port()  # nothing listens here yet
    url = f"smtp://{SMTP_USER}:{SMTP_PASSWORD_IN_URL}@127.0.0.1:{port}"
    async with running_stack(be, sandboxes=False, embedded_worker=False, smtp_url=url,
                             smtp_timeout_seconds=5) as api:
        mine = await start(api)
        done = (await api.gql(FINISH, {"id": mine}))["finishOnboarding"]
        assert done["status"] == "ACTIVE"  # the failed e-mail does not undo the activation
        email = done["email"]
        assert email["status"] == "FAILED" and "could not be reached" in email["error"], email
        assert f"127.0.0.1:{port}" in email["error"] and SMTP_PASSWORD_IN_URL not in email["error"]
        status = await api.gql("query($id: ID!) { integration(id: $id) { status } }", {"id": mine})
        assert status["integration"]["status"] == "ACTIVE"
        again = (await api.gql(FINISH, {"id": mine}))["finishOnboarding"]
        assert again["alreadyFinished"] is True and again["email"] is None

        resend = "mutation($id: ID!) { resendEmail(id: $id) { id status error attempts sentAt } }"
        # the server is up, but refuses the login: still FAILED, and the reason names no password
        with smtp_server(port=port, username=SMTP_USER, password="another-password") as wrong:
            refused = (await api.gql(resend, {"id": email["id"]}))["resendEmail"]
            assert refused["status"] == "FAILED" and "refused the login (535)" in refused["error"], refused
            assert wrong.messages == []
        with smtp_server(port=port, username=SMTP_USER, password=SMTP_PASSWORD) as server:
            sent = (await api.gql(resend, {"id": email["id"]}))["resendEmail"]
            assert sent["status"] == "SENT" and sent["error"] is None and sent["attempts"] == 3, sent
            assert len(server.messages) == 1 and server.messages[0].recipients == ["ola@fjord.example"]
            _, token = link_of(server.messages[0].text())
            assert (await api.gql("{ integrations { id } }", token=token))["integrations"] == [{"id": mine}]
        emails = (await api.gql(EMAILS, {"id": mine}))["sentEmails"]
        assert [e["status"] for e in emails] == ["SENT"]  # the same row, not a second e-mail
        assert SMTP_PASSWORD not in json.dumps(emails) and SMTP_PASSWORD_IN_URL not in json.dumps(emails)
    assert not [r for r in caplog.records if SMTP_PASSWORD in r.getMessage() or SMTP_PASSWORD_IN_URL in
                r.getMessage()]
