"""A stand-in of the Mystore (Acendy) API v2 (``reference/mystore/API.md``), as a Starlette app.

``create_app()`` gives an app with ``/shops/{shop}/...`` (the JSON:API, Bearer personal access tokens with
scopes) and ``/_control/...`` (shops, tokens, state, faults, rate limit, webhook retry schedule, placing
orders and moving their status). ``app.state.mystore`` is the ``MystoreSandbox``:
``await app.state.mystore.drain()`` waits for pending webhook deliveries. The public reference leaves most
of Mystore's shapes unconfirmed; every choice the sandbox made is a named constant in ``guesses``.
"""

from backend.sandbox.mystore.app import MystoreSandbox, create_app

__all__ = ["MystoreSandbox", "create_app"]
