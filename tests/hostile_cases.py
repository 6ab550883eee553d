"""The hostile-input table: story files an attacker or a careless user might write,
each with the exact lines `storybuild validate` must answer (after "N problems in the
story file:"). An empty list means the story is valid: the positive controls that
prove each rule does not refuse good input too.

A case's content is the story text (str), raw bytes, or a setup function that builds
the project folder (music files, symlinks, FIFOs) and writes story.yaml itself.
"""

from __future__ import annotations

import io
import os
import wave
from pathlib import Path
from typing import Callable

HEAD = "version: 1\ntitle: Tiny\nstyle: pencil\n"
SCENES = "scenes:\n  - id: one\n    image: a tree\n    narration: A tree.\n"
BASE = HEAD + SCENES
ID_RULE = "must be a lower-case id: letters, digits, '-' and '_', starting with a letter or digit"
NOT_AUDIO = "is not an audio file (expected WAV, MP3, AAC, M4A, OGG, Opus, FLAC, AIFF or WebM)"
TAG_TAIL = "; a story holds only plain text, numbers, lists and mappings"
BIG = "is too large a number (the largest is 9007199254740991)"


def top(extra: str) -> str:
    """BASE with `extra` as top-level fields starting at line 4."""
    return HEAD + extra + SCENES


def scene(extra: str) -> str:
    """BASE with `extra` as more fields of the first scene, starting at line 8."""
    return BASE + extra


def swap(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


def bomb(levels: int, width: int = 9) -> str:
    """The classic billion laughs: each level a list of `width` aliases to the last."""
    lines = ["a0: &a0 [" + ",".join(["lol"] * width) + "]"]
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * width) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n" + BASE


