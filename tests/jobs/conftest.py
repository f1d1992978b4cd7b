"""The worker's scheduled jobs sweep the whole database, so each test here gets a database of its own."""

from __future__ import annotations

import pytest


@pytest.fixture
def database_url(isolated_database_url: str) -> str:
    return isolated_database_url
