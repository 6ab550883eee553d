"""`storybuild init`: have a story writer draft story.yaml, validate it, write it."""

from __future__ import annotations

from pathlib import Path

import storybuild
from storybuild import providers
from storybuild.errors import InputError, ProviderError, StorybuildError, StoryValidationError
from storybuild.model import ProviderChoice
from storybuild.atomic import write_atomic

GITIGNORE = "build/\n.storybuild.yaml\n"  # your remote store settings stay yours


def schema_reference() -> str:
    """Where editors find the schema: the copy installed with storybuild."""
    return (Path(storybuild.__file__).resolve().parent / "story.schema.json").as_uri()


def write_new_project(directory: Path, theme: str, scene_count: int, writer: str, force: bool) -> Path:
    """Write DIRECTORY/story.yaml (and a .gitignore for build/); returns the story path.
    Nothing is written unless the generated story validates."""
    from storybuild.project import validate_document
    from storybuild.story_yaml import dump_story

    target = directory / "story.yaml"
    if target.exists() and not force:
        raise InputError(f"{target} already exists; use --force to overwrite it")
    if not theme.strip():
        raise InputError("--theme must not be empty")
    if writer == "gemini":
        from storybuild.report import check_credentials_for_init

        check_credentials_for_init()
    try:
        document = providers.create("text", ProviderChoice(writer)).write_story(theme.strip(), scene_count)
    except ProviderError as error:
        raise StorybuildError(f"the {writer} writer could not write the story: {error}") from None
    problems = validate_document(document, source=f"story written by the {writer} writer")
    if problems:
        raise StoryValidationError(problems)
    write_atomic(target, dump_story(document, schema_reference()).encode("utf-8"))
    ignore = directory / ".gitignore"
    if not ignore.exists():
        write_atomic(ignore, GITIGNORE.encode("utf-8"))
    return target
