"""Gemini retries and errors through the real SDK against tests/fakegemini.py: waits the
server asks for (shown as "waiting" notices), per-day quotas that fail at once, one-line
errors, timeouts, and the API key kept out of every message."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading

from fakegemini import DUMMY_KEY, fake_gemini  # noqa: F401 - fake_gemini is a fixture
from storybuild import providers
from storybuild.model import ProviderChoice
from storybuild.providers.gemini import client
from storybuild.providers.gemini.api_errors import reset_phrase
from storybuild.providers.gemini.images import GeminiImages
from storybuild.providers.gemini.retry import RetryPolicy, parse_retry_after
from storybuild.providers.gemini.voice import GeminiVoice
from storybuild.providers.gemini.writer import GeminiWriter
from test_gemini import IMAGE, VOICE, WHISKERS, gemini, narration, provider_error, sheet_request, waits


# -- retries and errors ----------------------------------------------------------------

def test_429_waits_at_least_the_servers_retry_delay(fake_gemini, tmp_path):
    fake_gemini.inject({"status": 429, "retryDelay": "0.4s"})
    GeminiVoice(gemini()).narrate(narration(), tmp_path / "v.wav")
    first, second = fake_gemini.requests
    assert (first.status, second.status) == (429, 200)
    assert second.started - first.finished >= 0.4  # the retry base is 10 ms: only retryDelay explains this


def test_a_per_minute_quota_waits_as_retry_info_says_and_shows_the_wait(fake_gemini, tmp_path):
    fake_gemini.inject({"status": 429, "quota": "minute", "retryDelay": "0.2s"}, {"status": 503, "retryDelay": "0.1s"})
    with waits() as notices:
        GeminiVoice(gemini()).narrate(narration(), tmp_path / "v.wav")
    assert notices == [("voice/garden", "rate limited, retrying in 0.2 s, try 2 of 6"),
                       ("voice/garden", "overloaded, retrying in 0.1 s, try 3 of 6")]
    assert [r.status for r in fake_gemini.requests] == [429, 503, 200]


def test_a_per_day_quota_fails_at_once_with_one_line_naming_the_quota_and_the_reset(fake_gemini, tmp_path):
    fake_gemini.inject({"status": 429, "quota": "day", "retryDelay": "40s"})
    message = provider_error(lambda: GeminiVoice(gemini()).narrate(narration(), tmp_path / "v.wav"))
    assert re.fullmatch(rf"{VOICE}: the daily quota GenerateRequestsPerDayPerProjectPerModel-FreeTier is used up; "
                        r"it resets at midnight Pacific time \(08:00 UTC, in \d+ h \d+ min\)", message), message
    assert len(fake_gemini.requests) == 1


def test_the_reset_of_a_daily_quota_is_midnight_pacific_time():
    winter = dt.datetime(2026, 11, 26, 14, 0, tzinfo=dt.timezone.utc)  # 06:00 PST
    summer = dt.datetime(2026, 7, 1, 6, 30, tzinfo=dt.timezone.utc)  # 23:30 PDT
    assert reset_phrase(winter) == "at midnight Pacific time (08:00 UTC, in 18 h 0 min)"
    assert reset_phrase(summer) == "at midnight Pacific time (07:00 UTC, in 0 h 30 min)"


def test_a_quota_429_that_never_clears_gives_up_with_one_line(fake_gemini, tmp_path):
    fake_gemini.inject(*[{"status": 429, "quota": "minute", "retryDelay": "0.01s"}] * 3)
    message = provider_error(lambda: GeminiVoice(gemini(retries=2)).narrate(narration(), tmp_path / "v.wav"))
    assert message == (f"{VOICE}: gave up after 3 attempts: 429 RESOURCE_EXHAUSTED: "
                       "quota GenerateRequestsPerMinutePerProjectPerModel-FreeTier exceeded")


def test_408_is_retried(fake_gemini, tmp_path):
    fake_gemini.inject({"status": 408, "message": "Request timed out."})
    with waits() as notices:
        GeminiVoice(gemini()).narrate(narration(), tmp_path / "v.wav")
    assert [r.status for r in fake_gemini.requests] == [408, 200]
    assert notices[0][1].startswith("timed out, retrying in ")


def test_retry_after_header_is_respected(fake_gemini, tmp_path):
    fake_gemini.inject({"status": 503, "retryAfter": "0.3"})
    GeminiVoice(gemini()).narrate(narration(), tmp_path / "v.wav")
    first, second = fake_gemini.requests
    assert second.started - first.finished >= 0.3


def test_two_503s_then_success(fake_gemini, tmp_path):
    fake_gemini.inject({"status": 503}, {"status": 503})
    GeminiImages(gemini()).draw_character_sheet(sheet_request(WHISKERS), tmp_path / "s.png")
    assert [r.status for r in fake_gemini.requests] == [503, 503, 200]
    assert (tmp_path / "s.png").exists()


def test_exhausted_retries_give_one_clear_error(fake_gemini, tmp_path):
    fake_gemini.inject(*[{"status": 429, "message": "Resource has been exhausted (e.g. check quota)."}] * 6)
    out = tmp_path / "s.png"
    message = provider_error(lambda: GeminiImages(gemini()).draw_character_sheet(sheet_request(WHISKERS), out))
    assert message == (f"{IMAGE}: gave up after 6 attempts: "
                       "429 RESOURCE_EXHAUSTED: Resource has been exhausted (e.g. check quota).")
    assert len(fake_gemini.requests) == 6 and not out.exists()


def test_client_errors_are_not_retried(fake_gemini, tmp_path):
    fake_gemini.inject({"status": 400, "message": "Unsupported aspect ratio."})
    message = provider_error(lambda: GeminiImages(gemini()).draw_character_sheet(sheet_request(WHISKERS),
                                                                                  tmp_path / "s.png"))
    assert message == f"{IMAGE}: 400 INVALID_ARGUMENT: Unsupported aspect ratio."
    assert len(fake_gemini.requests) == 1


def test_timeouts_and_dropped_connections_are_retried(fake_gemini, tmp_path):
    fake_gemini.inject({"delay": 2}, {"drop": True})
    GeminiVoice(gemini(timeout=0.5)).narrate(narration(), tmp_path / "v.wav")
    assert len(fake_gemini.requests) == 3
    assert [r.status for r in fake_gemini.requests[1:]] == [0, 200]  # dropped, then answered
    assert fake_gemini.requests[0].headers["X-Server-Timeout"] == "1"


def test_a_timeout_with_no_retries_left_says_so(fake_gemini, tmp_path):
    fake_gemini.inject({"delay": 2})
    message = provider_error(lambda: GeminiVoice(gemini(timeout=0.5, retries=0)).narrate(narration(),
                                                                                           tmp_path / "v.wav"))
    assert message == f"{VOICE}: gave up after 1 attempt: timed out after 0.5 s"


def test_the_api_key_never_appears_in_errors_logs_or_outputs(fake_gemini, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="storybuild.gemini")
    fake_gemini.inject({"status": 429, "echoKey": True}, {"status": 400, "echoKey": True},
                       *[{"status": 503, "message": "fake 503", "echoKey": True}] * 3)
    voice = GeminiVoice(gemini(retries=2))
    first = provider_error(lambda: voice.narrate(narration(), tmp_path / "v.wav"))
    second = provider_error(lambda: voice.narrate(narration(), tmp_path / "v.wav"))
    assert first == f"{VOICE}: 400 INVALID_ARGUMENT: fake 400 (key [redacted])"
    assert second == f"{VOICE}: gave up after 3 attempts: 503 UNAVAILABLE: fake 503 (key [redacted])"
    assert "fake 429 (key [redacted])" in caplog.text and DUMMY_KEY not in caplog.text

    story = GeminiWriter(gemini()).write_story("keys", 2)
    GeminiImages(gemini()).draw_character_sheet(sheet_request(WHISKERS), tmp_path / "s.png")
    voice.narrate(narration(), tmp_path / "v.wav")
    assert DUMMY_KEY not in json.dumps(story)
    for path in tmp_path.iterdir():
        assert DUMMY_KEY.encode() not in path.read_bytes()
    assert all(r.api_key_sent for r in fake_gemini.requests)
    assert all(DUMMY_KEY not in json.dumps(r.headers) for r in fake_gemini.requests)


def test_missing_key_fails_before_any_request(fake_gemini, tmp_path, monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY")
    assert not client.api_key_present()
    message = provider_error(lambda: GeminiVoice(gemini()).narrate(narration(), tmp_path / "v.wav"))
    assert message == f"{VOICE}: no Gemini API key: set GEMINI_API_KEY (or GOOGLE_API_KEY) in the environment"
    assert fake_gemini.requests == []


def test_google_api_key_wins_when_both_are_set(fake_gemini, tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", "dummy-google-key-for-tests-00000000000")
    fake_gemini.configure(expected_key="dummy-google-key-for-tests-00000000000")
    GeminiVoice(gemini()).narrate(narration(), tmp_path / "v.wav")
    assert client.api_key_present()


def test_concurrency_is_capped_per_kind_across_instances(fake_gemini, tmp_path):
    fake_gemini.configure(latency=0.15)
    instances = [GeminiImages(gemini(concurrency=3)), GeminiImages(gemini(concurrency=3))]
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def draw(index: int) -> None:
        start.wait()
        try:
            instances[index % 2].draw_character_sheet(sheet_request(WHISKERS), tmp_path / f"{index}.png")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(fake_gemini.requests) == 8
    assert fake_gemini.max_in_flight == 3  # never more than the cap, and the cap was reached


def test_registry_builds_the_providers_with_default_and_chosen_models(fake_gemini, tmp_path):
    voice = providers.create("voice", ProviderChoice("gemini", model="gemini-3.8-flash-lite-tts"))
    voice.narrate(narration(), tmp_path / "v.wav")
    assert isinstance(providers.create("image", ProviderChoice("gemini")), GeminiImages)
    assert fake_gemini.requests[0].model == "gemini-3.8-flash-lite-tts"


# -- retry policy (pure) ---------------------------------------------------------------

def test_backoff_is_full_jitter_capped_and_never_shorter_than_the_server_delay():
    import random

    policy = RetryPolicy(attempts=6, base=1.0, cap=30.0, rng=random.Random(1))
    waits = [policy.wait(n) for n in range(1, 9) for _ in range(50)]
    assert all(0 <= w <= 30 for w in waits) and max(waits) > 20
    assert all(policy.wait(1) <= 1.0 for _ in range(50))
    assert all(policy.wait(1, server_delay=7.0) >= 7.0 for _ in range(50))
    assert RetryPolicy.from_env(5, {"STORYBUILD_RETRY_BASE_SECONDS": "0.5"}).attempts == 6
    assert RetryPolicy.from_env(0, {"STORYBUILD_RETRY_BASE_SECONDS": "0.5"}).base == 0.5
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("12") == 12.0