def wav_bytes() -> bytes:
    """A real 0.1 s WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 800)
    return buffer.getvalue()


def music(name: str) -> str:
    """A story whose music file is `name` (line 5, column 9)."""
    return top(f"music:\n  file: {name}\n")


def project(text: str, files: dict[str, bytes | None] | None = None,
            links: dict[str, str] | None = None, fifo: str | None = None) -> Callable[[Path], None]:
    """A setup writing story.yaml plus files (None: a folder) and symlinks. `{outside}`
    in a link target is a folder next to the project holding a real tune.wav."""
    def setup(root: Path) -> None:
        outside = root.parent / "outside"
        outside.mkdir(exist_ok=True)
        (outside / "tune.wav").write_bytes(wav_bytes())
        (outside / "story.yaml").write_text(BASE, encoding="utf-8")
        for rel, data in (files or {}).items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).mkdir() if data is None else (root / rel).write_bytes(data)
        for rel, target in (links or {}).items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target.replace("{outside}", str(outside)), root / rel)
        if fifo:
            os.mkfifo(root / fifo)
        if not (root / "story.yaml").exists() and not (root / "story.yaml").is_symlink():
            (root / "story.yaml").write_text(text, encoding="utf-8")
    return setup


Content = str | bytes | Callable[[Path], None]

CASES: list[tuple[str, Content, list[str]]] = [
    # ------------------------------------------------------------ syntax
    ("unclosed-flow-list", scene("    characters: [a, b\n"), [
        "story.yaml:9:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 8)",
    ]),
    ("tab-indent", scene("\tduration: 3\n"), ['story.yaml:8:1: invalid YAML: a tab character; indent with spaces']),
    ("second-document", BASE + "---\nversion: 1\n", [
        'story.yaml:8:1: invalid YAML: a second document starts here; a story file holds one',
    ]),
    ("unclosed-quote", swap("narration: A tree.", 'narration: "A tree.'), [
        'story.yaml:8:1: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 7)',
    ]),
    ("bad-indent", swap("    image: a tree", "   image: a tree"), [
        "story.yaml:6:4: invalid YAML: did not find expected '-' indicator (while parsing a block collection at line 5)",
    ]),
    ("raw-control-char", swap("A tree.", "A \x01tree."), [
        'story.yaml:7:18: invalid YAML: control character U+0001 is not allowed',
    ]),
    ("raw-nul", swap("A tree.", "A \x00tree."), [
        'story.yaml:7:18: invalid YAML: control character U+0000 is not allowed',
    ]),
    ("raw-del", swap("A tree.", "A tree\x7f"), [
        'story.yaml:7:22: invalid YAML: control character U+007F is not allowed',
    ]),
    ("raw-escape-sequence", swap("A tree.", "A \x1b[31mred\x1b[0m tree."), [
        'story.yaml:7:18: invalid YAML: control character U+001B is not allowed',
    ]),
    ("invalid-utf8", BASE.encode().replace(b"A tree.", b"A tr\xffee."), [
        'story.yaml:7:20: the file is not UTF-8 text (byte 0xff); save it as UTF-8',
    ]),
    ("latin1-file", BASE.replace("A tree.", "Caf\u00e9.").encode("latin-1"), [
        'story.yaml:7:19: the file is not UTF-8 text (byte 0xe9); save it as UTF-8',
    ]),
    ("utf16-file", BASE.encode("utf-16"), ['story.yaml:1:1: the file is not UTF-8 text (byte 0xff); save it as UTF-8']),
    ("truncated-utf8", BASE.encode() + "# é".encode()[:-1], [
        'story.yaml:8:3: the file is not UTF-8 text (byte 0xc3); save it as UTF-8',
    ]),
    ("utf8-bom-is-fine", b"\xef\xbb\xbf" + BASE.encode(), []),
    ("only-bom", b"\xef\xbb\xbf", ['story.yaml:1:1: the story file is empty']),
    ("zero-bytes", b"", ['story.yaml:1:1: the story file is empty']),
    ("only-document-marker", "---\n", ['story.yaml:2:1: the story file is empty']),
    ("only-comments", "# nothing here\n# at all\n", ['story.yaml:1:1: the story file is empty']),
    ("plain-text-document", "Once upon a time\n", [
        "story.yaml:1:1: the story must be a mapping of fields (got 'Once upon a time')",
    ]),
    ("list-document", "- version: 1\n", ['story.yaml:1:1: the story must be a mapping of fields (got a list)']),
    ("undefined-alias", scene("    duration: *nope\n"), ['story.yaml:8:15: invalid YAML: found undefined alias']),
    ("duplicate-top-key", BASE + "title: Again\n", [
        "story.yaml:8:1: title: duplicate key 'title' (first used at line 2)",
    ]),
    ("duplicate-scene-key", scene("    image: another\n"), [
        "story.yaml:8:5: scenes[0].image: duplicate key 'image' (first used at line 6)",
    ]),
    ("complex-key", top("? [a, b]\n: c\n"), ['story.yaml:4:3: keys must be plain names']),
    ("flow-mapping-key", top("{a: 1}: 2\n"), ['story.yaml:4:1: keys must be plain names']),
    # ------------------------------------------------------------ types
    ("version-text", swap("version: 1", "version: '1'"), ["story.yaml:1:10: version: must be 1 (got '1')"]),
    ("version-bool", swap("version: 1", "version: true"), ['story.yaml:1:10: version: must be 1 (got true)']),
    ("title-number", swap("title: Tiny", "title: 2024"), [
        'story.yaml:2:8: title: must be text (got 2024); put it in quotes',
    ]),
    ("title-list", swap("title: Tiny", "title: [a, b]"), ['story.yaml:2:8: title: must be text (got a list)']),
    ("title-mapping", swap("title: Tiny", "title: {a: b}"), ['story.yaml:2:8: title: must be text (got a mapping)']),
    ("title-exponent", swap("title: Tiny", "title: 1e12"), [
        'story.yaml:2:8: title: must be text (got 1000000000000.0); put it in quotes',
    ]),
    ("scenes-mapping", HEAD + "scenes:\n  one: {image: a, narration: b}\n", [
        'story.yaml:5:3: scenes: must be a list (got a mapping)',
    ]),
    ("scenes-empty", HEAD + "scenes: []\n", ['story.yaml:4:9: scenes: must not be empty']),
    ("scene-is-text", HEAD + "scenes:\n  - just a picture\n", [
        "story.yaml:5:5: scenes[0]: must be a mapping (got 'just a picture')",
    ]),
    ("narration-number", swap("A tree.", "5"), [
        'story.yaml:7:16: scenes[0].narration: must be text (got 5); put it in quotes',
    ]),
    ("characters-list", top("characters: [a, b]\n"), ['story.yaml:4:13: characters: must be a mapping (got a list)']),
    ("fps-text", top("video: {fps: fast}\n"), ["story.yaml:4:14: video.fps: must be a whole number (got 'fast')"]),
    ("fps-fraction", top("video: {fps: 24.5}\n"), ['story.yaml:4:14: video.fps: must be a whole number (got 24.5)']),
    ("captions-yes-text", top("video: {captions: 'yes'}\n"), [
        "story.yaml:4:19: video.captions: must be true or false or a mapping (got 'yes')",
    ]),
    ("duration-with-unit", scene("    duration: 5s\n"), [
        "story.yaml:8:15: scenes[0].duration: must be a number (got '5s')",
    ]),
    ("seed-fraction", scene("    seed: 1.5\n"), ['story.yaml:8:11: scenes[0].seed: must be a whole number (got 1.5)']),
    ("video-null", top("video:\n"), ['story.yaml:4:7: video: must be a mapping (got nothing)']),
    ("exponent-is-a-number", scene("    duration: 1e1\n"), []),
    ("exponent-out-of-range", scene("    duration: 1e3\n"), [
        'story.yaml:8:15: scenes[0].duration: must be at most 120 (got 1000.0)',
    ]),
    ("timestamp-title-is-text", swap("title: Tiny", "title: 2024-01-01"), []),
    ("equals-is-text", swap("A tree.", "="), []),
    ("sexagesimal-is-text", swap("A tree.", "1:30"), []),
    # ------------------------------------------------------------ tags
    ("python-object-mapping", top("video: !!python/object:os.system {fps: 24}\n"), [
        "story.yaml:4:8: video: unsupported YAML tag '!!python/object:os.system'" + TAG_TAIL,
    ]),
    ("python-apply-scalar", swap("A tree.", "!!python/name:os.system ''"), [
        "story.yaml:7:16: scenes[0].narration: unsupported YAML tag '!!python/name:os.system'" + TAG_TAIL,
    ]),
    ("local-tag-on-list", scene("    characters: !foo [a]\n"), [
        "story.yaml:8:17: scenes[0].characters: unsupported YAML tag '!foo'" + TAG_TAIL,
        "story.yaml:8:23: scenes[0].characters[0]: 'a' is not a declared character (no characters are declared)",
    ]),
    ("binary-tag", swap("A tree.", "!!binary aGVsbG8="), [
        "story.yaml:7:16: scenes[0].narration: unsupported YAML tag '!!binary'" + TAG_TAIL,
    ]),
    ("set-tag", top("characters: !!set {a}\n"), [
        "story.yaml:4:13: characters: unsupported YAML tag '!!set'" + TAG_TAIL,
        'story.yaml:4:21: characters.a: must be a mapping (got nothing)',
    ]),
    ("omap-tag", HEAD + "scenes: !!omap\n  - one: {id: one, image: a, narration: b}\n", [
        "story.yaml:4:9: scenes: unsupported YAML tag '!!omap'" + TAG_TAIL,
        "story.yaml:5:5: scenes[0]: missing required field 'id'",
        "story.yaml:5:5: scenes[0]: missing required field 'image'",
        'story.yaml:5:5: scenes[0].one: unknown field (expected one of: id, title, image, narration, lines, characters, speaker, duration, transition, seed, take)',
        "story.yaml:5:5: scenes[0]: missing required field 'narration' (or 'lines', for a dialogue)",
    ]),
    ("local-tag-on-scalar", swap("title: Tiny", "title: !shout Tiny"), [
        "story.yaml:2:8: title: unsupported YAML tag '!shout'" + TAG_TAIL,
    ]),
    # ------------------------------------------------------------ numbers
    ("duration-nan", scene("    duration: .nan\n"), [
        'story.yaml:8:15: scenes[0].duration: must be a finite number (got .nan)',
    ]),
    ("duration-inf", scene("    duration: .inf\n"), [
        'story.yaml:8:15: scenes[0].duration: must be a finite number (got .inf)',
    ]),
    ("duration-minus-inf", scene("    duration: -.inf\n"), [
        'story.yaml:8:15: scenes[0].duration: must be a finite number (got -.inf)',
    ]),
    ("duration-overflow", scene("    duration: 1.0e+400\n"), [
        'story.yaml:8:15: scenes[0].duration: must be a finite number (got 1.0e+400)',
    ]),
    ("duration-underflow", scene("    duration: 1e-400\n"), [
        'story.yaml:8:15: scenes[0].duration: must be more than 0 (got 0.0)',
    ]),
    ("duration-tiny-is-fine", scene("    duration: 5e-324\n"), []),
    ("volume-nan", project(top("music:\n  file: tune.wav\n  volume: .nan\n"), {"tune.wav": wav_bytes()}), [
        'story.yaml:6:11: music.volume: must be a finite number (got .nan)',
    ]),
    ("speed-nan", top("providers:\n  voice: {provider: piper, speed: .NaN}\n"), [
        'story.yaml:5:35: providers.voice.speed: must be a finite number (got .NaN)',
    ]),
    ("timeout-nan", top("providers:\n  image: {provider: gemini, timeout: .nan}\n"), [
        'story.yaml:5:38: providers.image.timeout: must be a finite number (got .nan)',
    ]),
    ("timeout-tiny", top("providers:\n  image: {provider: gemini, timeout: 0.0001}\n"), [
        'story.yaml:5:38: providers.image.timeout: must be at least 1 (got 0.0001)',
    ]),
    ("timeout-huge", top("providers:\n  image: {provider: gemini, timeout: 1e9}\n"), [
        'story.yaml:5:38: providers.image.timeout: must be at most 3600 (got 1000000000.0)',
    ]),
    ("seed-4301-digits", scene("    seed: " + "9" * 4301 + "\n"), ['story.yaml:8:11: scenes[0].seed: ' + BIG]),
    ("seed-100000-digits", scene("    seed: " + "7" * 100_000 + "\n"), ['story.yaml:8:11: scenes[0].seed: ' + BIG]),
    ("seed-20-digits", scene("    seed: 12345678901234567890\n"), ['story.yaml:8:11: scenes[0].seed: ' + BIG]),
    ("seed-hex-huge", scene("    seed: 0x" + "f" * 5000 + "\n"), ['story.yaml:8:11: scenes[0].seed: ' + BIG]),
    ("seed-binary-huge", scene("    seed: 0b" + "1" * 20_000 + "\n"), ['story.yaml:8:11: scenes[0].seed: ' + BIG]),
    ("seed-out-of-32-bits", scene("    seed: 4294967296\n"), [
        'story.yaml:8:11: scenes[0].seed: must be at most 2147483647 (got 4294967296)',
    ]),
    ("take-zero", scene("    take: 0\n"), ['story.yaml:8:11: scenes[0].take: must be at least 1 (got 0)']),
    ("take-huge", scene("    take: 10000000\n"), [
        'story.yaml:8:11: scenes[0].take: must be at most 1000000 (got 10000000)',
    ]),
    ("fps-overflow-float", top("video: {fps: 1e400}\n"), [
        'story.yaml:4:14: video.fps: must be a finite number (got 1e400)',
    ]),
    ("size-huge-digits", top("video: {size: 99999999999999999999x720}\n"), [
        'story.yaml:4:15: video.size: width and height must be 128 to 3840 (got 99999999999999999999x720)',
        'story.yaml:4:15: video.size: width and height must be even (got 99999999999999999999x720)',
    ]),
    ("size-5000-digits", top("video: {size: " + "9" * 5000 + "x720}\n"), [
        'story.yaml:4:15: video.size: width and height must be 128 to 3840 (got 9999999999999999999999999999999999999...)',
        'story.yaml:4:15: video.size: width and height must be even (got 9999999999999999999999999999999999999...)',
    ]),
    ("size-trailing-newline", top('video: {size: "1280x720\\n"}\n'), [
        "story.yaml:4:15: video.size: must look like WIDTHxHEIGHT, for example 1280x720 (got '1280x720\\n')",
    ]),
    # ------------------------------------------------------------ ids
    ("id-trailing-newline", swap("id: one", 'id: "one\\n"'), [
        'story.yaml:5:9: scenes[0].id: ' + ID_RULE + " (got 'one\\n')",
    ]),
    ("id-dot", swap("id: one", "id: ."), ['story.yaml:5:9: scenes[0].id: ' + ID_RULE + " (got '.')"]),
    ("id-dot-dot", swap("id: one", "id: '..'"), ['story.yaml:5:9: scenes[0].id: ' + ID_RULE + " (got '..')"]),
    ("id-parent-path", swap("id: one", "id: ../etc"), ['story.yaml:5:9: scenes[0].id: ' + ID_RULE + " (got '../etc')"]),
    ("id-slash", swap("id: one", "id: a/b"), ['story.yaml:5:9: scenes[0].id: ' + ID_RULE + " (got 'a/b')"]),
    ("id-65-chars", swap("id: one", "id: " + "a" * 65), [
        'story.yaml:5:9: scenes[0].id: must be at most 64 characters long (got 65)',
    ]),
    ("id-300-chars", swap("id: one", "id: " + "b" * 300), [
        'story.yaml:5:9: scenes[0].id: must be at most 64 characters long (got 300)',
    ]),
    ("id-64-chars-is-fine", swap("id: one", "id: " + "c" * 64), []),
    ("id-nul", swap("id: one", 'id: "a\\0b"'), [
        "story.yaml:5:9: scenes[0].id: must not contain control characters (got 'a\\u0000b')",
    ]),
    ("id-accented", swap("id: one", "id: caf\u00e9"), ['story.yaml:5:9: scenes[0].id: ' + ID_RULE + " (got 'café')"]),
    ("id-fullwidth", swap("id: one", "id: \uff4f\uff4e\uff45"), [
        'story.yaml:5:9: scenes[0].id: ' + ID_RULE + " (got 'ｏｎｅ')",
    ]),
    ("id-empty", swap("id: one", "id: ''"), ['story.yaml:5:9: scenes[0].id: ' + ID_RULE + " (got '')"]),
    ("id-leading-dash", swap("id: one", "id: -one"), ['story.yaml:5:9: scenes[0].id: ' + ID_RULE + " (got '-one')"]),
    ("id-number", swap("id: one", "id: 5"), ['story.yaml:5:9: scenes[0].id: must be text (got 5); put it in quotes']),
    ("id-zero-width", swap("id: one", "id: \"o\\u200bne\""), [
        'story.yaml:5:9: scenes[0].id: ' + ID_RULE + " (got 'o\\u200bne')",
    ]),
    ("character-key-newline", top('characters:\n  "cat\\n": {name: Cat, description: a cat}\n'), [
        'story.yaml:5:3: characters["cat\\n"]: ' + ID_RULE + " (got 'cat\\n')",
    ]),
    ("character-key-long", top("characters:\n  " + "k" * 100 + ": {name: Cat, description: a cat}\n"), [
        'story.yaml:5:3: characters["kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk..."]: must be at most 64 characters long (got 100)',
    ]),
    ("speaker-newline", top("characters:\n  cat: {name: Cat, description: a cat}\n")
     + '    speaker: "cat\\n"\n', ["story.yaml:10:14: scenes[0].speaker: " + ID_RULE + " (got 'cat\\n')"]),
    ("scene-character-dot", scene("    characters: ['.']\n"), [
        'story.yaml:8:18: scenes[0].characters[0]: ' + ID_RULE + " (got '.')",
    ]),
    ("model-newline", top('providers:\n  text: {provider: gemini, model: "gemini\\nx"}\n'), [
        "story.yaml:5:35: providers.text.model: must be a model id: letters, digits, '.', '-', '_' and '/' (got 'gemini\\nx')",
    ]),
    # ------------------------------------------------------------ unicode text
    ("narration-zero-width", swap("A tree.", '"\\u200b\\u200b"'), [
        'story.yaml:7:16: scenes[0].narration: must not be empty',
    ]),
    ("narration-invisibles", swap("A tree.", '"\\u200b\\u200c\\u200d\\u2060\\ufeff"'), [
        'story.yaml:7:16: scenes[0].narration: must not be empty',
    ]),
    ("title-bidi-override", swap("title: Tiny", 'title: "\\u202e"'), ['story.yaml:2:8: title: must not be empty']),
    ("title-spaces", swap("title: Tiny", "title: '   '"), ['story.yaml:2:8: title: must not be empty']),
    ("title-ideographic-space", swap("title: Tiny", "title: \"\\u3000\""), [
        'story.yaml:2:8: title: must not be empty',
    ]),
    ("image-zero-width", swap("a tree", '"\\u200b"'), ['story.yaml:6:12: scenes[0].image: must not be empty']),
    ("character-name-invisible", top('characters:\n  cat: {name: "\\u2060", description: a cat}\n'), [
        'story.yaml:5:15: characters.cat.name: must not be empty',
    ]),
    ("narration-nul-escape", swap("A tree.", '"A\\0tree"'), [
        "story.yaml:7:16: scenes[0].narration: must not contain control characters (got 'A\\u0000tree')",
    ]),
    ("narration-terminal-escape", swap("A tree.", '"\\e[2J gone"'), [
        "story.yaml:7:16: scenes[0].narration: must not contain control characters (got '\\u001b[2J gone')",
    ]),
    ("rtl-text-is-fine", swap("A tree.", "\u0634\u062c\u0631\u0629 \u202eA tree"), []),
    ("emoji-title-is-fine", swap("title: Tiny", "title: \U0001f431\U0001f436"), []),
    ("combining-mark-is-fine", swap("A tree.", "\u0301"), []),
    ("title-10000-chars-is-fine", swap("title: Tiny", "title: " + "long words " * 900), []),
    ("quoted-exponent-is-text", swap("A tree.", "'1e5'"), []),
    ("greek-title-is-fine", swap("title: Tiny", "title: \u039a\u03cc\u03c4\u03b1"), []),
    ("unknown-key-bidi", top('"\\u202escenes": 1\n'), [
        'story.yaml:4:1: ["\\u202escenes"]: unknown field; did you mean \'scenes\'?',
    ]),
    ("unknown-key-long", top("x" * 10_000 + ": 1\n"), [
        "story.yaml:4:10001: invalid YAML: could not find expected ':' (while scanning a simple key at line 4)",
    ]),
    ("narration-long-is-fine", swap("A tree.", "word " * 150_000), []),
    # ------------------------------------------------------------ limits
    ("alias-bomb-9", bomb(9), [
        'story.yaml:6:10: the story is too large: more than 100000 values once aliases are expanded',
    ]),
    ("alias-bomb-20-wide", bomb(5, width=20), [
        'story.yaml:4:50: the story is too large: more than 100000 values once aliases are expanded',
    ]),
    ("alias-101", top("x: &x a\ny: [" + ", ".join(["*x"] * 101) + "]\n"), [
        'story.yaml:5:405: the story uses more than 100 aliases (*name); write the values out',
    ]),
    ("alias-100-is-counted-not-refused", top("x: &x a\ny: [" + ", ".join(["*x"] * 100) + "]\n"), [
        'story.yaml:4:1: x: unknown field (expected one of: version, title, style, video, music, title_card, end_card, audio, providers, characters, scenes)',
        'story.yaml:5:1: y: unknown field (expected one of: version, title, style, video, music, title_card, end_card, audio, providers, characters, scenes)',
    ]),
    ("recursive-alias", top("x: &x [*x]\n"), [
        'story.yaml:4:1: x: unknown field (expected one of: version, title, style, video, music, title_card, end_card, audio, providers, characters, scenes)',
        'story.yaml:4:8: x[0]: recursive YAML alias',
    ]),
    ("merge-key", top("base: &b {image: a}\n") + "    <<: *b\n", [
        'story.yaml:4:1: base: unknown field (expected one of: version, title, style, video, music, title_card, end_card, audio, providers, characters, scenes)',
        'story.yaml:9:5: scenes[0]["<<"]: unknown field (expected one of: id, title, image, narration, lines, characters, speaker, duration, transition, seed, take)',
    ]),
    ("nested-10000-flow", top("x: " + "[" * 10_000 + "]" * 10_000 + "\n"), [
        'story.yaml:4:1003: invalid YAML: exceeded maximum nesting depth (while increasing flow level at line 4)',
    ]),
    ("nested-40-block", top("".join("  " * n + "x:\n" for n in range(40))), [
        'story.yaml:36:65: the story nests lists and mappings more than 32 deep',
    ]),
    ("file-over-1mb", "# " + "x" * (1 << 20) + "\n" + BASE, [
        'story file story.yaml is too large: more than 1048576 bytes (1 MB); a story file holds text, not media',
    ]),
    ("many-values", top("x: [" + ",".join(["0"] * 150_000) + "]\n"), [
        'story.yaml:4:199987: the story is too large: more than 100000 values',
    ]),
    ("explicit-key-200k-chars", top("? " + "k" * 200_000 + "\n: 1\n"), [
        'story.yaml:4:3: ["' + "k" * 37 + '..."]: unknown field (expected one of: version, title, style, video, music, '
        'title_card, end_card, audio, providers, characters, scenes)',
    ]),
    ("references-among-1000-characters", top("characters:\n" + "".join(
        f"  c{n}: {{name: C, description: d}}\n" for n in range(1000))).replace(
        "    narration: A tree.\n", "    narration: A tree.\n    characters: [x0, x1]\n"), [
        f"story.yaml:1009:{column}: scenes[0].characters[{n}]: 'x{n}' is not a declared character "
        "(declared: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 990 more)" for n, column in ((0, 18), (1, 22))
    ]),
    ("unknown-keys", top("".join(f"k{n}: 1\n" for n in range(3))), [
        'story.yaml:4:1: k0: unknown field (expected one of: version, title, style, video, music, title_card, end_card, audio, providers, characters, scenes)',
        'story.yaml:5:1: k1: unknown field (expected one of: version, title, style, video, music, title_card, end_card, audio, providers, characters, scenes)',
        'story.yaml:6:1: k2: unknown field (expected one of: version, title, style, video, music, title_card, end_card, audio, providers, characters, scenes)',
    ]),
    # ------------------------------------------------------------ files and paths
    ("music-absolute", music("/etc/passwd"), [
        "story.yaml:5:9: music.file: must be a path relative to the story file, inside the project folder (got '/etc/passwd')",
    ]),
    ("music-parent", project(music("../outside/tune.wav")), [
        "story.yaml:5:9: music.file: must be inside the project folder (got '../outside/tune.wav', which leads out of it)",
    ]),
    ("music-etc-passwd-relative", project(music("../../../../../../../../etc/passwd")), [
        "story.yaml:5:9: music.file: must be inside the project folder (got '../../../../../../../../etc/passwd', which leads out of it)",
    ]),
    ("music-link-to-passwd", project(music("tune.mp3"), links={"tune.mp3": "/etc/passwd"}), [
        "story.yaml:5:9: music.file: must be inside the project folder ('tune.mp3' is a link to a file outside it)",
    ]),
    ("music-link-outside", project(music("tune.wav"), links={"tune.wav": "{outside}/tune.wav"}), [
        "story.yaml:5:9: music.file: must be inside the project folder ('tune.wav' is a link to a file outside it)",
    ]),
    ("music-link-folder-outside", project(music("lib/tune.wav"), links={"lib": "{outside}"}), [
        "story.yaml:5:9: music.file: must be inside the project folder ('lib/tune.wav' is a link to a file outside it)",
    ]),
    ("music-link-inside-is-fine", project(music("tune.wav"), {"audio/real.wav": wav_bytes()},
                                          links={"tune.wav": "audio/real.wav"}), []),
    ("music-folder", project(music("music"), {"music": None}), [
        "story.yaml:5:9: music.file: 'music' is a folder; name the music file inside it",
    ]),
    ("music-dev-zero", music("/dev/zero"), [
        "story.yaml:5:9: music.file: must be a path relative to the story file, inside the project folder (got '/dev/zero')",
    ]),
    ("music-link-dev-zero", project(music("zero.wav"), links={"zero.wav": "/dev/zero"}), [
        "story.yaml:5:9: music.file: must be inside the project folder ('zero.wav' is a link to a file outside it)",
    ]),
    ("music-fifo", project(music("pipe.wav"), fifo="pipe.wav"), [
        "story.yaml:5:9: music.file: 'pipe.wav' is not a regular file",
    ]),
    ("music-text-file", project(music("notes.mp3"), {"notes.mp3": b"la la la\n"}), [
        "story.yaml:5:9: music.file: 'notes.mp3' " + NOT_AUDIO,
    ]),
    ("music-png", project(music("cover.mp3"), {"cover.mp3": b"\x89PNG\r\n\x1a\n" + b"\0" * 32}), [
        "story.yaml:5:9: music.file: 'cover.mp3' " + NOT_AUDIO,
    ]),
    ("music-empty-file", project(music("empty.wav"), {"empty.wav": b""}), [
        "story.yaml:5:9: music.file: 'empty.wav' " + NOT_AUDIO,
    ]),
    ("music-wav-is-fine", project(music("tune.wav"), {"tune.wav": wav_bytes()}), []),
    ("music-home", music("~/tune.wav"), [
        "story.yaml:5:9: music.file: must be a path relative to the story file, inside the project folder (got '~/tune.wav')",
    ]),
    ("music-nul", music('"tune\\0.wav"'), [
        "story.yaml:5:9: music.file: must not contain control characters (got 'tune\\u0000.wav')",
    ]),
    ("music-dotdot-inside", project(music("music/../../outside/tune.wav"), {"music/x": b""}), [
        "story.yaml:5:9: music.file: must be inside the project folder (got 'music/../../outside/tune.wav', which leads out of it)",
    ]),
    ("music-missing", music("nowhere.wav"), [
        'story.yaml:5:9: music.file: no such file: nowhere.wav (paths are relative to the story file)',
    ]),
    ("story-link-dev-zero", project("", links={"story.yaml": "/dev/zero"}), [
        'story file story.yaml is not a regular file',
    ]),
    ("story-fifo", project("", fifo="story.yaml"), ['story file story.yaml is not a regular file']),
    ("story-folder", project("", {"story.yaml": None}), ['story file not found: story.yaml/story.yaml']),
]
