"""A faithful stand-in of the Rackbeat API (``reference/rackbeat/API.md``), as a Starlette app.

``create_app()`` gives an app with ``/api/...`` (the API, bearer auth) and ``/_control/...`` (accounts,
state, faults, rate limit, webhook retry schedule). ``app.state.rackbeat`` is the ``RackbeatSandbox``:
``await app.state.rackbeat.drain()`` waits for pending webhook deliveries. Every guess about the real API
is a named constant in ``guesses``.
"""

from backend.sandbox.rackbeat.app import RackbeatSandbox, create_app

__all__ = ["RackbeatSandbox", "create_app"]
