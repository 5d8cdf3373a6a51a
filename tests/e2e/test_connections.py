"""Connecting eAccounting (OAuth2 authorization code, rotating refresh tokens) and Mystore (token + webhook
secret): each needed scope checked and reported on its own."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.support.stack import GraphQLError, Stack

SAVE = "mutation($i: ConnectionInput!) { saveConnection(input: $i) { id status } }"
TEST = "mutation($id: ID!) { testConnection(id: $id) { status webhooksRegistered checks { name ok message } } }"


async def integration(stack: Stack, source: str, target: str) -> str:
    data = await stack.gql("mutation($i: StartOnboardingInput!) { startOnboarding(input: $i) { id } }",
                           {"i": {"companyName": "Kontorrekvisita AS", "contactPerson": "Per Hansen",
                                  "email": "per@kontor.example", "source": source, "target": target}})
    return str(data["startOnboarding"]["id"])


async def eaccounting_connection(stack: Stack, **account: Any) -> tuple[str, dict[str, Any]]:
    integ = await integration(stack, "RACKBEAT", "EACCOUNTING")
    r = await stack.sandbox("eaccounting", "POST", "/_control/accounts",
                            json={"seed": "empty", "redirectUri": f"{stack.base_url}/oauth/eaccounting/callback",
                                  **account})
    assert r.status_code == 201, r.text
    acc = r.json()
    conn = await stack.gql(SAVE, {"i": {"integrationId": integ, "system": "EACCOUNTING",
                                        "credentials": {"clientId": acc["clientId"],
                                                        "clientSecret": acc["clientSecret"]}}})
    return conn["saveConnection"]["id"], acc


async def test_eaccounting_authorization_code_flow_and_every_scope_checked(stack: Stack) -> None:
    conn_id, _ = await eaccounting_connection(stack)
    before = (await stack.gql(TEST, {"id": conn_id}))["testConnection"]
    assert before["status"] == "FAILED" and "not authorized" in before["checks"][0]["message"]
    url = (await stack.gql("mutation($id: ID!) { authorizeEAccounting(connectionId: $id) }",
                           {"id": conn_id}))["authorizeEAccounting"]
    query = parse_qs(urlparse(url).query)
    assert set(query["scope"][0].split()) == {"ea:api", "ea:sales", "ea:accounting", "ea:purchase", "offline_access"}
    # the customer's browser: authorize → redirect to bokbro's callback → connected
    page = await stack.http.get(url, follow_redirects=True)
    assert page.status_code == 200 and "eAccounting is connected" in page.text, page.text
    tested = (await stack.gql(TEST, {"id": conn_id}))["testConnection"]
    assert {c["name"]: c["ok"] for c in tested["checks"]} == {
        "ea:api": True, "ea:sales": True, "ea:accounting": True, "ea:purchase": True, "offline_access": True,
        "fiscal year": True}
    assert tested["status"] == "OK"
    # the code was single-use: replaying the callback is refused and changes nothing
    replay = await stack.http.get(page.url)
    assert replay.status_code in (400, 401, 502) and "not connected" in replay.text
    assert (await stack.gql(TEST, {"id": conn_id}))["testConnection"]["status"] == "OK"


async def test_a_forged_or_foreign_state_is_refused(stack: Stack) -> None:
    conn_id, _ = await eaccounting_connection(stack)
    url = (await stack.gql("mutation($id: ID!) { authorizeEAccounting(connectionId: $id) }",
                           {"id": conn_id}))["authorizeEAccounting"]
    state = parse_qs(urlparse(url).query)["state"][0]
    forged = state[:-4] + ("AAAA" if not state.endswith("AAAA") else "BBBB")
    r = await stack.http.get(f"{stack.base_url}/oauth/eaccounting/callback", params={"code": "x", "state": forged})
    assert r.status_code == 400 and "invalid or has expired" in r.text


async def test_eaccounting_missing_scope_and_missing_fiscal_year_are_named(stack: Stack) -> None:
    conn_id, acc = await eaccounting_connection(stack, fiscalYear=False)
    url = (await stack.gql("mutation($id: ID!) { authorizeEAccounting(connectionId: $id) }",
                           {"id": conn_id}))["authorizeEAccounting"]
    state = parse_qs(urlparse(url).query)["state"][0]
    code = (await stack.sandbox("eaccounting", "POST", f"/_control/accounts/{acc['accountId']}/authorize",
                                json={"scopes": ["ea:api", "offline_access", "ea:accounting"]})).json()["code"]
    page = await stack.http.get(f"{stack.base_url}/oauth/eaccounting/callback", params={"code": code, "state": state})
    assert page.status_code == 200, page.text
    checks = {c["name"]: c for c in (await stack.gql(TEST, {"id": conn_id}))["testConnection"]["checks"]}
    assert checks["ea:api"]["ok"] and not checks["ea:sales"]["ok"], checks
    assert not checks["ea:purchase"]["ok"] and "suppliers" in checks["ea:purchase"]["message"]
    assert "turn supplier sync off" in checks["ea:purchase"]["message"]
    assert not checks["fiscal year"]["ok"] and "fiscal year" in checks["fiscal year"]["message"]


async def test_mystore_scopes_and_webhooks(stack: Stack) -> None:
    integ = await integration(stack, "MYSTORE", "TRIPLETEX")
    r = await stack.sandbox("mystore", "POST", "/_control/accounts", json={"seed": "empty"})
    acc = r.json()
    creds = {"shop": acc["shop"], "token": acc["token"], "webhookSecret": acc["webhookSecret"]}
    conn = (await stack.gql(SAVE, {"i": {"integrationId": integ, "system": "MYSTORE", "credentials": creds}}))
    tested = (await stack.gql(TEST, {"id": conn["saveConnection"]["id"]}))["testConnection"]
    assert tested["status"] == "OK" and tested["webhooksRegistered"], tested
    limited = (await stack.sandbox("mystore", "POST", f"/_control/accounts/{acc['accountId']}/tokens",
                                   json={"scopes": ["read:orders"]})).json()["token"]
    conn = await stack.gql(SAVE, {"i": {"integrationId": integ, "system": "MYSTORE",
                                        "credentials": {**creds, "token": limited}}})
    tested = (await stack.gql(TEST, {"id": conn["saveConnection"]["id"]}))["testConnection"]
    missing = [c["name"] for c in tested["checks"] if not c["ok"]]
    assert tested["status"] == "FAILED" and missing and "read:orders" not in missing, tested


async def test_oauth_is_only_for_eaccounting(stack: Stack) -> None:
    integ = await integration(stack, "RACKBEAT", "TRIPLETEX")
    conn = await stack.gql(SAVE, {"i": {"integrationId": integ, "system": "RACKBEAT", "credentials": {"token": "t"}}})
    try:
        await stack.gql("mutation($id: ID!) { authorizeEAccounting(connectionId: $id) }",
                        {"id": conn["saveConnection"]["id"]})
    except GraphQLError as err:
        assert err.codes == ["INVALID_INPUT"]
    else:
        raise AssertionError("authorizing a Rackbeat connection through OAuth should be refused")
