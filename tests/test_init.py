"""`storybuild init` as a new user meets it: the files it writes, their modes, the
schema copy that makes the modeline work wherever the project is cloned."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import yaml
from conftest import run_cli, write_story

import storybuild
from storybuild.model import slugify
from storybuild.providers import missing_modules

INSTALLED_SCHEMA = Path(storybuild.__file__).with_name("story.schema.json")


def init(target: Path, *extra: str, umask: int = 0o022) -> subprocess.CompletedProcess:
    """Run `storybuild init` in a child with the given umask (the user's, not ours)."""
    args = [sys.executable, "-m", "storybuild", "init", str(target), "--theme", "a cat and a dog playing",
            "--scenes", "4", *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(umask))


def test_init_prints_what_it_wrote_and_the_next_command(tmp_path):
    result = init(tmp_path / "pets")
    assert result.returncode == 0, result.stderr
    title = yaml.safe_load((tmp_path / "pets" / "story.yaml").read_text())["title"]
    assert result.stdout == (
        f'wrote {tmp_path / "pets" / "story.yaml"}: "{title}", 4 scenes, 2 characters\n'
        f"  and .storybuild/story.schema.json, README.md and .gitignore in {tmp_path / 'pets'}\n"
        f"render it with: storybuild render {tmp_path / 'pets'}\n")
    assert run_cli("validate", str(tmp_path / "pets"), check=True).stdout.endswith("ok (4 scenes, 2 characters)\n")
    again = run_cli("init", str(tmp_path / "pets"), "--theme", "x")
    assert again.returncode == 2 and "already exists; use --force" in again.stderr


def test_the_modeline_names_a_schema_copy_next_to_the_story(tmp_path):
    init(tmp_path / "pets")
    story = (tmp_path / "pets" / "story.yaml").read_text()
    assert story.splitlines()[0] == "# yaml-language-server: $schema=.storybuild/story.schema.json"
    assert (tmp_path / "pets" / ".storybuild" / "story.schema.json").read_bytes() == INSTALLED_SCHEMA.read_bytes()
    assert str(tmp_path) not in story and "file:" not in story


def test_files_follow_the_users_umask(tmp_path):
    init(tmp_path / "shared", umask=0o022)
    init(tmp_path / "private", umask=0o027)
    for name in ("story.yaml", "README.md", ".gitignore", ".storybuild/story.schema.json"):
        assert stat.S_IMODE((tmp_path / "shared" / name).stat().st_mode) == 0o644, name
        assert stat.S_IMODE((tmp_path / "private" / name).stat().st_mode) == 0o640, name


def test_the_readme_says_how_to_render_and_an_existing_one_is_kept(tmp_path):
    init(tmp_path / "pets")
    readme = (tmp_path / "pets" / "README.md").read_text()
    title = yaml.safe_load((tmp_path / "pets" / "story.yaml").read_text())["title"]
    assert readme.startswith(f"# {title}\n")
    assert "storybuild render\n" in readme
    assert f"`build/{slugify(title)}.mp4`" in readme
    (tmp_path / "pets" / "README.md").write_text("mine\n")
    result = init(tmp_path / "pets", "--force")
    assert result.stdout.splitlines()[1] == f"  and .storybuild/story.schema.json in {tmp_path / 'pets'}"
    assert (tmp_path / "pets" / "README.md").read_text() == "mine\n"


def test_validate_brings_an_old_schema_copy_up_to_date(tmp_path):
    init(tmp_path / "pets")
    copy = tmp_path / "pets" / ".storybuild" / "story.schema.json"
    copy.write_text('{"title": "the schema of an older storybuild"}')
    result = run_cli("validate", str(tmp_path / "pets"), check=True)
    assert result.stderr == f"updated {copy} to the schema of storybuild {storybuild.__version__}\n"
    assert copy.read_bytes() == INSTALLED_SCHEMA.read_bytes()
    assert run_cli("validate", str(tmp_path / "pets"), check=True).stderr == ""
    copy.unlink()
    assert run_cli("validate", str(tmp_path / "pets"), check=True).stderr.startswith("updated ")
    assert copy.exists()


def test_validate_leaves_alone_a_story_whose_modeline_points_elsewhere(tmp_path):
    init(tmp_path / "pets")
    story = tmp_path / "pets" / "story.yaml"
    lines = story.read_text().splitlines(keepends=True)
    story.write_text("# yaml-language-server: $schema=../schemas/story.schema.json\n" + "".join(lines[1:]))
    (tmp_path / "pets" / ".storybuild" / "story.schema.json").unlink()
    assert run_cli("validate", str(tmp_path / "pets"), check=True).stderr == ""
    assert not (tmp_path / "pets" / ".storybuild" / "story.schema.json").exists()


def without_google_genai(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The CLI in a child where google-genai counts as not installed (find_spec and
    import both see None in sys.modules), with a key set so only the package is missing."""
    code = ("import sys\nsys.modules['google.genai'] = None\n"
            f"sys.argv = ['storybuild', *{list(args)!r}]\nfrom storybuild.cli import run\nrun()")
    env = {**os.environ, "GEMINI_API_KEY": "test-key-not-real"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


def test_gemini_without_its_extra_names_the_extra_in_init_and_render(tmp_path, small_story):
    message = ("Error: the 'gemini' {} provider needs the optional package(s) google.genai: "
               "pip install 'storybuild[gemini]'\n")
    result = without_google_genai("init", "pets", "--theme", "a cat", "--writer", "gemini", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, message.format("text"))
    assert not (tmp_path / "pets").exists()
    small_story["providers"] = {"image": {"provider": "gemini"}}
    write_story(tmp_path / "story", small_story)
    result = without_google_genai("render", "story", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, message.format("image"))


def test_a_dotted_module_whose_parent_is_absent_counts_as_missing():
    entry = SimpleNamespace(requires=("json", "no_such_parent_pkg.genai", "json.no_such_child"))
    assert missing_modules(entry) == ["no_such_parent_pkg.genai", "json.no_such_child"]
