"""PURE: dialogue scenes. A scene either has one `narration` or `lines` spoken by
characters (a line without a speaker is the narrator's). This module reads them from
the story document, checks what the schema cannot, and decides the voice each
speaker gets: the character's own settings, else a default that differs from every
other speaker's, the same on every run.

Each line is voiced by its own step (kinds/voice.py), so editing one line re-voices
that line only; timeline.py places the lines one after another with LINE_GAP.
"""

from __future__ import annotations

from typing import Any

from storybuild import providers
from storybuild.model import Character, Line, Project
from storybuild.yaml_positions import JsonPath, Problem

# Default (semitones, pace) of the n-th declared character for providers that shape
# one voice (piper): neighbours differ by at least 4 semitones (26% in pitch), far
# beyond what a listener needs to tell two speakers apart, and never more than 7
# (beyond that the voice sounds like a cartoon). The narrator is the plain voice.
SHAPES = ((4.0, 1.0), (-4.0, 0.94), (7.0, 1.06), (-7.0, 0.92), (2.5, 1.1), (-2.5, 0.96))


def character(cid: str, entry: dict[str, Any]) -> Character:
    """A Character from a valid `characters.<cid>` entry; `voice` may be a name or
    {name, pitch, pace}."""
    voice = entry.get("voice")
    shape = voice if isinstance(voice, dict) else {}
    name = voice if isinstance(voice, str) else shape.get("name")
    return Character(id=cid, name=entry["name"].strip(), description=entry["description"].strip(), voice=name,
                     pitch=_number(shape.get("pitch")), pace=_number(shape.get("pace")))


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def scene_lines(scene: dict[str, Any]) -> tuple[Line, ...]:
    """The lines of a valid scene entry (none for a narration scene)."""
    return tuple(Line(text=line["text"].strip(), speaker=line.get("speaker")) for line in scene.get("lines") or ())


def spoken_text(scene: dict[str, Any]) -> str:
    """Every word spoken in a valid scene entry: its narration, or its lines' texts joined."""
    if "narration" in scene:
        return scene["narration"].strip()
    return " ".join(line.text for line in scene_lines(scene))


def line_problems(document: dict[str, Any]) -> list[Problem]:
    """Scenes with both or neither of narration and lines, a scene `speaker` beside
    lines (each line names its own), and line texts that show nothing."""
    from storybuild.story_checks import looks_empty

    scenes = document.get("scenes")
    problems: list[Problem] = []
    for index, scene in enumerate(scenes if isinstance(scenes, list) else ()):
        if not isinstance(scene, dict):
            continue
        path: JsonPath = ("scenes", index)
        if "narration" in scene and "lines" in scene:
            problems.append(Problem(path + ("lines",), "give either narration or lines, not both", at_key=True))
        elif "narration" not in scene and "lines" not in scene:
            problems.append(Problem(path, "missing required field 'narration' (or 'lines', for a dialogue)"))
        elif "lines" in scene and "speaker" in scene:
            problems.append(Problem(path + ("speaker",), "a dialogue scene names the speaker on each line, "
                                                         "not on the scene", at_key=True))
        lines = scene.get("lines")
        for number, line in enumerate(lines if isinstance(lines, list) else ()):
            text = line.get("text") if isinstance(line, dict) else None
            if isinstance(text, str) and text.strip() and looks_empty(text):
                problems.append(Problem(path + ("lines", number, "text"), "must not be empty"))
    return problems


def line_speakers(scene: dict[str, Any], path: JsonPath) -> list[tuple[JsonPath, Any]]:
    """(path, speaker) of every line of a scene entry that names one, for the
    reference checks."""
    lines = scene.get("lines")
    return [(path + ("lines", number, "speaker"), line.get("speaker"))
            for number, line in enumerate(lines if isinstance(lines, list) else ())
            if isinstance(line, dict) and "speaker" in line]


def speaker_voice(project: Project, speaker: str | None) -> tuple[str | None, float, float]:
    """(voice name or None for the provider's default, pitch in semitones, pace) of a
    line's speaker. The narrator speaks with the project's voice. A character's own
    settings come first; what it leaves unset gets the default of its place among the
    declared characters: a voice name of the provider's list (Gemini), or a pitch and
    pace (piper), so no two characters sound alike by accident."""
    choice = project.providers.voice
    default_voice = choice.options.get("voice")
    if speaker is None:
        return default_voice, 0.0, 1.0
    entry = providers.info("voice", choice.name)
    index = [c.id for c in project.characters].index(speaker)
    found = project.character(speaker)
    voice = found.voice
    if voice is None and entry.speaker_voices:
        # The voices nobody chose, dealt in order to the characters that chose none.
        chosen = {default_voice, *(c.voice for c in project.characters if c.voice)}
        spare = [name for name in entry.speaker_voices if name not in chosen] or list(entry.speaker_voices)
        voiceless = [c.id for c in project.characters if not c.voice]
        voice = spare[voiceless.index(speaker) % len(spare)]
    if not entry.shapes_voice:  # pitch and pace mean nothing to it: kept out of its keys
        return voice or default_voice, 0.0, 1.0
    pitch, pace = found.pitch, found.pace
    if found.voice is None and pitch is None and pace is None:
        pitch, pace = SHAPES[index % len(SHAPES)]
    return voice or default_voice, pitch or 0.0, pace or 1.0


def narration_shape(project: Project, speaker: str | None) -> tuple[float, float]:
    """(pitch, pace) of a narration scene's speaker: only what the character sets
    itself (no default, so narration keeps the voice and the keys it always had),
    and only for providers that shape a voice."""
    if speaker is None or not providers.info("voice", project.providers.voice.name).shapes_voice:
        return 0.0, 1.0
    found = project.character(speaker)
    return found.pitch or 0.0, found.pace or 1.0


NARRATOR = "Narrator"  # the name the narrator's lines are spoken under in a conversation call


def speaker_labels(project: Project, speakers: list[str | None]) -> dict[str | None, str]:
    """The name each speaker (a character id, None for the narrator) is given in one
    conversation call: the character's name, or NARRATOR. The call tells its two
    speakers apart by these names alone, so speakers that would share one (two
    characters called "Sam", a character called "Narrator") get their ids too:
    "Sam (sam_2)", "Narrator (the narrator)" (no id has a space). Invariant: distinct
    speakers get distinct labels."""
    names = {speaker: project.character(speaker).name if speaker else NARRATOR for speaker in dict.fromkeys(speakers)}
    ids = {speaker: speaker or "the narrator" for speaker in names}
    shared = {name for name in names.values() if list(names.values()).count(name) > 1}
    labels = {speaker: f"{name} ({ids[speaker]})" if name in shared else name for speaker, name in names.items()}
    if len(set(labels.values())) < len(labels):  # a name that looks like another's label: "Sam (sam)"
        return ids
    return labels


def conversation_parts(speakers: list[str | None]) -> list[tuple[int, int]]:
    """[start, end) ranges of consecutive lines voiced by one call each when a
    provider speaks a conversation (`dialogue: conversation`): as many lines as keep
    to two speakers (the narrator, None, counts as one), since a multi-speaker call
    takes exactly two; a run with a single speaker is split into single lines,
    which take the one-voice call. Invariant: the ranges cover every line, in order."""
    parts: list[tuple[int, int]] = []
    start = 0
    while start < len(speakers):
        end = start + 1
        while end < len(speakers) and len(set(speakers[start:end + 1])) <= 2:
            end += 1
        if len(set(speakers[start:end])) == 2:
            parts.append((start, end))
        else:
            parts += [(index, index + 1) for index in range(start, end)]
        start = end
    return parts
