"""A faithful stand-in of the Tripletex API v2 (``create_app``), with a control API for tests and the demo.

Routes, relative to where the app is mounted (``/sandbox/tripletex`` in the product):
``/v2/...`` the API, ``/_control/...`` accounts, faults, clock, rate limit, bank account and state.
Everything the public reference could not confirm is a named constant in ``guesses.py``.
"""

from backend.sandbox.tripletex.app import create_app

__all__ = ["create_app"]
