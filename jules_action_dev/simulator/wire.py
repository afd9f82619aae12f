"""Google JSON wire conventions used by the simulator; pure, no I/O.

Owns: RFC 3339 timestamps (formatting with Google's 0/3/6 fractional digits and parsing),
proto3 default omission, the canonical-code table and the ``{"error": {...}}`` envelope
(``RpcError``). Times are integer microseconds since the Unix epoch throughout the simulator.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

JsonObject = dict[str, Any]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Canonical gRPC code -> HTTP status, as Google front ends map them.
HTTP_STATUS: dict[str, int] = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "OUT_OF_RANGE": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "ABORTED": 409,
    "RESOURCE_EXHAUSTED": 429,
    "INTERNAL": 500,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}

NOT_FOUND_MESSAGE = "Requested entity was not found."

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)


class RpcError(Exception):
    """A Google API error: canonical ``status`` name, message and optional typed details."""

    def __init__(
        self,
        status: str,
        message: str,
        *,
        details: list[JsonObject] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []
        self.retry_after = retry_after

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.status]

    def envelope(self) -> JsonObject:
        error: JsonObject = {
            "code": self.http_status,
            "message": self.message,
            "status": self.status,
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(field: str, description: str, message: str | None = None) -> RpcError:
    """400 INVALID_ARGUMENT carrying a ``google.rpc.BadRequest`` field violation."""
    return RpcError(
        "INVALID_ARGUMENT",
        message or description,
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": description}],
            }
        ],
    )


def not_found() -> RpcError:
    return RpcError("NOT_FOUND", NOT_FOUND_MESSAGE)


def micros_from_datetime(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def datetime_from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def format_timestamp(micros: int) -> str:
    """RFC 3339 in UTC with Z, with 0, 3 or 6 fractional digits like Google's JSON mapping."""
    moment = _EPOCH + timedelta(microseconds=micros)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = moment.microsecond
    if fraction == 0:
        return base + "Z"
    if fraction % 1000 == 0:
        return f"{base}.{fraction // 1000:03d}Z"
    return f"{base}.{fraction:06d}Z"


def parse_timestamp(text: str) -> int:
    """RFC 3339 -> microseconds, truncating nanoseconds. Raises ValueError when malformed."""
    match = _TIMESTAMP.match(text.strip())
    if match is None:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    year, month, day, hour, minute, second = (int(part) for part in match.group(1, 2, 3, 4, 5, 6))
    fraction = (match.group(7) or "").ljust(6, "0")[:6]
    offset = timedelta()
    if match.group(9):
        sign = 1 if match.group(9) == "+" else -1
        offset = sign * timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
    moment = datetime(year, month, day, hour, minute, second, int(fraction), tzinfo=UTC) - offset
    return micros_from_datetime(moment)


def prune(message: JsonObject) -> JsonObject:
    """Drop proto3 default scalars (None, "", 0, False) and empty lists, recursively.

    Empty objects are kept on purpose: a set-but-empty message such as ``sessionCompleted``
    serializes as ``{}``; unset messages are simply never put into the dict.
    """
    pruned = {key: _prune_value(item) for key, item in message.items()}
    return {key: item for key, item in pruned.items() if not _is_default(item)}


def _prune_value(value: Any) -> Any:
    if isinstance(value, dict):
        return prune(value)
    if isinstance(value, list):
        return [_prune_value(item) for item in value]
    return value


def _is_default(value: Any) -> bool:
    return (
        value is None
        or value is False
        or value == ""
        or value == []
        or (isinstance(value, int) and not isinstance(value, bool) and value == 0)
    )
