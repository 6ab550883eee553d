"""Peak memory of a process tree, sampled from /proc (Linux only; bench_render.py's helper).

Two measures per process:

- RSS (/proc/<pid>/stat, a cheap counter) counts every resident page the process maps,
  shared or not. Summed over a tree it counts a shared page once per process: three
  ffmpeg processes count ffmpeg's binary text and its shared libraries three times.
- PSS (proportional set size, /proc/<pid>/smaps_rollup "Pss:", a walk of the page
  tables) charges a page shared by N processes 1/N to each, so a sum over processes
  counts every page once in total: it is the tree's real footprint.
  (Pages shared with a process outside the tree, e.g. libc or the python binary with
  the benchmark's own interpreter, are charged to the tree only in part.)
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

KIB = 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
# Kernels built without CONFIG_PROC_CHILDREN lack the children files: scan /proc instead.
HAS_CHILDREN = os.path.exists(f"/proc/self/task/{os.getpid()}/children")


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(ppid, command name, RSS bytes) from /proc/<pid>/stat (cheap: counters, no page
    walk), or None when the process has exited."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    # The command name is parenthesised and may hold spaces or ')': split after the last ')'.
    close = stat.rindex(b")")
    fields = stat[close + 2 :].split()  # state, ppid, ...; rss (pages) is the 24th field overall
    return int(fields[1]), stat[stat.index(b"(") + 1 : close].decode(errors="replace"), int(fields[21]) * PAGE


def _children(pid: int) -> list[int]:
    """Child pids of every thread of `pid`, from /proc/<pid>/task/<tid>/children."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:  # exited
        return []
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as handle:
                found.extend(int(child) for child in handle.read().split())
        except OSError:  # the thread exited meanwhile
            continue
    return found


def _scan_children() -> dict[int, list[int]]:
    """ppid -> child pids from a scan of every /proc/<pid>/stat (the slow fallback)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (stat := _stat(int(name))) is not None:
            children.setdefault(stat[0], []).append(int(name))
    return children


def tree(root: int) -> list[tuple[int, str, int]]:
    """(pid, command, RSS bytes) of `root` and all its descendants alive now; [] when
    root is gone."""
    scanned = None if HAS_CHILDREN else _scan_children()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        stat = _stat(pid)
        if stat is None:
            continue
        found.append((pid, stat[1], stat[2]))
        todo.extend(_children(pid) if scanned is None else scanned.get(pid, []))
    return found if found and found[0][0] == root else []


def pss(pid: int) -> int | None:
    """PSS in bytes of one process (a walk of its page tables: ~4 ms for 400 MB), or None
    when it has exited."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * KIB
    except OSError:
        pass
    return None


@dataclass
class Peaks:
    """Peaks over all samples, bytes. Invariant: every peak only grows while sampling.
    `at_pss_peak` maps command -> [processes, PSS, RSS] in the sample where the tree's
    PSS sum peaked (tree PSS and tree RSS may peak in different samples)."""

    tree_pss: int = 0
    tree_rss: int = 0
    root_pss: int = 0
    root_rss: int = 0
    samples: int = 0
    pss_reads: int = 0  # samples that read PSS (the others could not raise a PSS peak)
    cpu_seconds: float = 0.0  # the sampler's own CPU time (it competes with the measured tree)
    at_pss_peak: dict[str, list[int]] = field(default_factory=dict)


class TreeSampler(threading.Thread):
    """Samples the memory of `root` and its descendants every `interval` seconds until
    stopped; the peaks are in `self.peaks`."""

    def __init__(self, root: int, interval: float):
        super().__init__(daemon=True)
        self.root, self.interval, self.peaks = root, interval, Peaks()
        self._halt = threading.Event()

    def run(self) -> None:
        while True:
            started = time.thread_time()
            self._sample()
            self.peaks.cpu_seconds += time.thread_time() - started
            if self._halt.wait(self.interval):
                return

    def stop(self) -> Peaks:
        self._halt.set()
        self.join()
        return self.peaks

    def _sample(self) -> None:
        """RSS comes from cheap counters every sample. PSS needs a page-table walk, so it
        is read only when this sample could raise a PSS peak: PSS <= RSS for every
        process, so a tree (or root) whose RSS is at most the PSS peak cannot beat it."""
        procs = tree(self.root)
        if not procs:  # not started yet, or already exited
            return
        peaks = self.peaks
        peaks.samples += 1
        tree_rss, root_rss = sum(rss for _, _, rss in procs), procs[0][2]
        peaks.tree_rss, peaks.root_rss = max(peaks.tree_rss, tree_rss), max(peaks.root_rss, root_rss)
        if tree_rss <= peaks.tree_pss and root_rss <= peaks.root_pss:
            return
        peaks.pss_reads += 1
        by_command: dict[str, list[int]] = {}
        for pid, command, rss in procs:
            size = pss(pid)
            if size is None:
                continue
            if pid == self.root:
                peaks.root_pss = max(peaks.root_pss, size)
            entry = by_command.setdefault(command, [0, 0, 0])
            entry[0] += 1
            entry[1] += size
            entry[2] += rss
        tree_pss = sum(entry[1] for entry in by_command.values())
        if tree_pss > peaks.tree_pss:
            peaks.tree_pss, peaks.at_pss_peak = tree_pss, by_command
