"""storybuild's own retry loop for Gemini calls (the SDK's retries stay off).

Why our own: the SDK's tenacity loop ignores the server's RetryInfo delay, cannot
release the concurrency slot while it sleeps, and its final error is the raw SDK
exception. Here every attempt is classified into a `Failure` (a user-readable
description, whether it is worth retrying, and any delay the server asked for), waits
use exponential backoff with full jitter, and the last failure becomes one
ProviderError naming the model and the number of attempts.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, TypeVar

from storybuild import events
from storybuild.errors import ProviderError
from storybuild.providers.gemini import api_errors
from storybuild.providers.gemini.api_errors import parse_retry_after  # noqa: F401 - re-exported

T = TypeVar("T")

logger = logging.getLogger("storybuild.gemini")

BASE_ENV = "STORYBUILD_RETRY_BASE_SECONDS"
CAP_ENV = "STORYBUILD_RETRY_CAP_SECONDS"

# Rate limits, server errors and timeouts pass (the SDK's own set); other 4xx never do.
RETRYABLE_CODES = frozenset({408, 429, 500, 502, 503, 504})


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
    """One failed attempt: `description` is user-readable and one line (redact before
    showing it), `retryable` says whether another attempt may succeed, `server_delay`
    is the wait in seconds the server asked for, if it did, and `reason` is the short
    phrase a waiting notice uses ("rate limited", "overloaded")."""

    description: str
    retryable: bool
    server_delay: float | None = None
    reason: str = "failed"


def announce_wait(message: str) -> None:
    """Tell the person at the terminal that the running step waits before its next try
    ("rate limited, retrying in 36 s, try 2 of 6"): a "waiting" StepEvent through the
    render's listener. Outside a render it is only logged."""
    logger.info(message)
    events.waiting(message)


def waiting_message(reason: str, delay: float, attempt: int, attempts: int) -> str:
    """"rate limited, retrying in 36 s, try 2 of 6" (`attempt` is the try about to be made)."""
    seconds = f"{delay:.0f}" if delay >= 1 else f"{delay:.2g}"
    return f"{reason}, retrying in {seconds} s, try {attempt} of {attempts}"


def call_with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    classify: Callable[[Exception], Failure],
    label: str,
    redact: Callable[[str], str],
) -> T:
    """Run `attempt` until it succeeds, a failure is not retryable, or attempts run out.

    Every error raised is a ProviderError whose one-line text went through `redact`;
    the SDK exception is not chained (`from None`) because its text may hold request
    details. Before each wait, a "waiting" notice says why and for how long.
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
        logger.info(redact(f"{label}: {failure.description}"))
        announce_wait(redact(waiting_message(failure.reason, delay, number + 1, policy.attempts)))
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


REASONS = {408: "timed out", 429: "rate limited", 503: "overloaded", 504: "timed out"}


def classify_exception(exc: Exception, timeout: float, now: Any = None) -> Failure:
    """Describe an exception raised by one SDK call (google.genai.errors.APIError, an
    httpx/httpx2 transport error, or anything else, which is not retried). A per-day
    quota is not retried: it says which quota and when it resets."""
    from google.genai import errors

    if isinstance(exc, errors.APIError):
        daily = api_errors.daily_quota(exc)
        if daily:
            return Failure(f"the daily quota {daily} is used up; it resets {api_errors.reset_phrase(now)}", False)
        return Failure(api_errors.describe_api_error(exc), exc.code in RETRYABLE_CODES,
                       api_errors.server_delay(exc), REASONS.get(exc.code, f"got {exc.code}"))
    timeouts, connection = transport_error_types()
    if isinstance(exc, timeouts):
        return Failure(f"timed out after {timeout:g} s", True, reason="timed out")
    if isinstance(exc, connection):
        return Failure(f"connection error: {api_errors.one_line(str(exc) or type(exc).__name__)}", True,
                       reason="lost the connection")
    return Failure(api_errors.one_line(f"{type(exc).__name__}: {exc}"), False)


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
