"""Shared pytest fixtures: one dbt build per fixture directory per session, read by many tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from extract_mock import ANTHROPIC_KEY, KEY, MockApi
from harness import Build, build_project, fixture_dir


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Build]:
    """``fixture_build("money")`` builds tests/fixtures/money/landing (with tests/fixtures/money/seeds
    when that directory exists, else the project's seeds) once per session and returns the Build;
    later calls with the same arguments return the cached Build. A failed build is cached too: call
    ``harness.require_success(build)`` to fail with dbt's error text."""
    cache: dict[tuple, Build] = {}

    def get(name: str, *, use_fixture_seeds: bool = True) -> Build:
        directory = fixture_dir(name)
        seeds = directory / "seeds" if use_fixture_seeds and (directory / "seeds").is_dir() else None
        key = (str(directory / "landing"), str(seeds))
        if key not in cache:
            workdir = tmp_path_factory.mktemp(f"build-{name}")
            cache[key] = build_project(directory / "landing", workdir, seeds_dir=seeds)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def landing_build(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Build]:
    """``landing_build(landing_dir, seeds_dir=None)``: like fixture_build but for any directory
    (e.g. one a session fixture generated), cached by (landing_dir, seeds_dir)."""
    cache: dict[tuple, Build] = {}

    def get(landing_dir: Path, seeds_dir: Path | None = None) -> Build:
        key = (
            str(Path(landing_dir).resolve()),
            str(Path(seeds_dir).resolve()) if seeds_dir else None,
        )
        if key not in cache:
            workdir = tmp_path_factory.mktemp("build-landing")
            cache[key] = build_project(landing_dir, workdir, seeds_dir=seeds_dir)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver's mock APIs listen on 127.0.0.1 only (a free port)."""
    return ("127.0.0.1", 0)


@pytest.fixture
def api(httpserver, monkeypatch) -> MockApi:
    """The providers' Admin APIs mocked on 127.0.0.1, with the keys and base URLs ``token-ledger extract``
    reads pointing at it, and quick retries (3 attempts, 10 ms backoff)."""
    from token_ledger.extract import http

    mock = MockApi(httpserver)
    monkeypatch.setenv("OPENAI_ADMIN_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", mock.url("/v1"))
    monkeypatch.setenv("ANTHROPIC_BASE_URL", mock.url())
    monkeypatch.setattr(http, "DEFAULT_RETRY", http.RetryPolicy(attempts=3, initial_seconds=0.01, max_seconds=5))
    return mock
