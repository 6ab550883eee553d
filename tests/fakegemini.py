"""A fake Gemini API over real HTTP, for tests and benchmarks.

`FakeGemini` is a ThreadingHTTPServer on 127.0.0.1 (a free port) in a background
thread. It answers the Gemini Developer API's routes the way the service does, so the
real google-genai SDK talks to it unchanged:

- `POST /{v1,v1beta}/models/{model}:generateContent`: every request is checked
  against the documented shapes (fakegemini_rules.py) and refused with the real
  status and wording (unknown model 404 NOT_FOUND; system_instruction or sampling
  options on a TTS model, an unknown voice, a bad aspect ratio 400 INVALID_ARGUMENT).
  Text: a JSON story from the requested schema. Images: ~1 MP PNGs (or JPEG/WebP).
  Speech: WAV (or raw L16 PCM) lasting as long as the words take to say; single
  voice or the two-speaker config.
- `POST /v1beta/models/{veo}:predictLongRunning` starts a video operation;
  `GET /v1beta/models/{veo}/operations/{id}` polls it (done after `operation_polls`
  polls); `GET /v1beta/files/{id}:download` serves the finished MP4.
- `GET /v1beta/models` (ListModels) lists the models the fake knows (`models`).

Every request is recorded (`requests`) and `max_in_flight` tracks concurrency.
Faults are injected per test with `inject(...)` (each used by the next matching
request) or `decide` (a function of the request), plus a global `latency` and a
seeded `fail_rate` whose failures carry the real 429 (RetryInfo, QuotaFailure, Help)
and 503 bodies. Option and fault keys may be camelCase or snake_case.

Limits: the media are synthetic (flat pictures with a noisy band, sine tones, a test
pattern); safety filtering happens only when injected; quotas are not counted.
"""

from __future__ import annotations

import base64
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

import fakegemini_media as media
import fakegemini_rules as rules
from fakegemini_media import speech_seconds  # noqa: F401 - re-exported for tests
from fakegemini_errors import Answer, error, fault_answer
from fakegemini_story import story_text
from fakegemini_video import model_entry, poll, start_video

DUMMY_KEY = "dummy-gemini-key-for-tests-0123456789abcdef"
PCM_RATE = media.PCM_RATE
GENERATE_RE = re.compile(r"^/(v1|v1beta|v1alpha)/models/([^/:]+):(generateContent|predictLongRunning)$")
OPERATION_RE = re.compile(r"^/(v1|v1beta)/models/([^/:]+)/operations/([a-z0-9]+)$")
DOWNLOAD_RE = re.compile(r"^/(v1|v1beta)/files/([a-z0-9]+):download$")
LIST_RE = re.compile(r"^/(v1|v1beta)/models$")
OPTIONS = {"latency", "fail_rate", "fail_status", "seed", "story", "audio_format", "image_format", "expected_key",
           "decide", "retry_delay", "models", "operation_polls", "video_seconds"}
FAULT_KEYS = {"status", "message", "error_status", "retry_delay", "retry_after", "delay", "drop", "finish_reason",
              "block_reason", "text", "audio_format", "image_format", "echo_key", "kind", "model", "quota",
              "empty_content", "operation_error", "filtered"}


