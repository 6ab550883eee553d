"""The fake Gemini API's long-running video operations and model list.

`predictLongRunning` starts an operation; `operations.get` polls it (done after the
server's `operation_polls` polls) and the finished one names a file whose download is a
real MP4; faults kept with the operation make it fail (operation_error) or withhold
the video (filtered, the safety filter's way).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import fakegemini_media as media
import fakegemini_rules as rules
from fakegemini_errors import Answer, error

if TYPE_CHECKING:
    from fakegemini import FakeGemini, Recorded

def model_entry(model: str) -> dict[str, Any]:
    kind = rules.model_kind(model)
    methods = ["predictLongRunning"] if kind == "video" else ["generateContent", "countTokens"]
    return {"name": f"models/{model}", "displayName": model, "supportedGenerationMethods": methods}


def start_video(fake: FakeGemini, record: Recorded, fault: dict[str, Any]) -> Answer:
    """Start a video operation. Fault fields kept for the operation: operation_error
    (the finished operation carries this error message), filtered (the video is
    withheld by the safety filter with this reason)."""
    refusal = rules.check_video(record.model, record.normalized)
    if refusal:
        return refusal[0], error(*refusal), {}
    with fake._lock:
        number = f"op{len(fake.operations) + 1:04d}"
        name = f"models/{record.model}/operations/{number}"
        parameters = record.normalized.get("parameters") or {}
        fake.operations[name] = {"polls": 0, "aspect": parameters.get("aspect_ratio", "16:9"),
                                 "seconds": parameters.get("duration_seconds", fake.video_seconds),
                                 "error": fault.get("operation_error"), "filtered": fault.get("filtered")}
    return 200, {"name": name}, {}


def poll(fake: FakeGemini, path: str) -> Answer:
    name = path.split("/", 2)[2]
    with fake._lock:
        operation = fake.operations.get(name)
        if operation is None:
            return 404, error(404, f"Operation {name} not found."), {}
        operation["polls"] += 1
        done = operation["polls"] >= fake.operation_polls
    if not done:
        return 200, {"name": name, "metadata": {"progressPercent": 50}}, {}
    if operation["error"]:
        return 200, {"name": name, "done": True, "error": {"code": 13, "message": operation["error"]}}, {}
    answer: dict[str, Any] = {"@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"}
    if operation["filtered"]:
        answer["generateVideoResponse"] = {"raiMediaFilteredCount": 1,
                                           "raiMediaFilteredReasons": [operation["filtered"]]}
    else:
        file_id = name.rsplit("/", 1)[1].replace("op", "video")
        with fake._lock:
            if file_id not in fake.files:
                fake.files[file_id] = media.video_bytes(operation["aspect"], int(operation["seconds"]))
        uri = f"https://generativelanguage.googleapis.com/v1beta/files/{file_id}:download?alt=media"
        answer["generateVideoResponse"] = {"generatedSamples": [{"video": {"uri": uri}}]}
    return 200, {"name": name, "done": True, "response": answer}, {}
