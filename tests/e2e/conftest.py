"""Fixtures for end-to-end tests: Prism serving GitHub's OpenAPI description behind a recorder."""

from __future__ import annotations

from collections.abc import Iterator

import github
import pytest

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
