"""Shared fixtures: a small real project on disk and a way to run the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "whiskers-and-buster" / "story.yaml"


@pytest.fixture(autouse=True)
def _no_real_api_keys(monkeypatch):
    """Tests never see a real key, so nothing can reach a real API by accident."""
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)


def write_story(directory: Path, document: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "story.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=10000), encoding="utf-8")
    return path


def still_story() -> dict:
    """The bundled 3-scene example at 480x270 with still pictures: the quickest real render."""
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["video"] = {"size": "480x270", "fps": 24, "captions": True, "motion": False}
    return document


@pytest.fixture
def small_story(tmp_path) -> dict:
    """The bundled 3-scene example at a small size, so real renders stay quick."""
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["video"] = {"size": "640x360", "fps": 24, "captions": True, "motion": True}
    return document


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, check: bool = False):
    """Run `python -m storybuild ARGS` as a user would; returns the CompletedProcess."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    full_env.update(env or {})
    result = subprocess.run([sys.executable, "-m", "storybuild", *args], cwd=cwd, env=full_env,
                            capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"storybuild {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result
