"""A fake Gemini API over real HTTP, for tests and benchmarks.

`FakeGemini` is a ThreadingHTTPServer on 127.0.0.1 (a free port) in a background
thread. It answers `POST /{v1,v1beta,v1alpha}/models/{model}:generateContent` the way
the Gemini Developer API does, so the real google-genai SDK talks to it unchanged:

- text requests: a JSON story built from the requested response schema (scene count
  from its minItems, else "exactly N scenes" in the prompt), or the canned `story`;
- image requests (responseModalities IMAGE): a real small PNG (or JPEG/WebP) whose
  colours derive from the prompt, sized by imageConfig.aspectRatio;
- audio requests (AUDIO): a real tone, `speech_seconds(text)` long, as raw PCM
  (audio/L16;codec=pcm;rate=24000) or a WAV file (`audio_format="wav"`).

Every request is recorded (`requests`: path, model, kind, parsed body, headers without
the API key, timestamps) and `max_in_flight` tracks concurrency. Faults are injected
per test with `inject(...)` (a queue, each fault used by the next matching request) or
`decide` (a function of the request), plus global `latency` and a seeded `fail_rate`.
Option and fault keys may be camelCase or snake_case; request bodies are read in both.

Use it as the `fake_gemini` pytest fixture (which also points storybuild at it through
the environment), or from a benchmark:

    with FakeGemini(latency=0.2) as server:
        os.environ.update(server.environ())
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

DUMMY_KEY = "dummy-gemini-key-for-tests-0123456789abcdef"
PCM_RATE = 24000
PATH_RE = re.compile(r"^/(v1|v1beta|v1alpha)/models/([^/:]+):generateContent$")
ERROR_STATUS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
                500: "INTERNAL", 502: "BAD_GATEWAY", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
SIZES = {"16:9": (96, 54), "9:16": (54, 96), "1:1": (64, 64), "4:3": (96, 72), "3:4": (72, 96)}
OPTIONS = {"latency", "fail_rate", "fail_status", "seed", "story", "audio_format", "image_format", "expected_key",
           "decide"}
FAULT_KEYS = {"status", "message", "error_status", "retry_delay", "retry_after", "delay", "drop", "finish_reason",
              "block_reason", "text", "audio_format", "image_format", "echo_key", "kind", "model"}


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


def speech_seconds(text: str) -> float:
    """How long the fake speaks `text`: grows with its length."""
    return round(0.3 + 0.02 * len(text), 3)


@dataclass
class Recorded:
    """One request as received. `body` is the raw JSON; `config`, `system`, `text` and
    `inline` read it whatever the key case. `headers` never hold the API key."""

    path: str
    model: str
    body: dict[str, Any]
    headers: dict[str, str]
    api_key_sent: bool
    started: float
    finished: float | None = None
    status: int | None = None
    normalized: dict[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> dict[str, Any]:
        return self.normalized.get("generation_config") or {}

    @property
    def kind(self) -> str:
        modalities = [str(m).upper() for m in self.config.get("response_modalities") or []]
        return "image" if "IMAGE" in modalities else "audio" if "AUDIO" in modalities else "text"

    def _texts(self, contents: list[dict[str, Any]]) -> str:
        return "\n".join(p["text"] for c in contents for p in c.get("parts", []) if "text" in p)

    @property
    def text(self) -> str:
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


class FakeGemini:
    """The fake server. Invariants: it only listens on 127.0.0.1; `requests` holds every
    request in arrival order; `max_in_flight` is the most requests handled at once."""

    def __init__(self, **options: Any):
        self.latency = 0.0
        self.fail_rate = 0.0
        self.fail_status = 503
        self.seed = 0
        self.story: Any = None
        self.audio_format = "pcm"
        self.image_format = "png"
        self.expected_key: str | None = None
        self.decide: Callable[[Recorded], dict[str, Any] | None] | None = None
        self.requests: list[Recorded] = []
        self.errors: list[Exception] = []  # exceptions inside the fake itself (should stay empty)
        self.in_flight = 0
        self.max_in_flight = 0
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
        ("text", "image", "audio") and `model`. See `_respond` for the fields."""
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
        what `decide` returns, else a `fail_status` error with probability `fail_rate`."""
        with self._lock:
            self.requests.append(record)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            fault = next((f for f in self._faults if _matches(f, record)), None)
            if fault is not None:
                self._faults.remove(fault)
        if fault is None and self.decide is not None:
            fault = snake_keys(self.decide(record) or {}) or None
        if fault is None and self.fail_rate:
            with self._lock:  # one RNG draw per request, in arrival order
                failed = self._rng.random() < self.fail_rate
            fault = {"status": self.fail_status} if failed else None
        return fault or {}

    def _end(self, record: Recorded, status: int) -> None:
        """The answer is decided; `finished` is taken just before it is sent."""
        with self._lock:
            self.in_flight -= 1
            record.finished = time.monotonic()
            record.status = status


def _matches(fault: dict[str, Any], record: Recorded) -> bool:
    return fault.get("kind") in (None, record.kind) and fault.get("model") in (None, record.model)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        fake: FakeGemini = self.server.fake  # type: ignore[attr-defined]
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        key = self.headers.get("x-goog-api-key", "")
        path = self.path.split("?", 1)[0]
        match = PATH_RE.match(path)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("x-goog-api-key", "authorization")}
        record = Recorded(path, match.group(2) if match else "", body, headers, bool(key), time.monotonic(),
                          normalized=snake_keys(body))
        fault = fake._begin(record)
        time.sleep(fake.latency + float(fault.get("delay", 0)))
        if fault.get("drop"):
            fake._end(record, 0)  # closed without an answer: a connection error for the client
            self.close_connection = True
            return
        try:
            status, payload, extra = _respond(fake, record, fault, key, match is not None)
        except Exception as exc:  # a bug in the fake: answer 500 and keep it for the test to see
            fake.errors.append(exc)
            status, payload, extra = 500, _error(500, f"fakegemini failed: {type(exc).__name__}: {exc}"), {}
        # Recorded before the answer leaves, so a client that has its answer sees the record complete.
        fake._end(record, status)
        try:
            self._send(status, payload, extra)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout test): nothing to answer

    def _send(self, status: int, payload: dict[str, Any], extra: dict[str, str]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _error(code: int, message: str, status: str | None = None, details: list | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status or ERROR_STATUS.get(code, "UNKNOWN")}
    if details:
        error["details"] = details
    return {"error": error}


def _respond(fake: FakeGemini, record: Recorded, fault: dict[str, Any], key: str,
             known_path: bool) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, JSON body, extra headers) for one request.

    Fault fields: status (HTTP error code) with message, error_status, retry_delay
    (RetryInfo, e.g. "2s"), retry_after (header), echo_key (put the received key in the
    message); block_reason (prompt blocked, no candidates); finish_reason (with no
    parts, or a cut-off JSON text for MAX_TOKENS on text); text (the text answer as
    is); audio_format / image_format for this call; delay and drop (handled earlier).
    """
    if not known_path:
        return 404, _error(404, f"unknown path {record.path}"), {}
    if fake.expected_key is not None and key != fake.expected_key:
        return 400, _error(400, "API key not valid. Please pass a valid API key."), {}
    if "status" in fault:
        code = int(fault["status"])
        message = fault.get("message", f"fake {code}") + (f" (key {key})" if fault.get("echo_key") else "")
        details = []
        if "retry_delay" in fault:
            details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": fault["retry_delay"]})
        extra = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
        return code, _error(code, message, fault.get("error_status"), details), extra
    if "block_reason" in fault:
        return 200, {"promptFeedback": {"blockReason": fault["block_reason"]}}, {}
    problem = multi_speaker_problem(record)
    if problem:
        return 400, _error(400, problem), {}
    reason = fault.get("finish_reason", "STOP")
    parts = _answer_parts(fake, record, fault, reason)
    candidate: dict[str, Any] = {"finishReason": reason, "index": 0}
    if parts:
        candidate["content"] = {"role": "model", "parts": parts}
    return 200, {"candidates": [candidate], "modelVersion": record.model}, {}


