"""``bokbro sandbox``: one ASGI app serving all four sandboxes under ``/sandbox/{system}`` (as demo mode mounts
them), each with its control API, demo data and fault injection — over real HTTP."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import httpx

from backend.sandbox.server import SYSTEMS, create_server
from tests.support.servers import serve_asgi

CUSTOMERS = 200  # the demo data set: at least 200 customers in every system that has customers


async def test_one_server_serves_all_four_with_demo_data_and_faults() -> None:
    async with serve_asgi(create_server()) as root, httpx.AsyncClient(base_url=root, timeout=60) as http:
        index = (await http.get("/")).json()
        assert index == {name: f"{root}/sandbox/{name}" for name in SYSTEMS}
        accounts: dict[str, dict[str, Any]] = {}
        for system in SYSTEMS:
            r = await http.post(f"/sandbox/{system}/_control/accounts", json={"seed": "demo"})
            assert r.status_code == 201, (system, r.text)
            accounts[system] = r.json()

        rb = accounts["rackbeat"]
        rb_auth = {"Authorization": f"Bearer {rb['token']}"}
        customers = await http.get("/sandbox/rackbeat/api/customers", headers=rb_auth)
        assert customers.status_code == 206 and customers.json()["total"] >= CUSTOMERS

        tx = accounts["tripletex"]
        session = await http.put("/sandbox/tripletex/v2/token/session/:create", params={
            "consumerToken": tx["consumerToken"], "employeeToken": tx["employeeToken"],
            "expirationDate": (date.today() + timedelta(days=2)).isoformat()})
        assert session.status_code == 200, session.text
        tx_auth = ("0", session.json()["value"]["token"])
        tx_customers = await http.get("/sandbox/tripletex/v2/customer", auth=tx_auth)
        assert tx_customers.status_code == 200 and tx_customers.json()["fullResultSize"] >= CUSTOMERS

        ea = accounts["eaccounting"]
        assert ea["apiBaseUrl"].startswith(f"{root}/sandbox/eaccounting")
        code = await http.post(f"/sandbox/eaccounting/_control/accounts/{ea['accountId']}/authorize",
                               json={"scopes": ["ea:api", "offline_access", "ea:sales"]})
        assert code.status_code == 200, code.text
        basic = base64.b64encode(f"{ea['clientId']}:{ea['clientSecret']}".encode()).decode()
        tokens = await http.post(ea["tokenUrl"], headers={"Authorization": f"Basic {basic}"}, data={
            "grant_type": "authorization_code", "code": code.json()["code"], "redirect_uri": ea["redirectUri"]})
        assert tokens.status_code == 200, tokens.text
        ea_auth = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        ea_customers = await http.get(f"{ea['apiBaseUrl']}/customers", headers=ea_auth)
        assert ea_customers.status_code == 200 and ea_customers.json()["Meta"]["TotalNumberOfResults"] >= CUSTOMERS

        ms = accounts["mystore"]
        ms_auth = {"Authorization": f"Bearer {ms['token']}", "Accept": "application/vnd.api+json"}
        orders = await http.get(f"/sandbox/mystore/shops/{ms['shop']}/orders", headers=ms_auth)
        assert orders.status_code == 200 and orders.json()["data"]

        # fault injection per account on every mount: a 429 storm of one request, then normal again
        calls: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
            "rackbeat": lambda: http.get("/sandbox/rackbeat/api/customers", headers=rb_auth),
            "tripletex": lambda: http.get("/sandbox/tripletex/v2/customer", auth=tx_auth),
            "eaccounting": lambda: http.get(f"{ea['apiBaseUrl']}/customers", headers=ea_auth),
            "mystore": lambda: http.get(f"/sandbox/mystore/shops/{ms['shop']}/orders", headers=ms_auth),
        }
        for system, call in calls.items():
            r = await http.post(f"/sandbox/{system}/_control/accounts/{accounts[system]['accountId']}/faults",
                                json={"rate_limit_storm": 1})
            assert r.status_code == 200, (system, r.text)
            assert (await call()).status_code == 429, system
            assert (await call()).status_code in (200, 206), system
