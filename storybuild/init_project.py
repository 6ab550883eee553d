"""`storybuild init`: have a story writer draft story.yaml, validate it, write it with
what a new project needs to be shared: a copy of the schema next to it (so editors
complete and check fields on any machine the project is cloned to), a README that says
how to render, and a .gitignore for build/."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import storybuild
from storybuild import events, providers
from storybuild.atomic import write_atomic
from storybuild.errors import InputError, ProviderError, StorybuildError, StoryValidationError
from storybuild.model import ProviderChoice

GITIGNORE = "build/\n.storybuild.yaml\n"  # your remote store settings stay yours
# Relative to story.yaml, so the modeline holds wherever the project is cloned; the
# language server resolves a relative $schema against the document's own folder.
VENDORED_SCHEMA = ".storybuild/story.schema.json"
MODELINE = f"# yaml-language-server: $schema={VENDORED_SCHEMA}"
README = """\
# {title}

A narrated story video made with storybuild. The story is `story.yaml`: its scenes,
each with a picture prompt and a line of narration. Edit it, then render:

```sh
storybuild render
```

The video is `build/{slug}.mp4`,
with its captions beside it (`.srt`, `.vtt`). A render makes again only what changed;
`storybuild status` tells what it would do. `build/` is generated: keep it out of git
(`.gitignore` does). `.storybuild/story.schema.json` lets editors complete and check
story.yaml; `storybuild validate` checks the story and keeps that copy current.
"""


@dataclass(frozen=True)
class NewProject:
    """What `init` wrote. `story` is always among `written`; the others are listed in
    the order they were written and only when `init` made them (never overwritten)."""

    story: Path
    written: tuple[Path, ...]
    title: str
    scenes: int
    characters: int


def write_new_project(directory: Path, theme: str, scene_count: int, writer: str, force: bool) -> NewProject:
    """Write DIRECTORY/story.yaml, the vendored schema, and a README.md and .gitignore
    when absent. Nothing is written unless the generated story validates."""
    from storybuild.project import validate_document
    from storybuild.story_yaml import dump_story

    target = directory / "story.yaml"
    if target.exists() and not force:
        raise InputError(f"{target} already exists; use --force to overwrite it")
    if not theme.strip():
        raise InputError("--theme must not be empty")
    from storybuild.providers import check_installed
    from storybuild.report import check_credentials_for_init

    check_installed("text", writer)
    check_credentials_for_init(writer)
    try:
        # No render, no progress display: a writer's waits (rate limits) go to stderr as they happen.
        with events.step_scope("init", lambda _step, message: print(f"waiting: {message}", file=sys.stderr,
                                                                     flush=True)):
            document = providers.create("text", ProviderChoice(writer)).write_story(theme.strip(), scene_count)
    except ProviderError as error:
        raise StorybuildError(f"the {writer} writer could not write the story: {error}") from None
    problems = validate_document(document, source=f"story written by the {writer} writer")
    if problems:
        raise StoryValidationError(problems)
    written = [target]
    write_shared(target, dump_story(document, VENDORED_SCHEMA).encode("utf-8"))
    written.append(refresh_schema(directory, always=True))
    for name, text in (("README.md", _readme(document)), (".gitignore", GITIGNORE)):
        if not (directory / name).exists():
            write_shared(directory / name, text.encode("utf-8"))
            written.append(directory / name)
    return NewProject(target, tuple(written), document["title"], len(document["scenes"]),
                      len(document.get("characters", {})))


def init_message(project: NewProject, directory: Path) -> str:
    """What `init` prints: the story, the other files it made, the next command."""
    others = [str(path.relative_to(directory)) for path in project.written if path != project.story]
    listed = ", ".join(others[:-1]) + " and " + others[-1] if len(others) > 1 else "".join(others)
    lines = [f'wrote {project.story}: "{project.title}", {project.scenes} scene{"s" * (project.scenes != 1)}, '
             f'{project.characters} character{"s" * (project.characters != 1)}']
    if others:
        lines.append(f"  and {listed} in {directory}")
    lines.append(f"render it with: storybuild render {directory}")
    return "\n".join(lines)


def refresh_schema(directory: Path, always: bool = False) -> Path | None:
    """Make DIRECTORY/.storybuild/story.schema.json the installed storybuild's schema.
    Unless `always`, only when story.yaml's modeline names that copy and it differs
    (another storybuild version wrote it, or it is missing). Returns the path written."""
    copy = directory / VENDORED_SCHEMA
    if not always:
        story = directory / "story.yaml"
        try:
            with story.open("rb") as handle:
                first = handle.readline(4096).decode("utf-8", "replace").strip().lstrip("\ufeff")
        except OSError:
            return None
        if first != MODELINE or (copy.is_file() and not copy.is_symlink() and copy.read_bytes() == _schema_bytes()):
            return None
    write_shared(copy, _schema_bytes())
    return copy


def write_shared(path: Path, data: bytes) -> None:
    """Write atomically, readable as the user's umask allows (a temp file is 0600):
    a file meant to be committed, served or shared, like any the user's editor writes."""
    write_atomic(path, data)
    os.chmod(path, 0o666 & ~_umask())


def _umask() -> int:
    # The only portable way to read the umask is to set it; put it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _schema_bytes() -> bytes:
    return (Path(storybuild.__file__).resolve().parent / "story.schema.json").read_bytes()


def _readme(document: dict) -> str:
    from storybuild.model import slugify

    return README.format(title=document["title"], slug=slugify(document["title"]))