def _answer_parts(fake: FakeGemini, record: Recorded, fault: dict[str, Any], reason: str) -> list[dict[str, Any]]:
    if "text" in fault:
        return [{"text": fault["text"]}]
    if record.kind == "text" and reason in ("STOP", "MAX_TOKENS"):
        text = _story_text(fake, record)
        return [{"text": text[: len(text) // 2] if reason == "MAX_TOKENS" else text}]  # cut off mid-JSON
    if reason != "STOP":
        return []  # a safety block: a candidate without parts
    if record.kind == "image":
        mime, data = _image(record, fault.get("image_format", fake.image_format))
    elif multi_speakers(record):
        mime, data = conversation_audio(record, fault.get("audio_format", fake.audio_format))
    else:
        mime, data = _audio(record, fault.get("audio_format", fake.audio_format))
    return [{"inlineData": {"mimeType": mime, "data": base64.b64encode(data).decode()}}]


def _story_text(fake: FakeGemini, record: Recorded) -> str:
    if fake.story is not None:
        return fake.story if isinstance(fake.story, str) else json.dumps(fake.story)
    schema = record.config.get("response_schema") or record.config.get("response_json_schema") or {}
    scenes = (schema.get("properties") or {}).get("scenes") or {}
    count = scenes.get("min_items")
    if count is None:
        found = re.search(r"exactly (\d+) scenes", record.text)
        count = int(found.group(1)) if found else 3
    theme = record.text.split("\n", 1)[0]
    return json.dumps(fill_schema(schema, make_story(int(count), theme)))


def fill_schema(schema: dict[str, Any], value: Any) -> Any:
    """`value` with every property the (snake-cased) response schema declares but
    `value` lacks filled in, so the fake keeps answering on-schema if the schema grows."""
    kind = str(schema.get("type", "")).upper()
    if kind == "OBJECT":
        value = dict(value) if isinstance(value, dict) else {}
        for name, sub in (schema.get("properties") or {}).items():
            value[name] = fill_schema(sub, value.get(name))
        return value
    if kind == "ARRAY":
        return [fill_schema(schema.get("items") or {}, item) for item in value or []]
    if value is not None:
        return value
    return {"STRING": "x", "INTEGER": 1, "NUMBER": 1.0, "BOOLEAN": False}.get(kind)


def make_story(scene_count: int, theme: str = "") -> dict[str, Any]:
    """A story draft in the writer's response shape, deterministic in its inputs."""
    characters = [
        {"id": "Pip", "name": "Pip", "voice": "puck",
         "description": "a small round yellow duckling with an orange beak and a blue scarf"},
        {"id": "mo", "name": "Mo", "voice": "Charon",
         "description": "a tall gentle grey elephant with big ears and a green hat"},
    ]
    scenes = [{"id": "The Start" if i == 0 else f"scene {i + 1}", "title": f"Part {i + 1}",
               "image": f"Pip and Mo at place {i + 1} ({theme[:40]})",
               "narration": f"Pip and Mo had adventure number {i + 1}.",
               "characters": ["pip", "Mo"] if i % 2 == 0 else ["mo", "nobody"]} for i in range(scene_count)]
    return {"title": "Pip and Mo", "style": "bright flat crayon drawing", "characters": characters, "scenes": scenes}


def _image(record: Recorded, fmt: str) -> tuple[str, bytes]:
    """A small picture whose two colours derive from the prompt text and reference count."""
    from PIL import Image, ImageDraw

    aspect = (record.config.get("image_config") or {}).get("aspect_ratio", "1:1")
    width, height = SIZES.get(aspect, SIZES["1:1"])
    digest = hashlib.sha256(f"{record.text}|{len(record.inline)}".encode()).digest()
    image = Image.new("RGB", (width, height), tuple(digest[:3]))
    ImageDraw.Draw(image).rectangle((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=tuple(digest[3:6]))
    buffer = io.BytesIO()
    pillow_format = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}[fmt]
    image.save(buffer, format=pillow_format)
    return f"image/{fmt}", buffer.getvalue()


def _audio(record: Recorded, fmt: str) -> tuple[str, bytes]:
    """A tone `speech_seconds(text)` long: raw s16le PCM at 24 kHz, or a WAV file."""
    import wave

    import numpy as np

    frames = round(speech_seconds(record.text) * PCM_RATE)
    pitch = 200 + hashlib.sha256(record.text.encode()).digest()[0]
    samples = (0.3 * 32767 * np.sin(2 * np.pi * pitch * np.arange(frames) / PCM_RATE)).astype("<i2").tobytes()
    if fmt == "pcm":
        return f"audio/L16;codec=pcm;rate={PCM_RATE}", samples
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(PCM_RATE)
        writer.writeframes(samples)
    return "audio/wav", buffer.getvalue()


# ---------------------------------------------------------------- multi-speaker speech
# The smallest strict handler for dialogue calls: the documented shape only (exactly
# two speakerVoiceConfigs {speaker, voiceConfig.prebuiltVoiceConfig.voiceName}, every
# text part's speechMetadata.speaker one of them). The error wording is the fake's own.


def multi_speakers(record: Recorded) -> list[str] | None:
    """The speaker names of a multi-speaker audio request, or None for any other request."""
    speech = record.config.get("speech_config") or {}
    multi = speech.get("multi_speaker_voice_config")
    if record.kind != "audio" or multi is None:
        return None
    return [entry.get("speaker") for entry in multi.get("speaker_voice_configs") or []]


def multi_speaker_problem(record: Recorded) -> str | None:
    """Why a multi-speaker request is malformed, or None (also for other requests)."""
    names = multi_speakers(record)
    if names is None:
        return None
    speech = record.config["speech_config"]
    if speech.get("voice_config"):
        return "speech_config: set either voice_config or multi_speaker_voice_config, not both"
    configs = speech["multi_speaker_voice_config"].get("speaker_voice_configs") or []
    if len(configs) != 2 or len(set(names)) != 2 or not all(isinstance(name, str) and name for name in names):
        return "multi_speaker_voice_config needs exactly two speaker_voice_configs with distinct speakers"
    for entry in configs:
        voice = ((entry.get("voice_config") or {}).get("prebuilt_voice_config") or {}).get("voice_name")
        if not voice:
            return f"speaker {entry['speaker']}: voice_config.prebuilt_voice_config.voice_name is required"
    for part in record.parts:
        speaker = (part.get("speech_metadata") or {}).get("speaker")
        if "text" in part and speaker not in names:
            return f"speech_metadata.speaker {speaker!r} is not one of the configured speakers ({', '.join(names)})"
    return None


def conversation_audio(record: Recorded, fmt: str) -> tuple[str, bytes]:
    """One tone per text part, `speech_seconds(text)` long, at a pitch per speaker
    (the first speaker 220 Hz, the second 330 Hz), 0.3 s of silence between parts."""
    import numpy as np

    names = multi_speakers(record) or []
    pieces = []
    for part in (p for p in record.parts if "text" in p):
        pitch = 220.0 * (1.5 if names.index(part["speech_metadata"]["speaker"]) else 1.0)
        time_axis = np.arange(round(speech_seconds(part["text"]) * PCM_RATE)) / PCM_RATE
        pause = np.zeros(round(0.3 * PCM_RATE) if pieces else 0)
        pieces += [pause, 0.3 * np.sin(2 * np.pi * pitch * time_axis)]
    samples = (32767 * np.concatenate(pieces)).astype("<i2").tobytes()
    return _pcm_answer(samples, fmt)


def _pcm_answer(samples: bytes, fmt: str) -> tuple[str, bytes]:
    """(mime type, bytes) of 24 kHz mono s16le samples as raw PCM or a WAV file."""
    import wave

    if fmt == "pcm":
        return f"audio/L16;codec=pcm;rate={PCM_RATE}", samples
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(PCM_RATE)
        writer.writeframes(samples)
    return "audio/wav", buffer.getvalue()


try:
    import pytest
except ImportError:  # benchmarks may run without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def fake_gemini(monkeypatch: Any):
        """A running FakeGemini with storybuild pointed at it: a dummy GEMINI_API_KEY
        (GOOGLE_API_KEY cleared) and fast retries (10 ms base, 50 ms cap)."""
        with FakeGemini() as server:
            monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
            monkeypatch.setenv("GEMINI_API_KEY", DUMMY_KEY)
            for name, value in server.environ().items():
                monkeypatch.setenv(name, value)
            monkeypatch.setenv("STORYBUILD_RETRY_BASE_SECONDS", "0.01")
            monkeypatch.setenv("STORYBUILD_RETRY_CAP_SECONDS", "0.05")
            yield server
        assert server.errors == [], f"fakegemini itself failed: {server.errors}"
