"""GeminiAnimation: a scene's picture made into a short moving clip by a Veo model.

Image-to-video is a long-running operation: start it (`models/{veo}:predictLongRunning`
with the picture as the first frame, the scene's prompt and the story's aspect ratio),
poll the operation every `poll_seconds` (the worker thread sleeps in between: no busy
loop, one thread per operation), then download the MP4 the finished operation names.

google-genai 3.6 refuses `models.generate_videos` in Gemini Developer API mode (a
ValueError before any request: it only builds the Vertex request), so the start is one
documented REST call made with the SDK's own HTTP library and our retry loop; polling
(`client.operations.get`) and the download (`client.files.download`) are the SDK's.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

from storybuild.atomic import write_atomic
from storybuild.model import ProviderChoice
from storybuild.providers.base import AnimationRequest
from storybuild.providers.gemini.client import GeminiSession, api_key, base_url
from storybuild.providers.gemini.retry import Failure, announce_wait, classify_exception

DEFAULT_BASE = "https://generativelanguage.googleapis.com/"
API_VERSION = "v1beta"
DEFAULT_POLL = 10.0
MAX_WAIT = 1800.0  # give up on an operation that has not finished in 30 minutes


class GeminiAnimation:
    """Makes clips with a Veo model.

    Invariant: `animate` writes an MP4 file, or raises ProviderError naming the scene and
    why (refused, filtered by safety, the operation failed, timed out); no key in it.
    """

    def __init__(self, choice: ProviderChoice):
        self._session = GeminiSession("animation", choice)
        self._poll = float(choice.options.get("poll_seconds", DEFAULT_POLL))

    def animate(self, request: AnimationRequest, picture: Path, out: Path) -> None:
        from google.genai import types

        subject = f"scene {request.scene_id}"
        name = self._start(request, picture)
        announce_wait(f"generating the video, checking every {self._poll:g} s")
        operation = self._wait(types.GenerateVideosOperation.model_validate({"name": name}), subject)
        videos = (operation.response.generated_videos or []) if operation.response else []
        if operation.error:
            raise self._session.error(f"{subject}: the video generation failed: "
                                      f"{operation.error.get('message', operation.error)}")
        if not videos:
            reasons = (operation.response.rai_media_filtered_reasons or []) if operation.response else []
            why = f"withheld by the safety filter: {'; '.join(reasons)}" if reasons else "no video returned"
            raise self._session.error(f"{subject}: {why}")
        data = self._call(lambda client: client.files.download(file=videos[0].video))
        if data[4:8] != b"ftyp":
            raise self._session.error(f"{subject}: the downloaded video is not an MP4 file")
        write_atomic(out, data)

    def _start(self, request: AnimationRequest, picture: Path) -> str:
        """Start the operation; its name ("models/veo.../operations/...")."""
        body = {
            "instances": [{"prompt": request.prompt, "image": {
                "bytesBase64Encoded": base64.b64encode(picture.read_bytes()).decode(), "mimeType": "image/png"}}],
            "parameters": {"aspectRatio": request.aspect_ratio, "durationSeconds": request.seconds},
        }
        url = f"{base_url() or DEFAULT_BASE}".rstrip("/") + f"/{API_VERSION}/models/{self._session.model}:predictLongRunning"
        answer = self._call(lambda _client: _post(url, body, self._session.timeout), once_sent=True)
        if not answer.get("name"):
            raise self._session.error(f"scene {request.scene_id}: the service started no operation")
        return str(answer["name"])

    def _wait(self, operation: Any, subject: str) -> Any:
        """Poll until done; the thread sleeps `poll_seconds` between polls."""
        began = time.monotonic()
        while True:
            operation = self._call(lambda client: client.operations.get(operation))
            if operation.done:
                return operation
            if time.monotonic() - began > MAX_WAIT:
                raise self._session.error(f"{subject}: the video was not ready after {MAX_WAIT:g} s")
            time.sleep(self._poll)

    def _call(self, call: Any, once_sent: bool = False) -> Any:
        """One request through the session's slots and retry loop. `once_sent`: a paid
        request the service may have accepted before the answer timed out (starting a
        video) is not sent again, so a slow answer never pays for two videos."""
        client = self._session.sdk_client()

        def attempt() -> Any:
            with self._session.slots:
                return call(client)

        def classify(exc: Exception) -> Failure:
            failure = classify_exception(exc, self._session.timeout)
            if once_sent and failure.reason == "timed out":
                return Failure(f"{failure.description}; the video may have started anyway, so it was not "
                               "asked for twice: render again in a few minutes", False)
            return failure

        return self._session.call(attempt, classify)


def _post(url: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    """POST JSON with the API key header; an HTTP error becomes the SDK's APIError (so
    the retry loop reads its RetryInfo and QuotaFailure like any other)."""
    import httpx2
    from google.genai import errors

    response = httpx2.post(url, json=body, headers={"x-goog-api-key": api_key() or ""}, timeout=timeout)
    try:
        payload = response.json()
    except ValueError:
        payload = {"error": {"code": response.status_code, "message": response.text[:200]}}
    if response.status_code >= 400:
        kind = errors.ClientError if response.status_code < 500 else errors.ServerError
        raise kind(response.status_code, payload, None)
    return payload
