"""A faithful stand-in of Visma eAccounting (Spiris Bokföring & Fakturering) API v2 (``create_app``), with its
identity server and a control API for tests and the demo.

Routes, relative to where the app is mounted (``/sandbox/eaccounting`` in the product):
``/identity/connect/{authorize,token,revocation}`` the OAuth2 identity server, ``/v2/...`` the API,
``/_control/...`` companies, OAuth codes, clock and token expiry, faults, rate limit, fiscal years and state.
Request bodies are checked and responses rendered from tables generated from the published spec
(``schemas.py``); everything the public reference could not confirm is a named constant in ``guesses.py``.
"""

from backend.sandbox.eaccounting.app import create_app

__all__ = ["create_app"]
