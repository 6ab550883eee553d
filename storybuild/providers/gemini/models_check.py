"""Which models the Gemini API offers this key right now (ListModels), for `providers --check`."""

from __future__ import annotations

from storybuild.model import ProviderChoice
from storybuild.providers.gemini.client import GeminiSession, redact
from storybuild.providers.gemini.retry import classify_exception
from storybuild.providers.gemini.retry import call_with_retries


def available_models() -> list[str]:
    """Model ids ("gemini-3.8-flash") that ListModels returns, every page. Raises
    ProviderError (one line, no key) when the API cannot be asked."""
    session = GeminiSession("text", ProviderChoice("gemini"))
    client = session.sdk_client()

    def attempt() -> list[str]:
        return [str(model.name).removeprefix("models/") for model in client.models.list() if model.name]

    return call_with_retries(attempt, session.policy, lambda exc: classify_exception(exc, session.timeout),
                             "gemini ListModels", redact)
