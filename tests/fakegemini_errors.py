"""The fake Gemini API's error bodies: the real shapes, with the real 429 details.

A real 429 is RESOURCE_EXHAUSTED with a multi-line message and details QuotaFailure
(which quota), Help (links) and RetryInfo (retryDelay); a 503 says the model is
overloaded. Status names follow google.rpc.Code.
"""

from __future__ import annotations

from typing import Any

ERROR_STATUS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 408: "DEADLINE_EXCEEDED",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "BAD_GATEWAY", 503: "UNAVAILABLE",
                504: "DEADLINE_EXCEEDED"}
QUOTA_IDS = {"minute": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
             "day": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}
Answer = tuple[int, Any, dict[str, str]]


def error(code: int, message: str, status: str | None = None, details: list | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status or ERROR_STATUS.get(code, "UNKNOWN")}
    if details:
        error["details"] = details
    return {"error": error}


def fault_answer(fault: dict[str, Any], key: str, model: str) -> Answer:
    """An HTTP error. Fault fields: status with message, error_status, retry_delay
    (RetryInfo, e.g. "2s"), retry_after (header), echo_key (the received key in the
    message), quota ("minute" or "day": the real multi-line 429 with QuotaFailure and
    Help details)."""
    code = int(fault["status"])
    message = fault.get("message") or default_message(code, fault.get("quota"), fault.get("retry_delay"))
    message += f" (key {key})" if fault.get("echo_key") else ""
    details: list[dict[str, Any]] = []
    if fault.get("quota"):
        details.append({"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            "quotaId": QUOTA_IDS[fault["quota"]], "quotaDimensions": {"location": "global", "model": model},
            "quotaValue": "10" if fault["quota"] == "minute" else "250"}]})
        details.append({"@type": "type.googleapis.com/google.rpc.Help", "links": [{
            "description": "Learn more about Gemini API quotas", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]})
    if "retry_delay" in fault:
        details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": fault["retry_delay"]})
    extra = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
    return code, error(code, message, fault.get("error_status"), details), extra


def default_message(code: int, quota: str | None, delay: str | None) -> str:
    if quota:
        return ("You exceeded your current quota, please check your plan and billing details. For more "
                "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n"
                "* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests"
                f", limit: {10 if quota == 'minute' else 250}\n" + (f"Please retry in {delay}." if delay else ""))
    if code == 503:
        return "The model is overloaded. Please try again later."
    return f"fake {code}"
