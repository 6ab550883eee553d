"""Helpers the step kinds share when they build their steps (all pure)."""

from __future__ import annotations

from typing import Any

from storybuild import providers
from storybuild.model import Project, ProviderChoice
from storybuild.providers.base import CharacterInfo
from storybuild.step import COMPOSER

# Options that change how a provider is called, not what it produces: kept out of keys
# so raising a concurrency limit does not regenerate a whole story.
OPERATIONAL_OPTIONS = frozenset({"concurrency", "retries", "timeout", "poll_seconds"})
# Options storybuild reads itself while laying out steps (how dialogue lines are grouped
# into calls, how a clip fits an animation), never the provider: they change which steps
# there are, or another kind's params, so a provider step's own key leaves them out.
PLANNING_OPTIONS = frozenset({"dialogue", "fit"})


def provider_fields(kind: str, choice: ProviderChoice) -> dict[str, Any]:
    """The Step fields that say which provider runs a step, for a provider family."""
    entry = providers.info(kind, choice.name)
    options = {k: v for k, v in sorted(choice.options.items()) if k not in OPERATIONAL_OPTIONS | PLANNING_OPTIONS}
    return {
        "provider": entry.name,
        "provider_version": entry.version,
        "model": entry.model_for(choice),
        "options": options,
        "paid": entry.paid,
        "cpu": entry.cpu,
        "serial": entry.serial,
    }


def composer_fields(recipe: int) -> dict[str, Any]:
    """The Step fields of a step that storybuild's own composition code runs."""
    return {"provider": COMPOSER, "provider_version": recipe, "model": None}


def character_info(project: Project, character_id: str) -> CharacterInfo:
    character = project.character(character_id)
    return CharacterInfo(id=character.id, name=character.name, description=character.description)


def uses_character_sheets(project: Project) -> bool:
    """True when the image provider draws from reference sheets (and the user kept them)."""
    choice = project.providers.image
    return providers.info("image", choice.name).uses_references and choice.options.get("references", True) is not False
