"""The exception tree of jules-action; no I/O.

Every expected failure is one of these, so the composition root can turn it into
one message that names the cause and the fix, a defined outcome and an exit code::

    JulesActionError                 root; .message is shown to the user
    ├── ConfigError                  an action input is missing or invalid (.input_name)
    ├── EventError                   the event file is missing, unreadable or malformed
    ├── JulesAPIError                the Jules API answered with an error (.status_code, .status)
    │   ├── JulesAuthError           401 / 403: bad, missing or disabled API key
    │   ├── JulesNotFound            404
    │   ├── JulesInvalidArgument     400 INVALID_ARGUMENT / FAILED_PRECONDITION / OUT_OF_RANGE
    │   ├── JulesRateLimited         429 RESOURCE_EXHAUSTED (quota or rate limit)
    │   ├── JulesServerError         5xx
    │   └── JulesNetworkError        no HTTP answer at all (DNS, connect, timeout)
    └── GitHubError                  the GitHub API refused a call (.status_code)
        ├── GitHubPermissionError    401 / 403: the token lacks a permission
        └── GitHubNotFound           404
"""

from __future__ import annotations

from dataclasses import dataclass


class JulesActionError(Exception):
    """Root of every error this action expects and reports."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(JulesActionError):
    """An action input (or a GitHub-provided variable) is missing or invalid."""

    def __init__(self, message: str, *, input_name: str | None = None) -> None:
        super().__init__(message)
        self.input_name = input_name


class EventError(JulesActionError):
    """The workflow event file is missing, unreadable or not the expected shape."""


@dataclass(frozen=True)
class FieldViolation:
    """One entry of a google.rpc.BadRequest detail."""

    field: str
    description: str


class JulesAPIError(JulesActionError):
    """The Jules API answered with an error status (or did not answer at all)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None,
        status: str = "",
        field_violations: tuple[FieldViolation, ...] = (),
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.status = status
        self.field_violations = field_violations
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, "
            f"status={self.status!r}, message={self.message!r})"
        )


class JulesAuthError(JulesAPIError):
    """401/403: the API key is missing, wrong, or has been disabled."""


class JulesNotFound(JulesAPIError):
    """404: the session, activity or source does not exist (or not yet)."""


class JulesInvalidArgument(JulesAPIError):
    """400: the request was rejected (bad enum, missing field, failed precondition)."""


class JulesRateLimited(JulesAPIError):
    """429 RESOURCE_EXHAUSTED: a rate limit, the daily task quota or the concurrency cap."""


class JulesServerError(JulesAPIError):
    """5xx: the service failed; retryable."""


class JulesNetworkError(JulesAPIError):
    """No HTTP answer: connection refused, DNS failure or timeout; retryable."""


class GitHubError(JulesActionError):
    """The GitHub API refused a call (or gave no usable answer).

    ``retry_after`` is the wait GitHub asked for (``Retry-After``, or the seconds until
    ``x-ratelimit-reset`` when the rate limit is spent), when it said one.
    """

    def __init__(
        self, message: str, *, status_code: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """Worth another try: no answer, a 5xx, or a rate limit (primary or secondary)."""
        code = self.status_code
        return code is None or code >= 500 or code == 429 or self.retry_after is not None


class GitHubPermissionError(GitHubError):
    """401/403: the workflow token lacks a permission (for example issues: write)."""


class GitHubNotFound(GitHubError):
    """404: the issue, comment, pull request or user does not exist or is not visible."""
