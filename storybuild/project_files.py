"""Files a story names (the music, later scene pictures): where they may live and
what they must hold.

The rule: a project file is a relative path that resolves, symlinks followed, to a
regular file inside the project folder (the story file's folder). So a story never
reads `/etc/passwd`, `../../secret` or a link pointing out of the project, never
hangs on a FIFO or /dev/zero, and renders the same wherever the folder is copied.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from storybuild.story_checks import show
from storybuild.yaml_positions import JsonPath, Problem

# First bytes of the audio containers ffmpeg reads (checked at `validate` time, so a
# wrong file fails in a second, not at the last step of a render).
_AUDIO_NAMES = "WAV, MP3, AAC, M4A, OGG, Opus, FLAC, AIFF or WebM"
_IMAGE_NAMES = "PNG, JPEG, WebP, GIF, BMP or TIFF"
_HEAD_BYTES = 12


def project_file_problems(document_path: JsonPath, value: str, story_dir: Path, kind: str) -> list[Problem]:
    """Problems of `value`, a file named at `document_path` of the story in
    `story_dir`: [] when it is a relative path to a regular file inside the project
    (symlinks allowed only when they resolve inside it). `kind` names the file in
    messages ("music", "picture")."""
    problem = _location_problem(value, story_dir, kind)
    return [Problem(document_path, problem)] if problem else []


def named_file_problems(document_path: JsonPath, value: str, story_dir: Path, kind: str) -> list[Problem]:
    """Problems of a file the story names: where it is (project_file_problems), then,
    when it is there, what it holds: `kind` "music" must start like audio, "picture"
    like a picture, "font" like a font."""
    content = {"music": audio_problems, "picture": picture_problems, "font": font_problems}[kind]
    return project_file_problems(document_path, value, story_dir, kind) or content(document_path, value, story_dir)


def _location_problem(value: str, story_dir: Path, kind: str) -> str | None:
    if "\0" in value:
        return f"must be a file name (got {show(value)})"
    if os.path.isabs(value) or value.startswith("~"):
        return f"must be a path relative to the story file, inside the project folder (got {show(value)})"
    root = os.path.realpath(story_dir)
    lexical = os.path.normpath(os.path.join(root, value))
    if not _inside(lexical, root):
        return f"must be inside the project folder (got {show(value)}, which leads out of it)"
    real = os.path.realpath(lexical)
    if not _inside(real, root):
        return f"must be inside the project folder ({show(value)} is a link to a file outside it)"
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return f"no such file: {value} (paths are relative to the story file)"
    except OSError as error:
        return f"cannot read {show(value)}: {error.strerror}"
    if stat.S_ISDIR(mode):
        return f"{show(value)} is a folder; name the {kind} file inside it"
    if not stat.S_ISREG(mode):
        return f"{show(value)} is not a regular file"
    return None


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def audio_problems(document_path: JsonPath, value: str, story_dir: Path) -> list[Problem]:
    """[] when the file (already known to be a project file) starts like audio."""
    return _content_problems(document_path, value, story_dir, audio_format, f"an audio file (expected {_AUDIO_NAMES})")


def picture_problems(document_path: JsonPath, value: str, story_dir: Path) -> list[Problem]:
    """[] when the file (already known to be a project file) starts like a picture."""
    return _content_problems(document_path, value, story_dir, image_format, f"a picture (expected {_IMAGE_NAMES})")


def _content_problems(document_path: JsonPath, value: str, story_dir: Path, recognise, expected: str) -> list[Problem]:
    try:
        with open(Path(story_dir) / value, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as error:
        return [Problem(document_path, f"cannot read {show(value)}: {error.strerror}")]
    if recognise(head) is None:
        return [Problem(document_path, f"{show(value)} is not {expected}")]
    return []


def font_problems(document_path: JsonPath, value: str, story_dir: Path) -> list[Problem]:
    """[] when the file (already known to be a project file) starts like a font."""
    return _content_problems(document_path, value, story_dir, font_format,
                             "a font file (expected TrueType or OpenType: .ttf, .otf, .ttc)")


def font_format(head: bytes) -> str | None:
    """The font format whose signature starts `head`, or None."""
    return {b"\x00\x01\x00\x00": "ttf", b"true": "ttf", b"OTTO": "otf", b"ttcf": "ttc"}.get(head[:4])


def image_format(head: bytes) -> str | None:
    """The picture format whose signature starts `head` (12 bytes), or None."""
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:2] == b"BM":
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def audio_format(head: bytes) -> str | None:
    """The audio container whose signature starts `head` (at least 12 bytes of the
    file), or None. A cheap probe: ffmpeg still decides whether the body decodes."""
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "mp3" if head[1] & 0x06 else "aac"  # MPEG audio frame, or ADTS (layer bits 00)
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None