def snake(name: str) -> str:
    """camelCase -> snake_case; snake_case stays."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def snake_keys(value: Any) -> Any:
    """A deep copy with every dict key snake_cased (the SDK sends a mix of both)."""
    if isinstance(value, dict):
        return {snake(k): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


def decode_base64(data: str) -> bytes:
    """Standard or URL-safe base64 (the SDK sends URL-safe), padded or not."""
    data = data.replace("-", "+").replace("_", "/")
    return base64.b64decode(data + "=" * (-len(data) % 4), validate=True)


@dataclass
class Recorded:
    """One request as received. `body` is the raw JSON; `config`, `system`, `text` and
    `inline` read it whatever the key case. `headers` never hold the API key. `kind`
    is "text", "image", "audio", "video" (start), "poll", "download" or "list"."""

    path: str
    model: str
    body: dict[str, Any]
    headers: dict[str, str]
    api_key_sent: bool
    started: float
    finished: float | None = None
    status: int | None = None
    normalized: dict[str, Any] = field(default_factory=dict)
    route: str = "generate"

    @property
    def config(self) -> dict[str, Any]:
        return self.normalized.get("generation_config") or {}

    @property
    def kind(self) -> str:
        if self.route != "generate":
            return self.route
        modalities = [str(m).upper() for m in self.config.get("response_modalities") or []]
        return "image" if "IMAGE" in modalities else "audio" if "AUDIO" in modalities else "text"

    def _texts(self, contents: list[dict[str, Any]]) -> str:
        return "\n".join(p["text"] for c in contents for p in c.get("parts", []) if "text" in p)

    @property
    def text(self) -> str:
        if self.route == "video":
            return (self.normalized.get("instances") or [{}])[0].get("prompt") or ""
        return self._texts(self.normalized.get("contents") or [])

    @property
    def system(self) -> str:
        instruction = self.normalized.get("system_instruction")
        return self._texts([instruction]) if instruction else ""

    @property
    def parts(self) -> list[dict[str, Any]]:
        return [p for c in self.normalized.get("contents") or [] for p in c.get("parts", [])]

    @property
    def inline(self) -> list[tuple[str, bytes]]:
        """(mime type, bytes) of every inline data part, in order."""
        return [(p["inline_data"]["mime_type"], decode_base64(p["inline_data"]["data"]))
                for p in self.parts if "inline_data" in p]

    @property
    def paid(self) -> bool:
        """A call the real service bills: a generation that answered 200 with output."""
        return self.status == 200 and self.route in ("generate", "video")


class FakeGemini:
    """The fake server. Invariants: it only listens on 127.0.0.1; `requests` holds every
    request in arrival order; `max_in_flight` is the most requests handled at once."""

    def __init__(self, **options: Any):
        self.latency = 0.0
        self.fail_rate = 0.0
        self.fail_status: int | None = None  # None: a seeded mix of per-minute 429s and 503s
        self.seed = 0
        self.story: Any = None
        self.audio_format = "wav"  # the 3.8 TTS models answer unary calls with WAV
        self.image_format = "png"
        self.expected_key: str | None = None
        self.decide: Callable[[Recorded], dict[str, Any] | None] | None = None
        self.retry_delay = "36s"  # what RetryInfo says on the seeded failures
        self.models: tuple[str, ...] = rules.ALL_MODELS
        self.operation_polls = 2  # polls before a video operation is done
        self.video_seconds = 8
        self.requests: list[Recorded] = []
        self.errors: list[Exception] = []  # exceptions inside the fake itself (should stay empty)
        self.in_flight = 0
        self.max_in_flight = 0
        self.operations: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self._faults: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.configure(**options)
        self._rng = random.Random(self.seed)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # -- control ---------------------------------------------------------------
    def configure(self, **options: Any) -> None:
        for key, value in options.items():
            name = snake(key)
            if name not in OPTIONS:
                raise TypeError(f"unknown FakeGemini option {key!r}")
            setattr(self, name, value)
            if name == "seed":
                self._rng = random.Random(value)

    def inject(self, *faults: dict[str, Any]) -> None:
        """Queue faults; each is used by the next request matching its optional `kind`
        and `model`. See `_fault_answer` and `_video_answer` for the fields."""
        normalized = [snake_keys(f) for f in faults]
        for fault in normalized:
            unknown = set(fault) - FAULT_KEYS
            if unknown:
                raise TypeError(f"unknown fault keys {sorted(unknown)}")
        with self._lock:
            self._faults.extend(normalized)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def environ(self) -> dict[str, str]:
        """Environment variables that point storybuild's Gemini providers here."""
        return {"STORYBUILD_GEMINI_BASE_URL": self.url}

    def calls(self, kind: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if kind is None or r.kind == kind]

    def start(self) -> "FakeGemini":
        # A short poll interval: shutdown() waits up to one interval, at every test's teardown.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fakegemini", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeGemini":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- serving ---------------------------------------------------------------
    def _begin(self, record: Recorded) -> dict[str, Any]:
        """Record the request and pick its fault: the first matching queued fault, else
        what `decide` returns, else (for generation calls) a seeded failure with
        probability `fail_rate`."""
        with self._lock:
            self.requests.append(record)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            fault = next((f for f in self._faults if _matches(f, record)), None)
            if fault is not None:
                self._faults.remove(fault)
        if fault is None and self.decide is not None:
            fault = snake_keys(self.decide(record) or {}) or None
        if fault is None and self.fail_rate and record.route in ("generate", "video"):
            with self._lock:  # draws in arrival order, so a seed gives one sequence
                failed = self._rng.random() < self.fail_rate
                minute = self._rng.random() < 0.5
            if failed and self.fail_status is not None:
                fault = {"status": self.fail_status}
            elif failed:
                fault = ({"status": 429, "quota": "minute", "retry_delay": self.retry_delay} if minute
                         else {"status": 503, "retry_delay": self.retry_delay})
        return fault or {}

    def _end(self, record: Recorded, status: int) -> None:
        """The answer is decided; `finished` is taken just before it is sent."""
        with self._lock:
            self.in_flight -= 1
            record.finished = time.monotonic()
            record.status = status


