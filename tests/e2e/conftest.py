"""Fixtures for end-to-end tests: Prism serving GitHub's OpenAPI description behind a recorder."""

from __future__ import annotations

from collections.abc import Iterator

import github
import pytest

from tests.e2e.action_process import HeaderRecordingProxy
from tests.github_mock.prism import PrismMock, missing_tools, start_prism


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrismMock]:
    """A running Prism (GitHub REST spec, trimmed) behind a recording proxy, for the session.

    Fails (does not skip) when the tools are not installed.
    """
    problem = missing_tools()
    if problem:
        pytest.fail(f"Prism e2e tests cannot run: {problem}", pytrace=False)
    try:
        with start_prism(tmp_path_factory.mktemp("prism")) as mock:
            yield mock
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def prism_mock(prism: PrismMock, monkeypatch: pytest.MonkeyPatch) -> PrismMock:
    """``prism`` with an empty request log and PyGithub's reactions media type made Prism-safe.

    PyGithub sends ``Accept: application/vnd.github.squirrel-girl-preview`` for reactions; real
    GitHub accepts it, but Prism cannot serialize a type without ``+json`` (500) or refuses it
    (406). PyGithub reads ``Consts.mediaTypeReactionsPreview`` at call time, so the test (never
    production code) swaps in the ``+json`` spelling.
    """
    monkeypatch.setattr(
        github.Consts,
        "mediaTypeReactionsPreview",
        "application/vnd.github.squirrel-girl-preview+json",
    )
    prism.clear()
    return prism


@pytest.fixture
def github_api(prism: PrismMock) -> Iterator[HeaderRecordingProxy]:
    """A fresh recording proxy in front of the session's Prism, for a process under test.

    Unlike ``prism_mock`` it patches nothing in this process: the proxy itself normalizes
    PyGithub's reactions preview media type (``normalize_reactions_preview=True``), and it
    also keeps every request's headers. Its own request log starts empty.
    """
    proxy = HeaderRecordingProxy()
    proxy.set_upstream("127.0.0.1", prism.prism_port)
    try:
        yield proxy
    finally:
        proxy.close()
