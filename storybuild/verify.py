"""`storybuild verify`: re-hash every stored object, check every trace, and repair.

Reading is safe while a render runs (objects and traces appear by atomic rename);
repairing removes files, so the CLI holds the project lock for it. Repair only ever
deletes inside build/.storybuild/ and views that are hard links of a damaged object
(they share its bytes), so a file a user put in build/ is never touched.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from storybuild.buildfs import is_view_path
from storybuild.errors import StorybuildError
from storybuild.keys import digest_file
from storybuild.store import Store, Trace
from storybuild.store_records import DIGEST, trace_problem

# Step kinds whose id is "<kind>/<scene id>" (graph.py names them so).
SCENE_KINDS = ("image", "voice", "clip")


@dataclass(frozen=True)
class Damage:
    """One damaged file of the store. `path` is what repair removes; `what` names it
    ("object 3fa2c81b09de", "trace 1a2b3c4d5e6f"); `steps` are the step ids whose
    traces refer to it (empty for an object no trace names)."""

    path: Path
    what: str
    problem: str
    steps: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        if not self.steps:
            suffix = " (no step refers to it)" if self.what.startswith("object") else ""
            return [f"damaged: {self.what} {self.problem}{suffix}"]
        return [f"damaged: {step}{_scene(step)}: {self.what} {self.problem}" for step in self.steps]


@dataclass
class Report:
    """What verify found: counts checked, and every damaged file (objects first)."""

    objects: int = 0
    traces: int = 0
    damaged: list[Damage] = field(default_factory=list)
    removed_views: int = 0

    def text(self, repaired: bool) -> str:
        lines = [line for damage in self.damaged for line in damage.lines()]
        checked = f"{_count(self.objects, 'object')} and {_count(self.traces, 'trace')} checked"
        if not self.damaged:
            lines.append(f"store ok: {checked}, nothing damaged")
        elif repaired:
            lines.append(f"{len(self.damaged)} damaged ({checked}); removed them and {_count(self.removed_views, 'view')}"
                         " showing them: `storybuild render` rebuilds those steps")
        else:
            lines.append(f"{len(self.damaged)} damaged ({checked}); `storybuild verify --repair` removes them, "
                         "then `storybuild render` rebuilds those steps")
        return "\n".join(lines)


def verify(store: Store) -> Report:
    """Hash every object, parse every trace; report what does not match. Reads only."""
    report = Report()
    traces: list[Trace] = []
    for path in sorted(store.all_trace_files()):
        report.traces += 1
        trace, problem = _check_trace(path)
        if problem:
            report.damaged.append(Damage(path, f"trace {path.stem[:12]}", problem, _step_of(path)))
        elif trace is not None:
            traces.append(trace)
    users: dict[str, list[str]] = {}
    for trace in traces:
        for digest in trace.outputs.values():
            users.setdefault(digest, []).append(trace.step)
    bad_objects = []
    for path in sorted(p for p in store.all_object_files() if not p.is_dir()):
        report.objects += 1
        problem = _check_object(path)
        if problem:
            digest = path.parent.name + path.name
            steps = tuple(dict.fromkeys(users.get(digest, ())))
            bad_objects.append(Damage(path, f"object {digest[:12]}", problem, steps))
    report.damaged[:0] = bad_objects
    current = store.meta / "current.json"
    if _current_file_damaged(current):
        report.damaged.append(Damage(current, "current.json", "is not a JSON object of step ids and keys"))
    return report


def repair(store: Store, report: Report) -> None:
    """Remove every damaged file in `report`, the views that are hard links of damaged
    objects, and the current.json entries whose outputs are gone, so that the next
    render decides those steps stale and rebuilds them (and whatever depends on them)."""
    doomed = set()
    for damage in report.damaged:
        try:
            info = os.stat(damage.path)
            if damage.what.startswith("object"):
                doomed.add((info.st_dev, info.st_ino))
        except OSError:
            pass
    report.removed_views = _remove_views(store.build_dir, doomed)
    for damage in report.damaged:
        try:
            damage.path.unlink(missing_ok=True)
        except OSError as error:
            raise StorybuildError(f"cannot remove {damage.path}: {error.strerror}") from None
    current = store.current()
    kept = {step: key for step, key in current.items() if _still_usable(store, key)}
    if kept != current:
        store.replace_current(kept)


def _check_trace(path: Path) -> tuple[Trace | None, str | None]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None, None  # removed since the listing (gc, or a render's repair): nothing damaged
    except OSError as error:
        return None, f"cannot be read ({error.strerror})"
    except ValueError:
        return None, "is not valid JSON"
    if not DIGEST.fullmatch(path.stem) or path.parent.name != path.stem[:2]:
        return None, "is not named by a key"
    problem = trace_problem(data, path.stem)
    if problem:
        return None, f"has the wrong shape: {problem}"
    return Trace.from_json(data), None


def _check_object(path: Path) -> str | None:
    try:
        if digest_file(path) != path.parent.name + path.name:
            return "does not match its digest"
    except FileNotFoundError:
        return None  # removed since the listing: nothing damaged
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    return None


def _step_of(path: Path) -> tuple[str, ...]:
    """The step a damaged trace names, when it still names one."""
    try:
        step = json.loads(path.read_text("utf-8")).get("step")
    except (OSError, ValueError, AttributeError):
        return ()
    return (step,) if isinstance(step, str) and step else ()


def _remove_views(build_dir: Path, doomed: set[tuple[int, int]]) -> int:
    """Remove the views under build/ (outside the store) that are the doomed objects.
    Only files at view paths: a hard link you made elsewhere in build/ is yours."""
    removed = 0
    if not doomed:
        return 0
    for folder, dirs, files in os.walk(build_dir):
        if Path(folder) == build_dir:
            dirs[:] = [d for d in dirs if d != ".storybuild"]
        for name in files:
            path = Path(folder) / name
            if not is_view_path(path.relative_to(build_dir)):
                continue
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if (info.st_dev, info.st_ino) in doomed:
                try:
                    path.unlink(missing_ok=True)
                except OSError as error:
                    raise StorybuildError(f"cannot remove {path}: {error.strerror}") from None
                removed += 1
    return removed


def _still_usable(store: Store, key: str) -> bool:
    trace = store.trace(key)
    return trace is not None and all(store.object_path(d).is_file() for d in trace.outputs.values())


def _current_file_damaged(path: Path) -> bool:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True
    return not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values())


def _scene(step: str) -> str:
    kind, _, scene = step.partition("/")
    return f" (scene {scene})" if kind in SCENE_KINDS and scene else ""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
