"""storybuild's own retry loop for Gemini calls (the SDK's retries stay off).

Why our own: the SDK's tenacity loop ignores the server's RetryInfo delay, cannot
release the concurrency slot while it sleeps, and its final error is the raw SDK
exception. Here every attempt is classified into a `Failure` (a user-readable
description, whether it is worth retrying, and any delay the server asked for), waits
use exponential backoff with full jitter, and the last failure becomes one
ProviderError naming the model and the number of attempts.
"""

from __future__ import annotations

import email.utils
import functools
import importlib
import logging
import os
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, TypeVar

from storybuild.errors import ProviderError

T = TypeVar("T")

logger = logging.getLogger("storybuild.gemini")

BASE_ENV = "STORYBUILD_RETRY_BASE_SECONDS"
CAP_ENV = "STORYBUILD_RETRY_CAP_SECONDS"

# Rate limits, server errors and gateway timeouts pass; 4xx other than 429 never do.
RETRYABLE_CODES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts and how long to wait between them.

    Invariant: attempts >= 1 and 0 <= base <= cap. The wait before retry n (n >= 1) is
    uniform in [0, min(cap, base * 2**(n-1))] ("full jitter"), but never shorter than a
    delay the server asked for, which is itself bounded by `max_server_delay`.
    `sleep` and `rng` are injectable so tests need not wait.
    """

    attempts: int = 6
    base: float = 1.0
    cap: float = 30.0
    max_server_delay: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def from_env(cls, retries: int, environ: Mapping[str, str] | None = None) -> "RetryPolicy":
        """A policy with `retries` retries (attempts = retries + 1); base and cap come from
        STORYBUILD_RETRY_BASE_SECONDS / STORYBUILD_RETRY_CAP_SECONDS when set."""
        environ = os.environ if environ is None else environ
        base = _env_seconds(environ, BASE_ENV, 1.0)
        cap = max(base, _env_seconds(environ, CAP_ENV, max(30.0, base)))
        return cls(attempts=max(0, int(retries)) + 1, base=base, cap=cap)

    def wait(self, failures: int, server_delay: float | None = None) -> float:
        """Seconds to wait after the `failures`-th failed attempt."""
        ceiling = min(self.cap, self.base * 2 ** max(0, failures - 1))
        jittered = self.rng.uniform(0.0, ceiling)
        if server_delay is None:
            return jittered
        return max(jittered, min(server_delay, self.max_server_delay))


@dataclass(frozen=True)
class Failure:
    """One failed attempt: `description` is user-readable (redact before showing it),
    `retryable` says whether another attempt may succeed, `server_delay` is the wait in
    seconds the server asked for, if it did."""

    description: str
    retryable: bool
    server_delay: float | None = None


def call_with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    classify: Callable[[Exception], Failure],
    label: str,
    redact: Callable[[str], str],
) -> T:
    """Run `attempt` until it succeeds, a failure is not retryable, or attempts run out.

    Every error raised is a ProviderError whose text went through `redact`; the SDK
    exception is not chained (`from None`) because its text may hold request details.
    """
    for number in range(1, policy.attempts + 1):
        try:
            return attempt()
        except Exception as exc:  # noqa: BLE001 - every failure is classified below
            failure = classify(exc)
        if not failure.retryable:
            raise ProviderError(redact(f"{label}: {failure.description}")) from None
        if number == policy.attempts:
            noun = "attempt" if number == 1 else "attempts"
            raise ProviderError(redact(f"{label}: gave up after {number} {noun}: {failure.description}")) from None
        delay = policy.wait(number, failure.server_delay)
        logger.info(redact(f"{label}: {failure.description}; retry {number} of {policy.attempts - 1} in {delay:.2f} s"))
        policy.sleep(delay)
    raise AssertionError("unreachable: attempts >= 1")


@functools.lru_cache(maxsize=1)
def transport_error_types() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(timeouts, connection failures) of whichever httpx flavours are installed: the
    SDK uses httpx2 when present, else httpx."""
    timeouts: list[type[BaseException]] = []
    connection: list[type[BaseException]] = []
    for module_name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        timeouts.append(module.TimeoutException)
        connection += [module.NetworkError, module.RemoteProtocolError]
    return tuple(timeouts), tuple(connection)


def classify_exception(exc: Exception, timeout: float) -> Failure:
    """Describe an exception raised by one SDK call (google.genai.errors.APIError, an
    httpx/httpx2 transport error, or anything else, which is not retried)."""
    from google.genai import errors

    if isinstance(exc, errors.APIError):
        return Failure(describe_api_error(exc), exc.code in RETRYABLE_CODES, server_delay(exc))
    timeouts, connection = transport_error_types()
    if isinstance(exc, timeouts):
        return Failure(f"timed out after {timeout:g} s", True)
    if isinstance(exc, connection):
        return Failure(f"connection error: {exc or type(exc).__name__}", True)
    return Failure(f"{type(exc).__name__}: {exc}", False)


def describe_api_error(exc: Any) -> str:
    """"429 RESOURCE_EXHAUSTED: <message>", leaving out the parts the server did not send."""
    head = " ".join(str(part) for part in (exc.code, exc.status) if part)
    return f"{head}: {exc.message}" if exc.message else head


def server_delay(exc: Any) -> float | None:
    """The delay the server asked for: google.rpc.RetryInfo's retryDelay in the error
    details, else a Retry-After header (seconds or an HTTP date)."""
    body = exc.details if isinstance(exc.details, dict) else {}
    error = body.get("error", body)
    details = error.get("details") if isinstance(error, dict) else None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
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


def _env_seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ProviderError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value < 0:
        raise ProviderError(f"{name} must not be negative, got {raw!r}")
    return value
