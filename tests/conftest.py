from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.backends import Backend, backend
from tests.support.stack import Stack, running_stack


@pytest.fixture(params=["embedded", "postgres"])
async def be(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    async with backend(request.param, tmp_path) as b:
        yield b


@pytest.fixture
async def stack(be: Backend) -> AsyncIterator[Stack]:
    async with running_stack(be) as s:
        yield s
