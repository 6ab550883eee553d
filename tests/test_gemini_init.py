"""`storybuild init --writer gemini` through the CLI, the real SDK and the fake server."""

from __future__ import annotations

import pytest

from conftest import run_cli
from fakegemini import DUMMY_KEY, FakeGemini


@pytest.fixture
def server():
    with FakeGemini() as fake:
        yield fake


def gemini_env(server: FakeGemini) -> dict[str, str]:
    return {"GEMINI_API_KEY": DUMMY_KEY, "STORYBUILD_RETRY_BASE_SECONDS": "0.01", **server.environ()}


def test_gemini_init_writes_a_valid_story_from_structured_output(tmp_path, server):
    target = tmp_path / "pets"
    result = run_cli("init", str(target), "--theme", "a cat and a dog playing", "--scenes", "4",
                     "--writer", "gemini", env=gemini_env(server), check=True)
    assert "wrote" in result.stdout
    request = server.calls("text")[0]
    config = request.body["generationConfig"]
    assert (config.get("responseMimeType") or config.get("response_mime_type")) == "application/json"
    assert "a cat and a dog playing" in str(request.body["contents"])
    validated = run_cli("validate", str(target), check=True)
    assert validated.stdout.endswith("ok (4 scenes, 2 characters)\n") or "ok (4 scenes" in validated.stdout
    assert DUMMY_KEY not in (target / "story.yaml").read_text() + result.stdout + result.stderr


def test_gemini_init_writes_nothing_when_the_answer_is_cut_off(tmp_path, server):
    server.inject({"finishReason": "MAX_TOKENS"}, {"finishReason": "MAX_TOKENS"})
    result = run_cli("init", str(tmp_path / "pets"), "--theme", "a cat", "--writer", "gemini",
                     env=gemini_env(server))
    assert result.returncode != 0
    assert result.stderr.strip() == ("Error: the gemini writer could not write the story: gemini text model "
                                     "gemini-3.8-flash: no story returned: finish reason MAX_TOKENS (asked twice)")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "pets" / "story.yaml").exists()


def test_gemini_init_without_a_key_fails_before_calling(tmp_path, server):
    env = {k: v for k, v in gemini_env(server).items() if k != "GEMINI_API_KEY"}
    result = run_cli("init", str(tmp_path / "pets"), "--theme", "a cat", "--writer", "gemini", env=env)
    assert result.returncode == 2
    assert "the gemini writer needs an API key" in result.stderr
    assert server.requests == []


def test_gemini_init_shows_its_waits_and_asks_again_after_a_rate_limit(tmp_path, server):
    server.inject({"status": 429, "quota": "minute", "retryDelay": "0.05s"})
    result = run_cli("init", str(tmp_path / "pets"), "--theme", "a cat", "--writer", "gemini",
                     env=gemini_env(server), check=True)
    assert result.stderr.splitlines() == ["waiting: rate limited, retrying in 0.05 s, try 2 of 6"]
    assert [call.status for call in server.requests] == [429, 200]
