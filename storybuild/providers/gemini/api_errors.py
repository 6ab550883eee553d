"""Reading Gemini API errors: what went wrong, in one line, and what the server asked for.

A real 429 carries google.rpc details: QuotaFailure (which quota: a `quotaId` such as
`GenerateRequestsPerMinutePerProjectPerModel` or `...PerDay...`), Help (links) and
RetryInfo (`retryDelay`, 26-47 s in practice). Its message spans several lines, which
would break a one-line progress display, so messages are folded to one line here.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import time
from typing import Any

MAX_MESSAGE = 300  # characters of the server's message kept in a one-line error
RESET_ZONE = "America/Los_Angeles"  # per-day quotas reset at midnight Pacific time


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` with every run of whitespace (newlines included) folded to one space,
    cut at `limit` characters with an ellipsis."""
    folded = " ".join(str(text).split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def _details(exc: Any) -> list[dict[str, Any]]:
    body = exc.details if isinstance(getattr(exc, "details", None), dict) else {}
    error = body.get("error", body)
    details = error.get("details") if isinstance(error, dict) else None
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def quota_ids(exc: Any) -> list[str]:
    """The `quotaId`s of every QuotaFailure violation in the error's details."""
    ids = []
    for detail in _details(exc):
        if str(detail.get("@type", "")).endswith("google.rpc.QuotaFailure"):
            for violation in detail.get("violations") or []:
                if isinstance(violation, dict) and violation.get("quotaId"):
                    ids.append(str(violation["quotaId"]))
    return ids


def daily_quota(exc: Any) -> str | None:
    """The per-day quota this 429 names (a quotaId containing "PerDay"), else None:
    such a quota does not clear until the day resets, so retrying only wastes time."""
    if getattr(exc, "code", None) != 429:
        return None
    return next((quota for quota in quota_ids(exc) if "PerDay" in quota), None)


def describe_api_error(exc: Any) -> str:
    """"429 RESOURCE_EXHAUSTED: quota X exceeded" for a quota error, else
    "503 UNAVAILABLE: <message folded to one line>", leaving out what was not sent."""
    head = " ".join(str(part) for part in (exc.code, exc.status) if part)
    quotas = quota_ids(exc)
    if quotas:
        return f"{head}: quota {', '.join(dict.fromkeys(quotas))} exceeded"
    return f"{head}: {one_line(exc.message)}" if exc.message else head


def reset_phrase(now: dt.datetime | None = None) -> str:
    """When a per-day quota resets, as words: "at midnight Pacific time (08:00 UTC,
    in 5 h 12 min)". `now` is an aware datetime (injectable for tests)."""
    from zoneinfo import ZoneInfo

    now = now or dt.datetime.now(dt.timezone.utc)
    local = now.astimezone(ZoneInfo(RESET_ZONE))
    midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = max(1, round((midnight - local).total_seconds() / 60))
    utc = midnight.astimezone(dt.timezone.utc)
    return f"at midnight Pacific time ({utc:%H:%M} UTC, in {minutes // 60} h {minutes % 60} min)"


def server_delay(exc: Any) -> float | None:
    """The delay the server asked for: google.rpc.RetryInfo's retryDelay in the error
    details, else a Retry-After header (seconds or an HTTP date)."""
    for detail in _details(exc):
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            seconds = parse_duration(detail.get("retryDelay", detail.get("retry_delay")))
            if seconds is not None:
                return seconds
    headers = getattr(getattr(exc, "response", None), "headers", None)
    return parse_retry_after(headers.get("retry-after")) if headers is not None else None


def parse_duration(value: Any) -> float | None:
    """A protobuf Duration in JSON form ("2s", "0.5s") or a number of seconds."""
    if isinstance(value, (int, float)) and value >= 0:
        return float(value)
    if isinstance(value, dict):  # {"seconds": 2, "nanos": 500000000}
        return float(value.get("seconds", 0)) + float(value.get("nanos", 0)) / 1e9
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)s?\s*", str(value)) if value is not None else None
    return float(match.group(1)) if match else None


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date."""
    if not value:
        return None
    seconds = parse_duration(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
