"""Reading a generate_content response: where the output is, and why it is missing.

Gemini reports "no output" in several ways: no candidates and a prompt_feedback
block_reason (the prompt was refused), a candidate without parts and a finish_reason
such as SAFETY, IMAGE_SAFETY or MAX_TOKENS, or a text-only answer where media was
asked for. `why_missing` turns all of them into one phrase for an error message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class InlineData:
    """Media bytes from a response part. Invariant: `mime_type` is lower-case."""

    mime_type: str
    data: bytes


def _name(value: Any) -> str | None:
    """Enum members and unknown strings alike, as their plain name."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def first_candidate(response: Any) -> Any:
    candidates = getattr(response, "candidates", None) or []
    return candidates[0] if candidates else None


def parts(response: Any) -> list[Any]:
    candidate = first_candidate(response)
    content = getattr(candidate, "content", None)
    return list(getattr(content, "parts", None) or [])


def finish_reason(response: Any) -> str | None:
    return _name(getattr(first_candidate(response), "finish_reason", None))


def block_reason(response: Any) -> str | None:
    feedback = getattr(response, "prompt_feedback", None)
    return _name(getattr(feedback, "block_reason", None))


def transient_empty(response: Any) -> bool:
    """An HTTP 200 with a candidate whose content is empty and finish reason OTHER, and
    no block: the API sends this now and then, and asking again succeeds."""
    return (block_reason(response) is None and first_candidate(response) is not None
            and finish_reason(response) == "OTHER" and not parts(response))


def inline_data(response: Any, prefix: str) -> InlineData | None:
    """The first part whose inline data has a MIME type starting with `prefix`."""
    for part in parts(response):
        blob = getattr(part, "inline_data", None)
        mime = (getattr(blob, "mime_type", None) or "").lower()
        if blob is not None and blob.data and mime.startswith(prefix):
            return InlineData(mime, bytes(blob.data))
    return None


def text(response: Any) -> str:
    """All non-thought text parts of the first candidate, joined."""
    chunks = [p.text for p in parts(response) if getattr(p, "text", None) and not getattr(p, "thought", False)]
    return "".join(chunks)


def why_missing(response: Any, include_text: bool = True) -> str:
    """Why the response holds no usable output, as a phrase: "the prompt was blocked
    (block reason SAFETY)", "finish reason IMAGE_SAFETY", "finish reason STOP; the
    model answered with text: ..." (when `include_text`: a refusal explains itself),
    "the response has no candidates"."""
    blocked = block_reason(response)
    if blocked:
        message = getattr(getattr(response, "prompt_feedback", None), "block_reason_message", None)
        return f"the prompt was blocked (block reason {blocked})" + (f": {message}" if message else "")
    if first_candidate(response) is None:
        return "the response has no candidates"
    reason = f"finish reason {finish_reason(response) or 'unknown'}"
    detail = getattr(first_candidate(response), "finish_message", None)
    if detail:
        reason += f": {detail}"
    said = " ".join(text(response).split()) if include_text else ""
    if said:
        reason += f"; the model answered with text: {said[:200]}"
    return reason
