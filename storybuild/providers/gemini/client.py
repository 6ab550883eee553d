"""The connection to Gemini shared by the text, image and voice providers.

Environment (read here and nowhere else):
  GEMINI_API_KEY / GOOGLE_API_KEY  the API key; nothing else is ever used for it. When
                                   both are set GOOGLE_API_KEY wins, as in the SDK.
  STORYBUILD_GEMINI_BASE_URL       send requests to another server instead of Google's
                                   (tests and benchmarks point it at tests/fakegemini.py).
  STORYBUILD_RETRY_BASE_SECONDS,   backoff base and cap of the retry loop (retry.py);
  STORYBUILD_RETRY_CAP_SECONDS     defaults 1 s and 30 s.

Before a render, storybuild asks `api_key_present()` so a missing key is reported once,
up front, instead of as one failure per step.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Iterable

from storybuild import providers
from storybuild.errors import ProviderError
from storybuild.model import ProviderChoice
from storybuild.providers.gemini import response as responses
from storybuild.providers.gemini.catalog import KEY_ENVS  # precedence order, like the SDK
from storybuild.providers.gemini.retry import (Failure, RetryPolicy, announce_wait, call_with_retries,
                                               classify_exception)

BASE_URL_ENV = "STORYBUILD_GEMINI_BASE_URL"
REDACTED = "[redacted]"

DEFAULT_CONCURRENCY = 4
DEFAULT_RETRIES = 5
DEFAULT_TIMEOUT = 120.0
EMPTY_RETRIES = 2  # re-asks after an empty OTHER answer

MISSING_KEY_MESSAGE = "no Gemini API key: set GEMINI_API_KEY (or GOOGLE_API_KEY) in the environment"


def api_key() -> str | None:
    """The API key from the environment, or None when neither variable holds one."""
    for name in KEY_ENVS:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def api_key_present() -> bool:
    """Whether a Gemini step could authenticate; call before a render that uses Gemini."""
    return api_key() is not None


def base_url() -> str | None:
    """The server to talk to instead of Google's (STORYBUILD_GEMINI_BASE_URL), if set."""
    return os.environ.get(BASE_URL_ENV, "").strip() or None


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with every API key (both variables, or the given `secrets`) replaced.
    Every message that leaves this package passes through here."""
    if secrets is None:
        secrets = [os.environ.get(name, "").strip() for name in KEY_ENVS]
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


# One cap per (kind, limit), shared by every provider instance in the process: the
# executor builds providers per step or per worker, but the quota is per account.
_SLOTS: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def slots(kind: str, limit: int) -> threading.BoundedSemaphore:
    """The process-wide semaphore capping calls in flight for one kind of provider."""
    key = (kind, max(1, int(limit)))
    with _SLOTS_LOCK:
        if key not in _SLOTS:
            _SLOTS[key] = threading.BoundedSemaphore(key[1])
        return _SLOTS[key]


class GeminiSession:
    """One provider instance's way to call a Gemini model.

    Invariants: `model` is the chosen model or the registry default; every call holds
    one of the kind's process-wide slots only while its HTTP request is in flight (not
    while backing off); every error raised is a ProviderError starting with `label`
    and containing no API key. The genai.Client is built on first use, so constructing
    a provider never needs a key.
    """

    def __init__(self, kind: str, choice: ProviderChoice, policy: RetryPolicy | None = None):
        options = choice.options
        self.kind = kind
        self.model: str = providers.info(kind, "gemini").model_for(choice) or ""
        self.label = f"gemini {kind} model {self.model}"
        self.options = options
        self.timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
        self.policy = policy or RetryPolicy.from_env(int(options.get("retries", DEFAULT_RETRIES)))
        self.slots = slots(kind, int(options.get("concurrency", DEFAULT_CONCURRENCY)))
        self._client: Any = None
        self._client_lock = threading.Lock()

    def generate(self, contents: Any, config: Any) -> Any:
        """generate_content with our retry loop; returns the SDK response. An answer with empty
        content and finish reason OTHER, which the API sends transiently, is asked
        again up to EMPTY_RETRIES times; after that it is returned as it is."""
        client = self.sdk_client()

        def attempt() -> Any:
            with self.slots:
                return client.models.generate_content(model=self.model, contents=contents, config=config)

        for tries in range(1, EMPTY_RETRIES + 2):
            response = self.call(attempt)
            if tries > EMPTY_RETRIES or not responses.transient_empty(response):
                return response
            announce_wait(f"got an empty answer (finish reason OTHER), asking again, try {tries + 1} of "
                          f"{EMPTY_RETRIES + 1}")
        raise AssertionError("unreachable")

    def call(self, attempt: Callable[[], Any], classify: Callable[[Exception], Failure] | None = None) -> Any:
        """attempt() through our retry loop under this session's policy (see retry.py);
        `classify` says what a failure means (default: classify_exception under this
        session's timeout). Errors are ProviderErrors naming `label`, redacted."""
        return call_with_retries(attempt, self.policy, classify or (lambda exc: classify_exception(exc, self.timeout)),
                                 self.label, redact)

    def error(self, message: str) -> ProviderError:
        """A ProviderError for this model, redacted: `raise session.error("...")`."""
        return ProviderError(redact(f"{self.label}: {message}"))

    def sdk_client(self) -> Any:
        """The genai.Client, built on first use (raises ProviderError without a key)."""
        with self._client_lock:
            if self._client is None:
                self._client = self._build_client()
            return self._client

    def _build_client(self) -> Any:
        from google import genai
        from google.genai import types

        key = api_key()
        if key is None:
            raise self.error(MISSING_KEY_MESSAGE)
        http_options = types.HttpOptions(
            base_url=base_url(),
            timeout=max(1, int(self.timeout * 1000)),  # the SDK takes milliseconds
            retry_options=None,  # retries are ours (retry.py)
        )
        try:
            # vertexai=False: an inherited GOOGLE_GENAI_USE_VERTEXAI must not reroute us.
            return genai.Client(api_key=key, vertexai=False, http_options=http_options)
        except Exception as exc:  # noqa: BLE001 - the SDK's text may quote its inputs
            raise self.error(f"could not create the client: {exc}") from None