def _matches(fault: dict[str, Any], record: Recorded) -> bool:
    return fault.get("kind") in (None, record.kind) and fault.get("model") in (None, record.model)


def _route(method: str, path: str) -> tuple[str, str, str] | None:
    """(route, API version, model or id) for a known path, else None."""
    if method == "POST":
        match = GENERATE_RE.match(path)
        if match:
            return ("generate" if match.group(3) == "generateContent" else "video"), match.group(1), match.group(2)
        return None
    for route, pattern in (("poll", OPERATION_RE), ("download", DOWNLOAD_RE), ("list", LIST_RE)):
        match = pattern.match(path)
        if match:
            return route, match.group(1), path
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle("GET", {})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self._handle("POST", json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}"))

    def _handle(self, method: str, body: dict[str, Any]) -> None:
        fake: FakeGemini = self.server.fake  # type: ignore[attr-defined]
        key = self.headers.get("x-goog-api-key", "")
        path = self.path.split("?", 1)[0]
        routed = _route(method, path)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("x-goog-api-key", "authorization")}
        model = routed[2] if routed and routed[0] in ("generate", "video") else ""
        record = Recorded(path, model, body, headers, bool(key), time.monotonic(),
                          normalized=snake_keys(body), route=routed[0] if routed else "unknown")
        fault = fake._begin(record)
        time.sleep(fake.latency + float(fault.get("delay", 0)))
        if fault.get("drop"):
            fake._end(record, 0)  # closed without an answer: a connection error for the client
            self.close_connection = True
            return
        try:
            status, payload, extra = _respond(fake, record, fault, key, routed)
        except Exception as exc:  # a bug in the fake: answer 500 and keep it for the test to see
            fake.errors.append(exc)
            status, payload, extra = 500, error(500, f"fakegemini failed: {type(exc).__name__}: {exc}"), {}
        # Recorded before the answer leaves, so a client that has its answer sees the record complete.
        fake._end(record, status)
        try:
            self._send(status, payload, extra)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout test): nothing to answer

    def _send(self, status: int, payload: dict[str, Any] | bytes, extra: dict[str, str]) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        kind = "video/mp4" if isinstance(payload, bytes) else "application/json; charset=UTF-8"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _respond(fake: FakeGemini, record: Recorded, fault: dict[str, Any], key: str,
             routed: tuple[str, str, str] | None) -> Answer:
    """(status, JSON body or bytes, extra headers) for one request."""
    if routed is None:
        return 404, error(404, f"unknown path {record.path}"), {}
    if fake.expected_key is not None and key != fake.expected_key:
        return 400, error(400, "API key not valid. Please pass a valid API key."), {}
    if "status" in fault:
        return fault_answer(fault, key, record.model)
    route, version, target = routed
    if route == "list":
        return 200, {"models": [model_entry(m) for m in fake.models]}, {}
    if route == "poll":
        return poll(fake, target)
    if route == "download":
        data = fake.files.get(DOWNLOAD_RE.match(target).group(2))
        return (200, data, {}) if data is not None else (404, error(404, "File not found."), {})
    kind = rules.model_kind(target) if target in fake.models else None
    method = "generateContent" if route == "generate" else "predictLongRunning"
    if kind is None or (route == "video") != (kind == "video"):
        status, message = rules.not_found(target, version, method)
        return status, error(status, message), {}
    if route == "video":
        return start_video(fake, record, fault)
    refusal = rules.check_generate(target, kind, record.normalized)
    if refusal:
        return refusal[0], error(*refusal), {}
    return _generate_answer(fake, record, fault)


