"""Slugs, project files and the audio probe: the rules that keep names from a story
file safe on disk. The probe is checked against real files made by the bundled ffmpeg."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from storybuild.model import SLUG_BYTES, slugify
from storybuild.project import validate_document
from storybuild.project_files import audio_format, audio_problems, project_file_problems
from storybuild.yaml_positions import MAX_NUMBER, Problem

# ---------------------------------------------------------------- slugs


@pytest.mark.parametrize("title, slug", [
    ("Whiskers & Buster!", "whiskers-buster"),
    ("Café Zoë", "cafe-zoe"),
    ("Ñandú in Straße", "nandu-in-strasse"),
    ("Κότα και σκύλος", "κότα-και-σκύλος"),
    ("Кошка и собака", "кошка-и-собака"),
    ("猫と犬の冒険", "猫と犬の冒険"),
    ("القط والكلب", "القط-والكلب"),
    ("हिन्दी कहानी", "हिन्दी-कहानी"),
    ("한국어 이야기", "한국어-이야기"),
    ("ＦＵＬＬ ｗｉｄｔｈ", "full-width"),
    ("a/b\\c:d*e?f\"g<h>i|j", "a-b-c-d-e-f-g-h-i-j"),
    ("..", "story"),
    ("🐱🐶", "story"),
    ("\u200b\u202e", "story"),
    ("", "story"),
    ("zero\u200bwidth", "zero-width"),
])
def test_slugs_keep_letters_of_every_script(title, slug):
    assert slugify(title) == slug


def test_long_titles_are_cut_at_a_word_and_tagged_with_a_hash():
    title = "The very long adventure of " + "a cat and a dog " * 30
    slug = slugify(title)
    assert len(slug.encode("utf-8")) <= SLUG_BYTES
    assert slug == "the-very-long-adventure-of-a-cat-and-a-dog-a-cat-and-a-dog-a-cat-and-a-2e98e2a1"
    assert slugify(title) == slug  # stable across runs: a hash, never a counter
    assert slugify(title.upper() + "!") == slug  # case and punctuation never count...
    assert slugify(title + " again") != slug  # ...and two long titles stay apart


def test_one_enormous_word_and_multibyte_titles_fit_in_bytes():
    for title in ("x" * 1000, "猫" * 1000, "é" * 1000, "ab" + "\u0301" * 1000):
        slug = slugify(title)
        assert 0 < len(slug.encode("utf-8")) <= SLUG_BYTES
        slug.encode("utf-8").decode("utf-8")  # never cut inside a character
    assert slugify("猫" * 1000).startswith("猫" * 23 + "-")


def test_slugs_are_single_safe_file_name_components():
    for title in ("../../etc", "a\nb", "a\0b", "con.txt", " - ", "a--b", "-a-"):
        slug = slugify(title)
        assert "/" not in slug and "\0" not in slug and "\n" not in slug and slug not in (".", "..")
        assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug


# ---------------------------------------------------------------- project files


def test_project_file_problems_is_the_reusable_rule(tmp_path):
    root = tmp_path / "proj"
    (root / "pictures").mkdir(parents=True)
    (root / "pictures" / "cat.png").write_bytes(b"png")
    (tmp_path / "secret.png").write_bytes(b"png")
    os.symlink(tmp_path / "secret.png", root / "pictures" / "link.png")
    os.symlink("cat.png", root / "pictures" / "alias.png")
    where = ("scenes", 0, "image", "file")
    assert project_file_problems(where, "pictures/cat.png", root, "picture") == []
    assert project_file_problems(where, "pictures/alias.png", root, "picture") == []
    assert project_file_problems(where, "./pictures/../pictures/cat.png", root, "picture") == []
    assert project_file_problems(where, "../secret.png", root, "picture") == [Problem(
        where, "must be inside the project folder (got '../secret.png', which leads out of it)")]
    assert project_file_problems(where, "pictures/link.png", root, "picture") == [Problem(
        where, "must be inside the project folder ('pictures/link.png' is a link to a file outside it)")]
    assert project_file_problems(where, "pictures", root, "picture") == [Problem(
        where, "'pictures' is a folder; name the picture file inside it")]
    assert project_file_problems(where, str(root / "pictures" / "cat.png"), root, "picture")[0].message.startswith(
        "must be a path relative to the story file")


def test_a_project_reached_through_a_symlink_still_accepts_its_own_files(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "tune.wav").write_bytes(b"RIFF")
    os.symlink(real, tmp_path / "via-link")
    assert project_file_problems(("music", "file"), "tune.wav", tmp_path / "via-link", "music") == []


def _encode(tmp_path: Path, name: str, *codec: str) -> bytes:
    from imageio_ffmpeg import get_ffmpeg_exe

    out = tmp_path / name
    subprocess.run([get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.2",
                    *codec, "-y", str(out)], check=True, capture_output=True)
    return out.read_bytes()


@pytest.mark.parametrize("name, codec, kind", [
    ("a.wav", (), "wav"),
    ("a.mp3", ("-c:a", "libmp3lame"), "mp3"),
    ("b.mp3", ("-c:a", "libmp3lame", "-write_xing", "0", "-id3v2_version", "0"), "mp3"),
    ("a.ogg", ("-c:a", "libvorbis"), "ogg"),
    ("a.opus", ("-c:a", "libopus"), "ogg"),
    ("a.flac", (), "flac"),
    ("a.m4a", ("-c:a", "aac"), "m4a"),
    ("a.aac", ("-c:a", "aac", "-f", "adts"), "aac"),
    ("a.aiff", (), "aiff"),
    ("a.webm", ("-c:a", "libopus"), "webm"),
])
def test_audio_probe_recognises_real_files_from_ffmpeg(tmp_path, name, codec, kind):
    assert audio_format(_encode(tmp_path, name, *codec)[:12]) == kind


def test_audio_probe_refuses_what_is_not_audio(tmp_path):
    from PIL import Image

    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    samples = [b"", b"hello world\n", (tmp_path / "a.png").read_bytes(), b"%PDF-1.7\n", b"\x00" * 12,
               b"RIFF\x00\x00\x00\x00AVI ", b"PK\x03\x04" + b"\x00" * 8]
    for head in samples:
        assert audio_format(head[:12]) is None, head
    (tmp_path / "t.mp3").write_text("la la la")
    assert audio_problems(("music", "file"), "t.mp3", tmp_path) == [Problem(
        ("music", "file"),
        "'t.mp3' is not an audio file (expected WAV, MP3, AAC, M4A, OGG, Opus, FLAC, AIFF or WebM)")]


# ---------------------------------------------------------------- documents that never were files


def test_generated_documents_get_the_same_number_and_text_checks():
    document = {"version": 1, "title": "T", "style": "s", "video": {"fps": 10 ** 5000},
                "providers": {"voice": {"provider": "piper", "speed": float("nan")}},
                "scenes": [{"id": "a", "image": "i", "narration": "x\0y", "duration": float("inf")}]}
    assert validate_document(document, "new story") == [
        f"new story: video.fps: is too large a number (the largest is {MAX_NUMBER})",
        "new story: providers.voice.speed: must be a finite number (got .nan)",
        "new story: scenes[0].narration: must not contain control characters (got 'x\\u0000y')",
        "new story: scenes[0].duration: must be a finite number (got .inf)",
    ]


def test_a_long_unicode_title_names_the_video_within_file_name_limits(tmp_path):
    from storybuild.graph import build_graph
    from storybuild.project import load_project

    title = "Ζωή και ο σκύλος της στο μεγάλο ταξίδι " * 20
    story = tmp_path / "story.yaml"
    story.write_text(f"version: 1\ntitle: {title}\nstyle: s\nscenes:\n  - id: a\n    image: i\n    narration: n\n",
                     encoding="utf-8")
    video = next(step for step in build_graph(load_project(story)) if step.id == "video")
    names = list(video.views.values())
    assert names[0].startswith("ζωή-και-ο-σκύλος-") and names[0].endswith(".mp4")
    assert all(len(name.encode("utf-8")) <= SLUG_BYTES + 4 for name in names)
