"""User-facing failure messages: each names the cause and the fix; no I/O.

One function, ``explain``, turns any expected error into the single message that goes to
the ``::error::`` annotation, the step summary and the tracking comment.
"""

from __future__ import annotations

from typing import Final

from jules_action.errors import (
    JulesActionError,
    JulesAPIError,
    JulesAuthError,
    JulesInvalidArgument,
    JulesNetworkError,
    JulesNotFound,
    JulesRateLimited,
    JulesServerError,
)

JULES_SETTINGS_URL: Final = "https://jules.google.com/settings#api"
JULES_APP_URL: Final = "https://jules.google.com"


def source_not_connected(repository: str) -> str:
    return (
        f"The repository {repository} is not connected to Jules, so Jules cannot work on it. "
        f"Fix: open {JULES_APP_URL}, connect this repository (this installs the Jules GitHub "
        "app on it), then re-run this workflow."
    )


def explain(error: JulesActionError, *, branch: str = "", public: bool = False) -> str:
    """The one message for ``error``: what went wrong and what to change.

    ``branch`` (the starting branch) is accepted for callers but no message needs it now.
    ``public``: for the issue thread, without what the Jules API said (its status and text
    can carry account details, such as quota figures); the job log gets the full message.
    """
    if not isinstance(error, JulesAPIError):
        return error.message
    said = "" if public else _said(error)
    if isinstance(error, JulesAuthError):
        return (
            f"Jules rejected the API key{said}. Fix: put a current key from "
            f"{JULES_SETTINGS_URL} into the secret passed as `jules-api-key`. Keys found "
            "exposed publicly are disabled automatically, and an account has at most 3 keys."
        )
    if isinstance(error, JulesRateLimited):
        return (
            f"Jules refused to start another task{said}: the account's daily task quota or "
            "its concurrent-task limit is reached. Fix: wait for running tasks to finish (or "
            "for the daily quota to reset); with the reconcile workflow from the README, "
            "queued requests start by themselves."
        )
    if isinstance(error, JulesInvalidArgument):
        fields = "; ".join(f"{v.field}: {v.description}" for v in error.field_violations)
        # The one documented cause of FAILED_PRECONDITION on create is requirePlanApproval:
        # false without an automation mode (jules-sdk #18, #174, #245); an unknown branch is
        # not it.
        hint = (
            " Jules answers FAILED_PRECONDITION when a session is created with "
            "`requirePlanApproval: false` and no automation mode; this action always sends "
            "`automationMode: AUTO_CREATE_PR`, so that cause does not apply: check that the "
            "Jules account can start this task in the Jules web app."
            if error.status == "FAILED_PRECONDITION"
            else ""
        )
        return (
            f"Jules rejected the session request{said}{' (' + fields + ')' if fields else ''}."
            f"{hint} If the inputs look right, this may be an API change: please report it."
        )
    if isinstance(error, JulesNotFound):
        return (
            f"Jules answered 'not found'{said}. The session may have been deleted in the "
            "Jules web app; comment the trigger phrase again to start a new request."
        )
    if isinstance(error, JulesServerError | JulesNetworkError):
        return (
            f"Jules did not answer properly{said}, even after retrying. This is usually "
            "temporary: re-run the workflow later. If it persists, check `jules-api-url`."
        )
    return f"The Jules API returned an error{said}."


def _said(error: JulesAPIError) -> str:
    parts = [str(error.status_code)] if error.status_code else []
    if error.status:
        parts.append(error.status)
    head = " ".join(parts)
    text = error.message.strip()
    if head and text:
        return f" (HTTP {head}: {text})"
    if head:
        return f" (HTTP {head})"
    return f" ({text})" if text else ""