def _generate_answer(fake: FakeGemini, record: Recorded, fault: dict[str, Any]) -> Answer:
    """A 200 answer. Fault fields: block_reason (prompt blocked, no candidates);
    finish_reason (a candidate with no parts, or a cut-off JSON text for MAX_TOKENS on
    text); empty_content (with OTHER: `"content": {}`, as the TTS models do
    transiently); text (the answer as is); audio_format / image_format."""
    if "block_reason" in fault:
        return 200, {"promptFeedback": {"blockReason": fault["block_reason"]}}, {}
    reason = fault.get("finish_reason", "STOP")
    parts = _answer_parts(fake, record, fault, reason)
    candidate: dict[str, Any] = {"finishReason": reason, "index": 0}
    if parts:
        candidate["content"] = {"role": "model", "parts": parts}
    elif fault.get("empty_content"):
        candidate["content"] = {}
    return 200, {"candidates": [candidate], "modelVersion": record.model}, {}


def _answer_parts(fake: FakeGemini, record: Recorded, fault: dict[str, Any], reason: str) -> list[dict[str, Any]]:
    if "text" in fault:
        return [{"text": fault["text"]}]
    if record.kind == "text" and reason in ("STOP", "MAX_TOKENS"):
        text = story_text(fake.story, record)
        return [{"text": text[: len(text) // 2] if reason == "MAX_TOKENS" else text}]  # cut off mid-JSON
    if reason != "STOP":
        return []  # a safety block: a candidate without parts
    if record.kind == "image":
        aspect = (record.config.get("image_config") or {}).get("aspect_ratio", "1:1")
        mime, data = media.image_bytes(f"{record.text}|{len(record.inline)}", rules.IMAGE_SIZES[aspect],
                                       fault.get("image_format", fake.image_format))
    else:
        mime, data = media.speech(media.spoken_lines(record.parts, record.config),
                                  fault.get("audio_format", fake.audio_format))
    return [{"inlineData": {"mimeType": mime, "data": base64.b64encode(data).decode()}}]


try:
    import pytest
except ImportError:  # benchmarks may run without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def fake_gemini(monkeypatch: Any):
        """A running FakeGemini with storybuild pointed at it: a dummy GEMINI_API_KEY
        (GOOGLE_API_KEY cleared), fast retries (10 ms base, 50 ms cap) and server
        retry delays of 50 ms on the seeded failures."""
        with FakeGemini(retry_delay="0.05s") as server:
            monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
            monkeypatch.setenv("GEMINI_API_KEY", DUMMY_KEY)
            for name, value in server.environ().items():
                monkeypatch.setenv(name, value)
            monkeypatch.setenv("STORYBUILD_RETRY_BASE_SECONDS", "0.01")
            monkeypatch.setenv("STORYBUILD_RETRY_CAP_SECONDS", "0.05")
            yield server
        assert server.errors == [], f"fakegemini itself failed: {server.errors}"
